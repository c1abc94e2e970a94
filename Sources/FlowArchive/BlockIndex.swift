import FlowCodecs
import FlowLog
import FlowSupport

/// Per-block, per-column indexes, kept in the segment directory (outside the compressed data) so
/// that a reader decides whether a block can hold matching rows without decompressing it.
/// Every structure may answer "maybe" wrongly, never "no" wrongly.
public enum IndexKind: UInt8, Sendable {
    case none = 0
    /// min and max of the non-null integer values.
    case intRange = 1
    /// min and max address, and a Bloom filter over addresses and their prefixes.
    case address = 2
    /// min and max, and an exact bitmap of the 65 536 port values present (LZ4-compressed).
    case port = 3
    /// Format 1.1: `address` with the filter bits in the data area (offset, length, CRC here).
    case addressRef = 4
    /// Format 1.1: `port` with the compressed bitmap in the data area.
    case portRef = 5
    /// Format 2.1: min and max address and a split-block Bloom filter in the data area, each
    /// page of it with its own CRC-32 here (`BlockedBloom`).
    case addressBlocked = 6
}

/// The min/max of an integer column in a block.
public struct IntRangeIndex: Sendable, Equatable {
    public var min: UInt64
    public var max: UInt64
    public func mayContain(_ range: ClosedRange<UInt64>) -> Bool { range.lowerBound <= max && range.upperBound >= min }
}

/// An exact set of 16-bit values: answers "certainly not" for a value, a range or a list.
public struct PortBitmap: Sendable, Equatable {
    public var words: [UInt64]

    public init() { words = [UInt64](repeating: 0, count: 1024) }
    public init(words: [UInt64]) { self.words = words }

    @inline(__always) public mutating func insert(_ v: UInt16) { words[Int(v >> 6)] |= 1 << UInt64(v & 63) }
    @inline(__always) public func contains(_ v: UInt16) -> Bool { words[Int(v >> 6)] & (1 << UInt64(v & 63)) != 0 }

    public func containsAny(in range: ClosedRange<UInt16>) -> Bool {
        var v = Int(range.lowerBound)
        let hi = Int(range.upperBound)
        while v <= hi {
            if v & 63 == 0 && v + 63 <= hi {
                if words[v >> 6] != 0 { return true }
                v += 64
            } else {
                if contains(UInt16(v)) { return true }
                v += 1
            }
        }
        return false
    }
}

/// A Bloom filter over addresses and address prefixes, so it answers for single addresses, lists
/// and CIDR ranges. Keys are (level, address masked to level bits) where levels are prefix
/// lengths in the 128-bit space: for IPv4(-mapped) addresses /104, /112, /120, /128 (IPv4 /8,
/// /16, /24, /32); for IPv6 /32, /48, /64, /128.
///
/// The filter layout of formats 1.0 to 2.0 (index kinds 2 and 4): read from archives those
/// versions wrote; since 2.1 the writer builds `BlockedBloom` instead.
public struct AddressBloom: AddressKeyFilter, Sendable, Equatable {
    public static let ipv4Levels: [Int] = [104, 112, 120, 128]
    public static let ipv6Levels: [Int] = [32, 48, 64, 128]
    public var hashCount: Int
    /// The filter's words when built or decoded from the directory (bit count = words * 64, a
    /// power of two); empty when `mapped` holds them.
    public var bits: [UInt64]
    /// The words read in place from a segment's data area (1.1 `addressRef` bodies): a query for
    /// one address over a whole archive otherwise copied every block's filter into fresh memory
    /// on first use (308 blocks: ~18 MB copied and ~4,600 pages faulted in, most of a one-off
    /// query's pruning time). Holds the mapping alive.
    private var mapped: MappedWords? = nil

    /// Little-endian words in a mapping, with the region that owns it.
    struct MappedWords: @unchecked Sendable {
        let region: MappedRegion
        let base: UnsafeRawPointer
        let count: Int
    }

