/// The zero-copy record parser: it scans a chunk of flow log text in place (memchr for line ends,
/// one forward pass per line that finds each field and parses its digits or address as it goes)
/// and writes values straight into column buffers. No `String` is made for a field unless a line
/// is rejected.

#if canImport(Glibc)
import Glibc
#endif
import Synchronization

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
    /// The records, copied into column arrays (`RecordParser.parse`); empty when they were left
    /// in `columns` instead.
    public var batch = RecordBatch()
    /// The records in the parser's own buffers (`RecordParser.parseInPlace`): the ingester
    /// appends them to its block straight from there and then hands the buffers back to the
    /// pool, so they are copied once rather than twice.
    public var columns: ColumnStore? = nil
    /// Records stored (rows of `batch` or `columns`).
    public var records = 0
    /// Lines seen: records + rejected + header + blank.
    public var lines = 0
    public var headerLines = 0
    public var blankLines = 0
    public var rejects: [RejectedLine] = []
    public var startMapping: FieldMapping
    public var endMapping: FieldMapping
    public var bytes = 0
}

/// Parses chunks of complete lines. One parser per worker; its column buffers come from a pool
/// (shared by the workers of an ingest run) and go back to it once their rows are copied out.
public struct RecordParser {
    public static let maxFields = 128

    private let pool: ColumnStorePool
    /// Scratch: where each line of the current chunk ends (its newline, or the text's end).
    private var lineEnds: [Int] = []
    private var starts = [Int](repeating: 0, count: RecordParser.maxFields + 1)
    private var ends = [Int](repeating: 0, count: RecordParser.maxFields + 1)

    public init(pool: ColumnStorePool = ColumnStorePool()) {
        self.pool = pool
    }

    /// Parses `text`, which holds whole lines (the last may lack its newline), starting with
    /// `mapping` (the mapping in force at the chunk's first line). The records are copied into
    /// `batch`.
    public mutating func parse(_ text: UnsafeRawBufferPointer, mapping: FieldMapping) -> ParsedChunk {
        var out = parseInPlace(text, mapping: mapping)
        if let store = out.columns {
            out.batch = store.makeBatch(rows: out.records)
            out.columns = nil
            pool.recycle(store)
        }
        return out
    }

