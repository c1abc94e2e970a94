import FlowSupport
import Testing
@testable import FlowLog

/// The parser's interning table: codes in order of first sight, keys that tell apart every pair
/// of tokens of one length (the key words overlap), growth, rollback of a rejected line's values.
@Suite struct InternTableTests {
    /// Interns `bytes` through a pointer to exactly its bytes (the table must not read past them).
    static func intern(_ t: InternTable, _ bytes: [UInt8]) -> UInt32 {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: 1)
        defer { p.deallocate() }
        bytes.withUnsafeBytes { if let b = $0.baseAddress { p.copyMemory(from: b, byteCount: bytes.count) } }
        return t.intern(UnsafeRawPointer(p), bytes.count)
    }

    static func key(_ bytes: [UInt8]) -> InternKey {
        bytes.withUnsafeBytes { InternKey($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, bytes.count) }
    }

    @Test func codesInOrderOfFirstSight() {
        let t = InternTable()
        let values: [[UInt8]] = [Array("eni-0123456789abcdef0".utf8), Array("ACCEPT".utf8), [], [0], [0, 0],
                                 Array("eni-0123456789abcdef1".utf8), Array("subnet-053466c4bd3de94ba".utf8),
                                 Array("arn:aws:ecs:us-east-1:123456789012:cluster/a-rather-long-name".utf8)]
        for (i, v) in values.enumerated() { #expect(Self.intern(t, v) == UInt32(i + 1)) }
        for (i, v) in values.enumerated() { #expect(Self.intern(t, v) == UInt32(i + 1)) }
        #expect(t.count == values.count)
        let d = t.makeDictionary()
        for (i, v) in values.enumerated() { #expect(Array(d.value(UInt32(i + 1))) == v) }
    }

    /// For every length up to 40 and every byte position, two tokens differing in that byte
    /// only get different keys and different codes (inline keys for up to 24 bytes, the
    /// arena compare above).
    @Test func everyByteCounts() {
        for n in 1...40 {
            let t = InternTable()
            let base = (0..<n).map { UInt8(0x61 + $0 % 26) }
            #expect(Self.intern(t, base) == 1)
            for k in 0..<n {
                var other = base
                other[k] = 0x30
                if n <= InternKey.inlineLimit { #expect(Self.key(other) != Self.key(base), "length \(n), byte \(k)") }
                #expect(Self.intern(t, other) == UInt32(k + 2), "length \(n), byte \(k)")
            }
            #expect(Self.intern(t, base) == 1)
            // A prefix of the token is another value.
            #expect(Self.intern(t, Array(base.dropLast())) == UInt32(n + 2))
        }
    }

    /// Many values of every length through many growths of the table, against a Swift dictionary.
    @Test func manyValuesAgainstReference() {
        let t = InternTable()
        var reference: [[UInt8]: UInt32] = [:]
        var rng = SplitMix64(seed: 7)
        var wrong = 0
        for i in 0..<60_000 {
            let v: [UInt8] = i % 2 == 0
                ? Array("eni-\(String(rng.below(20_000), radix: 16))".utf8)
                : (0..<rng.below(40)).map { _ in UInt8(truncatingIfNeeded: rng.next() % 4) }
            let expected = reference[v] ?? UInt32(reference.count + 1)
            reference[v] = expected
            if Self.intern(t, v) != expected { wrong += 1 }
        }
        #expect(wrong == 0)
        #expect(t.count == reference.count)
        let d = t.makeDictionary()
        for (v, code) in reference where Array(d.value(code)) != v { Issue.record("code \(code) holds the wrong value") }
    }

    /// Truncating forgets exactly the newest values: older ones keep their codes, the forgotten
    /// ones come back with the next codes, also after the table grew in between.
    @Test func truncateRestoresTheTable() {
        let t = InternTable()
        let old = (0..<50).map { Array("vpc-\($0)".utf8) }
        for v in old { _ = Self.intern(t, v) }
        let added = (0..<300).map { Array("subnet-0123456789abcdef-\($0)".utf8) }
        for v in added { _ = Self.intern(t, v) }
        t.truncate(to: old.count)
        #expect(t.count == old.count)
        for (i, v) in old.enumerated() { #expect(Self.intern(t, v) == UInt32(i + 1)) }
        #expect(Self.intern(t, added[5]) == UInt32(old.count + 1))
        #expect(Self.intern(t, added[0]) == UInt32(old.count + 2))
        let d = t.makeDictionary()
        #expect(Array(d.value(UInt32(old.count + 1))) == added[5])
        #expect(d.count == old.count + 2)
    }

    @Test func resetForgetsEverything() {
        let t = InternTable()
        for i in 0..<500 { _ = Self.intern(t, Array("i-\(i)".utf8)) }
        t.reset()
        #expect(t.count == 0)
        #expect(Self.intern(t, Array("i-499".utf8)) == 1)
        #expect(t.makeDictionary().count == 1)
    }
}
