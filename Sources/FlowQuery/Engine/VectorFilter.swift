import FlowArchive
import FlowLog

/// WHERE clauses made of simple predicates ANDed together (the usual shape: a direction, a few
/// address prefixes, a port, a time range) run as tight loops over a block's column arrays,
/// producing a mask of the rows where the clause is TRUE. Anything else falls back to the
/// row-at-a-time evaluator. NULL is never TRUE, so a NULL row is simply left out, as SQL wants.
struct VectorFilter {
    enum Kernel {
        /// text column <op> constant, decided once per dictionary code.
        case text(slot: Int, op: BinaryOperator, literal: [UInt8], negated: Bool)
        /// address column LIKE 'a.b.%' (as a network check).
        case addressPrefix(slot: Int, network: IPAddress, prefix: Int, negated: Bool)
        /// integer column <op> constant.
        case int(slot: Int, op: BinaryOperator, value: Int64, negated: Bool)
        /// bitwise_and(integer column, mask) <op> constant: TCP flag tests (`bitwise_and(tcp_flags,
        /// 2) <> 0`), one pass over the column.
        case intMasked(slot: Int, mask: Int64, op: BinaryOperator, value: Int64, negated: Bool)
        /// column IS [NOT] NULL
        case isNull(slot: Int, kind: FieldKind, negated: Bool)
        /// address column = / <> / [NOT] IN text constants, compared as 128-bit values.
        case addressIn(slot: Int, values: [IPAddress], negated: Bool)
        /// address column = another (negated: <>), compared as 128-bit values (an address's
        /// text is canonical, so as text too): `srcaddr <> pkt_srcaddr`, traffic through NAT.
        case addressPair(slot: Int, other: Int, negated: Bool)
        /// integer column [NOT] BETWEEN two constants.
        case intRange(slot: Int, low: Int64, high: Int64, negated: Bool)
        /// integer column [NOT] IN integer constants.
        case intIn(slot: Int, values: [Int64], negated: Bool)
        /// text column [NOT] IN text constants, decided once per dictionary code.
        case textIn(slot: Int, values: [[UInt8]], negated: Bool)
        /// Any predicate of one text or address column (`lower(action) = 'reject'`,
        /// `coalesce(instance_id, 'none') = 'none'`, `regexp_like(dstaddr, ...)`; with
        /// `fallible`, also functions that may fail, such as `from_iso8601_timestamp(dt) > ...`):
        /// evaluated once per dictionary code, NULL's code 0 included, with the code's value in
        /// place of the column (per row for an address chunk stored without a dictionary). A
        /// code whose evaluation fails throws `KernelUndecided`: the statement is then run
        /// again with such terms evaluated row by row, which raises the error only for a row
        /// that reaches the term (as Trino would), or not at all.
        case perCode(slot: Int, predicate: CExpr)
        /// `a <op> b` where a side is an integer or time expression over integer columns
        /// (`endtime - starttime > 600`, `numbytes / numpackets < 60`, `hour(from_unixtime(start))
        /// BETWEEN ...` as two): both sides computed for the rows still TRUE (`VectorExpr`), then
        /// compared. Only with `fallible` (an expression may fail: division by zero, overflow),
        /// throwing `KernelUndecided` when it does, as `perCode`.
        case compareExpr(op: BinaryOperator, VectorExpr, VectorExpr, negated: Bool)
        /// TRUE where every kernel of some branch is TRUE: an OR of kernel terms (`action =
        /// 'REJECT' OR dstport = 22`), and NOT of an AND. Each branch fills a mask of its own.
        indirect case any([[Kernel]])

        /// The kernel and, for `any`, its branches' kernels.
        var all: [Kernel] {
            if case .any(let branches) = self { return [self] + branches.flatMap { $0.flatMap(\.all) } }
            return [self]
        }
    }

    let kernels: [Kernel]

    /// nil when the clause has a shape the kernels do not cover. With `fallible`, terms that may
    /// fail are kernels too: predicates of one text or address column decided per dictionary
    /// code (`Kernel.perCode`) and comparisons of expressions over columns (`compareExpr`);
    /// such a kernel throws `KernelUndecided` when it fails.
    init?(_ e: CExpr, fallible: Bool = false) {
        var ks: [Kernel] = []
        // ANDs within the AND (contains() on an IPv6 network binds to one) are terms too.
        func terms(_ e: CExpr) -> [CExpr] {
            if case .and(let ts) = e { return ts.flatMap(terms) }
            return [e]
        }
        for t in terms(e) {
            guard let k = VectorFilter.kernel(t, negated: false, fallible: fallible) else { return nil }
            ks.append(k)
        }
        kernels = ks
    }

