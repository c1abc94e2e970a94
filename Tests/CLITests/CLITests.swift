// The flowarc command line, end to end: help, generate → ingest → info → verify, standard input,
// errors (missing inputs, damaged gzip, damaged archives, newer formats, bad options), demo.
import Foundation
import Testing

import FlowSupport

let v2Header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

func v2Line(_ i: Int) -> String {
    "2 123456789012 eni-0\(i % 9) 10.0.\(i % 250).\(i % 200 + 1) 52.95.\(i % 256).7 \(40000 + i % 20000) 443 6 \(i % 50 + 1) \(i * 13 % 90000) \(1_700_000_000 + i) \(1_700_000_060 + i) ACCEPT OK"
}

@Suite struct CLITests {
    @Test("--help of the root and of ingest lists the subcommands and options")
    func help() throws {
        let root = try CLI.run(["--help"])
        #expect(root.status == 0, "\(root)")
        for sub in ["ingest", "info", "verify", "generate", "demo"] {
            #expect(root.stdout.contains(sub), "root help does not mention \(sub)")
        }
        let ingest = try CLI.run(["ingest", "--help"])
        #expect(ingest.status == 0, "\(ingest)")
        for opt in ["--threads", "--inflater", "--fields", "--force", "--rejects", "--block-rows", "--quiet", "--json"] {
            #expect(ingest.stdout.contains(opt), "ingest help does not mention \(opt)")
        }
        for sub in ["info", "verify", "generate", "demo"] {
            let r = try CLI.run([sub, "--help"])
            #expect(r.status == 0, "\(sub) --help: \(r)")
        }
        let version = try CLI.run(["--version"])
        #expect(version.status == 0 && !version.stdout.isEmpty)
    }

