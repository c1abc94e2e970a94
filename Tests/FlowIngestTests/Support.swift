// Helpers shared by the ingest tests: temporary directories, an independent reference parser of
// flow log text (plain String splitting, inet_pton for addresses), and reading an archive back.
import Foundation
import Testing

import FlowArchive
import FlowIngest
import FlowLog
import FlowSupport

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Temporary directories and files

/// A directory under /tmp with a unique name; removed by `remove()`.
final class TempDir {
    let path: String

    init(_ label: String) throws {
        let name = "flowarc-ingest-test-\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        path = "/tmp/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func sub(_ p: String) -> String { path + "/" + p }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

enum Files {
    static let samples = "/work/shared/samples"

    static func write(_ path: String, _ text: String) throws {
        try makeParent(path)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func write(_ path: String, bytes: [UInt8]) throws {
        try makeParent(path)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func makeParent(_ path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    static func copy(_ from: String, _ to: String) throws {
        try makeParent(to)
        try write(to, bytes: try read(from))
    }

    /// Writes `text` gzip-compressed with gzip(1).
    static func writeGzip(_ path: String, _ text: String) throws {
        let plain = path + ".plain-tmp"
        try write(plain, text)
        let r = try run("/usr/bin/gzip", ["-c", "-n", plain])
        try? FileManager.default.removeItem(atPath: plain)
        guard r.status == 0 else { throw TestFailure("gzip failed: \(r.stderr)") }
        try write(path, bytes: r.stdout)
    }

    /// The decoded bytes of a file: gzip(1) -dc for gzip files (with whatever it can decode of a
    /// damaged one), the bytes as they are otherwise.
    static func decodedText(_ path: String) throws -> [UInt8] {
        let raw = try read(path)
        if raw.count >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
            let r = try run("/usr/bin/gzip", ["-dc", path])
            return r.stdout
        }
        return raw
    }

    /// All regular files under `dir`, in the order a recursive walk that sorts every directory's
    /// entries bytewise visits them, filtered like the ingester's directory walk.
    static func walk(_ dir: String) -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for n in names {
            let p = dir + "/" + n
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { continue }
            if isDir.boolValue { out += walk(p) } else if !n.hasPrefix("."),
                n.hasSuffix(".log") || n.hasSuffix(".gz") || n.hasSuffix(".txt") { out.append(p) }
        }
        return out
    }

    static func setModificationTime(_ path: String, secondsSinceEpoch: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: secondsSinceEpoch)],
                                              ofItemAtPath: path)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

struct ProcessResult {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String
}

/// Runs a program and collects its output (both pipes drained concurrently).
func run(_ exe: String, _ args: [String]) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let box = DataBox()
    let group = DispatchGroup()
    let errHandle = err.fileHandleForReading
    DispatchQueue.global().async(group: group) { box.set(errHandle.readDataToEndOfFile()) }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return ProcessResult(status: p.terminationStatus, stdout: [UInt8](outData), stderr: String(decoding: box.get(), as: UTF8.self))
}

final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}

// MARK: - The reference parser (independent of FlowLog's parser)

/// What each field's text must be, written out here from FLOWLOGS.md §3 and §10 rather than taken
/// from `FieldCatalog`.
enum RefKind { case int(max: UInt64), address, string }

enum RefFields {
    static let uint8: Set<String> = ["version", "protocol", "traffic-path"]
    static let uint16: Set<String> = ["srcport", "dstport", "tcp-flags"]
    static let uint64: Set<String> = ["packets", "bytes", "packets-lost-no-route", "packets-lost-blackhole",
                                      "packets-lost-mtu-exceeded", "packets-lost-ttl-expired"]
    static let time: Set<String> = ["start", "end"]
    static let address: Set<String> = ["srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr"]
    static let strings: Set<String> = [
        "account-id", "interface-id", "action", "log-status",
        "vpc-id", "subnet-id", "instance-id", "type",
        "region", "az-id", "sublocation-type", "sublocation-id",
        "pkt-src-aws-service", "pkt-dst-aws-service", "flow-direction",
        "ecs-cluster-arn", "ecs-cluster-name", "ecs-container-instance-arn", "ecs-container-instance-id",
        "ecs-container-id", "ecs-second-container-id", "ecs-service-name", "ecs-task-definition-arn",
        "ecs-task-arn", "ecs-task-id", "reject-reason",
        "resource-type", "tgw-id", "tgw-attachment-id", "tgw-src-vpc-account-id", "tgw-dst-vpc-account-id",
        "tgw-src-vpc-id", "tgw-dst-vpc-id", "tgw-src-subnet-id", "tgw-dst-subnet-id", "tgw-src-eni", "tgw-dst-eni",
        "tgw-src-az-id", "tgw-dst-az-id", "tgw-pair-attachment-id",
    ]
    static let known: Set<String> = uint8.union(uint16).union(uint64).union(time).union(address).union(strings)