    /// Sized at 32 bits per distinct address (each address adds about 2.5 new keys: its /32 and
    /// /24, while /8 and /16 are mostly shared), about 13 bits per key with 6 hashes: under 0.5%
    /// false positives. At 16 bits (formats 1.0 and early 1.1) about 5% of absent addresses
    /// passed each block, and since every block hashes the same way and holds the same frequent
    /// addresses, an unlucky address passed most blocks (a rare address: 253 blocks scanned
    /// where ~165 hold it). The filters no longer cost every query since 1.1 keeps them out of
    /// the directory.
    public init(expectedDistinct: Int) {
        var m = 1024
        let want = max(1024, expectedDistinct * 32)
        while m < want && m < (1 << 22) { m <<= 1 }
        bits = [UInt64](repeating: 0, count: m / 64)
        hashCount = 6
    }

    public init(hashCount: Int, bits: [UInt64]) {
        self.hashCount = hashCount
        self.bits = bits
    }

    /// A filter whose words are `bytes` (little-endian) in `region`, probed where they lie.
    init(hashCount: Int, words bytes: UnsafeRawBufferPointer, in region: MappedRegion) {
        self.hashCount = hashCount
        bits = []
        mapped = MappedWords(region: region, base: bytes.baseAddress!, count: bytes.count / 8)
    }

    /// Words in the filter.
    public var wordCount: Int { mapped?.count ?? bits.count }

    /// Word `i` (`i < wordCount`).
    @inline(__always) func word(_ i: Int) -> UInt64 {
        if let m = mapped { return UInt64(littleEndian: m.base.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)) }
        return bits[i]
    }

    /// Every word, wherever they are kept (for writing and comparing).
    public var words: [UInt64] { mapped == nil ? bits : (0..<wordCount).map(word) }

    /// Whether the words are kept in a mapping rather than in this value.
    public var isMapped: Bool { mapped != nil }

    public static func == (a: AddressBloom, b: AddressBloom) -> Bool {
        a.hashCount == b.hashCount && a.words == b.words
    }

    @inline(__always) static func mix64(_ x0: UInt64) -> UInt64 {
        var x = x0
        x ^= x >> 33; x = x &* 0xff51_afd7_ed55_8ccd
        x ^= x >> 33; x = x &* 0xc4ce_b9fe_1a85_ec53
        x ^= x >> 33
        return x
    }

    @inline(__always) public static func masked(_ a: IPAddress, _ level: Int) -> IPAddress {
        if level >= 128 { return a }
        if level <= 64 {
            let h = level == 0 ? 0 : a.high & (UInt64.max << UInt64(64 - level))
            return IPAddress(high: h, low: 0)
        }
        return IPAddress(high: a.high, low: a.low & (UInt64.max << UInt64(128 - level)))
    }

    @inline(__always) static func keyHash(_ a: IPAddress, _ level: Int) -> UInt64 {
        mix64(mix64(a.low &+ UInt64(level) &* 0x9E37_79B9_7F4A_7C15) ^ a.high)
    }

    public static func levels(for a: IPAddress) -> [Int] { a.isIPv4 ? ipv4Levels : ipv6Levels }

    @inline(__always) mutating func insertKey(_ h: UInt64) {
        let mask = UInt64(bits.count * 64 - 1)
        let h1 = h & 0xFFFF_FFFF, h2 = (h >> 32) | 1
        for i in 0..<UInt64(hashCount) {
            let bit = (h1 &+ i &* h2) & mask
            bits[Int(bit >> 6)] |= 1 << (bit & 63)
        }
    }

    @inline(__always) public func containsKey(_ h: UInt64) -> Bool {
        let mask = UInt64(wordCount * 64 - 1)
        let h1 = h & 0xFFFF_FFFF, h2 = (h >> 32) | 1
        for i in 0..<UInt64(hashCount) {
            let bit = (h1 &+ i &* h2) & mask
            if word(Int(bit >> 6)) & (1 << (bit & 63)) == 0 { return false }
        }
        return true
    }

    public mutating func insert(_ a: IPAddress) {
        for level in Self.levels(for: a) { insertKey(Self.keyHash(Self.masked(a, level), level)) }
    }

    /// `insert` for every address of `entries` (the same bits), through one buffer pointer: the
    /// array subscript per bit cost a uniqueness check each, and a block has thousands of
    /// distinct addresses.
    mutating func insertAll(_ entries: [IPAddress]) {
        let k = UInt64(hashCount)
        bits.withUnsafeMutableBufferPointer { b in
            let mask = UInt64(b.count * 64 - 1)
            Self.forEachKey(of: entries) { h in
                let h1 = h & 0xFFFF_FFFF, h2 = (h >> 32) | 1
                var i: UInt64 = 0
                while i < k {
                    let bit = (h1 &+ i &* h2) & mask
                    b[Int(bit >> 6)] |= 1 << (bit & 63)
                    i &+= 1
                }
            }
        }
    }

    /// Calls `body` with the hash of every key of `entries` (sorted, distinct addresses): each
    /// address at each level of its family. An address shares its /8, /16 and often /24 key with
    /// the one before it; those keys are not hashed and passed again (the same bits either way).
    @inline(__always) static func forEachKey(of entries: [IPAddress], _ body: (UInt64) -> Void) {
        var previous: [(level: Int, key: IPAddress)?] = [nil, nil, nil, nil]
        for a in entries {
            let levels = a.isIPv4 ? ipv4Levels : ipv6Levels
            for (li, level) in levels.enumerated() {
                let key = masked(a, level)
                if level < 128, let p = previous[li], p.level == level, p.key == key { continue }
                previous[li] = (level, key)
                body(keyHash(key, level))
            }
        }
    }

    /// The highest address of `network/prefix`.
    public static func lastAddress(_ network: IPAddress, _ prefix: Int) -> IPAddress {
        if prefix >= 128 { return network }
        if prefix <= 64 {
            let hostBits: UInt64 = prefix == 0 ? .max : (prefix == 64 ? 0 : UInt64.max >> UInt64(prefix))
            return IPAddress(high: network.high | hostBits, low: .max)
        }
        return IPAddress(high: network.high, low: network.low | (UInt64.max >> UInt64(prefix - 64)))
    }

    static func addPrefixOffset(_ a: IPAddress, _ k: UInt64, level: Int) -> IPAddress {
        // Adds k * 2^(128-level) to the address.
        if level <= 64 { return IPAddress(high: a.high &+ (k << UInt64(64 - level)), low: a.low) }
        let shift = UInt64(128 - level)
        let add = shift >= 64 ? 0 : k << shift
        let (l, o) = a.low.addingReportingOverflow(add)
        return IPAddress(high: a.high &+ (o ? 1 : 0), low: l)
    }
}

