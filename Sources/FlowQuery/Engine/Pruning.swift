import FlowArchive
import FlowLog

/// What the block indexes can tell about a filter: a tree of conditions that may answer "no
/// row of this block can match" without reading the block. Anything it does not understand
/// answers "maybe".
indirect enum PruneCondition: CustomStringConvertible {
    case maybe
    case all([PruneCondition])
    case any([PruneCondition])
    /// The address column holds one of these addresses.
    case addressIn(String, [IPAddress])
    /// The address column holds an address in network/prefix (prefix in the 128-bit space).
    case addressInNetwork(String, IPAddress, Int)
    /// The integer column holds a value in one of these ranges.
    case intIn(String, [ClosedRange<UInt64>])
    /// The address column holds an address in this range (IPADDRESS order: 128-bit values).
    case addressRange(String, IPAddress, IPAddress)

    var description: String {
        switch self {
        case .maybe: return "-"
        case .all(let cs): return "(" + cs.map(\.description).joined(separator: " AND ") + ")"
        case .any(let cs): return "(" + cs.map(\.description).joined(separator: " OR ") + ")"
        case .addressIn(let c, let a): return "\(c) in {\(Self.listed(a.map(\.description), "addresses"))}"
        case .addressInNetwork(let c, let n, let p): return "\(c) in \(n)/\(n.isIPv4 ? p - 96 : p)"
        case .addressRange(let c, let lo, let hi): return "\(c) in [\(lo),\(hi)]"
        case .intIn(let c, let rs):
            return "\(c) in \(Self.listed(rs.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "[\($0.lowerBound),\($0.upperBound)]" }, "values"))"
        }
    }

    /// A list as `--explain` shows it: whole up to 12 items, else the first 10 and how many in
    /// all (a threat-intel list of thousands of addresses is one line, not kilobytes).
    static func listed(_ items: [String], _ noun: String) -> String {
        items.count <= 12 ? items.joined(separator: ",") : items.prefix(10).joined(separator: ",") + ",... (\(items.count) \(noun))"
    }

    var isUseful: Bool {
        switch self {
        case .maybe: return false
        case .all(let cs): return cs.contains { $0.isUseful }
        case .any(let cs): return cs.allSatisfy { $0.isUseful }
        default: return true
        }
    }

    /// Builds the condition from a WHERE clause.
    static func from(_ e: Expr) -> PruneCondition {
        switch e.kind {
        case .and(let ts): return simplify(.all(ts.map(from)))
        case .or(let ts): return simplify(.any(ts.map(from)))
        case .binary(let op, let l, let r) where op.isComparison:
            if let c = columnAndConstant(l, r) { return comparison(op, c.0, c.1) }
            if let c = columnAndConstant(r, l) { return comparison(op.flipped, c.0, c.1) }
            return .maybe
        case .inList(let x, let items, false):
            guard let col = column(x) else { return .maybe }
            var conds: [PruneCondition] = []
            for i in items {
                guard let k = constant(i) else { return .maybe }
                conds.append(comparison(.equal, col, k))
            }
            return simplify(.any(conds))
        case .between(let x, let lo, let hi, false):
            guard let col = column(x), let a = constant(lo), let b = constant(hi) else { return .maybe }
            return simplify(.all([comparison(.greaterOrEqual, col, a), comparison(.lessOrEqual, col, b)]))
        case .like(let x, let pattern, nil, false):
            guard let col = column(x), col.kind == .address, case .literal(.string(let p)) = pattern.kind,
                  let (net, prefix) = LikePattern(p).ipv4OctetPrefix else { return .maybe }
            return .addressInNetwork(col.archiveName, net, prefix)
        case .function(let f) where f.name.name == "contains" && f.arguments.count == 2:
            // (For an IPv6 network the network's range is wider than what matches, IPv4
            // excepted: still never "no" for a block that holds a match.)
            guard case .literal(.string(let text)) = f.arguments[0].kind, let cidr = try? CIDR(text),
                  let col = column(f.arguments[1]), col.kind == .address else { return .maybe }
            return .addressInNetwork(col.archiveName, cidr.network, cidr.prefix)
        default:
            return .maybe
        }
    }

    /// The WHERE clause as integer columns that must each lie in one of their ranges, when it
    /// is exactly that: an AND of comparisons (not `<>`), BETWEENs and IN lists of an integer
    /// column with integer literals. nil for anything else (`from` may drop terms it does not
    /// understand; this may not, since it answers "every row matches"). A block whose values of
    /// each such column have no NULL and lie, min to max, in one of its ranges matches on every
    /// row: a count over it needs no column decoded.
    static func exactIntRanges(_ e: Expr) -> [(column: String, ranges: [ClosedRange<UInt64>])]? {
        var out: [(column: String, ranges: [ClosedRange<UInt64>])] = []
        func intTerm(_ op: BinaryOperator, _ x: Expr, _ k: Expr) -> Bool {
            guard let col = column(x), col.kind.isInteger, case .literal(.integer) = k.kind, let c = constant(k),
                  case .intIn(let name, let ranges) = comparison(op, col, c) else { return false }
            out.append((name, ranges))
            return true
        }
        func add(_ e: Expr) -> Bool {
            switch e.kind {
            case .and(let ts):
                return ts.allSatisfy(add)
            case .binary(let op, let l, let r) where op.isComparison && op != .notEqual:
                if column(l) != nil { return intTerm(op, l, r) }
                return intTerm(op.flipped, r, l)
            case .between(let x, let lo, let hi, false):
                return intTerm(.greaterOrEqual, x, lo) && intTerm(.lessOrEqual, x, hi)
            case .inList(let x, let items, false):
                guard let col = column(x), col.kind.isInteger, !items.isEmpty else { return false }
                var ranges: [ClosedRange<UInt64>] = []
                for i in items {
                    guard case .literal(.integer) = i.kind, let c = constant(i),
                          case .intIn(_, let rs) = comparison(.equal, col, c) else { return false }
                    ranges += rs
                }
                out.append((col.archiveName, ranges))
                return true
            default:
                return false
            }
        }
        return add(e) && !out.isEmpty ? out : nil
    }

    /// Whether every row of block `block` satisfies `ranges` (see `exactIntRanges`), by the
    /// block's Min/Max indexes and null counts alone.
    static func everyRowMatches(_ ranges: [(column: String, ranges: [ClosedRange<UInt64>])], _ seg: SegmentReader, _ block: Int) -> Bool {
        ranges.allSatisfy { term in
            guard let ci = seg.columnIndex(named: term.column), let chunk = seg.blocks[block].chunk(forColumn: ci),
                  chunk.nullCount == 0, let r = seg.blockIndex(block, column: ci)?.intRange,
                  r.max <= UInt64(Int64.max) else { return false }  // past bigint: the scan reports it
            return term.ranges.contains { $0.contains(r.min) && $0.contains(r.max) }
        }
    }

    static func simplify(_ c: PruneCondition) -> PruneCondition {
        switch c {
        case .all(let cs):
            var useful: [PruneCondition] = []
            for c in cs {
                if case .maybe = c { continue }
                // Bounds of one address column as one range (`CAST(x AS IPADDRESS) BETWEEN a AND b`).
                if case .addressRange(let col, let lo, let hi) = c,
                   let i = useful.firstIndex(where: { if case .addressRange(col, _, _) = $0 { return true }; return false }),
                   case .addressRange(_, let lo0, let hi0) = useful[i] {
                    useful[i] = .addressRange(col, Swift.max(lo, lo0), Swift.min(hi, hi0))
                    continue
                }
                useful.append(c)
            }
            return useful.isEmpty ? .maybe : (useful.count == 1 ? useful[0] : .all(useful))
        case .any(let cs):
            if cs.contains(where: { if case .maybe = $0 { return true }; return false }) { return .maybe }
            let merged = mergingLists(cs)
            return merged.count == 1 ? merged[0] : .any(merged)
        default:
            return c
        }
    }

    /// Alternatives on the same column as one list: `x IN (500 addresses)` asks each block's
    /// index once for all of them (one index lookup, one pass over the filter's pages), not 500
    /// times (a 500-address list spent 75% of its statement in pruning, mostly in the lookups).
    static func mergingLists(_ cs: [PruneCondition]) -> [PruneCondition] {
        var out: [PruneCondition] = []
        var position: [String: Int] = [:]  // where the list of a kind and column is in `out`
        for c in cs {
            let key: String
            switch c {
            case .addressIn(let col, _): key = "address " + col
            case .intIn(let col, _): key = "int " + col
            default: out.append(c); continue
            }
            guard let at = position[key] else { position[key] = out.count; out.append(c); continue }
            switch (out[at], c) {
            case (.addressIn(let col, let a), .addressIn(_, let b)): out[at] = .addressIn(col, a + b)
            case (.intIn(let col, let a), .intIn(_, let b)): out[at] = .intIn(col, a + b)
            default: out.append(c)
            }
        }
        return out
    }

    enum Constant { case int(Int64), text(String), ip(IPAddress) }

    /// A column reference, also through CAST(x AS IPADDRESS).
    static func column(_ e: Expr) -> ColumnDef? {
        switch e.kind {
        case .column(let qn): return Catalog.column(qn.name.name)
        case .cast(let x, .ipaddress, _): return column(x)
        default: return nil
        }
    }

    static func constant(_ e: Expr) -> Constant? {
        switch e.kind {
        case .literal(.integer(let v)): return .int(v)
        case .literal(.string(let s)): return .text(s)
        case .literal(.typed(.ipaddress, let s)): return IPAddress(s).map { .ip($0) }
        default: return nil
        }
    }

    static func columnAndConstant(_ a: Expr, _ b: Expr) -> (ColumnDef, Constant)? {
        guard let c = column(a), let k = constant(b) else { return nil }
        return (c, k)
    }

    static func comparison(_ op: BinaryOperator, _ col: ColumnDef, _ k: Constant) -> PruneCondition {
        switch (col.kind, k) {
        case (.address, .text(let s)):
            // Equality with a string compares text forms: exact when the literal is an address's canonical text.
            guard op == .equal, let a = IPAddress(s), a.description == s else { return .maybe }
            return .addressIn(col.archiveName, [a])
        case (.address, .ip(let a)):
            // (Strict bounds kept inclusive: the indexes only ever say "maybe" wrongly.)
            switch op {
            case .equal: return .addressIn(col.archiveName, [a])
            case .less, .lessOrEqual: return .addressRange(col.archiveName, IPAddress(high: 0, low: 0), a)
            case .greater, .greaterOrEqual: return .addressRange(col.archiveName, a, IPAddress(high: .max, low: .max))
            default: return .maybe
            }
        case (.string, _), (.address, _):
            return .maybe
        case (_, .int(let v)):
            let u = UInt64(max(0, v))
            switch op {
            case .equal: return v < 0 ? .intIn(col.archiveName, []) : .intIn(col.archiveName, [u...u])
            case .less: return v <= 0 ? .intIn(col.archiveName, []) : .intIn(col.archiveName, [0...(u - 1)])
            case .lessOrEqual: return v < 0 ? .intIn(col.archiveName, []) : .intIn(col.archiveName, [0...u])
            case .greater: return v < 0 ? .maybe : (u == .max ? .intIn(col.archiveName, []) : .intIn(col.archiveName, [(u + 1)...UInt64.max]))
            case .greaterOrEqual: return v <= 0 ? .maybe : .intIn(col.archiveName, [u...UInt64.max])
            default: return .maybe
            }
        default:
            return .maybe
        }
    }

    /// Whether the segment may hold matching rows, by what the manifest says of it (the range of
    /// its `start` and `end` values), before the segment is opened.
    func mayMatch(segment s: SegmentRecord) -> Bool {
        switch self {
        case .all(let cs): return cs.allSatisfy { $0.mayMatch(segment: s) }
        case .any(let cs): return cs.contains { $0.mayMatch(segment: s) }
        case .intIn(let col, let ranges) where col == "start" || col == "end":
            guard let r = col == "start" ? s.startRange : s.endRange else { return true }
            // Stored times are never negative (the parser takes digits only).
            let bounds = UInt64(max(0, r.lowerBound))...UInt64(max(0, r.upperBound))
            return ranges.contains { $0.overlaps(bounds) }
        default:
            return true
        }
    }

    /// Whether the block may hold matching rows, by its indexes.
    func mayMatch(_ seg: SegmentReader, _ block: Int) -> Bool {
        switch self {
        case .maybe: return true
        case .all(let cs): return cs.allSatisfy { $0.mayMatch(seg, block) }
        case .any(let cs): return cs.contains { $0.mayMatch(seg, block) }
        case .addressIn(let col, let addrs):
            guard let ci = seg.columnIndex(named: col) else { return false }  // column absent: all null
            guard let index = seg.blockIndex(block, column: ci) else { return false }
            guard case .address(let idx) = index else { return true }
            return idx.mayContainAny(addrs)
        case .addressInNetwork(let col, let net, let prefix):
            guard let ci = seg.columnIndex(named: col), let index = seg.blockIndex(block, column: ci) else { return false }
            guard case .address(let idx) = index else { return true }
            return idx.mayContain(network: net, prefix: prefix)
        case .addressRange(let col, let lo, let hi):
            guard let ci = seg.columnIndex(named: col), let index = seg.blockIndex(block, column: ci) else { return false }
            guard case .address(let idx) = index else { return true }
            return !(idx.max < lo || hi < idx.min)
        case .intIn(let col, let ranges):
            guard let ci = seg.columnIndex(named: col), let index = seg.blockIndex(block, column: ci) else { return false }
            switch index {
            case .intRange(let r):
                return ranges.contains { r.mayContain($0) }
            case .port(let r, let bitmap):
                return ranges.contains { range in
                    guard r.mayContain(range) else { return false }
                    let lo = UInt16(clamping: range.lowerBound), hi = UInt16(clamping: range.upperBound)
                    return bitmap.containsAny(in: lo...hi)
                }
            default:
                return true
            }
        }
    }
}

