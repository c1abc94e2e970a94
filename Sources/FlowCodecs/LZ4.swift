import CLZ4

/// LZ4 block compression (not the frame format: the archive's own column headers carry the sizes
/// and the checksum). Decompression uses `LZ4_decompress_safe` only, which never reads or writes
/// outside the buffers it is given, whatever the input.
public enum LZ4 {
    public static func compressBound(_ n: Int) -> Int { Int(clz4_compress_bound(Int32(n))) }

    /// Appends the compressed form of `source` to `output`; returns the compressed length.
    @discardableResult
    public static func compress(_ source: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) -> Int {
        if source.count == 0 { return 0 }
        let bound = compressBound(source.count)
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: bound))
        let n = output.withUnsafeMutableBytes { dst in
            clz4_compress_default(source.baseAddress!, dst.baseAddress! + start, Int32(source.count), Int32(bound))
        }
        precondition(n > 0, "LZ4_compress_default failed on \(source.count) bytes")
        output.removeLast(bound - Int(n))
        return Int(n)
    }

    /// Appends `source` as an LZ4 block of one literal run (a token, the run's length, the bytes
    /// as they are): what any LZ4 decoder reads back, for data LZ4 cannot shrink enough to pay
    /// for decompressing it. A reader that recognises the form (`literalRun`) reads the bytes in
    /// place instead. Returns the block's length.
    @discardableResult
    public static func storeLiterals(_ source: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) -> Int {
        let n = source.count
        if n == 0 { return 0 }
        let start = output.count
        if n < 15 {
            output.append(UInt8(n) << 4)
        } else {
            output.append(0xF0)
            var rest = n - 15
            while rest >= 255 { output.append(255); rest -= 255 }
            output.append(UInt8(rest))
        }
        output.append(contentsOf: source)
        return output.count - start
    }

    /// Where the literals start when `block` is exactly one literal run of `rawLength` bytes (as
    /// `storeLiterals` writes it), else nil (then decompress it).
    public static func literalRun(_ block: UnsafeRawBufferPointer, rawLength: Int) -> Int? {
        guard rawLength > 0 else { return nil }
        // The one header that encodes `rawLength`: a token, then (from 15 on) 255s and a last byte below 255.
        if rawLength < 15 {
            return block.count == 1 + rawLength && block[0] == UInt8(rawLength) << 4 ? 1 : nil
        }
        let fill = (rawLength - 15) / 255, header = 2 + fill
        guard block.count == header + rawLength, block[0] == 0xF0, block[header - 1] == UInt8((rawLength - 15) % 255) else { return nil }
        var k = 1, all: UInt64 = ~0
        while k + 8 <= 1 + fill { all &= block.loadUnaligned(fromByteOffset: k, as: UInt64.self); k += 8 }
        while k < 1 + fill { all &= UInt64(block[k]) | ~0xFF; k += 1 }
        return all == ~0 ? header : nil
    }

    /// Decompresses exactly `destination.count` bytes. A block of one literal run (see
    /// `storeLiterals`) is copied without calling liblz4.
    public static func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws {
        if destination.count == 0 && source.count == 0 { return }
        if let at = literalRun(source, rawLength: destination.count) {
            destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[at...]))
            return
        }
        try decompressWithLibrary(source, into: destination)
    }

    /// `decompress` always through `LZ4_decompress_safe`, as any other LZ4 reader decodes the
    /// block (tests check literal runs this way).
    public static func decompressWithLibrary(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws {
        if destination.count == 0 && source.count == 0 { return }
        guard let src = source.baseAddress, let dst = destination.baseAddress else {
            throw CodecError.corruptData("empty LZ4 block")
        }
        let n = clz4_decompress_safe(src, dst, Int32(source.count), Int32(destination.count))
        if n < 0 { throw CodecError.corruptData("malformed LZ4 block (LZ4_decompress_safe returned \(n))") }
        if Int(n) != destination.count { throw CodecError.outputSizeMismatch(expected: destination.count, actual: Int(n)) }
    }
}