    @Test("generate → ingest --json → info --json → verify")
    func generateIngestInfoVerify() throws {
        let tmp = try Scratch("pipeline")
        defer { tmp.remove() }
        let gen = try CLI.run(["generate", "--out", tmp.sub("logs"), "--records", "30000", "--files", "5", "--seed", "9", "--fields", "v5"])
        #expect(gen.status == 0, "\(gen)")
        let files = tmp.files(under: "logs", suffix: ".log.gz")
        #expect(files.count == 5)
        #expect(files.allSatisfy { $0.contains("/AWSLogs/123456789012/vpcflowlogs/") })

        let ing = try CLI.run(["ingest", tmp.sub("arc"), tmp.sub("logs"), "--json", "--threads", "2"])
        #expect(ing.status == 0, "\(ing)")
        let s = try ing.json()
        for key in ["files_ingested", "files_skipped", "files_failed", "lines", "records", "rejected_lines", "header_lines", "blank_lines", "errors"] {
            #expect(s[key] != nil, "ingest --json lacks \(key)")
        }
        #expect(int(s["files_ingested"]) == 5)
        #expect(int(s["files_skipped"]) == 0)
        #expect(int(s["files_failed"]) == 0)
        #expect(int(s["records"]) == 30_000)
        #expect(int(s["rejected_lines"]) == 0)
        #expect(int(s["header_lines"]) == 5)
        #expect(int(s["lines"]) == 30_005)
        #expect((s["errors"] as? [Any])?.isEmpty == true)

        let info = try CLI.run(["info", tmp.sub("arc"), "--json"])
        #expect(info.status == 0, "\(info)")
        let j = try info.json()
        for key in ["records", "rejected_lines", "sources", "blocks", "bytes", "segments", "time_range", "columns"] {
            #expect(j[key] != nil, "info --json lacks \(key)")
        }
        #expect(int(j["records"]) == 30_000)
        #expect(int(j["rejected_lines"]) == 0)
        #expect(int(j["sources"]) == 5)
        #expect((int(j["blocks"]) ?? 0) >= 1)
        #expect((int(j["bytes"]) ?? 0) > 0)
        #expect((int(j["segments"]) ?? 0) >= 1)
        let range = j["time_range"] as? [String: Any]
        #expect(int(range?["min_start"]) != nil && int(range?["max_end"]) != nil)
        #expect((int(range?["min_start"]) ?? 0) <= (int(range?["max_end"]) ?? -1))
        let columns = (j["columns"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        for c in ["srcaddr", "dstaddr", "start", "end", "action", "log-status", "flow-direction", "traffic-path",
                  "account_partition", "region_partition", "date_partition"] {
            #expect(columns.contains(c), "info --json columns lack \(c): \(columns)")
        }

        let text = try CLI.run(["info", tmp.sub("arc")])
        #expect(text.status == 0)
        #expect(text.stdout.contains("30,000"), "\(text)")

        let verify = try CLI.run(["verify", tmp.sub("arc")])
        #expect(verify.status == 0, "\(verify)")
        #expect(verify.stdout.hasPrefix("ok:"), "\(verify)")
    }

    @Test("generate is deterministic, and --plain --fields v8 writes .log files")
    func generateDeterministic() throws {
        let tmp = try Scratch("generate")
        defer { tmp.remove() }
        for out in ["a", "b"] {
            let r = try CLI.run(["generate", "--out", tmp.sub(out), "--records", "5000", "--files", "3", "--seed", "4", "--fields", "v8", "--plain", "--quiet"])
            #expect(r.status == 0, "\(r)")
            #expect(r.stdout.isEmpty)
        }
        let a = tmp.files(under: "a", suffix: ".log"), b = tmp.files(under: "b", suffix: ".log")
        #expect(a.count == 3)
        #expect(a.map { $0.replacingOccurrences(of: tmp.sub("a"), with: "") } == b.map { $0.replacingOccurrences(of: tmp.sub("b"), with: "") })
        for (x, y) in zip(a, b) { #expect(try tmp.read(x) == tmp.read(y)) }
        let first = String(decoding: try tmp.read(a[0]), as: UTF8.self)
        #expect(first.hasPrefix("version account-id"))
        #expect(first.split(separator: "\n")[0].hasSuffix("reject-reason"))
        let ing = try CLI.run(["ingest", tmp.sub("arc"), tmp.sub("a"), "--json"])
        #expect(ing.status == 0, "\(ing)")
        #expect(int(try ing.json()["records"]) == 5_000)
        let bad = try CLI.run(["generate", "--out", tmp.sub("c"), "--fields", "v6"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("v6") || bad.stderr.contains("--fields"), "\(bad)")
    }

    @Test("ingest from standard input (-), with the default format and with --fields")
    func standardInput() throws {
        let tmp = try Scratch("stdin")
        defer { tmp.remove() }
        // The real capture: 775 header-less default-format records.
        let raw = try tmp.read("/work/shared/samples/opensearch-project_opensearch-catalog__raw.log")
        let r = try CLI.run(["ingest", tmp.sub("arc"), "-", "--json"], stdin: raw)
        #expect(r.status == 0, "\(r)")
        let s = try r.json()
        #expect(int(s["records"]) == 775)
        #expect(int(s["files_ingested"]) == 1)
        #expect(int(s["rejected_lines"]) == 0)

        // A custom header-less format through --fields.
        let v5 = try tmp.read("/work/shared/samples/elastic_integrations__test-v5-all-fields.log")
        let fields = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"
        let r2 = try CLI.run(["ingest", tmp.sub("arc"), "-", "--fields", fields, "--json"], stdin: v5)
        #expect(r2.status == 0, "\(r2)")
        #expect(int(try r2.json()["records"]) == 1)
        #expect(int(try r2.json()["rejected_lines"]) == 0)
        // Without --fields, the 29-field line does not fit the default format.
        let r3 = try CLI.run(["ingest", tmp.sub("arc2"), "-", "--json"], stdin: v5)
        #expect(r3.status == 0, "\(r3)")
        #expect(int(try r3.json()["rejected_lines"]) == 1)

        let info = try CLI.run(["info", tmp.sub("arc"), "--json"])
        #expect(int(try info.json()["records"]) == 776)
        #expect(try CLI.run(["verify", tmp.sub("arc")]).status == 0)
        // Standard input can be named once only.
        let twice = try CLI.run(["ingest", tmp.sub("arc"), "-", "-"], stdin: [])
        #expect(twice.status != 0)
    }

    @Test("a missing input: exit 1, stderr names it, the other inputs land")
    func missingInput() throws {
        let tmp = try Scratch("missing")
        defer { tmp.remove() }
        try tmp.write("in/good.log", v2Header + "\n" + (0..<40).map(v2Line).joined(separator: "\n") + "\n")
        let missing = tmp.sub("in/not-there.log.gz")
        let r = try CLI.run(["ingest", tmp.sub("arc"), missing, tmp.sub("in/good.log")])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains(missing), "\(r)")
        #expect(!r.stderr.contains("Fatal error"))
        let info = try CLI.run(["info", tmp.sub("arc"), "--json"])
        #expect(int(try info.json()["records"]) == 40)

        let j = try CLI.run(["ingest", tmp.sub("arc2"), missing, tmp.sub("in"), "--json"])
        #expect(j.status == 1)
        let s = try j.json()
        #expect(int(s["records"]) == 40)
        let errors = (s["errors"] as? [String]) ?? []
        #expect(errors.count == 1 && errors.first?.contains(missing) == true, "\(errors)")
    }

    @Test("a truncated gzip: exit 1, stderr names the file and says truncated; the other records land")
    func truncatedGzip() throws {
        let tmp = try Scratch("truncated")
        defer { tmp.remove() }
        let gen = try CLI.run(["generate", "--out", tmp.sub("logs"), "--records", "30000", "--files", "3", "--seed", "2", "--quiet"])
        #expect(gen.status == 0, "\(gen)")
        let files = tmp.files(under: "logs", suffix: ".log.gz")
        try #require(files.count == 3)
        let damaged = files[1]
        let bytes = try tmp.read(damaged)
        try tmp.write(damaged, bytes: Array(bytes.prefix(bytes.count / 2)))
        let others = try decodedLineCount(files[0]) - 1 + decodedLineCount(files[2]) - 1

        let r = try CLI.run(["ingest", tmp.sub("arc"), tmp.sub("logs")])
        #expect(r.status == 1, "\(r)")
        let name = (damaged as NSString).lastPathComponent
        #expect(r.stderr.contains(name), "\(r)")
        #expect(r.stderr.contains("truncated"), "\(r)")
        #expect(!r.stderr.contains("Fatal error"))

        let info = try CLI.run(["info", tmp.sub("arc"), "--json"])
        #expect(info.status == 0, "\(info)")
        let j = try info.json()
        #expect((int(j["records"]) ?? 0) >= others, "info: \(j["records"] ?? "nil") records, the two intact files hold \(others)")
        #expect((int(j["records"]) ?? 0) > others,
                "the records decoded before the damage are kept: \(j["records"] ?? "nil") records, the two intact files hold \(others)")
        #expect(int(j["sources"]) == 3)
        #expect(int(j["damaged_sources"]) == 1)
        let verify = try CLI.run(["verify", tmp.sub("arc")])
        #expect(verify.status == 0, "a damaged source is not a damaged archive: \(verify)")

        // --json says the same.
        let again = try CLI.run(["ingest", tmp.sub("arc2"), tmp.sub("logs"), "--json"])
        #expect(again.status == 1)
        let s = try again.json()
        #expect(int(s["files_failed"]) == 1)
        #expect(((s["errors"] as? [String]) ?? []).contains { $0.contains(name) && $0.contains("truncated") })
    }

    @Test("re-running an ingest reports the files as already in the archive; records unchanged; --force reads again")
    func rerun() throws {
        let tmp = try Scratch("rerun")
        defer { tmp.remove() }
        #expect(try CLI.run(["generate", "--out", tmp.sub("logs"), "--records", "4000", "--files", "3", "--quiet"]).status == 0)
        let first = try CLI.run(["ingest", tmp.sub("arc"), tmp.sub("logs")])
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout.contains("3 ingested"), "\(first)")
        let second = try CLI.run(["ingest", tmp.sub("arc"), tmp.sub("logs")])
        #expect(second.status == 0, "\(second)")
        #expect(second.stdout.contains("3 already in the archive"), "\(second)")
        #expect(second.stdout.contains("0 ingested"), "\(second)")
        #expect(int(try CLI.run(["info", tmp.sub("arc"), "--json"]).json()["records"]) == 4_000)
        let json = try CLI.run(["ingest", tmp.sub("arc"), tmp.sub("logs"), "--json"]).json()
        #expect(int(json["files_skipped"]) == 3 && int(json["records"]) == 0)
        let quiet = try CLI.run(["ingest", tmp.sub("arc"), tmp.sub("logs"), "--quiet"])
        #expect(quiet.status == 0 && quiet.stdout.isEmpty, "\(quiet)")
        let forced = try CLI.run(["ingest", tmp.sub("arc"), tmp.sub("logs"), "--force", "--json"])
        #expect(int(try forced.json()["files_ingested"]) == 3)
        #expect(int(try CLI.run(["info", tmp.sub("arc"), "--json"]).json()["records"]) == 8_000)
    }

    @Test("--rejects writes path, line, reason and text of every bad line")
    func rejectsFile() throws {
        let tmp = try Scratch("rejects")
        defer { tmp.remove() }
        let lines = [v2Header, v2Line(1), "garbage line", "", v2Line(2), "2 1 eni-1 1.2.3.4 5.6.7.8 99999 1 6 1 1 1 1 ACCEPT OK"]
        let path = tmp.sub("in/x.log")
        try tmp.write(path, lines.joined(separator: "\n") + "\n")
        let r = try CLI.run(["ingest", tmp.sub("arc"), path, "--rejects", tmp.sub("rejects.tsv"), "--json"])
        #expect(r.status == 0, "\(r)")
        let s = try r.json()
        #expect(int(s["records"]) == 2 && int(s["rejected_lines"]) == 2 && int(s["blank_lines"]) == 1 && int(s["header_lines"]) == 1)
        #expect(int(s["lines"]) == 6)
        let tsv = String(decoding: try tmp.read("rejects.tsv"), as: UTF8.self)
        let rows = tsv.split(separator: "\n").map { $0.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 2)
        #expect(rows.first == [path, "3", rows.first?[2] ?? "", "garbage line"])
        #expect(rows.last?[0] == path && rows.last?[1] == "6" && rows.last?[3] == lines[5])
        #expect(rows.last?[2].contains("99999") == true, "\(rows)")
    }

    @Test("info and verify of a missing archive, or of a directory that is not one: exit 1, a message, no crash")
    func missingArchive() throws {
        let tmp = try Scratch("no-archive")
        defer { tmp.remove() }
        for cmd in ["info", "verify"] {
            let r = try CLI.run([cmd, tmp.sub("nope.arc")])
            #expect(r.status == 1, "\(cmd): \(r)")
            #expect(r.stderr.contains("nope.arc"), "\(cmd): \(r)")
            #expect(r.stderr.contains("no such archive") || r.stderr.contains("does not exist"), "\(cmd): \(r)")
            #expect(!r.stderr.contains("Fatal error"), "\(cmd): \(r)")
            #expect(!FileManager.default.fileExists(atPath: tmp.sub("nope.arc")), "\(cmd) created the archive")

            try FileManager.default.createDirectory(atPath: tmp.sub("empty-dir"), withIntermediateDirectories: true)
            let e = try CLI.run([cmd, tmp.sub("empty-dir")])
            #expect(e.status == 1, "\(cmd): \(e)")
            #expect(e.stderr.contains("not a flowarc archive"), "\(cmd): \(e)")
            #expect(!e.stderr.contains("Fatal error"))
        }
        // An archive path that is a regular file.
        try tmp.write("file.arc", "hello")
        try tmp.write("in/x.log", v2Header + "\n" + v2Line(1) + "\n")
        let r = try CLI.run(["ingest", tmp.sub("file.arc"), tmp.sub("in/x.log")])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("file.arc"), "\(r)")
        #expect(!r.stderr.contains("Fatal error"))
    }

