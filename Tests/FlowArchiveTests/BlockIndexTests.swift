import FlowLog
import PropertyBased
import Testing
@testable import FlowArchive

@Suite struct BlockIndexTests {
    /// The writer's filter size keeps false positives for absent addresses under 1% on a block
    /// of realistic size (threat-intel lookups are mostly of absent addresses, and a filter
    /// that passes them scans the block).
    @Test func absentAddressesRarelyPass() {
        var rng = SeededRandom(seed: 11)
        var present = Set<UInt32>()
        while present.count < 20_000 { present.insert(UInt32.random(in: 0x0100_0000...0xDFFF_FFFF, using: &rng)) }
        let entries = present.sorted().map { IPAddress(ipv4: $0) }
        var bloom = AddressBloom(expectedDistinct: entries.count)
        bloom.insertAll(entries)
        var passed = 0, probes = 0
        while probes < 20_000 {
            let a = UInt32.random(in: 0x0100_0000...0xDFFF_FFFF, using: &rng)
            if present.contains(a) { continue }
            probes += 1
            if bloom.mayContain(IPAddress(ipv4: a)) { passed += 1 }
        }
        #expect(entries.allSatisfy { bloom.mayContain($0) })
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
        let bytes = w.write(idx)
        var r = ByteReaderShim.make(bytes)
        let back = try ColumnIndex.read(&r)
        #expect(back == idx)
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
    mutating func write(_ idx: ColumnIndex) -> [UInt8] {
        var w = ByteWriter()
        idx.write(to: &w)
        return w.bytes
    }
}
enum ByteReaderShim {
    static func make(_ b: [UInt8]) -> ByteReader { ByteReader(b, context: "test") }
}
