import FlowSupport

/// Trino's scalar functions that analysts' flow-log queries use beyond the time and address
/// functions the binder knows by name: text (lower, split_part, ...), NULL handling (coalesce,
/// nullif), numbers (abs, round, ...), fields of a timestamp (hour, day_of_week, ...) and
/// date_diff. Evaluated row at a time (`CExpr.call`); a call whose arguments are all constants is
/// evaluated once when the query is bound. Text is counted in code points, as Trino counts it.
enum ScalarFunction: Equatable {
    case lower, upper, length, reverse, trim, ltrim, rtrim
    case concat, substr, splitPart, strpos, replace, startsWith
    case coalesce, nullif, greatest, least
    case abs, floor, ceil, round
    /// bitwise_and/or/xor/not of bigints (two's complement), as TCP flag tests use them.
    case bitwiseAnd, bitwiseOr, bitwiseXor, bitwiseNot
    /// concat_ws(separator, text...): NULLs after the separator skipped.
    case concatWs
    /// lpad/rpad(text, size, padding): padded or cut to `size` code points.
    case lpad, rpad
    /// try(x): NULL where computing x fails (a division by zero, a cast, an overflow).
    case `try`
    /// Text as a double (CAST, TRY_CAST).
    case parseDouble(isTry: Bool)
    case field(DateField)
    case dateDiff(DateUnit)
    /// A bigint as a double: where the arguments of coalesce, greatest, least or if mix the two.
    case toDouble
    /// A timestamp's day (CAST(ts AS DATE), date(ts)); a DATE's midnight (where a timestamp is
    /// wanted); text as a date or a timestamp (CAST, TRY_CAST).
    case toDate, dateToTimestamp, parseDate(isTry: Bool), parseTimestamp(isTry: Bool)
    /// a IS [NOT] DISTINCT FROM b: equality in which NULL equals NULL (never NULL itself).
    case distinctFrom(negated: Bool)
    /// regexp_like(text, constant pattern)
    case regexpLike(RegularExpression)
    /// regexp_like with a pattern POSIX cannot run (`\b`, lookahead, back-references, possessive
    /// quantifiers), by the backtracking matcher of the extraction functions.
    case regexpSearch(MatchPattern)
    /// regexp_extract(text, pattern[, group]): the group's text in the first match, NULL when
    /// none (the group number checked against the pattern when bound).
    case regexpExtract(MatchPattern, group: Int)
    /// regexp_replace(text, pattern[, replacement]): every match replaced.
    case regexpReplace(MatchPattern, MatchPattern.Replacement)
    /// regexp_count(text, pattern)
    case regexpCount(MatchPattern)
    /// regexp_position(text, pattern[, start[, occurrence]]): 1-based, -1 when not found.
    case regexpPosition(MatchPattern)
    /// date_parse(text, constant format), from_iso8601_timestamp(text), from_iso8601_date(text).
    case dateParse(DateFormat), fromISO8601Timestamp, fromISO8601Date

    /// A part of a timestamp (UTC), as Trino's functions of the same names return it.
    enum DateField: Equatable {
        case year, quarter, month, week, day, dayOfWeek, dayOfYear, hour, minute, second, millisecond, yearOfWeek

        /// A part of the time of day (a DATE has none).
        var isTimeOfDay: Bool { [.hour, .minute, .second, .millisecond].contains(self) }
    }

    static let fieldsByName: [String: DateField] = [
        "year": .year, "quarter": .quarter, "month": .month, "week": .week, "week_of_year": .week,
        "day": .day, "day_of_month": .day, "day_of_week": .dayOfWeek, "dow": .dayOfWeek,
        "day_of_year": .dayOfYear, "doy": .dayOfYear, "hour": .hour, "minute": .minute, "second": .second,
        "millisecond": .millisecond, "year_of_week": .yearOfWeek, "yow": .yearOfWeek,
    ]

    static let byName: [String: ScalarFunction] = [
        "lower": .lower, "upper": .upper, "length": .length, "reverse": .reverse, "trim": .trim, "ltrim": .ltrim,
        "rtrim": .rtrim, "concat": .concat, "substr": .substr, "substring": .substr, "split_part": .splitPart,
        "strpos": .strpos, "replace": .replace, "starts_with": .startsWith, "coalesce": .coalesce,
        "nullif": .nullif, "greatest": .greatest, "least": .least, "abs": .abs, "floor": .floor,
        "ceil": .ceil, "ceiling": .ceil, "round": .round, "bitwise_and": .bitwiseAnd, "bitwise_or": .bitwiseOr,
        "bitwise_xor": .bitwiseXor, "bitwise_not": .bitwiseNot, "concat_ws": .concatWs, "lpad": .lpad, "rpad": .rpad,
        "try": .try,
    ]
}

/// The units of date_add, date_diff and INTERVAL arithmetic.
enum DateUnit: String, Equatable, CaseIterable {
    case millisecond, second, minute, hour, day, week, month, quarter, year

    /// Milliseconds in one unit, for the units of fixed length.
    var fixedMilliseconds: Int64? {
        switch self {
        case .millisecond: return 1
        case .second: return 1000
        case .minute: return 60_000
        case .hour: return 3_600_000
        case .day: return 86_400_000
        case .week: return 7 * 86_400_000
        case .month, .quarter, .year: return nil
        }
    }

    /// Months in one unit, for the calendar units.
    var months: Int64 {
        switch self {
        case .month: return 1
        case .quarter: return 3
        case .year: return 12
        default: return 0
        }
    }
}

extension DateFunctions {
    /// `YYYY-MM-DD` as days since 1970-01-01, or nil (not that shape, or no such day).
    static func parseDate(_ s: String) -> Int64? {
        let b = Array(s.utf8)
        guard b.count == 10 else { return nil }
        return parseDate(b)
    }

