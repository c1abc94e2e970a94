/// Window functions (`f(...) OVER (PARTITION BY ... ORDER BY ...)`) in the select list and ORDER
/// BY, as Trino computes them: over the query's rows after WHERE, GROUP BY and HAVING, before
/// DISTINCT, ORDER BY and LIMIT. The query runs in two steps (`WindowPlan`): an inner query
/// computes, per row, every value the windows and the output need (the windows' arguments,
/// partitions and orderings, and the columns and aggregates the select list reads around them);
/// the windows are computed over those rows, held in memory; the outer query then selects,
/// orders and cuts them as a query over a subquery does. Supported: row_number, rank,
/// dense_rank, lag, lead, first_value, last_value, and count, sum, avg, min, max over the
/// default frame (the whole partition, or with ORDER BY its rows up to the current one and its
/// peers). The hunts they serve: the top N per source (`row_number() OVER (PARTITION BY srcaddr
/// ORDER BY bytes DESC)`), the gaps between a pair's connections (`start - lag(start) OVER
/// (PARTITION BY srcaddr, dstaddr ORDER BY start)`), shares of a total.
enum WindowPlan {
    /// The name of the rows the outer query reads (see `QueryEngine.run`); never a table.
    static let rowsName = "$window rows"

    /// One window function call, its inputs as columns of the inner query's rows.
    struct Call {
        enum Kind { case rowNumber, rank, denseRank, percentRank, cumeDist, ntile, lag, lead, firstValue, lastValue, count, countStar, sum, avg, min, max }
        var kind: Kind
        var arguments: [Int]
        var partition: [Int]
        var order: [(column: Int, ascending: Bool, nullsFirst: Bool)]
        /// lag/lead's offset; ntile's number of buckets.
        var offset = 1
        /// A ROWS frame (aggregates, first_value and last_value; the ranking functions and
        /// lag/lead ignore it, as in Trino); nil for the default frame.
        var frame: WindowFrame? = nil
        var position: SourcePosition
    }

    /// The two queries of a query with window functions, and the windows between them.
    struct Split {
        var inner: Query
        var outer: Query
        var calls: [Call]
    }