    /// `parse`, leaving the records in a pooled `ColumnStore` (`columns`, nil when the text is
    /// empty). Give the store back with `ColumnStorePool.recycle` once its rows are copied out.
    public mutating func parseInPlace(_ text: UnsafeRawBufferPointer, mapping: FieldMapping) -> ParsedChunk {
        var out = ParsedChunk(startMapping: mapping, endMapping: mapping)
        out.bytes = text.count
        guard let base = text.baseAddress, text.count > 0 else { return out }
        let n = text.count
        // Find the lines first so every column buffer has a fixed size; their ends are kept for
        // the parse loop. 64 bytes per step, each newline a set bit (a memchr call per line of
        // ~250 bytes spent more on its calls than on scanning).
        lineEnds.removeAll(keepingCapacity: true)
        let full = n & ~63
        var w = 0
        while w < full {
            var m = FastScan.newlineMask64(base.assumingMemoryBound(to: UInt8.self) + w)
            while m != 0 {
                lineEnds.append(w &+ m.trailingZeroBitCount)
                m &= m &- 1
            }
            w &+= 64
        }
        var t = full
        while t < n {
            if base.load(fromByteOffset: t, as: UInt8.self) == 0x0A { lineEnds.append(t) }
            t &+= 1
        }
        if lineEnds.last.map({ $0 != n - 1 }) ?? true { lineEnds.append(n) }  // a last line without its newline
        let ends = lineEnds
        let store = pool.take()
        store.reset(capacity: ends.count)
        var plan = LinePlan(mapping: mapping, store: store)
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        var row = 0
        var pos = 0
        var lineNo = 0
        while pos < n {
            var lineEnd = ends[lineNo]
            lineNo += 1
            let next = lineEnd + 1
            if lineEnd > pos && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }  // CRLF
            // Skip leading blanks; an empty line is counted, not rejected.
            var i = pos
            while i < lineEnd && (bytes[i] == 0x20 || bytes[i] == 0x09) { i &+= 1 }
            if i == lineEnd {
                out.blankLines += 1
            } else if bytes[i] >= 0x61 && bytes[i] <= 0x7A, let header = headerMapping(text, i, lineEnd) {
                // A header line (the first line of every S3 object; files concatenated) switches the mapping.
                switch header {
                case .success(let m):
                    out.headerLines += 1
                    if m != out.endMapping {
                        out.endMapping = m
                        plan = LinePlan(mapping: m, store: store)
                    }
                case .failure(let why):
                    reject(&out, lineNo, text, pos, lineEnd, why)
                }
            } else if i >= 16 && next + 16 <= n && fastRecord(bytes, i, lineEnd, row, plan) {
                // The common case, done (the guard keeps the fast path's fixed-size reads inside
                // `text`: 16 bytes before the line's first token, 16 past its newline).
                row &+= 1
            } else if let why = parseRecord(bytes, i, lineEnd, row, plan) {
                reject(&out, lineNo, text, pos, lineEnd, why(out.endMapping))
            } else {
                row &+= 1
            }
            pos = next
        }
        out.lines = lineNo
        out.records = row
        out.columns = store
        return out
    }

    /// Parses one record into row `row` of the column buffers. Returns nil when stored, or a
    /// function making the reason when rejected (the row's values are then rolled back).
    /// The number of blank-separated tokens in `from..<end`.
    static func countTokens(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int) -> Int {
        var k = from, n = 0
        while k < end {
            while k < end && (p[k] == 0x20 || p[k] == 0x09) { k &+= 1 }
            if k < end { n += 1 }
            while k < end && p[k] != 0x20 && p[k] != 0x09 { k &+= 1 }
        }
        return n
    }

    /// A line with the wrong number of fields is reported as such, even when a value in it
    /// failed to parse first (the count is the real cause: columns are shifted).
    static func countReason(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int, _ expected: Int) -> ((FieldMapping) -> String)? {
        let found = countTokens(p, from, end)
        if found == expected { return nil }
        return { m in "expected \(m.count) fields (\(m.names.first ?? "")...\(m.names.last ?? "")), found \(found)" }
    }

    @inline(__always)
    private func parseRecord(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int, _ row: Int,
                             _ plan: LinePlan) -> ((FieldMapping) -> String)? {
        let count = plan.count
        let info = plan.info
        var i = from
        var f = 0
        while f < count {
            while i < end && (p[i] == 0x20 || p[i] == 0x09) { i &+= 1 }
            if i >= end {
                plan.rollback(row, upTo: f)
                return { m in "expected \(m.count) fields (\(m.names.first ?? "")...\(m.names.last ?? "")), found \(f)" }
            }
            let s = i
            switch info[f].kind {
            case .string:
                i = RecordParser.tokenEnd(p, i, end)
                if i - s == 1 && p[s] == 0x2D {
                    info[f].codes.unsafelyUnwrapped[row] = 0
                    info[f].inserted = false
                } else {
                    info[f].codes.unsafelyUnwrapped[row] = plan.intern(f, p, s, i)
                }
            case .address:
                // IPv4 inline while scanning; anything else (IPv6) is parsed from the token after.
                var value: UInt32 = 0, octet: UInt32 = 0, digits = 0, dots = 0
                var v4 = true
                while i < end {
                    let c = p[i]
                    if c == 0x20 || c == 0x09 { break }
                    let d = c &- 0x30
                    if d < 10 {
                        if digits == 1 && octet == 0 { v4 = false }
                        octet = octet &* 10 &+ UInt32(d)
                        digits &+= 1
                        if digits > 3 || octet > 255 { v4 = false }
                    } else if c == 0x2E {
                        if digits == 0 || dots == 3 { v4 = false }
                        value = value << 8 | octet
                        octet = 0; digits = 0; dots &+= 1
                    } else {
                        v4 = false
                    }
                    i &+= 1
                }
                if v4 && dots == 3 && digits > 0 {
                    info[f].hi.unsafelyUnwrapped[row] = 0
                    info[f].lo.unsafelyUnwrapped[row] = 0x0000_FFFF_0000_0000 | UInt64(value << 8 | octet)
                    info[f].nulls.unsafelyUnwrapped[row] = 0
                } else if i - s == 1 && p[s] == 0x2D {
                    info[f].nulls.unsafelyUnwrapped[row] = 1
                } else if let a = IPAddress.parse(UnsafeRawBufferPointer(start: p + s, count: i - s)) {
                    info[f].hi.unsafelyUnwrapped[row] = a.high
                    info[f].lo.unsafelyUnwrapped[row] = a.low
                    info[f].nulls.unsafelyUnwrapped[row] = 0
                } else {
                    plan.rollback(row, upTo: f)
                    if let why = RecordParser.countReason(p, from, end, count) { return why }
                    let token = RecordParser.quoted(p, s, i - s)
                    return { m in "field \(f + 1) (\(m.names[f])): '\(token)' is not an IP address" }
                }
            default:
                var v: UInt64 = 0
                var bad = false
                while i < end {
                    let c = p[i]
                    if c == 0x20 || c == 0x09 { break }
                    let d = c &- 0x30
                    if d >= 10 { bad = true }
                    v = v &* 10 &+ UInt64(d)
                    i &+= 1
                }
                let len = i - s
                if len == 1 && p[s] == 0x2D {
                    info[f].nulls.unsafelyUnwrapped[row] = 1
                } else {
                    if !bad && len >= 20 {
                        // Only 20-digit values can wrap: check those exactly.
                        var exact: UInt64 = 0
                        for k in s..<i {
                            let (m1, o1) = exact.multipliedReportingOverflow(by: 10)
                            let (m2, o2) = m1.addingReportingOverflow(UInt64(p[k] &- 0x30))
                            if o1 || o2 { bad = true; break }
                            exact = m2
                        }
                    }
                    let kind = info[f].kind
                    if bad || len == 0 {
                        plan.rollback(row, upTo: f)
                        if let why = RecordParser.countReason(p, from, end, count) { return why }
                        let digits = UnsafeBufferPointer(start: p + s, count: len).allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
                        let token = RecordParser.quoted(p, s, len)
                        let what = digits ? "is too large" : "is not a number"
                        return { m in "field \(f + 1) (\(m.names[f])): '\(token)' \(what)" }
                    }
                    if v > kind.maxValue {
                        plan.rollback(row, upTo: f)
                        if let why = RecordParser.countReason(p, from, end, count) { return why }
                        return { m in "field \(f + 1) (\(m.names[f])): \(v) is out of range (0 to \(kind.maxValue))" }
                    }
                    info[f].values.unsafelyUnwrapped[row] = v
                    info[f].nulls.unsafelyUnwrapped[row] = 0
                }
            }
            f &+= 1
        }
        while i < end && (p[i] == 0x20 || p[i] == 0x09) { i &+= 1 }
        if i < end {
            plan.rollback(row, upTo: count)
            let found = count + RecordParser.countTokens(p, i, end)
            return { m in "expected \(m.count) fields (\(m.names.first ?? "")...\(m.names.last ?? "")), found \(found)" }
        }
        return nil
    }

    /// Parses a well-formed line (the usual case) into row `row`: finds every token at once from
    /// blank bitmasks, then parses each with a kernel that knows its bounds. Returns false,
    /// leaving no trace, for anything it does not handle (a wrong field count, a value that does
    /// not parse, a number of 20 digits); `parseRecord` then decides and explains. The caller
    /// guarantees that the 16 bytes before `from` and the 16 after `end` are readable.
    @inline(__always)
    private func fastRecord(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int, _ row: Int, _ plan: LinePlan) -> Bool {
        let count = plan.count
        let starts = plan.tokenStarts, ends = plan.tokenEnds
        let len = end - from
        var ns = 0
        // Blanks inside the line: when there are `count - 1`, every separator is one byte and a
        // token ends one byte before the next one starts, so the ends need no extraction of
        // their own (AWS writes single spaces; runs of blanks take the rescan below).
        var blanks = 0
        // Bit k of a word: byte from + w + k is a blank. Bytes from `len` on count as blanks, so
        // the last token ends at the line end. `carry`: the byte before the word was a blank.
        var carry: UInt64 = 1
        var w = 0
        while w <= len {
            var blank: UInt64
            if w &+ 48 <= len {
                // All 64 bytes are readable (up to 16 past the line end): one call.
                blank = FastScan.blankMask64(p + from + w)
            } else {
                blank = FastScan.blankMask16(p + from + w)
                if w + 16 <= len { blank |= FastScan.blankMask16(p + from + w + 16) << 16 }
                if w + 32 <= len { blank |= FastScan.blankMask16(p + from + w + 32) << 32 }
            }
            let rest = len &- w
            if rest < 64 {
                let tail = UInt64.max &<< UInt64(rest)
                blanks &+= (blank & ~tail).nonzeroBitCount
                blank |= tail
            } else {
                blanks &+= blank.nonzeroBitCount
            }
            let before = (blank << 1) | carry
            var tokenStarts = ~blank & before
            carry = blank >> 63
            // A word holds at most 32 tokens and the scratch has room for `count + 40`, so the
            // count is checked once per word. The first eight positions of a word are stored
            // whatever it holds (stores past its last token are garbage, overwritten or never
            // read): a loop per token mispredicted its exit once per word and list, and a word
            // of a flow log line holds about seven tokens.
            let at = from &+ w
            let startCount = tokenStarts.nonzeroBitCount
            for k in 0..<8 {
                starts[ns &+ k] = at &+ tokenStarts.trailingZeroBitCount
                tokenStarts &= tokenStarts &- 1
            }
            var k = ns &+ 8
            while tokenStarts != 0 {
                starts[k] = at &+ tokenStarts.trailingZeroBitCount
                k &+= 1
                tokenStarts &= tokenStarts &- 1
            }
            ns &+= startCount
            if ns > count { return false }
            w &+= 64
        }
        if ns != count || count == 0 { return false }
        if blanks == count &- 1 {
            for f in 0..<(count &- 1) { ends[f] = starts[f &+ 1] &- 1 }
            ends[count &- 1] = end
        } else {
            for f in 0..<count { ends[f] = RecordParser.tokenEnd(p, starts[f], end) }
        }
        let info = plan.info
        let order = plan.order
        // Positions kind by kind (see `LinePlan.order`): each loop runs one kernel, so no
        // per-field switch on the kind. Numbers first: they are the likeliest to fail, and a
        // failure then comes before any interning that would have to be undone. A failure
        // rolls back every position (those not reached yet hold their empty values).
        for k in 0..<plan.intEnd {
            let f = order[k]
            let s = starts[f], e = ends[f]
            let n = e &- s
            if let v = FastScan.decimal(p, end: e, len: n), v <= info[f].maxValue {
                info[f].values.unsafelyUnwrapped[row] = v
                info[f].nulls.unsafelyUnwrapped[row] = 0
            } else if n == 1 && p[s] == 0x2D {
                info[f].nulls.unsafelyUnwrapped[row] = 1
            } else {
                plan.rollback(row, upTo: count)
                return false
            }
        }
        for k in plan.intEnd..<plan.addressEnd {
            let f = order[k]
            let s = starts[f], e = ends[f]
            let n = e &- s
            let g = info[f].sameAs
            if g >= 0 && FastScan.equalShort(p, s, starts[g], n, ends[g] &- starts[g]) {
                // pkt-srcaddr and pkt-dstaddr repeat srcaddr and dstaddr on most lines.
                info[f].hi.unsafelyUnwrapped[row] = info[g].hi.unsafelyUnwrapped[row]
                info[f].lo.unsafelyUnwrapped[row] = info[g].lo.unsafelyUnwrapped[row]
                info[f].nulls.unsafelyUnwrapped[row] = info[g].nulls.unsafelyUnwrapped[row]
            } else if let v4 = FastScan.ipv4(p, end: e, len: n) {
                info[f].hi.unsafelyUnwrapped[row] = 0
                info[f].lo.unsafelyUnwrapped[row] = 0x0000_FFFF_0000_0000 | UInt64(v4)
                info[f].nulls.unsafelyUnwrapped[row] = 0
            } else if n == 1 && p[s] == 0x2D {
                info[f].nulls.unsafelyUnwrapped[row] = 1
            } else if let a = IPAddress.parse(UnsafeRawBufferPointer(start: p + s, count: n)) {
                info[f].hi.unsafelyUnwrapped[row] = a.high
                info[f].lo.unsafelyUnwrapped[row] = a.low
                info[f].nulls.unsafelyUnwrapped[row] = 0
            } else {
                plan.rollback(row, upTo: count)
                return false
            }
        }
        // Text positions in position order, so the ENI's code is known before the ids that
        // depend on it (see `LinePlan.byAnchor`).
        var anchorCode: UInt32 = 0
        for k in plan.addressEnd..<count {
            let f = order[k]
            let s = starts[f], e = ends[f]
            let n = e &- s
            var code: UInt32 = 0
            if n == 1 && p[s] == 0x2D {
                info[f].inserted = false
            } else {
                // The repeat of the previous record's value is checked here, inline; then the
                // value before it (fields that alternate: ingress/egress, ACCEPT/REJECT); then
                // the value this position had with the same ENI; only what none holds goes to
                // the table (keys of up to 24 bytes are the tokens themselves).
                let key = InternKey(p + s, n)
                if info[f].lastKey == key && n <= InternKey.inlineLimit {
                    info[f].inserted = false
                    code = info[f].lastCode
                } else if info[f].priorKey == key && n <= InternKey.inlineLimit {
                    info[f].inserted = false
                    code = info[f].priorCode
                    info[f].priorKey = info[f].lastKey
                    info[f].priorCode = info[f].lastCode
                    info[f].lastKey = key
                    info[f].lastCode = code
                } else if anchorCode != 0 && n <= InternKey.inlineLimit {
                    let slot = plan.anchorSlot(k, anchorCode)
                    let cached = slot.pointee
                    if cached != 0 && info[f].table.unsafelyUnwrapped._withUnsafeGuaranteedRef({ $0.key(of: cached) }) == key {
                        info[f].inserted = false
                        info[f].priorKey = info[f].lastKey
                        info[f].priorCode = info[f].lastCode
                        info[f].lastKey = key
                        info[f].lastCode = cached
                        code = cached
                    } else {
                        code = plan.intern(f, key, p + s)
                        slot.pointee = code
                    }
                } else {
                    code = plan.intern(f, key, p + s)
                }
            }
            info[f].codes.unsafelyUnwrapped[row] = code
            if f == plan.anchor { anchorCode = code }
        }
        return true
    }

    /// A token as a reject reason shows it: whole up to 100 bytes, else its first 100 and its
    /// length (a 40 MB token was quoted whole into every copy of the reason).
    static func quoted(_ p: UnsafePointer<UInt8>, _ s: Int, _ n: Int) -> String {
        if n <= 100 { return String(decoding: UnsafeBufferPointer(start: p + s, count: n), as: UTF8.self) }
        return String(decoding: UnsafeBufferPointer(start: p + s, count: 100), as: UTF8.self) + "... (\(n) bytes)"
    }

    /// The end of the token starting at `i`: the first space or tab, or `end`. Ids are 8 to 30
    /// bytes long, so this looks at 8 bytes at a time (SWAR: a byte is a blank when it equals
    /// 0x20 or 0x09; the classic has-zero-byte test on x ^ 0x20.. and x ^ 0x09..).
    @inline(__always)
    static func tokenEnd(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var i = start
        let lows: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while i + 8 <= end {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            let sp = w ^ (lows &* 0x20)
            let tb = w ^ (lows &* 0x09)
            let hit = ((sp &- lows) & ~sp & highs) | ((tb &- lows) & ~tb & highs)
            if hit != 0 { return i + hit.trailingZeroBitCount / 8 }
            i &+= 8
        }
        while i < end && p[i] != 0x20 && p[i] != 0x09 { i &+= 1 }
        return i
    }

    private enum HeaderResult { case success(FieldMapping), failure(String) }

    /// A line is a header when every token could be a field name and at least half of them are
    /// known fields (a data line of ids like `eni-...` has none).
    private mutating func headerMapping(_ text: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> HeaderResult? {
        var count = 0
        var i = from
        while i < to {
            while i < to && (text[i] == 0x20 || text[i] == 0x09) { i &+= 1 }
            if i >= to { break }
            let s = i
            while i < to && text[i] != 0x20 && text[i] != 0x09 { i &+= 1 }
            if count == RecordParser.maxFields { return nil }
            let tok = UnsafeRawBufferPointer(rebasing: text[s..<i])
            if !FieldMapping.isPlausibleFieldName(tok) { return nil }
            starts[count] = s
            ends[count] = i
            count &+= 1
        }
        var known = 0
        for f in 0..<count where FieldCatalog.id(ofBytes: UnsafeRawBufferPointer(rebasing: text[starts[f]..<ends[f]])) != nil {
            known += 1
        }
        if known * 2 < count || known == 0 { return nil }
        var names: [String] = []
        var seen = Set<String>()
        for f in 0..<count {
            let name = String(decoding: text[starts[f]..<ends[f]], as: UTF8.self)
            if !seen.insert(name).inserted {
                return .failure("header line names field '\(name)' twice; the previous field list stays in force")
            }
            names.append(name)
        }
        return .success(FieldMapping(names: names))
    }

    private func reject(_ out: inout ParsedChunk, _ line: Int, _ text: UnsafeRawBufferPointer, _ from: Int, _ to: Int, _ why: String) {
        let shown = String(decoding: text[from..<min(to, from + 512)], as: UTF8.self)
        out.rejects.append(RejectedLine(line: line, reason: why, text: shown))
    }
}