    /// The date in `b[0..<10]`.
    private static func parseDate(_ b: [UInt8]) -> Int64? {
        guard b.count >= 10, b[4] == 0x2D, b[7] == 0x2D, let y = digits(b, 0..<4), let m = digits(b, 5..<7),
              let d = digits(b, 8..<10), (1...12).contains(m), d >= 1, d <= daysIn(year: y, month: m) else { return nil }
        return UTCTime.seconds(year: y, month: m, day: d) / 86_400
    }

    /// The decimal number in `b[r]`, nil unless every byte there is a digit.
    private static func digits(_ b: [UInt8], _ r: Range<Int>) -> Int? {
        guard r.upperBound <= b.count else { return nil }
        var v = 0
        for i in r {
            guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
            v = v * 10 + Int(b[i] - 0x30)
        }
        return v
    }

    /// `YYYY-MM-DD[ HH:MM[:SS[.fraction]]]` (or `T` between date and time) as milliseconds, or
    /// nil: not that shape, no such day, or a time of day out of range. Digits of the fraction
    /// past the milliseconds are dropped. (Bytes that were not digits once went into the sum, and
    /// one below '0' stopped the process.)
    static func parseTimestamp(_ s: String) -> Int64? {
        let b = Array(s.utf8)
        guard let days = parseDate(b) else { return nil }
        if b.count == 10 { return days * 86_400_000 }
        guard b.count >= 16, b[10] == 0x20 || b[10] == 0x54, b[13] == 0x3A, let h = digits(b, 11..<13), let mi = digits(b, 14..<16),
              h < 24, mi < 60 else { return nil }
        var sec = 0, ms = 0
        if b.count > 16 {
            guard b.count >= 19, b[16] == 0x3A, let ss = digits(b, 17..<19), ss < 60 else { return nil }
            sec = ss
            if b.count > 19 {
                guard b[19] == 0x2E, b.count > 20, b.count - 20 <= 12, digits(b, 20..<b.count) != nil else { return nil }
                let n = min(b.count - 20, 3)
                ms = digits(b, 20..<(20 + n))! * [100, 10, 1][n - 1]
            }
        }
        return days * 86_400_000 + Int64(((h * 60 + mi) * 60 + sec) * 1000 + ms)
    }

    /// `ms` plus `n` units (Trino's date_add): fixed units exactly; months, quarters and years
    /// on the calendar, the day of the month clamped to the last day of the month reached
    /// (2023-01-31 plus one month is 2023-02-28), as Trino does.
    static func add(_ unit: DateUnit, _ n: Int64, _ ms: Int64, function: String) throws -> Int64 {
        if let step = unit.fixedMilliseconds {
            let (delta, o1) = n.multipliedReportingOverflow(by: step)
            let (sum, o2) = ms.addingReportingOverflow(delta)
            if o1 || o2 { throw outOfRange(function) }
            return sum
        }
        let (months, o) = n.multipliedReportingOverflow(by: unit.months)
        guard !o, let r = plusMonths(ms, months) else { throw outOfRange(function) }
        return r
    }

