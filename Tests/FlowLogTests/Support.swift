import FlowSupport
import Foundation
import Testing
@testable import FlowLog

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Seeded randomness

extension SplitMix64 {
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }
}

// MARK: - Fixtures

enum Fixtures {
    static var directory: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        let url = directory.appendingPathComponent(name)
        return [UInt8](try Data(contentsOf: url))
    }

    static func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".log") || $0.hasSuffix(".sample") }
            .sorted()
    }
}

// MARK: - Formats used by several tests

enum Formats {
    static let v2 = ["version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
                     "protocol", "packets", "bytes", "start", "end", "action", "log-status"]
    static let v3to5 = ["vpc-id", "subnet-id", "instance-id", "tcp-flags", "type", "pkt-srcaddr", "pkt-dstaddr",
                        "region", "az-id", "sublocation-type", "sublocation-id", "pkt-src-aws-service",
                        "pkt-dst-aws-service", "flow-direction", "traffic-path"]
    static let ecs = ["ecs-cluster-arn", "ecs-cluster-name", "ecs-container-instance-arn", "ecs-container-instance-id",
                      "ecs-container-id", "ecs-second-container-id", "ecs-service-name", "ecs-task-definition-arn",
                      "ecs-task-arn", "ecs-task-id"]
    static let v5All = v2 + v3to5
    static let ecs39 = v2 + v3to5 + ecs
    static let v8Forty = ecs39 + ["reject-reason"]
    /// AWS's 17-field transit-gateway-path example (FLOWLOGS.md / elastic `custom-transit-gateway.log`).
    static let tgwPath17 = ["version", "interface-id", "account-id", "vpc-id", "subnet-id", "instance-id", "srcaddr",
                            "dstaddr", "srcport", "dstport", "protocol", "tcp-flags", "type", "pkt-srcaddr",
                            "pkt-dstaddr", "action", "log-status"]
    /// The Transit Gateway flow log default format (FLOWLOGS.md §10), 36 fields.
    static let tgw36 = ("version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id "
        + "tgw-dst-vpc-account-id tgw-src-vpc-id tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni "
        + "tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id srcaddr dstaddr srcport dstport protocol "
        + "packets bytes start end log-status type packets-lost-no-route packets-lost-blackhole "
        + "packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region flow-direction pkt-src-aws-service "
        + "pkt-dst-aws-service").split(separator: " ").map(String.init)
    static let v3Custom21 = ("version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr "
        + "srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status")
        .split(separator: " ").map(String.init)
}

// MARK: - Running the parser

func parseText(_ text: String, mapping: FieldMapping = .defaultV2) -> ParsedChunk {
    parseBytes(Array(text.utf8), mapping: mapping)
}

func parseBytes(_ bytes: [UInt8], mapping: FieldMapping = .defaultV2) -> ParsedChunk {
    var parser = RecordParser()
    return bytes.withUnsafeBytes { parser.parse($0, mapping: mapping) }
}

func id(_ name: String) -> Int { FieldCatalog.id(of: name)! }

extension ParsedChunk {
    /// A known field's text (nil for `-`).
    func text(_ name: String, _ row: Int) -> String? { batch.text(field: id(name), row: row) }
    /// An unknown field's text from `batch.extras`.
    func extra(_ name: String, _ row: Int) -> String? {
        guard let k = batch.extraIndex(name) else { return "<no extras column \(name)>" }
        return batch.extras[k].column.value(row)
    }
    var accountingHolds: Bool { lines == records + rejects.count + headerLines + blankLines }
}

// MARK: - An independent reference: inet_pton, String splitting, own field table

/// Address bytes as glibc's inet_pton reads them (IPv4 as ::ffff:a.b.c.d), nil when it refuses.
func ptonBytes(_ s: String) -> [UInt8]? {
    var a6 = in6_addr()
    if inet_pton(AF_INET6, s, &a6) == 1 { return withUnsafeBytes(of: &a6) { Array($0) } }
    var a4 = in_addr()
    if inet_pton(AF_INET, s, &a4) == 1 {
        return [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] + withUnsafeBytes(of: &a4) { Array($0) }
    }
    return nil
}

/// The 16 network-order bytes of an `IPAddress`.
func addressBytes(_ a: IPAddress) -> [UInt8] {
    var out: [UInt8] = []
    for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: a.high >> (56 - 8 * UInt64(k)))) }
    for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: a.low >> (56 - 8 * UInt64(k)))) }
    return out
}

