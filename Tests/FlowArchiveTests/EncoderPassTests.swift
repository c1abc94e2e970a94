import FlowLog
import FlowSupport
import Testing
@testable import FlowArchive

/// The writer's fused and batched passes give what the separate ones gave: the chunk and the
/// range index of an integer column in one pass, a block's Bloom filter through one pointer.
@Suite struct EncoderPassTests {
    /// The address dictionary's radix sort orders (address << 32 | position) words as sort()
    /// does when the addresses are distinct, for every size up to and past a byte's range.
    @Test func radixSortMatchesSort() {
        var rng = SeededRandom(seed: 5)
        for n in [0, 1, 2, 255, 256, 257, 5_000, 70_000] {
            var seen = Set<UInt32>()
            var values: [UInt64] = []
            while values.count < n {
                let address = UInt32.random(in: 0...UInt32.max, using: &rng)
                if seen.insert(address).inserted { values.append(UInt64(address) << 32 | UInt64(values.count)) }
            }
            var radix = values
            AddressDictionary.sortByHighHalf(&radix)
            #expect(radix == values.sorted(), "n = \(n)")
        }
    }

    static func column(_ rng: inout SplitMix64, rows: Int, nullPercent: Int, spread: UInt64) -> IntColumn {
        var c = IntColumn()
        let base = rng.next() % 1_000_000
        for _ in 0..<rows {
            if nullPercent > 0 && rng.below(100) < nullPercent { c.appendNull() } else { c.append(base &+ rng.next() % spread) }
        }
        return c
    }

    static func same(_ a: EncodedChunk, _ b: EncodedChunk) -> Bool {
        a.encoding == b.encoding && a.width == b.width && a.flags == b.flags && a.nullCount == b.nullCount
            && a.rawLength == b.rawLength && a.compressed == b.compressed && a.crc == b.crc
    }

    @Test(arguments: [0, 5, 60, 100])
    func encodeIndexedEqualsEncodeAndBuild(_ nullPercent: Int) {
        var rng = SplitMix64(seed: UInt64(nullPercent) &+ 11)
        // Widths 0, 1, 2, 4 and 8, ports (with a bitmap), and a sorted (delta) column.
        let spreads: [UInt64] = [1, 200, 60_000, 4_000_000_000, UInt64.max / 2]
        for spread in spreads {
            for isPort in [false, true] {
                let c = Self.column(&rng, rows: 5_000, nullPercent: nullPercent, spread: isPort ? 65_536 : spread)
                let (chunk, index) = ColumnCodec.encodeIndexed(c, isPort: isPort)
                #expect(Self.same(chunk, ColumnCodec.encode(c)), "spread \(spread), port \(isPort)")
                #expect(index == ColumnIndex.build(c, isPort: isPort), "spread \(spread), port \(isPort)")
            }
        }
        var sorted = IntColumn()
        for i in 0..<5_000 { if nullPercent > 0 && i % 7 == 0 { sorted.appendNull() } else { sorted.append(1_700_000_000 + UInt64(i / 3)) } }
        let (chunk, index) = ColumnCodec.encodeIndexed(sorted, isPort: false)
        #expect(Self.same(chunk, ColumnCodec.encode(sorted)))
        #expect(index == ColumnIndex.build(sorted, isPort: false))
    }

    @Test func insertAllEqualsInsert() {
        var rng = SplitMix64(seed: 3)
        var entries: [IPAddress] = []
        for i in 0..<3_000 {
            if i % 5 == 0 {
                entries.append(IPAddress(high: rng.next(), low: rng.next()))
            } else {
                entries.append(IPAddress(ipv4: UInt32(truncatingIfNeeded: rng.next())))
            }
        }
        var one = AddressBloom(expectedDistinct: entries.count)
        for a in entries { one.insert(a) }
        var all = AddressBloom(expectedDistinct: entries.count)
        all.insertAll(entries)
        #expect(one == all)
        for a in entries { #expect(all.mayContain(a)) }
    }
}

/// The ingester encodes a block column by column straight from the parsed chunks
/// (`BlockPieces.columns()`); that must give the bytes and indexes of encoding the block built
/// the plain way (the copying parser's batches appended). The lines are in start order, so the
/// block's time order is the lines' order.
@Suite struct ColumnByColumnEncodingTests {
    static let v5 = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"
    static let text = """
        \(v5)
        5 123456789012 eni-03 - - - - - - - 1700000001 1700000059 - NODATA vpc-1 subnet-2 - - - - - us-east-1 use1-az2 - - - - - -
        version interface-id x-future-field srcaddr start
        5 eni-09 some-value 10.9.9.9 1700000002
        \(v5)
        5 123456789012 eni-04 2001:db8::1 2001:db8::2 53 53 17 1 80 1700000005 1700000006 REJECT OK vpc-1 subnet-3 i-4 0 IPv6 2001:db8::1 2001:db8::7 us-east-1 use1-az1 - - - - egress 1
        5 123456789012 eni-02 52.1.2.3 10.0.0.2 443 50001 6 5 2990 1700000010 1700000060 ACCEPT OK vpc-1 subnet-2 - 1 IPv4 52.1.2.9 10.0.0.2 us-east-1 use1-az2 - - S3 - ingress -
        5 123456789012 eni-01 10.0.0.1 52.1.2.3 443 50000 6 3 2130 1700000037 1700000073 ACCEPT OK vpc-1 subnet-1 i-1 0 IPv4 10.0.0.1 52.1.2.3 us-east-1 use1-az6 - - - S3 egress 8

        """

    @Test func columnByColumnEqualsThePlainBlock() throws {
        let pool = ColumnStorePool()
        var inPlace = RecordParser(pool: pool)
        var copying = RecordParser()
        let bytes = Array(Self.text.utf8)
        let parsed = bytes.withUnsafeBytes { inPlace.parseInPlace($0, mapping: .defaultV2) }
        let copied = bytes.withUnsafeBytes { copying.parse($0, mapping: .defaultV2) }
        #expect(parsed.records == 5 && parsed.rejects.isEmpty && copied.records == 5)
        let store = try #require(parsed.columns)
        var pieces = BlockPieces()
        var plain = RecordBatch()
        for (range, source, partitions) in [(0..<2, UInt64(3), ["123456789012", nil, "2023/11/14"]),
                                            (2..<5, UInt64(9), [nil, "us-east-1", nil])] as [(Range<Int>, UInt64, [String?])] {
            pieces.append(store, range: range, sourceID: source, partitionValues: partitions)
            plain.append(copied.batch, range: range, sourceID: source, partitionValues: partitions)
        }
        plain.padAll()
        let direct = BlockEncoder.encode(pieces.columns(), pageRows: 2)
        let reference = BlockEncoder.encode(plain, pageRows: 2)
        #expect(direct.rows == 5 && reference.rows == 5)
        #expect(direct.minStart == 1_700_000_001 && direct.maxEnd == 1_700_000_073)
        #expect(direct.minStart == reference.minStart && direct.maxEnd == reference.maxEnd)
        #expect(direct.columns.map(\.name) == reference.columns.map(\.name))
        #expect(direct.columns.map(\.name).contains("pkt-srcaddr") && direct.columns.map(\.name).contains("x-future-field"))
        for (d, r) in zip(direct.columns, reference.columns) {
            #expect(EncoderPassTests.same(d.chunk, r.chunk), "\(d.name)")
            #expect(d.index == r.index, "\(d.name)")
        }
        pieces.release(to: pool)
    }
}
