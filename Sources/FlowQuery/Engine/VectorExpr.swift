import FlowArchive
import FlowLog
import Synchronization

/// Integer- and timestamp-valued expressions computed a batch of rows at a time straight from
/// column arrays: the GROUP BY keys and aggregate arguments analysts write most
/// (`date_trunc('hour', from_unixtime(starttime))`, `numbytes`, `endtime - starttime`) then cost
/// a few instructions per row instead of a walk of the expression tree per row. Anything else
/// stays with the row-at-a-time `Evaluator`; both give the same answers, errors included.
indirect enum VectorExpr {
    case column(slot: Int)
    case constant(Int64)
    /// from_unixtime(bigint): seconds to milliseconds.
    case fromUnixtime(VectorExpr)
    case dateTrunc(unit: String, VectorExpr)
    case arithmetic(BinaryOperator, VectorExpr, VectorExpr)
    case negate(VectorExpr)
    /// hour(ts), day_of_week(ts), year(ts), ...
    case field(ScalarFunction.DateField, VectorExpr)
    /// date_add of a fixed unit (or `ts ± INTERVAL`) with a constant count: milliseconds added.
    case addMilliseconds(Int64, VectorExpr)
    /// CASE WHEN c1 THEN a1 ... [ELSE e] END with constants and columns as results (so that no
    /// branch can fail on a row that does not take it): `count_if(x)`, `sum(CASE WHEN x THEN 1
    /// ELSE 0 END)`.
    case choose([(VectorCondition, VectorExpr)], otherwise: VectorExpr?)

    /// bitwise_and / bitwise_or / bitwise_xor of bigints (`bitwise_and(tcp_flags, 2) <> 0`: SYN
    /// flags), and bitwise_not.
    case bitwise(ScalarFunction, VectorExpr, VectorExpr)
    case bitwiseNot(VectorExpr)
    /// coalesce(x, y, ...) whose arguments after the first cannot fail (columns and constants:
    /// the row evaluator computes them only where the ones before are NULL).
    case coalesce([VectorExpr])
    /// date_diff of a fixed unit (second ... week), in milliseconds per unit: (b - a) / step.
    case dateDiff(step: Int64, VectorExpr, VectorExpr)

    /// An integer or timestamp function of one text column (`length(interface_id)`,
    /// `strpos(...)`, `CAST(substr(...) AS BIGINT)`, `from_iso8601_timestamp(dt)`): `function`
    /// of `.parameter`, computed once per dictionary code a row of the batch holds, in row
    /// order (so the first error is the first failing row's, as per row).
    case perCode(slot: Int, function: CExpr, id: Int)

    /// Numbers for `perCode` expressions, so that a block's memo of each is found again.
    private static let perCodeIDs = Atomic<Int>(0)

    /// A timestamp's day (date(ts)); a date's midnight.
    case toDate(VectorExpr)
    case dateToTimestamp(VectorExpr)

    /// Whether computing the expression can never throw (no arithmetic that may overflow or
    /// divide by zero, no timestamp conversion that may leave its range): such an expression
    /// may be computed for rows the row evaluator would not have reached (a CASE WHEN's later
    /// conditions).
    var cannotFail: Bool {
        switch self {
        case .column, .constant: return true
        case .bitwise(_, let a, let b): return a.cannotFail && b.cannotFail
        case .bitwiseNot(let x), .toDate(let x), .field(_, let x): return x.cannotFail
        case .coalesce(let xs): return xs.allSatisfy(\.cannotFail)
        default: return false
        }
    }

    /// The result tags of `PackedScalar`: bigint, timestamp and date.
    static let bigint: UInt8 = 1
    static let timestamp: UInt8 = 7
    static let date: UInt8 = 8

    /// A result of tag `tag` as a scalar.
    static func scalar(_ x: Int64, tag: UInt8) -> Scalar {
        switch tag {
        case timestamp: return .timestamp(x)
        case date: return .date(x)
        default: return .int(x)
        }
    }

    /// The vector form of `e` and its result tag, or nil when `e` is not covered.
    static func compile(_ e: CExpr) -> (VectorExpr, UInt8)? {
        switch e {
        case .column(let slot, let kind) where kind.isInteger:
            return (.column(slot: slot), bigint)
        case .constant(.int(let v)):
            return (.constant(v), bigint)
        case .constant(.timestamp(let v)):
            return (.constant(v), timestamp)
        case .constant(.date(let v)):
            return (.constant(v), date)
        case .call(.toDate, let args):
            guard let (v, t) = compile(args[0]), t == timestamp else { return nil }
            return (.toDate(v), date)
        case .call(.dateToTimestamp, let args):
            guard let (v, t) = compile(args[0]), t == date else { return nil }
            return (.dateToTimestamp(v), timestamp)
        case .fromUnixtime(let x):
            guard let (v, t) = compile(x), t == bigint else { return nil }
            return (.fromUnixtime(v), timestamp)
        case .dateTrunc(let unit, let x):
            guard let (v, t) = compile(x), t == timestamp else { return nil }
            return (.dateTrunc(unit: unit, v), timestamp)
        case .arithmetic(let op, let a, let b):
            guard [.add, .subtract, .multiply, .divide, .modulo].contains(op),
                  let (va, ta) = compile(a), ta == bigint, let (vb, tb) = compile(b), tb == bigint else { return nil }
            return (.arithmetic(op, va, vb), bigint)
        case .negate(let x):
            guard let (v, t) = compile(x), t == bigint else { return nil }
            return (.negate(v), bigint)
        case .castToInteger(let x, _, .bigint):
            guard let (v, t) = compile(x), t == bigint else { return nil }
            return (v, bigint)
        case .caseWhen(let whens, let els):
            var branches: [(VectorCondition, VectorExpr)] = []
            var tag: UInt8? = nil
            func result(_ r: CExpr) -> VectorExpr? {
                switch r {
                case .constant(.null): return nil
                case .constant(.int), .constant(.timestamp), .column: break
                default: return nil
                }
                guard let (v, t) = compile(r), tag == nil || tag == t else { return nil }
                tag = t
                return v
            }
            for (c, r) in whens {
                guard let cond = VectorCondition.compile(c), let v = result(r) else { return nil }
                branches.append((cond, v))
            }
            var otherwise: VectorExpr? = nil
            if let els, !{ if case .constant(.null) = els { return true }; return false }() {
                guard let v = result(els) else { return nil }
                otherwise = v
            }
            guard let tag else { return nil }
            return (.choose(branches, otherwise: otherwise), tag)
        case .call(.field(let f), let args):
            guard let (v, t) = compile(args[0]), t == timestamp else { return nil }
            return (.field(f, v), bigint)
        case .call(let f, let args) where (f == .bitwiseAnd || f == .bitwiseOr || f == .bitwiseXor) && args.count == 2:
            guard let (va, ta) = compile(args[0]), ta == bigint, let (vb, tb) = compile(args[1]), tb == bigint else { return nil }
            return (.bitwise(f, va, vb), bigint)
        case .call(.bitwiseNot, let args) where args.count == 1:
            guard let (v, t) = compile(args[0]), t == bigint else { return nil }
            return (.bitwiseNot(v), bigint)
        case .call(.coalesce, let args) where !args.isEmpty:
            var parts: [VectorExpr] = []
            var tag: UInt8? = nil
            for (i, a) in args.enumerated() {
                guard let (v, t) = compile(a), tag == nil || tag == t else { return nil }
                if i > 0 {
                    switch v {
                    case .column, .constant: break
                    default: return nil
                    }
                }
                parts.append(v)
                tag = t
            }
            return (.coalesce(parts), tag!)
        case .call(.dateDiff(let unit), let args) where args.count == 2:
            guard let step = unit.fixedMilliseconds, let (va, ta) = compile(args[0]), ta == timestamp,
                  let (vb, tb) = compile(args[1]), tb == timestamp else { return nil }
            return (.dateDiff(step: step, va, vb), bigint)
        case .call(.length, _), .call(.strpos, _), .call(.regexpCount, _), .call(.regexpPosition, _), .castToInteger,
             .call(.fromISO8601Timestamp, _), .call(.parseTimestamp, _), .call(.dateParse, _):
            // Of one text column only: its dictionary codes stand for the rows.
            guard let slot = PerCode.onlySlot(e), Self.readsText(e, slot), let f = PerCode.substituting(e, slot, .parameter, mayFail: true) else {
                return nil
            }
            let id = perCodeIDs.add(1, ordering: .relaxed).newValue
            switch e {
            case .call(.fromISO8601Timestamp, _), .call(.parseTimestamp, _), .call(.dateParse, _):
                return (.perCode(slot: slot, function: f, id: id), timestamp)
            default:
                return (.perCode(slot: slot, function: f, id: id), bigint)
            }
        case .dateAdd(let unit, .constant(.int(let k)), let x):
            guard let step = unit.fixedMilliseconds, let (v, t) = compile(x), t == timestamp else { return nil }
            let (delta, overflow) = k.multipliedReportingOverflow(by: step)
            if overflow { return nil }  // the row evaluator reports it
            return (.addMilliseconds(delta, v), timestamp)
        default:
            return nil
        }
    }

    /// Whether `e` reads slot `slot` as a text column (not an address column).
    static func readsText(_ e: CExpr, _ slot: Int) -> Bool {
        var text = false
        e.forEach { x in
            switch x {
            case .column(let s, .string) where s == slot, .textCompare(let s, _, _, _) where s == slot: text = true
            default: break
            }
        }
        return text
    }

    /// Computes the expression for rows `sel[0..<n]` of block `b` into `out[0..<n]`, with
    /// `nulls[i]` set to 1 where the result is NULL (`out[i]` is then meaningless).
    func evaluate(_ b: BlockData, _ sel: UnsafePointer<Int32>, _ n: Int,
                  _ out: UnsafeMutablePointer<Int64>, _ nulls: UnsafeMutablePointer<UInt8>) throws {
        switch self {
        case .column(let slot):
            let v = b.views[slot]
            let values = v.values.unsafelyUnwrapped
            for i in 0..<n { out[i] = Int64(bitPattern: values[Int(sel[i])]) }
            if let nl = v.nulls {
                for i in 0..<n { nulls[i] = nl[Int(sel[i])] }
            } else {
                nulls.update(repeating: 0, count: n)
            }
        case .constant(let c):
            out.update(repeating: c, count: n)
            nulls.update(repeating: 0, count: n)
        case .fromUnixtime(let x):
            try x.evaluate(b, sel, n, out, nulls)
            // The range is checked beside the multiply, branch-free, so the loop still vectorizes.
            let limit = Int64.max / 1000
            var outside: UInt8 = 0
            for i in 0..<n {
                let v = out[i]
                outside |= (UInt64(bitPattern: v &+ limit) > UInt64(2 * limit) ? 1 : 0) & (nulls[i] ^ 1)
                out[i] = v &* 1000
            }
            if outside != 0 { throw DateFunctions.outOfRange("from_unixtime") }
        case .dateTrunc(let unit, let x):
            try x.evaluate(b, sel, n, out, nulls)
            let step: Int64
            switch unit {
            case "second": step = 1000
            case "minute": step = 60_000
            case "hour": step = 3_600_000
            case "day": step = 86_400_000
            default: step = 0
            }
            if step > 0 {
                // Timestamps near the ends of the 64-bit range cannot be truncated downwards.
                let lowest = Int64.min + step
                var outside: UInt8 = 0
                for i in 0..<n {
                    outside |= (out[i] < lowest ? 1 : 0) & (nulls[i] ^ 1)
                    out[i] = DateFunctions.floorDiv(out[i], step) &* step
                }
                if outside != 0 { throw DateFunctions.outOfRange("date_trunc") }
            } else {
                for i in 0..<n where nulls[i] == 0 { out[i] = try DateFunctions.trunc(out[i], unit) }
            }
        case .field(let f, let x):
            try x.evaluate(b, sel, n, out, nulls)
            let step: Int64, modulus: Int64
            switch f {
            case .hour: (step, modulus) = (3_600_000, 24)
            case .minute: (step, modulus) = (60_000, 60)
            case .second: (step, modulus) = (1000, 60)
            case .millisecond: (step, modulus) = (1, 1000)
            default: (step, modulus) = (0, 0)
            }
            if step > 0 {
                for i in 0..<n { out[i] = Int64(DateFunctions.floorMod(DateFunctions.floorDiv(out[i], step), modulus)) }
            } else if f == .dayOfWeek {
                // 1970-01-01 was a Thursday (ISO day 4).
                for i in 0..<n { out[i] = Int64(DateFunctions.floorMod(DateFunctions.floorDiv(out[i], 86_400_000) + 3, 7)) + 1 }
            } else {
                for i in 0..<n where nulls[i] == 0 { out[i] = DateFunctions.field(f, out[i]) }
            }
        case .perCode(let slot, let function, let id):
            let codes = b.views[slot].codes.unsafelyUnwrapped
            let entries = b.strings[slot].unsafelyUnwrapped.dictionary.count + 1
            // Kept for the block's later batches (a memo per batch computed each code again per
            // batch: 0.8 s for sum(length(instance_id)) over 20 M rows).
            let memo = b.perCodeMemos[id] ?? PerCodeMemo()
            if memo.generation != b.generation || memo.states.count != entries {
                memo.generation = b.generation
                memo.values = [Int64](repeating: 0, count: entries)
                memo.states = [UInt8](repeating: 0, count: entries)
                b.perCodeMemos[id] = memo
            }
            try memo.values.withUnsafeMutableBufferPointer { vb in
                try memo.states.withUnsafeMutableBufferPointer { sb in
                    let value = vb.baseAddress!, state = sb.baseAddress!
                    var c = EvalContext(block: b)
                    for i in 0..<n {
                        let code = Int(codes[Int(sel[i])])
                        if state[code] == 0 {
                            c.parameter = code == 0 ? .null : .text(slot: slot, code: UInt32(code))
                            switch try Evaluator.eval(function, c) {
                            case .int(let x), .timestamp(let x): value[code] = x; state[code] = 1
                            case .null: state[code] = 2
                            case let other: throw QueryRuntimeError(description: "internal error: \(other) where a number was expected")
                            }
                        }
                        out[i] = value[code]
                        nulls[i] = state[code] >> 1
                    }
                }
            }
        case .choose(let branches, let otherwise):
            // Each row takes the first branch whose condition is TRUE (not NULL); the rest are
            // NULL unless there is an ELSE.
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 3 * n) { flags in
                try withUnsafeTemporaryAllocation(of: Int64.self, capacity: n) { vb in
                    let taken = flags.baseAddress!, chosen = taken + n, valueNulls = taken + 2 * n
                    let value = vb.baseAddress!
                    taken.update(repeating: 0, count: n)
                    nulls.update(repeating: 1, count: n)
                    out.update(repeating: 0, count: n)
                    // Each branch's results blended in by masks, not a branch per row (which
                    // went either way by the row: sum(CASE WHEN flow_direction = 'ingress' ...)).
                    func blend(_ take: (Int) -> UInt8) {
                        for i in 0..<n {
                            let t = take(i)
                            let wide = 0 &- Int64(t), narrow = 0 &- t
                            out[i] = (value[i] & wide) | (out[i] & ~wide)
                            nulls[i] = (valueNulls[i] & narrow) | (nulls[i] & ~narrow)
                            taken[i] |= t
                        }
                    }
                    for (cond, result) in branches {
                        cond.evaluate(b, sel, n, chosen)  // 1 where TRUE
                        try result.evaluate(b, sel, n, value, valueNulls)
                        blend { chosen[$0] & (taken[$0] ^ 1) }
                    }
                    if let otherwise {
                        try otherwise.evaluate(b, sel, n, value, valueNulls)
                        blend { taken[$0] ^ 1 }
                    }
                }
            }
        case .bitwise(let f, let l, let r):
            try l.evaluate(b, sel, n, out, nulls)
            if case .constant(let k) = r {
                // A mask (`bitwise_and(tcp_flags, 2)`): nothing to compute per row for it.
                switch f {
                case .bitwiseAnd: for i in 0..<n { out[i] &= k }
                case .bitwiseOr: for i in 0..<n { out[i] |= k }
                default: for i in 0..<n { out[i] ^= k }
                }
                return
            }
            try VectorExpr.whereNotNull(r, b, sel, n, nulls) { right, rightNulls in
                for i in 0..<n { nulls[i] |= rightNulls[i] }
                switch f {
                case .bitwiseAnd: for i in 0..<n { out[i] &= right[i] }
                case .bitwiseOr: for i in 0..<n { out[i] |= right[i] }
                default: for i in 0..<n { out[i] ^= right[i] }
                }
            }
        case .bitwiseNot(let x):
            try x.evaluate(b, sel, n, out, nulls)
            for i in 0..<n { out[i] = ~out[i] }
        case .coalesce(let parts):
            try parts[0].evaluate(b, sel, n, out, nulls)
            for p in parts.dropFirst() {
                guard (0..<n).contains(where: { nulls[$0] != 0 }) else { break }
                try withUnsafeTemporaryAllocation(of: Int64.self, capacity: n) { vb in
                    try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n) { nb in
                        let v = vb.baseAddress!, vn = nb.baseAddress!
                        try p.evaluate(b, sel, n, v, vn)
                        for i in 0..<n where nulls[i] != 0 {
                            out[i] = v[i]
                            nulls[i] = vn[i]
                        }
                    }
                }
            }
        case .dateDiff(let step, let l, let r):
            try l.evaluate(b, sel, n, out, nulls)
            try VectorExpr.whereNotNull(r, b, sel, n, nulls) { right, rightNulls in
                var overflow = false
                for i in 0..<n {
                    nulls[i] |= rightNulls[i]
                    let (d, o) = right[i].subtractingReportingOverflow(out[i])
                    overflow = overflow || (o && nulls[i] == 0)
                    out[i] = d / step  // truncated towards zero, as DateFunctions.diff
                }
                if overflow { throw DateFunctions.outOfRange("date_diff") }
            }
        case .toDate(let x):
            try x.evaluate(b, sel, n, out, nulls)
            for i in 0..<n { out[i] = DateFunctions.floorDiv(out[i], 86_400_000) }
        case .dateToTimestamp(let x):
            try x.evaluate(b, sel, n, out, nulls)
            var overflow = false
            for i in 0..<n {
                let (r, o) = out[i].multipliedReportingOverflow(by: 86_400_000)
                overflow = overflow || (o && nulls[i] == 0)
                out[i] = r
            }
            if overflow { throw DateFunctions.outOfRange("CAST to timestamp") }
        case .addMilliseconds(let delta, let x):
            try x.evaluate(b, sel, n, out, nulls)
            var overflow = false
            for i in 0..<n {
                let (r, o) = out[i].addingReportingOverflow(delta)
                overflow = overflow || (o && nulls[i] == 0)
                out[i] = r
            }
            if overflow { throw DateFunctions.outOfRange("date_add") }
        case .negate(let x):
            try x.evaluate(b, sel, n, out, nulls)
            for i in 0..<n {
                if out[i] == .min && nulls[i] == 0 { throw Evaluator.negationOverflow(out[i]) }
                out[i] = 0 &- out[i]
            }
        case .arithmetic(let op, let l, let r):
            try l.evaluate(b, sel, n, out, nulls)
            try withUnsafeTemporaryAllocation(of: Int64.self, capacity: n) { rv in
                try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n) { rn in
                    let right = rv.baseAddress!, rightNulls = rn.baseAddress!
                    try r.evaluate(b, sel, n, right, rightNulls)
                    if op == .add || op == .subtract || op == .multiply {
                        // One loop per operator without a branch per row: each result computed
                        // (a NULL row's is meaningless), overflow noted where the row is not
                        // NULL, and the first such row reported as the row evaluator would.
                        var bad: UInt8 = 0
                        switch op {
                        case .add: Self.combine(out, right, nulls, rightNulls, n, &bad) { $0.addingReportingOverflow($1) }
                        case .subtract: Self.combine(out, right, nulls, rightNulls, n, &bad) { $0.subtractingReportingOverflow($1) }
                        default: Self.combine(out, right, nulls, rightNulls, n, &bad) { $0.multipliedReportingOverflow(by: $1) }
                        }
                        guard bad != 0 else { return }
                        try l.evaluate(b, sel, n, out, nulls)  // the left operands again, to name the failing row's
                        for i in 0..<n where nulls[i] | rightNulls[i] == 0 {
                            let x = out[i], y = right[i]
                            let o = op == .add ? x.addingReportingOverflow(y).overflow
                                : op == .subtract ? x.subtractingReportingOverflow(y).overflow : x.multipliedReportingOverflow(by: y).overflow
                            if o { throw QueryRuntimeError(description: "bigint overflow in \(x) \(op.rawValue) \(y)") }
                        }
                        throw QueryRuntimeError(description: "bigint overflow in \(op.rawValue)")  // (not reached: a row overflowed)
                    }
                    for i in 0..<n {
                        nulls[i] |= rightNulls[i]
                        // A NULL operand makes the result NULL without evaluating it (no error),
                        // exactly as the row-at-a-time evaluator does.
                        if nulls[i] != 0 { continue }
                        let x = out[i], y = right[i]
                        let res: (Int64, Bool)
                        switch op {
                        case .add: res = x.addingReportingOverflow(y)
                        case .subtract: res = x.subtractingReportingOverflow(y)
                        case .multiply: res = x.multipliedReportingOverflow(by: y)
                        case .divide:
                            if y == 0 { throw QueryRuntimeError(description: "Division by zero") }
                            res = x.dividedReportingOverflow(by: y)
                        default:
                            if y == 0 { throw QueryRuntimeError(description: "Division by zero") }
                            res = x.remainderReportingOverflow(dividingBy: y)
                        }
                        if res.1 { throw QueryRuntimeError(description: "bigint overflow in \(x) \(op.rawValue) \(y)") }
                        out[i] = res.0
                    }
                }
            }
        }
    }
}