/// The index of one address column in one block.
public struct AddressIndex: Sendable, Equatable {
    public var min: IPAddress
    public var max: IPAddress
    public var filter: Filter

    /// The two filter layouts: one Bloom filter over the whole bit array (formats 1.0 to 2.0,
    /// kinds 2 and 4) or split into blocks and checked by page (2.1, kind 6).
    public enum Filter: Sendable, Equatable {
        case bloom(AddressBloom)
        case blocked(BlockedBloom)
    }

    public init(min: IPAddress, max: IPAddress, filter: Filter) {
        self.min = min
        self.max = max
        self.filter = filter
    }

    public func mayContain(_ a: IPAddress) -> Bool {
        guard a >= min && a <= max else { return false }
        switch filter {
        case .bloom(let b): return b.mayContain(a)
        case .blocked(let b): return b.mayContain(a)
        }
    }

    /// Whether any of `addresses` may be in the block (an IN list).
    public func mayContainAny(_ addresses: [IPAddress]) -> Bool {
        let inRange = addresses.filter { $0 >= min && $0 <= max }
        if inRange.isEmpty { return false }
        switch filter {
        case .bloom(let b): return inRange.contains { b.mayContain($0) }
        case .blocked(let b): return b.mayContainAny(inRange)
        }
    }