    @Test("a FIFO where the manifest or a segment should be: exit 1 at once, no waiting for a writer")
    func fifoInPlaceOfArchiveFiles() throws {
        let tmp = try Scratch("fifo")
        defer { tmp.remove() }
        for victim in ["MANIFEST", "segments/00000001.fseg"] {
            let arc = try smallArchive(tmp)
            try FileManager.default.removeItem(atPath: arc + "/" + victim)
            #expect(mkfifo(arc + "/" + victim, 0o600) == 0)
            for cmd in [["info", arc], ["verify", arc], ["query", arc, "SELECT count(*) FROM flows WHERE numbytes > 0"]] {
                let r = try CLI.run(cmd)
                #expect(r.status == 1 && r.stderr.contains("is not a regular file"), "\(victim) \(cmd[0]): \(r)")
            }
            try FileManager.default.removeItem(atPath: arc)
        }
        // A script may come from a pipe (-f <(...), -f /dev/stdin): streams are read to their end.
        let arc = try smallArchive(tmp)
        let r = try CLI.run(["query", arc, "-f", "/dev/stdin", "--format", "csv"], stdin: Array("SELECT count(*) AS n FROM flows;".utf8))
        #expect(r.status == 0 && r.stdout == "n\r\n3000\r\n", "\(r)")
    }

