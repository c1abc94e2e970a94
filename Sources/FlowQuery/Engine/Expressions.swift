import FlowArchive
import FlowLog

/// An expression bound to archive columns and checked for types, ready to evaluate per row.
indirect enum CExpr {
    case constant(Scalar)
    /// An archive column, by its slot in the query's column list.
    case column(slot: Int, kind: FieldKind)
    case not(CExpr)
    case and([CExpr])
    case or([CExpr])
    case compare(BinaryOperator, CExpr, CExpr)
    /// `textcolumn <op> 'constant'`: decided once per distinct dictionary code of a block (the
    /// result cached in `BlockData.textCaches[cache]`), then a table lookup per row.
    case textCompare(slot: Int, BinaryOperator, [UInt8], cache: Int)
    case arithmetic(BinaryOperator, CExpr, CExpr)
    case negate(CExpr)
    case like(CExpr, LikePattern, negated: Bool)
    /// `addresscolumn [NOT] LIKE 'a.b.%'` run as a range check: the text of an address starts
    /// with whole octets `a.b.` exactly when it is an IPv4 address in a.b.0.0/16.
    case likeAddressPrefix(CExpr, network: IPAddress, prefix: Int, negated: Bool)
    case inList(CExpr, [CExpr], negated: Bool)
    /// `x [NOT] IN` a long list of constants (an IN subquery): the list for the column kernels,
    /// a hash set for row-at-a-time evaluation.
    case inSet(CExpr, ConstantSet, [CExpr], negated: Bool)
    case between(CExpr, CExpr, CExpr, negated: Bool)
    case isNull(CExpr, negated: Bool)
    /// CAST(varchar AS IPADDRESS)
    case toIP(CExpr, isTry: Bool)
    /// contains(cidr, ip)
    case cidrContains(network: IPAddress, prefix: Int, CExpr)
    case fromUnixtime(CExpr)
    case toUnixtime(CExpr)
    case castToVarchar(CExpr)
    /// CAST to an integer type: computed as bigint, checked against the type's range.
    case castToInteger(CExpr, isTry: Bool, to: IntegerTarget)
    case dateFormat(CExpr, format: DateFormat)
    case dateTrunc(unit: String, CExpr)
    case dateAdd(unit: DateUnit, CExpr, CExpr)
    /// A function of `ScalarFunction`, evaluated row by row.
    case call(ScalarFunction, [CExpr])
    /// `EvalContext.parameter`: a column's value given by the caller (a predicate decided once
    /// per dictionary code, `VectorFilter.Kernel.perCode`).
    case parameter
    /// Column i of the subquery in FROM, in the joined row being evaluated.
    case joined(Int)
    /// After aggregation: group key i, aggregate j.
    case groupKey(Int)
    case aggregate(Int)
    case caseWhen([(CExpr, CExpr)], CExpr?)
}

/// An integer type a CAST may ask for: Trino's tinyint, smallint, integer or bigint. Values are
/// bigint throughout the engine; a cast checks that they fit the type it names.
struct IntegerTarget: Equatable {
    let name: String
    let range: ClosedRange<Int64>
    static let bigint = IntegerTarget(name: "bigint", range: Int64.min...Int64.max)
    static let integer = IntegerTarget(name: "integer", range: Int64(Int32.min)...Int64(Int32.max))
    static let smallint = IntegerTarget(name: "smallint", range: Int64(Int16.min)...Int64(Int16.max))
    static let tinyint = IntegerTarget(name: "tinyint", range: Int64(Int8.min)...Int64(Int8.max))
}

/// A LIKE pattern compiled once: `%` any run, `_` one character (byte-wise on UTF-8, which is
/// exact for ASCII patterns; flow log text is ASCII).
struct LikePattern {
    enum Piece { case literal([UInt8]), any, one }
    /// The pattern cut at its `%`s, matched without backtracking over earlier `%`s.
    private let segments: Segments
    /// When the pattern is `literal%` with no other wildcard: the literal prefix.
    let prefixOnly: [UInt8]?
    let text: String

