// Determinism across inflaters and thread counts, header switches between chunks, and the
// partition columns derived from S3 key layouts.
import Foundation
import Testing

import FlowArchive
import FlowCodecs
import FlowGen
import FlowIngest
import FlowLog
import FlowSupport

@Suite struct DeterminismTests {
    @Test("isal and zlib, 1 and 2 threads: byte-identical segment files")
    func identicalArchives() throws {
        let tmp = try TempDir("determinism")
        defer { tmp.remove() }
        let logs = tmp.sub("logs")
        _ = try FlowGenerator.generate(into: logs, options: GeneratorOptions(records: 200_000, files: 5, seed: 21, format: .v5, threads: 2))
        func archive(_ name: String, _ inflater: InflaterKind, _ threads: Int) throws -> [String: [UInt8]] {
            let arc = tmp.sub(name)
            let s = try ingest(arc, [logs]) {
                $0.inflater = inflater
                $0.threads = threads
                $0.blockRows = 4_096
                $0.chunkBytes = 64 << 10
                $0.segmentRecords = 120_000  // more than one segment
            }
            #expect(s.records == 200_000)
            #expect(s.failures.isEmpty)
            return try segmentFiles(arc)
        }
        let base = try archive("isal-2", .isal, 2)
        #expect(base.count >= 2, "expected several segments, got \(base.keys.sorted())")
        let reader = try ArchiveReader(path: tmp.sub("isal-2"))
        #expect(try reader.segments.reduce(0) { $0 + $1.blocks.count } >= 200_000 / 4_096)
        let zlib = try archive("zlib-2", .zlib, 2)
        #expect(zlib.keys.sorted() == base.keys.sorted())
        for k in base.keys.sorted() { #expect(zlib[k] == base[k], "segment \(k) differs between isal and zlib") }
        let one = try archive("isal-1", .isal, 1)
        #expect(one.keys.sorted() == base.keys.sorted())
        for k in base.keys.sorted() { #expect(one[k] == base[k], "segment \(k) differs between 2 threads and 1") }
        // The manifests agree on everything but modification times.
        let m1 = try ArchiveReader(path: tmp.sub("isal-2")).manifest
        let m2 = try ArchiveReader(path: tmp.sub("isal-1")).manifest
        #expect(m1.segments == m2.segments)
        #expect(m1.sources == m2.sources)
    }
}

@Suite struct ManySmallFilesTests {
    @Test("hundreds of tiny files (some empty, some header-only, plain and gzip) keep their order and accounting",
          arguments: [1, 2])
    func manySmallFiles(_ threads: Int) throws {
        let tmp = try TempDir("many-\(threads)")
        defer { tmp.remove() }
        var paths: [String] = []
        for i in 0..<240 {
            let name = String(format: "in/%03d/f%03d", i / 50, i) + (i % 3 == 0 ? ".log.gz" : ".log")
            let n = i % 7  // 0 ... 6 records
            var text = i % 5 == 0 ? "" : AccountingTests.header + "\n"
            text += (0..<n).map { AccountingTests.good(i * 10 + $0) }.joined(separator: "\n")
            if n > 0 && i % 4 != 0 { text += "\n" }  // some without a final newline
            if i % 11 == 0 { text += "\nbad line\n" }
            let p = tmp.sub(name)
            if name.hasSuffix(".gz") { try Files.writeGzip(p, text) } else { try Files.write(p, text) }
            paths.append(p)
        }
        let arc = tmp.sub("arc")
        let summary = try ingest(arc, [tmp.sub("in")]) {
            $0.threads = threads
            $0.blockRows = 1_024
        }
        #expect(summary.filesIngested == 240)
        #expect(summary.failures.isEmpty)
        var expected: [RefRecord] = []
        var lines = 0, rejected = 0
        for p in Files.walk(tmp.sub("in")) {
            let ref = Reference.parse(try Files.decodedText(p), path: p)
            expected += ref.records
            lines += ref.lines
            rejected += ref.rejects.count
        }
        #expect(Files.walk(tmp.sub("in")) == paths)
        #expect(summary.records == UInt64(expected.count))
        #expect(summary.lines == UInt64(lines))
        #expect(summary.rejected == UInt64(rejected))
        let contents = try ArchiveContents(arc)
        let problems = compareRecords(contents, expected, keyOf: { $0 })
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(checkAccounting(contents.manifest).isEmpty)
        #expect(contents.manifest.sources.map(\.key) == paths, "sources are listed in ingest order")
    }
}

@Suite struct HeaderSwitchTests {
    static let reordered = "srcaddr dstaddr srcport dstport protocol action log-status version account-id interface-id packets bytes start end vpc-id"

    static func v2Line(_ i: Int) -> String {
        "2 123456789012 eni-0\(i % 7) 10.1.\(i % 250).\(i % 199 + 1) 198.51.100.\(i % 250) \(1024 + i) 443 6 \(i % 90 + 1) \(i * 37 % 100_000) \(1_700_000_000 + i) \(1_700_000_060 + i) ACCEPT OK"
    }

    static func reorderedLine(_ i: Int) -> String {
        "2001:db8::\(String(i, radix: 16)) 10.2.\(i % 250).9 \(i % 65_536) 22 6 REJECT OK 3 210987654321 eni-1\(i % 5) \(i % 9 + 1) \(i * 60) \(1_700_100_000 + i) \(1_700_100_030 + i) vpc-\(i % 3)"
    }

    /// A header, v2 lines, a header with another field order (and one more field), lines in it,
    /// then the first header again: the switches land in later chunks when chunks are small.
    static func text() -> String {
        var lines = [AccountingTests.header]
        for i in 0..<700 { lines.append(v2Line(i)) }
        lines.append(reordered)
        for i in 0..<900 { lines.append(reorderedLine(i)) }
        lines.append("")
        lines.append(AccountingTests.header)
        for i in 700..<1_000 { lines.append(v2Line(i)) }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("a header in the middle of a file switches the field list, whatever chunk it lands in",
          arguments: [(1, 4_096), (2, 4_096), (2, 10_000), (2, 4 << 20)])
    func headerSwitchBetweenChunks(_ threads: Int, _ chunkBytes: Int) throws {
        let tmp = try TempDir("header-switch-\(threads)-\(chunkBytes)")
        defer { tmp.remove() }
        let text = Self.text()
        #expect(text.utf8.count > 20 * 4_096)
        let plain = tmp.sub("in/a.log"), gz = tmp.sub("in/b.log.gz")
        try Files.write(plain, text)
        try Files.writeGzip(gz, text)
        let arc = tmp.sub("arc")
        let summary = try ingest(arc, [tmp.sub("in")]) {
            $0.threads = threads
            $0.chunkBytes = chunkBytes
            $0.blockRows = 1_024
        }
        #expect(summary.rejected == 0, "\(summary.firstRejects)")
        #expect(summary.records == 2 * 1_900)
        #expect(summary.headerLines == 6 && summary.blankLines == 2)
        let expected = Reference.parse(Array(text.utf8), path: plain).records + Reference.parse(Array(text.utf8), path: gz).records
        let problems = compareRecords(try ArchiveContents(arc), expected, keyOf: { $0 })
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("--fields applies to a header-less file until a header line replaces it")
    func userFormatThenHeader() throws {
        let tmp = try TempDir("fields-then-header")
        defer { tmp.remove() }
        var lines: [String] = []
        for i in 0..<600 { lines.append(Self.reorderedLine(i)) }
        lines.append(AccountingTests.header)
        for i in 0..<600 { lines.append(Self.v2Line(i)) }
        let text = lines.joined(separator: "\n") + "\n"
        let file = tmp.sub("in/export.txt")
        try Files.write(file, text)
        let mapping = try FieldMapping.parse(userFormat: Self.reordered.split(separator: " ").map { "${\($0)}" }.joined(separator: ","))
        #expect(mapping.names == Self.reordered.split(separator: " ").map(String.init))
        let arc = tmp.sub("arc")
        let summary = try ingest(arc, [file]) {
            $0.defaultMapping = mapping
            $0.chunkBytes = 4_096
        }
        #expect(summary.rejected == 0, "\(summary.firstRejects)")
        #expect(summary.records == 1_200)
        let expected = Reference.parse(Array(text.utf8), path: file, defaultNames: mapping.names).records
        let problems = compareRecords(try ArchiveContents(arc), expected, keyOf: { $0 })
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
}

@Suite struct PartitionTests {
    static let body = AccountingTests.header + "\n" + (0..<3).map(AccountingTests.good).joined(separator: "\n") + "\n"

    typealias Layout = (path: String, key: String?, account: String?, region: String?, date: String?)

    static let layouts: [Layout] = [
        ("prefix/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2024/02/29/a.log",
         "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2024/02/29/a.log", "111122223333", "eu-west-1", "2024/02/29"),
        ("prefix/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2024/03/01/07/b.log.gz",
         "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2024/03/01/07/b.log.gz", "111122223333", "eu-west-1", "2024/03/01"),
        ("prefix/AWSLogs/aws-account-id=063605715280/aws-service=vpcflowlogs/aws-region=ap-southeast-2/year=2023/month=12/day=31/c.log",
         "AWSLogs/aws-account-id=063605715280/aws-service=vpcflowlogs/aws-region=ap-southeast-2/year=2023/month=12/day=31/c.log",
         "063605715280", "ap-southeast-2", "2023/12/31"),
        ("plain/d.log", nil, nil, nil, nil),
    ]

    @Test("partition columns from the default, hourly and Hive S3 layouts, nil outside them", arguments: [false, true])
    func partitions(_ reversed: Bool) throws {
        let tmp = try TempDir("partitions-\(reversed)")
        defer { tmp.remove() }
        let root = tmp.sub("bucket")
        for f in Self.layouts {
            if f.path.hasSuffix(".gz") { try Files.writeGzip(root + "/" + f.path, Self.body) } else { try Files.write(root + "/" + f.path, Self.body) }
        }
        // Both orders: the file outside the layout last or first in a block.
        let order = reversed ? Self.layouts.reversed() : Self.layouts
        let arc = tmp.sub("arc")
        let summary = try ingest(arc, order.map { root + "/" + $0.path })
        #expect(summary.records == 12)
        let contents = try ArchiveContents(arc)
        #expect(contents.manifest.sources.count == 4)
        var byKey: [String: [(String?, String?, String?)]] = [:]
        for (bi, r) in contents.rows {
            let b = contents.batches[bi]
            let key = contents.sourceKey(batch: bi, row: r) ?? "?"
            byKey[key, default: []].append((b.partitions[0]?.value(r), b.partitions[1]?.value(r), b.partitions[2]?.value(r)))
        }
        for f in Self.layouts {
            let key = f.key ?? root + "/" + f.path
            #expect(contents.manifest.sources.contains { $0.key == key }, "no source keyed \(key): \(contents.manifest.sources.map(\.key))")
            let rows = byKey[key] ?? []
            #expect(rows.count == 3, "\(key)")
            for p in rows {
                #expect(p.0 == f.account && p.1 == f.region && p.2 == f.date, "\(key): got \(p), expected \((f.account, f.region, f.date))")
            }
        }
        // The derived columns are named as documented.
        let reader = try ArchiveReader(path: arc)
        let names = Set(try reader.segments.flatMap { $0.schema.map(\.name) })
        #expect(names.isSuperset(of: ["account_partition", "region_partition", "date_partition"]))
    }
}