/// Column buffers for one chunk: fixed-size unsafe buffers (the chunk's line count is known
/// before parsing), one per field that occurs, kept between chunks to avoid reallocating. Null
/// flags start at 1 and string codes at 0 (null), so rows of fields a line's format lacks are
/// null without any padding. The only unsafe memory of the parser lives here.
/// Recycles `ColumnStore`s between the parsers and the consumer of an ingest run, so that a
/// chunk's buffers are allocated (and their pages faulted in) once, not per chunk. Last in,
/// first out: the store handed back last is the likeliest to be in cache.
public final class ColumnStorePool: Sendable {
    private let free = Mutex<[ColumnStore]>([])

    public init() {}

    func take() -> ColumnStore {
        free.withLock { $0.popLast() } ?? ColumnStore()
    }

    /// Returns a store whose rows are no longer needed.
    public func recycle(_ store: ColumnStore) {
        free.withLock { $0.append(store) }
    }
}

/// The column buffers one chunk is parsed into: written by one parser, then only read (by the
/// consumer appending its rows to a block) until it is recycled. `@unchecked Sendable`: it
/// crosses threads through the ingest pipeline's queues, whose lock orders those phases.
public final class ColumnStore: @unchecked Sendable {
    private(set) var capacity = 0
    /// The rows of the current chunk (its line count): how far `prepare` fills.
    private(set) var rows = 0
    var values: [UnsafeMutablePointer<UInt64>?]
    var high: [UnsafeMutablePointer<UInt64>?]
    var low: [UnsafeMutablePointer<UInt64>?]
    var nulls: [UnsafeMutablePointer<UInt8>?]
    var codes: [UnsafeMutablePointer<UInt32>?]
    var dictionaries: [InternTable]
    var used: [Bool]
    // Fields a header named that flowarc does not know: text columns by name.
    var extraNames: [String] = []
    var extraCodes: [UnsafeMutablePointer<UInt32>] = []
    var extraDictionaries: [InternTable] = []
    /// Blocks (and the consumer working through the chunk) holding rows of this store: it goes
    /// back to the pool when the last of them lets go (see `BlockPieces`).
    private let holders = Atomic<Int>(0)

