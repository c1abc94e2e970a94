import Foundation
import Testing
import FlowCodecs
import FlowSupport

// MARK: - Seeded randomness


/// Flow-log-like text (default v2 records, a header first) of exactly `size` bytes.
func flowLogText(size: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(seed: seed)
    var out: [UInt8] = []
    out.reserveCapacity(size + 200)
    out += Array("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n".utf8)
    let enis = (0..<12).map { _ in "eni-" + String(rng.next() & 0xFFFF_FFFF_FFFF, radix: 16) }
    var t: UInt64 = 1_700_000_000
    while out.count < size {
        t += UInt64(rng.below(3))
        let line: String
        if rng.below(5) == 0 {
            line = "2 123456789012 \(enis[rng.below(enis.count)]) - - - - - - - \(t) \(t + 60) - NODATA\n"
        } else {
            let a = "10.\(rng.below(256)).\(rng.below(256)).\(rng.below(256))"
            let b = "\(rng.below(224)).\(rng.below(256)).\(rng.below(256)).\(rng.below(256))"
            line = "2 123456789012 \(enis[rng.below(enis.count)]) \(a) \(b) \(rng.below(65536)) \([22, 80, 443, 53, 3389][rng.below(5)]) "
                + "\([6, 17, 1][rng.below(3)]) \(rng.below(1000) + 1) \(rng.below(1_000_000)) \(t) \(t + UInt64(rng.below(61))) "
                + "\(rng.below(10) == 0 ? "REJECT" : "ACCEPT") OK\n"
        }
        out += Array(line.utf8)
    }
    out.removeLast(out.count - size)
    return out
}

// MARK: - Files

/// A directory under /tmp for one test, removed by `remove()`.
struct Scratch {
    let path: String

    init(_ name: String = #function) throws {
        let clean = name.filter { $0.isLetter || $0.isNumber }
        // /dev/shm when there is one: GzipWriter.finish() fsyncs, which costs real disk time.
        let base = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory()
        path = base + "flowcodecs-tests-\(getpid())-\(clean)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func readFile(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// gzip-compresses `bytes` with `GzipWriter`, feeding it in pieces of `piece` bytes; returns the file's bytes.
@discardableResult
func gzipFile(_ path: String, _ bytes: [UInt8], piece: Int = 1 << 16, level: Int32 = 6) throws -> [UInt8] {
    let w = try GzipWriter(path: path, level: level)
    var i = 0
    while i < bytes.count {
        let j = min(bytes.count, i + piece)
        try bytes[i..<j].withUnsafeBytes { try w.write($0) }
        i = j
    }
    try w.finish()
    return try readFile(path)
}

// MARK: - Decoding with a deadline

struct DecodeOutcome: Sendable, CustomTestStringConvertible {
    var bytes: [UInt8] = []
    var error: CodecError?
    var otherError: String?
    var isGzip = false
    var rawBytesRead: Int64 = 0
    var rawChecksum: UInt32 = 0
    /// `read` returned more than it was given room for, or kept returning data past `limit`.
    var misbehaved: String?

    /// A short form for failure messages (never the bytes themselves).
    var testDescription: String {
        "\(bytes.count) bytes, error: \(error.map { "\($0)" } ?? otherError ?? "none"), isGzip \(isGzip), "
            + "raw \(rawBytesRead) bytes crc \(rawChecksum)\(misbehaved.map { ", " + $0 } ?? "")"
    }
}

private final class Box<T>: @unchecked Sendable {
    var value: T?
}

/// Reads a whole file through `DecodedStream` with `outputSize`-byte reads, on its own thread,
/// waiting at most `seconds` (a decoder that loops forever yields nil instead of hanging the suite).
func decode(_ path: String, _ kind: InflaterKind, outputSize: Int = 1 << 20, inputBufferSize: Int = 1 << 20,
            limit: Int = 64 << 20, seconds: Double = 20) -> DecodeOutcome? {
    let box = Box<DecodeOutcome>()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        var out = DecodeOutcome()
        do {
            let stream = DecodedStream(file: try ReadableFile(path: path), inflater: kind, inputBufferSize: inputBufferSize)
            var buffer = [UInt8](repeating: 0, count: outputSize)
            while true {
                let n = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
                if n == 0 { break }
                if n < 0 || n > outputSize { out.misbehaved = "read returned \(n) for a \(outputSize)-byte buffer"; break }
                out.bytes += buffer[..<n]
                if out.bytes.count > limit { out.misbehaved = "more than \(limit) bytes"; break }
            }
            // A finished stream keeps returning 0.
            let again = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
            if again != 0 { out.misbehaved = "read returned \(again) after the end" }
            out.isGzip = stream.isGzip
            out.rawBytesRead = stream.rawBytesRead
            out.rawChecksum = stream.rawChecksum
        } catch let e as CodecError {
            out.error = e
        } catch {
            out.otherError = "\(error)"
        }
        box.value = out
        done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    return done.wait(timeout: .now() + seconds) == .success ? box.value : nil
}

extension Array where Element == UInt8 {
    func hasPrefix(_ p: [UInt8]) -> Bool { count >= p.count && self[..<p.count].elementsEqual(p) }
}

// MARK: - Hand-made gzip members

/// A gzip member of exactly `size` bytes (size >= 23) holding the first `size - 18 - 5 * blocks`
/// bytes of `source` in stored (uncompressed) deflate blocks; returns the member and its content.
func storedMember(size: Int, from source: [UInt8]) -> (member: [UInt8], content: [UInt8]) {
    // n content bytes in b blocks of <= 65535 bytes: 10 + 5b + n + 8 = size.
    var b = 1
    while true {
        let n = size - 18 - 5 * b
        precondition(n >= 0, "size too small")
        if n <= 65_535 * b { break }
        b += 1
    }
    let n = size - 18 - 5 * b
    let content = Array(source[..<n])
    var m: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]
    var off = 0
    for k in 0..<b {
        let len = k == b - 1 ? n - off : min(65_535, n - off)
        m.append(k == b - 1 ? 1 : 0)
        m += [UInt8(len & 0xFF), UInt8(len >> 8), UInt8(~len & 0xFF), UInt8((~len >> 8) & 0xFF)]
        m += content[off..<(off + len)]
        off += len
    }
    let crc = CRC32.checksum(content)
    for s in [0, 8, 16, 24] { m.append(UInt8(truncatingIfNeeded: crc >> UInt32(s))) }
    for s in [0, 8, 16, 24] { m.append(UInt8(truncatingIfNeeded: UInt32(n) >> UInt32(s))) }
    precondition(m.count == size)
    return (m, content)
}

/// `gz` (a GzipWriter member with a bare header) with an FNAME field added to its header.
func withName(_ gz: [UInt8], _ name: String) -> [UInt8] {
    [0x1F, 0x8B, 8, 0x08] + Array(gz[4..<10]) + Array(name.utf8) + [0] + Array(gz[10...])
}
