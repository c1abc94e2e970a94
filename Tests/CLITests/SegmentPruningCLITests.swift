import Foundation
import Testing

/// Whole segments skipped by the manifest's time bounds, and segments opened only when a query
/// needs them: an archive of three days ingested day by day (one segment each), asked about
/// windows that need one, two or all of them.
@Suite struct SegmentPruningCLITests {
    static let day: Int64 = 86_400
    static let day1: Int64 = 1_750_032_000  // 2025-06-16 00:00:00 UTC
    static let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"

    /// `n` records starting at `from`, one a minute, each lasting 50 seconds.
    static func records(_ n: Int, from: Int64) -> String {
        (0..<n).map { i in
            let s = from + Int64(i) * 60
            return "2 123456789012 eni-1 10.0.0.\(i % 200 + 1) 198.51.100.\(i % 50) \(40000 + i) 443 6 2 120 \(s) \(s + 50) ACCEPT OK\n"
        }.joined()
    }

    /// Day 1's file also holds one record whose start lies in day 3 while its end is in day 1 (no
    /// AWS record is like that, but the parser stores it): its segment must not claim that its
    /// largest end bounds its starts.
    static let oddStart = day1 + 2 * day + 7_200
    static let oddEnd = day1 + 600

    func makeArchive(_ scratch: Scratch) throws -> String {
        let arc = scratch.sub("a.arc")
        try scratch.write("d1.log", Self.header + Self.records(500, from: Self.day1)
            + "2 123456789012 eni-1 10.0.0.9 203.0.113.9 1 443 6 1 1 \(Self.oddStart) \(Self.oddEnd) ACCEPT OK\n")
        try scratch.write("d2.log", Self.header + Self.records(400, from: Self.day1 + Self.day))
        try scratch.write("d3.log", Self.header + Self.records(300, from: Self.day1 + 2 * Self.day))
        for f in ["d1.log", "d2.log", "d3.log"] {
            let r = try CLI.run(["ingest", arc, scratch.sub(f), "--quiet"])
            #expect(r.status == 0, "\(r)")
        }
        return arc
    }

    func count(_ arc: String, _ whereClause: String) throws -> (n: Int, skippedSegments: Int, stderr: String) {
        let r = try CLI.run(["query", arc, "SELECT count(*) FROM vpcflow WHERE " + whereClause, "--format", "csv", "--explain"])
        #expect(r.status == 0, "\(r)")
        let n = Int(r.stdout.split(separator: "\r\n").last ?? "") ?? -1
        let skipped = r.stderr.range(of: #"(\d+) of 3 segments skipped whole by the manifest"#, options: .regularExpression)
            .map { Int(r.stderr[$0].split(separator: " ")[0])! } ?? 0
        return (n, skipped, r.stderr)
    }

    @Test func timeWindowsSkipWholeSegments() throws {
        let scratch = try Scratch("segprune")
        defer { scratch.remove() }
        let arc = try makeArchive(scratch)
        let d2 = Self.day1 + Self.day, d3 = Self.day1 + 2 * Self.day
        // A window inside day 2: day 3's segment starts after it; day 1's cannot be skipped by
        // its starts (its odd record starts in day 3, after its largest end).
        var r = try count(arc, "starttime BETWEEN \(d2) AND \(d2 + 3_600)")
        #expect(r.n == 61 && r.skippedSegments == 1, "\(r)")
        // Starts from day 3 on: day 2's segment ends before, so it is skipped; day 1's is read
        // and its odd record counted.
        r = try count(arc, "starttime >= \(d3)")
        #expect(r.n == 301 && r.skippedSegments == 1, "\(r)")
        // Ends before day 2: the segments of days 2 and 3 start, and so end, later.
        r = try count(arc, "endtime < \(d2)")
        #expect(r.n == 501 && r.skippedSegments == 2, "\(r)")
        // Through from_unixtime and a timestamp literal, as Athena users write it.
        r = try count(arc, "from_unixtime(starttime) >= TIMESTAMP '2025-06-18 00:00:00'")
        #expect(r.n == 301 && r.skippedSegments == 1, "\(r)")
        // Nothing in range: every segment skipped, none opened...
        r = try count(arc, "endtime > \(d3 + Self.day)")
        #expect(r.n == 0 && r.skippedSegments == 3, "\(r)")
        #expect(r.stderr.contains("scanned 0 of"), "\(r)")
        // ... but for starts, day 1's segment (its odd record) is read and its blocks skipped.
        r = try count(arc, "starttime > \(d3 + Self.day)")
        #expect(r.n == 0 && r.skippedSegments == 2, "\(r)")
        // A condition the manifest cannot decide reads every segment.
        r = try count(arc, "starttime >= \(d2) OR dstport = 443")
        #expect(r.n == 1_201 && r.skippedSegments == 0, "\(r)")
    }

    /// A segment a query does not need is not opened: damage to it does not fail the query
    /// (as Athena does not read partitions a query skips), a query that needs it fails with the
    /// segment's name, and `verify` reports it.
    @Test func aDamagedSegmentFailsOnlyTheQueriesThatNeedIt() throws {
        let scratch = try Scratch("segprune-damaged")
        defer { scratch.remove() }
        let arc = try makeArchive(scratch)
        let names = try FileManager.default.contentsOfDirectory(atPath: arc + "/segments").sorted()
        #expect(names.count == 3)
        let third = arc + "/segments/" + names[2]
        var bytes = try scratch.read(third)
        bytes.removeLast(9)  // the trailer cut off
        try Data(bytes).write(to: URL(fileURLWithPath: third))
        let d2 = Self.day1 + Self.day
        let ok = try count(arc, "starttime BETWEEN \(d2) AND \(d2 + 3_600)")
        #expect(ok.n == 61 && ok.skippedSegments == 1, "\(ok)")
        let bad = try CLI.run(["query", arc, "SELECT count(*) FROM vpcflow", "--format", "csv"])
        #expect(bad.status != 0 && bad.stderr.contains(names[2]) && bad.stdout.isEmpty, "\(bad)")
        let verify = try CLI.run(["verify", arc])
        #expect(verify.status != 0 && (verify.stdout + verify.stderr).contains(names[2]), "\(verify)")
    }
}
