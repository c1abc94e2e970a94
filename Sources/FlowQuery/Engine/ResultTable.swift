import CIntrinsics
import FlowLog
import FlowSupport

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
        /// GROUP BY key `key` of the groups in result order, read from the aggregator's key words
        /// (a bigint, timestamp or address key: no copy per column of millions of groups).
        case groupKey(GroupRows, key: Int)
    }

    let storage: Storage

    public var count: Int {
        switch storage {
        case .values(let v): return v.count
        case .ints(let v, _), .timestamps(let v, _): return v.count
        case .doubles(let v, _): return v.count
        case .addressText(let h, _, _): return h.count
        case .text(let ids, _): return ids.count
        case .groupKey(let g, _): return g.order.count
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
        case .groupKey(let g, let k):
            let group = Int(g.order[row])
            var c = EvalContext()
            c.groups = g.aggregator
            return Evaluator.value(g.aggregator.keyScalar(k, group), c)
        }
    }

    /// Every cell's RFC 4180 CSV field, one after another in `arena`, cell i ending at
    /// `ends[i]` (NULL is an empty field), for the columns `CellWriter` does not format in place
    /// (text, doubles, timestamps, values). Done a column at a time so that the type is decided
    /// once per column, not once per cell.
    func renderCSV(into arena: inout [UInt8], ends: inout [Int]) {
        switch storage {
        case .text(let ids, let d):
            for id in ids {
                if id != 0 { d.value(id).withUnsafeBytes { ResultColumn.appendField($0, to: &arena) } }
                ends.append(arena.count)
            }
        default:
            for i in 0..<count {
                switch value(i) {
                case .null: break
                case .int(let x): ResultColumn.appendDecimal(x, to: &arena)
                case let v:
                    var s = v.description
                    s.withUTF8 { ResultColumn.appendField(UnsafeRawBufferPointer($0), to: &arena) }
                }
                ends.append(arena.count)
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

    /// The first `n` rows.
    public func prefix(_ n: Int) -> QueryResult {
        let k = min(n, rowCount)
        var r = self
        r.data = data.map { c in ResultColumn(storage: .values((0..<k).map { c.value($0) })) }
        r.rowCount = k
        return r
    }

    /// The whole result as RFC 4180 CSV with a header row and CRLF line ends.
    public func csvBytes() -> [UInt8] {
        Array(csvParts(threads: 1).joined())
    }

    /// Writes the CSV of `csvBytes()` through `write`, in chunks of 65 536 rows formatted by up to
    /// `threads` threads and written in order: a result of millions of rows costs a few
    /// reusable buffers, not fresh memory for all of its text.
    public func writeCSV(threads: Int, _ write: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        let chunks = max(1, (rowCount + 65_535) / 65_536)
        let job = CSVJob(self, parts: chunks)
        let turns = CSVTurns()
        runThreads(min(chunks, max(1, min(threads, 16)))) { _ in
            var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
            defer { buffer.deallocate() }
            while let i = turns.claim(chunks) {
                let n = job.format(part: i, into: &buffer)
                turns.write(i) { write(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) }
            }
        }
    }

    /// The CSV of `csvBytes()` in consecutive parts, formatted by up to `threads` threads (a
    /// result of millions of rows is formatted in parallel; write the parts in order).
    public func csvParts(threads: Int) -> [[UInt8]] {
        let parts = rowCount < 100_000 ? 1 : max(1, min(threads, 16))
        let job = CSVJob(self, parts: parts)
        if parts == 1 { job.format(part: 0) } else { runThreads(parts) { job.format(part: $0) } }
        return job.outputs.map(\.bytes)
    }
}

/// Hands out CSV chunks to format in order and lets them be written in order.
private final class CSVTurns: @unchecked Sendable {
    private let monitor = Monitor()
    private var nextToFormat = 0
    private var nextToWrite = 0

    func claim(_ count: Int) -> Int? {
        monitor.withLock {
            guard nextToFormat < count else { return nil }
            nextToFormat += 1
            return nextToFormat - 1
        }
    }

    /// Runs `body` once chunk `i - 1` has been written.
    func write(_ i: Int, _ body: () -> Void) {
        monitor.withLock { while nextToWrite != i { monitor.wait() } }
        body()
        monitor.withLock {
            nextToWrite += 1
            monitor.broadcast()
        }
    }
}

/// Formats a result as CSV, rows split into parts formatted independently. Columns held as
/// plain numbers and addresses are formatted straight from their memory; the others are
/// rendered a column at a time first (the k-th such column's cell r ends at
/// ends[k * rowCount + r] of one arena). Each part is written into its array's storage
/// directly, within a bound computed first (an Array append per cell costs more than
/// formatting the cell).
final class CSVJob: @unchecked Sendable {
    final class Part { var bytes: [UInt8] = [] }

    let result: QueryResult
    let header: [UInt8]
    let writers: [CellWriter]
    let arena: [UInt8]
    let ends: [Int]
    let perRow: Int
    let outputs: [Part]

    init(_ r: QueryResult, parts: Int) {
        result = r
        var h: [UInt8] = []
        for (i, c) in r.columns.enumerated() {
            if i > 0 { h.append(0x2C) }
            var s = c
            s.withUTF8 { ResultColumn.appendField(UnsafeRawBufferPointer($0), to: &h) }
        }
        h.append(0x0D); h.append(0x0A)
        header = h
        var arena: [UInt8] = [], ends: [Int] = [], writers: [CellWriter] = []
        var renderedColumns = 0
        for c in r.data {
            if let w = CellWriter(c.storage) {
                writers.append(w)
            } else {
                writers.append(.rendered(renderedColumns))
                renderedColumns += 1
                c.renderCSV(into: &arena, ends: &ends)
            }
        }
        var perRow = r.data.count + 2
        for w in writers {
            switch w {
            case .rendered: break
            case .int, .keyInt: perRow += 20
            case .address, .keyAddress: perRow += 39
            }
        }
        self.arena = arena
        self.ends = ends
        self.writers = writers
        self.perRow = perRow
        outputs = (0..<parts).map { _ in Part() }
    }

    func format(part: Int) {
        let (lo, hi, bound) = extent(part)
        let bytes = [UInt8](unsafeUninitializedCapacity: bound) { buf, written in
            written = fill(buf.baseAddress!, part == 0 ? header : [], lo, hi)
        }
        outputs[part].bytes = bytes
    }

    /// Part `part`'s rows and an upper bound of its bytes.
    func extent(_ part: Int) -> (lo: Int, hi: Int, bound: Int) {
        let rowCount = result.rowCount
        let lo = rowCount * part / outputs.count, hi = rowCount * (part + 1) / outputs.count
        let renderedBytes = lo == hi ? 0 : writers.indices.reduce(0) { sum, c in
            guard case .rendered(let k) = writers[c] else { return sum }
            let first = k * rowCount + lo, last = k * rowCount + hi - 1
            return sum + ends[last] - (first == 0 ? 0 : ends[first - 1])
        }
        return (lo, hi, (part == 0 ? header.count : 0) + renderedBytes + (hi - lo) * perRow)
    }

    /// Formats part `part` into `buffer` (grown as needed); returns the bytes written.
    func format(part: Int, into buffer: inout UnsafeMutableRawBufferPointer) -> Int {
        let (lo, hi, bound) = extent(part)
        if buffer.count < bound {
            buffer.deallocate()
            buffer = .allocate(byteCount: bound, alignment: 16)
        }
        return fill(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), part == 0 ? header : [], lo, hi)
    }

    /// Writes the header (if any) and rows lo..<hi at `start`; returns the bytes written.
    private func fill(_ start: UnsafeMutablePointer<UInt8>, _ header: [UInt8], _ lo: Int, _ hi: Int) -> Int {
        let rowCount = result.rowCount, columnCount = result.data.count
        var o = CSVCursor(start)
        header.withUnsafeBufferPointer { o.put($0) }
        // Group keys are read in result order, not memory order: start loading the key rows a
        // few result rows ahead.
        var ahead: (keys: UnsafePointer<UInt64>, order: UnsafePointer<Int32>, width: Int)? = nil
        for w in writers {
            if case .keyInt(let k, let ord, let width, _, _, _) = w { ahead = (k, ord, width); break }
            if case .keyAddress(let k, let ord, let width, _, _, _, _) = w { ahead = (k, ord, width); break }
        }
        // `result` (held by self) keeps alive the memory the writers point into.
        arena.withUnsafeBufferPointer { a in
            ends.withUnsafeBufferPointer { e in
                for r in lo..<hi {
                    if let ahead, r + 32 < hi {
                        // A key row may straddle two cache lines: ask for both.
                        let row = ahead.keys + Int(ahead.order[r + 32]) * ahead.width
                        flowarc_prefetch(row)
                        flowarc_prefetch(row + ahead.width - 1)
                    }
                    for c in 0..<columnCount {
                        if c > 0 { o.put(0x2C) }
                        switch writers[c] {
                        case .rendered(let k):
                            let i = k * rowCount + r
                            o.put(UnsafeBufferPointer(rebasing: a[(i == 0 ? 0 : e[i - 1])..<e[i]]))
                        case .int(let v, let nulls):
                            if nulls?[r] != true { o.putDecimal(v[r]) }
                        case .address(let hi, let lo, let nulls):
                            if nulls?[r] != true { o.putAddress(IPAddress(high: hi[r], low: lo[r])) }
                        case .keyInt(let keys, let order, let width, let field, let nullWord, let bit):
                            let row = keys + Int(order[r]) * width
                            if row[nullWord] & bit == 0 { o.putDecimal(Int64(bitPattern: field.read(row))) }
                        case .keyAddress(let keys, let order, let width, let address, let v6, let nullWord, let bit):
                            let row = keys + Int(order[r]) * width
                            if row[nullWord] & bit == 0 { o.putAddress(address.read(row, v6)) }
                        }
                    }
                    o.put(0x0D)
                    o.put(0x0A)
                }
            }
        }
        return o.p - start
    }
}

/// The groups of a grouped result in result order, with the aggregator whose key words hold
/// their keys (kept alive, and no longer changed, for as long as the result exists).
final class GroupRows: @unchecked Sendable {
    let aggregator: Aggregator
    let order: [Int32]

    init(_ aggregator: Aggregator, _ order: [Int32]) {
        self.aggregator = aggregator
        self.order = order
    }
}

/// How `QueryResult.csvBytes` formats one column's cells: raw views of the column's memory, so
/// that the per-cell loop copies no array (a retain and release each). The views are valid
/// while the `QueryResult` holding the column is alive.
enum CellWriter {
    /// The k-th column rendered into the arena.
    case rendered(Int)
    case int(UnsafePointer<Int64>, nulls: UnsafePointer<Bool>?)
    case address(UnsafePointer<UInt64>, UnsafePointer<UInt64>, nulls: UnsafePointer<Bool>?)
    case keyInt(keys: UnsafePointer<UInt64>, order: UnsafePointer<Int32>, width: Int, field: KeyField, nullWord: Int, bit: UInt64)
    case keyAddress(keys: UnsafePointer<UInt64>, order: UnsafePointer<Int32>, width: Int, address: AddressKey,
                    v6: UnsafePointer<IPAddress>?, nullWord: Int, bit: UInt64)

    /// nil for columns rendered column-wise (text, doubles, timestamps, values).
    init?(_ s: ResultColumn.Storage) {
        // The arrays are immutable for the result's lifetime, so their storage does not move.
        func base<T>(_ a: [T]) -> UnsafePointer<T> { a.withUnsafeBufferPointer { $0.baseAddress! } }
        switch s {
        case .ints(let v, let n) where !v.isEmpty:
            self = .int(base(v), nulls: n.map(base))
        case .addressText(let h, let l, let n) where !h.isEmpty:
            self = .address(base(h), base(l), nulls: n.map(base))
        case .groupKey(let g, let k) where !g.order.isEmpty:
            let agg = g.aggregator
            let keys = UnsafePointer(agg.table.keys.base), order = base(g.order)
            let w = agg.layout.width, f = agg.layout.fields[k], word = k >> 6, bit = UInt64(1) << UInt64(k & 63)
            switch agg.layout.parts[k] {
            case .int, .vector(_, VectorExpr.bigint):
                self = .keyInt(keys: keys, order: order, width: w, field: f[0], nullWord: word, bit: bit)
            case .address:
                self = .keyAddress(keys: keys, order: order, width: w, address: agg.layout.addresses[k].unsafelyUnwrapped,
                                   v6: agg.bounds.interner?.addresses, nullWord: word, bit: bit)
            default:
                return nil
            }
        default:
            return nil
        }
    }
}

/// A write position in a buffer sized in advance (see `QueryResult.csvBytes`).
struct CSVCursor {
    var p: UnsafeMutablePointer<UInt8>

    init(_ p: UnsafeMutablePointer<UInt8>) { self.p = p }

    @inline(__always) mutating func put(_ b: UInt8) {
        p.pointee = b
        p += 1
    }

    @inline(__always) mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        p.update(from: base, count: bytes.count)
        p += bytes.count
    }

    @inline(__always) mutating func putDecimal(_ x: Int64) {
        if x < 0 { put(0x2D) }
        var m = x.magnitude
        var digits = 1
        var t = m
        while t >= 10 { t /= 10; digits += 1 }
        var i = digits
        repeat {
            i -= 1
            p[i] = 0x30 + UInt8(m % 10)
            m /= 10
        } while m > 0
        p += digits
    }

    @inline(__always) mutating func putAddress(_ a: IPAddress) {
        if let v4 = a.ipv4 {
            p += IPAddress.writeIPv4(v4, to: UnsafeMutableBufferPointer(start: p, count: 15))
        } else {
            p += a.writeIPv6(to: UnsafeMutableBufferPointer(start: p, count: 39))  // no CSV specials
        }
    }
}
