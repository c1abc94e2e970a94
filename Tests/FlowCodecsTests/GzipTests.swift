import Foundation
import Testing
import FlowCodecs
import FlowSupport

private let header14 = Array("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n".utf8)

/// 5 MB of flow-log-like text, made once.
private let bigText = flowLogText(size: 5_000_000, seed: 5)

private func text(size: Int) -> [UInt8] { size == bigText.count ? bigText : flowLogText(size: size, seed: UInt64(size)) }

private let gzipTool = "/usr/bin/gzip"

/// Runs gzip(1) with `arguments`, feeding `input`; returns its standard output.
private func runGzip(_ arguments: [String], input: [UInt8]) throws -> (status: Int32, output: [UInt8]) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: gzipTool)
    p.arguments = arguments
    let inPipe = Pipe(), outPipe = Pipe()
    p.standardInput = inPipe
    p.standardOutput = outPipe
    p.standardError = FileHandle.nullDevice
    try p.run()
    let writer = Thread {
        inPipe.fileHandleForWriting.write(Data(input))
        try? inPipe.fileHandleForWriting.close()
    }
    writer.start()
    let out = outPipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, [UInt8](out))
}

@Suite struct GzipRoundTripTests {
    @Test(arguments: InflaterKind.allCases, [0, 1, 100_000, 5_000_000])
    func roundTrip(_ kind: InflaterKind, _ size: Int) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let original = text(size: size)
        #expect(original.count == size)
        let path = scratch.file("t.log.gz")
        let gz = try gzipFile(path, original, piece: size > 1_000_000 ? 1 << 20 : 4093)
        #expect(gz.count >= 20)
        #expect(gz[0] == 0x1F && gz[1] == 0x8B && gz[2] == 8)
        // (output buffer, input buffer): large, small, tiny and odd sizes.
        var plans: [(Int, Int)] = [(1 << 20, 1 << 20), (997, 1 << 20), (65_536, 4096), (8192, 64)]
        if size <= 100_000 { plans += [(1, 1 << 20), (4096, 7), (3, 11)] }
        for (outSize, inSize) in plans {
            let r = try #require(decode(path, kind, outputSize: outSize, inputBufferSize: inSize),
                                 "decoding hung (output \(outSize), input buffer \(inSize))")
            #expect(r.error == nil && r.otherError == nil && r.misbehaved == nil,
                    "output \(outSize), input \(inSize): \(String(describing: r.error)) \(r.otherError ?? "") \(r.misbehaved ?? "")")
            let same = r.bytes == original
            #expect(same, "output \(outSize), input \(inSize): \(r.bytes.count) bytes vs \(original.count)")
            #expect(r.isGzip)
            #expect(r.rawBytesRead == Int64(gz.count))
            #expect(r.rawChecksum == CRC32.checksum(gz))
        }
    }

    /// GzipWriter's files are standard gzip: gzip(1) tests and decompresses them to the same bytes.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: gzipTool)), arguments: [0, 1, 100_000])
    func gzipToolReadsGzipWriterOutput(_ size: Int) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let original = text(size: size)
        let gz = try gzipFile(scratch.file("w.gz"), original, piece: 1000)
        let r = try runGzip(["-dc"], input: gz)
        #expect(r.status == 0)
        let same = r.output == original
        #expect(same, "gzip -dc gave \(r.output.count) bytes, expected \(original.count)")
    }

    /// Files written by gzip(1) itself (original name in the header, other levels) decode too.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: gzipTool)), arguments: InflaterKind.allCases)
    func decodesGzipToolOutput(_ kind: InflaterKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let a = text(size: 30_000), b = text(size: 50_001)
        let plainA = scratch.file("vpcflowlog-a.log")
        try writeFile(plainA, a)
        // gzip -c FILE stores the name (FNAME); -1/-9 vary the deflate blocks.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: gzipTool)
        p.arguments = ["-9", "-k", plainA]
        try p.run()
        p.waitUntilExit()
        let named = try readFile(plainA + ".gz")
        #expect(named[3] & 0x08 != 0, "gzip(1) wrote FNAME")
        let fast = try runGzip(["-1", "-c"], input: b).output
        let path = scratch.file("two.gz")
        try writeFile(path, named + fast)
        let r = try #require(decode(path, kind, outputSize: 7919))
        #expect(r.error == nil && r.otherError == nil)
        let same = r.bytes == a + b
        #expect(same, "\(r.bytes.count) bytes, expected \(a.count + b.count)")
    }

    @Test(arguments: InflaterKind.allCases)
    func multiMember(_ kind: InflaterKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let a = text(size: 100_000), b = flowLogText(size: 77_777, seed: 99), empty: [UInt8] = []
        let ga = try gzipFile(scratch.file("a.gz"), a)
        let gb = try gzipFile(scratch.file("b.gz"), b, level: 1)
        let ge = try gzipFile(scratch.file("e.gz"), empty)
        for (name, members, expected) in [("a+b", ga + gb, a + b), ("a+empty+b+a", ga + ge + gb + ga, a + b + a),
                                          ("empty+empty", ge + ge, empty), ("b+b", gb + gb, b + b)] {
            let path = scratch.file(name + ".gz")
            try writeFile(path, members)
            for (outSize, inSize) in [(1 << 20, 1 << 20), (1000, 333), (65_536, 20)] {
                let r = try #require(decode(path, kind, outputSize: outSize, inputBufferSize: inSize), "\(name) hung")
                #expect(r.error == nil && r.otherError == nil, "\(name): \(String(describing: r.error))")
                let same = r.bytes == expected
                #expect(same, "\(name) (output \(outSize), input \(inSize)): \(r.bytes.count) vs \(expected.count) bytes")
                #expect(r.rawBytesRead == Int64(members.count))
                #expect(r.rawChecksum == CRC32.checksum(members))
            }
        }
    }

    /// gzip headers with optional fields (FEXTRA, FNAME, FCOMMENT, FHCRC), each alone and all
    /// together, read through input buffers small enough to split the header.
    @Test(arguments: InflaterKind.allCases)
    func headersWithOptionalFields(_ kind: InflaterKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let original = text(size: 20_000)
        let gz = try gzipFile(scratch.file("plain-header.gz"), original)
        #expect(gz[3] == 0, "GzipWriter writes a bare 10-byte header")
        func member(flags: UInt8, corruptHCRC: Bool = false) -> [UInt8] {
            var header: [UInt8] = [0x1F, 0x8B, 8, flags] + Array(gz[4..<10])
            if flags & 0x04 != 0 {
                let extra: [UInt8] = Array("AB".utf8) + [4, 0] + [1, 2, 3, 4]
                header += [UInt8(extra.count), 0] + extra
            }
            if flags & 0x08 != 0 { header += Array("vpcflowlog.log".utf8) + [0] }
            if flags & 0x10 != 0 { header += Array("a comment".utf8) + [0] }
            if flags & 0x02 != 0 {
                let hcrc = CRC32.checksum(header) & 0xFFFF
                header += [UInt8(hcrc & 0xFF) ^ (corruptHCRC ? 0x55 : 0), UInt8(hcrc >> 8)]
            }
            return header + Array(gz[10...])
        }
        var failures: [String] = []
        for (name, flags) in [("FEXTRA", UInt8(0x04)), ("FNAME", 0x08), ("FCOMMENT", 0x10), ("FHCRC", 0x02),
                              ("FNAME+FCOMMENT", 0x18), ("FEXTRA+FNAME", 0x0C), ("FEXTRA+FNAME+FCOMMENT+FHCRC", 0x1E)] {
            let path = scratch.file("h\(flags).gz")
            try writeFile(path, member(flags: flags))
            for inSize in [1 << 20, 64, 24, 16, 13, 11, 10, 7, 5, 3] {
                guard let r = decode(path, kind, outputSize: 4096, inputBufferSize: inSize, seconds: 5) else {
                    failures.append("\(name), input buffer \(inSize): hung"); continue
                }
                if let e = r.error { failures.append("\(name), input buffer \(inSize): \(e)") }
                else if r.bytes != original { failures.append("\(name), input buffer \(inSize): wrong bytes") }
            }
        }
        #expect(failures.isEmpty, "\(failures)")
        // A wrong header CRC must not decode silently.
        let badPath = scratch.file("bad-hcrc.gz")
        try writeFile(badPath, member(flags: 0x1E, corruptHCRC: true))
        let rb = try #require(decode(badPath, kind))
        #expect(rb.error != nil, "a wrong FHCRC was accepted")
    }

    /// Multi-member files where the second member's header (with an original file name, as
    /// gzip(1) writes it) straddles a refill of the default 1 MiB input buffer.
    @Test(arguments: InflaterKind.allCases)
    func memberHeaderAcrossInputBufferBoundary(_ kind: InflaterKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let second = text(size: 5000)
        let plain = try gzipFile(scratch.file("second.gz"), second)
        let named = withName(plain, "vpcflowlog.log")  // header: 10 + 15 bytes
        // FNAME + FCOMMENT (as written by tools that record a comment): header 10 + 15 + 10 bytes.
        let commented = [0x1F, 0x8B, 8, 0x18] + Array(plain[4..<10]) + Array("vpcflowlog.log".utf8) + [0]
            + Array("a comment".utf8) + [0] + Array(plain[10...])
        var failures: [String] = []
        for (label, member) in [("FNAME", named), ("FNAME+FCOMMENT", commented)] {
            for k in [0, 1, 9, 10, 12, 16, 20, 24, 25, 30, 35, 40] {
                let (first, content) = storedMember(size: (1 << 20) - k, from: bigText)
                let path = scratch.file("straddle-\(k).gz")
                try writeFile(path, first + member)
                guard let r = decode(path, kind, outputSize: 1 << 16, seconds: 5) else { failures.append("\(label) k=\(k): hung"); continue }
                if let e = r.error ?? r.otherError.map({ CodecError.internalState($0) }) {
                    failures.append("\(label) header starting \(k) bytes before the 1 MiB boundary: \(e)")
                } else if r.bytes != content + second {
                    failures.append("\(label) k=\(k): wrong bytes")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    /// The same with small input buffers, and with a stored first member (exact control of offsets).
    @Test(arguments: InflaterKind.allCases)
    func namedMembersWithSmallInputBuffers(_ kind: InflaterKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let a = text(size: 3000), b = flowLogText(size: 4000, seed: 77)
        let ga = withName(try gzipFile(scratch.file("a.gz"), a), "a.log")
        let gb = withName(try gzipFile(scratch.file("b.gz"), b), "flowlogs-from-a-long-file-name.log")
        let path = scratch.file("ab.gz")
        try writeFile(path, ga + gb)
        var failures: [String] = []
        for inSize in [3, 5, 7, 10, 13, 16, 17, 24, 31, 50, 64, 100, 1000] {
            guard let r = decode(path, kind, outputSize: 512, inputBufferSize: inSize, seconds: 5) else {
                failures.append("input buffer \(inSize): hung"); continue
            }
            if let e = r.error { failures.append("input buffer \(inSize): \(e)") } else if r.bytes != a + b { failures.append("input buffer \(inSize): wrong bytes") }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test(arguments: InflaterKind.allCases)
    func plainFilesPassThrough(_ kind: InflaterKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("one byte", [0x32]),
            ("gzip magic byte only", [0x1F]),
            ("text", text(size: 250_000)),
            ("binary", (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }),
            ("magic then not-magic", [0x1F, 0x8C, 0x08, 0x00]),
        ]
        for (name, bytes) in cases {
            let path = scratch.file(name.replacingOccurrences(of: " ", with: "-"))
            try writeFile(path, bytes)
            for outSize in [1, 4096, 1 << 20] where !(outSize == 1 && bytes.count > 10_000) {
                let r = try #require(decode(path, kind, outputSize: outSize, inputBufferSize: 1000), "\(name) hung")
                #expect(r.error == nil && r.otherError == nil && r.misbehaved == nil, "\(name)")
                let same = r.bytes == bytes
                #expect(same, "\(name)")
                #expect(!r.isGzip, "\(name)")
                #expect(r.rawBytesRead == Int64(bytes.count), "\(name)")
                #expect(r.rawChecksum == CRC32.checksum(bytes), "\(name)")
            }
        }
    }

    /// Tiny input buffers (down to the 2 bytes of the gzip magic) still decode.
    @Test(arguments: InflaterKind.allCases)
    func tinyInputBuffers(_ kind: InflaterKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let original = text(size: 3000)
        let path = scratch.file("t.gz")
        try gzipFile(path, original)
        for inSize in [2, 3, 4] {
            let r = try #require(decode(path, kind, outputSize: 100, inputBufferSize: inSize, seconds: 5),
                                 "inputBufferSize \(inSize) hung")
            let same = r.bytes == original
            #expect(same && r.error == nil, "inputBufferSize \(inSize)")
        }
    }

    /// A 1-byte input buffer cannot hold the 2-byte gzip magic: it must be refused or coped with,
    /// not spin. (The sniffing loop does not depend on the inflater, so one kind is enough.)
    @Test func oneByteInputBufferDoesNotSpin() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let original = text(size: 3000)
        let path = scratch.file("t.gz")
        try gzipFile(path, original)
        let r1 = decode(path, .zlib, outputSize: 100, inputBufferSize: 1, seconds: 3)
        #expect(r1 != nil, "DecodedStream(inputBufferSize: 1).read() never returns on a file of 2 bytes or more")
        if let r1 {
            let same = r1.bytes == original
            #expect(same || r1.error != nil || r1.otherError != nil)
        }
    }
}

@Suite struct GzipDamageTests {
    private static func makeGz(_ scratch: Scratch, size: Int = 100_000) throws -> (text: [UInt8], gz: [UInt8]) {
        let original = text(size: size)
        let gz = try gzipFile(scratch.file("orig.gz"), original)
        return (original, gz)
    }

    @Test(arguments: InflaterKind.allCases)
    func truncatedFilesThrow(_ kind: InflaterKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (original, gz) = try Self.makeGz(scratch)
        let n = gz.count
        let cuts = [2, 3, 5, 9, 10, 11, 12, 100, n / 3, n / 2, n - 9, n - 8, n - 7, n - 5, n - 4, n - 1]
        for cut in cuts {
            let path = scratch.file("cut-\(cut).gz")
            try writeFile(path, Array(gz[..<cut]))
            for outSize in [4096, 1 << 20] {
                guard let r = decode(path, kind, outputSize: outSize, seconds: 5) else {
                    Issue.record("cut at \(cut) of \(n) (output \(outSize)): read() never returned")
                    continue
                }
                let what = "cut at \(cut) of \(n) (output \(outSize))"
                #expect(r.otherError == nil, "\(what): \(r.otherError ?? "")")
                guard let e = r.error else {
                    Issue.record("\(what): no error; \(r.bytes.count) bytes returned")
                    continue
                }
                if cut >= 10 {
                    #expect(e.isTruncation, "\(what): \(e)")
                }
                let isPrefix = original.hasPrefix(r.bytes)
                #expect(isPrefix, "\(what): decoded bytes are not a prefix of the text")
            }
        }
        // With small reads the bytes before a cut in the middle do come out (so the prefix check means something).
        let path = scratch.file("half.gz")
        try writeFile(path, Array(gz[..<(n / 2)]))
        let r = try #require(decode(path, kind, outputSize: 4096))
        #expect(r.bytes.count > original.count / 4)
    }

    @Test(arguments: InflaterKind.allCases)
    func corruptDataNeverDecodesSilently(_ kind: InflaterKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (original, gz) = try Self.makeGz(scratch)
        let n = gz.count
        var rng = SplitMix64(seed: UInt64(n))
        var positions = [n / 2, n / 2 + 1, n / 3, 2 * n / 3, 20, n - 9]
        for _ in 0..<20 { positions.append(10 + rng.below(n - 18)) }
        var threw = 0
        for (k, pos) in positions.enumerated() {
            var bad = gz
            bad[pos] ^= UInt8(1 << (k % 8)) | (k % 3 == 0 ? 0xF0 : 0)
            let path = scratch.file("flip-\(pos).gz")
            try writeFile(path, bad)
            guard let r = decode(path, kind, outputSize: 1 << 16, seconds: 5) else {
                Issue.record("flip at \(pos): read() never returned")
                continue
            }
            if r.error != nil {
                threw += 1  // corrupt data may also read as a premature end of the stream: any error will do
            } else {
                let same = r.bytes == original
                #expect(r.otherError != nil || same,
                        "flip at \(pos) of \(n): decoded \(r.bytes.count) bytes of WRONG data without an error")
            }
        }
        #expect(threw >= positions.count - 2, "only \(threw) of \(positions.count) corruptions were detected")
    }

    @Test(arguments: InflaterKind.allCases)
    func badTrailerThrowsChecksumError(_ kind: InflaterKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (_, gz) = try Self.makeGz(scratch)
        let n = gz.count
        for (what, pos) in [("CRC byte 0", n - 8), ("CRC byte 3", n - 5), ("ISIZE byte 0", n - 4), ("ISIZE byte 3", n - 1)] {
            var bad = gz
            bad[pos] ^= 0x01
            let path = scratch.file("trailer-\(pos).gz")
            try writeFile(path, bad)
            let r = try #require(decode(path, kind, seconds: 5), "\(what): hung")
            #expect(r.error == .badChecksum, "\(what): \(String(describing: r.error))")
            #expect(r.error?.isTruncation != true)
        }
    }

    @Test(arguments: InflaterKind.allCases)
    func badHeaderThrows(_ kind: InflaterKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (_, gz) = try Self.makeGz(scratch, size: 5000)
        for (what, pos, value) in [("method 7", 2, UInt8(7)), ("reserved flag bits", 3, UInt8(0xE0))] {
            var bad = gz
            bad[pos] = value
            let path = scratch.file("hdr-\(pos).gz")
            try writeFile(path, bad)
            let r = try #require(decode(path, kind, seconds: 5), "\(what): hung")
            #expect(r.error != nil, "\(what): decoded without an error")
            #expect(r.error?.isTruncation != true, "\(what): \(String(describing: r.error))")
        }
    }

    @Test(arguments: InflaterKind.allCases)
    func trailingGarbageThrows(_ kind: InflaterKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (original, gz) = try Self.makeGz(scratch)
        let cases: [(String, [UInt8])] = [
            ("text", Array("garbage\n".utf8)),
            ("one byte", [0x41]),
            ("newline", [0x0A]),
            ("zeros then garbage", [UInt8](repeating: 0, count: 100) + [7]),
            ("gzip magic only", [0x1F]),
        ]
        for (name, tail) in cases {
            let path = scratch.file("garbage-\(name.replacingOccurrences(of: " ", with: "-")).gz")
            try writeFile(path, gz + tail)
            for outSize in [4096, 1 << 20] {
                let r = try #require(decode(path, kind, outputSize: outSize, seconds: 5), "\(name): hung")
                #expect(r.error != nil, "\(name) (output \(outSize)): accepted")
                #expect(r.error?.isTruncation != true || name == "gzip magic only", "\(name): \(String(describing: r.error))")
                let isPrefix = original.hasPrefix(r.bytes)
                #expect(isPrefix)
            }
        }
        // The offset reported is where the garbage starts.
        let path = scratch.file("garbage-offset.gz")
        try writeFile(path, gz + Array("xyz".utf8))
        let r = try #require(decode(path, kind))
        #expect(r.error == .trailingGarbage(at: Int64(gz.count)), "\(String(describing: r.error))")
        #expect(r.error.map { "\($0)" }?.contains("trailing garbage") == true)
    }

    /// DecodedStream's contract (its doc comment): an error is reported only after the bytes
    /// decoded before it have been returned. So a member followed by garbage, or missing only its
    /// trailer, still delivers every byte of its text before the error — whatever the read size.
    @Test(arguments: InflaterKind.allCases)
    func errorsComeAfterTheGoodBytes(_ kind: InflaterKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (original, gz) = try Self.makeGz(scratch)
        let cases: [(String, [UInt8])] = [
            ("garbage after the member", gz + Array("garbage".utf8)),
            ("trailer missing", Array(gz.dropLast(8))),
            ("second member cut short", gz + Array(gz.prefix(gz.count / 2))),
        ]
        for (name, file) in cases {
            let path = scratch.file(name.replacingOccurrences(of: " ", with: "-"))
            try writeFile(path, file)
            for outSize in [4096, 1 << 20] {
                let r = try #require(decode(path, kind, outputSize: outSize, seconds: 5), "\(name): hung")
                #expect(r.error != nil, "\(name) (output \(outSize)): no error")
                let complete = r.bytes.count >= original.count && Array(r.bytes.prefix(original.count)) == original
                #expect(complete, "\(name) (output \(outSize)): only \(r.bytes.count) of the member's \(original.count) bytes came out before the error")
            }
        }
    }

    @Test(arguments: InflaterKind.allCases)
    func trailingZeroPaddingIsAccepted(_ kind: InflaterKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (original, gz) = try Self.makeGz(scratch)
        for padding in [1, 2, 7, 512, 100_000] {
            let file = gz + [UInt8](repeating: 0, count: padding)
            let path = scratch.file("pad-\(padding).gz")
            try writeFile(path, file)
            for (outSize, inSize) in [(1 << 20, 1 << 20), (4096, 100)] {
                let r = try #require(decode(path, kind, outputSize: outSize, inputBufferSize: inSize), "padding \(padding): hung")
                #expect(r.error == nil && r.otherError == nil, "padding \(padding): \(String(describing: r.error))")
                let same = r.bytes == original
                #expect(same, "padding \(padding)")
                #expect(r.rawBytesRead == Int64(file.count))
                #expect(r.rawChecksum == CRC32.checksum(file))
            }
        }
    }
}

@Suite struct GzipSampleTests {
    /// grafana/lambda-promtail `testdata/vpcflowlog.log.gz` (Apache-2.0), embedded byte for byte.
    static let grafanaHex = "1f8b08084fef88630003767063666c6f776c6f672e6c6f67009dcfc16ec3200c06e0fb9ec22f10641b03e138553dedb01df6028cd0295a15a2844edadbcf8956b5bb4d3b206c30ff273ecbb28e75829473bd4cad1b0718a7569653ca656bd625a761586058dbbe6b3fd7a56dfdbecf4b6d35d733cc297f94b6c2db572b2be8b45e9669d0e0b6e59feb7ba787edb23e30105b713ef411897568ec101d7a11618f36a484272034ec0d197216ac611b75b1e1081e9911442c78901e987a1f81bc8fbd7040ba950c8f87c3f1e5159e9ffe46fe62eefd1ddb5925834661a07f9114038913c5489025fd2868ae9e18b2111c620017faa0bf05cdd1e75782dcadf477da37e0b4e694c7010000"

    static var grafanaBytes: [UInt8] {
        var out: [UInt8] = []
        var it = grafanaHex.makeIterator()
        while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
        return out
    }

    static let grafanaText = """
        version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
        2 123456789012 eni-0050644426037aa0f 10.26.1.153 3.239.232.29 60220 443 6 48 21869 1669842701 1669842702 ACCEPT OK
        2 123456789012 eni-0050644426037aa0f 3.239.232.29 10.26.1.153 443 60220 6 47 12071 1669842701 1669842702 ACCEPT OK
        2 123456789012 eni-01971454a0f14024a 10.26.0.9 10.26.4.139 5007 57879 6 2 112 1669842715 1669842716 ACCEPT OK

        """

    static let shared = "/work/shared/samples/"

    @Test(arguments: InflaterKind.allCases)
    func grafanaSample(_ kind: InflaterKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let bytes = Self.grafanaBytes
        #expect(bytes.count == 265)
        let sharedPath = Self.shared + "grafana_lambda-promtail__vpcflowlog.log.gz"
        if FileManager.default.fileExists(atPath: sharedPath) { #expect(try readFile(sharedPath) == bytes) }
        let path = scratch.file("vpcflowlog.log.gz")
        try writeFile(path, bytes)
        for outSize in [1, 64, 1 << 20] {
            let r = try #require(decode(path, kind, outputSize: outSize))
            #expect(r.error == nil && r.otherError == nil)
            #expect(r.isGzip)
            #expect(r.bytes.hasPrefix(header14))
            #expect(String(decoding: r.bytes, as: UTF8.self) == Self.grafanaText)
            #expect(r.rawBytesRead == 265 && r.rawChecksum == CRC32.checksum(bytes))
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/work/shared/samples/m-mizutani_aws-vpcflowlogs-parquet__sample2.log.gz")),
          arguments: InflaterKind.allCases)
    func mizutaniSample(_ kind: InflaterKind) throws {
        let path = Self.shared + "m-mizutani_aws-vpcflowlogs-parquet__sample2.log.gz"
        let r = try #require(decode(path, kind, outputSize: 100))
        #expect(r.error == nil && r.otherError == nil)
        #expect(r.isGzip)
        #expect(r.bytes.hasPrefix(header14))
        let plain = Self.shared + "m-mizutani_aws-vpcflowlogs-parquet__sample1.log"
        if FileManager.default.fileExists(atPath: plain) { #expect(r.bytes == (try readFile(plain)), "sample2 is sample1 gzip'd") }
        #expect(r.rawBytesRead == 210)
    }
}

@Suite struct CRC32Tests {
    @Test func knownValues() {
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(CRC32.checksum([0]) == 0xD202_EF8D)
    }

    @Test func chainingEqualsWhole() {
        var rng = SplitMix64(seed: 32)
        let bytes = (0..<100_003).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let whole = CRC32.checksum(bytes)
        for cut in [0, 1, 7, 64, 4096, 50_000, 100_002, 100_003] {
            let a = CRC32.checksum(bytes[..<cut])
            #expect(CRC32.checksum(bytes[cut...], seed: a) == whole, "cut \(cut)")
        }
    }
}
