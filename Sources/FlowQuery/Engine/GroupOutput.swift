import FlowLog

/// Turns merged groups into the result: HAVING, ORDER BY and LIMIT over group numbers, then
/// the output columns gathered in result order. ORDER BY keys that are group keys or the common
/// aggregates are read straight from the aggregator as integers and sorted by a radix sort on
/// their first key; only ties (and keys of other shapes) go through a general comparison.
struct GroupOutput {
    let plan: QueryPlan
    let aggregator: Aggregator

    func make() throws -> ([ResultColumn], Int) {
        let groups = try selected()
        let rows = GroupRows(aggregator, groups)
        let data = try plan.outputs.map { try column($0.expr, rows) }
        return (data, groups.count)
    }

    /// The groups of the result, in result order: those HAVING keeps, sorted, cut at LIMIT.
    func selected() throws -> [Int32] {
        let agg = aggregator
        var groups: [Int32] = []
        if let h = plan.having {
            var c = EvalContext()
            c.groups = agg
            for g in 0..<agg.groupCount {
                c.row = g
                if case .bool(true) = try Evaluator.eval(h, c) { groups.append(Int32(g)) }
            }
        } else {
            groups = (0..<agg.groupCount).map { Int32($0) }
        }
        if plan.having == nil, let cut = try topByAggregate() {
            groups = cut
        } else if !plan.orderBy.isEmpty {
            groups = try sorted(groups)
        }
        if let l = plan.limit, groups.count > Int(l) { groups.removeLast(groups.count - Int(l)) }
        return groups
    }

    // MARK: sorting

    /// ORDER BY an aggregate ... LIMIT l over many groups (a top ten of a million talkers): the
    /// l-th best value is found straight from the aggregator's state arrays, and only the groups
    /// at least as good (ties included) are sorted. Nil when the query is not of that shape.
    /// Going through `sorted` cost a million-entry group list, a sort column and a NULL list
    /// made for ten rows (7% of the query's CPU).
    func topByAggregate() throws -> [Int32]? {
        guard let first = plan.orderBy.first, case .aggregate(let j) = first.expr, !first.nullsFirst,
              let l = plan.limit, l > 0, Int(l) * 8 < aggregator.groupCount else { return nil }
        let flip: UInt64 = first.ascending ? 0 : ~0
        var heap = SmallestKeys(Int(l))
        guard try aggregator.forEachOrderKey(j, { _, k in heap.offer(k ^ flip) }), let cut = heap.largest else { return nil }
        var candidates: [Int32] = []
        _ = try aggregator.forEachOrderKey(j) { g, k in if k ^ flip <= cut { candidates.append(Int32(truncatingIfNeeded: g)) } }
        return try sorted(candidates, topN: false)
    }

    /// An ORDER BY key's values for the groups being sorted, by position.
    enum SortColumn {
        case ints([Int64], nulls: [Bool]?)
        case doubles([Double], nulls: [Bool]?)
        /// A VARCHAR address as its zero-padded text, big-endian in two words (IPv4 only).
        case text([UInt64], [UInt64], nulls: [Bool]?)
        case values([Value])

        func isNull(_ i: Int) -> Bool {
            switch self {
            case .ints(_, let n), .doubles(_, let n), .text(_, _, let n): return n?[i] ?? false
            case .values(let v): return v[i].isNull
            }
        }

        /// -1, 0, 1 for two non-NULL positions.
        func compare(_ a: Int, _ b: Int) -> Int {
            switch self {
            case .ints(let v, _): return v[a] < v[b] ? -1 : (v[a] > v[b] ? 1 : 0)
            case .doubles(let v, _): return v[a] < v[b] ? -1 : (v[a] > v[b] ? 1 : 0)
            case .text(let h, let l, _):
                if h[a] != h[b] { return h[a] < h[b] ? -1 : 1 }
                return l[a] < l[b] ? -1 : (l[a] > l[b] ? 1 : 0)
            case .values(let v): return v[a] == v[b] ? 0 : (v[a] < v[b] ? -1 : 1)
            }
        }

        /// An unsigned key whose order is this column's ascending order (the first word for text).
        func radixKey(_ i: Int) -> UInt64? {
            switch self {
            case .ints(let v, _): return UInt64(bitPattern: v[i]) ^ (1 << 63)
            case .doubles(let v, _):
                let bits = v[i].bitPattern
                return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
            case .text(let h, _, _): return h[i]
            case .values: return nil
            }
        }

