import FlowArchive
import FlowLog
import FlowSupport

/// Raw views of one slot's decoded arrays, so that reading a value costs no retain/release.
/// Valid while the `BlockData` that made them holds the arrays unchanged.
struct SlotView {
    var values: UnsafePointer<UInt64>? = nil
    var nulls: UnsafePointer<UInt8>? = nil
    var high: UnsafePointer<UInt64>? = nil
    var low: UnsafePointer<UInt64>? = nil
    var codes: UnsafePointer<UInt32>? = nil
}

/// The decoded columns of one block that a query reads, by slot.
final class BlockData {
    var rows = 0
    var ints: [IntColumn?]
    var addresses: [AddressColumn?]
    /// Dictionary codes of address slots whose block stores them dictionary-encoded (WHERE
    /// kernels use them; `addresses` may then be nil when nothing else reads the slot).
    var addressCodes: [AddressCodes?]
    var strings: [StringColumn?]
    /// Per slot: the null flags of the last selected-rows decode when it found no NULL (reused).
    var spareNulls: [[UInt8]]
    /// Per `textCompare` node: -1 unknown, 0 false, 1 true, by dictionary code (reset per block).
    var textCaches: [[Int8]] = []
    /// One per slot, made by `makeViews()` after the columns are loaded.
    private(set) var views: UnsafeMutablePointer<SlotView>
    let slotCount: Int

    init(slots: Int) {
        slotCount = slots
        ints = Array(repeating: nil, count: slots)
        addresses = Array(repeating: nil, count: slots)
        addressCodes = Array(repeating: nil, count: slots)
        strings = Array(repeating: nil, count: slots)
        spareNulls = Array(repeating: [], count: slots)
        views = .allocate(capacity: max(1, slots))
        views.initialize(repeating: SlotView(), count: max(1, slots))
    }

    deinit { views.deallocate() }

    /// Fresh caches for the `count` `textCompare` nodes of a plan, each sized to the dictionary of
    /// its column in this block (codes index it directly), for the nodes in `expressions`.
    func resetTextCaches(_ count: Int, for expressions: [CExpr]) {
        guard count > 0 else { return }
        var sizes = [Int](repeating: 1, count: count)
        for e in expressions {
            e.forEach { x in
                if case .textCompare(let slot, _, _, let cache) = x { sizes[cache] = (strings[slot]?.dictionary.count ?? 0) + 1 }
            }
        }
        textCaches = sizes.map { [Int8](repeating: -1, count: $0) }
    }

    /// Points the views at the loaded arrays. The arrays are not mutated until the next load, and
    /// their storage stays where it is while this object holds them.
    /// Bumped by each `makeViews()`: values kept per dictionary code (`perCodeMemos`) are the
    /// current block's only while it is unchanged.
    private(set) var generation = 0
    /// Per `VectorExpr.perCode` (by its id): its values by dictionary code for block `generation`.
    var perCodeMemos: [Int: PerCodeMemo] = [:]

    func makeViews() {
        generation &+= 1
        for s in 0..<slotCount {
            var v = SlotView()
            if let c = ints[s] {
                v.values = c.values.withUnsafeBufferPointer { $0.baseAddress }
                v.nulls = c.nulls?.withUnsafeBufferPointer { $0.baseAddress }
            }
            if let c = addresses[s] {
                v.high = c.high.withUnsafeBufferPointer { $0.baseAddress }
                v.low = c.low.withUnsafeBufferPointer { $0.baseAddress }
                v.nulls = c.nulls?.withUnsafeBufferPointer { $0.baseAddress }
            }
            if let c = strings[s] { v.codes = c.codes.withUnsafeBufferPointer { $0.baseAddress } }
            views[s] = v
        }
    }
}