    public func mayContain(network: IPAddress, prefix: Int) -> Bool {
        let lo = AddressBloom.masked(network, prefix)
        let last = AddressBloom.lastAddress(network, prefix)
        if lo > max || last < min { return false }
        switch filter {
        case .bloom(let b): return b.mayContain(network: lo, prefix: prefix)
        case .blocked(let b): return b.mayContain(network: lo, prefix: prefix)
        }
    }
}

/// The range of a block's values of one column as its index gives it (`SegmentReader.blockBounds`).
public enum ColumnBounds: Sendable, Equatable {
    /// No values in the block (no chunk of the column, or only NULLs).
    case absent
    /// The index does not give a range (none, or a kind this reader does not know).
    case unknown
    case int(ClosedRange<UInt64>)
    case address(min: IPAddress, max: IPAddress)
}

/// The index entry of one column in one block.
public enum ColumnIndex: Sendable, Equatable {
    case none
    case intRange(IntRangeIndex)
    case address(AddressIndex)
    case port(IntRangeIndex, PortBitmap)

    /// About how many bytes the decoded index holds (for cache budgets).
    public var byteSize: Int {
        switch self {
        case .none, .intRange: return 32
        case .address(let a):
            switch a.filter {
            case .bloom(let b): return 64 + (b.isMapped ? 0 : b.wordCount * 8)
            // Counted whole: pages are read as probes need them, up to all of them.
            case .blocked(let b): return 64 + 4 * b.pageCount + b.byteCount
            }
        case .port(_, let bitmap): return 32 + bitmap.words.count * 8
        }
    }

    public var intRange: IntRangeIndex? {
        switch self {
        case .intRange(let r), .port(let r, _): return r
        default: return nil
        }
    }

    // MARK: building

    static func build(_ c: IntColumn, isPort: Bool) -> ColumnIndex {
        if c.nullCount == 0 && c.count > 0 {
            // No nulls (the usual case): a plain min/max loop, and the port bitmap set through
            // one buffer pointer rather than an optional enum payload per row.
            return c.values.withUnsafeBufferPointer { v in
                var lo = v[0], hi = v[0]
                for x in v { lo = Swift.min(lo, x); hi = Swift.max(hi, x) }
                let r = IntRangeIndex(min: lo, max: hi)
                guard isPort else { return .intRange(r) }
                var bitmap = PortBitmap()
                bitmap.words.withUnsafeMutableBufferPointer { w in
                    for x in v { w[Int((x >> 6) & 1023)] |= 1 << (x & 63) }
                }
                return .port(r, bitmap)
            }
        }
        if let nulls = c.nulls, c.nullCount > 0, c.nullCount < c.count {
            return c.values.withUnsafeBufferPointer { v in
                nulls.withUnsafeBufferPointer { isNull in
                    var lo = UInt64.max, hi = UInt64.min
                    for i in 0..<v.count {
                        let present = isNull[i] == 0
                        lo = present ? Swift.min(lo, v[i]) : lo
                        hi = present ? Swift.max(hi, v[i]) : hi
                    }
                    let r = IntRangeIndex(min: lo, max: hi)
                    guard isPort else { return .intRange(r) }
                    var bitmap = PortBitmap()
                    bitmap.words.withUnsafeMutableBufferPointer { w in
                        for i in 0..<v.count where isNull[i] == 0 {
                            let x = v[i]
                            w[Int((x >> 6) & 1023)] |= 1 << (x & 63)
                        }
                    }
                    return .port(r, bitmap)
                }
            }
        }
        var lo = UInt64.max, hi = UInt64.min
        var any = false
        var bitmap = isPort ? PortBitmap() : nil
        c.values.withUnsafeBufferPointer { v in
            let nulls = c.nullCount > 0 ? c.nulls : nil
            for i in 0..<v.count {
                if let nulls, nulls[i] == 1 { continue }
                let x = v[i]
                any = true
                if x < lo { lo = x }
                if x > hi { hi = x }
                if isPort { bitmap!.insert(UInt16(truncatingIfNeeded: x)) }
            }
        }
        if !any { return .none }
        let r = IntRangeIndex(min: lo, max: hi)
        if let bitmap { return .port(r, bitmap) }
        return .intRange(r)
    }