extension BinaryOperator {
    /// The operator with its operands swapped (`5 < x` is `x > 5`).
    var flipped: BinaryOperator {
        switch self {
        case .less: return .greater
        case .lessOrEqual: return .greaterOrEqual
        case .greater: return .less
        case .greaterOrEqual: return .lessOrEqual
        default: return self
        }
    }
}

extension Binder {
    /// `term` (a WHERE term) with each comparison of `from_unixtime(column)` against a constant
    /// timestamp (a literal, or anything that folds to one: `current_timestamp - INTERVAL '90'
    /// DAY`), or of its date (`date(...)`, `CAST(... AS DATE)`) against a constant date, written
    /// as the range of the column's seconds it means, so that the block indexes
    /// prune, count and pick pages by it, and the column kernels filter by it, as they do for
    /// `starttime BETWEEN a AND b`. `from_unixtime(s) >= T` is `s >= ceil(T / 1000)`, and so on.
    /// The ranges stop at the largest `s` whose timestamp exists: a row with a larger one (no
    /// flow log has one) does not match, where from_unixtime itself would have failed.
    mutating func withTimeBoundsForPruning(_ term: Expr) -> Expr {
        switch term.kind {
        case .and(let ts): return Expr(.and(ts.map { withTimeBoundsForPruning($0) }), position: term.position)
        case .or(let ts): return Expr(.or(ts.map { withTimeBoundsForPruning($0) }), position: term.position)
        case .unary(.not, let x): return Expr(.unary(.not, withTimeBoundsForPruning(x)), position: term.position)
        case .binary(let op, let l, let r) where op.isComparison && op != .notEqual:
            return timeBound(op, l, r) ?? timeBound(op.flipped, r, l) ?? numericBound(op, l, r) ?? numericBound(op.flipped, r, l) ?? term
        case .between(let x, let lo, let hi, false):
            if let a = timeBound(.greaterOrEqual, x, lo) ?? numericBound(.greaterOrEqual, x, lo),
               let b = timeBound(.lessOrEqual, x, hi) ?? numericBound(.lessOrEqual, x, hi) {
                return Expr(.and([a, b]), position: term.position)
            }
            return term
        default:
            return term
        }
    }