    /// `ms` plus `months` calendar months, or nil past the years this engine can represent.
    static func plusMonths(_ ms: Int64, _ months: Int64) -> Int64? {
        let secs = floorDiv(ms, 1000)
        let c = UTCTime.civil(secs)
        let (total, o) = Int64(c.year * 12 + c.month - 1).addingReportingOverflow(months)
        // UTCTime works on years that 64-bit milliseconds can hold (about ±292 million).
        guard !o, abs(total) < 12 * 290_000_000 else { return nil }
        let year = Int(floorDiv(total, 12)), month = floorMod(total, 12) + 1
        let day = min(c.day, daysIn(year: year, month: month))
        let timeOfDay = ms - floorDiv(ms, 86_400_000) * 86_400_000
        let (days, o2) = UTCTime.seconds(year: year, month: month, day: day).multipliedReportingOverflow(by: 1000)
        let (r, o3) = days.addingReportingOverflow(timeOfDay)
        return o2 || o3 ? nil : r
    }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysIn(year: Int, month: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Whole units from `a` to `b` (Trino's date_diff): negative when `b` is earlier. Fixed
    /// units divide the milliseconds (truncating); calendar units count months as Joda-Time's
    /// month field does for Trino (see `monthsBetween`).
    static func diff(_ unit: DateUnit, _ a: Int64, _ b: Int64) throws -> Int64 {
        if let step = unit.fixedMilliseconds {
            let (d, o) = b.subtractingReportingOverflow(a)
            if o { throw outOfRange("date_diff") }
            return d / step  // truncated towards zero
        }
        return monthsBetween(a, b) / unit.months
    }

    /// Whole months from `a` to `b`, as Joda-Time's `getDifferenceAsLong` for months: the month
    /// numbers' difference, less one when `b` is earlier in its month (day and time of day) than
    /// `a` in its own; when `b` is the last day of its month, a later day of `a` counts as that
    /// day (January 31 to February 28 is one month). Antisymmetric.
    static func monthsBetween(_ a: Int64, _ b: Int64) -> Int64 {
        if b < a { return -monthsBetween(b, a) }
        let ca = UTCTime.civil(floorDiv(a, 1000)), cb = UTCTime.civil(floorDiv(b, 1000))
        var months = Int64((cb.year - ca.year) * 12 + (cb.month - ca.month))
        var dayA = ca.day
        if cb.day == daysIn(year: cb.year, month: cb.month) && dayA > cb.day { dayA = cb.day }
        let timeA = a - floorDiv(a, 86_400_000) * 86_400_000, timeB = b - floorDiv(b, 86_400_000) * 86_400_000
        if (cb.day, timeB) < (dayA, timeA) { months -= 1 }
        return months
    }

    /// A part of a timestamp.
    static func field(_ f: ScalarFunction.DateField, _ ms: Int64) -> Int64 {
        let secs = floorDiv(ms, 1000)
        let c = UTCTime.civil(secs)
        let days = floorDiv(secs, 86_400)
        let weekday = floorMod(days + 4, 7)  // 0 = Sunday
        func dayOfYear() -> Int { Int(days - UTCTime.seconds(year: c.year, month: 1, day: 1) / 86_400) + 1 }
        switch f {
        case .year: return Int64(c.year)
        case .quarter: return Int64((c.month - 1) / 3 + 1)
        case .month: return Int64(c.month)
        case .week: return Int64(isoWeek(year: c.year, dayOfYear: dayOfYear(), weekday: weekday).week)
        case .yearOfWeek: return Int64(isoWeek(year: c.year, dayOfYear: dayOfYear(), weekday: weekday).year)
        case .day: return Int64(c.day)
        case .dayOfWeek: return Int64(weekday == 0 ? 7 : weekday)  // ISO: Monday 1 ... Sunday 7
        case .dayOfYear: return Int64(dayOfYear())
        case .hour: return Int64(c.hour)
        case .minute: return Int64(c.minute)
        case .second: return Int64(c.second)
        case .millisecond: return Int64(floorMod(ms, 1000))
        }
    }
}

extension Evaluator {
    /// `f(args)` for one row.
    static func call(_ f: ScalarFunction, _ args: [CExpr], _ c: EvalContext) throws -> Scalar {
        switch f {
        case .distinctFrom(let negated):
            let a = try eval(args[0], c), b = try eval(args[1], c)
            let distinct = a.isNull || b.isNull ? a.isNull != b.isNull : compare(a, b, c) != 0
            return .bool(distinct != negated)
        case .coalesce:
            for a in args {
                let v = try eval(a, c)
                if !v.isNull { return v }
            }
            return .null
        case .nullif:
            let a = try eval(args[0], c)
            if a.isNull { return .null }
            return compare(a, try eval(args[1], c), c) == 0 ? .null : a
        case .greatest, .least:
            var best: Scalar = .null
            for a in args {
                let v = try eval(a, c)
                if v.isNull { return .null }
                if case .double(let d) = v, d.isNaN {
                    throw QueryRuntimeError(description: "Invalid argument to \(f == .greatest ? "greatest" : "least")(): NaN")
                }
                if best.isNull { best = v; continue }
                guard let o = compare(v, best, c) else { return .null }
                if f == .greatest ? o > 0 : o < 0 { best = v }
            }
            return best
        default:
            break
        }
        if f == .concat {
            var out = ""
            for a in args {
                let v = try eval(a, c)
                if v.isNull { return .null }
                out += textValue(v, c)
            }
            return .string(out)
        }
        if f == .concatWs {
            let separator = try eval(args[0], c)
            if separator.isNull { return .null }
            var parts: [String] = []
            for a in args.dropFirst() {
                let v = try eval(a, c)
                if !v.isNull { parts.append(textValue(v, c)) }
            }
            return .string(parts.joined(separator: textValue(separator, c)))
        }
        if f == .try {
            // Trino's try: an error computing the argument makes it NULL.
            do { return try eval(args[0], c) } catch is QueryRuntimeError { return .null }
        }
        // The rest take one to three arguments and are NULL when any of them is NULL. (No
        // array of arguments: allocating one per row was most of a call's cost.)
        let v0 = try eval(args[0], c)
        if v0.isNull { return .null }
        var v1 = Scalar.null, v2 = Scalar.null
        if args.count > 1 {
            v1 = try eval(args[1], c)
            if v1.isNull { return .null }
        }
        if args.count > 2 {
            v2 = try eval(args[2], c)
            if v2.isNull { return .null }
        }
        func value(_ i: Int) -> Scalar { i == 0 ? v0 : i == 1 ? v1 : v2 }
        func text(_ i: Int) -> String { textValue(value(i), c) }
        func int(_ i: Int) -> Int64 { if case .int(let v) = value(i) { return v }; return 0 }
        func timestamp(_ i: Int) -> Int64 { if case .timestamp(let v) = value(i) { return v }; return 0 }
        switch f {
        case .lower: return .string(text(0).lowercased())
        case .upper: return .string(text(0).uppercased())
        case .length: return .int(Int64(text(0).unicodeScalars.count))
        case .reverse: return .string(String(String.UnicodeScalarView(text(0).unicodeScalars.reversed())))
        case .trim, .ltrim, .rtrim:
            let s = Array(text(0).unicodeScalars)
            var lo = 0, hi = s.count
            if f != .rtrim { while lo < hi && s[lo].properties.isWhitespace { lo += 1 } }
            if f != .ltrim { while hi > lo && s[hi - 1].properties.isWhitespace { hi -= 1 } }
            return .string(String(String.UnicodeScalarView(s[lo..<hi])))
        case .substr:
            return .string(substr(text(0), int(1), args.count > 2 ? int(2) : Int64.max))
        case .splitPart:
            let delimiter = text(1), index = int(2)
            if delimiter.isEmpty || index <= 0 { return try splitPart(text(0), delimiter, index) }
            // Over the text's bytes in place (an address is formatted on the stack): only the
            // field returned becomes a String.
            return withText(v0, c) { splitPart(bytes: $0, Array(delimiter.utf8), index) }
        case .strpos:
            return .int(strpos(text(0), text(1)))
        case .replace:
            return .string(replace(text(0), text(1), args.count > 2 ? text(2) : ""))
        case .startsWith:
            return .bool(text(0).utf8.starts(with: text(1).utf8))
        case .abs:
            switch v0 {
            case .int(let v):
                if v == .min { throw QueryRuntimeError(description: "Value \(v) is out of range for abs(bigint)") }
                return .int(Swift.abs(v))
            case .double(let d): return .double(Swift.abs(d))
            default: return .null
            }
        case .floor, .ceil:
            guard case .double(let d) = v0 else { return v0 }
            return .double(f == .floor ? d.rounded(.down) : d.rounded(.up))
        case .round:
            return try round(v0, args.count > 1 ? int(1) : 0)
        case .bitwiseAnd: return .int(int(0) & int(1))
        case .bitwiseOr: return .int(int(0) | int(1))
        case .bitwiseXor: return .int(int(0) ^ int(1))
        case .bitwiseNot: return .int(~int(0))
        case .lpad, .rpad:
            return .string(try pad(text(0), int(1), text(2), left: f == .lpad))
        case .parseDouble(let isTry):
            let s = text(0)
            if let d = Double(s.trimmingSpaces) { return .double(d) }
            if isTry { return .null }
            throw QueryRuntimeError(description: "Cannot cast '\(s)' to DOUBLE")
        case .field(let part):
            return .int(DateFunctions.field(part, timestamp(0)))
        case .dateDiff(let unit):
            return .int(try DateFunctions.diff(unit, timestamp(0), timestamp(1)))
        case .toDouble:
            if case .int(let v) = v0 { return .double(Double(v)) }
            return v0
        case .regexpLike(let re):
            return .bool(withText(v0, c) { re.matches($0) })
        case .regexpSearch(let p):
            return .bool(p.matches(text(0)))
        case .dateParse(let fmt):
            return .timestamp(try DateFunctions.parse(text(0), fmt))
        case .fromISO8601Timestamp:
            return .timestamp(try DateFunctions.parseISO8601(text(0)))
        case .fromISO8601Date:
            let s = text(0)
            guard let days = DateFunctions.parseDate(s) else { throw DateFunctions.invalidFormat(s) }
            return .date(days)
        case .regexpExtract(let p, let group):
            return p.extract(text(0), group: group).map { .string($0) } ?? .null
        case .regexpReplace(let p, let replacement):
            return .string(p.replace(text(0), with: replacement))
        case .regexpCount(let p):
            return .int(Int64(p.count(text(0))))
        case .regexpPosition(let p):
            let start = args.count > 1 ? int(1) : 1, occurrence = args.count > 2 ? int(2) : 1
            if start < 1 { throw QueryRuntimeError(description: "start position cannot be smaller than 1") }
            if occurrence < 1 { throw QueryRuntimeError(description: "occurrence cannot be smaller than 1") }
            return .int(Int64(try p.position(text(0), start: Int(clamping: start), occurrence: Int(clamping: occurrence))))
        case .toDate:
            if case .timestamp(let ms) = v0 { return .date(DateFunctions.floorDiv(ms, 86_400_000)) }
            return v0
        case .dateToTimestamp:
            if case .date(let days) = v0 {
                let (ms, o) = days.multipliedReportingOverflow(by: 86_400_000)
                if o { throw DateFunctions.outOfRange("CAST to timestamp") }
                return .timestamp(ms)
            }
            return v0
        case .parseDate(let isTry):
            let s = text(0)
            if let days = DateFunctions.parseDate(s.trimmingSpaces) { return .date(days) }
            if isTry { return .null }
            throw QueryRuntimeError(description: "Value cannot be cast to date: \(s)")
        case .parseTimestamp(let isTry):
            let s = text(0)
            if let ms = DateFunctions.parseTimestamp(s.trimmingSpaces) { return .timestamp(ms) }
            if isTry { return .null }
            throw QueryRuntimeError(description: "Value cannot be cast to timestamp: \(s)")
        case .coalesce, .nullif, .greatest, .least, .concat, .distinctFrom, .concatWs, .try:
            return .null  // handled above
        }
    }

    /// Trino's substr: 1-based in code points; a negative start counts from the end; start 0,
    /// a length below 1 or a start outside the text give ''.
    static func substr(_ s: String, _ start: Int64, _ length: Int64) -> String {
        let u = Array(s.unicodeScalars)
        if start == 0 || length <= 0 || u.isEmpty { return "" }
        var from: Int64 = start > 0 ? start - 1 : Int64(u.count) + start
        if from < 0 || from >= Int64(u.count) { return "" }
        from = max(0, from)
        let to = length > Int64(u.count) - from ? Int64(u.count) : from + length
        return String(String.UnicodeScalarView(u[Int(from)..<Int(to)]))
    }

    /// Trino's split_part: the index-th (1-based) field between delimiters, NULL past the last
    /// field; an empty delimiter splits into code points.
    static func splitPart(_ s: String, _ delimiter: String, _ index: Int64) throws -> Scalar {
        guard index > 0 else { throw QueryRuntimeError(description: "Index must be greater than zero") }
        if delimiter.isEmpty {
            let u = Array(s.unicodeScalars)
            return index <= u.count ? .string(String(u[Int(index) - 1])) : .null
        }
        let parts = s.utf8.split(separator: Array(delimiter.utf8), omittingEmptySubsequences: false)
        guard index <= parts.count else { return .null }
        return .string(String(decoding: parts[Int(index) - 1], as: UTF8.self))
    }

    /// split_part for a non-empty delimiter and an index of at least 1, on UTF-8 bytes.
    static func splitPart(bytes s: UnsafeRawBufferPointer, _ d: [UInt8], _ index: Int64) -> Scalar {
        var field: Int64 = 1, start = 0, i = 0
        while i + d.count <= s.count {
            var hit = true
            for k in 0..<d.count where s[i + k] != d[k] { hit = false; break }
            if hit {
                if field == index { return .string(String(decoding: UnsafeRawBufferPointer(rebasing: s[start..<i]), as: UTF8.self)) }
                field += 1
                i += d.count
                start = i
            } else {
                i += 1
            }
        }
        return field == index ? .string(String(decoding: UnsafeRawBufferPointer(rebasing: s[start...]), as: UTF8.self)) : .null
    }

    /// Trino's strpos: the 1-based code point position of the first `sub` in `s`, 0 if none.
    static func strpos(_ s: String, _ sub: String) -> Int64 {
        if sub.isEmpty { return 1 }
        let a = Array(s.utf8), b = Array(sub.utf8)
        guard b.count <= a.count else { return 0 }
        for i in 0...(a.count - b.count) where a[i] == b[0] && Array(a[i..<(i + b.count)]) == b {
            // Code points before byte i: bytes that do not continue a UTF-8 sequence.
            return Int64(a[..<i].reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }) + 1
        }
        return 0
    }

    /// Trino's replace: every `search` replaced; an empty `search` puts `replacement` before
    /// every code point and at the end.
    static func replace(_ s: String, _ search: String, _ replacement: String) -> String {
        if search.isEmpty {
            var out = replacement
            for u in s.unicodeScalars { out.unicodeScalars.append(u); out += replacement }
            return out
        }
        let parts = s.utf8.split(separator: Array(search.utf8), omittingEmptySubsequences: false)
        return parts.map { String(decoding: $0, as: UTF8.self) }.joined(separator: replacement)
    }

    /// Trino's round: half away from zero; `decimals` places (negative: tens, hundreds, ...).
    /// Trino's lpad/rpad: `s` padded with repeats of `padding` to `size` code points, or cut to
    /// its first `size`.
    static func pad(_ s: String, _ size: Int64, _ padding: String, left: Bool) throws -> String {
        guard size >= 0 else { throw QueryRuntimeError(description: "Target length must be in the range [0..\(Int32.max)]") }
        let chars = Array(s.unicodeScalars), fill = Array(padding.unicodeScalars)
        let n = Int(Swift.min(size, Int64(Int32.max)))
        if chars.count >= n { return String(String.UnicodeScalarView(chars[0..<n])) }
        guard !fill.isEmpty else { throw QueryRuntimeError(description: "Padding string must not be empty") }
        var extra: [Unicode.Scalar] = []
        extra.reserveCapacity(n - chars.count)
        while extra.count < n - chars.count { extra.append(fill[extra.count % fill.count]) }
        return String(String.UnicodeScalarView(left ? extra + chars : chars + extra))
    }

    static func round(_ v: Scalar, _ decimals: Int64) throws -> Scalar {
        switch v {
        case .int(let x):
            guard decimals < 0 else { return .int(x) }
            if decimals < -18 { return .int(0) }
            var factor: Int64 = 1
            for _ in 0..<(-decimals) { factor *= 10 }
            let q = x / factor, r = x % factor
            var result = q
            if Swift.abs(r) * 2 >= factor { result += x < 0 ? -1 : 1 }
            let (m, o) = result.multipliedReportingOverflow(by: factor)
            if o { throw QueryRuntimeError(description: "Out of range for bigint: round(\(x), \(decimals))") }
            return .int(m)
        case .double(let d):
            if d.isNaN || d.isInfinite { return .double(d) }
            let factor = powerOfTen(decimals)
            let scaled = Swift.abs(d) * factor
            // Past 2^52 a double has no fraction left at this scale: it is already round.
            if !(scaled < 4_503_599_627_370_496) { return .double(d) }
            let r = (scaled + 0.5).rounded(.down) / factor
            return .double(d < 0 ? -r : r)
        default:
            return v
        }
    }

    /// 10^n as a double (exact for the powers a double holds exactly).
    static func powerOfTen(_ n: Int64) -> Double {
        var r = 1.0
        let k = Swift.min(Swift.abs(n), 400)
        for _ in 0..<k { r *= 10 }
        return n >= 0 ? r : 1 / r
    }
}

extension Binder {
    /// Binds `fn(args)` after checking its arguments' number and types.
    mutating func bindScalar(_ fn: ScalarFunction, _ f: FunctionCall, _ e: Expr, post: Bool) throws -> (CExpr, ValueType) {
        let name = f.name.name
        var args: [CExpr] = []
        var types: [ValueType] = []
        for a in f.arguments {
            let (c, t) = try bindExpr(a, post: post)
            args.append(c)
            types.append(t)
        }
        func arity(_ allowed: ClosedRange<Int>) throws {
            guard allowed.contains(args.count) else {
                let n = allowed.lowerBound == allowed.upperBound ? "\(allowed.lowerBound)" : "\(allowed.lowerBound) to \(allowed.upperBound)"
                throw error("\(name) takes \(n) argument\(allowed.upperBound == 1 ? "" : "s"), not \(args.count)", e.start)
            }
        }
        func want(_ i: Int, _ t: ValueType) throws { try expect(types[i], t, f.arguments[i].start, name) }
        func numeric(_ i: Int) throws {
            guard [.bigint, .double, .unknown].contains(types[i]) else {
                throw error("\(name) needs a number, not \(types[i])", f.arguments[i].start)
            }
        }
        let result: ValueType
        switch fn {
        case .lower, .upper, .reverse, .trim, .ltrim, .rtrim:
            try arity(1...1); try want(0, .varchar); result = .varchar
        case .length:
            try arity(1...1); try want(0, .varchar); result = .bigint
        case .concat:
            guard args.count >= 2 else { throw error("There must be two or more concatenation arguments", e.start) }
            for i in args.indices { try want(i, .varchar) }
            result = .varchar
        case .substr:
            try arity(2...3); try want(0, .varchar); try want(1, .bigint)
            if args.count == 3 { try want(2, .bigint) }
            result = .varchar
        case .splitPart:
            try arity(3...3); try want(0, .varchar); try want(1, .varchar); try want(2, .bigint); result = .varchar
        case .strpos:
            try arity(2...2); try want(0, .varchar); try want(1, .varchar); result = .bigint
        case .replace:
            try arity(2...3)
            for i in args.indices { try want(i, .varchar) }
            result = .varchar
        case .startsWith:
            try arity(2...2); try want(0, .varchar); try want(1, .varchar); result = .boolean
        case .coalesce, .greatest, .least:
            guard !args.isEmpty, fn == .coalesce || !types.contains(.boolean) else {
                throw error(args.isEmpty ? "\(name) needs at least one argument" : "\(name) cannot compare booleans", e.start)
            }
            result = try commonType(types, e.start, name)
            args = zip(args, types).map { Self.converted($0, $1, to: result) }
        case .nullif:
            try arity(2...2)
            try checkComparable(types[0], types[1], .equal, e.start)
            result = types[0]
        case .abs, .floor, .ceil:
            try arity(1...1); try numeric(0); result = types[0]
        case .round:
            try arity(1...2); try numeric(0)
            if args.count == 2 { try want(1, .bigint) }
            result = types[0]
        case .bitwiseAnd, .bitwiseOr, .bitwiseXor:
            try arity(2...2); try want(0, .bigint); try want(1, .bigint); result = .bigint
        case .bitwiseNot:
            try arity(1...1); try want(0, .bigint); result = .bigint
        case .concatWs:
            guard args.count >= 2 else { throw error("concat_ws needs a separator and at least one more argument", e.start) }
            for i in args.indices { try want(i, .varchar) }
            result = .varchar
        case .lpad, .rpad:
            try arity(3...3); try want(0, .varchar); try want(1, .bigint); try want(2, .varchar); result = .varchar
        case .try:
            try arity(1...1)
            // Not folded: a failure of constants is NULL at run time, as for any row.
            return (.call(.try, args), types[0])
        case .field, .dateDiff, .toDouble, .toDate, .dateToTimestamp, .parseDate, .parseTimestamp, .distinctFrom, .regexpLike, .parseDouble,
             .regexpSearch, .regexpExtract, .regexpReplace, .regexpCount, .regexpPosition, .dateParse, .fromISO8601Timestamp, .fromISO8601Date:
            throw error("\(name) is bound elsewhere", e.start)  // not in `byName`
        }
        return Self.folded(.call(fn, args), result)
    }

