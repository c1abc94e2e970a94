/// Column vectors that parsed records land in. Rows are never objects: a batch is one array per
/// field. Nulls (`-` in the log) are tracked in a byte-per-row side array that exists only once a
/// column has its first null, so the common all-present column pays nothing for it.

/// Integers of every integer kind, widened to 64 bits while parsing (narrowed when encoded).
public struct IntColumn: Sendable, Equatable {
    public var values: [UInt64] = []
    /// 1 where the row is null; nil when no row is.
    public var nulls: [UInt8]? = nil
    public private(set) var nullCount = 0

    public init() {}

    /// A column from finished arrays; `nulls` must have `values.count` entries when given.
    public init(values: [UInt64], nulls: [UInt8]?, nullCount: Int) {
        self.values = values
        self.nulls = nullCount > 0 ? nulls : nil
        self.nullCount = nullCount
    }

    public var count: Int { values.count }

    @inline(__always)
    public mutating func append(_ v: UInt64) {
        values.append(v)
        if nulls != nil { nulls!.append(0) }
    }

    public mutating func appendNull() {
        if nulls == nil { nulls = [UInt8](repeating: 0, count: values.count) }
        values.append(0)
        nulls!.append(1)
        nullCount += 1
    }

    public mutating func appendNulls(_ n: Int) {
        if n <= 0 { return }
        if nulls == nil { nulls = [UInt8](repeating: 0, count: values.count) }
        values.append(contentsOf: repeatElement(0, count: n))
        nulls!.append(contentsOf: repeatElement(1, count: n))
        nullCount += n
    }

    /// Pads with nulls up to `n` rows (a field absent from some rows' format).
    public mutating func pad(to n: Int) { appendNulls(n - values.count) }

    @inlinable public func isNull(_ row: Int) -> Bool { nulls?[row] == 1 }
    public func value(_ row: Int) -> UInt64? { isNull(row) ? nil : values[row] }

    public mutating func append(contentsOf other: IntColumn, range: Range<Int>) {
        if other.nulls != nil || nulls != nil {
            if nulls == nil { nulls = [UInt8](repeating: 0, count: values.count) }
            if let on = other.nulls {
                nulls!.append(contentsOf: on[range])
                for i in range where on[i] == 1 { nullCount += 1 }
            } else {
                nulls!.append(contentsOf: repeatElement(0, count: range.count))
            }
        }
        values.append(contentsOf: other.values[range])
    }

    public mutating func reserveCapacity(_ n: Int) { values.reserveCapacity(n) }

    /// Appends rows `range` of a parser's buffers (`nulls` 1 = null; a null row's value is
    /// whatever the buffer held and is stored as 0): one copy, with the nulls counted first.
    /// (A block's start column, from which `BlockPieces` finds the block's time order.)
    mutating func append(values v: UnsafePointer<UInt64>, nulls nn: UnsafePointer<UInt8>, range: Range<Int>) {
        let chunkNulls = countNulls(nn, range)
        let start = values.count
        values.append(contentsOf: UnsafeBufferPointer(start: v + range.lowerBound, count: range.count))
        if chunkNulls > 0 {
            values.withUnsafeMutableBufferPointer { out in
                for r in range where nn[r] != 0 { out[start &+ r &- range.lowerBound] = 0 }
            }
            if nulls == nil { nulls = [UInt8](repeating: 0, count: start) }
            nulls!.append(contentsOf: UnsafeBufferPointer(start: nn + range.lowerBound, count: range.count))
            nullCount += chunkNulls
        } else if nulls != nil {
            nulls!.append(contentsOf: repeatElement(0, count: range.count))
        }
    }
}

/// The number of nonzero bytes of `nulls[range]` (each 0 or 1).
@inline(__always)
func countNulls(_ nulls: UnsafePointer<UInt8>, _ range: Range<Int>) -> Int {
    var n = 0
    for r in range { n &+= Int(nulls[r]) }
    return n
}

/// IPv4 and IPv6 addresses as 128-bit values (IPv4-mapped for IPv4).
public struct AddressColumn: Sendable, Equatable {
    public var high: [UInt64] = []
    public var low: [UInt64] = []
    public var nulls: [UInt8]? = nil
    public private(set) var nullCount = 0

    public init() {}

    public init(high: [UInt64], low: [UInt64], nulls: [UInt8]?, nullCount: Int) {
        self.high = high
        self.low = low
        self.nulls = nullCount > 0 ? nulls : nil
        self.nullCount = nullCount
    }

    public var count: Int { low.count }

    @inline(__always)
    public mutating func append(_ a: IPAddress) {
        high.append(a.high)
        low.append(a.low)
        if nulls != nil { nulls!.append(0) }
    }

    public mutating func appendNull() { appendNulls(1) }