    /// Marks one more holder of the rows.
    public func hold() { holders.add(1, ordering: .relaxed) }

    /// Drops one holder; true when it was the last, and the store may be recycled.
    public func letGo() -> Bool {
        let left = holders.subtract(1, ordering: .acquiringAndReleasing).newValue
        precondition(left >= 0, "a column store let go more often than held")
        return left == 0
    }

    init() {
        let n = FieldCatalog.fields.count
        values = Array(repeating: nil, count: n)
        high = Array(repeating: nil, count: n)
        low = Array(repeating: nil, count: n)
        nulls = Array(repeating: nil, count: n)
        codes = Array(repeating: nil, count: n)
        dictionaries = (0..<n).map { _ in InternTable() }
        used = Array(repeating: false, count: n)
    }

    deinit { freeAll() }

    private func freeAll() {
        for p in values { p?.deallocate() }
        for p in high { p?.deallocate() }
        for p in low { p?.deallocate() }
        for p in nulls { p?.deallocate() }
        for p in codes { p?.deallocate() }
        for p in extraCodes { p.deallocate() }
        for i in values.indices { values[i] = nil; high[i] = nil; low[i] = nil; nulls[i] = nil; codes[i] = nil }
        extraCodes = []
    }

    /// Prepares for a chunk of at most `capacity` rows. The buffers are filled with nulls by
    /// `prepare` when a field is first used, and only as far as this chunk's rows.
    func reset(capacity newCapacity: Int) {
        if newCapacity > capacity {
            freeAll()
            capacity = max(newCapacity, 1024)
        } else {
            for p in extraCodes { p.deallocate() }
            extraCodes = []
        }
        rows = newCapacity
        for i in used.indices where used[i] {
            dictionaries[i].reset()
            used[i] = false
        }
        extraNames = []
        extraDictionaries = []
    }

