// Every line is accounted for: lines = records + rejected + header + blank, per file and in total,
// and --rejects lists every bad line with its file, line number and text.
import Foundation
import Testing

import FlowArchive
import FlowIngest
import FlowLog
import FlowSupport

@Suite struct AccountingTests {
    static let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

    static func good(_ i: Int) -> String {
        "2 123456789012 eni-0abc\(i) 10.0.\(i % 250).\(i % 200 + 1) 52.95.110.\(i % 250) \(40000 + i) 443 6 \(i + 1) \(100 * (i + 1)) 1700000000 1700000060 ACCEPT OK"
    }

    /// A fixture with every kind of line, and the line numbers of the bad ones.
    static func fixture() -> (text: String, records: Int, rejected: [Int], headers: Int, blank: Int, lines: Int) {
        var lines: [String] = []
        var bad: [Int] = []
        var records = 0, headers = 0, blank = 0
        func add(_ s: String) { lines.append(s) }
        func addGood(_ s: String) { add(s); records += 1 }
        func addBad(_ s: String) { add(s); bad.append(lines.count) }

        add(header); headers += 1
        for i in 0..<5 { addGood(good(i)) }
        add(""); blank += 1
        add("   \t  "); blank += 1
        addBad("2 123456789012 eni-0abc 10.0.0.1 10.0.0.2 443 50000 6 10 840 1700000000 1700000060 ACCEPT")  // 13 fields
        addBad("2 123456789012 eni-0abc 10.0.0.1 10.0.0.2 http 50000 6 10 840 1700000000 1700000060 ACCEPT OK")  // not a number
        addBad("2 123456789012 eni-0abc 10.0.0.1 10.0.0.2 70000 50000 6 10 840 1700000000 1700000060 ACCEPT OK")  // port range
        addBad("2 123456789012 eni-0abc 10.0.0.1 10.0.0.2 443 50000 256 10 840 1700000000 1700000060 ACCEPT OK")  // protocol range
        addBad("2 123456789012 eni-0abc 10.0.0.300 10.0.0.2 443 50000 6 10 840 1700000000 1700000060 ACCEPT OK")  // bad IPv4
        addBad("2 123456789012 eni-0abc 10.0.0.1 2001:db8:::1 443 50000 6 10 840 1700000000 1700000060 ACCEPT OK")  // bad IPv6
        addBad("2 123456789012 eni-0abc 10.0.0.1 10.0.0.2 443 50000 6 99999999999999999999 840 1700000000 1700000060 ACCEPT OK")  // > UInt64
        addBad("2 123456789012 eni-0abc 10.0.0.1 10.0.0.2 443 50000 6 -5 840 1700000000 1700000060 ACCEPT OK")  // sign
        addBad("version account-id interface-id srcaddr srcaddr")  // header naming a field twice
        addBad((0..<130).map { String($0) }.joined(separator: " "))  // too many fields
        addBad("Phony unsupported log format.")
        addBad("2 123456789012 eni-0abc 10.0.0.1 10.0.0.2 443 50000 6 10 840 9223372036854775808 1700000060 ACCEPT OK")  // start > Int64.max
        addBad("2 123456789012 eni-0abc 10.0.0.1 10.0.0.2 443 50000 6 10 840 1700000000 1700000060 ACCEPT OK extra")  // 15 fields
        addGood("2 123456789012 eni-ñandú 10.0.0.1 10.0.0.2 0443 50000 6 10 840 1700000000 1700000060 ACCEPT OK")  // UTF-8, leading zero
        addGood(good(5).replacingOccurrences(of: " ", with: "\t") + "\r")  // tabs and CRLF
        addGood("2 123456789012 eni-0abc  10.0.0.1   10.0.0.2 443 50000 6 10 840 1700000000 1700000060 ACCEPT OK")  // runs of spaces
        add(header); headers += 1  // a repeated header
        addGood("2 123456789012 eni-0abc - - - - - - - 1700000000 1700000060 - NODATA")
        addGood("2 123456789012 eni-0abc 2001:db8:1234:a100:8d6e:3477:df66:f105 ::ffff:10.0.0.1 0 0 58 1 96 1700000000 1700000060 REJECT OK")
        addGood(good(6))  // the last line has no newline
        return (lines.joined(separator: "\n"), records, bad, headers, blank, lines.count)
    }