    /// The unit named by the first argument of date_add / date_diff.
    func dateUnit(_ f: FunctionCall, _ name: String) throws -> DateUnit {
        let units = DateUnit.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .literal(.string(let text)) = f.arguments[0].kind else {
            throw error("\(name) needs a unit constant (\(units)) as its first argument", f.arguments[0].start)
        }
        guard let unit = DateUnit(rawValue: text.lowercased()) else {
            throw error("'\(text)' is not a valid Timestamp field (\(name) takes \(units))", f.arguments[0].start)
        }
        return unit
    }

    /// The type that values of `types` have together: all the same (NULLs aside), or bigint and
    /// double mixed, which is double.
    func commonType(_ types: [ValueType], _ at: SourcePosition, _ name: String) throws -> ValueType {
        var result: ValueType = .unknown
        for t in types where t != .unknown {
            if result == .unknown || result == t { result = t; continue }
            if (result == .bigint && t == .double) || (result == .double && t == .bigint) { result = .double; continue }
            throw error("\(name) needs arguments of one type, not \(result) and \(t)", at)
        }
        return result
    }

    /// `e` of type `t` as a value of `target` (bigint made double where types mix).
    static func converted(_ e: CExpr, _ t: ValueType, to target: ValueType) -> CExpr {
        t == .bigint && target == .double ? .call(.toDouble, [e]) : e
    }

