import CIntrinsics
import FlowArchive
import FlowLog
import FlowSupport

/// What a query scanned and skipped (printed by `--explain`).
public struct QueryStats: Sendable {
    public var segments = 0
    public var blocks = 0
    public var blocksSkipped = 0
    /// Segments skipped whole by what the manifest says of them, their time bounds or their
    /// sources' partitions (their blocks count as skipped).
    public var segmentsSkipped = 0
    public var rowsScanned = 0
    public var rowsMatched = 0
    /// Blocks answered from their indexes alone (every row matches WHERE, and only count(*) and
    /// min/max of integer columns are asked).
    public var blocksCounted = 0
    /// Pages of paged integer chunks (format 2.0) counted or skipped by their min/max alone, in
    /// blocks that were read (count(*) over WHERE on integer ranges).
    public var pagesFromIndexes = 0
    public var seconds = 0.0
    /// Of `seconds`: scanning blocks (in parallel), then merging, ordering and shaping the result.
    public var scanSeconds = 0.0
    public var finishSeconds = 0.0

    /// Counts the blocks and rows another statement's scan read (a subquery's, a UNION branch's)
    /// as this statement's.
    mutating func addScan(of s: QueryStats) {
        segments = max(segments, s.segments)
        segmentsSkipped = max(segmentsSkipped, s.segmentsSkipped)
        blocks += s.blocks
        blocksSkipped += s.blocksSkipped
        blocksCounted += s.blocksCounted
        pagesFromIndexes += s.pagesFromIndexes
        rowsScanned += s.rowsScanned
    }
}

/// Runs bound queries over an archive: blocks in parallel, each worker filtering rows and
/// updating its own groups, the workers' groups merged once at the end.
public enum QueryEngine {
    public static func run(_ text: String, statement: Statement, archive: ArchiveReader, threads: Int,
                           now: Int64 = Int64(UTCTime.nowSeconds()) * 1000) throws -> QueryResult {
        let t0 = Sys.monotonicNanos()
        Sys.tuneAllocatorForLargeBuffers()
        return try run(text, query: statement.query, archive: archive, threads: threads, now: now, started: t0)
    }

    /// `windowRows`: the rows a query with window functions computed, for its outer query
    /// (`WindowPlan`), which reads them as its FROM.
    static func run(_ text: String, query: Query, archive: ArchiveReader, threads: Int, now: Int64, started t0: UInt64,
                    windowRows: QueryResult? = nil) throws -> QueryResult {
        if !query.setOperations.isEmpty {
            return try runUnion(text, query: query, archive: archive, threads: threads, now: now, started: t0)
        }
        if query.hasWindowFunctions {
            let split = try WindowPlan.split(query, source: text)
            let inner = try run(text, query: split.inner, archive: archive, threads: threads, now: now, started: Sys.monotonicNanos())
            let rows = try WindowPlan.compute(split.calls, over: inner, source: text)
            var result = try run(text, query: split.outer, archive: archive, threads: threads, now: now, started: t0, windowRows: rows)
            result.plan = inner.plan + "\nwindow functions: \(split.calls.count) over the \(inner.rowCount) rows above, held in memory\n"
                + result.plan
            return result
        }
        var binder = Binder(source: text, now: now)
        var subStats: [QueryStats] = []
        binder.runSubquery = { sub in
            if let windowRows, WindowPlan.readsWindowRows(sub) {
                subStats.append(windowRows.stats)
                return windowRows
            }
            let r = try run(text, query: sub, archive: archive, threads: threads, now: now, started: Sys.monotonicNanos())
            subStats.append(r.stats)
            return r
        }
        let plan = try binder.bind(query)
        let prune = plan.filterAST.map(PruneCondition.from) ?? .maybe
        var blocks: [(Int, Int)] = []
        // Blocks whose every row matches WHERE by their indexes (used when only count(*) is asked).
        var everyRow: [Bool] = []
        let exact = plan.filterAST.flatMap(PruneCondition.exactIntRanges)
        var stats = QueryStats()
        var partitions: PartitionFilter? = nil
        if plan.join?.subqueryOnly == true {
            blocks = [(-1, -1)]  // one empty archive row: every subquery row joins it
        } else {
            // Whole segments first, by what the manifest says of them: only the segments that
            // may hold matching rows are opened.
            partitions = try PartitionFilter.make(plan, archive)
            var kept: [Int] = []
            for (si, record) in archive.segmentRecords.enumerated() {
                if prune.mayMatch(segment: record) && partitions?.mayMatch(segment: record) != false {
                    kept.append(si)
                } else {
                    stats.segmentsSkipped += 1
                    stats.blocks += Int(record.blocks)
                    stats.blocksSkipped += Int(record.blocks)
                }
            }
            stats.segments = archive.segmentRecords.count
            for (si, seg) in zip(kept, try archive.open(kept)) {
                for bi in seg.blocks.indices {
                    stats.blocks += 1
                    if prune.mayMatch(seg, bi) && partitions?.mayMatch(seg, bi) != false {
                        blocks.append((si, bi))
                        if let exact { everyRow.append(PruneCondition.everyRowMatches(exact, seg, bi)) }
                    } else {
                        stats.blocksSkipped += 1
                    }
                }
            }
        }
        let workers = max(1, min(threads, blocks.count))
        // ORDER BY a time or integer column ... LIMIT n: the blocks most likely to hold the first
        // rows are scanned first, and a block none of whose rows can enter is passed over.
        let topBounds = TopRows.blockBounds(plan, archive, &blocks, &everyRow)
        func scan(fallible: Bool) -> SharedScan {
            let shared = SharedScan(plan: plan, archive: archive, blocks: blocks, workers: workers, fallible: fallible)
            shared.everyRow = everyRow
            shared.exactRanges = exact
            shared.topBounds = topBounds
            runThreads(workers) { w in shared.work(w) }
            return shared
        }
        let t1 = Sys.monotonicNanos()
        var shared = scan(fallible: true)
        let rerun = shared.failure is KernelUndecided
        if rerun {
            // A term decided per dictionary code, or an expression computed over columns, failed
            // (for a code, or a row the row evaluator might never reach): run again with such
            // terms row by row, where the error is raised only by a row that reaches the term.
            shared = scan(fallible: false)
        }
        let filterMode = (shared.vectorFilter != nil ? "by column kernels" : "row by row")
            + (rerun ? " (a term computed per dictionary value or over columns failed; the scan ran again with it evaluated per row)" : "")
        if let e = shared.failure { throw e }
        let t2 = Sys.monotonicNanos()
        let keyWords = shared.partials.first?.aggregator?.layout.width
        var result = try shared.finish()
        stats.scanSeconds = Double(t2 - t1) / 1e9
        stats.finishSeconds = Double(Sys.monotonicNanos() - t2) / 1e9
        stats.rowsScanned = shared.partials.reduce(0) { $0 + $1.rowsScanned }
        stats.rowsMatched = shared.partials.reduce(0) { $0 + $1.rowsMatched }
        stats.blocksCounted = shared.partials.reduce(0) { $0 + $1.blocksCounted }
        stats.blocksSkipped += shared.partials.reduce(0) { $0 + $1.blocksPassedOver }
        stats.pagesFromIndexes = shared.partials.reduce(0) { $0 + $1.pagesFromIndexes }
        if plan.join?.subqueryOnly == true { stats.rowsScanned = 0 }
        if shared.partials.contains(where: { ($0.aggregator?.groupCount ?? 0) >= 100_000 }) {
            // Group tables of millions of groups take milliseconds to unmap: freed on a thread
            // of their own, so the answer is not held back by it (top talkers: 8 ms).
            let doomed = Handoff(shared.partials)
            shared.partials = []
            detachThread { doomed.drop() }
        }
        for s in subStats { stats.addScan(of: s) }  // a subquery's scan is part of this query's
        stats.seconds = Double(Sys.monotonicNanos() - t0) / 1e9
        result.stats = stats
        result.plan = describe(plan, prune, partitions, keyWords: keyWords, filterMode: filterMode)
        return result
    }