    static func build(_ d: AddressDictionary) -> ColumnIndex { build(entries: d.entries) }

    /// The index of a column whose distinct values, sorted, are `entries`.
    static func build(entries: [IPAddress]) -> ColumnIndex {
        guard let lo = entries.first, let hi = entries.last else { return .none }
        var bloom = BlockedBloom(expectedDistinct: entries.count)
        bloom.insertAll(entries)
        return .address(AddressIndex(min: lo, max: hi, filter: .blocked(bloom)))
    }

    // MARK: serialization (see Formats/ARCHIVE.md §"Block indexes")

    func write(to w: inout ByteWriter) {
        switch self {
        case .none:
            w.writeInteger(IndexKind.none.rawValue)
            w.writeInteger(UInt32(0))
        case .intRange(let r):
            w.writeInteger(IndexKind.intRange.rawValue)
            w.writeInteger(UInt32(16))
            w.writeInteger(r.min); w.writeInteger(r.max)
        case .address(let a):
            // Only the 1.0 layout has an inline form; 2.1's filters always have a body.
            guard case .bloom(let bloom) = a.filter else { preconditionFailure("a blocked address filter is written as a body (writeRef)") }
            w.writeInteger(IndexKind.address.rawValue)
            w.writeInteger(UInt32(32 + 4 + bloom.wordCount * 8))
            w.writeInteger(a.min.high); w.writeInteger(a.min.low)
            w.writeInteger(a.max.high); w.writeInteger(a.max.low)
            w.writeInteger(UInt8(bloom.hashCount))
            var log2 = 0
            while (1 << log2) < bloom.wordCount * 64 { log2 += 1 }
            w.writeInteger(UInt8(log2))
            w.writeInteger(UInt16(0))
            for word in bloom.words { w.writeInteger(word) }
        case .port(let r, let bitmap):
            var compressed: [UInt8] = []
            bitmap.words.withUnsafeBytes { _ = LZ4.compress($0, appendingTo: &compressed) }
            w.writeInteger(IndexKind.port.rawValue)
            w.writeInteger(UInt32(16 + compressed.count))
            w.writeInteger(r.min); w.writeInteger(r.max)
            w.writeBytes(compressed)
        }
    }

    /// The part of the index a 1.1 writer stores in the data area (`addressRef`, `portRef`):
    /// the Bloom filter's words, or the LZ4 port bitmap. Nil for kinds without one.
    var body: [UInt8]? {
        switch self {
        case .address(let a):
            switch a.filter {
            case .bloom(let bloom):
                var w = ByteWriter(capacity: bloom.wordCount * 8)
                for word in bloom.words { w.writeInteger(word) }
                return w.bytes
            case .blocked(let bloom):
                return bloom.bytes
            }
        case .port(_, let bitmap):
            var compressed: [UInt8] = []
            bitmap.words.withUnsafeBytes { _ = LZ4.compress($0, appendingTo: &compressed) }
            return compressed
        case .none, .intRange:
            return nil
        }
    }

    /// The checksums a directory entry keeps for `body` (this index's `body`): one CRC-32 of the
    /// whole body (`addressRef`, `portRef`), or one per page of a 2.1 filter (`addressBlocked`).
    func bodyChecksums(_ body: [UInt8]) -> [UInt32] {
        if case .address(let a) = self, case .blocked(let bloom) = a.filter {
            return stride(from: 0, to: body.count, by: bloom.pageBytes).map { CRC32.checksum(body[$0..<min(body.count, $0 + bloom.pageBytes)]) }
        }
        return [CRC32.checksum(body)]
    }

