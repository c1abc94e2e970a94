// Re-running an ingest, --force, changed files, missing inputs, and damaged gzip files.
import Foundation
import Testing

import FlowArchive
import FlowCodecs
import FlowGen
import FlowIngest
import FlowLog
import FlowSupport

@Suite struct RerunTests {
    @Test("a second ingest of the same folder adds nothing; --force adds everything again")
    func secondIngestSkips() throws {
        let tmp = try TempDir("rerun")
        defer { tmp.remove() }
        let logs = tmp.sub("logs")
        let gen = try FlowGenerator.generate(into: logs, options: GeneratorOptions(records: 3_000, files: 4, seed: 5, format: .v3, threads: 2))
        let arc = tmp.sub("arc")
        let first = try ingest(arc, [logs])
        #expect(first.filesIngested == 4 && first.records == 3_000)
        let manifest1 = try ArchiveReader(path: arc).manifest
        let segs1 = try segmentFiles(arc)

        let second = try ingest(arc, [logs])
        #expect(second.filesSkipped == 4)
        #expect(second.filesIngested == 0)
        #expect(second.records == 0 && second.lines == 0)
        #expect(second.segmentsCommitted == 0)
        #expect(second.archiveBytesAdded == 0)
        #expect(!second.hadErrors)
        let manifest2 = try ArchiveReader(path: arc).manifest
        #expect(manifest2.segments == manifest1.segments)
        #expect(manifest2.sources == manifest1.sources)
        #expect(try segmentFiles(arc) == segs1)

        // A file named on its own (not through its folder) is recognised too.
        let single = try ingest(arc, [gen.files[0]])
        #expect(single.filesSkipped == 1 && single.filesIngested == 0)

        let forced = try ingest(arc, [logs]) { $0.force = true }
        #expect(forced.filesIngested == 4)
        #expect(forced.filesSkipped == 0)
        #expect(forced.records == 3_000)
        let manifest3 = try ArchiveReader(path: arc).manifest
        #expect(manifest3.records == 6_000)
        #expect(manifest3.sources.count == 8)
        #expect(Set(manifest3.sources.map(\.id)).count == 8, "source ids are reused")
        #expect(checkAccounting(manifest3).isEmpty)
        let contents = try ArchiveContents(arc)
        #expect(contents.rowCount == 6_000)
    }

    @Test("a file whose modification time changed is read again, with a warning")
    func changedFileIsReadAgain() throws {
        let tmp = try TempDir("touched")
        defer { tmp.remove() }
        let logs = tmp.sub("logs")
        let gen = try FlowGenerator.generate(into: logs, options: GeneratorOptions(records: 1_000, files: 3, seed: 6, format: .v2, threads: 2))
        let arc = tmp.sub("arc")
        _ = try ingest(arc, [logs])
        let touched = gen.files.sorted()[1]
        try Files.setModificationTime(touched, secondsSinceEpoch: 1_500_000_000)
        let again = try ingest(arc, [logs])
        #expect(again.filesSkipped == 2)
        #expect(again.filesIngested == 1)
        #expect(again.warnings.count == 1)
        #expect(again.warnings.first?.contains((touched as NSString).lastPathComponent) == true, "\(again.warnings)")
        let m = try ArchiveReader(path: arc).manifest
        #expect(m.sources.count == 4)
        let reread = m.sources.last!
        #expect(touched.hasSuffix(reread.key))
        #expect(reread.modifiedNanos == 1_500_000_000 * 1_000_000_000)
        #expect(m.records == 1_000 + reread.records)
        // And now it is skipped.
        let third = try ingest(arc, [logs])
        #expect(third.filesSkipped == 3 && third.filesIngested == 0)
    }

