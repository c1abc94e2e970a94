import FlowArchive
import FlowLog
import FlowSupport

/// What a query scanned and skipped (printed by `--explain`).
public struct QueryStats: Sendable {
    public var segments = 0
    public var blocks = 0
    public var blocksSkipped = 0
    public var rowsScanned = 0
    public var rowsMatched = 0
    public var seconds = 0.0
}

public struct QueryResult: Sendable {
    public var columns: [String]
    public var types: [ValueType]
    public var rows: [[Value]]
    public var stats: QueryStats
    public var plan: String
}

/// Runs bound queries over an archive: blocks in parallel, each worker filtering rows and
/// updating its own groups, the workers' groups merged once at the end.
public enum QueryEngine {
    public static func run(_ text: String, statement: Statement, archive: ArchiveReader, threads: Int,
                           now: Int64 = Int64(UTCTime.nowSeconds()) * 1000) throws -> QueryResult {
        let t0 = Sys.monotonicNanos()
        Sys.tuneAllocatorForLargeBuffers()
        var binder = Binder(source: text, now: now)
        let plan = try binder.bind(statement.query)
        let prune = plan.filterAST.map(PruneCondition.from) ?? .maybe
        var blocks: [(Int, Int)] = []
        var stats = QueryStats()
        stats.segments = archive.segments.count
        for (si, seg) in archive.segments.enumerated() {
            for bi in seg.blocks.indices {
                stats.blocks += 1
                if prune.mayMatch(seg, seg.blocks[bi]) { blocks.append((si, bi)) } else { stats.blocksSkipped += 1 }
            }
        }
        let workers = max(1, min(threads, blocks.count))
        let shared = SharedScan(plan: plan, archive: archive, blocks: blocks, workers: workers)
        runThreads(workers) { w in shared.work(w) }
        if let e = shared.failure { throw e }
        var result = try shared.finish()
        stats.rowsScanned = shared.partials.reduce(0) { $0 + $1.rowsScanned }
        stats.rowsMatched = shared.partials.reduce(0) { $0 + $1.rowsMatched }
        stats.seconds = Double(Sys.monotonicNanos() - t0) / 1e9
        result.stats = stats
        result.plan = describe(plan, prune)
        return result
    }

    static func describe(_ plan: QueryPlan, _ prune: PruneCondition) -> String {
        var lines: [String] = []
        lines.append("scan archive columns: " + plan.columns.map(\.archiveName).joined(separator: ", "))
        lines.append("block index pruning: " + (prune.isUseful ? prune.description : "none (no indexed predicate in WHERE)"))
        if plan.filter != nil { lines.append("filter: WHERE") }
        if plan.isAggregate {
            lines.append("aggregate: \(plan.groupKeys.count) group keys, \(plan.aggregates.count) aggregates" + (plan.having != nil ? ", HAVING" : ""))
        }
        if !plan.orderBy.isEmpty { lines.append("sort: \(plan.orderBy.count) keys") }
        if let l = plan.limit { lines.append("limit: \(l)") }
        return lines.joined(separator: "\n")
    }
}

/// One worker's results.
final class Partial {
    var rowsScanned = 0
    var rowsMatched = 0
    var strings = StringTable()
    var groups: GroupTable
    /// Non-aggregate results per block index: (output values, order values).
    var rows: [Int: [([Value], [Value])]] = [:]
    var mask: [UInt8] = []

    init(keys: Int, aggs: Int) { groups = GroupTable(keyCount: keys, aggCount: aggs) }
}

final class SharedScan: @unchecked Sendable {
    let plan: QueryPlan
    let archive: ArchiveReader
    let blocks: [(Int, Int)]
    let monitor = Monitor()
    var next = 0
    var failure: (any Error)? = nil
    var partials: [Partial]
    var collected = 0
    /// The WHERE clause as column kernels, when its shape allows.
    let vectorFilter: VectorFilter?

    init(plan: QueryPlan, archive: ArchiveReader, blocks: [(Int, Int)], workers: Int) {
        self.plan = plan
        vectorFilter = plan.filter.flatMap { VectorFilter($0) }
        self.archive = archive
        self.blocks = blocks
        partials = (0..<workers).map { _ in Partial(keys: plan.groupKeys.count, aggs: plan.aggregates.count) }
    }

    /// For LIMIT without ORDER BY, DISTINCT or aggregation: enough rows found, stop scanning.
    var canStopEarly: Bool { !plan.isAggregate && plan.orderBy.isEmpty && !plan.distinct && plan.limit != nil }