/// glibc's inet_ntop text for 16 address bytes.
func ntop6(_ bytes: [UInt8]) -> String {
    var a6 = in6_addr()
    withUnsafeMutableBytes(of: &a6) { $0.copyBytes(from: bytes) }
    var buf = [CChar](repeating: 0, count: 64)
    _ = inet_ntop(AF_INET6, &a6, &buf, 64)
    let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

enum RefKind: Equatable { case u8, u16, u64, time, address, string }

/// The field table written from FLOWLOGS.md §3 and §10, independently of `FieldCatalog`.
enum RefFields {
    static let table: [(name: String, version: Int, kind: RefKind)] = [
        ("version", 2, .u8), ("account-id", 2, .string), ("interface-id", 2, .string), ("srcaddr", 2, .address),
        ("dstaddr", 2, .address), ("srcport", 2, .u16), ("dstport", 2, .u16), ("protocol", 2, .u8),
        ("packets", 2, .u64), ("bytes", 2, .u64), ("start", 2, .time), ("end", 2, .time), ("action", 2, .string),
        ("log-status", 2, .string),
        ("vpc-id", 3, .string), ("subnet-id", 3, .string), ("instance-id", 3, .string), ("tcp-flags", 3, .u16),
        ("type", 3, .string), ("pkt-srcaddr", 3, .address), ("pkt-dstaddr", 3, .address),
        ("region", 4, .string), ("az-id", 4, .string), ("sublocation-type", 4, .string), ("sublocation-id", 4, .string),
        ("pkt-src-aws-service", 5, .string), ("pkt-dst-aws-service", 5, .string), ("flow-direction", 5, .string),
        ("traffic-path", 5, .u8),
        ("ecs-cluster-arn", 7, .string), ("ecs-cluster-name", 7, .string), ("ecs-container-instance-arn", 7, .string),
        ("ecs-container-instance-id", 7, .string), ("ecs-container-id", 7, .string),
        ("ecs-second-container-id", 7, .string), ("ecs-service-name", 7, .string),
        ("ecs-task-definition-arn", 7, .string), ("ecs-task-arn", 7, .string), ("ecs-task-id", 7, .string),
        ("reject-reason", 8, .string),
        ("resource-type", 6, .string), ("tgw-id", 6, .string), ("tgw-attachment-id", 6, .string),
        ("tgw-src-vpc-account-id", 6, .string), ("tgw-dst-vpc-account-id", 6, .string), ("tgw-src-vpc-id", 6, .string),
        ("tgw-dst-vpc-id", 6, .string), ("tgw-src-subnet-id", 6, .string), ("tgw-dst-subnet-id", 6, .string),
        ("tgw-src-eni", 6, .string), ("tgw-dst-eni", 6, .string), ("tgw-src-az-id", 6, .string),
        ("tgw-dst-az-id", 6, .string), ("tgw-pair-attachment-id", 6, .string),
        ("packets-lost-no-route", 6, .u64), ("packets-lost-blackhole", 6, .u64),
        ("packets-lost-mtu-exceeded", 6, .u64), ("packets-lost-ttl-expired", 6, .u64),
    ]
    static let kinds: [String: RefKind] = Dictionary(uniqueKeysWithValues: table.map { ($0.name, $0.kind) })

    static func maxValue(_ k: RefKind) -> UInt64 {
        switch k {
        case .u8: return 255
        case .u16: return 65_535
        case .time, .u64: return UInt64(Int64.max)  // counters are INT_64 (bigint), not unsigned 64-bit
        default: return UInt64.max
        }
    }
}

struct RefRecord {
    var line: Int
    var names: [String]
    var tokens: [String]
}

struct RefResult {
    var lines = 0
    var headers = 0
    var blanks = 0
    var records: [RefRecord] = []
    var rejectLines: [Int] = []
    /// The field list in force after the last line.
    var finalNames: [String] = []
}

/// Parses flow log text with plain `String` work: lines split on LF (a CR before it dropped),
/// tokens split on runs of spaces and tabs; a header is a line whose first token is a known field
/// name and whose tokens are all lowercase letters, digits and hyphens.
func referenceParse(_ text: [UInt8], initial: [String]) -> RefResult {
    var r = RefResult()
    var names = initial
    var rawLines = text.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
    if text.last == 0x0A || text.isEmpty { rawLines.removeLast() }
    for (i, rawLine) in rawLines.enumerated() {
        var raw = rawLine
        let lineNo = i + 1
        r.lines += 1
        if raw.last == 0x0D { raw.removeLast() }
        let line = String(decoding: raw, as: UTF8.self)
        let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if tokens.isEmpty { r.blanks += 1; continue }
        let isHeader = RefFields.kinds[tokens[0]] != nil && tokens.allSatisfy { t in
            t.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        }
        if isHeader {
            if Set(tokens).count != tokens.count { r.rejectLines.append(lineNo); continue }
            r.headers += 1
            names = tokens
            continue
        }
        guard tokens.count == names.count else { r.rejectLines.append(lineNo); continue }
        var ok = true
        for (name, tok) in zip(names, tokens) where tok != "-" {
            let kind = RefFields.kinds[name] ?? .string
            switch kind {
            case .string: continue
            case .address: if ptonBytes(tok) == nil { ok = false }
            default:
                if !tok.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) { ok = false; break }
                guard let v = UInt64(tok), v <= RefFields.maxValue(kind) else { ok = false; break }
            }
            if !ok { break }
        }
        if ok { r.records.append(RefRecord(line: lineNo, names: names, tokens: tokens)) } else { r.rejectLines.append(lineNo) }
    }
    r.finalNames = names
    return r
}