        /// Whether equal radix keys settle the order of this key.
        var radixIsExact: Bool {
            if case .ints = self { return true }
            if case .doubles = self { return true }
            return false
        }
    }

    func sortColumn(_ e: CExpr, _ groups: [Int32]) throws -> SortColumn {
        let agg = aggregator
        switch e {
        case .groupKey(let k):
            let nulls = keyNulls(k, groups)
            switch agg.layout.parts[k] {
            case .int, .vector:
                return .ints(keyWords(k, groups).map { Int64(bitPattern: $0) }, nulls: nulls)
            case .text:
                let rank = textRanks()
                return .ints(keyWords(k, groups).map { Int64(rank[Int($0)]) }, nulls: nulls)
            case .address:
                var hi = [UInt64](), lo = [UInt64]()
                hi.reserveCapacity(groups.count)
                lo.reserveCapacity(groups.count)
                for (i, g) in groups.enumerated() where nulls?[i] != true {
                    let a = agg.keyAddress(k, Int(g))
                    guard let v4 = a.ipv4 else { return try valuesColumn(e, groups) }
                    let (x, y) = Self.paddedText(v4)
                    hi.append(x)
                    lo.append(y)
                }
                if nulls != nil {
                    // Re-spread to positions (NULL positions hold 0 and are never compared).
                    var h2 = [UInt64](repeating: 0, count: groups.count), l2 = h2
                    var j = 0
                    for i in groups.indices where nulls?[i] != true { h2[i] = hi[j]; l2[i] = lo[j]; j += 1 }
                    hi = h2
                    lo = l2
                }
                return .text(hi, lo, nulls: nulls)
            case .computed:
                return try valuesColumn(e, groups)
            }
        case .aggregate(let j):
            switch agg.kinds[j] {
            case .countStar, .countColumn, .countExpr:
                return .ints(groups.map { agg.count(j, Int($0)) }, nulls: nil)
            case .sum:
                let nulls = groups.map { agg.count(j, Int($0)) == 0 }
                if agg.specs[j].function == .avg {
                    return .doubles(groups.map { g in
                        let n = agg.count(j, Int(g))
                        return n == 0 ? 0 : Double(agg.sum(j, Int(g))) / Double(n)
                    }, nulls: nulls)
                }
                var v = [Int64]()
                v.reserveCapacity(groups.count)
                for g in groups {
                    guard let x = Int64(exactly: agg.sum(j, Int(g))) else { throw QueryRuntimeError(description: "bigint overflow in sum") }
                    v.append(x)
                }
                return .ints(v, nulls: nulls)
            case .extreme:
                return .ints(groups.map { agg.extreme(j, Int($0)) }, nulls: groups.map { agg.count(j, Int($0)) == 0 })
            case .generic:
                return try valuesColumn(e, groups)
            }
        default:
            return try valuesColumn(e, groups)
        }
    }

    func valuesColumn(_ e: CExpr, _ groups: [Int32]) throws -> SortColumn {
        .values(try values(e, groups))
    }

    func values(_ e: CExpr, _ groups: [Int32]) throws -> [Value] {
        var c = EvalContext()
        c.groups = aggregator
        return try groups.map { g in
            c.row = Int(g)
            if case .aggregate(let j) = e { return try aggregator.aggregateValue(j, Int(g)) }  // arrays pass through
            return Evaluator.value(try Evaluator.eval(e, c), c)
        }
    }

    func keyNulls(_ k: Int, _ groups: [Int32]) -> [Bool]? {
        let keys = aggregator.table.keys.base, w = aggregator.layout.width
        let word = k >> 6, bit = UInt64(k & 63)
        var any = false
        let n = groups.map { g -> Bool in
            let isNull = (keys[Int(g) * w + word] >> bit) & 1 == 1
            any = any || isNull
            return isNull
        }
        return any ? n : nil
    }

    /// Value word `i` of key `k` for each group, read straight from the key words.
    func keyWords(_ k: Int, _ groups: [Int32], _ i: Int = 0) -> [UInt64] {
        let keys = aggregator.table.keys.base, w = aggregator.layout.width
        let f = aggregator.layout.fields[k][i]
        return groups.map { f.read(keys + Int($0) * w) }
    }