    /// `a UNION | INTERSECT | EXCEPT [ALL] b ... [ORDER BY ...] [LIMIT n]`: each operand run on
    /// its own, the operations applied left to right to the rows held in memory (an operand with
    /// set operations of its own, as the parser nests INTERSECT, is run as a whole first), then
    /// ordered and cut as a subquery in FROM would be. Rows compare as Trino's set operations
    /// compare them: NULL equals NULL, and a bigint column that meets a double column becomes
    /// double on both sides first (1 and 1.0 are one value).
    static func runUnion(_ text: String, query: Query, archive: ArchiveReader, threads: Int, now: Int64, started t0: UInt64) throws -> QueryResult {
        if !query.orderBy.isEmpty || query.limit != nil {
            var union = query
            union.orderBy = []
            union.limit = nil
            let outer = Query(selectItems: [SelectItem(.wildcard, position: query.position)],
                              from: Relation(.subquery(union, alias: nil), position: query.position),
                              orderBy: query.orderBy, limit: query.limit, position: query.position)
            return try run(text, query: outer, archive: archive, threads: threads, now: now, started: t0)
        }
        let first = try run(text, query: query.firstSelect, archive: archive, threads: threads, now: now, started: Sys.monotonicNanos())
        var rows = first.rows
        var types = first.types
        var stats = first.stats
        for op in query.setOperations {
            let r = try run(text, query: op.query, archive: archive, threads: threads, now: now, started: Sys.monotonicNanos())
            let name = op.kind.rawValue
            guard r.columns.count == types.count else {
                throw SQLError("\(name) query has different number of fields: \(types.count), \(r.columns.count)", at: op.position, source: text)
            }
            var right = r.rows
            for i in types.indices where r.types[i] != types[i] && r.types[i] != .unknown {
                if types[i] == .unknown { types[i] = r.types[i]; continue }
                let numeric: [ValueType] = [.bigint, .double]
                guard numeric.contains(types[i]) && numeric.contains(r.types[i]) else {
                    throw SQLError("column \(i + 1) in \(name) query has incompatible types: \(types[i]), \(r.types[i])", at: op.position, source: text)
                }
                types[i] = .double
            }
            // bigint values in a column that became double are doubles before rows are compared.
            for i in types.indices where types[i] == .double {
                for k in rows.indices { if case .int(let v) = rows[k][i] { rows[k][i] = .double(Double(v)) } }
                for k in right.indices { if case .int(let v) = right[k][i] { right[k][i] = .double(Double(v)) } }
            }
            rows = SetOperations.apply(op.kind, all: op.all, rows, right)
            stats.addScan(of: r.stats)
            stats.rowsMatched += r.stats.rowsMatched
        }
        let data = types.indices.map { i in ResultColumn(storage: .values(rows.map { $0[i] })) }
        stats.seconds = Double(Sys.monotonicNanos() - t0) / 1e9
        let names = Set(query.setOperations.map(\.kind.rawValue)).sorted().joined(separator: ", ")
        return QueryResult(columns: first.columns, types: types, data: data, rowCount: rows.count, stats: stats,
                           plan: first.plan + "\nset operations (\(names)): \(query.setOperations.count + 1) queries run one after another, their rows combined in memory")
    }

