import FlowLog
import FlowSupport
import Testing
@testable import FlowArchive

/// Damaged and hostile segment and manifest files give errors, never crashes or wrong data.
@Suite struct SegmentTests {
    static func goldenSegment(_ version: String = "v1") throws -> [UInt8] {
        try Sys.readFile(GoldenTests.root + "/\(version)/archive/segments/00000001.fseg")
    }

    static func open(_ bytes: [UInt8]) throws -> SegmentReader {
        let path = GoldenTests.tempDir("seg") + "/s.fseg"
        let f = try WritableFile(creating: path)
        try f.write(bytes)
        f.close()
        return try SegmentReader(path: path)
    }

    /// Every chunk and every index (1.1 index bodies lie in the data area, checked when read).
    static func readAll(_ seg: SegmentReader) throws {
        for b in seg.blocks.indices {
            _ = try seg.batch(block: b)
            for c in seg.blocks[b].chunks { _ = try seg.decodeIndex(c) }
        }
    }

    @Test func goldenSegmentOpens() throws {
        let seg = try Self.open(try Self.goldenSegment())
        #expect(seg.blocks.count == 2)
        try Self.readAll(seg)
    }

    @Test(arguments: ["v1", "v1.1", "v2"])
    func truncatedSegmentsAreRejected(_ version: String) throws {
        let bytes = try Self.goldenSegment(version)
        for cut in [0, 4, 8, 31, bytes.count / 2, bytes.count - 1] {
            #expect(throws: (any Error).self, "cut at \(cut)") { _ = try Self.open(Array(bytes.prefix(cut))) }
        }
    }

    @Test func hostileTrailerNumbersAreRejectedWithoutOverflow() throws {
        var bytes = try Self.goldenSegment()
        let t = bytes.count - 24
        for i in 0..<8 { bytes[t + i] = 0xFF }  // directory offset near 2^64
        #expect(throws: ArchiveError.self) { _ = try Self.open(bytes) }
        var b2 = try Self.goldenSegment()
        b2[t + 8] = 0xFF; b2[t + 9] = 0xFF; b2[t + 10] = 0xFF; b2[t + 11] = 0x7F  // huge directory length
        #expect(throws: ArchiveError.self) { _ = try Self.open(b2) }
    }

    @Test(arguments: ["v1", "v1.1", "v2"])
    func everyFlippedByteIsDetected(_ version: String) throws {
        let bytes = try Self.goldenSegment(version)
        // Flip one byte at a time across the whole file (stride keeps the test fast).
        var undetected: [Int] = []
        // Minor versions are not checked by design: a 1.0 reader reads 1.x files.
        let minorVersionBytes: Set<Int> = [6, 7, bytes.count - 24 + 18, bytes.count - 24 + 19]
        for i in Swift.stride(from: 0, to: bytes.count, by: 7) where !minorVersionBytes.contains(i) {
            var b = bytes
            b[i] ^= 0x5A
            do {
                let seg = try Self.open(b)
                try Self.readAll(seg)
                undetected.append(i)
            } catch {}
        }
        #expect(undetected.isEmpty, "flips not detected at offsets \(undetected)")
    }