extension VectorExpr {
    /// out[i] = f(out[i], right[i]) for every i, nulls[i] |= rightNulls[i], and `bad` set where
    /// f overflowed on a row that is not NULL.
    @inline(__always)
    static func combine(_ out: UnsafeMutablePointer<Int64>, _ right: UnsafePointer<Int64>, _ nulls: UnsafeMutablePointer<UInt8>,
                        _ rightNulls: UnsafePointer<UInt8>, _ n: Int, _ bad: inout UInt8,
                        _ f: (Int64, Int64) -> (partialValue: Int64, overflow: Bool)) {
        var flags: UInt8 = 0
        for i in 0..<n {
            let isNull = nulls[i] | rightNulls[i]
            nulls[i] = isNull
            let (v, o) = f(out[i], right[i])
            out[i] = v
            flags |= (o ? 1 : 0) & (isNull ^ 1)
        }
        bad = flags
    }

    /// `r` computed for the rows of `sel[0..<n]` whose `nulls` flag is 0, as the row evaluator
    /// computes a strict function's later argument only when the ones before it are not NULL
    /// (so an error of `r` on another row is not raised); `body` gets its values and NULL flags
    /// at the rows' positions (NULL where not computed).
    static func whereNotNull(_ r: VectorExpr, _ b: BlockData, _ sel: UnsafePointer<Int32>, _ n: Int, _ nulls: UnsafePointer<UInt8>,
                             _ body: (UnsafeMutablePointer<Int64>, UnsafeMutablePointer<UInt8>) throws -> Void) throws {
        try withUnsafeTemporaryAllocation(of: Int64.self, capacity: 2 * n) { vb in
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n) { nb in
                try withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * n) { sb in
                    let right = vb.baseAddress!, rightNulls = nb.baseAddress!
                    let present = sb.baseAddress!, at = present + n
                    var k = 0
                    for i in 0..<n where nulls[i] == 0 {
                        present[k] = sel[i]
                        at[k] = Int32(truncatingIfNeeded: i)
                        k += 1
                    }
                    if k == n {
                        try r.evaluate(b, sel, n, right, rightNulls)
                    } else {
                        let packed = right + n
                        rightNulls.update(repeating: 1, count: n)
                        if k > 0 {
                            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: k) { pn in
                                try r.evaluate(b, present, k, packed, pn.baseAddress!)
                                for j in 0..<k {
                                    right[Int(at[j])] = packed[j]
                                    rightNulls[Int(at[j])] = pn[j]
                                }
                            }
                        }
                    }
                    try body(right, rightNulls)
                }
            }
        }
    }
}