    static let v2 = ["version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
                     "protocol", "packets", "bytes", "start", "end", "action", "log-status"]

    /// Unknown names are opaque strings.
    static func kind(_ name: String) -> RefKind {
        if uint8.contains(name) { return .int(max: 255) }
        if uint16.contains(name) { return .int(max: 65_535) }
        if uint64.contains(name) { return .int(max: UInt64.max) }
        if time.contains(name) { return .int(max: UInt64(Int64.max)) }
        if address.contains(name) { return .address }
        return .string
    }
}

/// One record as the reference parser reads it: the field names in force and a value per name
/// (nil for `-`).
struct RefRecord {
    var names: [String]
    var values: [String?]
    var file: String
    var line: Int
}

struct RefReject: Equatable {
    var line: Int
    var text: String
}

struct RefFile {
    var path: String
    var records: [RefRecord] = []
    var lines = 0
    var headerLines = 0
    var blankLines = 0
    var rejects: [RefReject] = []
}

enum Reference {
    static func isFieldName(_ s: Substring) -> Bool {
        guard let f = s.utf8.first, f >= 0x61 && f <= 0x7A else { return false }
        return s.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    static func validates(_ token: Substring, _ kind: RefKind) -> Bool {
        switch kind {
        case .string: return true
        case .address: return parseAddress(String(token)) != nil
        case .int(let max):
            guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
            guard let v = UInt64(token) else { return false }
            return v <= max
        }
    }

    /// Parses the text of one file, the way FLOWLOGS.md describes it: space/tab separated, `-` for
    /// null, a line of field names (at least half known) switches the field list.
    static func parse(_ bytes: [UInt8], path: String, defaultNames: [String] = RefFields.v2) -> RefFile {
        var out = RefFile(path: path)
        // Lines are split on the byte 0x0A (a String would keep "\r\n" together as one Character).
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        if bytes.last == 0x0A || bytes.isEmpty { lines.removeLast() }
        var names = defaultNames
        for (i, rawBytes) in lines.enumerated() {
            let lineNo = i + 1
            out.lines += 1
            var lineBytes = rawBytes
            if lineBytes.last == 0x0D { lineBytes = lineBytes.dropLast() }
            let line = Substring(String(decoding: lineBytes, as: UTF8.self))
            let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if tokens.isEmpty { out.blankLines += 1; continue }
            if tokens.allSatisfy(isFieldName) {
                let known = tokens.filter { RefFields.known.contains(String($0)) }.count
                if known > 0 && known * 2 >= tokens.count {
                    let n = tokens.map(String.init)
                    if Set(n).count != n.count {
                        out.rejects.append(RefReject(line: lineNo, text: String(line)))
                    } else {
                        names = n
                        out.headerLines += 1
                    }
                    continue
                }
            }
            guard tokens.count == names.count else {
                out.rejects.append(RefReject(line: lineNo, text: String(line)))
                continue
            }
            var values: [String?] = []
            var ok = true
            for (k, t) in tokens.enumerated() {
                if t == "-" { values.append(nil); continue }
                if !validates(t, RefFields.kind(names[k])) { ok = false; break }
                values.append(String(t))
            }
            if !ok {
                out.rejects.append(RefReject(line: lineNo, text: String(line)))
                continue
            }
            out.records.append(RefRecord(names: names, values: values, file: path, line: lineNo))
        }
        return out
    }

    /// An address parsed by inet_pton, as the 128-bit IPv4-mapped form.
    static func parseAddress(_ s: String) -> (high: UInt64, low: UInt64)? {
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 {
            let a = UInt32(bigEndian: v4.s_addr)
            return (0, 0x0000_FFFF_0000_0000 | UInt64(a))
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, s, &v6) == 1 {
            let bytes: [UInt8] = withUnsafeBytes(of: &v6) { Array($0) }
            var hi: UInt64 = 0, lo: UInt64 = 0
            for k in 0..<8 { hi = hi << 8 | UInt64(bytes[k]) }
            for k in 8..<16 { lo = lo << 8 | UInt64(bytes[k]) }
            return (hi, lo)
        }
        return nil
    }
}

// MARK: - Reading an archive back

/// Every record of an archive, in segment and block order, with its source key.
struct ArchiveContents {
    var batches: [RecordBatch] = []
    var manifest: Manifest
    var rowCount: Int { batches.reduce(0) { $0 + $1.rowCount } }

    init(_ path: String) throws {
        let reader = try ArchiveReader(path: path)
        manifest = try reader.manifest
        for seg in try reader.segments {
            for b in seg.blocks.indices { batches.append(try seg.batch(block: b)) }
        }
    }

    /// (batch, row) of every record in order.
    var rows: [(batch: Int, row: Int)] {
        var out: [(Int, Int)] = []
        for (bi, b) in batches.enumerated() { for r in 0..<b.rowCount { out.append((bi, r)) } }
        return out
    }

