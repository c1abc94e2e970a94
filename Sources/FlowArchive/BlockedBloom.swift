import FlowLog
import FlowSupport

/// What an address filter answers from its keys (see `AddressBloom` for the keys: an address's
/// prefixes at four levels of its family). Both filter layouts answer addresses and CIDR ranges
/// the same way; only where a key's bits lie differs.
public protocol AddressKeyFilter {
    /// Whether the key with hash `h` (`AddressBloom.keyHash`) may have been inserted.
    func containsKey(_ h: UInt64) -> Bool
}

extension AddressKeyFilter {
    public func mayContain(_ a: IPAddress) -> Bool { containsKey(AddressBloom.keyHash(a, 128)) }

    /// May any address in `network/prefix` (prefix in the 128-bit space) be present?
    public func mayContain(network: IPAddress, prefix: Int) -> Bool {
        let net = AddressBloom.masked(network, prefix)
        let isV4Range = prefix >= 96 && net.high == 0 && net.low >> 32 == 0xFFFF
        // A range wider than /96 that covers ::ffff:0:0/96 holds IPv4 addresses, which are only
        // keyed at IPv4 levels: the IPv6 levels cannot rule them out.
        if prefix < 96 && AddressBloom.masked(IPAddress(high: 0, low: 0xFFFF_0000_0000), prefix) == net { return true }
        let levels = isV4Range ? AddressBloom.ipv4Levels : AddressBloom.ipv6Levels
        let coarse = levels.last(where: { $0 <= prefix })
        if let coarse, !containsKey(AddressBloom.keyHash(AddressBloom.masked(net, coarse), coarse)) { return false }
        if coarse == prefix { return true }
        // Between stored levels: probe each sub-prefix of the next finer level, when that is at
        // most 256 probes; otherwise the coarse answer (or "maybe") stands.
        guard let fine = levels.first(where: { $0 > prefix }), fine - prefix <= 8 else { return true }
        for k in 0..<(1 << (fine - prefix)) {
            let sub = AddressBloom.addPrefixOffset(net, UInt64(k), level: fine)
            if containsKey(AddressBloom.keyHash(sub, fine)) { return true }
        }
        return false
    }
}