/// Compares a parsed chunk field by field with the reference result.
func expectMatchesReference(_ chunk: ParsedChunk, _ ref: RefResult, _ label: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(chunk.lines == ref.lines, "\(label): lines", sourceLocation: sourceLocation)
    #expect(chunk.headerLines == ref.headers, "\(label): header lines", sourceLocation: sourceLocation)
    #expect(chunk.blankLines == ref.blanks, "\(label): blank lines", sourceLocation: sourceLocation)
    #expect(chunk.records == ref.records.count, "\(label): records", sourceLocation: sourceLocation)
    #expect(chunk.rejects.map(\.line) == ref.rejectLines, "\(label): rejected line numbers \(chunk.rejects)",
            sourceLocation: sourceLocation)
    #expect(chunk.accountingHolds, "\(label): lines == records + rejects + headers + blanks", sourceLocation: sourceLocation)
    guard chunk.records == ref.records.count else { return }
    var mismatches: [String] = []
    for (row, rec) in ref.records.enumerated() {
        let present = Set(rec.names)
        for (name, tok) in zip(rec.names, rec.tokens) {
            let expected: String? = tok == "-" ? nil : tok
            let actual: String?
            if let fid = FieldCatalog.id(of: name) { actual = chunk.batch.text(field: fid, row: row) } else { actual = chunk.extra(name, row) }
            let kind = RefFields.kinds[name] ?? .string
            let same: Bool
            switch (kind, expected, actual) {
            case (_, nil, nil): same = true
            case (.address, let e?, let a?): same = ptonBytes(e) != nil && ptonBytes(e) == ptonBytes(a)
            case (.u8, let e?, let a?), (.u16, let e?, let a?), (.u64, let e?, let a?), (.time, let e?, let a?):
                same = UInt64(e) != nil && UInt64(e) == UInt64(a)
            case (.string, let e?, let a?): same = e == a
            default: same = false
            }
            if !same { mismatches.append("row \(row) (line \(rec.line)) \(name): expected \(expected ?? "nil"), got \(actual ?? "nil")") }
        }
        // Columns that this row's format does not have must read as null.
        for spec in FieldCatalog.fields where !present.contains(spec.name) {
            if let v = chunk.batch.text(field: FieldCatalog.id(of: spec.name)!, row: row) {
                mismatches.append("row \(row) (line \(rec.line)) \(spec.name) not in its format but holds \(v)")
            }
        }
        for (name, column) in chunk.batch.extras where !present.contains(name) {
            if let v = column.value(row) { mismatches.append("row \(row) extra \(name) not in its format but holds \(v)") }
        }
    }
    #expect(mismatches.isEmpty, "\(label): \(mismatches.prefix(20).joined(separator: "; "))", sourceLocation: sourceLocation)
}

// MARK: - Guarding against hangs

private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

/// Runs `body` on its own thread and waits at most `seconds` for it. Returns nil when it did
/// not finish (the thread is left running: a hung parser cannot be cancelled).
func withDeadline<T>(seconds: Double = 10, _ body: @escaping @Sendable () -> T) -> T? {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        box.value = body()
        done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    return done.wait(timeout: .now() + seconds) == .success ? box.value : nil
}