    static func describe(_ plan: QueryPlan, _ prune: PruneCondition, _ partitions: PartitionFilter? = nil, keyWords: Int? = nil,
                         filterMode: String? = nil) -> String {
        var lines: [String] = []
        lines.append("scan archive columns: " + (plan.columns.isEmpty ? "none" : plan.columns.map(\.archiveName).joined(separator: ", ")))
        lines.append("block index pruning: " + (prune.isUseful ? prune.description : "none (no indexed predicate in WHERE)"))
        if let partitions { lines.append("partition pruning: " + partitions.description) }
        if plan.filter != nil { lines.append("filter: WHERE" + (filterMode.map { ", \($0)" } ?? "")) }
        if plan.isAggregate {
            let packed = plan.groupKeys.isEmpty ? "" : keyWords.map { " (\($0) key word\($0 == 1 ? "" : "s") a group)" } ?? ""
            lines.append("aggregate: \(plan.groupKeys.count) group keys\(packed), \(plan.aggregates.count) aggregates" + (plan.having != nil ? ", HAVING" : ""))
            if DistinctRegroup.plan(plan) != nil {
                lines.append("distinct: grouped by the keys and the DISTINCT argument, then collapsed to the keys")
            }
        }
        if let j = plan.join {
            if j.subqueryOnly {
                lines.append(j.noFrom ? "from: none (one row, no columns)" : "from: a subquery (\(j.rows.rows.count) rows)")
            } else {
                lines.append("join: \(j.kind) with a subquery (\(j.rows.rows.count) rows) on \(j.archiveKeys.count) hash keys" + (j.onResidual != nil ? " and a condition" : ""))
            }
            if j.postFilter != nil { lines.append("filter after the join: WHERE terms on the subquery's columns") }
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
    var blocksCounted = 0
    var pagesFromIndexes = 0
    /// A page of an integer column decoded for `countByPages`.
    var pageValues: [UInt64] = []
    let aggregator: Aggregator?
    /// Non-aggregate results per block index: (output values, order values).
    var rows: [Int: [([Value], [Value])]] = [:]
    /// ORDER BY ... LIMIT without aggregates: the worker's best rows so far, instead of `rows`.
    let top: TopRows?
    /// Blocks not read because none of their rows could enter `top`.
    var blocksPassedOver = 0
    var mask: [UInt8] = []
    // Never empty, so that their base addresses exist.
    var selection: [Int32] = [0]
    /// Joined rows: archive row and subquery row (-1: none) per entry.
    var joinedSelection: [Int32] = [0]
    var joinedRows: [Int32] = [0]

    init(_ plan: QueryPlan, bounds: KeyBounds) {
        aggregator = plan.isAggregate ? Aggregator(keys: plan.groupKeys, aggregates: plan.aggregates, bounds: bounds, joined: plan.join?.rows) : nil
        top = TopRows(plan)
    }
}

final class SharedScan: @unchecked Sendable {
    let plan: QueryPlan
    let archive: ArchiveReader
    let blocks: [(Int, Int)]
    /// Per entry of `blocks` (or empty): every row matches WHERE, by the block's indexes.
    var everyRow: [Bool] = []
    /// WHERE as exactly an AND of integer ranges (see `PruneCondition.exactIntRanges`), or nil.
    var exactRanges: [(column: String, ranges: [ClosedRange<UInt64>])]? = nil
    /// Per entry of `blocks` (or empty): the range of the first ORDER BY key (see `TopRows.blockBounds`).
    var topBounds: [TopRows.BlockBound] = []
    let monitor = Monitor()
    var next = 0
    var failure: (any Error)? = nil
    var partials: [Partial]
    var collected = 0
    /// The WHERE clause as column kernels, when its shape allows.
    let vectorFilter: VectorFilter?
    /// The subquery rows of a join, hashed on the join keys.
    let joinTable: JoinTable?
    /// Address slots filtered on dictionary codes alone (see `codeOnlySlots`).
    let codeOnly: Set<Int>
    /// The slots WHERE reads.
    let filterSlots: Set<Int>
    /// Address columns that are plain GROUP BY keys (grouped from block dictionary codes, see
    /// `Aggregator.buildKeys` and `consumeByCode`).
    let keyAddressSlots: Set<Int>
    /// Of `keyAddressSlots`, those nothing else reads (WHERE kernels aside): never expanded.
    let keyOnlyAddressSlots: Set<Int>

    /// `fallible`: WHERE terms that may fail are column kernels too (see `VectorFilter.init`).
    init(plan: QueryPlan, archive: ArchiveReader, blocks: [(Int, Int)], workers: Int, fallible: Bool = false) {
        self.plan = plan
        vectorFilter = plan.filter.flatMap { VectorFilter($0, fallible: fallible) }
        codeOnly = Self.codeOnlySlots(plan, vectorFilter)
        let fs = plan.filter?.slots ?? []
        filterSlots = fs
        // Aggregates over DISTINCT values: the scan groups by the keys and the argument too.
        let regroup = DistinctRegroup.plan(plan)
        self.regroup = regroup
        let scanPlan = regroup.map { plan.grouping($0.innerKeys, $0.innerAggregates) } ?? plan
        // Address columns that are plain GROUP BY keys are read as block dictionary codes, and
        // expanded to rows only if something else reads them.
        var keyAddresses = Set<Int>(), elsewhere = Set<Int>()
        for k in scanPlan.groupKeys {
            if plan.join == nil, case .column(let slot, .address) = k { keyAddresses.insert(slot); continue }
            // A function of one address column (a /24 by regexp_replace, a split_part) is
            // computed once per dictionary entry (`Aggregator.buildKeys`): the codes are read too.
            if plan.join == nil, let slot = PerCode.onlySlot(k), plan.columns[slot].kind == .address,
               PerCode.substituting(k, slot, .parameter, mayFail: true) != nil {
                keyAddresses.insert(slot)
            }
            elsewhere.formUnion(k.slots)
        }
        for e in scanPlan.expressionsBesidesKeysAndFilter { elsewhere.formUnion(e.slots) }
        if plan.filter != nil && vectorFilter == nil { elsewhere.formUnion(fs) }
        keyAddressSlots = keyAddresses
        keyOnlyAddressSlots = keyAddresses.subtracting(elsewhere)
        joinTable = plan.join.map { JoinTable($0) }
        self.archive = archive
        self.blocks = blocks
        // The block indexes' ranges of the key columns over the blocks to scan: the group keys
        // are packed into the bits those ranges need (see `KeyLayout`).
        let bounds = plan.isAggregate && plan.join?.subqueryOnly != true
            ? KeyBounds(keys: scanPlan.groupKeys, columns: scanPlan.columns, archive: archive, blocks: blocks) : .none
        self.bounds = bounds
        partials = (0..<workers).map { _ in Partial(scanPlan, bounds: bounds) }
        if regroup != nil, workers > 1, partials[0].aggregator!.keysArePlainWords, partials[0].aggregator!.genericCount == 0 {
            // Groups of (keys, DISTINCT argument) owned by worker: each pair is in one worker's
            // table only, so each collapses its own, and no second table of the pairs is built
            // to merge them (a third less memory for the fan-out hunt's 5.5 M pairs).
            let exchange = GroupExchange(parts: workers)
            // Owned by the query's keys where they have many values: each worker's collapsed
            // groups are then its own, concatenated instead of merged.
            let byKeys = partials[0].aggregator!.ownsByLeadingKeys(regroup!.keyCount) ? regroup!.keyCount : nil
            for (w, p) in partials.enumerated() { p.aggregator!.partition(exchange, worker: w, byKeys: byKeys) }
            self.exchange = exchange
            ownedByKeys = byKeys != nil
        } else if plan.isAggregate, plan.join == nil, workers > 1,
           Aggregator.partitionable(keys: scanPlan.groupKeys, aggregates: scanPlan.aggregates) {
            let exchange = GroupExchange(parts: workers)
            for (w, p) in partials.enumerated() { p.aggregator!.partition(exchange, worker: w) }
            self.exchange = exchange
        } else {
            exchange = nil
        }
    }

    /// Set when the workers own disjoint shares of the groups (see `GroupExchange`).
    let exchange: GroupExchange?
    /// Whether the shares of a DISTINCT regroup are by the query's keys alone.
    private var ownedByKeys = false
    /// What the partials' key layouts were made from (aggregators that take their groups' key
    /// words as they are must have the same layout).
    let bounds: KeyBounds
    /// Set when aggregates over DISTINCT values are computed by grouping on their argument.
    let regroup: DistinctRegroup?
    /// Workers done scanning (owner partitioning: each then takes what the others sent it).
    private var workersDone = 0

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
            guard let idx else { break }
            do {
                try scan(block: idx, into: p, data)
            } catch {
                monitor.withLock { if failure == nil { failure = error } }
                break
            }
            // Groups other workers found for this one, folded while they are still in cache.
            if exchange != nil { p.aggregator!.drainInbox() }
        }
        guard exchange != nil, let agg = p.aggregator else { return }
        // Every worker sends what it holds, waits for the others to do the same, then takes
        // the rest of what was sent to it (also after a failure: no worker is left waiting).
        agg.flushOutboxes()
        monitor.withLock {
            workersDone += 1
            monitor.broadcast()
            while workersDone < partials.count { monitor.wait() }
        }
        agg.drainInbox()
    }

