import FlowLog
import PropertyBased
import Testing
@testable import FlowArchive

@Suite struct BlockIndexTests {
    /// The writer's filter size keeps false positives for absent addresses under 1% on a block
    /// of realistic size (threat-intel lookups are mostly of absent addresses, and a filter
    /// that passes them scans the block), in both layouts (blocked filters set their bits in
    /// one 256-bit block per key, which costs some accuracy at the same size).
    @Test(arguments: ["1.1", "2.1"]) func absentAddressesRarelyPass(_ layout: String) {
        var rng = SeededRandom(seed: 11)
        var present = Set<UInt32>()
        while present.count < 20_000 { present.insert(UInt32.random(in: 0x0100_0000...0xDFFF_FFFF, using: &rng)) }
        let entries = present.sorted().map { IPAddress(ipv4: $0) }
        let filter: any AddressKeyFilter
        if layout == "1.1" {
            var bloom = AddressBloom(expectedDistinct: entries.count)
            bloom.insertAll(entries)
            filter = bloom
        } else {
            var bloom = BlockedBloom(expectedDistinct: entries.count)
            bloom.insertAll(entries)
            filter = bloom
        }
        var passed = 0, probes = 0
        while probes < 20_000 {
            let a = UInt32.random(in: 0x0100_0000...0xDFFF_FFFF, using: &rng)
            if present.contains(a) { continue }
            probes += 1
            if filter.mayContain(IPAddress(ipv4: a)) { passed += 1 }
        }
        #expect(entries.allSatisfy { filter.mayContain($0) })
        #expect(Double(passed) / Double(probes) < 0.01, "\(passed) of \(probes) absent addresses passed")
    }

    /// The index must never say "no" for a value that is in the block: for every present address,
    /// the address itself and every CIDR that contains it (all prefix lengths) answer "maybe".
    @Test func addressIndexNeverMissesPresentValues() async {
        await propertyCheck(count: 60, input: Gen.uint64(), Gen.int(in: 1...3000), Gen.int(in: 0...40)) { seed, rows, v6Percent in
            let c = Fixtures.addresses(rows, seed: seed, ipv6Share: Double(v6Percent) / 100)
            guard case .address(let index) = ColumnIndex.build(AddressDictionary(c)) else {
                #expect(c.nullCount == c.count)
                return
            }
            var rng = SeededRandom(seed: seed)
            for i in 0..<c.count where !c.isNull(i) {
                let a = c.value(i)!
                #expect(index.mayContain(a))
                // A few random prefix lengths per address keep the test fast; all lengths are covered across rows.
                for _ in 0..<3 {
                    let p = a.isIPv4 ? 96 + Int.random(in: 0...32, using: &rng) : Int.random(in: 0...128, using: &rng)
                    #expect(index.mayContain(network: a, prefix: p), "address \(a) prefix \(p)")
                }
            }
        }
    }

    @Test func addressIndexSerializationRoundTrips() throws {
        let c = Fixtures.addresses(5000, seed: 42)
        let idx = ColumnIndex.build(AddressDictionary(c))
        var w = ByteWriterShim()
        let entry = w.write(idx)
        #expect(entry.first == IndexKind.addressBlocked.rawValue)
        let back = try BodyFile(idx, name: "roundtrip").read(entry)
        #expect(back == idx)
        // Without the segment file the filter cannot be read: the index reads as none.
        var r = ByteReaderShim.make(entry)
        #expect(try ColumnIndex.read(&r) == ColumnIndex.none)
    }