    /// Writes the directory entry of an index whose `body` was written to the data area at
    /// `offset` (`length` bytes, `checksums` from `bodyChecksums`): `addressRef` or `portRef`
    /// (1.1), `addressBlocked` (2.1).
    func writeRef(to w: inout ByteWriter, offset: UInt64, length: UInt32, checksums: [UInt32]) {
        switch self {
        case .address(let a):
            if case .blocked(let bloom) = a.filter {
                // 2.1: the page checksums instead of one for the whole body.
                let sums = checksums
                w.writeInteger(IndexKind.addressBlocked.rawValue)
                w.writeInteger(UInt32(48 + 4 * sums.count))
                w.writeInteger(a.min.high); w.writeInteger(a.min.low)
                w.writeInteger(a.max.high); w.writeInteger(a.max.low)
                w.writeInteger(UInt8(bloom.log2Bits))
                w.writeInteger(UInt8(bloom.pageLog2))
                w.writeInteger(UInt16(0))
                w.writeInteger(offset)
                w.writeInteger(length)
                for sum in sums { w.writeInteger(sum) }
                return
            }
            guard case .bloom(let bloom) = a.filter else { return }
            w.writeInteger(IndexKind.addressRef.rawValue)
            w.writeInteger(UInt32(52))
            w.writeInteger(a.min.high); w.writeInteger(a.min.low)
            w.writeInteger(a.max.high); w.writeInteger(a.max.low)
            w.writeInteger(UInt8(bloom.hashCount))
            w.writeInteger(UInt8(bloom.bits.count.trailingZeroBitCount + 6))
            w.writeInteger(UInt16(0))
        case .port(let r, _):
            w.writeInteger(IndexKind.portRef.rawValue)
            w.writeInteger(UInt32(32))
            w.writeInteger(r.min); w.writeInteger(r.max)
        case .none, .intRange:
            preconditionFailure("only address and port indexes have bodies")
        }
        w.writeInteger(offset)
        w.writeInteger(length)
        w.writeInteger(checksums[0])
    }

    /// The range this index gives.
    public var bounds: ColumnBounds {
        switch self {
        case .none: return .unknown
        case .intRange(let r), .port(let r, _): return r.min <= r.max ? .int(r.min...r.max) : .unknown
        case .address(let a): return a.min <= a.max ? .address(min: a.min, max: a.max) : .unknown
        }
    }

    /// The range of an index entry from its head alone (kind, length and the min and max that
    /// begin every kind's body), without its filter or bitmap.
    static func readBounds(_ r: inout ByteReader) throws -> ColumnBounds {
        let kind: UInt8 = try r.readInteger()
        let length = Int(try r.readInteger(as: UInt32.self))
        let body = try r.readRange(length)
        var b = ByteReader(r.bytes, range: body, context: r.context)
        switch IndexKind(rawValue: kind) {
        case .intRange?, .port?, .portRef?:
            let lo: UInt64 = try b.readInteger(), hi: UInt64 = try b.readInteger()
            return lo <= hi ? .int(lo...hi) : .unknown
        case .address?, .addressRef?:
            let (lo, hi, _, _) = try readAddressHead(&b, r.context)
            return lo <= hi ? .address(min: lo, max: hi) : .unknown
        case .addressBlocked?:
            let lo = IPAddress(high: try b.readInteger(), low: try b.readInteger())
            let hi = IPAddress(high: try b.readInteger(), low: try b.readInteger())
            return lo <= hi ? .address(min: lo, max: hi) : .unknown
        case .none?, nil:
            return .unknown
        }
    }