    init(_ pattern: String, escape: UInt8? = nil) {
        text = pattern
        var pieces: [Piece] = []
        var lit: [UInt8] = []
        var bytes = Array(pattern.utf8)[...]
        while let c = bytes.popFirst() {
            if let escape, c == escape, let next = bytes.popFirst() { lit.append(next); continue }
            if c == 0x25 || c == 0x5F {
                if !lit.isEmpty { pieces.append(.literal(lit)); lit = [] }
                pieces.append(c == 0x25 ? .any : .one)
            } else {
                lit.append(c)
            }
        }
        if !lit.isEmpty { pieces.append(.literal(lit)) }
        segments = Segments(pieces)
        if pieces.count == 2, case .literal(let l) = pieces[0], case .any = pieces[1] { prefixOnly = l } else { prefixOnly = nil }
    }

    func matches(_ s: UnsafeRawBufferPointer) -> Bool {
        if let p = prefixOnly {
            guard s.count >= p.count else { return false }
            for i in 0..<p.count where s[i] != p[i] { return false }
            return true
        }
        return segments.match(s)
    }


    /// A pattern as the runs between its `%`s, each a sequence of bytes and `_` (any one byte).
    /// With at least one `%`: the first run must match at the start, the last at the end, and
    /// each run between them at its leftmost place after the previous one; taking the leftmost
    /// place never loses a match, so the time is at most text length × pattern length. (Trying
    /// every place for every `%` in turn took time exponential in the number of `%`s: twenty
    /// of them against a short text ran for minutes.)
    struct Segments {
        /// 0...255 a byte, `one` any byte.
        static let one: UInt16 = 0x100
        var runs: [[UInt16]] = [[]]
        var hasAny = false

        init(_ pieces: [Piece]) {
            for p in pieces {
                switch p {
                case .literal(let l): runs[runs.count - 1] += l.map { UInt16($0) }
                case .one: runs[runs.count - 1].append(Self.one)
                case .any: hasAny = true; runs.append([])
                }
            }
        }

        @inline(__always)
        static func matchesAt(_ run: [UInt16], _ s: UnsafeRawBufferPointer, _ at: Int) -> Bool {
            for k in 0..<run.count where run[k] != one && UInt16(s[at + k]) != run[k] { return false }
            return true
        }

        func match(_ s: UnsafeRawBufferPointer) -> Bool {
            let first = runs[0]
            guard hasAny else { return s.count == first.count && Self.matchesAt(first, s, 0) }
            let last = runs[runs.count - 1]
            guard s.count >= first.count + last.count, Self.matchesAt(first, s, 0),
                  Self.matchesAt(last, s, s.count - last.count) else { return false }
            var i = first.count
            let end = s.count - last.count
            for run in runs.dropFirst().dropLast() where !run.isEmpty {
                var found = false
                while i + run.count <= end {
                    if Self.matchesAt(run, s, i) { found = true; break }
                    i += 1
                }
                if !found { return false }
                i += run.count
            }
            return true
        }
    }

    /// For an address column: the CIDR ranges whose text forms start with the prefix, when the
    /// prefix is whole dotted-decimal octets followed by a dot (`10.`, `192.168.`), so the LIKE
    /// runs as a range check and the block indexes can prune with it.
    var ipv4OctetPrefix: (network: IPAddress, prefix: Int)? {
        guard let p = prefixOnly, p.last == 0x2E else { return nil }
        let parts = p.dropLast().split(separator: 0x2E, omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            if part.count > 1 && part.first == 0x30 { return nil }
            let v = part.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard v <= 255 else { return nil }
            value = value << 8 | UInt32(v)
        }
        value <<= UInt32(8 * (4 - parts.count))
        return (IPAddress(ipv4: value), 96 + 8 * parts.count)
    }
}

/// An aggregate to compute per group.
struct AggregateSpec {
    enum Function {
        case count, countStar, sum, min, max, avg, countDistinct, arrayAggDistinct, arrayAgg, maxBy, minBy
        /// sum(DISTINCT x), avg(DISTINCT x): over the distinct non-NULL values of x.
        case sumDistinct, avgDistinct
        /// The distinct values of x with NULL counted as one too: count(*) over the rows of
        /// `SELECT DISTINCT keys, x` per keys (see `Query.aggregatedOverDistinctRows`); not
        /// written in SQL.
        case countDistinctRows
        /// var_samp, var_pop, stddev_samp, stddev_pop (and their other names).
        case varianceSample, variancePopulation, stddevSample, stddevPopulation
        /// approx_percentile(x, p): here exact, the value of nearest rank (`percentile`).
        case approxPercentile

