import FlowLog
import Testing
@testable import FlowArchive

/// `AddressCodes.codeRun` finds an address range's codes by binary search in a block's sorted
/// dictionary; filters then compare codes against the run instead of deciding entry by entry.
/// Checked here against deciding every entry, on dictionaries built by hand from the spec
/// (IPv4 family, then IPv6 family, each ascending; `::1` sorts below every IPv4 address).
@Suite struct AddressCodeRunTests {
    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    static func chunk(v4: [UInt32], v6: [IPAddress], rows: Int = 4) -> ColumnCodec.RawChunk {
        var raw = le(UInt32(v4.count)) + le(UInt32(v6.count))
        for e in v4 { raw += le(e) }
        for e in v6 { raw += le(e.high) + le(e.low) }
        for r in 0..<rows { raw += le(UInt32(r % (v4.count + v6.count + 1))) }
        return ColumnCodec.RawChunk(bytes: raw, rows: rows, encoding: .addressDictionary, width: 4, flags: 0, context: "t")
    }

    @Test func runsMatchDecidingEveryEntry() throws {
        var rng = SeededRandom(seed: 2026)
        for trial in 0..<200 {
            var v4 = Set<UInt32>()
            let base = UInt32.random(in: 0...UInt32.max, using: &rng) & 0xFFFF_0000
            for _ in 0..<Int.random(in: 0...60, using: &rng) { v4.insert(base | UInt32.random(in: 0...0x3FF, using: &rng)) }
            var v6 = Set<IPAddress>()
            if trial % 3 == 0 { v6.insert(IPAddress(high: 0, low: 1)) }  // ::1, below the IPv4 family
            for _ in 0..<Int.random(in: 0...20, using: &rng) {
                v6.insert(IPAddress(high: 0x2001_0db8_0000_0000 | UInt64.random(in: 0...3, using: &rng), low: UInt64.random(in: 0...255, using: &rng)))
            }
            let c = try ColumnCodec.decodeAddressCodes(Self.chunk(v4: v4.sorted(), v6: v6.sorted()))
            #expect(c.ascending && c.v4Count == v4.count)
            let all = (1..<c.entryCount).map { IPAddress(high: c.high[$0], low: c.low[$0]) }
            for _ in 0..<40 {
                // A network around an entry (or a random one) at a random prefix length, or one address.
                let around = all.isEmpty || Bool.random(using: &rng)
                    ? IPAddress(ipv4: base | UInt32.random(in: 0...0x3FF, using: &rng)) : all.randomElement(using: &rng)!
                let prefix = Int.random(in: 0...128, using: &rng)
                let first = AddressBloom.masked(around, prefix)
                let mask = AddressBloom.masked(IPAddress(high: .max, low: .max), prefix)
                let last = IPAddress(high: first.high | ~mask.high, low: first.low | ~mask.low)
                let matching = all.indices.filter { all[$0] >= first && all[$0] <= last }.map { $0 + 1 }
                let families = Set(matching.map { $0 <= c.v4Count })
                let run = c.codeRun(first: first, last: last)
                if families.count == 2 {
                    #expect(run == nil, "both families match: decided entry by entry")
                } else {
                    let r = try #require(run)
                    if matching.isEmpty {
                        #expect(r.lo > r.hi)
                    } else {
                        #expect(r.lo == matching.first! && r.hi == matching.last! && matching.count == r.hi - r.lo + 1,
                                "\(first)...\(last): \(matching) vs \(r)")
                    }
                }
            }
        }
    }

    /// `forEachCode(of:)` finds every listed address a dictionary holds, whatever the list's
    /// length, duplicates and families (checked against a set of the entries).
    @Test func listedAddressesAreFoundByWalkingTheDictionary() throws {
        var rng = SeededRandom(seed: 2027)
        for trial in 0..<200 {
            var v4 = Set<UInt32>()
            let base = UInt32.random(in: 0...UInt32.max, using: &rng) & 0xFFFF_0000
            for _ in 0..<Int.random(in: 0...300, using: &rng) { v4.insert(base | UInt32.random(in: 0...0xFFF, using: &rng)) }
            var v6 = Set<IPAddress>()
            if trial % 3 == 0 { v6.insert(IPAddress(high: 0, low: 1)) }
            for _ in 0..<Int.random(in: 0...40, using: &rng) {
                v6.insert(IPAddress(high: 0x2001_0db8_0000_0000 | UInt64.random(in: 0...3, using: &rng), low: UInt64.random(in: 0...255, using: &rng)))
            }
            let c = try ColumnCodec.decodeAddressCodes(Self.chunk(v4: v4.sorted(), v6: v6.sorted()))
            let all = (1..<c.entryCount).map { IPAddress(high: c.high[$0], low: c.low[$0]) }
            // Entries, neighbours of entries and random addresses of both families.
            var list: [IPAddress] = []
            for _ in 0..<Int.random(in: 0...600, using: &rng) {
                switch Int.random(in: 0...3, using: &rng) {
                case 0 where !all.isEmpty: list.append(all.randomElement(using: &rng)!)
                case 1: list.append(IPAddress(ipv4: base | UInt32.random(in: 0...0xFFF, using: &rng)))
                case 2: list.append(IPAddress(high: 0x2001_0db8_0000_0000 | UInt64.random(in: 0...3, using: &rng), low: UInt64.random(in: 0...255, using: &rng)))
                default: list.append(IPAddress(ipv4: UInt32.random(in: 0...UInt32.max, using: &rng)))
                }
            }
            let listed = Set(list)
            var found = Set<Int>()
            #expect(c.forEachCode(of: list.sorted()) { found.insert($0) })
            #expect(found == Set(all.indices.filter { listed.contains(all[$0]) }.map { $0 + 1 }), "trial \(trial)")
        }
        let unsorted = try ColumnCodec.decodeAddressCodes(Self.chunk(v4: [0x0A00_0002, 0x0A00_0001], v6: []))
        #expect(!unsorted.forEachCode(of: [IPAddress(ipv4: 0x0A00_0001)]) { _ in })
    }

    @Test func unsortedDictionariesAreDecidedEntryByEntry() throws {
        let c = try ColumnCodec.decodeAddressCodes(Self.chunk(v4: [0x0A00_0002, 0x0A00_0001], v6: []))
        #expect(!c.ascending)
        #expect(c.codeRun(first: IPAddress(ipv4: 0x0A00_0001), last: IPAddress(ipv4: 0x0A00_0001)) == nil)
        let d = try ColumnCodec.decodeAddressCodes(Self.chunk(v4: [1], v6: [IPAddress(high: 5, low: 0), IPAddress(high: 4, low: 9)]))
        #expect(!d.ascending)
        let e = try ColumnCodec.decodeAddressCodes(Self.chunk(v4: [1, 1], v6: []))
        #expect(!e.ascending, "entries must be strictly ascending")
        // IPv6 entries compare by their high word, then their low word.
        for (v6, ascending) in [([IPAddress(high: 4, low: 3), IPAddress(high: 4, low: 9)], true),
                                ([IPAddress(high: 4, low: 9), IPAddress(high: 4, low: 3)], false),
                                ([IPAddress(high: 4, low: 9), IPAddress(high: 4, low: 9)], false),
                                ([IPAddress(high: 4, low: .max), IPAddress(high: 5, low: 0)], true)] {
            let f = try ColumnCodec.decodeAddressCodes(Self.chunk(v4: [7, 8], v6: v6))
            #expect(f.ascending == ascending, "\(v6)")
        }
    }
}