    /// Reads one index entry. `data` is the segment's data area, where the bodies of 1.1's
    /// `addressRef` and `portRef` indexes lie (nil: such an index reads as none); `file` is the
    /// segment file, from which 2.1's `addressBlocked` filters read their pages when probed
    /// (nil: such an index reads as none).
    static func read(_ r: inout ByteReader, data region: MappedRegion? = nil, file: ReadableFile? = nil) throws -> ColumnIndex {
        let data = region?.bytes
        let kind: UInt8 = try r.readInteger()
        let length = Int(try r.readInteger(as: UInt32.self))
        let body = try r.readRange(length)
        var b = ByteReader(r.bytes, range: body, context: r.context + " index")
        switch IndexKind(rawValue: kind) {
        case .none?:
            return .none
        case .intRange?:
            return .intRange(IntRangeIndex(min: try b.readInteger(), max: try b.readInteger()))
        case .address?:
            let (minA, maxA, k, log2) = try readAddressHead(&b, r.context)
            guard b.remaining == (1 << log2) / 8 else { throw ArchiveError("\(r.context): malformed address index") }
            let range = try b.readRange((1 << log2) / 8)
            let words = b.bytes.withUnsafeBytes { bloomWords(UnsafeRawBufferPointer(rebasing: $0[range])) }
            return .address(AddressIndex(min: minA, max: maxA, filter: .bloom(AddressBloom(hashCount: k, bits: words))))
        case .addressRef?:
            let (minA, maxA, k, log2) = try readAddressHead(&b, r.context)
            guard b.remaining == 16 else { throw ArchiveError("\(r.context): malformed address index") }
            guard let bits = try referencedBody(&b, data, r.context), let region else { return .none }
            guard bits.count == (1 << log2) / 8 else { throw ArchiveError("\(r.context): address filter of \(bits.count) bytes, not \((1 << log2) / 8)") }
            return .address(AddressIndex(min: minA, max: maxA, filter: .bloom(AddressBloom(hashCount: k, words: bits, in: region))))
        case .addressBlocked?:
            let minA = IPAddress(high: try b.readInteger(), low: try b.readInteger())
            let maxA = IPAddress(high: try b.readInteger(), low: try b.readInteger())
            let log2Bits = Int(try b.readInteger(as: UInt8.self))
            let pageLog2 = Int(try b.readInteger(as: UInt8.self))
            guard try b.readInteger(as: UInt16.self) == 0 else { throw ArchiveError("\(r.context): reserved bytes of an address index are not zero") }
            guard BlockedBloom.log2BitsRange.contains(log2Bits), BlockedBloom.pageLog2Range.contains(pageLog2) else {
                throw ArchiveError("\(r.context): malformed address index (2^\(log2Bits) bits in pages of 2^\(pageLog2) bytes)")
            }
            var shape = BlockedBloom(log2Bits: log2Bits, pageLog2: pageLog2, lanes: [])
            let offset: UInt64 = try b.readInteger()
            let length: UInt32 = try b.readInteger()
            guard Int(length) == shape.byteCount, b.remaining == 4 * shape.pageCount else {
                throw ArchiveError("\(r.context): address filter of \(length) bytes and \(b.remaining / 4) page checksums, not \(shape.byteCount) and \(shape.pageCount)")
            }
            var sums: [UInt32] = []
            sums.reserveCapacity(shape.pageCount)
            for _ in 0..<shape.pageCount { sums.append(try b.readInteger()) }
            guard let file, let data else { return .none }
            try checkInDataArea(offset, length, data.count, r.context)
            shape.pages = FilterPages(file: file, offset: Int64(offset), pageBytes: shape.pageBytes, checksums: sums, context: r.context)
            return .address(AddressIndex(min: minA, max: maxA, filter: .blocked(shape)))
        case .port?:
            let range = IntRangeIndex(min: try b.readInteger(), max: try b.readInteger())
            let context = r.context
            return .port(range, try r.bytes.withUnsafeBytes { try portBitmap(UnsafeRawBufferPointer(rebasing: $0[b.offset..<body.upperBound]), context) })
        case .portRef?:
            let range = IntRangeIndex(min: try b.readInteger(), max: try b.readInteger())
            guard b.remaining == 16 else { throw ArchiveError("\(r.context): malformed port index") }
            if let file, let data {
                // Read with pread rather than through the mapping: a body of a few KiB faulted
                // in a 64 KiB window per block and was unmapped at exit (a one-port query: 308
                // bodies, 2.4 of its 16 ms).
                let copy = try referencedBody(&b, data, r.context, from: file)
                return .port(range, try copy.withUnsafeBytes { try portBitmap($0, r.context) })
            }
            guard let compressed = try referencedBody(&b, data, r.context) else { return .none }
            return .port(range, try portBitmap(compressed, r.context))
        case nil:
            // An index kind from a newer minor version: skip it (the block is then never pruned on it).
            return .none
        }
    }