    /// Makes the buffers of field `id` ready.
    func prepare(_ id: Int) {
        if used[id] { return }
        used[id] = true
        switch FieldCatalog.fields[id].kind {
        case .string:
            if codes[id] == nil { codes[id] = .allocate(capacity: capacity) }
            codes[id]!.update(repeating: 0, count: rows)
        case .address:
            if high[id] == nil { high[id] = .allocate(capacity: capacity); low[id] = .allocate(capacity: capacity) }
            if nulls[id] == nil { nulls[id] = .allocate(capacity: capacity) }
            nulls[id]!.update(repeating: 1, count: rows)
        default:
            if values[id] == nil { values[id] = .allocate(capacity: capacity) }
            if nulls[id] == nil { nulls[id] = .allocate(capacity: capacity) }
            nulls[id]!.update(repeating: 1, count: rows)
        }
    }

    func prepareExtra(_ name: String) -> Int {
        if let i = extraNames.firstIndex(of: name) { return i }
        let p = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        p.initialize(repeating: 0, count: rows)
        extraNames.append(name)
        extraCodes.append(p)
        extraDictionaries.append(InternTable())
        return extraNames.count - 1
    }

    /// Copies the first `rows` rows out into a `RecordBatch`.
    func makeBatch(rows: Int) -> RecordBatch {
        var b = RecordBatch()
        b.rowCount = rows
        for id in used.indices where used[id] {
            switch FieldCatalog.fields[id].kind {
            case .string:
                b.strings[id] = StringColumn(codes: Array(UnsafeBufferPointer(start: codes[id]!, count: rows)),
                                             dictionary: dictionaries[id].makeDictionary())
            case .address:
                // Null rows may hold stale values; zero them so equal columns compare equal. In
                // the raw buffers, with the null count in the same branch-free pass (on the
                // arrays, each write paid a uniqueness check).
                let nn = nulls[id]!, hi = high[id]!, lo = low[id]!
                var nullCount = 0
                for r in 0..<rows {
                    let isNull = nn[r] != 0
                    nullCount &+= Int(nn[r])
                    hi[r] = isNull ? 0 : hi[r]
                    lo[r] = isNull ? 0 : lo[r]
                }
                b.addresses[id] = AddressColumn(high: Array(UnsafeBufferPointer(start: hi, count: rows)),
                                                low: Array(UnsafeBufferPointer(start: lo, count: rows)),
                                                nulls: nullCount > 0 ? Array(UnsafeBufferPointer(start: nn, count: rows)) : nil,
                                                nullCount: nullCount)
            default:
                let nn = nulls[id]!, v = values[id]!
                var nullCount = 0
                for r in 0..<rows {
                    nullCount &+= Int(nn[r])
                    v[r] = nn[r] != 0 ? 0 : v[r]
                }
                b.ints[id] = IntColumn(values: Array(UnsafeBufferPointer(start: v, count: rows)),
                                       nulls: nullCount > 0 ? Array(UnsafeBufferPointer(start: nn, count: rows)) : nil,
                                       nullCount: nullCount)
            }
        }
        for (k, name) in extraNames.enumerated() {
            b.extras.append((name, StringColumn(codes: Array(UnsafeBufferPointer(start: extraCodes[k], count: rows)),
                                                dictionary: extraDictionaries[k].makeDictionary())))
        }
        return b
    }

}