    static func kernel(_ e: CExpr, negated: Bool, fallible: Bool = false) -> Kernel? {
        func kernel(_ e: CExpr, negated: Bool) -> Kernel? { VectorFilter.kernel(e, negated: negated, fallible: fallible) }
        if case .inSet(let x, _, let items, let n) = e { return kernel(.inList(x, items, negated: n), negated: negated) }
        // A predicate of one text column goes per dictionary code whole, ORs and ANDs included
        // (one evaluation per code beats a mask per branch).
        if let slot = PerCode.onlySlot(e), let p = PerCode.substituting(e, slot, .parameter, mayFail: fallible) {
            switch e {
            case .and, .or: return .perCode(slot: slot, predicate: negated ? .not(p) : p)
            default: break
            }
        }
        switch e {
        case .or(let ts):
            // a OR b; NOT (a OR b) is NOT a AND NOT b (in three-valued logic too: TRUE exactly
            // when both are FALSE), one branch.
            var ks: [Kernel] = []
            for t in ts { guard let k = kernel(t, negated: negated) else { return nil }; ks.append(k) }
            return .any(negated ? [ks] : ks.map { [$0] })
        case .and(let ts):
            // Reached inside an OR (a top-level AND is split into kernels by `init`); NOT (a AND
            // b) is NOT a OR NOT b.
            var ks: [Kernel] = []
            for t in ts { guard let k = kernel(t, negated: negated) else { return nil }; ks.append(k) }
            return .any(negated ? ks.map { [$0] } : [ks])
        case .not(let x):
            return kernel(x, negated: !negated)
        case .textCompare(let slot, let op, let lit, _):
            return .text(slot: slot, op: op, literal: lit, negated: negated)
        case .likeAddressPrefix(.column(let slot, _), let net, let prefix, let n):
            return .addressPrefix(slot: slot, network: net, prefix: prefix, negated: n != negated)
        case .compare(let op, .column(let slot, let kind), .constant(.int(let v))) where kind.isInteger:
            return .int(slot: slot, op: op, value: v, negated: negated)
        case .compare(let op, .call(.bitwiseAnd, let args), .constant(.int(let v))) where args.count == 2 && comparisons.contains(op),
             .compare(let op, .constant(.int(let v)), .call(.bitwiseAnd, let args)) where args.count == 2 && comparisons.contains(op):
            var flipped = false  // the constant written first: `0 <> bitwise_and(...)`
            if case .compare(_, .constant, _) = e { flipped = true }
            switch (args[0], args[1]) {
            case (.column(let slot, let kind), .constant(.int(let mask))) where kind.isInteger,
                 (.constant(.int(let mask)), .column(let slot, let kind)) where kind.isInteger:
                return .intMasked(slot: slot, mask: mask, op: flipped ? op.flipped : op, value: v, negated: negated)
            default:
                break
            }
            return kernelOrPerCode(e, negated: negated, fallible: fallible)
        case .compare(let op, .constant(.int(let v)), .column(let slot, let kind)) where kind.isInteger:
            return .int(slot: slot, op: op.flipped, value: v, negated: negated)
        case .isNull(.column(let slot, let kind), let n):
            return .isNull(slot: slot, kind: kind, negated: n != negated)
        case .compare(let op, .column(let slot, .address), .constant(.string(let lit))) where op == .equal || op == .notEqual,
             .compare(let op, .constant(.string(let lit)), .column(let slot, .address)) where op == .equal || op == .notEqual:
            return .addressIn(slot: slot, values: addresses([lit]), negated: (op == .notEqual) != negated)
        case .compare(let op, .column(let slot, .address), .column(let other, .address)) where op == .equal || op == .notEqual:
            return .addressPair(slot: slot, other: other, negated: (op == .notEqual) != negated)
        case .inList(.column(let slot, .address), let items, let n):
            let lits = items.compactMap { i -> String? in if case .constant(.string(let s)) = i { return s }; return nil }
            guard lits.count == items.count else { return nil }
            return .addressIn(slot: slot, values: addresses(lits).sorted(), negated: n != negated)
        case .cidrContains(let net, let prefix, .toIP(.column(let slot, .address), _)):
            return .addressPrefix(slot: slot, network: AddressBloom.masked(net, prefix), prefix: prefix, negated: negated)
        case .between(.column(let slot, let kind), .constant(.int(let lo)), .constant(.int(let hi)), let n) where kind.isInteger:
            return .intRange(slot: slot, low: lo, high: hi, negated: n != negated)
        case .inList(.column(let slot, let kind), let items, let n) where kind.isInteger:
            let values = items.compactMap { i -> Int64? in if case .constant(.int(let v)) = i { return v }; return nil }
            guard values.count == items.count else { return nil }
            return .intIn(slot: slot, values: values, negated: n != negated)
        case .inList(.column(let slot, .string), let items, let n):
            let values = items.compactMap { i -> [UInt8]? in if case .constant(.string(let v)) = i { return Array(v.utf8) }; return nil }
            guard values.count == items.count else { return nil }
            return .textIn(slot: slot, values: values, negated: n != negated)
        case .between(let x, let lo, let hi, let n) where fallible && VectorExpr.compile(x) != nil:
            // x BETWEEN lo AND hi is x >= lo AND x <= hi (x is computed twice); NOT BETWEEN, the OR.
            guard let ge = kernel(.compare(.greaterOrEqual, x, lo), negated: negated != n),
                  let le = kernel(.compare(.lessOrEqual, x, hi), negated: negated != n) else { return nil }
            return .any(negated != n ? [[ge], [le]] : [[ge, le]])
        default:
            return kernelOrPerCode(e, negated: negated, fallible: fallible)
        }
    }

