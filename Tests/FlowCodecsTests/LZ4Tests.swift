import Testing
import FlowCodecs
import FlowSupport

private func compress(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0xAA, 0xBB]  // compress appends: keep a prefix to check that
    let n = bytes.withUnsafeBytes { LZ4.compress($0, appendingTo: &out) }
    #expect(out.count == 2 + n)
    #expect(out[0] == 0xAA && out[1] == 0xBB)
    return Array(out[2...])
}

private func decompress(_ block: [UInt8], size: Int) throws -> [UInt8] {
    var out = [UInt8](repeating: 0xEE, count: size)
    try block.withUnsafeBytes { src in
        try out.withUnsafeMutableBytes { dst in try LZ4.decompress(src, into: dst) }
    }
    return out
}

@Suite struct LZ4Tests {
    static func inputs() -> [(String, [UInt8])] {
        var rng = SplitMix64(seed: 4)
        let random = (0..<200_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        return [
            ("one byte", [42]),
            ("short text", Array("2 123456789012 eni-1 - - - - - - - 1 2 - NODATA".utf8)),
            ("random 200 KB", random),
            ("zeros 1 MB", [UInt8](repeating: 0, count: 1 << 20)),
            ("repeating pattern", (0..<300_000).map { UInt8(truncatingIfNeeded: $0 % 251) }),
            ("flow log text", flowLogText(size: 500_000, seed: 44)),
            ("random with runs", (0..<100_000).map { i in i % 1000 < 500 ? 7 : UInt8(truncatingIfNeeded: rng.next()) }),
        ]
    }

    @Test func roundTrip() throws {
        for (name, input) in Self.inputs() {
            let block = compress(input)
            #expect(block.count <= LZ4.compressBound(input.count), "\(name)")
            #expect(block.count > 0, "\(name)")
            let same = try decompress(block, size: input.count) == input
            #expect(same, "\(name)")
            if name.hasPrefix("zeros") || name.hasPrefix("repeating") {
                #expect(block.count < input.count / 50, "\(name) compresses well: \(block.count)")
            }
        }
    }

    @Test func emptyInput() throws {
        var out: [UInt8] = []
        let n = [UInt8]().withUnsafeBytes { LZ4.compress($0, appendingTo: &out) }
        #expect(n == 0 && out.isEmpty)
        #expect(try decompress([], size: 0) == [])
    }

    @Test func wrongExpectedSizeThrows() throws {
        let input = flowLogText(size: 50_000, seed: 9)
        let block = compress(input)
        for size in [input.count + 1, input.count + 1000, input.count - 1, input.count / 2, 1] {
            #expect(throws: CodecError.self, "expected size \(size)") { _ = try decompress(block, size: size) }
        }
        #expect(throws: CodecError.outputSizeMismatch(expected: input.count + 1, actual: input.count)) {
            _ = try decompress(block, size: input.count + 1)
        }
        // A non-empty block into an empty buffer, and an empty block into a non-empty buffer.
        #expect(throws: CodecError.self) { _ = try decompress(block, size: 0) }
        #expect(throws: CodecError.self) { _ = try decompress([], size: 10) }
    }

    @Test func corruptBlocksThrow() throws {
        let input = (0..<100_000).map { UInt8(truncatingIfNeeded: ($0 / 3) % 97) }
        let block = compress(input)
        // Truncations always fail: the last sequence's literals are missing.
        for cut in [1, 2, 10, block.count / 2] {
            #expect(throws: CodecError.self, "cut \(cut)") { _ = try decompress(Array(block.dropLast(cut)), size: input.count) }
        }
        // A block of 0xFF: endless literal-length bytes.
        #expect(throws: CodecError.self) { _ = try decompress([UInt8](repeating: 0xFF, count: 64), size: input.count) }
        // A match whose offset points before the start of the output.
        #expect(throws: CodecError.self) { _ = try decompress([0x1F, 0x41, 0xFF, 0xFF, 0x00, 0x10, 0x42], size: 100) }
        // Random damage: may decode to other bytes (LZ4 blocks carry no checksum) but must never
        // crash or write outside the buffer; most are caught.
        var rng = SplitMix64(seed: 1234)
        var caught = 0
        for _ in 0..<500 {
            var bad = block
            for _ in 0..<(1 + rng.below(4)) { bad[rng.below(bad.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            do { _ = try decompress(bad, size: input.count) } catch is CodecError { caught += 1 }
        }
        #expect(caught > 100, "only \(caught) of 500 damaged blocks were detected")
    }
}

/// Chunks LZ4 cannot shrink are stored as one literal run: an ordinary LZ4 block that any
/// decoder reads, and that `literalRun` recognises so a reader can use the bytes in place.
@Suite struct LZ4LiteralRunTests {
    static func stored(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [7]  // storeLiterals appends
        let n = input.withUnsafeBytes { LZ4.storeLiterals($0, appendingTo: &out) }
        #expect(out.count == 1 + n && out[0] == 7)
        return Array(out[1...])
    }

    @Test(arguments: [1, 14, 15, 16, 269, 270, 271, 524, 525, 4_096, 100_000])
    func literalRunsAreLZ4BlocksAndAreRecognised(size: Int) throws {
        var rng = SplitMix64(seed: UInt64(size))
        let input = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let block = Self.stored(input)
        // What liblz4 itself decodes it to, and what flowarc's reader copies.
        var out = [UInt8](repeating: 0xEE, count: size)
        try block.withUnsafeBytes { src in try out.withUnsafeMutableBytes { try LZ4.decompressWithLibrary(src, into: $0) } }
        #expect(out == input)
        #expect(try decompress(block, size: size) == input)
        let at = block.withUnsafeBytes { LZ4.literalRun($0, rawLength: size) }
        #expect(at != nil)
        if let at {
            #expect(at + size == block.count)
            #expect(Array(block[at...]) == input)
        }
        // Not recognised for another length, nor when cut short.
        #expect(block.withUnsafeBytes { LZ4.literalRun($0, rawLength: size + 1) } == nil)
        #expect(block.withUnsafeBytes { LZ4.literalRun($0, rawLength: size - 1) } == nil)
        #expect(Array(block.dropLast()).withUnsafeBytes { LZ4.literalRun($0, rawLength: size) } == nil)
    }

    @Test func compressedBlocksAreNotTakenForLiterals() {
        let input = flowLogText(size: 50_000, seed: 3)
        let block = compress(input)
        #expect(block.withUnsafeBytes { LZ4.literalRun($0, rawLength: input.count) } == nil)
        // A token announcing a match after its literals is not a literal run, even if the lengths fit.
        var forged = Self.stored([1, 2, 3])
        forged[0] |= 0x04
        #expect(forged.withUnsafeBytes { LZ4.literalRun($0, rawLength: 3) } == nil)
        // Nor is a header of 255s that runs into the bytes the literals would need.
        let ones = [UInt8](repeating: 255, count: 40)
        #expect(([0xF0] + ones).withUnsafeBytes { LZ4.literalRun($0, rawLength: 20) } == nil)
        #expect([UInt8]().withUnsafeBytes { LZ4.literalRun($0, rawLength: 0) } == nil)
    }
}