        /// Whether the aggregate reads each distinct value of its argument once (what grouping on
        /// the argument gives: see `DistinctRegroup`). array_agg(DISTINCT x) keeps its values.
        var overDistinctValues: Bool {
            self == .countDistinct || self == .sumDistinct || self == .avgDistinct || self == .countDistinctRows
        }
    }
    var function: Function
    var argument: CExpr?
    var type: ValueType
    /// max_by(x, y) / min_by(x, y): y, the value whose greatest or least row gives x.
    var by: CExpr? = nil
    /// approx_percentile(x, p): p.
    var percentile: Double? = nil
}

/// The values of a long constant IN list as hash keys (see `JoinTable.Key` for how values of
/// different types meet).
final class ConstantSet: @unchecked Sendable {
    let keys: Set<JoinTable.Key>
    let hasNull: Bool

    init(_ values: [Value]) {
        var keys = Set<JoinTable.Key>()
        var hasNull = false
        for v in values {
            if let k = JoinTable.Key(v, address: false) { keys.insert(k) } else { hasNull = true }
        }
        self.keys = keys
        self.hasNull = hasNull
    }
}

extension CExpr {
    /// Calls `visit` on this expression and on every expression inside it.
    func forEach(_ visit: (CExpr) -> Void) {
        visit(self)
        switch self {
        case .not(let x), .negate(let x), .isNull(let x, _), .toIP(let x, _), .fromUnixtime(let x), .toUnixtime(let x),
             .castToVarchar(let x), .castToInteger(let x, _, _), .dateFormat(let x, _), .dateTrunc(_, let x),
             .like(let x, _, _), .likeAddressPrefix(let x, _, _, _), .cidrContains(_, _, let x):
            x.forEach(visit)
        case .and(let xs), .or(let xs):
            for x in xs { x.forEach(visit) }
        case .compare(_, let a, let b), .arithmetic(_, let a, let b), .dateAdd(_, let a, let b):
            a.forEach(visit); b.forEach(visit)
        case .between(let a, let b, let d, _):
            a.forEach(visit); b.forEach(visit); d.forEach(visit)
        case .inList(let a, let xs, _), .inSet(let a, _, let xs, _):
            a.forEach(visit); for x in xs { x.forEach(visit) }
        case .call(_, let xs):
            for x in xs { x.forEach(visit) }
        case .caseWhen(let ws, let els):
            for (a, b) in ws { a.forEach(visit); b.forEach(visit) }
            els?.forEach(visit)
        case .constant, .column, .textCompare, .groupKey, .aggregate, .joined, .parameter:
            break
        }
    }

    /// Whether this expression reads a column of the subquery in FROM.
    var readsJoined: Bool {
        var found = false
        forEach { if case .joined = $0 { found = true } }
        return found
    }

    /// The column slots this expression reads.
    var slots: Set<Int> {
        var s = Set<Int>()
        forEach { e in
            if case .column(let slot, _) = e { s.insert(slot) }
            if case .textCompare(let slot, _, _, _) = e { s.insert(slot) }
        }
        return s
    }
}

extension QueryPlan {
    /// Every expression a query evaluates besides WHERE: GROUP BY keys and the rest.
    var expressionsBesidesFilter: [CExpr] { groupKeys + expressionsBesidesKeysAndFilter }

    /// Outputs, aggregate arguments, HAVING, ORDER BY and the join's terms.
    var expressionsBesidesKeysAndFilter: [CExpr] {
        var all = outputs.map(\.expr) + aggregates.compactMap(\.argument) + aggregates.compactMap(\.by) + orderBy.map(\.expr)
        if let having { all.append(having) }
        if let j = join {
            all += j.archiveKeys
            if let r = j.onResidual { all.append(r) }
            if let p = j.postFilter { all.append(p) }
        }
        return all
    }
}