    /// `column BETWEEN lo AND hi` equivalent to `from_unixtime(column) op constant`, or nil.
    private mutating func timeBound(_ op: BinaryOperator, _ x: Expr, _ k: Expr) -> Expr? {
        // date(from_unixtime(column)) or CAST(... AS DATE) against a constant date D: the same
        // comparison of the timestamp with D's midnight, or with the next one.
        var dateOf: Expr? = nil
        if case .function(let g) = x.kind, g.name.name == "date", g.arguments.count == 1, !g.distinct { dateOf = g.arguments[0] }
        if case .cast(let y, .date, false) = x.kind { dateOf = y }
        if let inner = dateOf {
            guard let column = Self.secondsColumn(inner), let (bound, type) = try? bindExpr(k, post: false),
                  let (d, _) = try? dateFromText(bound, type, other: .date, k.start), case .constant(.date(let days)) = d,
                  abs(days) < 100_000_000 else { return nil }
            let midnight = days * 86_400_000, next = (days + 1) * 86_400_000
            switch op {
            case .greaterOrEqual: return Self.secondsRange(column, .greaterOrEqual, midnight)
            case .greater: return Self.secondsRange(column, .greaterOrEqual, next)
            case .lessOrEqual: return Self.secondsRange(column, .less, next)
            case .less: return Self.secondsRange(column, .less, midnight)
            case .equal:
                guard let a = Self.secondsRange(column, .greaterOrEqual, midnight), let b = Self.secondsRange(column, .less, next) else { return nil }
                return Expr(.and([a, b]), position: x.position)
            default: return nil
            }
        }
        guard let column = Self.secondsColumn(x), let (bound, type) = try? bindExpr(k, post: false), type == .timestamp,
              case .constant(.timestamp(let ms)) = bound else { return nil }
        return Self.secondsRange(column, op, ms)
    }