    /// Decodes the columns of `slots` (all when nil) of block `b`.
    func load(_ seg: SegmentReader, _ b: Int, _ data: BlockData, only slots: Set<Int>? = nil, except skip: Set<Int> = [],
              selected: (UnsafePointer<Int32>, Int)? = nil) throws {
        data.rows = seg.blocks[b].rows
        for (slot, def) in plan.columns.enumerated() {
            if let slots, !slots.contains(slot) { continue }
            if skip.contains(slot) { continue }
            let ci = seg.columnIndex(named: def.archiveName)
            switch def.kind {
            case .string:
                if let ci { data.strings[slot] = try seg.strings(block: b, column: ci) } else {
                    var c = StringColumn(); c.appendNulls(data.rows); data.strings[slot] = c
                }
            case .address:
                data.addressCodes[slot] = nil
                guard let ci else {
                    var c = AddressColumn(); c.appendNulls(data.rows); data.addresses[slot] = c
                    continue
                }
                // Dictionary codes for the kernels of WHERE; rows only where something else reads them.
                // (And for a few selected rows: only theirs are then expanded.)
                let codes = (vectorFilter != nil || keyAddressSlots.contains(slot) || selected != nil)
                    ? try seg.addressCodes(block: b, column: ci) : nil
                data.addressCodes[slot] = codes
                if let codes {
                    data.addresses[slot] = codeOnly.contains(slot) || keyOnlyAddressSlots.contains(slot) ? nil
                        : selected.map { codes.materialized(selected: $0.0, $0.1) } ?? codes.materialized()
                } else {
                    data.addresses[slot] = try seg.addresses(block: b, column: ci)
                }
            default:
                if def.kind == .uint64, let ci { try Self.checkBigintRange(seg, b, ci, def.archiveName) }
                if let ci, let (sel, n) = selected {
                    // Few rows pass WHERE: only theirs are decoded, into the arrays of the
                    // previous block (taken out first, so they are not copied on write).
                    var values = data.ints[slot]?.values ?? [], nulls = data.ints[slot]?.nulls ?? data.spareNulls[slot]
                    data.ints[slot] = nil
                    data.spareNulls[slot] = []
                    if let nullCount = try seg.intsSelected(block: b, column: ci, sel, n, values: &values, nulls: &nulls) {
                        // A column without NULLs keeps no null flags: they wait here for the next
                        // block instead of being made (and cleared) again.
                        if nullCount == 0 { data.spareNulls[slot] = nulls }
                        data.ints[slot] = IntColumn(values: values, nulls: nulls, nullCount: nullCount)
                        continue
                    }
                }
                if let ci { data.ints[slot] = try seg.ints(block: b, column: ci) } else {
                    var c = IntColumn(); c.appendNulls(data.rows); data.ints[slot] = c
                }
            }
        }
    }

    /// Per aggregate of `Aggregator.indexExtremes`, block `b`'s least or greatest value of its
    /// column from the column's intRange index (nil: no chunk, so NULL in every row); nil when
    /// a column's chunk has no range to give (all NULL, or an index kind this reader does not
    /// take for exact), and the block is then decoded.
    func extremesFromIndexes(_ seg: SegmentReader, _ b: Int, _ extremes: [Aggregator.IndexExtreme?]) throws -> [Int64?]? {
        var values: [Int64?] = []
        for x in extremes {
            guard let x else { values.append(nil); continue }
            let def = plan.columns[x.slot]
            guard let ci = seg.columnIndex(named: def.archiveName), seg.blocks[b].chunk(forColumn: ci) != nil else {
                values.append(nil)
                continue
            }
            guard let r = seg.blockIndex(b, column: ci)?.intRange, r.min <= r.max else { return nil }
            if def.kind == .uint64 { try Self.checkBigintRange(seg, b, ci, def.archiveName) }
            guard r.max <= UInt64(Int64.max) else { return nil }
            let v = Int64(x.isMax ? r.max : r.min)
            if x.seconds {
                // Both ends in from_unixtime's range, so every value between is; else the block
                // is read, and the conversion fails as it would have.
                guard r.max <= UInt64(Int64.max / 1000) else { return nil }
                values.append(v * 1000)
            } else {
                values.append(v)
            }
        }
        return values
    }

    /// Counters are bigint: a uint64 value above 2^63 - 1 (the writer rejects them; an archive
    /// from another writer may hold one) fails the query rather than reading as a negative number.
    static func checkBigintRange(_ seg: SegmentReader, _ b: Int, _ ci: Int, _ name: String) throws {
        if let r = seg.blockIndex(b, column: ci)?.intRange, r.max > UInt64(Int64.max) {
            throw QueryRuntimeError(description: "\(name) in block \(b) of \(seg.path) holds \(r.max), above bigint's largest value "
                                    + "(9223372036854775807); flowarc reads counters as bigint and will not show it wrapped to a negative number")
        }
    }