    /// A comparison of expressions over columns, or a predicate of one text or address column
    /// decided per dictionary code; nil for anything else.
    private static func kernelOrPerCode(_ e: CExpr, negated: Bool, fallible: Bool) -> Kernel? {
        if fallible, case .compare(let op, let a, let b) = e, VectorFilter.comparisons.contains(op),
           let (va, ta) = VectorExpr.compile(a), let (vb, tb) = VectorExpr.compile(b), ta == tb {
            return .compareExpr(op: op, va, vb, negated: negated)
        }
        guard let slot = PerCode.onlySlot(e), let p = PerCode.substituting(e, slot, .parameter, mayFail: fallible) else { return nil }
        return .perCode(slot: slot, predicate: negated ? .not(p) : p)
    }

    static let comparisons: Set<BinaryOperator> = [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual]

    /// The addresses whose text form is exactly one of `texts`. An address column is VARCHAR to
    /// SQL and its values print canonically, so a literal that is not canonical text (or not an
    /// address at all) equals no row and is left out.
    static func addresses(_ texts: [String]) -> [IPAddress] {
        texts.compactMap { t in Array(t.utf8).withUnsafeBytes { IPAddress.parse($0) }.flatMap { $0.description == t ? $0 : nil } }
    }

    static func test(_ order: Int, _ op: BinaryOperator) -> Bool {
        switch op {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        default: return order >= 0
        }
    }

    /// ANDs into `m` a predicate on a dictionary-encoded address column, decided once per
    /// dictionary entry and then looked up by each row's code.
    static func applyByCode(_ c: AddressCodes, _ m: UnsafeMutableBufferPointer<UInt8>, _ rows: Int,
                            _ predicate: (UInt64, UInt64) -> Bool) {
        var table = [UInt8](repeating: 0, count: c.entryCount)
        let entries = c.entries
        for e in 1..<max(1, c.entryCount) {
            let a = entries.entry(e)
            if predicate(a.high, a.low) { table[e] = 1 }
        }
        c.codes.withUnsafeBufferPointer { apply(table, $0.baseAddress!, m, rows) }
    }