    public mutating func appendNulls(_ n: Int) {
        if n <= 0 { return }
        if nulls == nil { nulls = [UInt8](repeating: 0, count: low.count) }
        high.append(contentsOf: repeatElement(0, count: n))
        low.append(contentsOf: repeatElement(0, count: n))
        nulls!.append(contentsOf: repeatElement(1, count: n))
        nullCount += n
    }

    public mutating func pad(to n: Int) { appendNulls(n - low.count) }

    // Inlinable: the block encoder (another module) asks this per row.
    @inlinable public func isNull(_ row: Int) -> Bool { nulls?[row] == 1 }
    public func value(_ row: Int) -> IPAddress? {
        isNull(row) ? nil : IPAddress(high: high[row], low: low[row])
    }

    public mutating func append(contentsOf other: AddressColumn, range: Range<Int>) {
        if other.nulls != nil || nulls != nil {
            if nulls == nil { nulls = [UInt8](repeating: 0, count: low.count) }
            if let on = other.nulls {
                nulls!.append(contentsOf: on[range])
                for i in range where on[i] == 1 { nullCount += 1 }
            } else {
                nulls!.append(contentsOf: repeatElement(0, count: range.count))
            }
        }
        high.append(contentsOf: other.high[range])
        low.append(contentsOf: other.low[range])
    }

    public mutating func reserveCapacity(_ n: Int) {
        high.reserveCapacity(n)
        low.reserveCapacity(n)
    }
}

/// Dictionary-encoded text: `codes[row]` is 0 for null, else a code of `dictionary`.
public struct StringColumn: Sendable {
    public var codes: [UInt32] = []
    public var dictionary = ByteDictionary()

    public init() {}

    public init(codes: [UInt32], dictionary: ByteDictionary) {
        self.codes = codes
        self.dictionary = dictionary
    }

    public var count: Int { codes.count }
    public var nullCount: Int { codes.reduce(0) { $0 + ($1 == 0 ? 1 : 0) } }

    public mutating func appendNulls(_ n: Int) {
        if n > 0 { codes.append(contentsOf: repeatElement(0, count: n)) }
    }

    public mutating func pad(to n: Int) { appendNulls(n - codes.count) }

    public mutating func appendConstant(_ value: String?, count n: Int) {
        guard let value else { appendNulls(n); return }
        let code = dictionary.intern(value)
        codes.append(contentsOf: repeatElement(code, count: n))
    }

    public func value(_ row: Int) -> String? {
        let c = codes[row]
        return c == 0 ? nil : dictionary.string(c)
    }

    /// Appends rows of another column, translating its codes into this column's dictionary
    /// (work per distinct value, then one table lookup per row).
    public mutating func append(contentsOf other: StringColumn, range: Range<Int>) {
        other.codes.withUnsafeBufferPointer { src in
            appendRemapped(src.baseAddress!, range: range, sourceCount: other.dictionary.count) { d, c in
                other.dictionary.value(c).withUnsafeBytes { d.intern($0) }
            }
        }
    }

    /// Appends the codes `src[range]` of a chunk whose dictionary has `sourceCount` entries;
    /// `intern` gives this column's code (in the dictionary it is passed) for a chunk code
    /// (called once per distinct code).
    mutating func appendRemapped(_ src: UnsafePointer<UInt32>, range: Range<Int>, sourceCount: Int,
                                 intern: (inout ByteDictionary, UInt32) -> UInt32) {
        // One pass: a code seen for the first time is interned then (so the dictionary keeps
        // first-appearance order), later rows only look it up. `unmapped` marks codes not seen
        // yet; code 0 (null) maps to 0. Raw buffers: a checked subscript per row cost more than
        // the lookup itself.
        let unmapped = UInt32.max
        var remap = [UInt32](repeating: unmapped, count: sourceCount + 1)
        remap[0] = 0
        let start = codes.count
        codes.append(contentsOf: repeatElement(0, count: range.count))
        codes.withUnsafeMutableBufferPointer { out in
            remap.withUnsafeMutableBufferPointer { map in
                var k = start
                for i in range {
                    let c = Int(src[i])
                    var m = map[c]
                    if m == unmapped {
                        m = intern(&dictionary, UInt32(c))
                        map[c] = m
                    }
                    out[k] = m
                    k &+= 1
                }
            }
        }
    }
}

/// Records from one input file region (a parse chunk) or assembled into an archive block.
/// Known fields are indexed by their `FieldCatalog` id; fields a header named that flowarc does
/// not know are kept as text in `extras`, in order of first appearance.
public struct RecordBatch: Sendable {
    public var rowCount = 0
    public var ints: [IntColumn?]
    public var addresses: [AddressColumn?]
    public var strings: [StringColumn?]
    public var extras: [(name: String, column: StringColumn)] = []
    /// Where rows came from (filled when chunks are assembled into archive blocks, not by the
    /// parser): `account_partition`, `region_partition`, `date_partition`, in `FieldCatalog.derived` order.
    public var partitions: [StringColumn?] = [nil, nil, nil]
    /// The archive's id of each row's source file.
    public var sourceIDs: IntColumn? = nil