/// What the hot loop needs about one field position of the current mapping.
struct PositionInfo {
    var kind: FieldKind
    /// `kind.maxValue`, looked up once per mapping rather than per value.
    var maxValue: UInt64 = .max
    var values: UnsafeMutablePointer<UInt64>?
    var hi: UnsafeMutablePointer<UInt64>?
    var lo: UnsafeMutablePointer<UInt64>?
    var nulls: UnsafeMutablePointer<UInt8>?
    var codes: UnsafeMutablePointer<UInt32>?
    /// The dictionary of a text position (owned by the `ColumnStore`, which outlives the plan).
    var table: Unmanaged<InternTable>?
    // The previous record's value at this position (its key; count -1 = none): consecutive
    // records repeat many values (account, region, action), so three word compares save a
    // hash lookup.
    var lastKey: InternKey
    var lastCode: UInt32
    /// The value this position had before `lastKey` (count -1 = none).
    var priorKey = InternKey.none
    var priorCode: UInt32 = 0
    /// Whether the current line added its value here to the dictionary (undone on reject).
    var inserted: Bool
    /// For an address position: an earlier address position whose text it usually repeats
    /// (pkt-srcaddr: srcaddr), or -1.
    var sameAs: Int = -1
}

/// Per-mapping lookups for the hot loop, in one raw array of `PositionInfo` so that reading and
/// updating them costs no bounds, uniqueness or exclusivity checks.
final class LinePlan {
    let count: Int
    let info: UnsafeMutablePointer<PositionInfo>
    /// Scratch for the fast path: where each token of the current line starts and ends.
    let tokenStarts: UnsafeMutablePointer<Int>
    let tokenEnds: UnsafeMutablePointer<Int>
    /// The positions grouped by kind, each group in position order: integers in
    /// `0..<intEnd`, addresses in `intEnd..<addressEnd`, text in `addressEnd..<count`.
    let order: UnsafeMutablePointer<Int>
    let intEnd: Int
    let addressEnd: Int
    /// The position of interface-id, or -1. An ENI belongs to one account, VPC, subnet,
    /// instance and AZ, so for each later text position `byAnchor` remembers the code it last
    /// had with each ENI (a direct-mapped cache on the ENI's code, checked against the table's
    /// key of the cached code): ids that change from record to record are then found without
    /// hashing.
    let anchor: Int
    static let anchorSlots = 512
    let byAnchor: UnsafeMutablePointer<UInt32>
    private let store: ColumnStore