    func work(_ w: Int) {
        let p = partials[w]
        let data = BlockData(slots: plan.columns.count)
        while true {
            let idx: Int? = monitor.withLock {
                if failure != nil || next >= blocks.count { return nil }
                if canStopEarly, let l = plan.limit, collected >= l { return nil }
                next += 1
                return next - 1
            }
            guard let idx else { return }
            do {
                try scan(block: idx, into: p, data)
            } catch {
                monitor.withLock { if failure == nil { failure = error } }
                return
            }
        }
    }

    func load(_ seg: SegmentReader, _ b: Int, _ data: BlockData) throws {
        data.rows = seg.blocks[b].rows
        for (slot, def) in plan.columns.enumerated() {
            let ci = seg.columnIndex(named: def.archiveName)
            switch def.kind {
            case .string:
                if let ci { data.strings[slot] = try seg.strings(block: b, column: ci) } else {
                    var c = StringColumn(); c.appendNulls(data.rows); data.strings[slot] = c
                }
            case .address:
                if let ci { data.addresses[slot] = try seg.addresses(block: b, column: ci) } else {
                    var c = AddressColumn(); c.appendNulls(data.rows); data.addresses[slot] = c
                }
            default:
                if let ci { data.ints[slot] = try seg.ints(block: b, column: ci) } else {
                    var c = IntColumn(); c.appendNulls(data.rows); data.ints[slot] = c
                }
            }
        }
    }

    func scan(block idx: Int, into p: Partial, _ data: BlockData) throws {
        let (si, bi) = blocks[idx]
        let seg = archive.segments[si]
        try load(seg, bi, data)
        data.makeViews()
        if plan.textCaches > 0 {
            // Each cache is sized to its column's dictionary; codes index it directly.
            var sizes = [Int](repeating: 1, count: plan.textCaches)
            Self.cacheSizes(plan.filter, data, &sizes)
            for o in plan.outputs { Self.cacheSizes(o.expr, data, &sizes) }
            for k in plan.groupKeys { Self.cacheSizes(k, data, &sizes) }
            for a in plan.aggregates { Self.cacheSizes(a.argument, data, &sizes) }
            data.textCaches = sizes.map { [Int8](repeating: -1, count: $0) }
        }
        p.strings.beginBlock(data)
        var c = EvalContext(block: data)
        p.rowsScanned += data.rows
        var key = [PackedScalar](repeating: PackedScalar(tag: 0, a: 0, b: 0), count: plan.groupKeys.count)
        var out: [([Value], [Value])] = []
        if let vf = vectorFilter { vf.evaluate(data, &p.mask) }
        for row in 0..<data.rows {
            c.row = row
            if vectorFilter != nil {
                if p.mask[row] == 0 { continue }
            } else if let f = plan.filter {
                guard case .bool(true) = try Evaluator.eval(f, c) else { continue }
            }
            p.rowsMatched += 1
            if plan.isAggregate {
                for (k, ke) in plan.groupKeys.enumerated() {
                    // Plain columns are packed straight from the column arrays.
                    if case .column(let slot, let kind) = ke {
                        key[k] = p.strings.packColumn(slot, kind, row, data)
                    } else {
                        key[k] = p.strings.pack(try Evaluator.eval(ke, c), c)
                    }
                }
                let g = p.groups.group(key)
                let st = p.groups.states + g * plan.aggregates.count
                for (j, spec) in plan.aggregates.enumerated() {
                    // count(*) and count/sum/avg of a plain integer column read the column arrays directly.
                    switch (spec.function, spec.argument) {
                    case (.countStar, _):
                        st[j].count += 1
                    case (.count, .column(let slot, let kind)?) where kind != .string:
                        if let n = data.views[slot].nulls, n[row] == 1 { continue }
                        st[j].count += 1
                    case (.sum, .column(let slot, let kind)?) where kind.isInteger,
                         (.avg, .column(let slot, let kind)?) where kind.isInteger:
                        let v = data.views[slot]
                        if let n = v.nulls, n[row] == 1 { continue }
                        let x = Int64(bitPattern: v.values.unsafelyUnwrapped[row])
                        let (r, o) = st[j].sumInt.addingReportingOverflow(x)
                        st[j].sumInt = r
                        if o { st[j].overflow = true }
                        st[j].sumDouble += Double(x)
                        st[j].count += 1
                    default:
                        try update(&st[j], spec, c, p.strings)
                    }
                }
            } else {
                let values = try plan.outputs.map { Evaluator.value(try Evaluator.eval($0.expr, c), c) }
                let order = try plan.orderBy.map { Evaluator.value(try Evaluator.eval($0.expr, c), c) }
                out.append((values, order))
                if canStopEarly, let l = plan.limit, out.count >= l { break }
            }
        }
        if !plan.isAggregate {
            p.rows[idx] = out
            if canStopEarly { monitor.withLock { collected += out.count } }
        }
    }