    public init() {
        let n = FieldCatalog.fields.count
        ints = Array(repeating: nil, count: n)
        addresses = Array(repeating: nil, count: n)
        strings = Array(repeating: nil, count: n)
    }

    public func extraIndex(_ name: String) -> Int? { extras.firstIndex { $0.name == name } }

    public mutating func ensureExtra(_ name: String) -> Int {
        if let i = extraIndex(name) { return i }
        var c = StringColumn()
        c.appendNulls(rowCount)
        extras.append((name, c))
        return extras.count - 1
    }

    /// Pads every present column with nulls to `rowCount`.
    public mutating func padAll() {
        for i in ints.indices where ints[i] != nil { ints[i]!.pad(to: rowCount) }
        for i in addresses.indices where addresses[i] != nil { addresses[i]!.pad(to: rowCount) }
        for i in strings.indices where strings[i] != nil { strings[i]!.pad(to: rowCount) }
        for i in extras.indices { extras[i].column.pad(to: rowCount) }
    }

    /// Appends rows `range` of `other` (both padded). Columns absent on either side become null.
    public mutating func append(_ other: RecordBatch, range: Range<Int>) {
        let before = rowCount
        appendFields(other, range: range)
        let n = range.count
        for p in 0..<3 {
            if let oc = other.partitions[p] {
                if partitions[p] == nil { var c = StringColumn(); c.appendNulls(before); partitions[p] = c }
                partitions[p]!.append(contentsOf: oc, range: range)
            } else if partitions[p] != nil {
                partitions[p]!.appendNulls(n)
            }
        }
        if let os = other.sourceIDs {
            if sourceIDs == nil { var c = IntColumn(); c.appendNulls(before); sourceIDs = c }
            sourceIDs!.append(contentsOf: os, range: range)
        } else if sourceIDs != nil {
            sourceIDs!.appendNulls(n)
        }
    }

    /// The record fields (known and unknown) of `append`, without partitions and sources.
    private mutating func appendFields(_ other: RecordBatch, range: Range<Int>) {
        let n = range.count
        for i in ints.indices {
            if let oc = other.ints[i] {
                if ints[i] == nil { var c = IntColumn(); c.appendNulls(rowCount); ints[i] = c }
                ints[i]!.append(contentsOf: oc, range: range)
            } else if ints[i] != nil {
                ints[i]!.appendNulls(n)
            }
        }
        for i in addresses.indices {
            if let oc = other.addresses[i] {
                if addresses[i] == nil { var c = AddressColumn(); c.appendNulls(rowCount); addresses[i] = c }
                addresses[i]!.append(contentsOf: oc, range: range)
            } else if addresses[i] != nil {
                addresses[i]!.appendNulls(n)
            }
        }
        for i in strings.indices {
            if let oc = other.strings[i] {
                if strings[i] == nil { var c = StringColumn(); c.appendNulls(rowCount); strings[i] = c }
                strings[i]!.append(contentsOf: oc, range: range)
            } else if strings[i] != nil {
                strings[i]!.appendNulls(n)
            }
        }
        for (name, oc) in other.extras {
            let k = ensureExtra(name)
            extras[k].column.append(contentsOf: oc, range: range)
        }
        rowCount += n
        for k in extras.indices { extras[k].column.pad(to: rowCount) }
    }

    /// Appends `range` of a parsed chunk, tagging the rows with their source and partitions.
    public mutating func append(_ other: RecordBatch, range: Range<Int>, sourceID: UInt64, partitionValues: [String?]) {
        let before = rowCount
        appendFields(other, range: range)
        appendProvenance(before: before, count: range.count, sourceID: sourceID, partitionValues: partitionValues)
    }

    private mutating func appendProvenance(before: Int, count n: Int, sourceID: UInt64, partitionValues: [String?]) {
        for p in 0..<3 {
            if partitions[p] == nil {
                if partitionValues[p] == nil { continue }
                var c = StringColumn(); c.appendNulls(before); partitions[p] = c
            }
            partitions[p]!.appendConstant(partitionValues[p], count: n)
        }
        if sourceIDs == nil { var c = IntColumn(); c.appendNulls(before); sourceIDs = c }
        sourceIDs!.values.append(contentsOf: repeatElement(sourceID, count: n))
        if sourceIDs!.nulls != nil { sourceIDs!.nulls!.append(contentsOf: repeatElement(0, count: n)) }
    }

    /// The text form of a field in a row, as it would be printed (nil for null): for tests and
    /// for output; never used on a hot path.
    public func text(field id: Int, row: Int) -> String? {
        switch FieldCatalog.fields[id].kind {
        case .address: return addresses[id]?.value(row)?.description
        case .string: return strings[id]?.value(row)
        default:
            guard let c = ints[id], let v = c.value(row) else { return nil }
            return String(v)
        }
    }
}