    /// ANDs into `m` whether each row's code lies in `run` (the codes of an address range, found
    /// by binary search in the sorted dictionary; `lo > hi` when empty), or, negated, is neither
    /// in it nor NULL (code 0): a range compare per row, no per-entry table.
    static func applyRun(_ run: (lo: Int, hi: Int), negated: Bool, _ c: AddressCodes,
                         _ m: UnsafeMutableBufferPointer<UInt8>, _ rows: Int) {
        if run.lo <= run.hi {
            // Compared where the chunk keeps the codes, not expanded to 32 bits first.
            c.planes.andRun(lo: UInt32(run.lo), span: UInt32(run.hi - run.lo), negated: negated, m.baseAddress!)
        } else if negated {
            // Outside an empty run: every row that is not NULL (codes 1 and up).
            c.planes.andRun(lo: 1, span: UInt32.max - 1, negated: false, m.baseAddress!)
        } else {
            for i in 0..<rows { m[i] = 0 }
        }
    }

    /// The truth of `predicate` for each entry of a text dictionary, by code (code 0, NULL, is
    /// never TRUE, negated or not).
    static func textTable(_ dict: ByteDictionary, _ predicate: (ArraySlice<UInt8>) -> Bool) -> [UInt8] {
        var table = [UInt8](repeating: 0, count: dict.count + 1)
        for code in 1..<max(1, dict.count + 1) where predicate(dict.value(UInt32(code))) { table[code] = 1 }
        return table
    }

    /// The truth of `[NOT] IN values` (ascending) per code of a sorted address dictionary, found
    /// by walking the dictionary with the list; nil when the dictionary is not known to be
    /// sorted. A threat list of 500 addresses against blocks of ~20,000 distinct destinations:
    /// hashing every entry to look it up in a set of the list was half of the query.
    static func listTable(_ c: AddressCodes, _ values: [IPAddress], negated: Bool) -> [UInt8]? {
        var table = [UInt8](repeating: negated ? 1 : 0, count: max(1, c.entryCount))
        table[0] = 0  // NULL: neither IN nor NOT IN is TRUE
        let mark: UInt8 = negated ? 0 : 1
        guard c.forEachCode(of: values, { table[$0] = mark }) else { return nil }
        return table
    }

    /// Clears `m` where a row is NULL (flag 1): branch-free, so that it vectorizes (a loop
    /// that wrote only the NULL rows tested each byte on its own, a third of an OR query's
    /// filtering).
    @inline(__always)
    static func clearNulls(_ nulls: UnsafePointer<UInt8>, _ m: UnsafeMutableBufferPointer<UInt8>, _ rows: Int) {
        let out = m.baseAddress!
        for i in 0..<rows { out[i] &= nulls[i] == 1 ? 0 : 1 }
    }

    /// ANDs into `m` where `(column & mask) op value` (negated: NOT of it) is TRUE. One loop per
    /// operator, each a branch-free compare the compiler vectorizes (a per-row switch on the
    /// operator and a three-way compare were not); a mask of all ones costs an AND a row.
    @inline(__always)
    static func compareInts(_ v: SlotView, mask: Int64, _ op: BinaryOperator, _ value: Int64, _ negated: Bool,
                            _ m: UnsafeMutableBufferPointer<UInt8>, _ rows: Int) {
        let vals = v.values!
        let flip: UInt8 = negated ? 1 : 0
        @inline(__always) func run(_ pass: (Int64) -> Bool) {
            for i in 0..<rows { m[i] &= (pass(Int64(bitPattern: vals[i]) & mask) ? 1 : 0) ^ flip }
        }
        switch op {
        case .equal: run { $0 == value }
        case .notEqual: run { $0 != value }
        case .less: run { $0 < value }
        case .lessOrEqual: run { $0 <= value }
        case .greater: run { $0 > value }
        default: run { $0 >= value }
        }
        if let nulls = v.nulls { clearNulls(nulls, m, rows) }
    }

    /// ANDs into `m` each row's entry of `table`, looked up by the row's code.
    static func apply(_ table: [UInt8], _ codes: UnsafePointer<UInt32>, _ m: UnsafeMutableBufferPointer<UInt8>, _ rows: Int) {
        guard let first = table.firstIndex(of: 1), let last = table.lastIndex(of: 1) else {
            for i in 0..<rows { m[i] = 0 }  // no entry passes: no row does
            return
        }
        // The entries that pass usually form one run of codes (an address dictionary is sorted,
        // so a CIDR, a LIKE prefix, a comparison or an equality is one run): then each row is a
        // range compare, which vectorizes, rather than a byte gathered from the table (a CIDR
        // count 10.5 -> 8.3 ms).
        let isRun = table.withUnsafeBufferPointer { t in (first...last).allSatisfy { t[$0] == 1 } }
        if isRun {
            let lo = UInt32(first), span = UInt32(last - first)
            for i in 0..<rows { m[i] &= (codes[i] &- lo) <= span ? 1 : 0 }
            return
        }
        table.withUnsafeBufferPointer { t in
            for i in 0..<rows { m[i] &= t[Int(codes[i])] }
        }
    }

