import FlowSupport

/// The bytes of one input file as flow-log text: gzip (any number of members) is inflated,
/// anything else is passed through. Input is read in pieces of at most 1 MiB, so memory stays
/// bounded whatever the file size. The CRC-32 of the raw file bytes is computed on the way, as the
/// content checksum the archive keeps for every source.
///
/// Gzip framing (RFC 1952) is handled here for both engines: the member header (magic, method 8,
/// no reserved flags, optional FEXTRA/FNAME/FCOMMENT/FHCRC, the header CRC checked) and the
/// trailer (CRC-32 and length of the member's output, both checked). The engines only inflate.
///
/// An error is reported only after the bytes decoded before it have been returned: a `read` that
/// meets damage returns what it has, and the next call throws.
public final class DecodedStream {
    public let path: String
    public let inflaterKind: InflaterKind
    private let file: ReadableFile
    private var input: [UInt8]
    private var inStart = 0
    private var inEnd = 0
    private var eof = false
    private var inflater: (any GzipMemberInflater)?
    private enum State { case start, header, body, trailer, between, done }
    private var state = State.start
    private var memberCRC: UInt32 = 0
    private var memberSize: UInt32 = 0
    private var pendingError: CodecError? = nil
    public private(set) var isGzip = false
    public private(set) var rawBytesRead: Int64 = 0
    public private(set) var rawChecksum: UInt32 = 0

    public init(file: ReadableFile, inflater: InflaterKind, inputBufferSize: Int = 1 << 20) {
        self.file = file
        self.path = file.path
        self.inflaterKind = inflater
        self.input = [UInt8](repeating: 0, count: max(64, inputBufferSize))
    }

    /// Bytes of the file consumed so far (for error positions).
    private var position: Int64 { rawBytesRead - Int64(inEnd - inStart) }

    /// Reads more of the file into the buffer; false at end of file.
    @discardableResult
    private func refill() throws -> Bool {
        if eof { return false }
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
        if inEnd == input.count { input.append(contentsOf: repeatElement(0, count: input.count)) }
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
        if n == 0 { eof = true; return false }
        inEnd += n
        rawBytesRead += Int64(n)
        return true
    }

    /// Makes at least `n` unread bytes available (growing the buffer if needed); false if the file ends first.
    private func ensure(_ n: Int) throws -> Bool {
        while inEnd - inStart < n {
            if inStart > 0 || inEnd == input.count {
                if input.count - (inEnd - inStart) < n { input.append(contentsOf: repeatElement(0, count: max(n, input.count))) }
            }
            if try !refill() { return false }
        }
        return true
    }

    /// Reads decoded bytes into `output`; returns 0 only at the end of the stream.
    public func read(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        if let e = pendingError { pendingError = nil; state = .done; throw e }
        if state == .done || output.count == 0 { return 0 }
        return try decode(into: output)
    }

    private var producedInCall = 0

    private func decode(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        producedInCall = 0
        do {
            try decodeLoop(output)
        } catch let e as CodecError {
            if producedInCall > 0 { pendingError = e; return producedInCall }
            state = .done
            throw e
        }
        return producedInCall
    }