    /// An archive of a few thousand records made with the CLI.
    func smallArchive(_ tmp: Scratch) throws -> String {
        let lines = [v2Header] + (0..<3_000).map(v2Line)
        try tmp.write("in/x.log", lines.joined(separator: "\n") + "\n")
        let arc = tmp.sub("arc")
        let r = try CLI.run(["ingest", arc, tmp.sub("in/x.log"), "--quiet"])
        #expect(r.status == 0, "\(r)")
        return arc
    }

    @Test("verify after a flipped byte in a column chunk: exit 1, names the checksum problem")
    func corruptSegment() throws {
        let tmp = try Scratch("corrupt-segment")
        defer { tmp.remove() }
        let arc = try smallArchive(tmp)
        #expect(try CLI.run(["verify", arc]).status == 0)
        let seg = try #require(tmp.files(under: arc + "/segments", suffix: ".fseg").first)
        var bytes = try tmp.read(seg)
        // The trailer's first 8 bytes give the directory offset; column data lies between the
        // 8-byte header and it.
        let t = bytes.count - 24
        let dirOffset = (0..<8).reduce(0) { $0 | Int(bytes[t + $1]) << (8 * $1) }
        try #require(dirOffset > 8 && dirOffset < bytes.count)
        let at = 8 + (dirOffset - 8) / 2
        bytes[at] ^= 0xFF
        try tmp.write(seg, bytes: bytes)
        let r = try CLI.run(["verify", arc])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("checksum"), "\(r)")
        #expect(r.stderr.contains((seg as NSString).lastPathComponent), "\(r)")
        #expect(!r.stderr.contains("Fatal error"))
        #expect(!r.stdout.hasPrefix("ok"))
    }

    @Test("verify or info of a truncated segment or a damaged manifest: exit 1, no crash")
    func truncatedSegmentAndManifest() throws {
        let tmp = try Scratch("truncated-segment")
        defer { tmp.remove() }
        let arc = try smallArchive(tmp)
        let seg = try #require(tmp.files(under: arc + "/segments", suffix: ".fseg").first)
        let bytes = try tmp.read(seg)
        try tmp.write(seg, bytes: Array(bytes.prefix(bytes.count - 100)))
        for cmd in ["verify", "info"] {
            let r = try CLI.run([cmd, arc])
            #expect(r.status == 1, "\(cmd): \(r)")
            #expect(!r.stderr.isEmpty && !r.stderr.contains("Fatal error"), "\(cmd): \(r)")
        }
        try tmp.write(seg, bytes: bytes)
        #expect(try CLI.run(["verify", arc]).status == 0)

        // A flipped byte in the manifest body (not the version): checksum error.
        let manifest = arc + "/MANIFEST"
        var m = try tmp.read(manifest)
        m[m.count / 2] ^= 0x01
        try tmp.write(manifest, bytes: m)
        let r = try CLI.run(["info", arc])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("checksum"), "\(r)")
        #expect(!r.stderr.contains("Fatal error"))
        // A manifest cut short.
        try tmp.write(manifest, bytes: Array(m.prefix(7)))
        let short = try CLI.run(["verify", arc])
        #expect(short.status == 1, "\(short)")
        #expect(!short.stderr.contains("Fatal error"))
    }

    @Test("a manifest from a newer format version: info, verify and ingest refuse it clearly and leave it alone")
    func newerManifest() throws {
        let tmp = try Scratch("newer")
        defer { tmp.remove() }
        let arc = try smallArchive(tmp)
        let manifest = arc + "/MANIFEST"
        var m = try tmp.read(manifest)
        m[4] = 99
        m[5] = 0
        try tmp.write(manifest, bytes: m)
        for cmd in ["info", "verify"] {
            let r = try CLI.run([cmd, arc])
            #expect(r.status == 1, "\(cmd): \(r)")
            #expect(r.stderr.contains("newer flowarc"), "\(cmd): \(r)")
            #expect(r.stderr.contains("99"), "\(cmd): \(r)")
            #expect(!r.stderr.contains("Fatal error"))
        }
        let r = try CLI.run(["ingest", arc, tmp.sub("in/x.log"), "--force"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("newer flowarc"), "\(r)")
        #expect(try tmp.read(manifest) == m, "ingest rewrote a manifest it cannot read")
    }

    @Test("usage errors: unknown option → 64, invalid values → validation error")
    func usageErrors() throws {
        let tmp = try Scratch("usage")
        defer { tmp.remove() }
        try tmp.write("in/x.log", v2Header + "\n" + v2Line(1) + "\n")
        let arc = tmp.sub("arc"), input = tmp.sub("in/x.log")
        let unknown = try CLI.run(["ingest", arc, input, "--no-such-option"])
        #expect(unknown.status == 64, "\(unknown)")
        #expect(unknown.stderr.contains("--no-such-option"), "\(unknown)")
        #expect(try CLI.run(["--bogus"]).status == 64)
        #expect(try CLI.run(["frobnicate"]).status == 64)
        #expect(try CLI.run(["info"]).status == 64, "missing argument")

        for (args, mention) in [(["--threads", "0"], "--threads"), (["--threads", "1000"], "--threads"),
                                (["--block-rows", "10"], "--block-rows"), (["--inflater", "lzma"], "lzma"),
                                (["--threads", "two"], "two")] {
            let r = try CLI.run(["ingest", arc, input] + args)
            #expect(r.status == 64, "\(args): \(r)")
            #expect(r.stderr.contains(mention), "\(args): \(r)")
            #expect(!r.stderr.contains("Fatal error"))
        }
        #expect(!FileManager.default.fileExists(atPath: arc + "/MANIFEST"), "a rejected command created the archive")
        for fields in ["Not A Field", "foo bar", "version version", ""] {
            let r = try CLI.run(["ingest", arc, input, "--fields", fields])
            #expect(r.status != 0, "--fields '\(fields)': \(r)")
            #expect(r.stderr.contains("field"), "--fields '\(fields)': \(r)")
            #expect(!r.stderr.contains("Fatal error"))
        }
        #expect(!FileManager.default.fileExists(atPath: arc + "/MANIFEST"), "a rejected command created the archive")
        let gen = try CLI.run(["generate", "--out", tmp.sub("g"), "--files", "0"])
        #expect(gen.status == 64, "\(gen)")
        let demo = try CLI.run(["demo", "--dir", tmp.sub("d"), "--records", "0"])
        #expect(demo.status == 64, "\(demo)")
    }

    @Test("an invalid --fields value is a usage error like any other bad option value (exit 64)")
    func invalidFieldsIsUsageError() throws {
        let tmp = try Scratch("fields-usage")
        defer { tmp.remove() }
        try tmp.write("in/x.log", v2Line(1) + "\n")
        let badInflater = try CLI.run(["ingest", tmp.sub("arc"), tmp.sub("in/x.log"), "--inflater", "lzma"])
        #expect(badInflater.status == 64, "\(badInflater)")
        let r = try CLI.run(["ingest", tmp.sub("arc"), tmp.sub("in/x.log"), "--fields", "foo bar"])
        #expect(r.status == 64, "exit status of a bad --fields value: \(r)")
    }

    @Test("another process holding the archive lock: ingest refuses, exit 1, nothing written")
    func lockedArchive() throws {
        let tmp = try Scratch("locked")
        defer { tmp.remove() }
        let arc = try smallArchive(tmp)
        let before = try tmp.read(arc + "/MANIFEST")
        let lock = try FileLock(path: arc + "/LOCK")
        let r = try CLI.run(["ingest", arc, tmp.sub("in/x.log"), "--force"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("another flowarc process"), "\(r)")
        #expect(try tmp.read(arc + "/MANIFEST") == before)
        // Readers do not need the lock.
        #expect(try CLI.run(["verify", arc]).status == 0)
        withExtendedLifetime(lock) {}
    }

    @Test("standard input may be gzip; - mixes with files and directories")
    func gzipOnStandardInput() throws {
        let tmp = try Scratch("stdin-gz")
        defer { tmp.remove() }
        let gz = try tmp.read("/work/shared/samples/grafana_lambda-promtail__vpcflowlog.log.gz")
        try tmp.write("in/a.log", v2Header + "\n" + (0..<10).map(v2Line).joined(separator: "\n") + "\n")
        let r = try CLI.run(["ingest", tmp.sub("arc"), "-", tmp.sub("in"), "--json"], stdin: gz)
        #expect(r.status == 0, "\(r)")
        let s = try r.json()
        #expect(int(s["records"]) == 13)
        #expect(int(s["header_lines"]) == 2)
        #expect(int(s["files_ingested"]) == 2)
    }

    @Test("a directory walk takes *.log.gz, *.log, *.gz, *.txt (not hidden files), and each file once")
    func directoryWalk() throws {
        let tmp = try Scratch("walk")
        defer { tmp.remove() }
        let body = v2Header + "\n" + v2Line(1) + "\n"
        for name in ["d/a.log", "d/sub/deeper/b.txt", "d/c.gz", "d/.hidden.log", "d/notes.md", "d/e.log.bak", "d/sub/f.json"] {
            try tmp.write(name, body)
        }
        let r = try CLI.run(["ingest", tmp.sub("arc"), tmp.sub("d"), tmp.sub("d/a.log"), "--json"])
        #expect(r.status == 0, "\(r)")
        let s = try r.json()
        #expect(int(s["files_ingested"]) == 3, "\(s)")
        #expect(int(s["records"]) == 3)
        #expect(int(s["files_ignored"]) == 4, "\(s)")
        // A file named directly is taken whatever its name.
        let direct = try CLI.run(["ingest", tmp.sub("arc"), tmp.sub("d/notes.md"), "--json"])
        #expect(int(try direct.json()["records"]) == 1)
    }

    @Test("symbolic links back up the tree and second paths to a file: each directory walked and each file read once")
    func symbolicLinkLoops() throws {
        let tmp = try Scratch("walk-loops")
        defer { tmp.remove() }
        let body = v2Header + "\n" + v2Line(1) + "\n" + v2Line(2) + "\n"
        try tmp.write("d/a.log", body)
        try tmp.write("d/sub/b.log", body)
        // Two loops (which made 2^64 paths to walk) and a second path to a file.
        #expect(symlink("..", tmp.sub("d/sub/x")) == 0 && symlink("..", tmp.sub("d/sub/y")) == 0)
        #expect(symlink(tmp.sub("d/a.log"), tmp.sub("d/sub/same.log")) == 0)
        let r = try CLI.run(["ingest", tmp.sub("arc"), tmp.sub("d"), tmp.sub("d/sub"), "--json"])
        #expect(r.status == 0, "\(r)")
        let s = try r.json()
        #expect(int(s["files_ingested"]) == 2 && int(s["records"]) == 4, "\(s)")
    }

    @Test("--inflater zlib and --threads 1 give the same segment files as the defaults")
    func identicalAcrossOptions() throws {
        let tmp = try Scratch("identical")
        defer { tmp.remove() }
        #expect(try CLI.run(["generate", "--out", tmp.sub("logs"), "--records", "20000", "--files", "4", "--quiet"]).status == 0)
        var segments: [[String: [UInt8]]] = []
        for (i, extra) in [["--threads", "2"], ["--inflater", "zlib", "--threads", "1"], ["--inflater", "isal", "--threads", "1"]].enumerated() {
            let arc = tmp.sub("arc\(i)")
            let r = try CLI.run(["ingest", arc, tmp.sub("logs"), "--quiet", "--block-rows", "2048"] + extra)
            #expect(r.status == 0, "\(r)")
            var files: [String: [UInt8]] = [:]
            for p in tmp.files(under: arc + "/segments", suffix: ".fseg") { files[(p as NSString).lastPathComponent] = try tmp.read(p) }
            segments.append(files)
        }
        #expect(!segments[0].isEmpty)
        #expect(segments[1] == segments[0], "zlib, 1 thread")
        #expect(segments[2] == segments[0], "isal, 1 thread")
    }

    @Test("demo --records 20000 runs everything and verifies")
    func demo() throws {
        let tmp = try Scratch("demo")
        defer { tmp.remove() }
        let r = try CLI.run(["demo", "--dir", tmp.sub("d"), "--records", "20000"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("ok:"), "\(r)")
        #expect(r.stdout.contains("20,000"), "\(r)")
        #expect(FileManager.default.fileExists(atPath: tmp.sub("d/flows.arc/MANIFEST")))
        // The hunt finds the miner instances the generator planted.
        let miners = r.stdout.split(separator: "\n").first { $0.contains("miner instances:") }
            .map { line -> [String] in
                // "  miner instances:  i-..., i-... (10.0.1.2, 10.0.3.4)"
                let ids = line.split(separator: ":", maxSplits: 1)[1].split(separator: "(")[0]
                return ids.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            } ?? []
        #expect(!miners.isEmpty, "\(r.stdout)")
        let hunt = r.stdout.components(separatedBy: "== hunt: egress to mining pool").last ?? ""
        for m in miners { #expect(hunt.contains(m), "hunt misses \(m): \(hunt)") }
        #expect(r.stdout.contains("== hunt: the incident-response workshop's cryptominer query"), "\(r.stdout)")
        // And it says how to go on, with a command that works on what it built.
        #expect(r.stdout.contains("Ask it more: flowarc shell \(tmp.sub("d/flows.arc"))"), "\(r.stdout.suffix(300))")
        let more = try CLI.run(["shell", tmp.sub("d/flows.arc")], stdin: Array("SELECT count(*) AS n FROM flows;".utf8))
        #expect(more.status == 0 && more.stdout.contains("20000"), "\(more)")
    }
}