    /// Finds every `textCompare` in an expression and records its cache size (dictionary + 1).
    static func cacheSizes(_ e: CExpr?, _ data: BlockData, _ sizes: inout [Int]) {
        guard let e else { return }
        switch e {
        case .textCompare(let slot, _, _, let cache):
            sizes[cache] = (data.strings[slot]?.dictionary.count ?? 0) + 1
        case .not(let x), .negate(let x), .isNull(let x, _), .toIP(let x, _), .fromUnixtime(let x), .toUnixtime(let x),
             .castToVarchar(let x), .castToBigint(let x, _), .dateFormat(let x, _), .dateTrunc(_, let x),
             .like(let x, _, _), .likeAddressPrefix(let x, _, _, _), .cidrContains(_, _, let x):
            cacheSizes(x, data, &sizes)
        case .and(let xs), .or(let xs):
            for x in xs { cacheSizes(x, data, &sizes) }
        case .compare(_, let a, let b), .arithmetic(_, let a, let b), .dateAdd(_, let a, let b):
            cacheSizes(a, data, &sizes); cacheSizes(b, data, &sizes)
        case .between(let a, let b, let d, _):
            cacheSizes(a, data, &sizes); cacheSizes(b, data, &sizes); cacheSizes(d, data, &sizes)
        case .inList(let a, let xs, _):
            cacheSizes(a, data, &sizes); for x in xs { cacheSizes(x, data, &sizes) }
        case .caseWhen(let ws, let els):
            for (a, b) in ws { cacheSizes(a, data, &sizes); cacheSizes(b, data, &sizes) }
            cacheSizes(els, data, &sizes)
        case .constant, .column, .groupKey, .aggregate:
            break
        }
    }

    func update(_ s: inout AggState, _ spec: AggregateSpec, _ c: EvalContext, _ strings: StringTable) throws {
        if spec.function == .countStar { s.count += 1; return }
        let v = try Evaluator.eval(spec.argument!, c)
        if v.isNull { return }
        switch spec.function {
        case .count: s.count += 1
        case .sum, .avg:
            s.count += 1
            switch v {
            case .int(let x):
                let (r, o) = s.sumInt.addingReportingOverflow(x)
                s.sumInt = r
                if o { s.overflow = true }
                s.sumDouble += Double(x)
            case .double(let d):
                s.isDouble = true
                s.sumDouble += d
            default: break
            }
        case .min, .max:
            if let best = s.bestPacked {
                let current = strings.unpackScalar(best)
                if let o = Evaluator.compare(v, current, c), spec.function == .min ? o < 0 : o > 0 {
                    s.bestPacked = strings.pack(v, c)
                }
            } else {
                s.bestPacked = strings.pack(v, c)
            }
        case .countDistinct, .arrayAggDistinct:
            if s.set == nil { s.set = [] }
            s.set!.insert(strings.pack(v, c))
        case .arrayAgg:
            if s.list == nil { s.list = [] }
            s.list!.append(strings.pack(v, c))
        case .countStar: break
        }
    }

    // MARK: finishing