    /// Fills `mask` (one byte per row) with 1 where every kernel is TRUE; throws
    /// `KernelUndecided` when a fallible kernel fails (for a code or a row).
    func evaluate(_ b: BlockData, _ mask: inout [UInt8]) throws(KernelUndecided) {
        let rows = b.rows
        if mask.count < rows { mask = [UInt8](repeating: 1, count: rows) } else {
            for i in 0..<rows { mask[i] = 1 }
        }
        try mask.withUnsafeMutableBufferPointer { m throws(KernelUndecided) in
            for k in kernels { try VectorFilter.apply(k, b, m, rows) }
        }
    }

    /// ANDs into `m` (one byte per row, 1 = TRUE so far) where kernel `k` is TRUE.
    static func apply(_ k: Kernel, _ b: BlockData, _ m: UnsafeMutableBufferPointer<UInt8>, _ rows: Int) throws(KernelUndecided) {
        switch k {
        case .any(let branches):
            // Raw buffers: Swift arrays captured here paid a uniqueness check per row and
            // branch (half of an OR query's time).
            let anyTrue = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, rows))
            let branch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, rows))
            defer { anyTrue.deallocate(); branch.deallocate() }
            let any = anyTrue.baseAddress!, t = branch.baseAddress!
            any.initialize(repeating: 0, count: rows)
            for kernels in branches {
                t.initialize(repeating: 1, count: rows)
                for k in kernels { try apply(k, b, branch, rows) }
                for i in 0..<rows { any[i] |= t[i] }
            }
            let out = m.baseAddress!
            for i in 0..<rows { out[i] &= any[i] }
        case .text(let slot, let op, let lit, let negated):
            let table = VectorFilter.textTable(b.strings[slot]!.dictionary) { t in
                let order = t.withUnsafeBytes { t in lit.withUnsafeBytes { Evaluator.compareBytes(t, $0) } }
                return VectorFilter.test(order, op) != negated
            }
            VectorFilter.apply(table, b.views[slot].codes!, m, rows)
        case .addressPrefix(let slot, let net, let prefix, let negated) where b.addressCodes[slot] != nil:
            let masked = AddressBloom.masked(IPAddress(high: .max, low: .max), prefix)
            let c = b.addressCodes[slot]!
            let last = IPAddress(high: net.high | ~masked.high, low: net.low | ~masked.low)
            if let run = c.codeRun(first: net, last: last) {
                VectorFilter.applyRun(run, negated: negated, c, m, rows)
            } else {
                VectorFilter.applyByCode(c, m, rows) { hi, lo in
                    (((hi & masked.high) == net.high && (lo & masked.low) == net.low) != negated)
                }
            }
        case .addressIn(let slot, let values, let negated) where b.addressCodes[slot] != nil:
            if values.count == 1, let run = b.addressCodes[slot]!.codeRun(first: values[0], last: values[0]) {
                VectorFilter.applyRun(run, negated: negated, b.addressCodes[slot]!, m, rows)
            } else if values.count == 1 {
                let a = values[0]
                VectorFilter.applyByCode(b.addressCodes[slot]!, m, rows) { hi, lo in (hi == a.high && lo == a.low) != negated }
            } else if let table = VectorFilter.listTable(b.addressCodes[slot]!, values, negated: negated) {
                b.addressCodes[slot]!.codes.withUnsafeBufferPointer { VectorFilter.apply(table, $0.baseAddress!, m, rows) }
            } else {
                let set = Set(values)
                VectorFilter.applyByCode(b.addressCodes[slot]!, m, rows) { hi, lo in
                    set.contains(IPAddress(high: hi, low: lo)) != negated
                }
            }
        case .addressPrefix(let slot, let net, let prefix, let negated):
            let v = b.views[slot]
            let hi = v.high!, lo = v.low!
            let masked = AddressBloom.masked(IPAddress(high: .max, low: .max), prefix)
            for i in 0..<rows {
                let inNet = (hi[i] & masked.high) == net.high && (lo[i] & masked.low) == net.low
                m[i] &= (inNet != negated) ? 1 : 0
            }
            if let nulls = v.nulls { VectorFilter.clearNulls(nulls, m, rows) }
        case .int(let slot, let op, let value, let negated):
            VectorFilter.compareInts(b.views[slot], mask: -1, op, value, negated, m, rows)
        case .intMasked(let slot, let mask, let op, let value, let negated):
            VectorFilter.compareInts(b.views[slot], mask: mask, op, value, negated, m, rows)
        case .addressIn(let slot, let values, let negated):
            let v = b.views[slot]
            let hi = v.high!, lo = v.low!
            if values.count == 1 {
                let a = values[0]
                for i in 0..<rows {
                    let eq = hi[i] == a.high && lo[i] == a.low
                    m[i] &= (eq != negated) ? 1 : 0
                }
            } else {
                let set = Set(values)
                for i in 0..<rows where m[i] != 0 {
                    m[i] = (set.contains(IPAddress(high: hi[i], low: lo[i])) != negated) ? 1 : 0
                }
            }
            if let nulls = v.nulls { VectorFilter.clearNulls(nulls, m, rows) }
        case .addressPair(let slot, let other, let negated):
            let v = b.views[slot], w = b.views[other]
            let ha = v.high!, la = v.low!, hb = w.high!, lb = w.low!
            for i in 0..<rows {
                let eq = ha[i] == hb[i] && la[i] == lb[i]
                m[i] &= (eq != negated) ? 1 : 0
            }
            if let nulls = v.nulls { VectorFilter.clearNulls(nulls, m, rows) }
            if let nulls = w.nulls { VectorFilter.clearNulls(nulls, m, rows) }
        case .intRange(let slot, let low, let high, let negated):
            let v = b.views[slot]
            let vals = v.values!
            let flip: UInt8 = negated ? 1 : 0
            if low > high {
                // An empty range: BETWEEN is FALSE for every non-NULL row.
                for i in 0..<rows { m[i] &= flip }
            } else {
                // low <= x <= high as one unsigned compare: x - low wraps below 0, so it
                // lands in 0...(high - low) exactly when x is in range. No branch per row.
                let base = UInt64(bitPattern: low), span = UInt64(bitPattern: high) &- base
                for i in 0..<rows { m[i] &= ((vals[i] &- base <= span) ? 1 : 0) ^ flip }
            }
            if let nulls = v.nulls { VectorFilter.clearNulls(nulls, m, rows) }
        case .intIn(let slot, let values, let negated):
            let v = b.views[slot]
            let vals = v.values!
            if values.count <= 8 {
                for i in 0..<rows where m[i] != 0 {
                    let x = Int64(bitPattern: vals[i])
                    m[i] = (values.contains(x) != negated) ? 1 : 0
                }
            } else {
                let set = Set(values)  // long lists (IN a subquery)
                for i in 0..<rows where m[i] != 0 {
                    m[i] = (set.contains(Int64(bitPattern: vals[i])) != negated) ? 1 : 0
                }
            }
            if let nulls = v.nulls { VectorFilter.clearNulls(nulls, m, rows) }
        case .perCode(let slot, let predicate):
            // The predicate with the column as a parameter, decided per dictionary code
            // (or per row where a block's dictionary is about as long as the block).
            var c = EvalContext(block: b)
            func decide(_ value: Scalar) throws(KernelUndecided) -> UInt8 {
                c.parameter = value
                do {
                    guard case .bool(true) = try Evaluator.eval(predicate, c) else { return 0 }
                    return 1
                } catch {
                    throw KernelUndecided()
                }
            }
            if let strings = b.strings[slot] {
                let n = strings.dictionary.count
                var table = [UInt8](repeating: 0, count: n + 1)
                table[0] = try decide(.null)
                for code in 1..<(n + 1) { table[code] = try decide(.text(slot: slot, code: UInt32(code))) }
                VectorFilter.apply(table, b.views[slot].codes!, m, rows)
            } else if let codes = b.addressCodes[slot], codes.entryCount <= rows {
                var table = [UInt8](repeating: 0, count: max(1, codes.entryCount))
                table[0] = try decide(.null)
                for e in 1..<max(1, codes.entryCount) {
                    let a = codes.entries.entry(e)
                    table[e] = try decide(.addr(IPAddress(high: a.high, low: a.low)))
                }
                codes.codes.withUnsafeBufferPointer { VectorFilter.apply(table, $0.baseAddress!, m, rows) }
            } else if let codes = b.addressCodes[slot] {
                let whenNull = try decide(.null)
                try codes.codes.withUnsafeBufferPointer { cs throws(KernelUndecided) in
                    for i in 0..<rows where m[i] != 0 {
                        if cs[i] == 0 { m[i] = whenNull; continue }
                        let a = codes.entries.entry(Int(cs[i]))
                        m[i] = try decide(.addr(IPAddress(high: a.high, low: a.low)))
                    }
                }
            } else {
                let v = b.views[slot]
                let high = v.high.unsafelyUnwrapped, low = v.low.unsafelyUnwrapped
                let whenNull = try decide(.null)
                for i in 0..<rows where m[i] != 0 {
                    if let nl = v.nulls, nl[i] == 1 { m[i] = whenNull; continue }
                    m[i] = try decide(.addr(IPAddress(high: high[i], low: low[i])))
                }
            }
        case .compareExpr(let op, let a, let bx, let negated):
            // The rows still TRUE, as a selection; the sides computed for those only.
            let sel = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, rows))
            let va = UnsafeMutablePointer<Int64>.allocate(capacity: max(1, rows)), vb = UnsafeMutablePointer<Int64>.allocate(capacity: max(1, rows))
            let na = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, rows)), nb = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, rows))
            defer { sel.deallocate(); va.deallocate(); vb.deallocate(); na.deallocate(); nb.deallocate() }
            var n = 0
            for i in 0..<rows where m[i] != 0 { sel[n] = Int32(truncatingIfNeeded: i); n += 1 }
            guard n > 0 else { return }
            do {
                try a.evaluate(b, sel, n, va, na)
                try bx.evaluate(b, sel, n, vb, nb)
            } catch {
                throw KernelUndecided()
            }
            let flip: UInt8 = negated ? 1 : 0
            @inline(__always) func run(_ pass: (Int64, Int64) -> Bool) {
                for j in 0..<n {
                    let t = (pass(va[j], vb[j]) ? 1 : 0) ^ flip
                    m[Int(sel[j])] = (na[j] | nb[j]) == 0 ? t : 0  // NULL: neither TRUE nor, negated, TRUE
                }
            }
            switch op {
            case .equal: run { $0 == $1 }
            case .notEqual: run { $0 != $1 }
            case .less: run { $0 < $1 }
            case .lessOrEqual: run { $0 <= $1 }
            case .greater: run { $0 > $1 }
            default: run { $0 >= $1 }
            }
        case .textIn(let slot, let values, let negated):
            let set = Set(values)
            let table = VectorFilter.textTable(b.strings[slot]!.dictionary) { set.contains(Array($0)) != negated }
            VectorFilter.apply(table, b.views[slot].codes!, m, rows)
        case .isNull(let slot, let kind, let negated):
            let v = b.views[slot]
            if kind == .string {
                let codes = v.codes!
                for i in 0..<rows { m[i] &= ((codes[i] == 0) != negated) ? 1 : 0 }
            } else if kind == .address, v.high == nil, let c = b.addressCodes[slot] {
                // An address column read as dictionary codes only: code 0 is NULL
                // (compared where the chunk keeps the codes).
                if negated {
                    c.planes.andRun(lo: 1, span: UInt32.max - 1, negated: false, m.baseAddress!)
                } else {
                    c.planes.andRun(lo: 0, span: 0, negated: false, m.baseAddress!)
                }
            } else if let nulls = v.nulls {
                for i in 0..<rows { m[i] &= ((nulls[i] == 1) != negated) ? 1 : 0 }
            } else if !negated {
                for i in 0..<rows { m[i] = 0 }  // no nulls: IS NULL is never TRUE
            }
        }
    }
}

