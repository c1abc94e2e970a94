@testable import FlowQuery
import Testing

/// The group tables index slots by a key hash's low bits, refuse most mismatches by its high 32
/// bits, and split groups between workers by bits 40..<56 (`GroupExchange.owner`). Structured
/// keys (counters, hour buckets, neighbouring addresses, tuples differing in one word) must
/// spread over all three, or probes cluster and one worker gets most of the groups.
@Suite struct GroupHashTests {
    static func spread(_ keys: [[UInt64]]) -> (worstSlotRun: Int, tagCollisions: Int, ownerShare: Double) {
        let slots = 1 << 18  // four slots per key, as in a table after growing
        var used = [Bool](repeating: false, count: slots)
        var tags = Set<UInt64>()
        var worst = 0, collisions = 0, ownedByFirst = 0
        for k in keys {
            let h = k.withUnsafeBufferPointer { GroupTable.hash($0.baseAddress!, k.count) }
            // Linear probing, as the table does: the run length from the home slot.
            var s = Int(truncatingIfNeeded: h) & (slots - 1), run = 0
            while used[s] { s = (s + 1) & (slots - 1); run += 1 }
            used[s] = true
            worst = max(worst, run)
            if !tags.insert(h >> 32).inserted { collisions += 1 }
            if GroupExchange.owner(h, parts: 2) == 0 { ownedByFirst += 1 }
        }
        return (worst, collisions, Double(ownedByFirst) / Double(keys.count))
    }

    static let n = 1 << 16
    static let patterns: [(String, [[UInt64]])] = [
        ("counters", (0..<n).map { [0, UInt64($0)] }),
        ("hour buckets", (0..<n).map { [0, 1_700_000_000 / 3600 * 3600 + UInt64($0) * 3600] }),
        ("IPv4 neighbours", (0..<n).map { [0, 0, 0x0000_FFFF_0A00_0000 | UInt64($0)] }),
        ("IPv6 /64 neighbours", (0..<n).map { [0, 0x2600_1f18_0000_0000, UInt64($0) << 48] }),
        ("tuples differing in a port", (0..<n).map { [0, 100, 0, 0x0000_FFFF_0A00_0001, 0, 0x0000_FFFF_3400_0001, UInt64($0)] }),
        ("NULL bits", (0..<n).map { [UInt64($0 & 3), UInt64($0 >> 2)] }),
    ]

    @Test("structured keys spread over slots, tags and workers", arguments: patterns.indices)
    func structuredKeysSpread(_ i: Int) {
        let (name, keys) = Self.patterns[i]
        let s = Self.spread(keys)
        // A random hash: longest probe run ~10-20 at load 1/4, a few dozen tag collisions of 2^16 keys.
        #expect(s.worstSlotRun < 40, "\(name): probe run \(s.worstSlotRun)")
        #expect(s.tagCollisions < 20, "\(name): \(s.tagCollisions) tag collisions")
        #expect(abs(s.ownerShare - 0.5) < 0.02, "\(name): first worker owns \(s.ownerShare)")
    }
}

/// A group table grown from its first 1,024 slots through the sizes kept in mappings of their
/// own (grown in place by `mremap`, the old slots cleared, the new half fresh) and one sized by
/// `reserve`: every key keeps its group, and new keys get the next numbers.
@Suite struct GroupTableGrowthTests {
    static func key(_ i: Int) -> [UInt64] { [UInt64(i & 1), 0x0000_FFFF_0A00_0000 &+ UInt64(i) &* 2_654_435_761] }

    @Test(arguments: [false, true])
    func groupsSurviveGrowth(reserved: Bool) {
        let n = 700_000  // past 512 Ki slots (256 Ki groups) and 1 Mi slots
        let table = GroupTable(width: 2)
        if reserved { table.reserve(n / 2) }
        for i in 0..<n {
            let g = Self.key(i).withUnsafeBufferPointer { table.findOrInsert($0.baseAddress!) }
            if g != i { Issue.record("key \(i) got group \(g)"); return }
        }
        #expect(table.count == n)
        var wrong = 0
        for i in stride(from: 0, to: n, by: 7) {
            let g = Self.key(i).withUnsafeBufferPointer { table.findOrInsert($0.baseAddress!) }
            if g != i { wrong += 1 }
        }
        #expect(wrong == 0 && table.count == n)
        #expect(table.keys[2 * (n - 1) + 1] == Self.key(n - 1)[1])
    }
}