    func finish() throws -> QueryResult {
        let names = plan.outputs.map(\.name)
        let types = plan.outputs.map(\.type)
        var rows: [([Value], [Value])] = []
        if plan.isAggregate {
            // Merge the workers' groups on packed keys (text re-interned into one table), so the
            // merge costs no strings; values are made once per final group.
            let mergedStrings = StringTable()
            let mergedGroups = GroupTable(keyCount: plan.groupKeys.count, aggCount: 0)
            var finalsByGroup: [[FinalAgg]] = []
            var key = [PackedScalar](repeating: PackedScalar(tag: 0, a: 0, b: 0), count: plan.groupKeys.count)
            for p in partials {
                let g = p.groups
                var idMap = [UInt32](repeating: 0, count: p.strings.dictionary.count + 1)
                for gi in 0..<g.groupCount {
                    for k in 0..<g.keyCount {
                        var packed = g.keys[gi * g.keyCount + k]
                        if packed.tag == 6 {
                            let id = Int(packed.a)
                            if idMap[id] == 0 {
                                idMap[id] = p.strings.dictionary.value(UInt32(id)).withUnsafeBytes { mergedStrings.dictionary.intern($0) }
                            }
                            packed.a = UInt64(idMap[id])
                        }
                        key[k] = packed
                    }
                    let finals = (0..<g.aggCount).map { FinalAgg(g.states[gi * g.aggCount + $0], p.strings) }
                    let before = mergedGroups.groupCount
                    let m = mergedGroups.group(key)
                    if m == before {
                        finalsByGroup.append(finals)
                    } else {
                        for j in finals.indices { finalsByGroup[m][j].merge(finals[j], plan.aggregates[j].function) }
                    }
                }
            }
            var groups: [(key: [Scalar], finals: [FinalAgg])] = []
            groups.reserveCapacity(mergedGroups.groupCount)
            for m in 0..<mergedGroups.groupCount {
                let k = (0..<mergedGroups.keyCount).map { mergedStrings.unpackScalar(mergedGroups.keys[m * mergedGroups.keyCount + $0]) }
                groups.append((k, finalsByGroup[m]))
            }
            // A global aggregate (no GROUP BY) over no rows still returns one row.
            if plan.groupKeys.isEmpty && groups.isEmpty {
                groups.append(([], Array(repeating: FinalAgg(), count: plan.aggregates.count)))
            }
            // ORDER BY ... LIMIT n (top-N): rank the groups on their order keys first and make the
            // output values (strings for text and addresses) only for the n groups kept.
            let topN = plan.limit.map { Int($0) }.flatMap { (!plan.orderBy.isEmpty && !plan.distinct) ? $0 : nil }
            func context(_ gi: Int) throws -> (EvalContext, [Value]) {
                var c = EvalContext()
                c.keys = groups[gi].key
                let aggValues = try zip(groups[gi].finals, plan.aggregates).map { try $0.result($1) }
                c.aggregates = aggValues.map(Evaluator.scalar)
                return (c, aggValues)
            }
            func outputs(_ c: EvalContext, _ aggValues: [Value]) throws -> [Value] {
                try plan.outputs.map { o -> Value in
                    if case .aggregate(let j) = o.expr { return aggValues[j] }  // arrays pass through
                    return Evaluator.value(try Evaluator.eval(o.expr, c), c)
                }
            }
            var ranked: [(gi: Int, order: [Value])] = []
            for gi in groups.indices {
                let (c, aggValues) = try context(gi)
                if let h = plan.having {
                    guard case .bool(true) = try Evaluator.eval(h, c) else { continue }
                }
                let orderValues = try plan.orderBy.map { o -> Value in
                    if case .aggregate(let j) = o.expr { return aggValues[j] }
                    return Evaluator.value(try Evaluator.eval(o.expr, c), c)
                }
                if topN == nil {
                    rows.append((try outputs(c, aggValues), orderValues))
                } else {
                    ranked.append((gi, orderValues))
                }
            }
            if let n = topN {
                let order = Self.sortedPositions(ranked.map(\.order), plan.orderBy)
                for k in order.prefix(n) {
                    let (c, aggValues) = try context(ranked[k].gi)
                    rows.append((try outputs(c, aggValues), ranked[k].order))
                }
            }
        } else {
            for p in partials {
                for (idx, r) in p.rows { rows.append(contentsOf: r.map { ($0.0, $0.1 + [.int(Int64(idx))]) }) }
            }
            // Without ORDER BY, keep archive order (block order) so output is stable.
            if plan.orderBy.isEmpty { rows.sort { $0.1.last! < $1.1.last! } }
        }
        if plan.distinct {
            var seen = Set<[Value]>()
            rows = rows.filter { seen.insert($0.0).inserted }
        }
        if !plan.orderBy.isEmpty {
            let index = Self.sortedPositions(rows.map(\.1), plan.orderBy)
            rows = index.map { rows[$0] }
        }
        if let l = plan.limit, rows.count > Int(l) { rows.removeLast(rows.count - Int(l)) }
        return QueryResult(columns: names, types: types, rows: rows.map(\.0), stats: QueryStats(), plan: "")
    }
}

extension SharedScan {
    /// Positions of `keys` in ORDER BY order (stable), comparing over one flat row-major copy
    /// of the keys so that comparisons touch no nested arrays (a retain/release each).
    static func sortedPositions(_ keys: [[Value]], _ specs: [QueryPlan.Order]) -> [Int] {
        let n = specs.count
        var flat: [Value] = []
        flat.reserveCapacity(keys.count * n)
        for k in keys { flat.append(contentsOf: k.prefix(n)) }
        var index = Array(keys.indices)
        let ascending = specs.map(\.ascending), nullsFirst = specs.map(\.nullsFirst)
        flat.withUnsafeBufferPointer { f in
            index.sort { ia, ib in
                for i in 0..<n {
                    let x = f[ia * n + i], y = f[ib * n + i]
                    if x == y { continue }
                    if x.isNull { return nullsFirst[i] }
                    if y.isNull { return !nullsFirst[i] }
                    return ascending[i] ? x < y : y < x
                }
                return ia < ib
            }
        }
        return index
    }
}

extension StringTable {
    func unpackScalar(_ p: PackedScalar) -> Scalar {
        switch p.tag {
        case 5: return .addr(IPAddress(high: p.a, low: p.b))
        default: return Evaluator.scalar(unpack(p))
        }
    }
}
