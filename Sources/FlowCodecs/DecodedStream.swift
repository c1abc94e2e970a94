import FlowSupport

/// The bytes of one input file as flow-log text: gzip (any number of members) is inflated,
/// anything else is passed through. Input is read in 1 MiB pieces, so memory stays bounded
/// whatever the file size. The CRC-32 of the raw file bytes is computed on the way, as the
/// content checksum the archive keeps for every source.
public final class DecodedStream {
    public let path: String
    public let inflaterKind: InflaterKind
    private let file: ReadableFile
    private var input: [UInt8]
    private var inStart = 0
    private var inEnd = 0
    private var eof = false
    private var inflater: (any GzipMemberInflater)?
    private var memberOpen = false
    private var finished = false
    public private(set) var isGzip = false
    public private(set) var rawBytesRead: Int64 = 0
    public private(set) var rawChecksum: UInt32 = 0
    private var started = false

    public init(file: ReadableFile, inflater: InflaterKind, inputBufferSize: Int = 1 << 20) {
        self.file = file
        self.path = file.path
        self.inflaterKind = inflater
        self.input = [UInt8](repeating: 0, count: inputBufferSize)
    }

    private func refill() throws {
        if eof { return }
        if inStart > 0 {
            let live = inEnd - inStart
            if live > 0 {
                input.withUnsafeMutableBytes { buf in
                    buf.baseAddress!.copyMemory(from: buf.baseAddress! + inStart, byteCount: live)
                }
            }
            inStart = 0
            inEnd = live
        }
        if inEnd == input.count { return }
        let end = inEnd
        let n: Int
        do {
            n = try input.withUnsafeMutableBytes { (buf) throws -> Int in
                let target = UnsafeMutableRawBufferPointer(rebasing: buf[end...])
                let got = try file.read(into: target)
                rawChecksum = CRC32.checksum(UnsafeRawBufferPointer(rebasing: target[..<got]), seed: rawChecksum)
                return got
            }
        } catch let e as SysError { throw CodecError.io(e) }
        if n == 0 { eof = true }
        inEnd += n
        rawBytesRead += Int64(n)
    }

    /// Reads decoded bytes into `output`; returns 0 only at the end of the stream.
    public func read(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        if finished || output.count == 0 { return 0 }
        if !started {
            started = true
            while inEnd - inStart < 2 && !eof { try refill() }
            isGzip = inEnd - inStart >= 2 && input[inStart] == 0x1f && input[inStart + 1] == 0x8b
            if isGzip {
                inflater = try makeInflater(inflaterKind)
                memberOpen = true
            }
        }
        guard isGzip, let inflater else { return try readPlain(into: output) }

        var produced = 0
        while produced < output.count {
            if !memberOpen {
                // Between members: more members, zero padding (tolerated, as gzip(1) does), or garbage.
                if inEnd - inStart < 2 && !eof { try refill(); continue }
                if inStart == inEnd && eof { finished = true; break }
                if inEnd - inStart >= 2 && input[inStart] == 0x1f && input[inStart + 1] == 0x8b {
                    try inflater.reset()
                    memberOpen = true
                    continue
                }
                let garbageAt = rawBytesRead - Int64(inEnd - inStart)
                while true {
                    for i in inStart..<inEnd where input[i] != 0 { throw CodecError.trailingGarbage(at: garbageAt) }
                    inStart = inEnd
                    if eof { break }
                    try refill()
                }
                finished = true
                break
            }
            if inStart == inEnd && !eof { try refill() }
            let start = inStart, end = inEnd, pOff = produced
            let step = try input.withUnsafeBytes { (inBuf) throws -> InflateStep in
                try inflater.inflate(input: UnsafeRawBufferPointer(rebasing: inBuf[start..<end]),
                                     output: UnsafeMutableRawBufferPointer(rebasing: output[pOff...]))
            }
            inStart += step.consumed
            produced += step.produced
            if step.memberFinished {
                memberOpen = false
                continue
            }
            if step.consumed == 0 && step.produced == 0 {
                if eof && inStart == inEnd { throw CodecError.truncated }
                if inEnd - inStart == input.count {
                    // The decoder holds a full buffer and makes no progress: grow it (pathological input).
                    input.append(contentsOf: [UInt8](repeating: 0, count: input.count))
                }
                try refill()
                if eof && inStart == inEnd { throw CodecError.truncated }
            }
        }
        return produced
    }

    private func readPlain(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        var produced = 0
        while produced < output.count {
            if inStart == inEnd {
                if eof { finished = true; break }
                try refill()
                continue
            }
            let n = min(inEnd - inStart, output.count - produced)
            input.withUnsafeBytes { src in
                (output.baseAddress! + produced).copyMemory(from: src.baseAddress! + inStart, byteCount: n)
            }
            inStart += n
            produced += n
        }
        return produced
    }
}
