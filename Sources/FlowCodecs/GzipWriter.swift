import CZlib
import FlowSupport

/// Writes a gzip file with zlib's deflate (the generator uses it to write logs as AWS delivers them).
public final class GzipWriter {
    private let file: WritableFile
    private let stream: UnsafeMutablePointer<z_stream>
    private var out: [UInt8]
    private var closed = false

    public init(path: String, level: Int32 = 6) throws {
        file = try WritableFile(creating: path)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = czlib_deflateInit2(stream, level, 15 + 16)
        guard rc == Z_OK else {
            stream.deallocate()
            throw CodecError.internalState("deflateInit2 returned \(rc)")
        }
        out = [UInt8](repeating: 0, count: 1 << 16)
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try pump(bytes, flush: Z_NO_FLUSH)
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try pump($0, flush: Z_NO_FLUSH) }
    }

    /// Finishes the gzip member and closes the file.
    public func finish() throws {
        if closed { return }
        try pump(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
        try file.sync()
        file.close()
        closed = true
    }

    private func pump(_ bytes: UnsafeRawBufferPointer, flush: Int32) throws {
        stream.pointee.next_in = bytes.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
        stream.pointee.avail_in = uInt(bytes.count)
        while true {
            let rc: Int32 = out.withUnsafeMutableBytes { buf in
                stream.pointee.next_out = buf.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(buf.count)
                return deflate(stream, flush)
            }
            let produced = out.count - Int(stream.pointee.avail_out)
            if produced > 0 { try out.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[..<produced])) } }
            if rc == Z_STREAM_END { return }
            if rc != Z_OK && rc != Z_BUF_ERROR { throw CodecError.internalState("deflate returned \(rc)") }
            if flush == Z_NO_FLUSH && stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { return }
        }
    }
}