    static func split(_ q: Query, source: String) throws -> Split {
        func fail(_ message: String, _ at: SourcePosition) -> SQLError { SQLError(message, at: at, source: source) }
        if q.selectItems.contains(where: { if case .expression = $0.kind { return false }; return true }) {
            throw fail("SELECT * beside window functions is not supported: list the columns", q.position)
        }
        var items: [Expr] = []
        var index: [Expr: Int] = [:]
        var calls: [Call] = []
        func column(_ name: String, _ at: SourcePosition) -> Expr {
            Expr(.column(QualifiedName([Identifier(name, quoted: true, position: at)])), position: at)
        }
        func inner(_ e: Expr) -> Int {
            if let i = index[e] { return i }
            items.append(e)
            index[e] = items.count - 1
            return items.count - 1
        }
        func innerRef(_ e: Expr) -> Expr { column("$c\(inner(e))", e.position) }
        func window(_ call: FunctionCall, _ at: SourcePosition) throws -> Expr {
            let spec = call.window!
            let name = call.name.name.lowercased()
            if call.distinct { throw fail("DISTINCT in a window function is not supported", at) }
            if call.filter != nil { throw fail("FILTER in a window function is not supported", at) }
            for a in call.arguments + spec.partitionBy + spec.orderBy.map(\.expression) where a.containsWindowFunction {
                throw fail("window functions cannot be nested", a.start)
            }
            let kind: Call.Kind
            var arity = 1...1
            switch name {
            case "row_number": kind = .rowNumber; arity = 0...0
            case "rank": kind = .rank; arity = 0...0
            case "dense_rank": kind = .denseRank; arity = 0...0
            case "percent_rank": kind = .percentRank; arity = 0...0
            case "cume_dist": kind = .cumeDist; arity = 0...0
            case "ntile": kind = .ntile
            case "lag": kind = .lag; arity = 1...3
            case "lead": kind = .lead; arity = 1...3
            case "first_value": kind = .firstValue
            case "last_value": kind = .lastValue
            case "count": kind = call.isStar ? .countStar : .count; if call.isStar { arity = 0...0 }
            case "sum": kind = .sum
            case "avg": kind = .avg
            case "min": kind = .min
            case "max": kind = .max
            default:
                throw fail("window function \(name) is not supported (row_number, rank, dense_rank, percent_rank, cume_dist, ntile, lag, lead, first_value, last_value, count, sum, avg, min, max are)", at)
            }
            guard arity.contains(call.arguments.count) else { throw fail("\(name) takes \(arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)") arguments", at) }
            if [.rank, .denseRank, .percentRank, .cumeDist].contains(kind) && spec.orderBy.isEmpty {
                throw fail("\(name) needs ORDER BY in its window", at)
            }
            var c = Call(kind: kind, arguments: [], partition: spec.partitionBy.map(inner),
                         order: spec.orderBy.map { (inner($0.expression), $0.ascending, $0.nullsFirst) }, frame: spec.frame, position: at)
            if kind == .ntile {
                // The number of buckets (Trino takes any bigint; a constant here, as it is written).
                guard case .literal(.integer(let k)) = call.arguments[0].kind else {
                    throw fail("the number of buckets of ntile must be a constant integer", call.arguments[0].start)
                }
                guard k > 0 else { throw fail("Buckets must be greater than 0", call.arguments[0].start) }
                c.offset = Int(clamping: k)
            } else if kind == .lag || kind == .lead {
                c.arguments.append(inner(call.arguments[0]))
                if call.arguments.count > 1 {
                    guard case .literal(.integer(let k)) = call.arguments[1].kind, k >= 0 else {
                        throw fail("the offset of \(name) must be a constant integer of 0 or more", call.arguments[1].start)
                    }
                    c.offset = Int(k)
                }
                if call.arguments.count > 2 { c.arguments.append(inner(call.arguments[2])) }
            } else {
                c.arguments = call.arguments.map(inner)
            }
            calls.append(c)
            return column("$w\(calls.count - 1)", at)
        }
        // Window calls become the windows' columns; columns and aggregates around them become
        // the inner query's.
        func outer(_ e: Expr) throws -> Expr {
            var failure: Error? = nil
            let r = e.mapped { node in
                // A GROUP BY key is computed whole by the inner query (its parts may not be).
                if groupBy.contains(node) { return .some(innerRef(node)) }
                switch node.kind {
                case .function(let call) where call.window != nil:
                    do { return .some(try window(call, node.position)) } catch { failure = error; return .some(nil) }
                case .function(let call) where Binder.aggregateNames.contains(call.name.name.lowercased()):
                    return .some(innerRef(node))
                case .column:
                    return .some(innerRef(node))
                default:
                    return nil
                }
            }
            if let failure { throw failure }
            guard let r else { throw fail("this expression cannot be computed beside window functions", e.start) }
            return r
        }

        let outputNames = q.selectItems.enumerated().map { i, item -> String in
            guard case .expression(let e, let alias) = item.kind else { return "" }
            return alias?.name ?? Binder.defaultName(e, index: i)
        }
        // GROUP BY by position or select alias named the query's select items: written out.
        var groupBy: [Expr] = []
        for g in q.groupBy {
            var ge = g
            if let n = g.ordinal, n >= 1, n <= Int64(q.selectItems.count), case .expression(let e, _) = q.selectItems[Int(n) - 1].kind {
                ge = e
            } else if case .column(let qn) = g.kind, qn.parts.count == 1, Catalog.column(qn.parts[0].name) == nil,
                      let i = outputNames.firstIndex(of: qn.parts[0].name), case .expression(let e, _) = q.selectItems[i].kind {
                ge = e
            }
            if ge.containsWindowFunction { throw fail("GROUP BY cannot contain a window function", g.start) }
            groupBy.append(ge)
        }
        var outerItems: [SelectItem] = []
        for (i, item) in q.selectItems.enumerated() {
            guard case .expression(let e, _) = item.kind else { continue }
            let name = outputNames[i]
            outerItems.append(SelectItem(.expression(try outer(e), alias: Identifier(name, quoted: true, position: item.position)),
                                         position: item.position))
        }
        var outerOrder: [OrderItem] = []
        for o in q.orderBy {
            var item = o
            if o.expression.ordinal != nil {
                // a position in the select list: the same in the outer query
            } else if case .column(let qn) = o.expression.kind, qn.parts.count == 1, outputNames.contains(qn.parts[0].name) {
                // an output name
            } else {
                item.expression = try outer(o.expression)
            }
            outerOrder.append(item)
        }
        if let h = q.having, h.containsWindowFunction { throw fail("HAVING cannot contain a window function", h.start) }
        if let w = q.whereClause, w.containsWindowFunction { throw fail("WHERE cannot contain a window function", w.start) }

        var inner = q
        inner.selectItems = items.enumerated().map { i, e in
            SelectItem(.expression(e, alias: Identifier("$c\(i)", quoted: true, position: e.position)), position: e.position)
        }
        inner.groupBy = groupBy
        inner.distinct = false
        inner.orderBy = []
        inner.limit = nil
        let rows = Query(selectItems: [SelectItem(.wildcard, position: q.position)],
                         from: Relation(.table(QualifiedName([Identifier(rowsName, quoted: true, position: q.position)]), alias: nil), position: q.position),
                         position: q.position)
        let outer = Query(distinct: q.distinct, selectItems: outerItems, from: Relation(.subquery(rows, alias: nil), position: q.position),
                          orderBy: outerOrder, limit: q.limit, position: q.position)
        return Split(inner: inner, outer: outer, calls: calls)
    }

    /// Whether `q` reads the rows a windowed query computed (and so must not be merged).
    static func readsWindowRows(_ q: Query) -> Bool {
        if case .table(let name, _)? = q.from?.kind, name.parts.count == 1, name.parts[0].name == rowsName { return true }
        return false
    }

    /// The windows' columns over the inner query's rows, appended to them.
    static func compute(_ calls: [Call], over r: QueryResult, source: String) throws -> QueryResult {
        let rows = r.rows
        var out = r
        for (j, c) in calls.enumerated() {
            let (values, type) = try values(c, rows, r.types, source)
            out.columns.append("$w\(j)")
            out.types.append(type)
            out.data.append(ResultColumn(storage: .values(values)))
        }
        return out
    }

    static func values(_ c: Call, _ rows: [[Value]], _ types: [ValueType], _ source: String) throws -> ([Value], ValueType) {
        let n = rows.count
        // Rows in partition order, then window order: sorted as ORDER BY sorts rows (stable, by
        // one flat copy of the keys).
        let keys = rows.map { r in c.partition.map { r[$0] } + c.order.map { r[$0.column] } }
        let specs = c.partition.map { _ in QueryPlan.Order(expr: .constant(.null), ascending: true, nullsFirst: false) }
            + c.order.map { QueryPlan.Order(expr: .constant(.null), ascending: $0.ascending, nullsFirst: $0.nullsFirst) }
        let sorted = SharedScan.sortedPositions(keys, specs)
        func samePartition(_ x: Int, _ y: Int) -> Bool { c.partition.allSatisfy { rows[x][$0] == rows[y][$0] } }
        func peers(_ x: Int, _ y: Int) -> Bool { c.order.allSatisfy { rows[x][$0.column] == rows[y][$0.column] } }
        let argType = c.arguments.first.map { types[$0] } ?? .bigint
        let type: ValueType
        switch c.kind {
        case .rowNumber, .rank, .denseRank, .ntile, .count, .countStar: type = .bigint
        case .avg, .percentRank, .cumeDist: type = .double
        default: type = argType
        }
        var result = [Value](repeating: .null, count: n)
        var start = 0
        while start < n {
            var end = start + 1
            while end < n && samePartition(sorted[start], sorted[end]) { end += 1 }
            let part = sorted[start..<end]
            // Peer groups: rows of equal ORDER BY values (the whole partition without ORDER BY).
            var groups: [Range<Int>] = []
            var g = start
            while g < end {
                var h = g + 1
                while h < end && (c.order.isEmpty || peers(sorted[g], sorted[h])) { h += 1 }
                groups.append(g..<h)
                g = h
            }
            if let frame = c.frame, [.count, .countStar, .sum, .avg, .min, .max, .firstValue, .lastValue].contains(c.kind) {
                try framed(c, frame, sorted, start, end, rows, source, into: &result)
                start = end
                continue
            }
            switch c.kind {
            case .rowNumber:
                for (k, row) in part.enumerated() { result[row] = .int(Int64(k + 1)) }
            case .rank, .denseRank:
                for (d, group) in groups.enumerated() {
                    let v = Value.int(Int64(c.kind == .rank ? group.lowerBound - start + 1 : d + 1))
                    for i in group { result[sorted[i]] = v }
                }
            case .percentRank, .cumeDist:
                // percent_rank: (rank - 1) / (rows - 1), 0 for a partition of one row; cume_dist:
                // the rows up to the current one's last peer over the rows.
                let rows = Double(end - start)
                for group in groups {
                    let v: Value = c.kind == .percentRank
                        ? .double(end - start == 1 ? 0 : Double(group.lowerBound - start) / (rows - 1))
                        : .double(Double(group.upperBound - start) / rows)
                    for i in group { result[sorted[i]] = v }
                }
            case .ntile:
                // Buckets 1...n of rows / n rows each, the first rows % n of them one row more.
                let count = end - start, buckets = min(c.offset, count)
                let size = count / buckets, larger = count % buckets
                var i = start
                for b in 0..<buckets {
                    let rowsIn = size + (b < larger ? 1 : 0)
                    for _ in 0..<rowsIn { result[sorted[i]] = .int(Int64(b + 1)); i += 1 }
                }
            case .lag, .lead:
                for i in start..<end {
                    let k = c.kind == .lag ? i - c.offset : i + c.offset
                    let row = sorted[i]
                    if k >= start && k < end {
                        result[row] = rows[sorted[k]][c.arguments[0]]
                    } else if c.arguments.count > 1 {
                        result[row] = rows[row][c.arguments[1]]
                    }
                }
            case .firstValue:
                let v = rows[sorted[start]][c.arguments[0]]
                for i in start..<end { result[sorted[i]] = v }
            case .lastValue:
                // The frame ends with the current row's last peer.
                for group in groups {
                    let v = rows[sorted[group.upperBound - 1]][c.arguments[0]]
                    for i in group { result[sorted[i]] = v }
                }
            case .count, .countStar, .sum, .avg, .min, .max:
                var acc = Accumulator(kind: c.kind)
                let whole = c.order.isEmpty
                if whole { for i in start..<end { try acc.add(c.arguments.first.map { rows[sorted[i]][$0] }, c.position, source) } }
                for group in groups {
                    if !whole { for i in group { try acc.add(c.arguments.first.map { rows[sorted[i]][$0] }, c.position, source) } }
                    let v = acc.value
                    for i in group { result[sorted[i]] = v }
                }
            }
            start = end
        }
        return (result, type)
    }

    /// A ROWS frame's values over one partition, `sorted[start..<end]`: row i's frame is the
    /// partition's rows from i + start offset to i + end offset (clamped to the partition; empty
    /// when it ends before it starts: count 0, the others NULL). A frame open at one end reads
    /// running totals kept from that end (prefix or suffix), so UNBOUNDED frames cost one pass;
    /// a frame bounded at both ends is added up row by row (its width is in the query).
    static func framed(_ c: Call, _ frame: WindowFrame, _ sorted: [Int], _ start: Int, _ end: Int, _ rows: [[Value]],
                       _ source: String, into result: inout [Value]) throws {
        func offset(_ b: WindowFrame.Bound, _ i: Int) -> Int? {
            switch b {
            case .unboundedPreceding, .unboundedFollowing: return nil
            case .preceding(let n): return n > Int64(end - start) ? i - (end - start) - 1 : i - Int(n)
            case .currentRow: return i
            case .following(let n): return n > Int64(end - start) ? i + (end - start) + 1 : i + Int(n)
            }
        }
        func arg(_ i: Int) -> Value? { c.arguments.first.map { rows[sorted[i]][$0] } }
        let empty: Value = (c.kind == .count || c.kind == .countStar) ? .int(0) : .null
        // Running values from the start (prefix[k]: rows start...start + k) or from the end
        // (suffix[k]: rows start + k ..< end), built only when a frame is open at that end.
        var prefix: [Value] = [], suffix: [Value] = []
        let aggregate = c.kind != .firstValue && c.kind != .lastValue
        if aggregate && frame.start == .unboundedPreceding {
            var acc = Accumulator(kind: c.kind)
            for i in start..<end {
                try acc.add(arg(i), c.position, source)
                prefix.append(acc.value)
            }
        } else if aggregate && frame.end == .unboundedFollowing {
            var acc = Accumulator(kind: c.kind)
            suffix = [Value](repeating: .null, count: end - start)
            for i in stride(from: end - 1, through: start, by: -1) {
                try acc.add(arg(i), c.position, source)
                suffix[i - start] = acc.value
            }
        }
        for i in start..<end {
            let lo = max(start, offset(frame.start, i) ?? start)
            let hi = min(end - 1, offset(frame.end, i) ?? (end - 1))
            let row = sorted[i]
            if lo > hi { result[row] = empty; continue }
            switch c.kind {
            case .firstValue: result[row] = arg(lo) ?? .null
            case .lastValue: result[row] = arg(hi) ?? .null
            default:
                if frame.start == .unboundedPreceding {
                    result[row] = prefix[hi - start]
                } else if frame.end == .unboundedFollowing {
                    result[row] = suffix[lo - start]
                } else {
                    var acc = Accumulator(kind: c.kind)
                    for k in lo...hi { try acc.add(arg(k), c.position, source) }
                    result[row] = acc.value
                }
            }
        }
    }

    /// A running count, sum, average, minimum or maximum.
    struct Accumulator {
        let kind: Call.Kind
        var count: Int64 = 0
        var sumInt: Int64 = 0
        var sumDouble: Double = 0
        var isDouble = false
        var overflowed = false
        var best: Value = .null

        mutating func add(_ v: Value?, _ at: SourcePosition, _ source: String) throws {
            guard let v else { count += 1; return }  // count(*)
            if v.isNull { return }
            count += 1
            switch v {
            case .int(let x):
                let (s, o) = sumInt.addingReportingOverflow(x)
                if o && kind == .sum { throw SQLError("bigint addition overflow in a window sum", at: at, source: source) }
                if o { overflowed = true }
                sumInt = s
                sumDouble += Double(x)
            case .double(let d):
                isDouble = true
                sumDouble += d
            default:
                break
            }
            if kind == .min, best.isNull || v < best { best = v }
            if kind == .max, best.isNull || best < v { best = v }
        }

        var value: Value {
            switch kind {
            case .count, .countStar: return .int(count)
            case .sum: return count == 0 ? .null : isDouble ? .double(sumDouble) : .int(sumInt)
            case .avg: return count == 0 ? .null : .double(isDouble || overflowed ? sumDouble / Double(count) : Double(sumInt) / Double(count))
            default: return best
            }
        }
    }
}

extension Expr {
    /// Whether a window function (`... OVER (...)`) is in this expression, outside subqueries.
    var containsWindowFunction: Bool {
        var found = false
        walk { if case .function(let f) = $0.kind, f.window != nil { found = true } }
        return found
    }
}

extension Query {
    /// Whether the select list or ORDER BY holds a window function.
    var hasWindowFunctions: Bool {
        selectItems.contains { if case .expression(let e, _) = $0.kind { return e.containsWindowFunction }; return false }
            || orderBy.contains { $0.expression.containsWindowFunction }
    }
}
