/// The zero-copy record parser: it scans a chunk of flow log text in place (memchr for line ends,
/// one forward pass per line for fields, digits and addresses parsed straight from the bytes) and
/// appends values to column vectors. No `String` is made for a field unless a line is rejected.

#if canImport(Glibc)
import Glibc
#endif

/// A line that was not stored, and why.
public struct RejectedLine: Sendable, Equatable {
    /// 1-based line number in its file (relative to the chunk until the ingester fixes it up).
    public var line: Int
    public var reason: String
    /// The line's text (at most 512 bytes of it).
    public var text: String
}

/// What parsing one chunk produced.
public struct ParsedChunk: Sendable {
    public var batch = RecordBatch()
    /// Lines seen: records + rejected + header + blank.
    public var lines = 0
    public var headerLines = 0
    public var blankLines = 0
    public var rejects: [RejectedLine] = []
    public var startMapping: FieldMapping
    public var endMapping: FieldMapping
    public var bytes = 0

    public var records: Int { batch.rowCount }
}

/// Parses chunks of complete lines. One parser per worker; it keeps scratch space between chunks.
public struct RecordParser {
    public static let maxFields = 128

    private var starts = [Int](repeating: 0, count: RecordParser.maxFields + 1)
    private var ends = [Int](repeating: 0, count: RecordParser.maxFields + 1)
    // Per-position scratch for one row, validated before anything is appended.
    private var intScratch = [UInt64](repeating: 0, count: RecordParser.maxFields)
    private var nullScratch = [Bool](repeating: false, count: RecordParser.maxFields)
    private var addrScratch = [IPAddress](repeating: IPAddress(high: 0, low: 0), count: RecordParser.maxFields)

    public init() {}

    /// Parses `text`, which holds whole lines (the last may lack its newline), starting with
    /// `mapping` (the mapping in force at the chunk's first line).
    public mutating func parse(_ text: UnsafeRawBufferPointer, mapping: FieldMapping) -> ParsedChunk {
        var out = ParsedChunk(startMapping: mapping, endMapping: mapping)
        out.bytes = text.count
        guard let base = text.baseAddress, text.count > 0 else { return out }
        var plan = ColumnPlan(mapping: mapping, batch: &out.batch)
        var pos = 0
        let n = text.count
        var lineNo = 0
        while pos < n {
            lineNo += 1
            let nl = memchr(base + pos, 0x0A, n - pos)
            var lineEnd = nl.map { $0 - UnsafeMutableRawPointer(mutating: base) } ?? n
            let next = lineEnd + 1
            if lineEnd > pos && text[lineEnd - 1] == 0x0D { lineEnd -= 1 }  // CRLF
            parseLine(text, pos, lineEnd, lineNo, &out, &plan)
            pos = next
        }
        out.lines = lineNo
        out.batch.padAll()
        return out
    }

    @inline(__always)
    private mutating func parseLine(_ text: UnsafeRawBufferPointer, _ from: Int, _ to: Int, _ lineNo: Int,
                                    _ out: inout ParsedChunk, _ plan: inout ColumnPlan) {
        // Split on runs of spaces/tabs; leading and trailing blanks are ignored.
        var count = 0
        var i = from
        var tooMany = false
        while i < to {
            while i < to && (text[i] == 0x20 || text[i] == 0x09) { i &+= 1 }
            if i >= to { break }
            let s = i
            while i < to && text[i] != 0x20 && text[i] != 0x09 { i &+= 1 }
            if count == RecordParser.maxFields { tooMany = true; break }
            starts[count] = s
            ends[count] = i
            count &+= 1
        }
        if count == 0 { out.blankLines += 1; return }
        if tooMany {
            reject(&out, lineNo, text, from, to, "more than \(RecordParser.maxFields) fields")
            return
        }

        // A header line (files concatenated, or the first line of every S3 object) switches the mapping.
        let first = text[starts[0]]
        if first >= 0x61 && first <= 0x7A, let header = headerMapping(text, count) {
            switch header {
            case .success(let m):
                out.headerLines += 1
                if m != out.endMapping {
                    out.endMapping = m
                    plan = ColumnPlan(mapping: m, batch: &out.batch)
                }
            case .failure(let why):
                reject(&out, lineNo, text, from, to, why)
            }
            return
        }

        let fieldCount = plan.kinds.count
        if count != fieldCount {
            reject(&out, lineNo, text, from, to,
                   "expected \(fieldCount) fields (\(out.endMapping.names.first ?? "")...\(out.endMapping.names.last ?? "")), found \(count)")
            return
        }

        // Pass 1: validate and convert every numeric and address field.
        for f in 0..<fieldCount {
            let s = starts[f], e = ends[f]
            if e - s == 1 && text[s] == 0x2D { nullScratch[f] = true; continue }
            nullScratch[f] = false
            let kind = plan.kinds[f]
            switch kind {
            case .string:
                continue
            case .address:
                guard let a = IPAddress.parse(UnsafeRawBufferPointer(rebasing: text[s..<e])) else {
                    reject(&out, lineNo, text, from, to, "field \(f + 1) (\(out.endMapping.names[f])): '\(String(decoding: text[s..<e], as: UTF8.self))' is not an IP address")
                    return
                }
                addrScratch[f] = a
            default:
                var v: UInt64 = 0
                var ok = e - s <= 20
                var j = s
                while ok && j < e {
                    let d = text[j] &- 0x30
                    if d >= 10 { ok = false; break }
                    let (m, o1) = v.multipliedReportingOverflow(by: 10)
                    let (a, o2) = m.addingReportingOverflow(UInt64(d))
                    if o1 || o2 { ok = false; break }
                    v = a
                    j &+= 1
                }
                if !ok {
                    reject(&out, lineNo, text, from, to, "field \(f + 1) (\(out.endMapping.names[f])): '\(String(decoding: text[s..<e], as: UTF8.self))' is not a number")
                    return
                }
                if v > kind.maxValue {
                    reject(&out, lineNo, text, from, to, "field \(f + 1) (\(out.endMapping.names[f])): \(v) is out of range (0 to \(kind.maxValue))")
                    return
                }
                intScratch[f] = v
            }
        }

        // Pass 2: append. Columns this format does not have are padded later.
        let row = out.batch.rowCount
        for f in 0..<fieldCount {
            let slot = plan.slots[f]
            let isNull = nullScratch[f]
            switch plan.kinds[f] {
            case .string:
                if slot >= 0 {
                    out.batch.strings[slot]!.pad(to: row)
                    if isNull { out.batch.strings[slot]!.codes.append(0) } else {
                        let code = plan.intern(f, text, starts[f], ends[f], &out.batch.strings[slot]!.dictionary)
                        out.batch.strings[slot]!.codes.append(code)
                    }
                } else {
                    let k = -slot - 1
                    out.batch.extras[k].column.pad(to: row)
                    if isNull { out.batch.extras[k].column.codes.append(0) } else {
                        let code = plan.intern(f, text, starts[f], ends[f], &out.batch.extras[k].column.dictionary)
                        out.batch.extras[k].column.codes.append(code)
                    }
                }
            case .address:
                out.batch.addresses[slot]!.pad(to: row)
                if isNull { out.batch.addresses[slot]!.appendNull() } else { out.batch.addresses[slot]!.append(addrScratch[f]) }
            default:
                out.batch.ints[slot]!.pad(to: row)
                if isNull { out.batch.ints[slot]!.appendNull() } else { out.batch.ints[slot]!.append(intScratch[f]) }
            }
        }
        out.batch.rowCount = row + 1
    }