    @Test("known counts: manifest, summary and --rejects give exactly the lines of each kind")
    func exactAccounting() throws {
        let tmp = try TempDir("accounting")
        defer { tmp.remove() }
        let f = Self.fixture()
        let plain = tmp.sub("in/a-mixed.log")
        let gz = tmp.sub("in/b-mixed.log.gz")
        let clean = tmp.sub("in/c-clean.log")
        try Files.write(plain, f.text)
        try Files.writeGzip(gz, f.text + "\n\n")  // two more lines: one blank (the trailing "\n" ends the last record)
        try Files.write(clean, Self.header + "\n" + (0..<20).map(Self.good).joined(separator: "\n") + "\n")
        let rejects = tmp.sub("rejects.tsv")
        let arc = tmp.sub("arc")
        let summary = try ingest(arc, [tmp.sub("in")]) { $0.rejectsPath = rejects }
        #expect(summary.failures.isEmpty)
        #expect(summary.filesIngested == 3)

        // The reference parser agrees with the hand count (this checks the fixture).
        let ref = Reference.parse(Array(f.text.utf8), path: plain)
        #expect(ref.records.count == f.records)
        #expect(ref.rejects.map(\.line) == f.rejected)
        #expect(ref.headerLines == f.headers && ref.blankLines == f.blank && ref.lines == f.lines)

        let m = try ArchiveReader(path: arc).manifest
        #expect(checkAccounting(m).isEmpty, "\(checkAccounting(m))")
        let a = try #require(m.sources.first { $0.key.hasSuffix("a-mixed.log") })
        #expect(a.lines == UInt64(f.lines))
        #expect(a.records == UInt64(f.records))
        #expect(a.rejected == UInt64(f.rejected.count))
        #expect(a.headerLines == UInt64(f.headers))
        #expect(a.blankLines == UInt64(f.blank))
        let b = try #require(m.sources.first { $0.key.hasSuffix("b-mixed.log.gz") })
        #expect(b.lines == UInt64(f.lines + 1))
        #expect(b.records == UInt64(f.records))
        #expect(b.rejected == UInt64(f.rejected.count))
        #expect(b.headerLines == UInt64(f.headers))
        #expect(b.blankLines == UInt64(f.blank + 1))
        let c = try #require(m.sources.first { $0.key.hasSuffix("c-clean.log") })
        #expect(c.lines == 21 && c.records == 20 && c.rejected == 0 && c.headerLines == 1 && c.blankLines == 0)

        #expect(summary.records == UInt64(2 * f.records + 20))
        #expect(summary.rejected == UInt64(2 * f.rejected.count))
        #expect(summary.headerLines == UInt64(2 * f.headers + 1))
        #expect(summary.blankLines == UInt64(2 * f.blank + 1))
        #expect(summary.lines == UInt64(2 * f.lines + 1 + 21))
        #expect(summary.lines == summary.records + summary.rejected + summary.headerLines + summary.blankLines)
        #expect(m.records == summary.records)
        #expect(m.rejectedLines == summary.rejected)

        // --rejects: path, line, reason, text; one row per rejected line, in file order.
        let tsv = String(decoding: try Files.read(rejects), as: UTF8.self)
        let rows = tsv.split(separator: "\n", omittingEmptySubsequences: true)
            .map { $0.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 2 * f.rejected.count)
        #expect(rows.allSatisfy { $0.count == 4 && !$0[2].isEmpty }, "\(rows.filter { $0.count != 4 })")
        let lines = Array(f.text.utf8).split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        for (file, expectedPath) in [(plain, plain), (gz, gz)] {
            let mine = rows.filter { $0[0] == expectedPath }
            #expect(mine.map { Int($0[1]) ?? -1 } == f.rejected, "\(file)")
            for r in mine {
                guard let n = Int(r[1]), n >= 1, n <= lines.count else { continue }
                #expect(r[3] == String(lines[n - 1].prefix(512)), "\(file):\(n) text")
            }
        }
        // The reasons say what is wrong.
        let reasons = rows.filter { $0[0] == plain }.map { $0[2] }
        #expect(reasons.count == f.rejected.count)
        if reasons.count == f.rejected.count {
            #expect(reasons[0].contains("14") && reasons[0].contains("13"), "\(reasons[0])")
            #expect(reasons[1].contains("http"), "\(reasons[1])")
            #expect(reasons[2].contains("70000"), "\(reasons[2])")
            #expect(reasons[4].contains("10.0.0.300"), "\(reasons[4])")
            #expect(reasons[8].contains("twice"), "\(reasons[8])")
        }
        #expect(summary.firstRejects.count == min(10, 2 * f.rejected.count))
    }