    /// `e`, evaluated now when all its inputs are constants (so `current_timestamp - INTERVAL
    /// '90' DAY` costs nothing per row). An evaluation that fails is left to run time, where
    /// it fails only if a row reaches it.
    static func folded(_ e: CExpr, _ t: ValueType) -> (CExpr, ValueType) {
        let inputs: [CExpr]
        switch e {
        case .call(_, let args): inputs = args
        case .dateAdd(_, let a, let b): inputs = [a, b]
        default: return (e, t)
        }
        guard inputs.allSatisfy({ if case .constant = $0 { return true }; return false }),
              let v = try? Evaluator.eval(e, EvalContext()) else { return (e, t) }
        return (.constant(v), t)
    }

    /// `timestamp ± INTERVAL 'n' unit` and `INTERVAL 'n' unit + timestamp`, as date_add; nil
    /// when neither side is an INTERVAL literal.
    mutating func bindIntervalArithmetic(_ op: BinaryOperator, _ l: Expr, _ r: Expr, _ e: Expr, post: Bool) throws -> (CExpr, ValueType)? {
        let (other, interval): (Expr, IntervalLiteral)
        if case .literal(.interval(let iv)) = r.kind {
            (other, interval) = (l, iv)
        } else if case .literal(.interval(let iv)) = l.kind {
            guard op == .add else { throw error("an INTERVAL minus a timestamp is not defined; write the timestamp first", e.start) }
            (other, interval) = (r, iv)
        } else {
            return nil
        }
        guard op == .add || op == .subtract else {
            throw error("an INTERVAL can only be added to or subtracted from a timestamp", e.start)
        }
        let (unit, n) = try intervalValue(interval, e.start)
        let (ts, t) = try bindExpr(other, post: post)
        if t == .date {
            // A DATE plus days, months or years is a DATE (Trino: no hours for a date).
            guard unit.fixedMilliseconds.map({ $0 >= 86_400_000 }) ?? true else {
                throw error("Cannot add hour, minute or second to a date", e.start)
            }
            let midnight = Self.folded(.call(.dateToTimestamp, [ts]), .timestamp).0
            let added = Self.folded(.dateAdd(unit: unit, .constant(.int(op == .subtract ? -n : n)), midnight), .timestamp).0
            return Self.folded(.call(.toDate, [added]), .date)
        }
        guard t == .timestamp || t == .unknown else {
            throw error("an INTERVAL can only be added to or subtracted from a timestamp, not \(t)", other.start)
        }
        return Self.folded(.dateAdd(unit: unit, .constant(.int(op == .subtract ? -n : n)), ts), .timestamp)
    }

