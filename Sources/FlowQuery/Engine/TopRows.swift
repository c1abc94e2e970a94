import FlowArchive

/// Quickselect: an order statistic in linear expected time, for a top-n's threshold and
/// approx_percentile's rank.
enum Selection {
    /// The value that would be at 0-based position `k` if `a` were sorted ascending; `a` is
    /// reordered. `k` must be in `a.indices`.
    static func kthSmallest<T: Comparable>(_ a: UnsafeMutableBufferPointer<T>, _ k: Int) -> T {
        var lo = 0, hi = a.count - 1
        while lo < hi {
            // Median of three as the pivot: sorted and reverse-sorted input stay linear.
            let mid = lo + (hi - lo) / 2
            let x = a[lo], y = a[mid], z = a[hi]
            let pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y))
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while pivot < a[j] { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return a[k] }
        }
        return a[k]
    }
}

/// The best `limit` rows a worker has met, for `ORDER BY ... LIMIT n` without aggregates or
/// DISTINCT (the latest flows, the largest transfers): a heap whose root is the worst kept row.
/// A row's outputs are computed only when its ORDER BY values would enter, and when the first
/// ORDER BY key is an integer or time expression (`starttime`, `from_unixtime(starttime)`) it is
/// computed over the block's column vectors first and rows strictly worse than the worst kept
/// one are passed over without a value made. Each worker's best rows include its share of the
/// answer's, and the rows of all workers are ordered and cut as before. (Every passing row was
/// made into values and kept: `ORDER BY from_unixtime(start) DESC LIMIT 100` over 20 M rows took
/// 47 s and gigabytes.)
final class TopRows {
    static let largestLimit = 100_000

    let limit: Int
    let ascending: [Bool], nullsFirst: [Bool]
    /// The first ORDER BY key over column vectors, when it compiles as one.
    let firstKey: VectorExpr?
    struct Entry {
        var values: [Value]
        var order: [Value]
        /// The first key as `firstKey` computes it (nil: not computed, or NULL).
        var first: Int64?
        var seq: Int
    }
    private(set) var entries: [Entry] = []
    private var seq = 0

    init?(_ plan: QueryPlan) {
        guard !plan.isAggregate, !plan.distinct, !plan.orderBy.isEmpty, plan.join == nil, let l = plan.limit,
              l >= 0, l <= Int64(Self.largestLimit) else { return nil }
        limit = Int(l)
        ascending = plan.orderBy.map(\.ascending)
        nullsFirst = plan.orderBy.map(\.nullsFirst)
        firstKey = VectorExpr.compile(plan.orderBy[0].expr).map(\.0)
        firstKeySlots = plan.orderBy[0].expr.slots
    }

    var isFull: Bool { entries.count >= limit }

    /// The columns `firstKey` reads, when it is computed over column vectors.
    var keySlots: Set<Int>? { firstKey == nil ? nil : firstKeySlots }
    private let firstKeySlots: Set<Int>

    /// The `limit`-th best of the non-NULL `keys[0..<n]`: a row strictly worse than it cannot
    /// enter (its block has `limit` rows at least as good), nor can a NULL key that sorts last.
    /// nil when fewer keys than `limit`. Without it, a block whose rows come in the query's
    /// order (blocks are in start order: the latest flows, DESC) offered every row to the heap.
    func blockBound(_ keys: UnsafePointer<Int64>, _ nulls: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard limit > 0, n > limit else { return nil }
        return withUnsafeTemporaryAllocation(of: Int64.self, capacity: n) { tb -> Int64? in
            let t = tb.baseAddress!
            var m = 0
            for i in 0..<n where nulls[i] == 0 { t[m] = keys[i]; m += 1 }
            guard m >= limit else { return nil }
            return Selection.kthSmallest(UnsafeMutableBufferPointer(start: t, count: m), ascending[0] ? limit - 1 : m - limit)
        }
    }