/// Where an expression's inputs come from: a row of a block, or (after aggregation) a group's
/// key values and aggregate results.
struct EvalContext {
    var block: BlockData?
    /// A row of `block`, or a group of `groups`.
    var row = 0
    var groups: Aggregator?
    /// The subquery rows of a join, and the one joined to `row` (-1: none, a LEFT JOIN's NULLs).
    var joined: JoinedRows?
    var joinRow = -1
    /// The value of `CExpr.parameter`.
    var parameter: Scalar = .null
}

/// Runtime errors Trino would raise (they abort the query with a message).
struct QueryRuntimeError: Error, CustomStringConvertible {
    let description: String
}

enum Evaluator {
    static func eval(_ e: CExpr, _ c: EvalContext) throws -> Scalar {
        switch e {
        case .constant(let s):
            return s
        case .column(let slot, let kind):
            let v = c.block.unsafelyUnwrapped.views[slot]
            let row = c.row
            switch kind {
            case .string:
                let code = v.codes.unsafelyUnwrapped[row]
                return code == 0 ? .null : .text(slot: slot, code: code)
            case .address:
                if let n = v.nulls, n[row] == 1 { return .null }
                return .addr(IPAddress(high: v.high.unsafelyUnwrapped[row], low: v.low.unsafelyUnwrapped[row]))
            default:
                if let n = v.nulls, n[row] == 1 { return .null }
                return .int(Int64(bitPattern: v.values.unsafelyUnwrapped[row]))
            }
        case .joined(let i):
            guard c.joinRow >= 0 else { return .null }
            return scalar(c.joined.unsafelyUnwrapped.rows[c.joinRow][i])
        case .groupKey(let k):
            return c.groups.unsafelyUnwrapped.keyScalar(k, c.row)
        case .aggregate(let j):
            return scalar(try c.groups.unsafelyUnwrapped.aggregateValue(j, c.row))
        case .not(let x):
            switch try eval(x, c) {
            case .bool(let v): return .bool(!v)
            default: return .null
            }
        case .and(let terms):
            var sawNull = false
            for t in terms {
                switch try eval(t, c) {
                case .bool(false): return .bool(false)
                case .bool(true): continue
                default: sawNull = true
                }
            }
            return sawNull ? .null : .bool(true)
        case .or(let terms):
            var sawNull = false
            for t in terms {
                switch try eval(t, c) {
                case .bool(true): return .bool(true)
                case .bool(false): continue
                default: sawNull = true
                }
            }
            return sawNull ? .null : .bool(false)
        case .compare(let op, let l, let r):
            let a = try eval(l, c), b = try eval(r, c)
            guard let order = compare(a, b, c) else { return .null }
            switch op {
            case .equal: return .bool(order == 0)
            case .notEqual: return .bool(order != 0)
            case .less: return .bool(order < 0)
            case .lessOrEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            case .greaterOrEqual: return .bool(order >= 0)
            default: return .null
            }
        case .textCompare(let slot, let op, let literal, let cache):
            let b = c.block.unsafelyUnwrapped
            let code = Int(b.views[slot].codes.unsafelyUnwrapped[c.row])
            if code == 0 { return .null }
            let known = b.textCaches[cache][code]
            if known >= 0 { return .bool(known == 1) }
            let order = b.strings[slot].unsafelyUnwrapped.dictionary.value(UInt32(code)).withUnsafeBytes { t in
                literal.withUnsafeBytes { compareBytes(t, $0) }
            }
            let result: Bool
            switch op {
            case .equal: result = order == 0
            case .notEqual: result = order != 0
            case .less: result = order < 0
            case .lessOrEqual: result = order <= 0
            case .greater: result = order > 0
            default: result = order >= 0
            }
            b.textCaches[cache][code] = result ? 1 : 0
            return .bool(result)
        case .arithmetic(let op, let l, let r):
            return try arithmetic(op, try eval(l, c), try eval(r, c))
        case .negate(let x):
            switch try eval(x, c) {
            case .int(let v):
                if v == .min { throw negationOverflow(v) }
                return .int(-v)
            case .double(let d): return .double(-d)
            default: return .null
            }
        case .like(let x, let pattern, let negated):
            let v = try eval(x, c)
            if v.isNull { return .null }
            let m = withText(v, c) { pattern.matches($0) }
            return .bool(m != negated)
        case .likeAddressPrefix(let x, let net, let prefix, let negated):
            guard case .addr(let a) = try eval(x, c) else { return .null }
            return .bool((AddressBloom.masked(a, prefix) == net) != negated)
        case .inList(let x, let items, let negated):
            let v = try eval(x, c)
            if v.isNull { return .null }
            var sawNull = false
            for i in items {
                let w = try eval(i, c)
                guard let o = compare(v, w, c) else { sawNull = true; continue }
                if o == 0 { return .bool(!negated) }
            }
            return sawNull ? .null : .bool(negated)
        case .inSet(let x, let set, _, let negated):
            let v = try eval(x, c)
            guard let k = JoinTable.Key(v, address: false, c) else { return .null }
            if set.keys.contains(k) { return .bool(!negated) }
            return set.hasNull ? .null : .bool(negated)
        case .between(let x, let lo, let hi, let negated):
            let v = try eval(x, c)
            guard let a = compare(v, try eval(lo, c), c), let b = compare(v, try eval(hi, c), c) else { return .null }
            return .bool((a >= 0 && b <= 0) != negated)
        case .isNull(let x, let negated):
            return .bool(try eval(x, c).isNull != negated)
        case .toIP(let x, let isTry):
            let v = try eval(x, c)
            switch v {
            case .null: return .null
            case .addr(let a), .ip(let a): return .ip(a)
            default:
                let parsed: IPAddress? = withText(v, c) { IPAddress.parse($0) }
                if let parsed { return .ip(parsed) }
                if isTry { return .null }
                throw QueryRuntimeError(description: "Cannot cast value to IPADDRESS: \(textValue(v, c))")
            }
        case .cidrContains(let net, let prefix, let x):
            guard case .ip(let a) = try eval(x, c) else { return .null }
            let lo = AddressBloom.masked(net, prefix)
            return .bool(AddressBloom.masked(a, prefix) == lo)
        case .fromUnixtime(let x):
            switch try eval(x, c) {
            case .int(let s):
                let (ms, o) = s.multipliedReportingOverflow(by: 1000)
                if o { throw DateFunctions.outOfRange("from_unixtime") }
                return .timestamp(ms)
            case .double(let d):
                guard let ms = Int64(exactly: (d * 1000).rounded(.down)) else { throw DateFunctions.outOfRange("from_unixtime") }
                return .timestamp(ms)
            default: return .null
            }
        case .toUnixtime(let x):
            guard case .timestamp(let ms) = try eval(x, c) else { return .null }
            return .double(Double(ms) / 1000)
        case .castToVarchar(let x):
            let v = try eval(x, c)
            if v.isNull { return .null }
            return .string(textValue(v, c))
        case .castToInteger(let x, let isTry, let target):
            let v = try eval(x, c)
            let n: Int64
            switch v {
            case .null: return .null
            case .int(let i): n = i
            case .double(let d):
                // Rounded half away from zero, as Trino rounds; NaN, infinities and values past
                // bigint have no integer.
                guard let i = Int64(exactly: d.rounded()) else {
                    if isTry { return .null }
                    throw QueryRuntimeError(description: "Out of range for \(target.name): \(d)")
                }
                n = i
            default:
                guard let i = Int64(textValue(v, c)) else {
                    if isTry { return .null }
                    throw QueryRuntimeError(description: "Cannot cast '\(textValue(v, c))' to \(target.name.uppercased())")
                }
                n = i
            }
            if target.range.contains(n) { return .int(n) }
            if isTry { return .null }
            throw QueryRuntimeError(description: "Out of range for \(target.name): \(n)")
        case .dateFormat(let x, let fmt):
            guard case .timestamp(let ms) = try eval(x, c) else { return .null }
            return .string(DateFunctions.format(ms, fmt))
        case .dateTrunc(let unit, let x):
            guard case .timestamp(let ms) = try eval(x, c) else { return .null }
            return .timestamp(try DateFunctions.trunc(ms, unit))
        case .dateAdd(let unit, let n, let x):
            guard case .int(let k) = try eval(n, c), case .timestamp(let ms) = try eval(x, c) else { return .null }
            return .timestamp(try DateFunctions.add(unit, k, ms, function: "date_add"))
        case .call(let f, let args):
            return try call(f, args, c)
        case .parameter:
            return c.parameter
        case .caseWhen(let whens, let els):
            for (cond, result) in whens {
                if case .bool(true) = try eval(cond, c) { return try eval(result, c) }
            }
            return try els.map { try eval($0, c) } ?? .null
        }
    }