    func scan(block idx: Int, into p: Partial, _ data: BlockData) throws {
        let (si, bi) = blocks[idx]
        if let top = p.top, idx < topBounds.count, topBounds[idx].cannotEnter(top) {
            p.blocksPassedOver += 1
            return
        }
        let segment = si >= 0 ? archive.opened(si) : nil  // nil: FROM (subquery), no archive row
        var selectedCount = 0
        // Every row of the block passes WHERE (there is none, or its indexes say so).
        let wholeBlock = plan.filter == nil || (idx < everyRow.count && everyRow[idx] && vectorFilter != nil)
        if let segment, joinTable == nil, let agg = p.aggregator, agg.countsOnly, wholeBlock {
            // count(*) alone, with no WHERE or over a block every row of which matches by its
            // indexes: the directory's row count, nothing read.
            let rows = segment.blocks[bi].rows
            p.rowsMatched += rows
            p.blocksCounted += 1
            agg.addRows(rows)
            return
        }
        if let segment, joinTable == nil, wholeBlock, let agg = p.aggregator, let extremes = agg.indexExtremes,
           let values = try extremesFromIndexes(segment, bi, extremes) {
            // min/max of integer columns (and count(*)) over every row of the block: its indexes.
            let rows = segment.blocks[bi].rows
            p.rowsMatched += rows
            p.blocksCounted += 1
            agg.addIndexedBlock(rows: rows, values)
            return
        }
        if let segment, vectorFilter != nil, joinTable == nil, let agg = p.aggregator, agg.countsOnly, let exact = exactRanges,
           let matched = try countByPages(segment, bi, exact, p) {
            p.rowsMatched += matched
            agg.addRows(matched)
            return
        }
        if let segment, vectorFilter != nil {
            // The columns WHERE reads first: when no row passes, the others are never decoded.
            try load(segment, bi, data, only: filterSlots)
            data.makeViews()
            try vectorFilter!.evaluate(data, &p.mask)
            if !SharedScan.anySet(p.mask, data.rows) {
                p.rowsScanned += data.rows
                return
            }
            if joinTable == nil, p.aggregator?.countsOnly == true {
                try load(segment, bi, data, except: filterSlots)
            } else {
                // The selection is made now; when the filter is selective (at most one row in
                // 16 passes) the other integer columns are decoded for those rows only (REJECTs,
                // 4.6% of rows: 40 -> 33 ms; 5.9% of rows and three columns: within noise).
                selectedCount = SharedScan.selection(p, data.rows)
                if selectedCount * 16 <= data.rows {
                    try p.selection.withUnsafeBufferPointer { sel in
                        try load(segment, bi, data, except: filterSlots, selected: (sel.baseAddress!, selectedCount))
                    }
                } else {
                    try load(segment, bi, data, except: filterSlots)
                }
            }
        } else if let segment, let top = p.top, plan.filter == nil, let keySlots = top.keySlots {
            // ORDER BY ... LIMIT with no WHERE: the first key's columns first, and the others
            // only for the rows that may enter the worker's best (the latest flows: a block's
            // 65,536 rows offer about `limit`).
            try load(segment, bi, data, only: keySlots)
            data.makeViews()
            let rows = data.rows
            if p.selection.count < rows { p.selection = [Int32](repeating: 0, count: rows) }
            let n = try p.selection.withUnsafeMutableBufferPointer { sel in
                for r in 0..<rows { sel[r] = Int32(truncatingIfNeeded: r) }
                return try top.candidates(data, sel.baseAddress!, rows)
            }
            p.rowsScanned += rows
            p.rowsMatched += rows
            guard n > 0 else { return }
            try p.selection.withUnsafeBufferPointer { sel in
                try load(segment, bi, data, except: keySlots, selected: (sel.baseAddress!, n))
            }
            data.makeViews()
            data.resetTextCaches(plan.textCaches, for: plan.expressionsBesidesFilter)
            try p.selection.withUnsafeBufferPointer { try emit(idx, data, p, $0.baseAddress!, n, nil) }
            return
        } else if let segment {
            try load(segment, bi, data)
        } else {
            data.rows = 1  // FROM (subquery): one empty archive row
        }
        data.makeViews()
        // Every expression evaluated per row counts (ORDER BY and join terms included).
        data.resetTextCaches(plan.textCaches, for: plan.expressionsBesidesFilter + (plan.filter.map { [$0] } ?? []))
        p.rowsScanned += data.rows
        let rows = data.rows
        if vectorFilter != nil, joinTable == nil, let agg = p.aggregator, agg.countsOnly {
            // count(*) alone, no GROUP BY: the rows that pass WHERE are only counted.
            let passed = SharedScan.countSet(p.mask, rows)
            p.rowsMatched += passed
            agg.addRows(passed)
            return
        }
        // The rows that pass WHERE, as a selection vector.
        var n = 0
        if vectorFilter != nil {
            // Made from p.mask right after the filter ran.
            n = selectedCount
        } else if let f = plan.filter {
            if p.selection.count < rows { p.selection = [Int32](repeating: 0, count: rows) }
            var c = EvalContext(block: data)
            for r in 0..<rows {
                c.row = r
                if case .bool(true) = try Evaluator.eval(f, c) {
                    p.selection[n] = Int32(truncatingIfNeeded: r)
                    n += 1
                }
            }
        } else {
            if p.selection.count < rows { p.selection = [Int32](repeating: 0, count: rows) }
            for r in 0..<rows { p.selection[r] = Int32(truncatingIfNeeded: r) }
            n = rows
        }
        if let join = joinTable {
            let m = try join.expand(data, p, n)
            p.rowsMatched += m  // joined rows that passed WHERE
            try p.joinedSelection.withUnsafeBufferPointer { sel in
                try p.joinedRows.withUnsafeBufferPointer { jr in
                    try emit(idx, data, p, sel.baseAddress!, m, jr.baseAddress!)
                }
            }
        } else {
            p.rowsMatched += n
            try p.selection.withUnsafeBufferPointer { try emit(idx, data, p, $0.baseAddress!, n, nil) }
        }
    }