    /// Calls `offer(i, key)` for each `i` in `0..<n` (in order) whose row `sel[i]` may enter:
    /// not strictly worse by the first key than the block's bound or the worst kept row (read
    /// before each row, so rows `offer` keeps tighten it for the next), with the row's first key
    /// as `firstKey` computes it (nil: NULL). When the key cannot be computed here, every row
    /// is offered with nil (the row evaluator then raises the error for its row).
    func forEachCandidate(_ data: BlockData, _ sel: UnsafePointer<Int32>, _ n: Int, _ offer: (Int, Int64?) throws -> Void) throws {
        guard limit > 0 else { return }
        try withUnsafeTemporaryAllocation(of: Int64.self, capacity: max(1, n)) { kb in
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, n)) { nb in
                let keys = kb.baseAddress!, nulls = nb.baseAddress!
                guard let fk = firstKey, (try? fk.evaluate(data, sel, n, keys, nulls)) != nil else {
                    for i in 0..<n { try offer(i, nil) }
                    return
                }
                let asc = ascending[0], nullsLast = !nullsFirst[0]
                let b = blockBound(keys, nulls, n)
                for i in 0..<n {
                    let t = threshold
                    if nulls[i] != 0 {
                        if nullsLast && (b != nil || t != nil) { continue }
                        try offer(i, nil)
                    } else {
                        if let b, asc ? keys[i] > b : keys[i] < b { continue }
                        if let t, asc ? keys[i] > t : keys[i] < t { continue }
                        try offer(i, keys[i])
                    }
                }
            }
        }
    }

    /// Keeps in `sel[0..<n]` (in order) the rows `forEachCandidate` offers; returns how many.
    func candidates(_ data: BlockData, _ sel: UnsafeMutablePointer<Int32>, _ n: Int) throws -> Int {
        var kept = 0
        try forEachCandidate(data, sel, n) { i, _ in
            sel[kept] = sel[i]  // (the keys were computed before any is moved)
            kept += 1
        }
        return kept
    }

    /// What a block's index says of the first ORDER BY key.
    struct BlockBound {
        /// Smallest and largest non-NULL key (nil: every row NULL, or not known).
        var range: ClosedRange<Int64>?
        /// Whether some row's key may be NULL.
        var mayHoldNull: Bool
        /// false: the index says nothing usable (the block is always read).
        var known = true

        static let unknown = BlockBound(range: nil, mayHoldNull: true, known: false)
        static let allNull = BlockBound(range: nil, mayHoldNull: true)

        /// Whether no row of the block can enter `top` (every place taken, and every key
        /// strictly worse than the worst kept row's; NULL keys worse too when they sort last).
        func cannotEnter(_ top: TopRows) -> Bool {
            guard known, let t = top.threshold else { return false }
            if mayHoldNull && top.nullsFirst[0] { return false }
            guard let r = range else { return true }  // every key NULL, and NULLs sort last
            return top.ascending[0] ? r.lowerBound > t : r.upperBound < t
        }
    }

    /// The slot of the first ORDER BY key when it is an integer column or from_unixtime of one,
    /// and the factor from the column's values to the key's (1, or 1000 milliseconds a second).
    private static func keyColumn(_ plan: QueryPlan) -> (slot: Int, scale: Int64)? {
        switch plan.orderBy.first?.expr {
        case .column(let slot, let kind)? where kind.isInteger: return (slot, 1)
        case .fromUnixtime(.column(let slot, let kind))? where kind.isInteger: return (slot, 1000)
        default: return nil
        }
    }

    /// For a query `TopRows` serves whose first ORDER BY key is an integer column (or
    /// from_unixtime of one): each block's range of the key from its index, with `blocks` (and
    /// `everyRow`, kept beside it) reordered so that the blocks whose keys come first in the
    /// order are scanned first. Empty otherwise.
    static func blockBounds(_ plan: QueryPlan, _ archive: ArchiveReader, _ blocks: inout [(Int, Int)], _ everyRow: inout [Bool]) -> [BlockBound] {
        guard TopRows(plan) != nil, let (slot, scale) = keyColumn(plan), !blocks.isEmpty, blocks[0].0 >= 0 else { return [] }
        let name = plan.columns[slot].archiveName
        let ascending = plan.orderBy[0].ascending
        let bounds: [BlockBound] = blocks.map { si, bi in
            let seg = archive.opened(si)
            // A column missing from a segment, or a chunk missing from a block, is NULL throughout.
            guard let ci = seg.columnIndex(named: name), let chunk = seg.blocks[bi].chunk(forColumn: ci) else { return .allNull }
            if chunk.nullCount == seg.blocks[bi].rows { return .allNull }
            let r: IntRangeIndex
            switch seg.blockIndex(bi, column: ci) {
            case .intRange(let x)?: r = x
            case .port(let x, _)?: r = x
            default: return .unknown
            }
            let (lo, o1) = Int64(clamping: r.min).multipliedReportingOverflow(by: scale)
            let (hi, o2) = Int64(clamping: r.max).multipliedReportingOverflow(by: scale)
            guard !o1, !o2, r.min <= r.max, r.max <= UInt64(Int64.max) else { return .unknown }
            return BlockBound(range: lo...hi, mayHoldNull: chunk.nullCount > 0)
        }
        // Known ranges first, best end first; a stable order otherwise.
        let order = blocks.indices.sorted { a, b in
            switch (bounds[a].range, bounds[b].range) {
            case (let x?, let y?):
                let kx = ascending ? x.lowerBound : -x.upperBound, ky = ascending ? y.lowerBound : -y.upperBound
                return kx != ky ? kx < ky : a < b
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a < b
            }
        }
        blocks = order.map { blocks[$0] }
        if !everyRow.isEmpty { everyRow = order.map { everyRow[$0] } }
        return order.map { bounds[$0] }
    }

    /// The worst kept row's first key, when every place is taken and it is known.
    var threshold: Int64? { isFull ? entries.first?.first : nil }

    /// Whether a row with ORDER BY values `a` (met as number `sa`) comes before `b`'s.
    private func before(_ a: [Value], _ sa: Int, _ b: [Value], _ sb: Int) -> Bool {
        for i in 0..<ascending.count {
            let x = a[i], y = b[i]
            if x == y { continue }
            if x.isNull { return nullsFirst[i] }
            if y.isNull { return !nullsFirst[i] }
            return ascending[i] ? x < y : y < x
        }
        return sa < sb
    }

    /// Whether a row with ORDER BY values `order` would be kept.
    func admits(_ order: [Value]) -> Bool {
        guard limit > 0 else { return false }
        return !isFull || before(order, seq, entries[0].order, entries[0].seq)
    }

    /// Keeps a row that `admits` took.
    func insert(_ values: [Value], _ order: [Value], first: Int64?) {
        let e = Entry(values: values, order: order, first: first, seq: seq)
        seq += 1
        func worse(_ i: Int, _ j: Int) -> Bool { before(entries[j].order, entries[j].seq, entries[i].order, entries[i].seq) }
        if !isFull {
            entries.append(e)
            var c = entries.count - 1
            while c > 0, worse(c, (c - 1) / 2) {
                entries.swapAt(c, (c - 1) / 2)
                c = (c - 1) / 2
            }
            return
        }
        entries[0] = e
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var w = i
            if l < entries.count && worse(l, w) { w = l }
            if r < entries.count && worse(r, w) { w = r }
            if w == i { return }
            entries.swapAt(i, w)
            i = w
        }
    }
}

extension SharedScan {
    /// The rows `sel[0..<n]` offered to a worker's best rows (see `TopRows`): ORDER BY values
    /// made only for the rows `forEachCandidate` offers, outputs only for those that enter.
    func keepBest(_ top: TopRows, _ data: BlockData, _ c: inout EvalContext, _ sel: UnsafePointer<Int32>, _ n: Int) throws {
        try top.forEachCandidate(data, sel, n) { i, first in
            c.row = Int(sel[i])
            let order = try plan.orderBy.map { Evaluator.value(try Evaluator.eval($0.expr, c), c) }
            guard top.admits(order) else { return }
            let values = try plan.outputs.map { Evaluator.value(try Evaluator.eval($0.expr, c), c) }
            top.insert(values, order, first: first)
        }
    }
}