    init(mapping: FieldMapping, store: ColumnStore) {
        self.store = store
        count = mapping.count
        info = .allocate(capacity: max(1, count))
        tokenStarts = .allocate(capacity: count + 40)
        tokenEnds = .allocate(capacity: count + 40)
        for (i, id) in mapping.fieldIDs.enumerated() {
            var p = PositionInfo(kind: .string, values: nil, hi: nil, lo: nil, nulls: nil, codes: nil, table: nil,
                                 lastKey: InternKey.none, lastCode: 0, inserted: false)
            if id >= 0 {
                store.prepare(id)
                p.kind = FieldCatalog.fields[id].kind
                p.maxValue = p.kind.maxValue
                p.values = store.values[id]; p.hi = store.high[id]; p.lo = store.low[id]
                p.nulls = store.nulls[id]; p.codes = store.codes[id]
                if p.kind == .string { p.table = Unmanaged.passUnretained(store.dictionaries[id]) }
            } else {
                let k = store.prepareExtra(mapping.names[i])
                p.codes = store.extraCodes[k]
                p.table = Unmanaged.passUnretained(store.extraDictionaries[k])
            }
            (info + i).initialize(to: p)
        }
        order = .allocate(capacity: max(1, count))
        var k = 0
        for f in 0..<count where info[f].kind.isInteger { order[k] = f; k += 1 }
        intEnd = k
        for f in 0..<count where info[f].kind == .address { order[k] = f; k += 1 }
        addressEnd = k
        for f in 0..<count where info[f].kind == .string { order[k] = f; k += 1 }
        let eni = FieldCatalog.id(of: "interface-id")
        anchor = mapping.fieldIDs.firstIndex { $0 == eni } ?? -1
        let slots = max(1, count - addressEnd) * LinePlan.anchorSlots
        byAnchor = .allocate(capacity: slots)
        byAnchor.initialize(repeating: 0, count: slots)
        for (i, id) in mapping.fieldIDs.enumerated() where id >= 0 {
            guard let refName = LinePlan.sameAsReference[FieldCatalog.fields[id].name],
                  let refID = FieldCatalog.id(of: refName), let g = mapping.fieldIDs.firstIndex(of: refID), g < i else { continue }
            info[i].sameAs = g
        }
    }