/// A kernel that may fail did, for a dictionary code (`VectorFilter.Kernel.perCode`) or a row
/// (`compareExpr`) that the row evaluator might never have reached: the statement is run again
/// with such terms row by row.
struct KernelUndecided: Error {}

/// Predicates of one text or address column evaluated per dictionary code (see `VectorFilter.Kernel.perCode`).
enum PerCode {
    /// The slot of the one text or address column `e` reads, when that is all it reads.
    static func onlySlot(_ e: CExpr) -> Int? {
        var slot: Int? = nil, other = false
        e.forEach { x in
            switch x {
            case .column(let s, .string), .column(let s, .address), .textCompare(let s, _, _, _):
                if slot == nil { slot = s } else if slot != s { other = true }
            case .column, .joined, .groupKey, .aggregate:
                other = true
            default:
                break
            }
        }
        return other ? nil : slot
    }

    /// `e` with the column `slot` replaced by `value` (`CExpr.parameter`), when every node of `e` is one that
    /// cannot fail on any text (so a code's answer may be computed for rows the row evaluator
    /// would never have reached); nil otherwise. With `mayFail`, any function is taken: for a
    /// caller that evaluates a code only for a row that holds it (a GROUP BY key), where an
    /// error is the row's own (`day_of_week(date)` of AWS's example queries: 80 s over 20 M rows
    /// row by row, when a block holds one or two dates).
    static func substituting(_ e: CExpr, _ slot: Int, _ value: CExpr, mayFail: Bool = false) -> CExpr? {
        func sub(_ x: CExpr) -> CExpr? { substituting(x, slot, value, mayFail: mayFail) }
        func all(_ xs: [CExpr]) -> [CExpr]? {
            var out: [CExpr] = []
            for x in xs { guard let y = sub(x) else { return nil }; out.append(y) }
            return out
        }
        switch e {
        case .column(let s, .string) where s == slot: return value
        case .column(let s, .address) where s == slot: return value
        case .constant(let c):
            if case .double = c { return nil }  // (no double arithmetic here: keep to text)
            return e
        case .textCompare(let s, let op, let lit, _) where s == slot:
            return .compare(op, value, .constant(.string(String(decoding: lit, as: UTF8.self))))
        case .not(let x): return sub(x).map { .not($0) }
        case .and(let xs): return all(xs).map { .and($0) }
        case .or(let xs): return all(xs).map { .or($0) }
        case .compare(let op, let a, let b):
            guard let a = sub(a), let b = sub(b) else { return nil }
            return .compare(op, a, b)
        case .like(let x, let p, let n): return sub(x).map { .like($0, p, negated: n) }
        case .isNull(let x, let n): return sub(x).map { .isNull($0, negated: n) }
        case .toIP(.column(let s, .address), let isTry) where s == slot:
            // An address column's values are addresses: the cast cannot fail.
            return .toIP(value, isTry: isTry)
        case .between(let x, let lo, let hi, let n):
            guard let x = sub(x), let lo = sub(lo), let hi = sub(hi) else { return nil }
            return .between(x, lo, hi, negated: n)
        case .inList(let x, let items, let n):
            guard let x = sub(x), let items = all(items) else { return nil }
            return .inList(x, items, negated: n)
        case .caseWhen(let whens, let els):
            var out: [(CExpr, CExpr)] = []
            for (c, r) in whens { guard let c = sub(c), let r = sub(r) else { return nil }; out.append((c, r)) }
            if let els { guard let e = sub(els) else { return nil }; return .caseWhen(out, e) }
            return .caseWhen(out, nil)
        case .call(let f, let args):
            switch f {
            case .lower, .upper, .length, .reverse, .trim, .ltrim, .rtrim, .concat, .substr, .strpos, .replace,
                 .startsWith, .coalesce, .nullif, .regexpLike, .regexpSearch, .regexpExtract, .regexpReplace, .regexpCount:
                break
            case .parseDate(isTry: true):
                // try_cast(... AS DATE): NULL for text that is no date. The `date` partition
                // column is this over date_partition, and AWS's example queries filter on it
                // (`date > current_date - INTERVAL '7' DAY`): per row it cost 3.4 µs.
                break
            case .splitPart:
                // Fails only for an index below 1.
                guard args.count == 3, case .constant(.int(let k)) = args[2], k > 0 || mayFail else { return nil }
            default:
                if !mayFail { return nil }
            }
            return all(args).map { .call(f, $0) }
        default:
            return nil
        }
    }
}
