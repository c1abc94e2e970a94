import Foundation
import Testing

/// WHERE terms on the partition columns decided per source file: segments and blocks whose
/// files' S3 keys fail them are not read, and the answers are those of reading every row.
@Suite struct PartitionPruningCLITests {
    static let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"

    static func records(_ n: Int, from: Int64, port: Int) -> String {
        (0..<n).map { i in
            let s = from + Int64(i) * 10
            return "2 123456789012 eni-1 10.0.0.\(i % 200 + 1) 198.51.100.\(i % 50) \(40000 + i) \(port) 6 2 120 \(s) \(s + 5) ACCEPT OK\n"
        }.joined()
    }

    /// Files of three days of one account and region, one day of another, a file outside the S3
    /// layout whose name is an AWS flow log file name (its partitions come from the name), and one
    /// with no partition at all. Day 16 is ingested alone (segment 1), the rest in one run of
    /// 1,024-row blocks (segment 2); every file is a whole number of blocks, so that blocks
    /// hold one file each.
    func makeArchive(_ scratch: Scratch) throws -> String {
        let t0: Int64 = 1_750_032_000
        let files: [(String, Int, Int)] = [
            ("logs/AWSLogs/111122223333/vpcflowlogs/us-east-1/2025/06/16/a.log", 2_048, 443),
            ("logs/AWSLogs/111122223333/vpcflowlogs/us-east-1/2025/06/17/b.log", 2_048, 443),
            ("logs/AWSLogs/111122223333/vpcflowlogs/us-east-1/2025/06/18/c.log", 2_048, 443),
            ("logs/AWSLogs/444455556666/vpcflowlogs/eu-west-1/2025/06/17/d.log", 2_048, 22),
            ("other/111122223333_vpcflowlogs_us-west-2_fl-0123456789abcdef0_20250619T0000Z_1a2b3c4d.log", 1_024, 443),
            ("other/plain.log", 1_024, 443),
        ]
        for (k, f) in files.enumerated() {
            try FileManager.default.createDirectory(atPath: scratch.sub((f.0 as NSString).deletingLastPathComponent),
                                                    withIntermediateDirectories: true)
            try scratch.write(f.0, Self.header + Self.records(f.1, from: t0 + Int64(k) * 86_400, port: f.2))
        }
        let arc = scratch.sub("a.arc")
        let first = try CLI.run(["ingest", arc, scratch.sub(files[0].0), "--quiet"])
        #expect(first.status == 0, "\(first)")
        let rest = try CLI.run(["ingest", arc] + files.dropFirst().map { scratch.sub($0.0) } + ["--block-rows", "1024", "--threads", "1", "--quiet"])
        #expect(rest.status == 0, "\(rest)")
        return arc
    }

    struct Answer { var n: Int; var scanned: Int; var blocks: Int; var skippedSegments: Int; var explain: String }

    func count(_ arc: String, _ whereClause: String) throws -> Answer {
        let r = try CLI.run(["query", arc, "SELECT count(*) FROM vpcflow WHERE " + whereClause, "--format", "csv", "--explain"])
        #expect(r.status == 0, "\(r)")
        func number(_ pattern: String) -> Int {
            guard let range = r.stderr.range(of: pattern, options: .regularExpression) else { return 0 }
            return Int(r.stderr[range].split(separator: " ")[1])!
        }
        return Answer(n: Int(r.stdout.split(separator: "\r\n").last ?? "") ?? -1, scanned: number(#"scanned \d+"#),
                      blocks: number(#"of \d+ blocks"#), skippedSegments: number(#", \d+ of 2 segments skipped"#), explain: r.stderr)
    }

    @Test func partitionTermsSkipSegmentsAndBlocks() throws {
        let scratch = try Scratch("partprune")
        defer { scratch.remove() }
        let arc = try makeArchive(scratch)
        let all = try count(arc, "true")
        #expect(all.n == 10_240 && all.blocks == 1 + 8, "\(all)")

        // (WHERE, rows counted, blocks scanned, segments skipped whole or nil when not checked)
        let cases: [(String, Int, Int, Int?)] = [
            // One day of the first run's segment: the second segment holds no file of that day.
            ("date_partition = '2025/06/16'", 2_048, 1, 1),
            // The names of AWS's Athena tables for the same columns.
            ("day >= '2025/06/17'", 7_168, 7, 1),
            ("dt = '2025-06-17'", 4_096, 4, nil),
            ("date > DATE '2025-06-17'", 3_072, 3, nil),
            // A region, an account: the blocks of other files are skipped by their $source range.
            ("region_partition = 'eu-west-1'", 2_048, 2, nil),
            ("accid = '444455556666' AND destinationport = 22", 2_048, 2, nil),
            // The file outside the layout: its AWS file name gives its partitions.
            ("date_partition = '2025/06/19' AND region_partition = 'us-west-2'", 1_024, 1, nil),
            // NULL partitions (a file with none) fail comparisons and pass IS NULL.
            ("date_partition IS NULL", 1_024, 1, nil),
            ("coalesce(date_partition, 'none') = 'none'", 1_024, 1, nil),
            ("date_partition LIKE '2025/06/1_' AND date_partition <> '2025/06/18'", 7_168, 6, nil),
            // Nothing matches: nothing is opened.
            ("date_partition < '2025/01/01'", 0, 0, 2),
            // An OR with a term on another column is not a partition term: every block is read.
            ("date_partition = '2025/06/16' OR destinationport = 22", 4_096, 9, 0),
        ]
        for (whereClause, n, scanned, skipped) in cases {
            let a = try count(arc, whereClause)
            #expect(a.n == n && a.scanned == scanned && (skipped == nil || a.skippedSegments == skipped), "\(whereClause): \(a)")
            #expect(a.explain.contains("partition pruning") == (skipped != 0), "\(whereClause): \(a.explain)")
        }
        let day = try count(arc, "date_partition = '2025/06/16'")
        #expect(day.explain.contains("partition pruning: 1 partition term: 1 of 6 partitions, 1 source files"), "\(day.explain)")
    }
}