    /// count(*) over block `b` when WHERE is exactly integer ranges on columns stored in pages
    /// (format 2.0): a page whose min/max and null count prove every row matches is counted, one
    /// that cannot match is skipped, and only the others are decoded and tested (a one-hour
    /// window reads the one or two pages of each edge block that straddle its start or end).
    /// nil when a column of WHERE is not paged in this block (then the block is scanned).
    func countByPages(_ seg: SegmentReader, _ b: Int, _ exact: [(column: String, ranges: [ClosedRange<UInt64>])], _ p: Partial) throws -> Int? {
        // One entry per column (BETWEEN gives two terms on one column), each with every term on it.
        var terms: [(chunk: ChunkEntry, pages: [SegmentReader.Page], all: [[ClosedRange<UInt64>]])] = []
        for term in exact {
            guard let ci = seg.columnIndex(named: term.column) else { return nil }
            guard let e = seg.blocks[b].chunk(forColumn: ci) else { return 0 }  // NULL in every row: none matches
            if seg.schema[ci].type == .uint64 { try Self.checkBigintRange(seg, b, ci, term.column) }
            guard e.encoding == ColumnEncoding.paged.rawValue else { return nil }
            if let t = terms.firstIndex(where: { $0.chunk.column == ci }) {
                // Two single ranges on one column (a BETWEEN) become their intersection: one test per row.
                if term.ranges.count == 1, let last = terms[t].all.last, last.count == 1 {
                    let lo = max(last[0].lowerBound, term.ranges[0].lowerBound), hi = min(last[0].upperBound, term.ranges[0].upperBound)
                    guard lo <= hi else { return 0 }
                    terms[t].all[terms[t].all.count - 1] = [lo...hi]
                } else {
                    terms[t].all.append(term.ranges)
                }
            } else {
                terms.append((e, try seg.pages(e, block: b), [term.ranges]))
            }
        }
        let layout = terms[0].pages.map(\.rows)
        guard terms.allSatisfy({ $0.pages.map(\.rows) == layout }) else { return nil }
        var matched = 0
        for k in layout.indices {
            var every = true, none = false
            for t in terms {
                let page = t.pages[k]
                for ranges in t.all {
                    if page.nullCount == page.rows || !ranges.contains(where: { $0.lowerBound <= page.max && page.min <= $0.upperBound }) {
                        none = true
                    } else if page.nullCount > 0 || !ranges.contains(where: { $0.contains(page.min) && $0.contains(page.max) }) {
                        every = false
                    }
                }
            }
            if none || every {
                if !none { matched += layout[k] }
                p.pagesFromIndexes += 1
                continue
            }
            let rows = layout[k]
            if p.pageValues.count < rows { p.pageValues = [UInt64](repeating: 0, count: rows) }
            p.rowsScanned += rows
            if terms.count == 1, terms[0].all.count == 1, terms[0].all[0].count == 1 {
                // One range on one column (a time window): counted as the page is read, no mask.
                let r = terms[0].all[0][0], lo = r.lowerBound, span = r.upperBound &- lo
                matched += try p.pageValues.withUnsafeMutableBufferPointer { v in
                    let (nulls, _) = try seg.pageInts(terms[0].chunk, block: b, page: k, terms[0].pages[k], into: v.baseAddress!)
                    return SharedScan.countInRange(v.baseAddress!, rows, lo: lo, span: span, nulls: nulls)
                }
                continue
            }
            if p.mask.count < rows { p.mask = [UInt8](repeating: 0, count: rows) }
            for i in 0..<rows { p.mask[i] = 1 }
            for t in terms {
                try p.pageValues.withUnsafeMutableBufferPointer { v in
                    let (nulls, _) = try seg.pageInts(t.chunk, block: b, page: k, t.pages[k], into: v.baseAddress!)
                    p.mask.withUnsafeMutableBufferPointer { m in
                        for ranges in t.all {
                            if ranges.count == 1 {
                                let lo = ranges[0].lowerBound, span = ranges[0].upperBound &- lo
                                for i in 0..<rows { m[i] &= (v[i] &- lo) <= span ? 1 : 0 }
                            } else {
                                for i in 0..<rows where m[i] == 1 { m[i] = ranges.contains { $0.contains(v[i]) } ? 1 : 0 }
                            }
                        }
                        if let nulls { for i in 0..<rows where nulls[i] == 1 { m[i] = 0 } }
                    }
                }
            }
            matched += SharedScan.countSet(p.mask, rows)
        }
        return matched
    }