    @Test func newerMajorVersionIsRefused() throws {
        var bytes = try Self.goldenSegment()
        bytes[4] = UInt8(ArchiveFormat.majorVersion + 1)
        #expect {
            _ = try Self.open(bytes)
        } throws: { e in "\(e)".contains("newer flowarc") }
    }

    /// The version bytes are under no checksum: a header version lowered to an older one (or
    /// 0), or a trailer that disagrees with its header, is damage.
    @Test func headerAndTrailerVersionsMustAgree() throws {
        let good = try Self.goldenSegment("v2")
        _ = try Self.open(good)
        for (offset, value) in [(4, 0), (4, 1), (good.count - 24 + 16, 1), (good.count - 24 + 16, 0)] as [(Int, UInt8)] {
            var b = good
            b[offset] = value
            #expect("byte \(offset) set to \(value)") { _ = try Self.open(b) } throws: { "\($0)".contains("header says format version") }
        }
    }

    @Test func manifestChecksAndVersions() throws {
        let good = try Sys.readFile(GoldenTests.current + "/archive/MANIFEST")
        let m = try Manifest.decode(good, path: "MANIFEST")
        #expect(m.encode() == good)
        #expect(m.records == 10 && m.rejectedLines == 1)
        var flipped = good
        flipped[20] ^= 1
        #expect { _ = try Manifest.decode(flipped, path: "M") } throws: { e in "\(e)".contains("checksum") }
        var newer = good
        newer[4] = 99
        #expect { _ = try Manifest.decode(newer, path: "M") } throws: { e in "\(e)".contains("newer flowarc") }
        #expect(throws: ArchiveError.self) { _ = try Manifest.decode(Array(good.prefix(30)), path: "M") }
    }

    /// Format 2.2's `Present` bits 2 and 3: the golden 2.2 manifest says its segment's Max_End
    /// bounds every start and its Min_Start every end (true of its rows); the frozen 2.1 one
    /// says neither, and a reader then bounds start only from below and end only from above.
    @Test func manifestTimeBoundsOfBothColumns() throws {
        let now = try Manifest.decode(try Sys.readFile(GoldenTests.current + "/archive/MANIFEST"), path: "M").segments[0]
        let lo = try #require(now.minStart), hi = try #require(now.maxEnd)
        #expect(now.maxEndBoundsStart && now.minStartBoundsEnd)
        #expect(now.startRange == lo...hi && now.endRange == lo...hi)
        let seg = try SegmentReader(path: GoldenTests.current + "/archive/segments/00000001.fseg")
        for b in seg.blocks.indices {
            let starts = try seg.ints(block: b, column: try #require(seg.columnIndex(named: "start")))
            let ends = try seg.ints(block: b, column: try #require(seg.columnIndex(named: "end")))
            for r in 0..<seg.blocks[b].rows {
                if let v = starts.value(r) { #expect(now.startRange!.contains(Int64(v))) }
                if let v = ends.value(r) { #expect(now.endRange!.contains(Int64(v))) }
            }
        }
        let old = try Manifest.decode(try Sys.readFile(GoldenTests.v21 + "/archive/MANIFEST"), path: "M").segments[0]
        #expect(!old.maxEndBoundsStart && !old.minStartBoundsEnd)
        #expect(old.startRange == lo...Int64.max && old.endRange == Int64.min...hi)
    }

    /// A segment with a row whose start is after its end (no AWS record has one, but the parser
    /// stores it) does not claim that Max_End bounds starts; nor, with an end before every
    /// start, that Min_Start bounds ends. Both bits survive a manifest round trip.
    @Test func timeBoundBitsOnlyWhenTrue() throws {
        func record(minStart: Int64, maxStart: Int64, minEnd: Int64, maxEnd: Int64) -> SegmentRecord {
            SegmentRecord(SegmentSummary(fileSize: 1, records: 1, blocks: 1, minStart: minStart, maxEnd: maxEnd, directoryCRC: 0,
                                         maxStart: maxStart, minEnd: minEnd), id: 1)
        }
        let ordered = record(minStart: 100, maxStart: 200, minEnd: 110, maxEnd: 260)
        #expect(ordered.maxEndBoundsStart && ordered.minStartBoundsEnd)
        let lateStart = record(minStart: 100, maxStart: 300, minEnd: 110, maxEnd: 260)
        #expect(!lateStart.maxEndBoundsStart && lateStart.minStartBoundsEnd)
        #expect(lateStart.startRange == 100...Int64.max && lateStart.endRange == 100...260)
        let earlyEnd = record(minStart: 100, maxStart: 200, minEnd: 50, maxEnd: 260)
        #expect(earlyEnd.maxEndBoundsStart && !earlyEnd.minStartBoundsEnd)
        #expect(earlyEnd.startRange == 100...260 && earlyEnd.endRange == Int64.min...260)
        var m = Manifest()
        m.segments = [ordered, lateStart, earlyEnd]
        #expect(try Manifest.decode(m.encode(), path: "M").segments == m.segments)
    }

    /// A manifest of tens of thousands of sources (months of 5-minute deliveries) is mapped, not
    /// read into memory, and its source records decoded only when asked for: the reader still
    /// checks its checksum on opening, and the records it gives are the ones written.
    @Test func largeManifestIsMappedAndDecodedOnDemand() throws {
        let dir = GoldenTests.tempDir("bigmanifest")
        defer {
            for f in (try? Sys.listDirectory(dir + "/segments")) ?? [] { try? Sys.remove(dir + "/segments/" + f) }
            for f in ["segments/", "MANIFEST", ""] { try? Sys.remove(dir + "/" + f) }
        }
        try Sys.makeDirectories(dir + "/segments")
        let segment = try Sys.readFile(GoldenTests.current + "/archive/segments/00000001.fseg")
        try Sys.writeFileAtomically(dir + "/segments/00000001.fseg", segment)
        var m = try Manifest.decode(try Sys.readFile(GoldenTests.current + "/archive/MANIFEST"), path: "M")
        for i in 0..<12_000 {
            let day = 1 + i / 500
            m.sources.append(SourceRecord(id: UInt32(100 + i), key: "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2025/01/\(day < 10 ? "0" : "")\(day)/111122223333_vpcflowlogs_eu-west-1_fl-0123456789abcdef0_202501\(day < 10 ? "0" : "")\(day)T\(1000 + i % 1000)Z_\(i).log.gz",
                                          size: 1, modifiedNanos: 0, checksum: 0, segment: 0, lines: 0, records: 0, rejected: 0,
                                          headerLines: 0, blankLines: 0, status: .ok, error: ""))
        }
        let bytes = m.encode()
        #expect(bytes.count >= 1 << 20)
        try Sys.writeFileAtomically(Archive.manifestPath(dir), bytes)
        let reader = try ArchiveReader(path: dir)
        #expect(reader.segmentRecords == m.segments)
        #expect(try reader.manifest == m)
        let keys = try reader.withSourceSummaries { list, raw in
            list.map { String(decoding: UnsafeRawBufferPointer(rebasing: raw[$0.key]), as: UTF8.self) }
        }
        #expect(keys == m.sources.map(\.key))
        #expect(try reader.segments.count == 1)
        // One byte of a source record changed: the checksum fails on opening.
        var damaged = bytes
        damaged[bytes.count / 2] ^= 0x20
        try Sys.writeFileAtomically(Archive.manifestPath(dir), damaged)
        #expect { _ = try ArchiveReader(path: dir) } throws: { "\($0)".contains("checksum") }
    }
}