    /// The unit and signed count of `INTERVAL '7' DAY` (one field, a whole number).
    func intervalValue(_ iv: IntervalLiteral, _ at: SourcePosition) throws -> (DateUnit, Int64) {
        if let to = iv.to {
            throw error("INTERVAL ... \(iv.from.rawValue) TO \(to.rawValue) is not supported; write one unit, such as INTERVAL '90' DAY", at)
        }
        var text = Substring(iv.value.trimmingSpaces)
        var negative = iv.negative
        if text.hasPrefix("-") { negative.toggle(); text = text.dropFirst() } else if text.hasPrefix("+") { text = text.dropFirst() }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(text) else {
            throw error("'\(iv.value)' is not a valid \(iv.from.rawValue) interval (a whole number is)", at)
        }
        let unit: DateUnit
        switch iv.from {
        case .year: unit = .year
        case .month: unit = .month
        case .day: unit = .day
        case .hour: unit = .hour
        case .minute: unit = .minute
        case .second: unit = .second
        }
        return (unit, negative ? -n : n)
    }
}

extension String {
    /// Without leading and trailing spaces.
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

extension Binder {
    /// Names of the UTC zone (any case): Java's ids for it, and a zero offset.
    static let utcZoneNames: Set<String> = ["utc", "z", "gmt", "ut", "uct", "zulu", "universal", "etc/utc", "etc/gmt", "etc/uct",
                                            "etc/ut", "etc/zulu", "etc/universal", "gmt0", "etc/gmt0", "etc/gmt+0", "etc/gmt-0",
                                            "+00:00", "-00:00", "+0000", "+00", "utc+0", "gmt+0"]