/// A split-block Bloom filter over address keys (format 2.1, index kind 6 `addressBlocked`;
/// the layout Parquet's and Impala's filters use): the filter is an array of 256-bit blocks,
/// each eight 32-bit lanes; a key sets one bit in each lane of the one block its hash picks.
/// A probe therefore reads 32 bytes in one place, so a reader needs only the page of the
/// filter that holds them, and each page carries its own checksum in the directory.
///
/// Why: the 1.1 filters (`addressRef`) spread a key's six bits over the whole filter and carry
/// one checksum for all of it, so a query for one address read and checked every block's whole
/// filter: 20 MB for the 20,000,000-record benchmark archive, page faults and their unmapping
/// included about 4 ms of a 13 ms one-off query, and it grows with the archive (months of logs:
/// gigabytes per lookup). Here a lookup reads one page (4 KiB) per block.
public struct BlockedBloom: AddressKeyFilter, Sendable, Equatable {
    /// The eight odd multipliers that place a key's bit in each lane (Parquet's
    /// split-block Bloom filter salts).
    static let salts: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x47B6_137B, 0x4497_4D91, 0x8824_AD5B, 0xA2B7_289D, 0x7054_95C7, 0x2DF1_424B, 0x9EFC_4947, 0x5C6B_FB31)
    /// The writer's pages: 4 KiB, the unit a reader reads and checks.
    public static let writerPageLog2 = 12
    public static let log2BitsRange = 8...26
    public static let pageLog2Range = 5...16

    /// m = 2^log2Bits filter bits.
    public var log2Bits: Int
    /// Pages of 2^pageLog2 bytes (a filter smaller than that is one page).
    public var pageLog2: Int
    /// The lanes (m / 32) when built or held in memory; empty when `pages` reads them from a
    /// segment file.
    var lanes: [UInt32]
    /// The pages of a filter read from a segment, loaded and checked when a probe needs them.
    var pages: FilterPages?

    /// Sized as the 1.1 filters: 32 bits per distinct address (each adds about 2.5 keys: its /32
    /// and /24, while /8 and /16 are mostly shared), at least 1,024 bits, at most 2^22.
    public init(expectedDistinct: Int) {
        var log2 = 10
        let want = max(1024, expectedDistinct * 32)
        while (1 << log2) < want && log2 < 22 { log2 += 1 }
        log2Bits = log2
        pageLog2 = Self.writerPageLog2
        lanes = [UInt32](repeating: 0, count: (1 << log2) / 32)
    }

    init(log2Bits: Int, pageLog2: Int, lanes: [UInt32]) {
        self.log2Bits = log2Bits
        self.pageLog2 = pageLog2
        self.lanes = lanes
    }

    init(log2Bits: Int, pageLog2: Int, pages: FilterPages) {
        self.log2Bits = log2Bits
        self.pageLog2 = pageLog2
        self.lanes = []
        self.pages = pages
    }

    public var byteCount: Int { (1 << log2Bits) / 8 }
    public var pageBytes: Int { min(1 << pageLog2, byteCount) }
    public var pageCount: Int { byteCount / pageBytes }
    public var isPaged: Bool { pages != nil }

    @inline(__always) static func laneMasks(_ x: UInt32) -> SIMD8<UInt32> {
        let s = SIMD8<UInt32>(salts.0, salts.1, salts.2, salts.3, salts.4, salts.5, salts.6, salts.7)
        return SIMD8<UInt32>(repeating: 1) &<< ((SIMD8<UInt32>(repeating: x) &* s) &>> 27)
    }

    /// Blocks are m/256; a key's block is the high half of its hash, masked.
    var blockMask: UInt64 { UInt64((1 << (log2Bits - 8)) - 1) }

    @inline(__always) func block(of h: UInt64) -> Int { Int(truncatingIfNeeded: (h >> 32) & blockMask) }

    /// Whether the eight lanes at `lanes` hold every bit of key `x`'s masks.
    @inline(__always) static func blockContains(_ lanes: UnsafePointer<UInt32>, _ x: UInt32) -> Bool {
        let m = laneMasks(x)
        var have = SIMD8<UInt32>()
        for i in 0..<8 { have[i] = lanes[i] }
        return (have & m) == m
    }

    /// Whether any of `addresses` may be present (an IN list): one pass over the pages they need.
    public func mayContainAny(_ addresses: [IPAddress]) -> Bool {
        let hashes = addresses.map { AddressBloom.keyHash($0, 128) }
        if let pages { return pages.containsAny(hashes, blockMask: blockMask) }
        return hashes.contains { containsKey($0) }
    }

    public func containsKey(_ h: UInt64) -> Bool {
        let b = block(of: h)
        let x = UInt32(truncatingIfNeeded: h)
        if let pages { return pages.blockContains(b, x) }
        return lanes.withUnsafeBufferPointer { Self.blockContains($0.baseAddress! + b &* 8, x) }
    }

    /// Inserts every address of `entries` (sorted, distinct) at each level of its family
    /// (`AddressBloom.forEachKey`), through one buffer pointer.
    mutating func insertAll(_ entries: [IPAddress]) {
        let blockMask = blockMask
        lanes.withUnsafeMutableBufferPointer { l in
            AddressBloom.forEachKey(of: entries) { h in
                let b = Int(truncatingIfNeeded: (h >> 32) & blockMask) &* 8
                let m = Self.laneMasks(UInt32(truncatingIfNeeded: h))
                for i in 0..<8 { l[b &+ i] |= m[i] }
            }
        }
    }

    /// The filter's bytes as stored (lanes little-endian); nil when a page does not read back.
    public var bytes: [UInt8]? {
        guard let all = allLanes else { return nil }
        var w = ByteWriter(capacity: all.count * 4)
        for lane in all { w.writeInteger(lane) }
        return w.bytes
    }

    /// Every lane, read from the pages when the filter is paged (nil if one does not check).
    var allLanes: [UInt32]? {
        guard let pages else { return lanes }
        var out: [UInt32] = []
        out.reserveCapacity(byteCount / 4)
        for p in 0..<pageCount {
            guard let page = try? pages.page(p) else { return nil }
            out.append(contentsOf: page)
        }
        return out
    }

    /// Reads and checks every page (`verify`): throws naming the first that fails.
    public func checkPages() throws {
        try pages?.checkAll()
    }

    public static func == (a: BlockedBloom, b: BlockedBloom) -> Bool {
        a.log2Bits == b.log2Bits && a.pageLog2 == b.pageLog2 && a.allLanes != nil && a.allLanes == b.allLanes
    }
}

/// The pages of a stored `addressBlocked` filter, read from the segment file (`pread`) when a
/// probe first needs one, checked against its CRC-32 and kept. Reading them through the
/// segment's mapping instead would fault in the kernel's fault-around window (64 KiB) per probe
/// and unmap it at exit: the cost this layout exists to avoid.
final class FilterPages: @unchecked Sendable {
    let file: ReadableFile
    /// Where the filter starts in the file.
    let offset: Int64
    let pageBytes: Int
    let checksums: [UInt32]
    let context: String
    private let lock = Monitor()
    /// Each page's lanes once read and checked, in memory of `allocations`: a page of its own
    /// when probes read one, one piece for all when a list reads the whole filter.
    private var lanes: [UnsafeMutablePointer<UInt32>?]
    private var allocations: [UnsafeMutableRawPointer] = []
    /// Why a page cannot be used (it is then never read again).
    private var failures: [Int: ArchiveError] = [:]