/// Compares two batches column by column (codes and dictionaries included).
func batchDifferences(_ a: RecordBatch, _ b: RecordBatch) -> [String] {
    var out: [String] = []
    if a.rowCount != b.rowCount { out.append("rowCount \(a.rowCount) vs \(b.rowCount)") }
    for (i, spec) in FieldCatalog.fields.enumerated() {
        if a.ints[i] != b.ints[i] { out.append("ints \(spec.name)") }
        if a.addresses[i] != b.addresses[i] { out.append("addresses \(spec.name)") }
        switch (a.strings[i], b.strings[i]) {
        case (nil, nil): break
        case (let x?, let y?):
            if x.codes != y.codes { out.append("codes \(spec.name): \(x.codes) vs \(y.codes)") }
            if x.dictionary.arena != y.dictionary.arena || x.dictionary.offsets != y.dictionary.offsets {
                out.append("dictionary \(spec.name): \((1...max(1, x.dictionary.count)).filter { _ in x.dictionary.count > 0 }.map { x.dictionary.string(UInt32($0)) }) vs \((1...max(1, y.dictionary.count)).filter { _ in y.dictionary.count > 0 }.map { y.dictionary.string(UInt32($0)) })")
            }
        default: out.append("strings \(spec.name) present on one side only")
        }
    }
    if a.extras.map(\.name) != b.extras.map(\.name) { out.append("extras names") }
    for (x, y) in zip(a.extras, b.extras) where x.column.codes != y.column.codes
        || x.column.dictionary.arena != y.column.dictionary.arena {
        out.append("extra \(x.name)")
    }
    return out
}

// The plain way to order a batch by start: every column gathered through the permutation. The
// ingester assembles blocks in one copy instead (`BlockPieces`); tests hold it to this.
extension RecordBatch {
    /// The rows in `order` (new row -> old row, a permutation of every row).
    func reordered(_ order: [Int32]) -> RecordBatch {
        precondition(order.count == rowCount)
        var out = self
        order.withUnsafeBufferPointer { p in
            for i in ints.indices { if let c = ints[i] { out.ints[i] = c.gathered(p) } }
            for i in addresses.indices { if let c = addresses[i] { out.addresses[i] = c.gathered(p) } }
            for i in strings.indices { if let c = strings[i] { out.strings[i] = c.gathered(p) } }
            for k in extras.indices { out.extras[k].column = extras[k].column.gathered(p) }
            for k in partitions.indices { if let c = partitions[k] { out.partitions[k] = c.gathered(p) } }
            if let s = sourceIDs { out.sourceIDs = s.gathered(p) }
        }
        return out
    }

    /// These rows ordered by start time (see `TimeOrder`); unchanged without a start column or
    /// when already in order.
    func orderedByStart() -> RecordBatch {
        guard let start = ints[FieldCatalog.start], let order = TimeOrder.permutation(start) else { return self }
        return reordered(order)
    }
}

/// `out[i] = values[order[i]]` for every i; `values` itself when every value is the same (a
/// block's version, account, region, source file: a third of a v5 block's columns).
@inline(__always)
func gather<T: Equatable>(_ values: [T], _ order: UnsafeBufferPointer<Int32>) -> [T] {
    values.withUnsafeBufferPointer { v in
        if let first = v.first, !v.contains(where: { $0 != first }) { return values }
        return [T](unsafeUninitializedCapacity: order.count) { b, c in
            for i in 0..<order.count { (b.baseAddress! + i).initialize(to: v[Int(order[i])]) }
            c = order.count
        }
    }
}

extension IntColumn {
    func gathered(_ order: UnsafeBufferPointer<Int32>) -> IntColumn {
        IntColumn(values: gather(values, order), nulls: nulls.map { gather($0, order) }, nullCount: nullCount)
    }
}

extension AddressColumn {
    func gathered(_ order: UnsafeBufferPointer<Int32>) -> AddressColumn {
        AddressColumn(high: gather(high, order), low: gather(low, order), nulls: nulls.map { gather($0, order) },
                      nullCount: nullCount)
    }
}

extension StringColumn {
    func gathered(_ order: UnsafeBufferPointer<Int32>) -> StringColumn {
        StringColumn(codes: gather(codes, order), dictionary: dictionary)
    }
}