    private enum HeaderResult { case success(FieldMapping), failure(String) }

    /// A line is a header when every token could be a field name and at least half of them are
    /// known fields (a data line of ids like `eni-...` has none).
    private func headerMapping(_ text: UnsafeRawBufferPointer, _ count: Int) -> HeaderResult? {
        var known = 0
        for f in 0..<count {
            let tok = UnsafeRawBufferPointer(rebasing: text[starts[f]..<ends[f]])
            if !FieldMapping.isPlausibleFieldName(tok) { return nil }
            if FieldCatalog.id(ofBytes: tok) != nil { known += 1 }
        }
        if known * 2 < count || known == 0 { return nil }
        var names: [String] = []
        var seen = Set<String>()
        for f in 0..<count {
            let name = String(decoding: text[starts[f]..<ends[f]], as: UTF8.self)
            if !seen.insert(name).inserted { return .failure("header line names field '\(name)' twice; the previous field list stays in force") }
            names.append(name)
        }
        return .success(FieldMapping(names: names))
    }

    private func reject(_ out: inout ParsedChunk, _ line: Int, _ text: UnsafeRawBufferPointer, _ from: Int, _ to: Int, _ why: String) {
        let shown = String(decoding: text[from..<min(to, from + 512)], as: UTF8.self)
        out.rejects.append(RejectedLine(line: line, reason: why, text: shown))
    }
}

/// Per-mapping lookups for the hot loop: the kind and column slot of every position, and the
/// previous value of every string position (consecutive records of one ENI repeat most ids, so a
/// byte compare with the last value saves a hash lookup).
struct ColumnPlan {
    var kinds: [FieldKind]
    var slots: [Int]
    var lastStart: [Int]
    var lastLen: [Int]
    var lastCode: [UInt32]
    var lastBase: UnsafeRawPointer? = nil

    init(mapping: FieldMapping, batch: inout RecordBatch) {
        kinds = []
        slots = []
        for (i, id) in mapping.fieldIDs.enumerated() {
            if id >= 0 {
                let spec = FieldCatalog.fields[id]
                kinds.append(spec.kind)
                slots.append(id)
                switch spec.kind {
                case .string: if batch.strings[id] == nil { batch.strings[id] = StringColumn() }
                case .address: if batch.addresses[id] == nil { batch.addresses[id] = AddressColumn() }
                default: if batch.ints[id] == nil { batch.ints[id] = IntColumn() }
                }
            } else {
                kinds.append(.string)
                slots.append(-(batch.ensureExtra(mapping.names[i]) + 1))
            }
        }
        lastStart = Array(repeating: 0, count: kinds.count)
        lastLen = Array(repeating: -1, count: kinds.count)
        lastCode = Array(repeating: 0, count: kinds.count)
    }

    @inline(__always)
    mutating func intern(_ f: Int, _ text: UnsafeRawBufferPointer, _ s: Int, _ e: Int, _ dict: inout ByteDictionary) -> UInt32 {
        let len = e - s
        if lastLen[f] == len && lastBase == text.baseAddress,
           memcmpBytes(text.baseAddress! + lastStart[f], text.baseAddress! + s, len) {
            lastStart[f] = s
            return lastCode[f]
        }
        lastBase = text.baseAddress
        let code = dict.intern(UnsafeRawBufferPointer(rebasing: text[s..<e]))
        lastStart[f] = s
        lastLen[f] = len
        lastCode[f] = code
        return code
    }
}