    /// How many of `v[0..<rows]` lie in `lo...lo+span` (rows whose `nulls` byte is 1 aside),
    /// eight lanes at a time without a branch per row (a branch per row mispredicts on values
    /// that fall either side of a window's edge at random).
    static func countInRange(_ v: UnsafePointer<UInt64>, _ rows: Int, lo: UInt64, span: UInt64, nulls: [UInt8]?) -> Int {
        let loV = SIMD8<UInt64>(repeating: lo), spanV = SIMD8<UInt64>(repeating: span), one = SIMD8<UInt64>(repeating: 1)
        var acc = SIMD8<UInt64>()
        var i = 0
        let raw = UnsafeRawPointer(v)
        while i &+ 8 <= rows {
            let d = raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<UInt64>.self) &- loV
            acc &+= one.replacing(with: 0, where: d .> spanV)
            i &+= 8
        }
        var n = Int(acc.wrappedSum())
        while i < rows { n &+= (v[i] &- lo) <= span ? 1 : 0; i &+= 1 }
        if let nulls {
            // NULL rows hold 0: take back those that were counted.
            for r in 0..<rows where nulls[r] == 1 && (v[r] &- lo) <= span { n &-= 1 }
        }
        return n
    }

    /// Fills `p.selection` with the rows whose `p.mask` byte is 1; returns how many.
    static func selection(_ p: Partial, _ rows: Int) -> Int {
        if p.selection.count < rows { p.selection = [Int32](repeating: 0, count: rows) }
        return p.mask.withUnsafeBufferPointer { m in
            p.selection.withUnsafeMutableBufferPointer { sel in selection(m, rows, into: sel) }
        }
    }

    /// The indexes of the first `rows` bytes of `m` that are 1 (the others are 0), ascending,
    /// into `sel` (room for `rows`); returns how many.
    static func selection(_ m: UnsafeBufferPointer<UInt8>, _ rows: Int, into sel: UnsafeMutableBufferPointer<Int32>) -> Int {
        precondition(rows <= m.count && rows <= sel.count)
        guard rows > 0 else { return 0 }
        let raw = UnsafeRawPointer(m.baseAddress!)
        var n = 0
        var r = 0
        while r &+ 64 <= rows {
            // Sixty-four rows' bytes as one bit each (two vector compares): failing rows are
            // skipped whole (a rare address passes one row in 30,000), the passing rows of a
            // sparse stretch are found by their bits (REJECTs, 5% of rows: a store per row had
            // been 7% of that query's CPU), and a dense stretch is written without a branch per
            // row (a store per row, the count advanced by the row's byte).
            var bits = ~flowarc_equal_mask64(raw + r, 0)
            if bits != 0 {
                if bits.nonzeroBitCount > 16 {
                    for k in r..<(r &+ 64) {
                        sel[n] = Int32(truncatingIfNeeded: k)
                        n &+= Int(m[k])
                    }
                } else {
                    while bits != 0 {
                        sel[n] = Int32(truncatingIfNeeded: r &+ bits.trailingZeroBitCount)
                        n &+= 1
                        bits &= bits &- 1
                    }
                }
            }
            r &+= 64
        }
        // The last rows, eight at a time where they are all 0.
        while r &+ 8 <= rows {
            if raw.loadUnaligned(fromByteOffset: r, as: UInt64.self) != 0 {
                for k in r..<(r &+ 8) {
                    sel[n] = Int32(truncatingIfNeeded: k)
                    n &+= Int(m[k])
                }
            }
            r &+= 8
        }
        while r < rows {
            sel[n] = Int32(truncatingIfNeeded: r)
            n &+= Int(m[r])
            r &+= 1
        }
        return n
    }

    /// Whether any of the first `rows` bytes of `mask` is nonzero (a word at a time).
    static func anySet(_ mask: [UInt8], _ rows: Int) -> Bool {
        mask.withUnsafeBytes { m in
            var r = 0
            // 256 bytes at a time, stopping at the first that holds a 1.
            while r &+ 256 <= rows {
                var acc: UInt64 = 0
                for k in Swift.stride(from: r, to: r &+ 256, by: 8) { acc |= m.loadUnaligned(fromByteOffset: k, as: UInt64.self) }
                if acc != 0 { return true }
                r &+= 256
            }
            var acc: UInt64 = 0
            while r < rows { acc |= UInt64(m[r]); r &+= 1 }
            return acc != 0
        }
    }

    /// How many of the first `rows` mask bytes (each 0 or 1) are 1: eight at a time, summed in
    /// byte lanes that cannot overflow (at most 255 words per round), then across the lanes.
    static func countSet(_ mask: [UInt8], _ rows: Int) -> Int {
        mask.withUnsafeBytes { m in
            var total = 0, r = 0
            while r &+ 8 <= rows {
                let end = min(rows & ~7, r &+ 8 &* 255)
                var lanes: UInt64 = 0
                while r < end { lanes &+= m.loadUnaligned(fromByteOffset: r, as: UInt64.self); r &+= 8 }
                let pairs = (lanes & 0x00FF_00FF_00FF_00FF) &+ ((lanes &>> 8) & 0x00FF_00FF_00FF_00FF)
                total &+= Int((pairs &* 0x0001_0001_0001_0001) &>> 48)
            }
            while r < rows { total &+= Int(m[r]); r &+= 1 }
            return total
        }
    }

    /// Aggregates or outputs the rows `sel[0..<n]` of a block (joined to `joinRows[i]`).
    func emit(_ idx: Int, _ data: BlockData, _ p: Partial, _ sel: UnsafePointer<Int32>, _ n: Int,
              _ joinRows: UnsafePointer<Int32>?) throws {
        if let agg = p.aggregator {
            try agg.consume(data, sel, n, joinRows: joinRows)
            return
        }
        var c = EvalContext(block: data)
        if let top = p.top, joinRows == nil {
            try keepBest(top, data, &c, sel, n)
            return
        }
        var out: [([Value], [Value])] = []
        c.joined = plan.join?.rows
        for i in 0..<n {
            c.row = Int(sel[i])
            if let joinRows { c.joinRow = Int(joinRows[i]) }
            let values = try plan.outputs.map { Evaluator.value(try Evaluator.eval($0.expr, c), c) }
            let order = try plan.orderBy.map { Evaluator.value(try Evaluator.eval($0.expr, c), c) }
            out.append((values, order))
            if canStopEarly, let l = plan.limit, out.count >= l { break }
        }
        p.rows[idx] = out
        if canStopEarly { monitor.withLock { collected += out.count } }
    }

    /// Address slots that only the column kernels of WHERE read: for those, a block's
    /// dictionary-encoded addresses are filtered on their codes and never expanded to rows.
    static func codeOnlySlots(_ plan: QueryPlan, _ filter: VectorFilter?) -> Set<Int> {
        guard let filter else { return [] }
        let elsewhere = plan.expressionsBesidesFilter.reduce(into: Set<Int>()) { $0.formUnion($1.slots) }
        var slots = Set<Int>(), rowsNeeded = elsewhere
        for k in filter.kernels.flatMap(\.all) {
            switch k {
            case .addressPrefix(let slot, _, _, _), .addressIn(let slot, _, _), .perCode(let slot, _): slots.insert(slot)
            case .addressPair(let slot, let other, _): rowsNeeded.formUnion([slot, other])  // compared row by row
            default: break
            }
        }
        return slots.subtracting(rowsNeeded).filter { plan.columns[$0].kind == .address }
    }

    // MARK: finishing

    func finish() throws -> QueryResult {
        let names = plan.outputs.map(\.name)
        let types = plan.outputs.map(\.type)
        if plan.isAggregate {
            // Merge the workers' groups into the first worker's (text re-interned on the way).
            var agg = partials[0].aggregator!
            if let regroup {
                agg = collapse(regroup)
            } else if exchange != nil, plan.limit != nil, !plan.distinct {
                // Each worker's groups are complete (it owns them): HAVING, ORDER BY and LIMIT
                // pick each worker's candidates in parallel, and only those are gathered and
                // ordered again. A top ten of millions of groups copies twenty.
                let picks = PicksBox(count: partials.count)
                runThreads(partials.count) { w in
                    picks.set(w, Result { try GroupOutput(plan: self.plan, aggregator: self.partials[w].aggregator!).selected() })
                }
                let gathered = Aggregator(keys: plan.groupKeys, aggregates: plan.aggregates, bounds: bounds)
                for (w, p) in partials.enumerated() { gathered.appendSelected(p.aggregator!, try picks.get(w)) }
                agg = gathered
            } else if exchange != nil {
                // Disjoint shares: concatenated, nothing merged.
                for p in partials.dropFirst() { agg.appendDisjoint(p.aggregator!) }
            } else {
                for p in partials.dropFirst() { agg.merge(p.aggregator!) }
            }
            if plan.groupKeys.isEmpty { agg.ensureGlobalGroup() }
            if !plan.distinct {
                let (data, count) = try GroupOutput(plan: plan, aggregator: agg).make()
                return QueryResult(columns: names, types: types, data: data, rowCount: count, stats: QueryStats(), plan: "")
            }
            // SELECT DISTINCT over groups: rows of values, finished as non-aggregate rows are.
            var rows: [([Value], [Value])] = []
            var c = EvalContext()
            c.groups = agg
            for g in 0..<agg.groupCount {
                c.row = g
                if let h = plan.having {
                    guard case .bool(true) = try Evaluator.eval(h, c) else { continue }
                }
                let values = try plan.outputs.map { o -> Value in
                    if case .aggregate(let j) = o.expr { return try agg.aggregateValue(j, g) }
                    return Evaluator.value(try Evaluator.eval(o.expr, c), c)
                }
                let order = try plan.orderBy.map { o -> Value in
                    if case .aggregate(let j) = o.expr { return try agg.aggregateValue(j, g) }
                    return Evaluator.value(try Evaluator.eval(o.expr, c), c)
                }
                rows.append((values, order))
            }
            return finishRows(rows, names, types)
        }
        var rows: [([Value], [Value])] = []
        for p in partials {
            for (idx, r) in p.rows { rows.append(contentsOf: r.map { ($0.0, $0.1 + [.int(Int64(idx))]) }) }
            if let top = p.top { rows.append(contentsOf: top.entries.map { ($0.values, $0.order) }) }
        }
        // Without ORDER BY, keep archive order (block order) so output is stable.
        if plan.orderBy.isEmpty { rows.sort { $0.1.last! < $1.1.last! } }
        return finishRows(rows, names, types)
    }

    /// The query's groups from the workers' groups of (keys, DISTINCT argument) (see
    /// `DistinctRegroup`). A value that two workers both met must count once. Workers that own
    /// disjoint shares of the pairs (owner partitioning, for keys of plain words) collapse their
    /// own, in parallel, and the results are added up; otherwise the workers' groups are merged
    /// before they are collapsed: in parallel, share by share, when the keys are plain words
    /// (each share takes its groups from every worker, by the hash of the query's keys, so the
    /// shares' collapsed groups are disjoint and are concatenated), else into one.
    func collapse(_ r: DistinctRegroup) -> Aggregator {
        let inner = partials.map { $0.aggregator! }
        if exchange != nil {
            let shares = SharesBox(count: inner.count)
            runThreads(inner.count) { w in
                shares.set(w, self.partials[w].aggregator!.collapsed(self.regroup!, keys: self.plan.groupKeys, aggregates: self.plan.aggregates))
            }
            let out = shares.get(0)
            if ownedByKeys && out.genericCount == 0 {
                // Each key's pairs are all with one worker: its collapsed groups are whole.
                for w in 1..<inner.count { out.appendDisjoint(shares.get(w)) }
            } else {
                // Each worker's pairs are its own, but a key's pairs are spread over the
                // workers: the collapsed groups are added up.
                for w in 1..<inner.count { out.merge(shares.get(w)) }
            }
            return out
        }
        let parts = inner.count
        guard parts > 1, inner[0].keysArePlainWords else {
            for a in inner.dropFirst() { inner[0].merge(a) }
            return inner[0].collapsed(r, keys: plan.groupKeys, aggregates: plan.aggregates)
        }
        let shares = SharesBox(count: parts)
        runThreads(parts) { w in self.partials[w].aggregator!.computeShares(keyCount: self.regroup!.keyCount, parts: parts) }
        runThreads(parts) { p in
            let r = self.regroup!
            let share = Aggregator(keys: r.innerKeys, aggregates: r.innerAggregates, bounds: self.bounds)
            // At most every worker's groups of this share: the table never grows.
            share.table.reserve(self.partials.reduce(0) { $0 + $1.aggregator!.shareCounts[p] })
            for w in 0..<parts { share.merge(self.partials[w].aggregator!, share: p) }
            shares.set(p, share.collapsed(r, keys: self.plan.groupKeys, aggregates: self.plan.aggregates))
        }
        let out = shares.get(0)
        for p in 1..<parts {
            // Disjoint by the query's keys: concatenated. Without keys (one group each, added
            // up) or with states that hold text ids of the share's own (min(text), arrays):
            // merged.
            if r.keyCount > 0 && out.genericCount == 0 { out.appendDisjoint(shares.get(p)) } else { out.merge(shares.get(p)) }
        }
        return out
    }

    /// DISTINCT, ORDER BY and LIMIT over rows of values.
    func finishRows(_ input: [([Value], [Value])], _ names: [String], _ types: [ValueType]) -> QueryResult {
        var rows = input
        if plan.distinct {
            var seen = Set<[Value]>()
            rows = rows.filter { seen.insert($0.0).inserted }
        }
        if !plan.orderBy.isEmpty {
            let index = Self.sortedPositions(rows.map(\.1), plan.orderBy, limit: plan.limit.map { Int(clamping: $0) })
            rows = index.map { rows[$0] }
        }
        if let l = plan.limit, rows.count > Int(l) { rows.removeLast(rows.count - Int(l)) }
        let data = names.indices.map { i in ResultColumn(storage: .values(rows.map { $0.0[i] })) }
        return QueryResult(columns: names, types: types, data: data, rowCount: rows.count, stats: QueryStats(), plan: "")
    }
}