/// A condition of CASE WHEN over column arrays: comparisons of a column with constants, IS
/// NULL, and AND / OR / NOT of those, with SQL's three values (a NULL column makes a
/// comparison NULL, which a WHEN does not take).
indirect enum VectorCondition {
    case int(slot: Int, op: BinaryOperator, value: Int64)
    case intRange(slot: Int, low: Int64, high: Int64)
    case intIn(slot: Int, values: Set<Int64>)
    /// text column <op> constant or IN constants: the answer per dictionary code.
    case text(slot: Int, decide: @Sendable (ArraySlice<UInt8>) -> Bool)
    case isNull(slot: Int, kind: FieldKind)
    /// Integer or time expressions that cannot fail, compared (`bitwise_and(tcp_flags, 18) = 18`).
    case expr(op: BinaryOperator, VectorExpr, VectorExpr)
    /// An integer expression that cannot fail against a double constant (`numbytes > 1e6`),
    /// compared as doubles, as the row evaluator compares a bigint with a double.
    case exprDouble(op: BinaryOperator, VectorExpr, Double)
    case and([VectorCondition]), or([VectorCondition]), not(VectorCondition)

    static func compile(_ e: CExpr) -> VectorCondition? {
        func all(_ xs: [CExpr]) -> [VectorCondition]? {
            var out: [VectorCondition] = []
            for x in xs { guard let c = compile(x) else { return nil }; out.append(c) }
            return out
        }
        switch e {
        case .compare(let op, .column(let slot, let kind), .constant(.int(let v))) where kind.isInteger:
            return .int(slot: slot, op: op, value: v)
        case .compare(let op, .constant(.int(let v)), .column(let slot, let kind)) where kind.isInteger:
            return .int(slot: slot, op: op.flipped, value: v)
        case .between(.column(let slot, let kind), .constant(.int(let lo)), .constant(.int(let hi)), let negated) where kind.isInteger:
            let c = VectorCondition.intRange(slot: slot, low: lo, high: hi)
            return negated ? .not(c) : c
        case .inList(.column(let slot, let kind), let items, let negated) where kind.isInteger:
            let values = items.compactMap { i -> Int64? in if case .constant(.int(let v)) = i { return v }; return nil }
            guard values.count == items.count else { return nil }
            let c = VectorCondition.intIn(slot: slot, values: Set(values))
            return negated ? .not(c) : c
        case .textCompare(let slot, let op, let lit, _):
            return .text(slot: slot) { t in
                VectorFilter.test(t.withUnsafeBytes { t in lit.withUnsafeBytes { Evaluator.compareBytes(t, $0) } }, op)
            }
        case .inList(.column(let slot, .string), let items, let negated):
            let values = items.compactMap { i -> [UInt8]? in if case .constant(.string(let v)) = i { return Array(v.utf8) }; return nil }
            guard values.count == items.count else { return nil }
            let set = Set(values)
            let c = VectorCondition.text(slot: slot) { set.contains(Array($0)) }
            return negated ? .not(c) : c
        case .isNull(.column(let slot, let kind), let negated):
            let c = VectorCondition.isNull(slot: slot, kind: kind)
            return negated ? .not(c) : c
        case .and(let xs): return all(xs).map { .and($0) }
        case .or(let xs): return all(xs).map { .or($0) }
        case .not(let x): return compile(x).map { .not($0) }
        case .compare(let op, let a, let b) where VectorFilter.comparisons.contains(op):
            func side(_ x: CExpr) -> (VectorExpr, UInt8)? {
                guard let (v, t) = VectorExpr.compile(x), v.cannotFail else { return nil }
                return (v, t)
            }
            if case .constant(.double(let d)) = b, let (va, ta) = side(a), ta == VectorExpr.bigint { return .exprDouble(op: op, va, d) }
            if case .constant(.double(let d)) = a, let (vb, tb) = side(b), tb == VectorExpr.bigint { return .exprDouble(op: op.flipped, vb, d) }
            guard let (va, ta) = side(a), let (vb, tb) = side(b), ta == tb else { return nil }
            return .expr(op: op, va, vb)
        default: return nil
        }
    }

    /// `out[i]`: 1 where the condition is TRUE for row `sel[i]`, else 0.
    func evaluate(_ b: BlockData, _ sel: UnsafePointer<Int32>, _ n: Int, _ out: UnsafeMutablePointer<UInt8>) {
        truth(b, sel, n, out)
        for i in 0..<n where out[i] == 2 { out[i] = 0 }  // NULL is not TRUE
    }

    /// `out[i]`: 1 TRUE, 0 FALSE, 2 NULL.
    /// out[i] = 1 where `test` holds for the value of selected row i, else 0.
    @inline(__always)
    private static func each(_ values: UnsafePointer<Int64>, _ sel: UnsafePointer<Int32>, _ n: Int, _ out: UnsafeMutablePointer<UInt8>,
                             _ test: (Int64) -> Bool) {
        for i in 0..<n { out[i] = test(values[Int(sel[i])]) ? 1 : 0 }
    }

    private func truth(_ b: BlockData, _ sel: UnsafePointer<Int32>, _ n: Int, _ out: UnsafeMutablePointer<UInt8>) {
        switch self {
        case .int, .intRange, .intIn:
            let slot: Int
            switch self {
            case .int(let s, _, _), .intRange(let s, _, _), .intIn(let s, _): slot = s
            default: return
            }
            // One loop per kind (and operator), the NULL flags applied after: a switch per row
            // and a hashed Set lookup per row were most of a CASE over ports.
            let v = b.views[slot]
            let values = UnsafeRawPointer(v.values.unsafelyUnwrapped).assumingMemoryBound(to: Int64.self)
            switch self {
            case .int(_, let op, let k):
                switch op {
                case .equal: Self.each(values, sel, n, out) { $0 == k }
                case .notEqual: Self.each(values, sel, n, out) { $0 != k }
                case .less: Self.each(values, sel, n, out) { $0 < k }
                case .lessOrEqual: Self.each(values, sel, n, out) { $0 <= k }
                case .greater: Self.each(values, sel, n, out) { $0 > k }
                case .greaterOrEqual: Self.each(values, sel, n, out) { $0 >= k }
                default: Self.each(values, sel, n, out) { VectorFilter.test($0 < k ? -1 : ($0 > k ? 1 : 0), op) }
                }
            case .intRange(_, let lo, let hi):
                Self.each(values, sel, n, out) { $0 >= lo && $0 <= hi }
            case .intIn(_, let set) where set.count <= 8:
                // A few values (ports): compared in turn, no hashing.
                var list = Array(set)
                while list.count < 8 { list.append(list[0]) }
                let a = list[0], b = list[1], c = list[2], d = list[3], e = list[4], f = list[5], g = list[6], h = list[7]
                Self.each(values, sel, n, out) { x in (x == a) || (x == b) || (x == c) || (x == d) || (x == e) || (x == f) || (x == g) || (x == h) }
            case .intIn(_, let set):
                Self.each(values, sel, n, out) { set.contains($0) }
            default:
                return
            }
            if let nl = v.nulls {
                for i in 0..<n where nl[Int(sel[i])] == 1 { out[i] = 2 }
            }
        case .text(let slot, let decide):
            let dict = b.strings[slot]!.dictionary
            var table = [UInt8](repeating: 2, count: dict.count + 1)  // code 0: NULL
            for code in 1..<(dict.count + 1) { table[code] = decide(dict.value(UInt32(code))) ? 1 : 0 }
            let codes = b.views[slot].codes.unsafelyUnwrapped
            for i in 0..<n { out[i] = table[Int(codes[Int(sel[i])])] }
        case .isNull(let slot, let kind):
            let v = b.views[slot]
            for i in 0..<n {
                let r = Int(sel[i])
                let isNull: Bool
                if kind == .string { isNull = v.codes.unsafelyUnwrapped[r] == 0 } else { isNull = v.nulls.map { $0[r] == 1 } ?? false }
                out[i] = isNull ? 1 : 0
            }
        case .expr(let op, let l, let r):
            withUnsafeTemporaryAllocation(of: Int64.self, capacity: 2 * n) { vb in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * n) { nb in
                    let x = vb.baseAddress!, y = x + n, xn = nb.baseAddress!, yn = xn + n
                    // (Neither can fail: `compile` takes only expressions that cannot.)
                    if (try? l.evaluate(b, sel, n, x, xn)) == nil { xn.update(repeating: 1, count: n) }
                    if (try? r.evaluate(b, sel, n, y, yn)) == nil { yn.update(repeating: 1, count: n) }
                    for i in 0..<n {
                        let pass = VectorFilter.test(x[i] < y[i] ? -1 : (x[i] > y[i] ? 1 : 0), op)
                        out[i] = (xn[i] | yn[i]) != 0 ? 2 : (pass ? 1 : 0)
                    }
                }
            }
        case .exprDouble(let op, let l, let d):
            withUnsafeTemporaryAllocation(of: Int64.self, capacity: n) { vb in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n) { nb in
                    let x = vb.baseAddress!, xn = nb.baseAddress!
                    if (try? l.evaluate(b, sel, n, x, xn)) == nil { xn.update(repeating: 1, count: n) }
                    for i in 0..<n {
                        let v = Double(x[i])
                        let pass = VectorFilter.test(v < d ? -1 : (v > d ? 1 : 0), op)
                        out[i] = xn[i] != 0 ? 2 : (pass ? 1 : 0)
                    }
                }
            }
        case .not(let x):
            x.truth(b, sel, n, out)
            for i in 0..<n where out[i] != 2 { out[i] ^= 1 }
        case .and(let xs), .or(let xs):
            let isAnd: Bool
            if case .and = self { isAnd = true } else { isAnd = false }
            out.update(repeating: isAnd ? 1 : 0, count: n)
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n) { t in
                for x in xs {
                    x.truth(b, sel, n, t.baseAddress!)
                    for i in 0..<n {
                        let a = out[i], c = t[i]
                        if isAnd {
                            // FALSE wins, then NULL.
                            out[i] = (a == 0 || c == 0) ? 0 : ((a == 2 || c == 2) ? 2 : 1)
                        } else {
                            out[i] = (a == 1 || c == 1) ? 1 : ((a == 2 || c == 2) ? 2 : 0)
                        }
                    }
                }
            }
        }
    }
}
