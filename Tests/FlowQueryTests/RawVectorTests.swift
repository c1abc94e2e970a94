@testable import FlowQuery
import FlowSupport
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

extension RawVectorTests {
    /// Asking for huge pages over any range (unaligned, tiny, inside a malloc'ed block) keeps
    /// the bytes as they were and never fails the caller.
    @Test func hugePageAdviceKeepsContents() {
        for (size, offset) in [(100, 0), (5 << 20, 8), (9 << 20, 4095), (16 << 20, 0)] {
            let p = UnsafeMutableRawPointer.allocate(byteCount: size + offset, alignment: 16)
            defer { p.deallocate() }
            let bytes = p.assumingMemoryBound(to: UInt8.self)
            for i in Swift.stride(from: 0, to: size + offset, by: 4093) { bytes[i] = UInt8(truncatingIfNeeded: i) }
            Sys.adviseHugePages(p + offset, bytes: size)
            #expect(Swift.stride(from: 0, to: size + offset, by: 4093).allSatisfy { bytes[$0] == UInt8(truncatingIfNeeded: $0) })
        }
    }
}

extension RawVectorTests {
    /// Appending zeros into a mapping's never-written tail writes nothing (the pages are zero);
    /// after `removeAll`, or after elements were written there, zeros are written again.
    @Test func zerosAppendedOverWrittenAndFreshMemory() {
        let words = RawVector<UInt64>.mappedBytes / 8
        let v = RawVector<UInt64>(capacity: words * 2)
        let a = v.append(repeating: 0, count: words)
        for i in a..<(a + words) { v[i] = UInt64(i) | 1 }
        v.removeAll()
        _ = v.append(repeating: 0, count: words + 10)  // over written memory, then fresh
        #expect((0..<v.count).allSatisfy { v[$0] == 0 })
        // Grown past its mapping (moved or remapped): the old elements stay, the new are zero.
        for i in 0..<v.count { v[i] = 7 }
        let b = v.append(repeating: 0, count: words * 3)
        #expect((0..<b).allSatisfy { v[$0] == 7 } && (b..<v.count).allSatisfy { v[$0] == 0 })
        // Non-zero fill is always written.
        let c = v.append(repeating: 5, count: 100)
        #expect((c..<v.count).allSatisfy { v[$0] == 5 })
        // A malloc'ed vector is never assumed zero.
        let small = RawVector<UInt64>(capacity: 16)
        for i in 0..<16 { small.append(UInt64(i) + 1) }
        small.removeAll()
        _ = small.append(repeating: 0, count: 16)
        #expect((0..<16).allSatisfy { small[$0] == 0 })
    }
}
