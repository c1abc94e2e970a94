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

    /// Decompresses exactly `destination.count` bytes.
    public static func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws {
        if destination.count == 0 && source.count == 0 { return }
        guard let src = source.baseAddress, let dst = destination.baseAddress else {
            throw CodecError.corruptData("empty LZ4 block")
        }
        let n = clz4_decompress_safe(src, dst, Int32(source.count), Int32(destination.count))
        if n < 0 { throw CodecError.corruptData("malformed LZ4 block (LZ4_decompress_safe returned \(n))") }
        if Int(n) != destination.count { throw CodecError.outputSizeMismatch(expected: destination.count, actual: Int(n)) }
    }
}
