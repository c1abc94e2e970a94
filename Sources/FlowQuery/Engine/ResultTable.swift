import FlowLog

/// One output column of a query result, kept in the form the engine computed it in: a grouped
/// query with millions of result rows then makes no `Value` (and no `String`) per cell unless a
/// caller asks for one; `appendCSV` writes cells straight from these arrays.
public struct ResultColumn: Sendable {
    enum Storage: Sendable {
        case values([Value])
        case ints([Int64], nulls: [Bool]?)
        case doubles([Double], nulls: [Bool]?)
        case timestamps([Int64], nulls: [Bool]?)
        /// VARCHAR text forms of addresses.
        case addressText(high: [UInt64], low: [UInt64], nulls: [Bool]?)
        /// VARCHAR by id in `dictionary` (0 = NULL).
        case text(ids: [UInt32], dictionary: ByteDictionary)
    }

    let storage: Storage

    public var count: Int {
        switch storage {
        case .values(let v): return v.count
        case .ints(let v, _), .timestamps(let v, _): return v.count
        case .doubles(let v, _): return v.count
        case .addressText(let h, _, _): return h.count
        case .text(let ids, _): return ids.count
        }
    }

    public func value(_ row: Int) -> Value {
        switch storage {
        case .values(let v): return v[row]
        case .ints(let v, let n): return n?[row] == true ? .null : .int(v[row])
        case .doubles(let v, let n): return n?[row] == true ? .null : .double(v[row])
        case .timestamps(let v, let n): return n?[row] == true ? .null : .timestamp(v[row])
        case .addressText(let h, let l, let n):
            return n?[row] == true ? .null : .string(IPAddress(high: h[row], low: l[row]).description)
        case .text(let ids, let d): return ids[row] == 0 ? .null : .string(d.string(ids[row]))
        }
    }

    /// Appends the RFC 4180 CSV field of `row` (NULL is an empty field).
    func appendCSV(_ row: Int, to out: inout [UInt8]) {
        switch storage {
        case .ints(let v, let n):
            if n?[row] == true { return }
            ResultColumn.appendDecimal(v[row], to: &out)
        case .addressText(let h, let l, let n):
            if n?[row] == true { return }
            let a = IPAddress(high: h[row], low: l[row])
            if let v4 = a.ipv4 {
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buf in
                    let k = IPAddress.writeIPv4(v4, to: buf)
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[0..<k]))
                }
            } else {
                out.append(contentsOf: a.description.utf8)  // IPv6 text has no CSV specials
            }
        case .text(let ids, let d):
            if ids[row] == 0 { return }
            d.value(ids[row]).withUnsafeBytes { ResultColumn.appendField($0, to: &out) }
        default:
            let v = value(row)
            switch v {
            case .null: return
            case .int(let x): ResultColumn.appendDecimal(x, to: &out)
            default:
                var s = v.description
                s.withUTF8 { ResultColumn.appendField(UnsafeRawBufferPointer($0), to: &out) }
            }
        }
    }

    static func appendField(_ u: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        if u.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
            out.append(0x22)
            for b in u {
                if b == 0x22 { out.append(0x22) }
                out.append(b)
            }
            out.append(0x22)
        } else {
            out.append(contentsOf: u)
        }
    }

    static func appendDecimal(_ x: Int64, to out: inout [UInt8]) {
        if x < 0 { out.append(0x2D) }
        var m = x.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            var i = 20
            repeat {
                i -= 1
                buf[i] = 0x30 + UInt8(m % 10)
                m /= 10
            } while m > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<20]))
        }
    }
}

public struct QueryResult: Sendable {
    public var columns: [String]
    public var types: [ValueType]
    public var data: [ResultColumn]
    public var rowCount: Int
    public var stats: QueryStats
    public var plan: String

    /// Every row as values (makes a `Value` per cell: for tests and the table and JSON printers).
    public var rows: [[Value]] {
        (0..<rowCount).map { r in data.map { $0.value(r) } }
    }

    /// The whole result as RFC 4180 CSV with a header row and CRLF line ends.
    public func csvBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + rowCount * max(1, columns.count) * 12)
        for (i, c) in columns.enumerated() {
            if i > 0 { out.append(0x2C) }
            var s = c
            s.withUTF8 { ResultColumn.appendField(UnsafeRawBufferPointer($0), to: &out) }
        }
        out.append(0x0D); out.append(0x0A)
        for r in 0..<rowCount {
            for (i, c) in data.enumerated() {
                if i > 0 { out.append(0x2C) }
                c.appendCSV(r, to: &out)
            }
            out.append(0x0D); out.append(0x0A)
        }
        return out
    }
}