    private static func readAddressHead(_ b: inout ByteReader, _ context: String) throws -> (IPAddress, IPAddress, Int, Int) {
        let minA = IPAddress(high: try b.readInteger(), low: try b.readInteger())
        let maxA = IPAddress(high: try b.readInteger(), low: try b.readInteger())
        let k = Int(try b.readInteger(as: UInt8.self))
        let log2 = Int(try b.readInteger(as: UInt8.self))
        guard try b.readInteger(as: UInt16.self) == 0 else { throw ArchiveError("\(context): reserved bytes of an address index are not zero") }
        guard (1...16).contains(k), (6...26).contains(log2) else { throw ArchiveError("\(context): malformed address index") }
        return (minA, maxA, k, log2)
    }

    /// The body an index entry points to (`Body_Offset`, `Body_Length`, `Body_CRC`), after
    /// checking that it lies in the data area and that its checksum holds; nil without a data area.
    private static func referencedBody(_ b: inout ByteReader, _ data: UnsafeRawBufferPointer?, _ context: String) throws -> UnsafeRawBufferPointer? {
        let (offset, length, crc) = try bodyReference(&b)
        guard let data else { return nil }
        try checkInDataArea(offset, length, data.count, context)
        let bytes = UnsafeRawBufferPointer(rebasing: data[Int(offset)..<Int(offset) + Int(length)])
        guard CRC32.checksum(bytes) == crc else { throw ArchiveError("\(context): index body checksum mismatch") }
        return bytes
    }

    /// `Body_Offset`, `Body_Length` and `Body_CRC` of a kind 4 or 5 entry.
    private static func bodyReference(_ b: inout ByteReader) throws -> (UInt64, UInt32, UInt32) {
        (try b.readInteger(), try b.readInteger(), try b.readInteger())
    }

    /// A body MUST lie in the data area (after the segment header, before the directory).
    private static func checkInDataArea(_ offset: UInt64, _ length: UInt32, _ dataCount: Int, _ context: String) throws {
        let (end, overflow) = offset.addingReportingOverflow(UInt64(length))
        guard !overflow, offset >= UInt64(ArchiveFormat.segmentHeaderSize), end <= UInt64(dataCount) else {
            throw ArchiveError("\(context): index body outside the data area")
        }
    }

    /// `referencedBody`, read from the segment file into memory instead of the mapping.
    private static func referencedBody(_ b: inout ByteReader, _ data: UnsafeRawBufferPointer, _ context: String,
                                       from file: ReadableFile) throws -> [UInt8] {
        let (offset, length, crc) = try bodyReference(&b)
        try checkInDataArea(offset, length, data.count, context)
        let bytes = try [UInt8](unsafeUninitializedCapacity: Int(length)) { out, n in
            n = try file.read(into: UnsafeMutableRawBufferPointer(out), at: Int64(offset))
        }
        guard bytes.count == Int(length) else { throw ArchiveError("\(context): index body ends early (file truncated)") }
        guard CRC32.checksum(bytes) == crc else { throw ArchiveError("\(context): index body checksum mismatch") }
        return bytes
    }

    /// Filter words from their little-endian bytes, copied in bulk (little-endian host, checked
    /// at compile time in Bytes.swift): a per-word read showed up in query latency.
    private static func bloomWords(_ bytes: UnsafeRawBufferPointer) -> [UInt64] {
        let count = bytes.count / 8
        return [UInt64](unsafeUninitializedCapacity: count) { out, n in
            UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<count * 8]))
            n = count
        }
    }

    private static func portBitmap(_ compressed: UnsafeRawBufferPointer, _ context: String) throws -> PortBitmap {
        var words = [UInt64](repeating: 0, count: 1024)
        do {
            try words.withUnsafeMutableBytes { try LZ4.decompress(compressed, into: $0) }
        } catch {
            throw ArchiveError("\(context): port bitmap: \(error)")
        }
        return PortBitmap(words: words)
    }
}
