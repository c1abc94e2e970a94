import FlowSupport
import Testing
@testable import FlowGen

@Suite struct DeterminismTests {
    @Test func sameSeedGivesIdenticalBytes() throws {
        let a = try TempDir("same-a"), b = try TempDir("same-b")
        defer { a.cleanup(); b.cleanup() }
        let options = GeneratorOptions(records: 20_000, files: 4, seed: 42)
        var serial = options
        serial.threads = 1
        let sa = try generate(a, options)
        let sb = try generate(b, serial)
        let fa = try a.files(), fb = try b.files()
        #expect(fa == fb)
        #expect(fa.count == 4)
        for f in fa {
            #expect(try Sys.readFile(a.path + "/" + f) == Sys.readFile(b.path + "/" + f), "\(f) differs")
        }
        #expect(sa.incident == sb.incident)
        #expect(sa.bytesWritten == sb.bytesWritten)
    }

    @Test func differentSeedGivesDifferentOutput() throws {
        let a = try TempDir("diff-a"), b = try TempDir("diff-b")
        defer { a.cleanup(); b.cleanup() }
        let sa = try generate(a, GeneratorOptions(records: 20_000, seed: 1))
        let sb = try generate(b, GeneratorOptions(records: 20_000, seed: 2))
        #expect(try a.files() != b.files())
        let ta = try decodedText(sa.files[0]), tb = try decodedText(sb.files[0])
        #expect(ta != tb)
        #expect(sa.incident.minerInstanceIDs != sb.incident.minerInstanceIDs)
    }
}

@Suite struct FormatTests {
    @Test(arguments: FlowFormat.allCases)
    func recordCountFieldCountAndVersion(format: FlowFormat) throws {
        let dir = try TempDir("format-\(format)")
        defer { dir.cleanup() }
        let summary = try generate(dir, GeneratorOptions(records: 20_000, files: 3, seed: 7, format: format))
        #expect(summary.records == 20_000)
        #expect(summary.files.count == 3)
        var total = 0
        var size: Int64 = 0
        for path in summary.files {
            let log = try ParsedLog(path: path)
            #expect(log.header == format.fieldNames)
            total += log.rows.count
            for row in log.rows {
                #expect(row.count == format.fieldNames.count)
                #expect(row[0] == "\(format.version)")
                #expect(!row.contains(""))
            }
            size += try Sys.status(path).size
        }
        #expect(total == 20_000)
        #expect(size == summary.bytesWritten)
    }

    @Test func fieldLists() {
        #expect(FlowFormat.v2.fieldNames.joined(separator: " ") ==
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status")
        #expect(FlowFormat.v5.fieldNames.joined(separator: " ") ==
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status "
            + "vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id "
            + "pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path")
        #expect(FlowFormat.v3.fieldNames.count == 21)
        #expect(FlowFormat.v4.fieldNames.count == 25)
        #expect(FlowFormat.v8.fieldNames.count == 40)
        #expect(FlowFormat.v8.fieldNames.last == "reject-reason")
        #expect(FlowFormat.v8.fieldNames[29] == "ecs-cluster-arn")
        #expect(FlowFormat(name: "v8") == .v8)
        #expect(FlowFormat(name: "V3") == .v3)
        #expect(FlowFormat(name: "5") == .v5)
        #expect(FlowFormat(name: "v6") == nil)
        #expect(FlowFormat(name: "") == nil)
    }

    @Test func emptyAndTinyRuns() throws {
        let dir = try TempDir("tiny")
        defer { dir.cleanup() }
        let summary = try generate(dir, GeneratorOptions(records: 3, files: 5, seed: 3, format: .v2))
        var total = 0
        for path in summary.files {
            let log = try ParsedLog(path: path)
            #expect(log.header.count == 14)
            total += log.rows.count
        }
        #expect(total == 3)
        let empty = try TempDir("empty")
        defer { empty.cleanup() }
        let s0 = try generate(empty, GeneratorOptions(records: 0, files: 1))
        #expect(try decodedText(s0.files[0]) == FlowFormat.v5.fieldNames.joined(separator: " ") + "\n")
    }

    @Test func invalidOptionsAreRejected() throws {
        let dir = try TempDir("invalid")
        defer { dir.cleanup() }
        #expect(throws: GeneratorError.self) { try generate(dir, GeneratorOptions(records: -1)) }
        #expect(throws: GeneratorError.self) { try generate(dir, GeneratorOptions(files: 0)) }
        #expect(throws: GeneratorError.self) { try generate(dir, GeneratorOptions(accounts: [])) }
        #expect(throws: GeneratorError.self) { try generate(dir, GeneratorOptions(ipv6Fraction: 1.5)) }
    }
}