    /// Checks that `zone` is a constant naming UTC: flowarc keeps every timestamp in UTC (as
    /// the flow logs give it), so another zone is refused rather than shown wrongly.
    func utcZone(_ zone: Expr, _ function: String) throws {
        guard case .literal(.string(let text)) = zone.kind else {
            throw error("\(function) needs the time zone as a constant such as 'UTC'", zone.start)
        }
        guard Self.utcZoneNames.contains(text.lowercased()) else {
            throw error("\(function): flowarc keeps timestamps in UTC; time zone '\(text)' is not supported (use 'UTC')", zone.start)
        }
    }

    /// A DATE where a timestamp is wanted: its midnight (Trino's implicit coercion).
    func timestampArgument(_ bound: (CExpr, ValueType)) throws -> (CExpr, ValueType) {
        bound.1 == .date ? (.call(.dateToTimestamp, [bound.0]), .timestamp) : bound
    }

    /// CAST(x AS DATE) / date(x): of a timestamp its day, of text the date it spells.
    func toDate(_ e: CExpr, _ t: ValueType, _ at: SourcePosition, isTry: Bool) throws -> CExpr {
        switch t {
        case .date, .unknown: return e
        case .timestamp: return .call(.toDate, [e])
        case .varchar: return .call(.parseDate(isTry: isTry), [e])
        default: throw error("cannot cast \(t) to date", at)
        }
    }

    /// A text constant compared with a DATE is the date it spells (Trino casts it): an error
    /// here when it spells none.
    func dateFromText(_ e: CExpr, _ t: ValueType, other: ValueType, _ at: SourcePosition) throws -> (CExpr, ValueType) {
        guard other == .date, t == .varchar, case .constant(.string(let s)) = e else { return (e, t) }
        guard let days = DateFunctions.parseDate(s.trimmingSpaces) else { throw error("Value cannot be cast to date: \(s)", at) }
        return (.constant(.date(days)), .date)
    }

    func dateFromText(_ bound: (CExpr, ValueType), other: ValueType, _ at: SourcePosition) throws -> (CExpr, ValueType) {
        try dateFromText(bound.0, bound.1, other: other, at)
    }
}

/// Text read as a time: Trino's date_parse (MySQL's specifiers, as Trino hands them to Joda)
/// and from_iso8601_timestamp / from_iso8601_date.
extension DateFunctions {
    /// The specifiers date_parse reads; any other is refused when the query is bound.
    static let parseSpecifiers: Set<UInt8> = Set("YymcdeHkhIlisSfpMbjTr".utf8)

    static func invalidFormat(_ s: String) -> QueryRuntimeError {
        QueryRuntimeError(description: "Invalid format: \"\(s)\"")
    }