    /// Trino's error for -(-9223372036854775808).
    static func negationOverflow(_ v: Int64) -> QueryRuntimeError {
        QueryRuntimeError(description: "bigint negation overflow: \(v)")
    }

    static func arithmetic(_ op: BinaryOperator, _ a: Scalar, _ b: Scalar) throws -> Scalar {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let r: (Int64, Bool)
            switch op {
            case .add: r = x.addingReportingOverflow(y)
            case .subtract: r = x.subtractingReportingOverflow(y)
            case .multiply: r = x.multipliedReportingOverflow(by: y)
            case .divide:
                if y == 0 { throw QueryRuntimeError(description: "Division by zero") }
                r = x.dividedReportingOverflow(by: y)
            case .modulo:
                if y == 0 { throw QueryRuntimeError(description: "Division by zero") }
                r = x.remainderReportingOverflow(dividingBy: y)
            default: return .null
            }
            if r.1 { throw QueryRuntimeError(description: "bigint overflow in \(x) \(op.rawValue) \(y)") }
            return .int(r.0)
        case (.int, .double), (.double, .int), (.double, .double):
            let x = toDouble(a)!, y = toDouble(b)!
            switch op {
            case .add: return .double(x + y)
            case .subtract: return .double(x - y)
            case .multiply: return .double(x * y)
            case .divide: return .double(x / y)
            case .modulo: return .double(x.truncatingRemainder(dividingBy: y))
            default: return .null
            }
        default:
            return .null
        }
    }

    static func toDouble(_ s: Scalar) -> Double? {
        switch s {
        case .int(let v): return Double(v)
        case .double(let d): return d
        default: return nil
        }
    }

    /// Three-way comparison; nil when either side is NULL.
    static func compare(_ a: Scalar, _ b: Scalar, _ c: EvalContext) -> Int? {
        switch (a, b) {
        case (.null, _), (_, .null): return nil
        case (.int(let x), .int(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.ip(let x), .ip(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.timestamp(let x), .timestamp(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.date(let x), .date(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        // A DATE meets a TIMESTAMP as its midnight (Trino coerces the date).
        case (.date(let x), .timestamp(let y)): let m = x &* 86_400_000; return m < y ? -1 : (m > y ? 1 : 0)
        case (.timestamp(let x), .date(let y)): let m = y &* 86_400_000; return x < m ? -1 : (x > m ? 1 : 0)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.addr(let x), .addr(let y)) where x == y: return 0
        case (.text(let s1, let c1), .text(let s2, let c2)) where s1 == s2 && c1 == c2: return 0
        case (.interned(let x), .interned(let y)) where x == y: return 0
        default:
            if let x = toDouble(a), let y = toDouble(b) { return x < y ? -1 : (x > y ? 1 : 0) }
            // Text: bytewise on UTF-8, as Trino compares varchar.
            return withText(a, c) { ta in withText(b, c) { compareBytes(ta, $0) } }
        }
    }

    /// Byte-wise three-way comparison (Trino's varchar order on UTF-8).
    static func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// Runs `body` on the UTF-8 text of a text-like value without making a String for archive
    /// text (dictionary bytes) or IPv4 addresses (formatted on the stack).
    static func withText<R>(_ v: Scalar, _ c: EvalContext, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch v {
        case .text(let slot, let code):
            return c.block.unsafelyUnwrapped.strings[slot].unsafelyUnwrapped.dictionary.value(code).withUnsafeBytes(body)
        case .interned(let id):
            return c.groups.unsafelyUnwrapped.strings.dictionary.value(id).withUnsafeBytes(body)
        case .addr(let a):
            if let v4 = a.ipv4 {
                return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buf in
                    let n = IPAddress.writeIPv4(v4, to: buf)
                    return body(UnsafeRawBufferPointer(start: buf.baseAddress, count: n))
                }
            }
            var s = a.description
            return s.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        default:
            var s = textValue(v, c)
            return s.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
    }

    static func textValue(_ v: Scalar, _ c: EvalContext) -> String {
        switch v {
        case .null: return "NULL"
        case .int(let x): return String(x)
        case .double(let d): return Value.formatDouble(d)
        case .bool(let b): return b ? "true" : "false"
        case .ip(let a), .addr(let a): return a.description
        case .text(let slot, let code): return c.block.unsafelyUnwrapped.strings[slot].unsafelyUnwrapped.dictionary.string(code)
        case .interned(let id): return c.groups.unsafelyUnwrapped.strings.dictionary.string(id)
        case .string(let s): return s
        case .timestamp(let ms): return Value.formatTimestamp(ms)
        case .date(let days): return Value.formatDate(days)
        }
    }

    /// The result value of a scalar (strings are made here: once per result row).
    static func value(_ v: Scalar, _ c: EvalContext) -> Value {
        switch v {
        case .null: return .null
        case .int(let x): return .int(x)
        case .double(let d): return .double(d)
        case .bool(let b): return .bool(b)
        case .ip(let a): return .ip(a)
        case .addr(let a): return .string(a.description)
        case .text, .string, .interned: return .string(textValue(v, c))
        case .timestamp(let ms): return .timestamp(ms)
        case .date(let days): return .date(days)
        }
    }

    /// A Value back into the scalar domain (for expressions over aggregated results).
    static func scalar(_ v: Value) -> Scalar {
        switch v {
        case .null, .array: return .null
        case .int(let x): return .int(x)
        case .double(let d): return .double(d)
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        case .ip(let a): return .ip(a)
        case .timestamp(let ms): return .timestamp(ms)
        case .date(let days): return .date(days)
        }
    }
}

/// Trino's date functions on millisecond timestamps (UTC).
enum DateFunctions {
    /// MySQL-style formats as Trino's date_format: %Y %m %d %H %i %s %f %y %M? (the common ones).
    /// The error for a timestamp past what 64-bit milliseconds hold (Trino raises one too).
    static func outOfRange(_ function: String) -> QueryRuntimeError {
        QueryRuntimeError(description: "\(function): the timestamp is out of range")
    }

    /// a / b rounded towards negative infinity, for b > 0 (without overflowing at Int64.min).
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-(a + 1)) / b) - 1 }

    /// a modulo b in 0..<b, for b > 0.
    static func floorMod(_ a: Int64, _ b: Int64) -> Int { Int(a - floorDiv(a, b) * b) }

    /// Specifiers Trino documents as not supported: a format using one is refused when the
    /// query is bound, with Trino's message.
    static let unsupportedFormatSpecifiers: Set<Character> = ["D", "U", "u", "V", "w", "X"]

    /// The first unsupported specifier in `fmt`, if any.
    static func unsupportedSpecifier(_ fmt: String) -> Character? {
        var it = fmt.makeIterator()
        while let ch = it.next() {
            guard ch == "%", let f = it.next() else { continue }
            if unsupportedFormatSpecifiers.contains(f) { return f }
        }
        return nil
    }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                             "October", "November", "December"]
    static let dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// Trino's date_format (MySQL's specifiers, UTC): every documented specifier; `%x` for any
    /// other letter x is x. (Callers refuse the unsupported ones first.)
    static func format(_ ms: Int64, _ fmt: String) -> String {
        format(ms, DateFormat(fmt))
    }

    /// `format` with the format compiled once: the text is built in bytes, without a String
    /// per piece (per row, the String pieces and Character comparisons of the format were
    /// most of a GROUP BY date_format(...)).
    static func format(_ ms: Int64, _ fmt: DateFormat) -> String {
        let secs = floorDiv(ms, 1000)
        let c = UTCTime.civil(secs)
        let days = floorDiv(secs, 86_400)
        let weekday = floorMod(days + 4, 7)  // 0 = Sunday; 1970-01-01 was a Thursday
        let hour12 = c.hour % 12 == 0 ? 12 : c.hour % 12
        var out: [UInt8] = []
        out.reserveCapacity(32)
        /// `v` in decimal, zeros in front to `n` characters (a minus sign counts as one).
        func p(_ v: Int, _ n: Int) {
            var x = v.magnitude
            var length = 1
            var t = x
            while t >= 10 { t /= 10; length += 1 }
            let total = length + (v < 0 ? 1 : 0)
            if total < n { out.append(contentsOf: repeatElement(0x30, count: n - total)) }
            if v < 0 { out.append(0x2D) }
            // The digits written in place, last first (no array per number).
            out.append(contentsOf: repeatElement(0x30, count: length))
            var k = out.count - 1
            repeat { out[k] = UInt8(truncatingIfNeeded: x % 10) + 0x30; x /= 10; k -= 1 } while x > 0
        }
        func text(_ s: String) { out.append(contentsOf: s.utf8) }
        var iso: (week: Int, year: Int)? = nil
        func isoWeekNow() -> (week: Int, year: Int) {
            if let iso { return iso }
            let dayOfYear = Int(days - UTCTime.seconds(year: c.year, month: 1, day: 1) / 86_400) + 1
            let w = isoWeek(year: c.year, dayOfYear: dayOfYear, weekday: weekday)
            iso = w
            return w
        }
        for piece in fmt.pieces {
            switch piece {
            case .literal(let bytes): out.append(contentsOf: bytes)
            case .fraction(let digits):
                // Milliseconds as `digits` fraction digits (Joda's S...: cut, or zeros after the third).
                let millis = Int(ms - secs * 1000)
                let three = [millis / 100, millis / 10 % 10, millis % 10]
                for k in 0..<digits { out.append(UInt8(truncatingIfNeeded: k < 3 ? three[k] : 0) + 0x30) }
            case .minuteUnpadded: p(c.minute, 1)
            case .secondUnpadded: p(c.second, 1)
            case .spec(let f):
                switch f {
                case UInt8(ascii: "a"): text(String(dayNames[weekday].prefix(3)))
                case UInt8(ascii: "b"): text(String(monthNames[c.month - 1].prefix(3)))
                case UInt8(ascii: "c"): p(c.month, 1)
                case UInt8(ascii: "d"): p(c.day, 2)
                case UInt8(ascii: "e"): p(c.day, 1)
                case UInt8(ascii: "f"): p(Int(ms - secs * 1000) * 1000, 6)
                case UInt8(ascii: "H"): p(c.hour, 2)
                case UInt8(ascii: "h"), UInt8(ascii: "I"): p(hour12, 2)
                case UInt8(ascii: "i"): p(c.minute, 2)
                case UInt8(ascii: "j"): p(Int(days - UTCTime.seconds(year: c.year, month: 1, day: 1) / 86_400) + 1, 3)
                case UInt8(ascii: "k"): p(c.hour, 1)
                case UInt8(ascii: "l"): p(hour12, 1)
                case UInt8(ascii: "M"): text(monthNames[c.month - 1])
                case UInt8(ascii: "m"): p(c.month, 2)
                case UInt8(ascii: "p"): text(c.hour < 12 ? "AM" : "PM")
                case UInt8(ascii: "r"):
                    p(hour12, 2); out.append(0x3A); p(c.minute, 2); out.append(0x3A); p(c.second, 2)
                    text(c.hour < 12 ? " AM" : " PM")
                case UInt8(ascii: "S"), UInt8(ascii: "s"): p(c.second, 2)
                case UInt8(ascii: "T"):
                    p(c.hour, 2); out.append(0x3A); p(c.minute, 2); out.append(0x3A); p(c.second, 2)
                case UInt8(ascii: "v"): p(isoWeekNow().week, 2)
                case UInt8(ascii: "W"): text(dayNames[weekday])
                case UInt8(ascii: "x"): p(isoWeekNow().year, 4)
                case UInt8(ascii: "Y"): p(c.year, 4)
                case UInt8(ascii: "y"): p(((c.year % 100) + 100) % 100, 2)
                default: out.append(f)
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// ISO 8601 week (Monday first; week 1 holds the year's first Thursday) and its year.
    static func isoWeek(year: Int, dayOfYear: Int, weekday: Int) -> (week: Int, year: Int) {
        let isoDay = weekday == 0 ? 7 : weekday  // Monday 1 ... Sunday 7
        func weeks(_ y: Int) -> Int {
            // 53 when the year starts on a Thursday, or on a Wednesday in a leap year.
            let d = floorMod(UTCTime.seconds(year: y, month: 1, day: 1) / 86_400 + 4, 7)  // 0 = Sunday
            return d == 4 || (d == 3 && isLeap(y)) ? 53 : 52
        }
        let week = (dayOfYear - isoDay + 10) / 7
        if week < 1 { return (weeks(year - 1), year - 1) }
        if week > weeks(year) { return (1, year + 1) }
        return (week, year)
    }

    static func trunc(_ ms: Int64, _ unit: String) throws -> Int64 {
        func down(_ step: Int64) throws -> Int64 {
            let (r, o) = floorDiv(ms, step).multipliedReportingOverflow(by: step)
            if o { throw outOfRange("date_trunc") }
            return r
        }
        switch unit {
        case "second": return try down(1000)
        case "minute": return try down(60_000)
        case "hour": return try down(3_600_000)
        case "day": return try down(86_400_000)
        case "month", "year":
            let c = UTCTime.civil(floorDiv(ms, 1000))
            let (r, o) = UTCTime.seconds(year: c.year, month: unit == "year" ? 1 : c.month, day: 1).multipliedReportingOverflow(by: 1000)
            if o { throw outOfRange("date_trunc") }
            return r
        default: return ms
        }
    }
}

/// A pattern letter format_datetime does not format.
struct JodaPatternError: Error { let letter: Character }

/// A date_format format, cut once into literal text and specifiers (`DateFunctions.format`).
struct DateFormat: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case literal([UInt8])
        /// The letter after `%` (an ASCII byte); formatted by `DateFunctions.format`.
        case spec(UInt8)
        /// Joda's fields that MySQL's specifiers lack (format_datetime, to_iso8601): fraction
        /// digits of the second, and minute and second without a leading zero.
        case fraction(Int)
        case minuteUnpadded
        case secondUnpadded
    }
    let pieces: [Piece]

    init(pieces: [Piece]) { self.pieces = pieces }

    /// to_iso8601 of a timestamp (UTC, milliseconds): `2023-11-14T22:13:20.000Z`.
    static let iso8601 = DateFormat(pieces: [.spec(UInt8(ascii: "Y")), .literal([0x2D]), .spec(UInt8(ascii: "m")), .literal([0x2D]),
                                             .spec(UInt8(ascii: "d")), .literal([0x54]), .spec(UInt8(ascii: "H")), .literal([0x3A]),
                                             .spec(UInt8(ascii: "i")), .literal([0x3A]), .spec(UInt8(ascii: "s")), .literal([0x2E]),
                                             .fraction(3), .literal([0x5A])])

    /// A Joda-Time pattern as Trino's format_datetime reads it, in UTC: letters in runs (`yyyy`,
    /// `MM`, `EEE`), text in single quotes (`''` is a quote), anything else as it is. Throws the
    /// letter a pattern uses that this reader does not format (week-based fields, eras, ...).
    static func joda(_ pattern: String) throws(JodaPatternError) -> DateFormat {
        var pieces: [Piece] = []
        func literal(_ text: String) {
            if case .literal(let b)? = pieces.last { pieces[pieces.count - 1] = .literal(b + Array(text.utf8)) } else { pieces.append(.literal(Array(text.utf8))) }
        }
        func spec(_ c: Character) { pieces.append(.spec(c.asciiValue!)) }
        let chars = Array(pattern)
        var i = 0
        while i < chars.count {
            let ch = chars[i]
            if ch == "'" {
                // Quoted text; '' inside or outside quotes is one quote.
                var j = i + 1
                var text = ""
                while j < chars.count {
                    if chars[j] == "'" {
                        if j + 1 < chars.count && chars[j + 1] == "'" { text.append("'"); j += 2; continue }
                        break
                    }
                    text.append(chars[j]); j += 1
                }
                literal(i + 1 == j && j < chars.count ? "'" : text)
                i = j + 1
                continue
            }
            guard ch.isASCII, ch.isLetter else { literal(String(ch)); i += 1; continue }
            var n = 1
            while i + n < chars.count && chars[i + n] == ch { n += 1 }
            switch ch {
            case "y", "Y": spec(n == 2 ? "y" : "Y")  // Y: year of era, the same after year 0
            case "M": spec(n == 1 ? "c" : n == 2 ? "m" : n == 3 ? "b" : "M")
            case "d": spec(n == 1 ? "e" : "d")
            case "H": spec(n == 1 ? "k" : "H")
            case "h": spec(n == 1 ? "l" : "h")
            case "m": pieces.append(n == 1 ? .minuteUnpadded : .spec(UInt8(ascii: "i")))
            case "s": pieces.append(n == 1 ? .secondUnpadded : .spec(UInt8(ascii: "s")))
            case "S": pieces.append(.fraction(n))
            case "E": spec(n <= 3 ? "a" : "W")
            case "a": spec("p")
            case "D" where n == 3: spec("j")
            // The zone is UTC: its offset, or its id.
            case "Z": literal(n == 1 ? "+0000" : n == 2 ? "+00:00" : "UTC")
            case "z": literal(n <= 3 ? "UTC" : "Coordinated Universal Time")
            default: throw JodaPatternError(letter: ch)
            }
            i += n
        }
        return DateFormat(pieces: pieces)
    }

    /// `%%` is `%`, `%x` for a non-ASCII x is x, a trailing `%` is dropped (as before).
    init(_ fmt: String) {
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        var it = fmt.unicodeScalars.makeIterator()
        while let u = it.next() {
            guard u == "%" else { literal.append(contentsOf: String(u).utf8); continue }
            guard let f = it.next() else { break }
            if f.isASCII && f != "%" {
                if !literal.isEmpty { pieces.append(.literal(literal)); literal = [] }
                pieces.append(.spec(UInt8(f.value)))
            } else {
                literal.append(contentsOf: String(f).utf8)
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }
}

/// The values of one `VectorExpr.perCode` by dictionary code, for one block: state 0 not
/// computed, 1 a value, 2 NULL.
final class PerCodeMemo {
    var generation = -1
    var values: [Int64] = []
    var states: [UInt8] = []
}