    init(file: ReadableFile, offset: Int64, pageBytes: Int, checksums: [UInt32], context: String) {
        self.file = file
        self.offset = offset
        self.pageBytes = pageBytes
        self.checksums = checksums
        self.context = context
        lanes = [UnsafeMutablePointer<UInt32>?](repeating: nil, count: checksums.count)
    }

    deinit { for a in allocations { a.deallocate() } }

    /// Reads pages `first ..< first + count` in one `pread` and checks each. Called under the lock.
    private func load(_ first: Int, _ count: Int) {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: count * pageBytes, alignment: 64)
        allocations.append(memory)
        let target = UnsafeMutableRawBufferPointer(start: memory, count: count * pageBytes)
        let got: Int
        do {
            got = try file.read(into: target, at: offset + Int64(first * pageBytes))
        } catch {
            for p in first..<first + count { failures[p] = ArchiveError("\(context): page \(p) of an address filter: \(error)") }
            return
        }
        for p in first..<first + count {
            let page = UnsafeRawBufferPointer(rebasing: target[(p - first) * pageBytes..<(p - first + 1) * pageBytes])
            if (p - first + 1) * pageBytes > got {
                failures[p] = ArchiveError("\(context): page \(p) of an address filter ends early (file truncated)")
            } else if CRC32.checksum(page) != checksums[p] {
                failures[p] = ArchiveError("\(context): page \(p) of an address filter: checksum mismatch")
            } else {
                let l = (memory + (p - first) * pageBytes).bindMemory(to: UInt32.self, capacity: pageBytes / 4)
                #if _endian(big)
                for i in 0..<pageBytes / 4 { l[i] = UInt32(littleEndian: l[i]) }
                #endif
                lanes[p] = l
            }
        }
    }

    /// Page `p`'s lanes; throws if it cannot be read or fails its checksum (and keeps failing
    /// without reading again).
    func page(_ p: Int) throws -> [UInt32] {
        try lock.withLock {
            if isUnread(p) { load(p, 1) }
            guard let page = lanes[p] else { throw failures[p]! }
            return Array(UnsafeBufferPointer(start: page, count: pageBytes / 4))
        }
    }

    /// Reads (what is not read yet, in one pread) and checks every page; throws the first
    /// page's failure.
    func checkAll() throws {
        try lock.withLock {
            if lanes.indices.contains(where: isUnread) { load(0, lanes.count) }
            if let first = failures.keys.min() { throw failures[first]! }
        }
    }

    /// Whether block `b` holds key `x`; a page that cannot be used answers maybe (a reader
    /// never prunes on an index it cannot trust; `verify` reports it).
    func blockContains(_ b: Int, _ x: UInt32) -> Bool {
        lock.withLock { probe(b, x) }
    }

    /// Whether any of the keys `hashes` may be present, under one lock. As many keys as pages or
    /// more (a threat-intel list) read the whole filter in one `pread` first rather than page by
    /// page: a list of 500 addresses took 36 ms of pruning over 308 blocks as a probe each.
    func containsAny(_ hashes: [UInt64], blockMask: UInt64) -> Bool {
        lock.withLock {
            if hashes.count >= lanes.count && lanes.indices.contains(where: isUnread) { load(0, lanes.count) }
            for h in hashes where probe(Int(truncatingIfNeeded: (h >> 32) & blockMask), UInt32(truncatingIfNeeded: h)) {
                return true
            }
            return false
        }
    }

    /// Neither read nor failed (under the lock).
    private func isUnread(_ p: Int) -> Bool { lanes[p] == nil && failures[p] == nil }

    /// `blockContains` under the lock.
    private func probe(_ b: Int, _ x: UInt32) -> Bool {
        let byte = b &* 32
        let p = byte / pageBytes
        // A page read before is the usual case (a list probes every block's filter hundreds of
        // times): it is used without looking up the failures first.
        if let page = lanes[p] { return BlockedBloom.blockContains(page + (byte % pageBytes) / 4, x) }
        if failures[p] == nil { load(p, 1) }
        guard let page = lanes[p] else { return true }
        return BlockedBloom.blockContains(page + (byte % pageBytes) / 4, x)
    }
}