    /// A 2.1 filter read from a file answers as the one the writer built, reading only the pages
    /// its probes need; a page that fails its checksum answers maybe for the keys it holds (never
    /// a wrong "no") and `checkPages` (verify) names it, while the other pages still prune.
    @Test func blockedFilterReadsPagesWhenProbed() throws {
        let c = Fixtures.addresses(20_000, seed: 8, ipv6Share: 0.1)
        let idx = ColumnIndex.build(AddressDictionary(c))
        guard case .address(let built) = idx, case .blocked(let bloom) = built.filter else { Issue.record("not a blocked filter"); return }
        #expect(bloom.pageCount > 8, "the test needs a filter of several pages")
        var w = ByteWriterShim()
        let entry = w.write(idx)
        let body = try BodyFile(idx, name: "pages")
        let stored = try body.read(entry)
        guard case .address(let read) = stored, case .blocked(let paged) = read.filter else { Issue.record("read back as \(stored)"); return }
        #expect(paged.isPaged)
        var rng = SeededRandom(seed: 5)
        for _ in 0..<5_000 {
            let a = IPAddress(ipv4: UInt32.random(in: 0...UInt32.max, using: &rng))
            #expect(read.mayContain(a) == built.mayContain(a))
            let p = 96 + Int.random(in: 8...32, using: &rng)
            #expect(read.mayContain(network: a, prefix: p) == built.mayContain(network: a, prefix: p))
        }
        try paged.checkPages()
        // Lists (an IN list asks once): short ones probe page by page, one of at least as many
        // keys as pages reads the whole filter first; both answer as the built filter does.
        let fresh = try body.read(entry)
        guard case .address(let listed) = fresh else { Issue.record("read back as \(fresh)"); return }
        for size in [1, 3, 40, 5_000] {
            for round in 0..<20 {
                var list = (0..<size).map { _ in IPAddress(ipv4: UInt32.random(in: 0...UInt32.max, using: &rng)) }
                if round % 4 == 0, let present = c.value(round) { list.insert(present, at: list.count / 2) }
                #expect(listed.mayContainAny(list) == list.contains { built.mayContain($0) }, "list of \(list.count)")
            }
        }

        // Flip one byte of page 3 in the file.
        var bytes = try Sys.readFile(body.file.path)
        bytes[8 + 3 * paged.pageBytes + 17] ^= 0x40
        try Sys.writeFileAtomically(body.file.path, bytes)
        let damaged = try BodyFile(fromExisting: body.file.path).read(entry)
        guard case .address(let bad) = damaged, case .blocked(let badFilter) = bad.filter else { Issue.record("read back as \(damaged)"); return }
        #expect(throws: (any Error).self) { try badFilter.checkPages() }
        var noes = 0
        for i in 0..<c.count { if let a = c.value(i) { #expect(bad.mayContain(a)) } }
        for _ in 0..<5_000 {
            let a = IPAddress(ipv4: UInt32.random(in: 0...UInt32.max, using: &rng))
            if !bad.mayContain(a) { noes += 1 }
        }
        #expect(noes > 4_000, "the pages that check still prune (\(noes) of 5,000 absent addresses excluded)")
        // A list read whole meets the damaged page too: maybe for the keys that fall in it.
        let again = try BodyFile(fromExisting: body.file.path).read(entry)
        guard case .address(let badList) = again else { Issue.record("read back as \(again)"); return }
        let inDamagedPage = (0..<200_000).lazy.map { IPAddress(ipv4: UInt32($0) &* 2_654_435_761) }
            .filter { !built.mayContain($0) && $0 >= built.min && $0 <= built.max }
            .first { a in
                let h = AddressBloom.keyHash(a, 128)
                return Int((h >> 32) & UInt64(bloom.byteCount / 32 - 1)) * 32 / bloom.pageBytes == 3
            }
        let absentInPage3 = try #require(inDamagedPage)
        #expect(badList.mayContainAny((0..<paged.pageCount * 2).map { IPAddress(ipv4: UInt32($0) &+ 0x0500_0000) } + [absentInPage3]))
    }

    /// The range a reader takes from an index's head alone (for packing GROUP BY keys) is the
    /// decoded index's; a kind it does not know, or none, gives no range.
    @Test func boundsFromTheHeadAlone() throws {
        var ints = IntColumn()
        for v: UInt64 in [900, 17, 4_000_000] { ints.append(v) }
        ints.appendNull()
        let indexes = [ColumnIndex.build(AddressDictionary(Fixtures.addresses(3000, seed: 5))),
                       ColumnIndex.build(ints, isPort: false), ColumnIndex.build(ints, isPort: true), .none]
        for idx in indexes {
            var w = ByteWriterShim()
            var r = ByteReaderShim.make(w.write(idx))
            #expect(try ColumnIndex.readBounds(&r) == idx.bounds)
        }
        #expect(indexes[1].bounds == .int(17...4_000_000) && indexes[3].bounds == .unknown)
        // Kind 200 (a later minor version's), a body of 16 bytes.
        var r = ByteReaderShim.make([200, 16, 0, 0, 0] + [UInt8](repeating: 1, count: 16))
        #expect(try ColumnIndex.readBounds(&r) == .unknown)
        // Truncated: an error, which the segment reader takes as no range.
        var t = ByteReaderShim.make([1, 16, 0, 0, 0, 1, 2])
        #expect(throws: (any Error).self) { try ColumnIndex.readBounds(&t) }
    }

    /// An index that always said "maybe" would pass the test above; this one shows it prunes.
    @Test func absentAddressesAreMostlyExcluded() {
        let c = Fixtures.addresses(20_000, seed: 7, ipv6Share: 0.05)
        guard case .address(let index) = ColumnIndex.build(AddressDictionary(c)) else { Issue.record("no index"); return }
        let present = Set((0..<c.count).compactMap { c.value($0) })
        var rng = SeededRandom(seed: 99)
        var maybe = 0, trials = 0
        while trials < 20_000 {
            let a = IPAddress(ipv4: UInt32.random(in: 0...UInt32.max, using: &rng))
            if present.contains(a) { continue }
            trials += 1
            if index.mayContain(a) { maybe += 1 }
        }
        #expect(Double(maybe) / Double(trials) < 0.02, "false positive rate \(maybe)/\(trials)")
        // A /24 far from every present network is excluded.
        #expect(!index.mayContain(network: IPAddress("203.0.113.0")!, prefix: 96 + 24) || present.contains { $0.ipv4.map { $0 >> 8 == 0xCB0071 } ?? false })
    }

    @Test func cidrPruningUsesPrefixKeys() {
        var c = AddressColumn()
        c.append(IPAddress("10.1.2.3")!)
        c.append(IPAddress("10.1.200.7")!)
        c.append(IPAddress("192.168.1.1")!)
        c.append(IPAddress("2001:db8::1")!)
        guard case .address(let index) = ColumnIndex.build(AddressDictionary(c)) else { Issue.record("no index"); return }
        func cidr(_ s: String, _ p: Int) -> Bool {
            let a = IPAddress(s)!
            return index.mayContain(network: a, prefix: a.isIPv4 ? 96 + p : p)
        }
        #expect(cidr("10.0.0.0", 8))
        #expect(cidr("10.1.0.0", 16))
        #expect(cidr("10.1.192.0", 18))
        #expect(!cidr("10.1.64.0", 18))      // between 10.1.2.3 and 10.1.200.7: inside min..max, so the Bloom answers
        #expect(!cidr("172.16.0.0", 12))
        #expect(cidr("192.168.0.0", 16))
        #expect(!cidr("192.169.0.0", 16))
        #expect(cidr("2001:db8::", 32))
        #expect(!cidr("2001:db9::", 32))
        #expect(cidr("0.0.0.0", 0))
    }

    /// Regression: an IPv6 range wider than /96 that covers the IPv4-mapped space must not rule
    /// out IPv4 addresses (they are keyed at IPv4 levels only).
    @Test func wideIPv6RangesCoverIPv4Addresses() {
        var c = AddressColumn()
        c.append(IPAddress("10.1.2.3")!)
        guard case .address(let index) = ColumnIndex.build(AddressDictionary(c)) else { Issue.record("no index"); return }
        // ::/80 is the narrowest range from :: that still covers ::ffff:0:0/96.
        for p in [0, 1, 24, 32, 48, 64, 80] {
            #expect(index.mayContain(network: IPAddress(high: 0, low: 0), prefix: p), "::/\(p)")
        }
        #expect(!index.mayContain(network: IPAddress(high: 0, low: 0), prefix: 96))
        #expect(index.mayContain(network: IPAddress(high: 0, low: 0xFFFF_0000_0000), prefix: 96))
        #expect(!index.mayContain(network: IPAddress("2001:db8::")!, prefix: 32))
    }

    @Test func portBitmapIsExact() async {
        await propertyCheck(count: 50, input: Gen.uint16().array(of: 0...500), Gen.uint16(), Gen.uint16()) { ports, a, b in
            var c = IntColumn()
            for p in ports { c.append(UInt64(p)) }
            let idx = ColumnIndex.build(c, isPort: true)
            guard case .port(let range, let bitmap) = idx else {
                #expect(ports.isEmpty)
                return
            }
            #expect(range.min == UInt64(ports.min()!) && range.max == UInt64(ports.max()!))
            for p in ports { #expect(bitmap.contains(p)) }
            let lo = min(a, b), hi = max(a, b)
            #expect(bitmap.containsAny(in: lo...hi) == ports.contains { $0 >= lo && $0 <= hi })
        }
    }
}

import FlowSupport
struct ByteWriterShim {
    /// The directory entry of `idx`; one with a body (address filters, port bitmaps) as if the
    /// body lay at offset 8 of its segment (`BodyFile` writes such a file).
    mutating func write(_ idx: ColumnIndex) -> [UInt8] {
        var w = ByteWriter()
        if let body = idx.body {
            idx.writeRef(to: &w, offset: 8, length: UInt32(body.count), checksums: idx.bodyChecksums(body))
        } else {
            idx.write(to: &w)
        }
        return w.bytes
    }
}

/// A file holding an index body at offset 8 (where a segment's data area starts), for reading a
/// directory entry from `ByteWriterShim` the way a segment reader does.
struct BodyFile {
    let file: ReadableFile
    let data: MappedRegion

    init(_ idx: ColumnIndex, name: String) throws {
        let path = GoldenTests.tempDir("body") + "/" + name
        try Sys.writeFileAtomically(path, [UInt8](repeating: 0, count: 8) + (idx.body ?? []))
        file = try ReadableFile(path: path)
        data = try file.map(offset: 0, count: Int(try file.size()))
    }

    init(fromExisting path: String) throws {
        file = try ReadableFile(path: path)
        data = try file.map(offset: 0, count: Int(try file.size()))
    }

    func read(_ entry: [UInt8]) throws -> ColumnIndex {
        var r = ByteReaderShim.make(entry)
        return try ColumnIndex.read(&r, data: data, file: file)
    }
}
enum ByteReaderShim {
    static func make(_ b: [UInt8]) -> ByteReader { ByteReader(b, context: "test") }
}