    /// date_parse(text, format): the fields the format names, the others as in 1970-01-01
    /// 00:00:00 (Joda's defaults); a number takes as many digits as are there, up to its field's
    /// width; literal text must be there as written; nothing may be left over.
    static func parse(_ s: String, _ fmt: DateFormat) throws -> Int64 {
        let b = Array(s.utf8)
        var i = 0
        var year = 1970, month = 1, day = 1, dayOfYear: Int? = nil
        var hour = 0, minute = 0, second = 0, millis = 0
        var pm: Bool? = nil, hour12: Int? = nil
        func number(_ maxDigits: Int) throws -> Int {
            var v = 0, n = 0
            while n < maxDigits, i < b.count, b[i] >= 0x30, b[i] <= 0x39 { v = v * 10 + Int(b[i] - 0x30); i += 1; n += 1 }
            if n == 0 { throw invalidFormat(s) }
            return v
        }
        func word(_ names: [String], prefix: Int?) throws -> Int {
            for (k, name) in names.enumerated() {
                let w = Array((prefix.map { String(name.prefix($0)) } ?? name).lowercased().utf8)
                if i + w.count <= b.count, zip(b[i..<(i + w.count)], w).allSatisfy({ ($0 | 0x20) == $1 }) {
                    i += w.count
                    return k
                }
            }
            throw invalidFormat(s)
        }
        func literal(_ c: UInt8) throws {
            guard i < b.count, b[i] == c else { throw invalidFormat(s) }
            i += 1
        }
        func halfDay() throws { pm = try word(["AM", "PM"], prefix: nil) == 1 }
        /// A fraction of a second, up to nine digits, kept to the millisecond.
        func fraction() throws -> Int {
            let start = i
            var scaled = try number(9)
            let digits = i - start
            if digits < 3 { for _ in digits..<3 { scaled *= 10 } } else { for _ in 3..<digits { scaled /= 10 } }
            return scaled
        }
        for piece in fmt.pieces {
            switch piece {
            case .literal(let bytes):
                for c in bytes { try literal(c) }
            case .fraction:
                // Joda's S...: a fraction of a second, up to nine digits, kept to the millisecond.
                millis = try fraction()
            case .minuteUnpadded: minute = try number(2)
            case .secondUnpadded: second = try number(2)
            case .spec(let f):
                switch f {
                case UInt8(ascii: "Y"): year = try number(4)
                case UInt8(ascii: "y"):
                    // Two digits, in the hundred years around 2020 (Joda's pivot: 1970-2069).
                    let yy = try number(2)
                    year = yy < 70 ? 2000 + yy : 1900 + yy
                case UInt8(ascii: "m"), UInt8(ascii: "c"): month = try number(2)
                case UInt8(ascii: "d"), UInt8(ascii: "e"): day = try number(2)
                case UInt8(ascii: "H"), UInt8(ascii: "k"): hour = try number(2)
                case UInt8(ascii: "h"), UInt8(ascii: "I"), UInt8(ascii: "l"): hour12 = try number(2)
                case UInt8(ascii: "i"): minute = try number(2)
                case UInt8(ascii: "S"), UInt8(ascii: "s"): second = try number(2)
                case UInt8(ascii: "f"): millis = try fraction()
                case UInt8(ascii: "p"): try halfDay()
                case UInt8(ascii: "M"): month = try word(monthNames, prefix: nil) + 1
                case UInt8(ascii: "b"): month = try word(monthNames, prefix: 3) + 1
                case UInt8(ascii: "j"): dayOfYear = try number(3)
                case UInt8(ascii: "T"):
                    hour = try number(2); try literal(0x3A); minute = try number(2); try literal(0x3A); second = try number(2)
                case UInt8(ascii: "r"):
                    hour12 = try number(2); try literal(0x3A); minute = try number(2); try literal(0x3A); second = try number(2)
                    try literal(0x20); try halfDay()
                default:
                    try literal(f)  // (refused when bound; `%%` is a literal piece)
                }
            }
        }
        guard i == b.count else { throw invalidFormat(s) }
        if let h = hour12 {
            guard (1...12).contains(h) else { throw invalidFormat(s) }
            hour = h % 12 + (pm == true ? 12 : 0)
        } else if pm == true, hour < 12 {
            hour += 12
        }
        guard (1...12).contains(month), day >= 1, day <= daysIn(year: year, month: month), hour < 24, minute < 60, second < 60 else {
            throw invalidFormat(s)
        }
        var days = UTCTime.seconds(year: year, month: month, day: day) / 86_400
        if let j = dayOfYear {
            guard j >= 1, j <= (isLeap(year) ? 366 : 365) else { throw invalidFormat(s) }
            days = UTCTime.seconds(year: year, month: 1, day: 1) / 86_400 + Int64(j - 1)
        }
        return days * 86_400_000 + Int64(((hour * 60 + minute) * 60 + second) * 1000 + millis)
    }

    /// from_iso8601_timestamp: `YYYY-MM-DD`, or with `THH:MM[:SS[.fraction]]`, then an optional
    /// zone (`Z`, `±HH`, `±HH:MM`, `±HHMM`; none is UTC, Athena's session zone), as the instant
    /// in UTC.
    static func parseISO8601(_ s: String) throws -> Int64 {
        var text = s
        var offsetMinutes = 0
        if text.hasSuffix("Z") {
            text.removeLast()
        } else if let sign = text.lastIndex(where: { $0 == "+" || $0 == "-" }), text.distance(from: text.startIndex, to: sign) > 10 {
            // A zone after the time (the date's own '-' come before position 10).
            let zone = Array(text[text.index(after: sign)...].utf8).filter { $0 != 0x3A }
            guard zone.count == 2 || zone.count == 4, zone.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw invalidFormat(s) }
            let h = Int(zone[0] - 0x30) * 10 + Int(zone[1] - 0x30)
            let m = zone.count == 4 ? Int(zone[2] - 0x30) * 10 + Int(zone[3] - 0x30) : 0
            guard h <= 18, m < 60 else { throw invalidFormat(s) }
            offsetMinutes = (h * 60 + m) * (text[sign] == "-" ? -1 : 1)
            text = String(text[..<sign])
        }
        // The date and time as `parseTimestamp` reads them, with 'T' (not a space) between.
        let b = Array(text.utf8)
        guard b.count == 10 || (b.count > 10 && b[10] == 0x54), let local = parseTimestamp(text) else { throw invalidFormat(s) }
        return local - Int64(offsetMinutes) * 60_000
    }
}
