import FlowArchive
import FlowLog

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

    /// The result tags of `PackedScalar`: bigint and timestamp.
    static let bigint: UInt8 = 1
    static let timestamp: UInt8 = 7

    /// The vector form of `e` and its result tag, or nil when `e` is not covered.
    static func compile(_ e: CExpr) -> (VectorExpr, UInt8)? {
        switch e {
        case .column(let slot, let kind) where kind.isInteger:
            return (.column(slot: slot), bigint)
        case .constant(.int(let v)):
            return (.constant(v), bigint)
        case .constant(.timestamp(let v)):
            return (.constant(v), timestamp)
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
        case .call(.field(let f), let args):
            guard let (v, t) = compile(args[0]), t == timestamp else { return nil }
            return (.field(f, v), bigint)
        case .dateAdd(let unit, .constant(.int(let k)), let x):
            guard let step = unit.fixedMilliseconds, let (v, t) = compile(x), t == timestamp else { return nil }
            let (delta, overflow) = k.multipliedReportingOverflow(by: step)
            if overflow { return nil }  // the row evaluator reports it
            return (.addMilliseconds(delta, v), timestamp)
        default:
            return nil
        }
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