extension SharedScan {
    /// Positions of `keys` in ORDER BY order (stable), comparing over one flat row-major copy
    /// of the keys so that comparisons touch no nested arrays (a retain/release each). With a
    /// `limit` well below the row count, only the first `limit` positions, kept in a bounded heap
    /// as the rows go by and sorted at the end: the same positions the full sort starts with
    /// (ties are broken by position, so the order is total), in n log limit instead of n log n.
    static func sortedPositions(_ keys: [[Value]], _ specs: [QueryPlan.Order], limit: Int? = nil) -> [Int] {
        let n = specs.count
        var flat: [Value] = []
        flat.reserveCapacity(keys.count * n)
        for k in keys { flat.append(contentsOf: k.prefix(n)) }
        let ascending = specs.map(\.ascending), nullsFirst = specs.map(\.nullsFirst)
        return flat.withUnsafeBufferPointer { f -> [Int] in
            func before(_ ia: Int, _ ib: Int) -> Bool {
                for i in 0..<n {
                    let x = f[ia * n + i], y = f[ib * n + i]
                    if x == y { continue }
                    if x.isNull { return nullsFirst[i] }
                    if y.isNull { return !nullsFirst[i] }
                    return ascending[i] ? x < y : y < x
                }
                return ia < ib
            }
            guard let limit, limit < keys.count / 4 else {
                var index = Array(keys.indices)
                index.sort(by: before)
                return index
            }
            if limit <= 0 { return [] }
            // A heap whose root is the worst of the best `limit` so far.
            var heap: [Int] = []
            heap.reserveCapacity(limit)
            func siftDown(_ start: Int) {
                var i = start
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var worst = i
                    if l < heap.count && before(heap[worst], heap[l]) { worst = l }
                    if r < heap.count && before(heap[worst], heap[r]) { worst = r }
                    if worst == i { return }
                    heap.swapAt(i, worst)
                    i = worst
                }
            }
            for row in keys.indices {
                if heap.count < limit {
                    heap.append(row)
                    var c = heap.count - 1
                    while c > 0, before(heap[(c - 1) / 2], heap[c]) {
                        heap.swapAt(c, (c - 1) / 2)
                        c = (c - 1) / 2
                    }
                } else if before(row, heap[0]) {
                    heap[0] = row
                    siftDown(0)
                }
            }
            heap.sort(by: before)
            return heap
        }
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

/// Per-worker results of a parallel step: slot `w` is written by worker `w` only, and read
/// after the workers are joined (raw slots: writing elements of one Swift array from several
/// threads would race on its storage).
final class PicksBox: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Result<[Int32], any Error>>
    private let count: Int
    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: .success([]), count: count)
    }
    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }
    func set(_ w: Int, _ r: Result<[Int32], any Error>) { slots[w] = r }
    func get(_ w: Int) throws -> [Int32] { try slots[w].get() }
}

/// The collapsed share of each worker (`SharedScan.collapse`), set by that worker: a slot of its
/// own per worker, in memory no array's copy-on-write check touches from two threads.
final class SharesBox: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Aggregator?>
    private let count: Int
    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }
    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }
    func set(_ p: Int, _ a: Aggregator) { slots[p] = a }
    func get(_ p: Int) -> Aggregator { slots[p]! }
}

/// Hands objects to another thread to be released there: only `drop` (on that thread) lets go
/// of them, whoever releases the box itself last.
final class Handoff: @unchecked Sendable {
    private var items: [AnyObject]
    init(_ items: [AnyObject]) { self.items = items }
    func drop() { items = [] }
}