@Suite struct LayoutTests {
    @Test func s3KeyLayout() throws {
        let dir = try TempDir("layout")
        defer { dir.cleanup() }
        let accounts = ["123456789012", "063605715280"]
        let summary = try generate(dir, GeneratorOptions(records: 20_000, files: 6, seed: 5, accounts: accounts, region: "eu-west-2"))
        #expect(try dir.files().count == 6)
        var times: [String] = []
        for path in summary.files {
            #expect(path.hasPrefix(dir.path + "/AWSLogs/"))
            let parts = path.dropFirst(dir.path.count + 1).split(separator: "/").map(String.init)
            #expect(parts.count == 8)
            #expect(parts[0] == "AWSLogs")
            let account = parts[1]
            #expect(accounts.contains(account))
            #expect(parts[2] == "vpcflowlogs")
            #expect(parts[3] == "eu-west-2")
            #expect(parts[4].count == 4 && Int(parts[4]) != nil)
            #expect(parts[5].count == 2 && (1...12).contains(Int(parts[5]) ?? 0))
            #expect(parts[6].count == 2 && (1...31).contains(Int(parts[6]) ?? 0))
            let name = parts[7]
            #expect(name.hasSuffix(".log.gz"))
            let pieces = name.dropLast(".log.gz".count).split(separator: "_").map(String.init)
            #expect(pieces.count == 6)
            #expect(pieces[0] == account)
            #expect(pieces[1] == "vpcflowlogs")
            #expect(pieces[2] == "eu-west-2")
            #expect(pieces[3].hasPrefix("fl-") && pieces[3].count == 20 && isHex(pieces[3].dropFirst(3)))
            let stamp = pieces[4]  // YYYYMMDDTHHmmZ, matching the folders
            #expect(stamp.count == 14)
            #expect(stamp.prefix(8) == parts[4] + parts[5] + parts[6])
            #expect(Array(stamp)[8] == "T" && stamp.hasSuffix("Z"))
            #expect(Int(stamp.dropFirst(9).prefix(4)).map { $0 % 5 == 0 && $0 / 100 < 24 && $0 % 100 < 60 } == true)
            #expect(pieces[5].count == 8 && isHex(Substring(pieces[5])))
            times.append(stamp)

            // Records: the account of the ENIs, end within the 10 minutes before the file time.
            let log = try ParsedLog(path: path)
            let fileTime = CivilTime(
                year: Int64(stamp.prefix(4))!, month: Int(stamp.dropFirst(4).prefix(2))!, day: Int(stamp.dropFirst(6).prefix(2))!,
                hour: Int(stamp.dropFirst(9).prefix(2))!, minute: Int(stamp.dropFirst(11).prefix(2))!).epochSeconds
            let acct = log.column("account-id"), start = log.column("start"), end = log.column("end")
            let region = log.column("region")
            var decreases = 0
            var previous: Int64 = 0
            for row in log.rows {
                #expect(row[acct] == account)
                #expect(row[region] == "eu-west-2")
                let s = Int64(row[start])!, e = Int64(row[end])!
                #expect(s <= e && e - s <= 600)
                #expect(e < fileTime && e >= fileTime - 600)
                if s < previous { decreases += 1 }
                previous = s
            }
            #expect(decreases > log.rows.count / 10, "records should not be sorted by start")
        }
        #expect(times == times.sorted())
        let first = Set(summary.files.map { $0.split(separator: "_")[3] })
        #expect(first.count == 2, "one flow log id per account")
    }

    @Test func timeRange() throws {
        let dir = try TempDir("range")
        defer { dir.cleanup() }
        let o = GeneratorOptions(records: 20_000, files: 4, seed: 9)
        let summary = try generate(dir, o)
        var lo = Int64.max, hi = Int64.min
        for path in summary.files {
            let log = try ParsedLog(path: path)
            for row in log.rows {
                lo = min(lo, Int64(row[10])!)
                hi = max(hi, Int64(row[11])!)
            }
        }
        #expect(lo >= o.startTime && lo < o.startTime + 600)
        #expect(hi <= o.startTime + o.duration && hi > o.startTime + o.duration - 900)
        #expect(summary.files[0].contains("/2023/11/14/"))
        #expect(summary.files[3].contains("/2023/11/17/"))
    }

    @Test func plainModeWritesLogFilesWithTheSameContent() throws {
        let gz = try TempDir("plain-gz"), plain = try TempDir("plain-log")
        defer { gz.cleanup(); plain.cleanup() }
        let sg = try generate(gz, GeneratorOptions(records: 20_000, files: 2, seed: 11))
        let sp = try generate(plain, GeneratorOptions(records: 20_000, files: 2, seed: 11, gzip: false))
        for (g, p) in zip(sg.files, sp.files) {
            #expect(p.hasSuffix(".log") && !p.hasSuffix(".gz"))
            #expect(g == p + ".gz" || g.dropFirst(gz.path.count) == (p + ".gz").dropFirst(plain.path.count))
            let raw = try Sys.readFile(p)
            #expect(raw.first != 0x1f)
            #expect(try String(decoding: raw, as: UTF8.self) == decodedText(g))
        }
        #expect(sp.bytesWritten > sg.bytesWritten * 3)
    }

    @Test func civilTime() {
        #expect(CivilTime(epochSeconds: 0).iso8601 == "1970-01-01T00:00:00Z")
        #expect(CivilTime(epochSeconds: 1_699_920_000).iso8601 == "2023-11-14T00:00:00Z")
        #expect(CivilTime(epochSeconds: 951_825_600).iso8601 == "2000-02-29T12:00:00Z")
        #expect(CivilTime(epochSeconds: 1_709_251_199).iso8601 == "2024-02-29T23:59:59Z")
        #expect(CivilTime(epochSeconds: 4_102_444_800).iso8601 == "2100-01-01T00:00:00Z")
        #expect(CivilTime(epochSeconds: -1).iso8601 == "1969-12-31T23:59:59Z")
        #expect(CivilTime(epochSeconds: 1_528_985_100 + 86_400 * 6).fileStamp == "20180620T1405Z")
        var t: Int64 = -86_400 * 800
        while t < 86_400 * 40_000 {
            #expect(CivilTime(epochSeconds: t).epochSeconds == t)
            t += 86_400 * 13 + 3_607
        }
        #expect(FlowGenerator.iso8601(epochSeconds: 1_700_000_000) == "2023-11-14T22:13:20Z")
    }
}

private func isHex(_ s: Substring) -> Bool { !s.isEmpty && s.allSatisfy { $0.isHexDigit && !$0.isUppercase } }