    @Test("a missing input is reported; the other inputs still land")
    func missingInput() throws {
        let tmp = try TempDir("missing")
        defer { tmp.remove() }
        let good = tmp.sub("good.log")
        try Files.write(good, AccountingTests.header + "\n" + AccountingTests.good(1) + "\n" + AccountingTests.good(2) + "\n")
        let missing = tmp.sub("does-not-exist.log.gz")
        let arc = tmp.sub("arc")
        let summary = try ingest(arc, [missing, good, tmp.sub("no-such-dir")])
        #expect(summary.hadErrors)
        #expect(summary.inputProblems.count == 2)
        #expect(summary.inputProblems.contains { $0.path == missing && $0.description.contains("no such file") })
        #expect(summary.filesIngested == 1)
        #expect(summary.records == 2)
        #expect(try ArchiveReader(path: arc).manifest.records == 2)
    }
}

@Suite struct DamageTests {
    /// A deterministic default-format text of `n` records (with a header) that compresses poorly
    /// enough to span many deflate blocks.
    static func text(records n: Int, seed: UInt64) -> String {
        var s = AccountingTests.header + "\n"
        var x = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> UInt64 { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x }
        for i in 0..<n {
            let r = next()
            s += "2 123456789012 eni-\(String(r % 0xFFFF_FFFF, radix: 16)) 10.\(r >> 8 & 255).\(r >> 16 & 255).\(r >> 24 & 255) "
            s += "52.\(r >> 32 & 255).\(r >> 40 & 255).\(r >> 48 & 255) \(r >> 20 & 0xFFFF) 443 6 \(r % 1000 + 1) \(r % 100_000) "
            s += "\(1_700_000_000 + i) \(1_700_000_060 + i) \(r & 1 == 0 ? "ACCEPT" : "REJECT") OK\n"
        }
        return s
    }

    /// Truncates a gzip file to `fraction` of its size.
    static func truncate(_ path: String, to fraction: Double) throws {
        let bytes = try Files.read(path)
        try Files.write(path, bytes: Array(bytes.prefix(Int(Double(bytes.count) * fraction))))
    }

    @Test("a truncated .gz among good files: reported, the others fully stored, its records a prefix, status damaged",
          arguments: [InflaterKind.isal, .zlib])
    func truncatedGzip(_ inflater: InflaterKind) throws {
        let tmp = try TempDir("truncated-\(inflater)")
        defer { tmp.remove() }
        let a = tmp.sub("in/a.log.gz"), b = tmp.sub("in/b.log.gz"), c = tmp.sub("in/c.log.gz")
        try Files.writeGzip(a, Self.text(records: 3_000, seed: 1))
        try Files.writeGzip(b, Self.text(records: 20_000, seed: 2))
        try Files.writeGzip(c, Self.text(records: 3_000, seed: 3))
        try Self.truncate(b, to: 0.6)
        let arc = tmp.sub("arc")
        let rejects = tmp.sub("rejects.tsv")
        let summary = try ingest(arc, [tmp.sub("in")]) {
            $0.inflater = inflater
            $0.rejectsPath = rejects
            $0.chunkBytes = 64 << 10
        }
        #expect(summary.hadErrors)
        #expect(summary.failures.count == 1)
        let failure = try #require(summary.failures.first)
        #expect(failure.path == b)
        #expect(failure.reason.contains("truncated"), "\(failure.reason)")
        #expect(summary.filesIngested == 3)

        let m = try ArchiveReader(path: arc).manifest
        #expect(checkAccounting(m).isEmpty, "\(checkAccounting(m))")
        let sa = try #require(m.sources.first { $0.key == a })
        let sb = try #require(m.sources.first { $0.key == b })
        let sc = try #require(m.sources.first { $0.key == c })
        #expect(sa.status == .ok && sc.status == .ok)
        #expect(sa.records == 3_000 && sc.records == 3_000)
        #expect(sb.status == .damaged)
        #expect(!sb.error.isEmpty)
        #expect(Int(sb.records) == failure.recordsKept)

        // What was stored is a, a prefix of b, and c, in that order, field by field.
        let refA = Reference.parse(try Files.decodedText(a), path: a)
        let refB = Reference.parse(try Files.decodedText(b), path: b)  // gzip -dc writes what it can decode
        let refC = Reference.parse(try Files.decodedText(c), path: c)
        let kept = Int(sb.records)
        #expect(kept <= refB.records.count)
        let expected = refA.records + Array(refB.records.prefix(kept)) + refC.records
        let problems = compareRecords(try ArchiveContents(arc), expected, keyOf: { $0 })
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")

        // The records decoded before the damage are kept (all but those of the last window at most),
        // and the partial last line is a rejected line.
        #expect(kept >= refB.records.count - 2_000, "kept \(kept) of the \(refB.records.count) records gzip -dc decodes")
        #expect(sb.rejected == 1)
        #expect(sb.lines == sb.records + 1 + 1)  // + header + partial line
        let tsv = String(decoding: try Files.read(rejects), as: UTF8.self)
        let row = tsv.split(separator: "\n").first.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(row?.first == b)
        #expect(row.map { $0.count >= 2 ? Int($0[1]) : nil } == Int(sb.lines), "the partial line is the file's last line")
    }