    /// `column op k` for an integer column and a constant `k` that is not an integer literal,
    /// as the same comparison with integer literals, or nil. `starttime >= to_unixtime(TIMESTAMP
    /// '2023-11-15 00:00:00')` compares a bigint with a double: evaluated per row (0.6 s over 20 M
    /// rows), pruning no block. A bigint meets a double as a double, and that conversion is
    /// monotone, so the values that pass form one range of integers; its ends are found by
    /// bisection on the conversion itself, so the range is exact even where doubles are coarser
    /// than integers. (NaN and infinities are left to the row evaluator.)
    private mutating func numericBound(_ op: BinaryOperator, _ x: Expr, _ k: Expr) -> Expr? {
        guard case .column = x.kind, let col = PruneCondition.column(x), col.kind.isInteger else { return nil }
        if case .literal(.integer) = k.kind { return nil }  // already what the indexes read
        guard var (bound, _) = try? bindExpr(k, post: false) else { return nil }
        if case .constant = bound {} else {
            // A constant expression the binder leaves to run time (to_unixtime of a timestamp).
            var reads = !bound.slots.isEmpty
            bound.forEach { x in
                switch x {
                case .joined, .groupKey, .aggregate, .parameter: reads = true
                default: break
                }
            }
            guard !reads, let v = try? Evaluator.eval(bound, EvalContext()) else { return nil }
            bound = .constant(v)
        }
        let at = x.position
        func literal(_ v: Int64) -> Expr { Expr(.literal(.integer(v)), position: at) }
        switch bound {
        case .constant(.int(let v)):
            return Expr(.binary(op, x, literal(v)), position: at)
        case .constant(.double(let d)) where d.isFinite:
            // The smallest archive value (they are 0 ... Int64.max) for which `pass` holds, for a
            // `pass` that is false and then true as the value grows.
            func first(_ pass: (Int64) -> Bool) -> Int64? {
                if pass(0) { return 0 }
                guard pass(Int64.max) else { return nil }
                var lo: Int64 = 0, hi = Int64.max  // !pass(lo), pass(hi)
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2
                    if pass(mid) { hi = mid } else { lo = mid }
                }
                return hi
            }
            let atLeast = first { Double($0) >= d }, above = first { Double($0) > d }
            let lo: Int64, hi: Int64
            switch op {
            case .greaterOrEqual: (lo, hi) = (atLeast ?? 1, atLeast == nil ? 0 : Int64.max)
            case .greater: (lo, hi) = (above ?? 1, above == nil ? 0 : Int64.max)
            case .lessOrEqual: (lo, hi) = (0, above.map { $0 - 1 } ?? Int64.max)
            case .less: (lo, hi) = (0, atLeast.map { $0 - 1 } ?? Int64.max)
            case .equal: (lo, hi) = atLeast.map { ($0, above.map { $0 - 1 } ?? Int64.max) } ?? (1, 0)
            default: return nil
            }
            if lo > hi {
                // No value passes: a range no value has (as `secondsRange` writes it).
                return Expr(.and([Expr(.binary(.less, x, literal(0)), position: at),
                                  Expr(.binary(.greater, x, literal(0)), position: at)]), position: at)
            }
            if lo == 0 && hi == Int64.max { return Expr(.isNull(x, negated: true), position: at) }
            if lo == 0 { return Expr(.binary(.lessOrEqual, x, literal(hi)), position: at) }
            if hi == Int64.max { return Expr(.binary(.greaterOrEqual, x, literal(lo)), position: at) }
            return Expr(.between(x, low: literal(lo), high: literal(hi), negated: false), position: at)
        default:
            return nil
        }
    }

    /// The integer column of `from_unixtime(column)`, or nil; also through `AT TIME ZONE 'UTC'`,
    /// with_timezone(..., 'UTC') and from_unixtime(column, 'UTC') (the same instants).
    private static func secondsColumn(_ x: Expr) -> Expr? {
        guard case .function(let f) = x.kind, !f.distinct else { return nil }
        if ["at_timezone", "with_timezone"].contains(f.name.name), f.arguments.count == 2, isUTC(f.arguments[1]) {
            return secondsColumn(f.arguments[0])
        }
        guard f.name.name == "from_unixtime", f.arguments.count == 1 || (f.arguments.count == 2 && isUTC(f.arguments[1])),
              let col = PruneCondition.column(f.arguments[0]), col.kind.isInteger else { return nil }
        return f.arguments[0]
    }

    private static func isUTC(_ zone: Expr) -> Bool {
        guard case .literal(.string(let text)) = zone.kind else { return false }
        return utcZoneNames.contains(text.lowercased())
    }

    /// `from_unixtime(column) op ms` as a range of the column's seconds.
    private static func secondsRange(_ column: Expr, _ op: BinaryOperator, _ ms: Int64) -> Expr? {
        // Archive integer columns hold no negative value (the parser takes digits only).
        let top = Int64.max / 1000, bottom: Int64 = 0
        let floorS = DateFunctions.floorDiv(ms, 1000)
        let ceilS = floorS + (ms - floorS * 1000 > 0 ? 1 : 0)
        let lo: Int64, hi: Int64
        switch op {
        case .greaterOrEqual: (lo, hi) = (ceilS, top)
        case .greater: (lo, hi) = (floorS + 1, top)
        case .lessOrEqual: (lo, hi) = (bottom, floorS)
        case .less: (lo, hi) = (bottom, ceilS - 1)
        case .equal: (lo, hi) = ms % 1000 == 0 ? (floorS, floorS) : (1, 0)
        default: return nil
        }
        let at = column.position
        func literal(_ v: Int64) -> Expr { Expr(.literal(.integer(v)), position: at) }
        if lo > hi {
            // No second matches: an empty IN list is not expressible, so a range no value has.
            return Expr(.and([Expr(.binary(.less, column, literal(0)), position: at),
                              Expr(.binary(.greater, column, literal(0)), position: at)]), position: at)
        }
        if lo == 0 {
            // (A lower bound of 0 would be no bound to the indexes' ranges: written as one term.)
            return Expr(.binary(.lessOrEqual, column, literal(hi)), position: at)
        }
        return Expr(.between(column, low: literal(lo), high: literal(hi), negated: false), position: at)
    }
}
