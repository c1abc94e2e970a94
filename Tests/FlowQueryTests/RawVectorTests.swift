@testable import FlowQuery
import Testing

/// `RawVector` moves from malloc'ed memory to a mapping of its own once it reaches
/// `mappedBytes`, and then grows with `mremap`: every element must survive each move.
@Suite struct RawVectorTests {
    @Test func keepsElementsAcrossMallocAndMappedGrowth() {
        let v = RawVector<UInt64>(capacity: 16)
        let n = 3 * RawVector<UInt64>.mappedBytes / 8 + 123  // past the mapped threshold, then two doublings
        for i in 0..<n { v.append(UInt64(i) &* 0x9E37_79B9_7F4A_7C15) }
        #expect(v.count == n)
        #expect(v.capacity >= n)
        var wrong = 0
        for i in 0..<n where v[i] != UInt64(i) &* 0x9E37_79B9_7F4A_7C15 { wrong += 1 }
        #expect(wrong == 0)
    }

    @Test func appendRepeatingAcrossTheThreshold() {
        let v = RawVector<Int128>(capacity: 1024)
        let first = v.append(repeating: 7, count: 10)
        let big = v.append(repeating: -1, count: RawVector<Int128>.mappedBytes / 16 + 5)
        #expect(first == 0 && big == 10)
        #expect((0..<10).allSatisfy { v[$0] == 7 })
        #expect((10..<v.count).allSatisfy { v[$0] == -1 })
        v.removeAll()
        #expect(v.count == 0)
        _ = v.append(repeating: 3, count: 4)
        #expect(v.array == [3, 3, 3, 3])
    }

    @Test func startsMappedWhenLarge() {
        let words = RawVector<UInt64>.mappedBytes / 8
        let v = RawVector<UInt64>(capacity: words * 2)
        for i in 0..<(words * 3) { v.append(UInt64(i)) }
        #expect((0..<v.count).allSatisfy { v[$0] == UInt64($0) })
    }
}