    @Test("a truncated .gz keeps the records decoded before the damage (default chunk size)")
    func truncatedGzipKeepsDecodedRecords() throws {
        let tmp = try TempDir("truncated-default")
        defer { tmp.remove() }
        let b = tmp.sub("in/b.log.gz")
        try Files.writeGzip(b, Self.text(records: 20_000, seed: 2))
        try Self.truncate(b, to: 0.6)
        let arc = tmp.sub("arc")
        let summary = try ingest(arc, [b])
        let refB = Reference.parse(try Files.decodedText(b), path: b)
        #expect(refB.records.count > 10_000)
        #expect(summary.failures.count == 1)
        let m = try ArchiveReader(path: arc).manifest
        let sb = try #require(m.sources.first)
        #expect(sb.status == .damaged)
        // gzip -dc decodes ~60 % of the records; the archive should hold (nearly) all of them.
        #expect(Int(sb.records) >= refB.records.count * 9 / 10,
                "kept \(sb.records) of the \(refB.records.count) records that gzip -dc decodes from the truncated file")
        #expect(sb.rejected == 1, "the partial last line")
        #expect(checkAccounting(m).isEmpty)
    }

    @Test("a corrupt .gz (bytes overwritten) is reported as damaged and the run goes on")
    func corruptGzip() throws {
        let tmp = try TempDir("corrupt")
        defer { tmp.remove() }
        let a = tmp.sub("in/a.log.gz"), b = tmp.sub("in/b.log.gz")
        try Files.writeGzip(a, Self.text(records: 5_000, seed: 7))
        try Files.writeGzip(b, Self.text(records: 1_000, seed: 8))
        var bytes = try Files.read(a)
        for i in stride(from: bytes.count / 2, to: bytes.count / 2 + 64, by: 1) { bytes[i] ^= 0x5A }
        try Files.write(a, bytes: bytes)
        let arc = tmp.sub("arc")
        let summary = try ingest(arc, [tmp.sub("in")])
        #expect(summary.failures.count == 1)
        #expect(summary.failures.first?.path == a)
        let m = try ArchiveReader(path: arc).manifest
        #expect(m.sources.first { $0.key == a }?.status == .damaged)
        #expect(m.sources.first { $0.key == b }?.records == 1_000)
        #expect(checkAccounting(m).isEmpty)
        // What was kept of a is a prefix of its records (never garbage).
        let refA = Reference.parse(Array(Self.text(records: 5_000, seed: 7).utf8), path: a)
        let kept = Int(m.sources.first { $0.key == a }?.records ?? 0)
        let refB = Reference.parse(try Files.decodedText(b), path: b)
        let problems = compareRecords(try ArchiveContents(arc), Array(refA.records.prefix(kept)) + refB.records, keyOf: { $0 })
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("zero padding after the last gzip member is tolerated; other trailing bytes are reported, the records before them kept")
    func trailingBytes() throws {
        let tmp = try TempDir("trailing")
        defer { tmp.remove() }
        let text = Self.text(records: 2_000, seed: 4)
        let member = tmp.sub("member.gz")
        try Files.writeGzip(member, text)
        let padded = tmp.sub("in/a-padded.log.gz"), garbage = tmp.sub("in/b-garbage.log.gz")
        try Files.write(padded, bytes: try Files.read(member) + [UInt8](repeating: 0, count: 4_096))
        try Files.write(garbage, bytes: try Files.read(member) + Array("not gzip".utf8))
        let arc = tmp.sub("arc")
        let summary = try ingest(arc, [tmp.sub("in")])
        let m = try ArchiveReader(path: arc).manifest
        let sp = try #require(m.sources.first { $0.key == padded })
        #expect(sp.status == .ok && sp.records == 2_000)
        #expect(summary.failures.map(\.path) == [garbage])
        #expect(summary.failures.first?.reason.contains("trailing") == true, "\(summary.failures)")
        let sg = try #require(m.sources.first { $0.key == garbage })
        #expect(sg.status == .damaged)
        // The whole member decoded fine before the trailing bytes: all of its records are kept.
        #expect(sg.records == 2_000, "kept \(sg.records) of the 2000 records decoded before the trailing garbage")
        #expect(checkAccounting(m).isEmpty)
    }

    @Test("re-running on a damaged file that is not re-delivered adds nothing (large file, damage early)")
    func rerunDamagedLargeFile() throws {
        let tmp = try TempDir("damaged-rerun")
        defer { tmp.remove() }
        // A good member, then a member whose header names an unknown compression method, then
        // 3 MiB more: decoding fails early, long before the end of the file.
        let member = tmp.sub("member.gz")
        try Files.writeGzip(member, Self.text(records: 5_000, seed: 9))
        var bytes = try Files.read(member)
        bytes += [0x1f, 0x8b, 0x07, 0x00, 0, 0, 0, 0, 0x00, 0x03]
        var x: UInt64 = 88_172_645_463_325_252
        for _ in 0..<(3 << 20) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; bytes.append(UInt8(truncatingIfNeeded: x)) }
        let file = tmp.sub("in/big.log.gz")
        try Files.write(file, bytes: bytes)
        let arc = tmp.sub("arc")
        let first = try ingest(arc, [tmp.sub("in")])
        #expect(first.failures.count == 1, "\(first.failures)")
        let kept = try ArchiveReader(path: arc).manifest.records
        let second = try ingest(arc, [tmp.sub("in")])
        #expect(second.filesSkipped == 1, "the damaged file was read again: \(second.warnings)")
        #expect(second.filesIngested == 0)
        let m = try ArchiveReader(path: arc).manifest
        #expect(m.records == kept, "records duplicated by the second run")
        #expect(m.sources.count == 1, "\(m.sources.count) sources for one file")
        #expect(m.sources.first?.size == UInt64(bytes.count), "the manifest records \(m.sources.first?.size ?? 0) bytes for a file of \(bytes.count)")
    }

    @Test("a gzip file with several members and plain text named .gz are both read")
    func multiMemberGzip() throws {
        let tmp = try TempDir("members")
        defer { tmp.remove() }
        let p1 = tmp.sub("part1.gz"), p2 = tmp.sub("part2.gz")
        let t1 = Self.text(records: 500, seed: 1), t2 = Self.text(records: 700, seed: 2)
        try Files.writeGzip(p1, t1)
        try Files.writeGzip(p2, t2)
        let joined = tmp.sub("in/joined.log.gz")
        try Files.write(joined, bytes: try Files.read(p1) + Files.read(p2))
        let plainNamedGz = tmp.sub("in/plain.gz")
        try Files.write(plainNamedGz, Self.text(records: 10, seed: 3))
        let arc = tmp.sub("arc")
        let summary = try ingest(arc, [tmp.sub("in")])
        #expect(summary.failures.isEmpty)
        let expected = Reference.parse(Array((t1 + t2).utf8), path: joined).records
            + Reference.parse(Array(Self.text(records: 10, seed: 3).utf8), path: plainNamedGz).records
        #expect(expected.count == 1_210)
        let problems = compareRecords(try ArchiveContents(arc), expected, keyOf: { $0 })
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        let m = try ArchiveReader(path: arc).manifest
        #expect(m.sources.first { $0.key == joined }?.headerLines == 2)
    }
}