    private func decodeLoop(_ output: UnsafeMutableRawBufferPointer) throws {
        if state == .start {
            _ = try ensure(2)
            isGzip = inEnd - inStart >= 2 && input[inStart] == 0x1f && input[inStart + 1] == 0x8b
            if isGzip {
                inflater = try makeInflater(inflaterKind)
                state = .header
            } else {
                state = .body
            }
        }
        guard isGzip, let inflater else {
            try readPlain(into: output)
            return
        }
        while producedInCall < output.count {
            switch state {
            case .header:
                try readHeader()
                try inflater.reset()
                memberCRC = 0
                memberSize = 0
                state = .body
            case .body:
                // At the end of the file the engine may still hold output: let it run on no input.
                if inStart == inEnd { try refill() }
                let start = inStart, end = inEnd, pOff = producedInCall
                let step = try input.withUnsafeBytes { (inBuf) throws -> InflateStep in
                    try inflater.inflate(input: UnsafeRawBufferPointer(rebasing: inBuf[start..<end]),
                                         output: UnsafeMutableRawBufferPointer(rebasing: output[pOff...]))
                }
                inStart += step.consumed
                if step.produced > 0 {
                    let out = UnsafeRawBufferPointer(rebasing: output[pOff..<(pOff + step.produced)])
                    memberCRC = CRC32.checksum(out, seed: memberCRC)
                    memberSize = memberSize &+ UInt32(truncatingIfNeeded: step.produced)
                    producedInCall += step.produced
                }
                if step.memberFinished {
                    if !step.readAhead.isEmpty { unread(step.readAhead) }
                    state = .trailer
                } else if step.consumed == 0 && step.produced == 0 {
                    // The engine needs more input than the buffer holds.
                    if try !refill() { throw CodecError.truncated }
                }
            case .trailer:
                guard try ensure(8) else { throw CodecError.truncated }
                var r = ByteReader(Array(input[inStart..<(inStart + 8)]), context: path)
                let crc: UInt32 = try r.readInteger()
                let size: UInt32 = try r.readInteger()
                inStart += 8
                if crc != memberCRC { throw CodecError.badChecksum }
                if size != memberSize { throw CodecError.badChecksum }  // ISIZE: the length check of the trailer
                state = .between
            case .between:
                // More members, zero padding (tolerated, as gzip(1) does), or garbage.
                _ = try ensure(2)
                if inStart == inEnd { state = .done; return }
                if inEnd - inStart >= 2 && input[inStart] == 0x1f && input[inStart + 1] == 0x8b {
                    state = .header
                    continue
                }
                let garbageAt = position
                while true {
                    for i in inStart..<inEnd where input[i] != 0 { throw CodecError.trailingGarbage(at: garbageAt) }
                    inStart = inEnd
                    if try !refill() { break }
                }
                state = .done
                return
            case .start, .done:
                return
            }
        }
    }

    /// Puts bytes back in front of the unread input.
    private func unread(_ bytes: [UInt8]) {
        let n = bytes.count
        if inStart >= n {
            for k in 0..<n { input[inStart - n + k] = bytes[k] }
            inStart -= n
        } else {
            var fresh = bytes
            fresh.append(contentsOf: input[inStart..<inEnd])
            let live = fresh.count
            fresh.append(contentsOf: repeatElement(0, count: max(input.count, live) - live))
            input = fresh
            inStart = 0
            inEnd = live
        }
    }

    /// Reads and checks one gzip member header (RFC 1952 §2.3).
    private func readHeader() throws {
        guard try ensure(10) else { throw CodecError.truncated }
        let h = inStart
        guard input[h] == 0x1f, input[h + 1] == 0x8b else { throw CodecError.corruptData("not a gzip member header") }
        guard input[h + 2] == 8 else { throw CodecError.unsupportedMethod }
        let flags = input[h + 3]
        guard flags & 0xE0 == 0 else { throw CodecError.corruptData("reserved gzip header flags are set") }
        var n = 10
        if flags & 0x04 != 0 {  // FEXTRA
            guard try ensure(n + 2) else { throw CodecError.truncated }
            let xlen = Int(input[inStart + n]) | Int(input[inStart + n + 1]) << 8
            n += 2 + xlen
            guard try ensure(n) else { throw CodecError.truncated }
        }
        for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
            while true {
                guard try ensure(n + 1) else { throw CodecError.truncated }
                n += 1
                if input[inStart + n - 1] == 0 { break }
                if n > 1 << 20 { throw CodecError.corruptData("gzip header name or comment longer than 1 MiB") }
            }
        }
        if flags & 0x02 != 0 {  // FHCRC: low 16 bits of the CRC-32 of the header so far
            guard try ensure(n + 2) else { throw CodecError.truncated }
            let stored = UInt16(input[inStart + n]) | UInt16(input[inStart + n + 1]) << 8
            let actual = UInt16(truncatingIfNeeded: CRC32.checksum(input[inStart..<(inStart + n)]))
            if stored != actual { throw CodecError.corruptData("gzip header checksum mismatch") }
            n += 2
        }
        inStart += n
    }

    private func readPlain(into output: UnsafeMutableRawBufferPointer) throws {
        while producedInCall < output.count {
            if inStart == inEnd {
                if try !refill() { state = .done; return }
                continue
            }
            let n = min(inEnd - inStart, output.count - producedInCall)
            let off = producedInCall
            input.withUnsafeBytes { src in
                (output.baseAddress! + off).copyMemory(from: src.baseAddress! + inStart, byteCount: n)
            }
            inStart += n
            producedInCall += n
        }
    }
}