    func sourceKey(batch: Int, row: Int) -> String? {
        guard let id = batches[batch].sourceIDs?.value(row) else { return nil }
        return manifest.sources.last { UInt64($0.id) == id }?.key
    }

    func source(keySuffix: String) -> SourceRecord? {
        manifest.sources.last { $0.key.hasSuffix(keySuffix) }
    }
}

/// Compares stored records with reference records, field by field; returns a list of mismatches
/// (at most `limit`).
func compareRecords(_ archive: ArchiveContents, _ expectedInInputOrder: [RefRecord], keyOf: (String) -> String, limit: Int = 20) -> [String] {
    var problems: [String] = []
    let rows = archive.rows
    let expected = inBlockOrder(expectedInInputOrder, blockRows: archive.batches.map(\.rowCount))
    if rows.count != expected.count {
        problems.append("the archive holds \(rows.count) records, the reference parse found \(expected.count)")
    }
    let allKnown = FieldCatalog.fields.map(\.name)
    for (i, (bi, r)) in rows.enumerated() where i < expected.count {
        if problems.count >= limit { break }
        let e = expected[i]
        let batch = archive.batches[bi]
        let place = "record \(i) (\(e.file):\(e.line))"
        if let key = archive.sourceKey(batch: bi, row: r) {
            if key != keyOf(e.file) { problems.append("\(place): stored with source \(key), expected \(keyOf(e.file))") }
        } else {
            problems.append("\(place): no source id")
        }
        for (k, name) in e.names.enumerated() {
            let want = e.values[k]
            if let id = FieldCatalog.id(of: name) {
                switch RefFields.kind(name) {
                case .address:
                    let got = batch.addresses[id]?.value(r)
                    let wantAddr = want.flatMap(Reference.parseAddress)
                    if got?.high != wantAddr?.high || got?.low != wantAddr?.low || (got == nil) != (want == nil) {
                        problems.append("\(place) \(name): stored \(got?.description ?? "nil"), expected \(want ?? "nil")")
                    }
                case .int:
                    let got = batch.ints[id]?.value(r)
                    let wantValue = want.flatMap { UInt64($0) }
                    if got != wantValue { problems.append("\(place) \(name): stored \(got.map(String.init) ?? "nil"), expected \(want ?? "nil")") }
                case .string:
                    let got = batch.text(field: id, row: r)
                    if got != want { problems.append("\(place) \(name): stored \(got ?? "nil"), expected \(want ?? "nil")") }
                }
            } else {
                let got = batch.extraIndex(name).flatMap { batch.extras[$0].column.value(r) }
                if got != want { problems.append("\(place) unknown field \(name): stored \(got ?? "nil"), expected \(want ?? "nil")") }
            }
        }
        // Fields this record's format does not have are null.
        let present = Set(e.names)
        for (id, name) in allKnown.enumerated() where !present.contains(name) {
            if let t = batch.text(field: id, row: r) {
                problems.append("\(place) \(name): stored \(t), but the record's format has no such field")
            }
        }
    }
    return problems
}

/// The records as ingest stores them: blocks take consecutive records of the input, and within
/// a block the rows are ordered by start time, records of equal start (or without one, last) in
/// input order (`TimeOrder`). Written apart from the writer's radix sort: a sort on (start, input
/// position).
func inBlockOrder(_ records: [RefRecord], blockRows: [Int]) -> [RefRecord] {
    var out: [RefRecord] = []
    var at = 0
    for n in blockRows {
        let block = records[min(at, records.count)..<min(at + n, records.count)]
        let keyed = block.enumerated().map { (i, r) -> (start: UInt64, position: Int, record: RefRecord) in
            let start = r.names.firstIndex(of: "start").flatMap { r.values[$0] }.flatMap { UInt64($0) }
            return (start ?? UInt64.max, i, r)
        }
        out += keyed.sorted { ($0.start, $0.position) < ($1.start, $1.position) }.map(\.record)
        at += n
    }
    if at < records.count { out += records[at...] }
    return out
}

/// The segment files of an archive and their bytes, by name.
func segmentFiles(_ archive: String) throws -> [String: [UInt8]] {
    let dir = archive + "/segments"
    var out: [String: [UInt8]] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasSuffix(".fseg") {
        out[name] = try Files.read(dir + "/" + name)
    }
    return out
}

/// Ingests with test-friendly defaults (2 threads).
func ingest(_ archive: String, _ inputs: [String], configure: (inout IngestOptions) -> Void = { _ in }) throws -> IngestSummary {
    var o = IngestOptions(archivePath: archive, inputs: inputs)
    o.threads = 2
    configure(&o)
    return try Ingest.run(o)
}

func checkAccounting(_ m: Manifest) -> [String] {
    m.sources.compactMap { s in
        s.lines == s.records + s.rejected + s.headerLines + s.blankLines ? nil
            : "\(s.key): lines \(s.lines) ≠ records \(s.records) + rejected \(s.rejected) + headers \(s.headerLines) + blank \(s.blankLines)"
    }
}