    @Test("a line longer than a parse chunk is one (rejected) line; the lines around it are intact",
          arguments: [4_096, 1 << 20])
    func lineLongerThanChunk(_ chunkBytes: Int) throws {
        let tmp = try TempDir("long-line-\(chunkBytes)")
        defer { tmp.remove() }
        var lines = [Self.header]
        for i in 0..<100 { lines.append(Self.good(i)) }
        let long = String(repeating: "x", count: 30_000) + " " + String(repeating: "y", count: 30_000)
        lines.append(long)
        for i in 100..<200 { lines.append(Self.good(i)) }
        let text = lines.joined(separator: "\n") + "\n"
        let file = tmp.sub("in/long.log"), gz = tmp.sub("in/long2.log.gz")
        try Files.write(file, text)
        try Files.writeGzip(gz, text)
        let rejects = tmp.sub("rejects.tsv")
        let summary = try ingest(tmp.sub("arc"), [tmp.sub("in")]) {
            $0.chunkBytes = chunkBytes
            $0.rejectsPath = rejects
        }
        #expect(summary.records == 400)
        #expect(summary.rejected == 2)
        #expect(summary.lines == 2 * 202)
        let expected = Reference.parse(Array(text.utf8), path: file).records + Reference.parse(Array(text.utf8), path: gz).records
        let problems = compareRecords(try ArchiveContents(tmp.sub("arc")), expected, keyOf: { $0 })
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        let rows = String(decoding: try Files.read(rejects), as: UTF8.self).split(separator: "\n")
            .map { $0.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.map { $0.count >= 2 ? $0[1] : "" } == ["102", "102"])
        #expect(rows.allSatisfy { $0.count == 4 && $0[3] == String(long.prefix(512)) }, "the text is cut at 512 bytes")
    }

    @Test("an empty file and a file of only a header are sources with no records")
    func emptyFiles() throws {
        let tmp = try TempDir("empty")
        defer { tmp.remove() }
        try Files.write(tmp.sub("in/empty.log"), "")
        try Files.write(tmp.sub("in/header-only.log"), Self.header + "\n")
        try Files.writeGzip(tmp.sub("in/empty.log.gz"), "")
        let arc = tmp.sub("arc")
        let summary = try ingest(arc, [tmp.sub("in")])
        #expect(summary.failures.isEmpty)
        #expect(summary.filesIngested == 3)
        #expect(summary.records == 0)
        #expect(summary.lines == 1 && summary.headerLines == 1)
        let m = try ArchiveReader(path: arc).manifest
        #expect(m.sources.count == 3)
        #expect(m.records == 0)
        #expect(checkAccounting(m).isEmpty)
        #expect(m.sources.allSatisfy { $0.segment == 0 }, "a source without records names a segment")
        #expect(m.segments.isEmpty)
        // Running again skips all three.
        let again = try ingest(arc, [tmp.sub("in")])
        #expect(again.filesSkipped == 3 && again.filesIngested == 0)
    }
}