    static let sameAsReference = ["pkt-srcaddr": "srcaddr", "pkt-dstaddr": "dstaddr"]

    deinit {
        info.deinitialize(count: count)
        info.deallocate()
        tokenStarts.deallocate()
        tokenEnds.deallocate()
        order.deallocate()
        byAnchor.deallocate()
    }

    /// The `byAnchor` entry of the text position at `order[k]` for the ENI with code `anchorCode`.
    @inline(__always)
    func anchorSlot(_ k: Int, _ anchorCode: UInt32) -> UnsafeMutablePointer<UInt32> {
        byAnchor + ((k &- addressEnd) &* LinePlan.anchorSlots &+ Int(anchorCode & UInt32(LinePlan.anchorSlots - 1)))
    }

    /// Undoes what a rejected line wrote to positions `0..<upTo`: values, and dictionary entries
    /// it added, so a rejected line leaves no trace.
    func rollback(_ row: Int, upTo: Int) {
        var truncated = false
        for f in 0..<upTo {
            if info[f].kind == .string {
                let code = Int(info[f].codes![row])
                if info[f].inserted, code > 0, let table = info[f].table {
                    table.takeUnretainedValue().truncate(to: code - 1)
                    truncated = true
                }
                info[f].inserted = false
                info[f].codes![row] = 0
            } else {
                info[f].nulls![row] = 1
            }
        }
        for f in 0..<count { info[f].lastKey = InternKey.none; info[f].priorKey = InternKey.none }
        // The fast path fills `byAnchor` only after the last check that can fail, so it never
        // holds a code removed here; clearing it anyway (rare) keeps that from being an
        // invariant the callers must keep.
        if truncated { byAnchor.update(repeating: 0, count: max(1, count - addressEnd) * LinePlan.anchorSlots) }
    }

    @inline(__always)
    func intern(_ f: Int, _ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> UInt32 {
        let key = InternKey(p + s, e &- s)
        let pos = info + f
        if pos.pointee.lastKey == key && key.count <= InternKey.inlineLimit {
            pos.pointee.inserted = false
            return pos.pointee.lastCode
        }
        return intern(f, key, p + s)
    }

    /// `intern` past the check against the previous record's value.
    func intern(_ f: Int, _ key: InternKey, _ p: UnsafePointer<UInt8>) -> UInt32 {
        let pos = info + f
        // `_withUnsafeGuaranteedRef`: the store keeps the table alive, so no retain/release per value.
        let table = pos.pointee.table.unsafelyUnwrapped
        var code = table._withUnsafeGuaranteedRef { $0.lookup(key, p) }
        pos.pointee.inserted = code == 0
        if code == 0 { code = table._withUnsafeGuaranteedRef { $0.add(key, p) } }
        pos.pointee.priorKey = pos.pointee.lastKey
        pos.pointee.priorCode = pos.pointee.lastCode
        pos.pointee.lastKey = key
        pos.pointee.lastCode = code
        return code
    }
}
