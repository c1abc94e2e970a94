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