    /// Rank of every interned text in byte order (index 0, NULL, unused).
    func textRanks() -> [UInt32] {
        let d = aggregator.strings.dictionary
        var ids = Array(1..<UInt32(d.count + 1))
        ids.sort { d.value($0).lexicographicallyPrecedes(d.value($1)) }
        var rank = [UInt32](repeating: 0, count: d.count + 1)
        for (r, id) in ids.enumerated() { rank[Int(id)] = UInt32(r + 1) }
        return rank
    }

    /// An IPv4 address's dotted text, zero-padded to 16 bytes, as two big-endian words: comparing
    /// the words compares the texts byte by byte (a shorter text is a prefix padded with 0).
    static func paddedText(_ v4: UInt32) -> (UInt64, UInt64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buf in
            buf.initialize(repeating: 0)
            _ = IPAddress.writeIPv4(v4, to: buf)
            var hi: UInt64 = 0, lo: UInt64 = 0
            for i in 0..<8 { hi = hi << 8 | UInt64(buf[i]) }
            for i in 8..<16 { lo = lo << 8 | UInt64(buf[i]) }
            return (hi, lo)
        }
    }

    /// Group numbers in ORDER BY order; ties keep group order (stable).
    func sorted(_ groups: [Int32], topN: Bool = true) throws -> [Int32] {
        let specs = plan.orderBy
        let cols = try specs.map { try sortColumn($0.expr, groups) }
        let n = groups.count
        // ORDER BY ... LIMIT l over many groups: only the groups whose first key is at most the
        // l-th smallest can be in the result (ties included), so only those are sorted. NULLs
        // sort last unless NULLS FIRST, so with at least l non-NULL keys they are not needed.
        if topN, let l = plan.limit, l > 0, Int(l) * 8 < n, cols[0].radixKey(0) != nil, !specs[0].nullsFirst {
            let descending = !specs[0].ascending
            let first = cols[0]
            // Keys computed on the fly, twice, rather than kept in arrays of n: with a million
            // groups per worker those arrays were 16 MB of fresh pages for ten rows.
            let keys = (0..<n).lazy.filter { !first.isNull($0) }.map { i -> (Int, UInt64) in
                let k = first.radixKey(i)!
                return (i, descending ? ~k : k)
            }
            if let cut = Self.smallest(Int(l), of: keys.lazy.map { $0.1 }) {
                return try sorted(keys.filter { $0.1 <= cut }.map { groups[$0.0] }, topN: false)
            }
        }
        func less(_ a: Int, _ b: Int, from first: Int) -> Bool {
            for k in first..<cols.count {
                let na = cols[k].isNull(a), nb = cols[k].isNull(b)
                if na || nb {
                    if na && nb { continue }
                    return na ? specs[k].nullsFirst : !specs[k].nullsFirst
                }
                let o = cols[k].compare(a, b)
                if o != 0 { return specs[k].ascending ? o < 0 : o > 0 }
            }
            return a < b
        }
        var order: [Int]
        if case .values = cols[0] {
            order = Array(0..<n)
            order.sort { less($0, $1, from: 0) }
        } else {
            // Radix sort on the first key, then settle ties (and NULLs) with the full comparison.
            var keys: [UInt64] = [], positions: [UInt32] = [], nullPositions: [Int] = []
            keys.reserveCapacity(n)
            positions.reserveCapacity(n)
            let descending = !specs[0].ascending
            for i in 0..<n {
                if cols[0].isNull(i) { nullPositions.append(i); continue }
                let key = cols[0].radixKey(i)!
                keys.append(descending ? ~key : key)
                positions.append(UInt32(i))
            }
            Self.radixSort(&keys, &positions)
            var sortedValues: [Int] = []
            sortedValues.reserveCapacity(n)
            let settleTies = cols.count > 1 || !cols[0].radixIsExact
            var i = 0
            while i < keys.count {
                var j = i + 1
                while j < keys.count && keys[j] == keys[i] { j += 1 }
                if settleTies && j - i > 1 {
                    var run = positions[i..<j].map { Int($0) }
                    run.sort { less($0, $1, from: cols[0].radixIsExact ? 1 : 0) }
                    sortedValues.append(contentsOf: run)
                } else {
                    for k in i..<j { sortedValues.append(Int(positions[k])) }
                }
                i = j
            }
            nullPositions.sort { less($0, $1, from: 1) }
            order = specs[0].nullsFirst ? nullPositions + sortedValues : sortedValues + nullPositions
        }
        return order.map { groups[$0] }
    }

    /// The `l`-th smallest of `keys`, or nil when there are fewer than `l`.
    static func smallest<S: Sequence<UInt64>>(_ l: Int, of keys: S) -> UInt64? {
        var heap = SmallestKeys(l)
        for k in keys { heap.offer(k) }
        return heap.largest
    }

    /// Stable LSD radix sort of `keys` (8 bits a pass) carrying `payload`; passes where every
    /// key has the same byte are skipped.
    static func radixSort(_ keys: inout [UInt64], _ payload: inout [UInt32]) {
        let n = keys.count
        guard n > 1 else { return }
        var k2 = [UInt64](repeating: 0, count: n), p2 = [UInt32](repeating: 0, count: n)
        for pass in 0..<8 {
            let shift = UInt64(pass * 8)
            var counts = [Int](repeating: 0, count: 256)
            for k in keys { counts[Int((k >> shift) & 0xFF)] += 1 }
            if counts.contains(n) { continue }
            var sum = 0
            for b in 0..<256 { let c = counts[b]; counts[b] = sum; sum += c }
            keys.withUnsafeBufferPointer { ks in
                payload.withUnsafeBufferPointer { ps in
                    k2.withUnsafeMutableBufferPointer { ko in
                        p2.withUnsafeMutableBufferPointer { po in
                            for i in 0..<n {
                                let b = Int((ks[i] >> shift) & 0xFF)
                                let at = counts[b]
                                counts[b] = at + 1
                                ko[at] = ks[i]
                                po[at] = ps[i]
                            }
                        }
                    }
                }
            }
            swap(&keys, &k2)
            swap(&payload, &p2)
        }
    }

    // MARK: output columns

    /// Output column `e` for the groups of `rows`, in their order.
    func column(_ e: CExpr, _ rows: GroupRows) throws -> ResultColumn {
        let agg = aggregator
        let groups = rows.order
        switch e {
        case .groupKey(let k):
            switch agg.layout.parts[k] {
            case .int, .vector, .address:
                return ResultColumn(storage: .groupKey(rows, key: k))
            case .text:
                return ResultColumn(storage: .text(ids: keyWords(k, groups).map { UInt32($0) }, dictionary: agg.strings.dictionary))
            case .computed:
                break
            }
        case .aggregate(let j):
            switch agg.kinds[j] {
            case .countStar, .countColumn, .countExpr:
                return ResultColumn(storage: .ints(groups.map { agg.count(j, Int($0)) }, nulls: nil))
            case .sum:
                let col = try sortColumn(e, groups)
                if case .ints(let v, let n) = col { return ResultColumn(storage: .ints(v, nulls: n)) }
                if case .doubles(let v, let n) = col { return ResultColumn(storage: .doubles(v, nulls: n)) }
            case .extreme(_, let tag, _):
                let v = groups.map { agg.extreme(j, Int($0)) }
                let nulls = groups.map { agg.count(j, Int($0)) == 0 }
                if tag == VectorExpr.date { return ResultColumn(storage: .values(zip(v, nulls).map { $1 ? .null : .date($0) })) }
                return ResultColumn(storage: tag == VectorExpr.timestamp ? .timestamps(v, nulls: nulls) : .ints(v, nulls: nulls))
            case .generic:
                break
            }
        default:
            break
        }
        return ResultColumn(storage: .values(try values(e, groups)))
    }
}

/// The `l` smallest keys offered so far, in a max-heap.
struct SmallestKeys {
    private var heap: [UInt64] = []
    private let l: Int

    init(_ l: Int) {
        self.l = l
        heap.reserveCapacity(l)
    }

    /// The `l`-th smallest key offered, or nil when fewer than `l` were.
    var largest: UInt64? { heap.count == l ? heap[0] : nil }

    @inline(__always)
    mutating func offer(_ k: UInt64) {
        if heap.count < l {
            heap.append(k)
            var i = heap.count - 1
            while i > 0 && heap[(i - 1) / 2] < heap[i] { heap.swapAt(i, (i - 1) / 2); i = (i - 1) / 2 }
        } else if k < heap[0] {
            heap[0] = k
            var i = 0
            while true {
                let a = 2 * i + 1, b = a + 1
                var m = i
                if a < l && heap[a] > heap[m] { m = a }
                if b < l && heap[b] > heap[m] { m = b }
                if m == i { return }
                heap.swapAt(i, m)
                i = m
            }
        }
    }
}
