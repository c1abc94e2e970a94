/// `SELECT ... FROM (SELECT ... FROM archive ...) t WHERE ... ORDER BY ... LIMIT n`, the shape a
/// WITH query read by the body usually takes, merged into one query over the archive: the
/// outer query's names replaced by the inner query's expressions, its WHERE added to the
/// inner's WHERE (or, when the inner query aggregates, to its HAVING), its ORDER BY and LIMIT
/// taken over. Run as written, the inner query's every row (two million groups of a GROUP BY
/// sourceaddress) was first made into values, then filtered and sorted row by row: seconds,
/// where the merged query takes the engine's vectorized path. The merge is only made where it
/// cannot change the answer (see the conditions in `merged`); anything else runs as written.
extension Query {
    /// This query merged with the subquery that is its whole FROM, or nil.
    func mergedWithSubquery() -> Query? {
        guard setOperations.isEmpty, case .subquery(let written, let alias)? = from?.kind else { return nil }
        // Inside out: the subquery merged with its own subquery first. Rows that window
        // functions computed, or will, are not the archive's.
        guard !written.hasWindowFunctions, !WindowPlan.readsWindowRows(written) else { return nil }
        let inner = written.mergedWithSubquery() ?? written
        let outer = self
        if let merged = Self.aggregatedOverDistinctRows(outer: outer, inner: inner, alias: alias) { return merged }
        // The inner query's rows are not cut or deduplicated before the outer query sees them.
        guard !inner.distinct, inner.limit == nil, inner.orderBy.isEmpty, inner.setOperations.isEmpty, let innerFrom = inner.from,
              case .table = innerFrom.kind else { return nil }
        let aggregated = !inner.groupBy.isEmpty || inner.having != nil
            || inner.selectItems.contains { if case .expression(let e, _) = $0.kind { return Binder.containsAggregate(e) }; return false }
        if aggregated {
            // Over groups, the outer query may only select, filter, order and limit.
            guard !outer.distinct, outer.groupBy.isEmpty, outer.having == nil else { return nil }
            let outerExprs = outer.selectItems.compactMap { item -> Expr? in
                if case .expression(let e, _) = item.kind { return e }
                return nil
            } + outer.orderBy.map(\.expression) + (outer.whereClause.map { [$0] } ?? [])
            guard !outerExprs.contains(where: Binder.containsAggregate) else { return nil }
        }

        // The inner query's output columns by name (unique names only), and whether it has `*`.
        var columns: [String: Expr] = [:]
        var names: [String] = []
        var innerWildcard = false
        for (i, item) in inner.selectItems.enumerated() {
            switch item.kind {
            case .wildcard:
                innerWildcard = true
                names.append("*")
            case .qualifiedWildcard:
                return nil
            case .expression(let e, let a):
                let name = a?.name ?? Binder.defaultName(e, index: i)
                guard columns[name] == nil else { return nil }
                columns[name] = e
                names.append(name)
            }
        }
        // `*` of a grouped query is not a list of archive columns.
        if innerWildcard && aggregated { return nil }

        // An outer name: the inner column's expression, or (under the inner `*`) the archive's
        // column of that name. Unknown names leave the query as written (its error is reported).
        func resolve(_ qn: QualifiedName) -> Expr? {
            guard let name = Self.innerName(qn, alias: alias) else { return nil }
            if let e = columns[name] { return e }
            if innerWildcard, Catalog.column(name) != nil { return Expr(.column(QualifiedName([Identifier(name, position: qn.position)])), position: qn.position) }
            return nil
        }

        // The outer select list over the inner expressions, each keeping its output name.
        var items: [SelectItem] = []
        var outputNames: Set<String> = []
        for (i, item) in outer.selectItems.enumerated() {
            switch item.kind {
            case .wildcard:
                for (j, innerItem) in inner.selectItems.enumerated() {
                    items.append(innerItem)
                    if case .expression = innerItem.kind { outputNames.insert(names[j]) }
                }
            case .qualifiedWildcard(let qn):
                guard qn.parts.count == 1, alias != nil, qn.parts[0] == alias! else { return nil }
                items += inner.selectItems
            case .expression(let e, let a):
                guard let rewritten = e.replacingColumns(resolve) else { return nil }
                // The output keeps its name: an alias, or the column's name. (An unnamed
                // expression is `_colN` by its position, which the merge does not move.)
                let name = a?.name ?? Binder.defaultName(e, index: i)
                outputNames.insert(name)
                let keepName = a != nil || { if case .column = e.kind { return true }; return false }()
                items.append(SelectItem(.expression(rewritten, alias: keepName ? Identifier(name, quoted: true, position: item.position) : nil),
                                        position: item.position))
            }
        }
        // A name of the outer output (in GROUP BY, HAVING or ORDER BY) stays: it names that
        // output column; an ordinal stays; anything else is rewritten over the inner expressions.
        func rewriteKey(_ e: Expr) -> Expr? {
            if case .column(let qn) = e.kind, qn.parts.count == 1, outputNames.contains(qn.parts[0].name) { return e }
            if case .literal(.integer) = e.kind { return e }
            return e.replacingColumns(resolve)
        }
        var orderBy: [OrderItem] = []
        for o in outer.orderBy {
            guard let r = rewriteKey(o.expression) else { return nil }
            var item = o
            item.expression = r
            orderBy.append(item)
        }
        if !aggregated {
            // A filter or projection of the archive: the outer query's grouping, as written, over it.
            var merged = outer
            merged.selectItems = items
            merged.from = innerFrom
            merged.whereClause = inner.whereClause
            if let w = outer.whereClause {
                guard let rewritten = w.replacingColumns(resolve) else { return nil }
                merged.whereClause = merged.whereClause.map { Expr.conjunction([$0, rewritten]) } ?? rewritten
            }
            var groupBy: [Expr] = []
            for g in outer.groupBy { guard let r = rewriteKey(g) else { return nil }; groupBy.append(r) }
            merged.groupBy = groupBy
            if let h = outer.having { guard let r = h.replacingColumns(resolve) else { return nil }; merged.having = r }
            merged.orderBy = orderBy
            return merged
        }
        // GROUP BY of the inner query by ordinal or alias would now point elsewhere: written out.
        var groupBy: [Expr] = []
        for g in inner.groupBy {
            if case .literal(.integer(let k)) = g.kind {
                guard k >= 1, Int(k) <= inner.selectItems.count, case .expression(let e, _) = inner.selectItems[Int(k) - 1].kind else { return nil }
                groupBy.append(e)
            } else if case .column(let qn) = g.kind, qn.parts.count == 1, let e = columns[qn.parts[0].name], e != g {
                return nil  // an alias of the inner select list: keep the query as written
            } else {
                groupBy.append(g)
            }
        }
        var merged = Query(selectItems: items, from: innerFrom, whereClause: inner.whereClause, groupBy: groupBy,
                           having: inner.having, orderBy: orderBy, limit: outer.limit, position: outer.position)
        if let w = outer.whereClause {
            guard let rewritten = w.replacingColumns(resolve) else { return nil }
            if aggregated {
                merged.having = merged.having.map { Expr.conjunction([$0, rewritten]) } ?? rewritten
            } else {
                merged.whereClause = merged.whereClause.map { Expr.conjunction([$0, rewritten]) } ?? rewritten
            }
        }
        return merged
    }
}

extension Query {
    /// `SELECT k, count(*) FROM (SELECT DISTINCT k, x FROM archive WHERE w) GROUP BY k`, and the
    /// same with the inner query written `GROUP BY k, x` over exactly its selected columns: the
    /// outer query aggregates the distinct rows of the inner columns, grouped by all of them but
    /// one, x. Merged into one query over the archive: grouped by the outer keys' expressions,
    /// with count(*) of the distinct rows as the distinct values of x with NULL one of them
    /// (`AggregateSpec.Function.countDistinctRows`), count(x) as count(DISTINCT x), sum(x) and
    /// avg(x) over the distinct values,
    /// min(x) and max(x) as they are; those the engine computes by grouping on x
    /// (`DistinctRegroup`). The fan-out hunt `SELECT srcaddr, count(*) FROM (SELECT DISTINCT
    /// srcaddr, dstport ...) GROUP BY srcaddr` ran as the inner query's rows made into values
    /// (27.7 s and 4.3 GB over 20 M records); merged it takes 0.7-1.4 s. Any other
    /// shape (another aggregate, a key that is not a plain inner column, two columns left over)
    /// runs as written.
    static func aggregatedOverDistinctRows(outer: Query, inner: Query, alias: Identifier?) -> Query? {
        guard inner.limit == nil, inner.orderBy.isEmpty, inner.setOperations.isEmpty, inner.having == nil,
              let innerFrom = inner.from, case .table = innerFrom.kind, outer.setOperations.isEmpty else { return nil }
        var columns: [(name: String, expr: Expr)] = []
        for (i, item) in inner.selectItems.enumerated() {
            guard case .expression(let e, let a) = item.kind, !Binder.containsAggregate(e) else { return nil }
            let name = a?.name ?? Binder.defaultName(e, index: i)
            guard !columns.contains(where: { $0.name == name }) else { return nil }
            columns.append((name, e))
        }
        if inner.distinct {
            guard inner.groupBy.isEmpty else { return nil }
        } else {
            // Grouped by exactly the selected expressions (by expression, position or alias).
            guard !inner.groupBy.isEmpty else { return nil }
            var grouped = Set<Int>()
            for g in inner.groupBy {
                if let n = g.ordinal {
                    guard n >= 1, n <= Int64(columns.count) else { return nil }
                    grouped.insert(Int(n) - 1)
                } else if let i = columns.firstIndex(where: { $0.expr == g }) {
                    grouped.insert(i)
                } else if case .column(let qn) = g.kind, qn.parts.count == 1, Catalog.column(qn.parts[0].name) == nil,
                          let i = columns.firstIndex(where: { $0.name == qn.parts[0].name }) {
                    grouped.insert(i)
                } else {
                    return nil
                }
            }
            guard grouped.count == columns.count else { return nil }
        }
        let outerExprs = outer.selectItems.compactMap { item -> Expr? in
            if case .expression(let e, _) = item.kind { return e }
            return nil
        }
        guard outerExprs.count == outer.selectItems.count else { return nil }  // no `*` over the rows
        guard outerExprs.contains(where: Binder.containsAggregate) || outer.having.map(Binder.containsAggregate) == true
            || outer.orderBy.contains(where: { Binder.containsAggregate($0.expression) }) else { return nil }

        func column(_ qn: QualifiedName) -> Int? {
            guard let name = Self.innerName(qn, alias: alias) else { return nil }
            return columns.firstIndex { $0.name == name }
        }
        // The outer keys: plain inner columns (by name, or by the position of such an item).
        var keys = Set<Int>()
        var groupBy: [Expr] = []
        for g in outer.groupBy {
            var ge = g
            if let n = g.ordinal {
                guard n >= 1, n <= Int64(outerExprs.count) else { return nil }
                ge = outerExprs[Int(n) - 1]
            }
            guard case .column(let qn) = ge.kind, let i = column(qn) else { return nil }
            keys.insert(i)
            groupBy.append(columns[i].expr)
        }
        let rest = (0..<columns.count).filter { !keys.contains($0) }
        guard rest.count == 1 else { return nil }
        let x = columns[rest[0]].expr

        // Aggregates over the distinct rows, then the columns, rewritten over the archive.
        func rewrite(_ e: Expr) -> Expr? {
            e.mapped { node in
                switch node.kind {
                case .column(let qn):
                    guard let i = column(qn) else { return .some(nil) }
                    return .some(columns[i].expr)
                case .function(let call) where Binder.aggregateNames.contains(call.name.name.lowercased()):
                    return .some(Self.overDistinctRows(call, x: x, isX: { arg in
                        if case .column(let qn) = arg.kind, let i = column(qn) { return i == rest[0] }
                        return false
                    }, at: node.position))
                default:
                    return nil
                }
            }
        }
        var items: [SelectItem] = []
        for (i, item) in outer.selectItems.enumerated() {
            guard case .expression(let e, let a) = item.kind, let r = rewrite(e) else { return nil }
            // The output keeps its name: an alias, or the column's name (`_colN` by position).
            let keepName = a != nil || { if case .column = e.kind { return true }; return false }()
            let name = a?.name ?? Binder.defaultName(e, index: i)
            items.append(SelectItem(.expression(r, alias: keepName ? Identifier(name, quoted: true, position: item.position) : nil),
                                    position: item.position))
        }
        let outputNames = Set(outer.selectItems.enumerated().compactMap { i, item -> String? in
            guard case .expression(let e, let a) = item.kind else { return nil }
            return a?.name ?? Binder.defaultName(e, index: i)
        })
        var orderBy: [OrderItem] = []
        for o in outer.orderBy {
            var item = o
            if case .column(let qn) = o.expression.kind, qn.parts.count == 1, outputNames.contains(qn.parts[0].name) {
                // an output name stays
            } else if o.expression.ordinal == nil {
                guard let r = rewrite(o.expression) else { return nil }
                item.expression = r
            }
            orderBy.append(item)
        }
        var merged = Query(distinct: outer.distinct, selectItems: items, from: innerFrom, whereClause: inner.whereClause,
                           groupBy: groupBy, orderBy: orderBy, limit: outer.limit, position: outer.position)
        if let w = outer.whereClause {
            // A condition on a distinct row's columns holds for every archive row that makes it.
            guard !Binder.containsAggregate(w), let r = w.replacingColumns({ qn in column(qn).map { columns[$0].expr } }) else { return nil }
            merged.whereClause = merged.whereClause.map { Expr.conjunction([$0, r]) } ?? r
        }
        if let h = outer.having {
            guard let r = rewrite(h) else { return nil }
            merged.having = r
        }
        return merged
    }

    /// The inner column an outer name refers to: `name`, or `alias.name` with the subquery's alias.
    static func innerName(_ qn: QualifiedName, alias: Identifier?) -> String? {
        switch qn.parts.count {
        case 1: return qn.parts[0].name
        case 2 where alias != nil && qn.parts[0] == alias!: return qn.parts[1].name
        default: return nil
        }
    }

    /// An aggregate over the distinct rows of (keys, x), as an aggregate over the archive's rows
    /// grouped by the keys; nil for one that has no such form here.
    private static func overDistinctRows(_ call: FunctionCall, x: Expr, isX: (Expr) -> Bool, at: SourcePosition) -> Expr? {
        func fn(_ name: String, _ args: [Expr], distinct: Bool = false, star: Bool = false) -> Expr {
            Expr(.function(FunctionCall(Identifier(name, position: at), arguments: args, distinct: distinct, isStar: star)), position: at)
        }
        let name = call.name.name.lowercased()
        // FILTER picks rows of the distinct ones, which the merged query no longer has.
        guard call.filter == nil else { return nil }
        if call.isStar {
            guard name == "count" else { return nil }
            return fn(Binder.countDistinctRows, [x])
        }
        guard call.arguments.count == 1, isX(call.arguments[0]) else { return nil }
        switch name {
        case "count": return fn("count", [x], distinct: true)
        case "approx_distinct": return fn("approx_distinct", [x])
        case "sum", "avg": return fn(name, [x], distinct: true)
        case "min", "max": return fn(name, [x])
        default: return nil
        }
    }
}

extension Expr {
    /// This expression with each column reference replaced by `f(name)`; nil when `f` is nil
    /// for one. Subqueries inside are left alone (they have their own FROM).
    func replacingColumns(_ f: (QualifiedName) -> Expr?) -> Expr? {
        mapped { e in
            if case .column(let qn) = e.kind { return .some(f(qn)) }
            return nil
        }
    }

    /// This expression rebuilt from the top down: where `f` answers (`.some`), its answer
    /// replaces the node (`.some(nil)` fails the whole); elsewhere the node's parts are mapped.
    /// Subqueries inside are left alone (they have their own FROM).
    func mapped(_ f: (Expr) -> Expr??) -> Expr? {
        if let answer = f(self) { return answer }
        func g(_ e: Expr) -> Expr? { e.mapped(f) }
        func all(_ es: [Expr]) -> [Expr]? {
            var out: [Expr] = []
            for e in es { guard let r = g(e) else { return nil }; out.append(r) }
            return out
        }
        var e = self
        switch kind {
        case .literal, .currentTime, .subquery, .exists, .column:
            return self
        case .unary(let op, let x):
            guard let x = g(x) else { return nil }
            e.kind = .unary(op, x)
        case .and(let ts):
            guard let ts = all(ts) else { return nil }
            e.kind = .and(ts)
        case .or(let ts):
            guard let ts = all(ts) else { return nil }
            e.kind = .or(ts)
        case .binary(let op, let l, let r):
            guard let l = g(l), let r = g(r) else { return nil }
            e.kind = .binary(op, l, r)
        case .between(let x, let lo, let hi, let negated):
            guard let x = g(x), let lo = g(lo), let hi = g(hi) else { return nil }
            e.kind = .between(x, low: lo, high: hi, negated: negated)
        case .inList(let x, let list, let negated):
            guard let x = g(x), let list = all(list) else { return nil }
            e.kind = .inList(x, list, negated: negated)
        case .inSubquery(let x, let q, let negated):
            guard let x = g(x) else { return nil }
            e.kind = .inSubquery(x, q, negated: negated)
        case .like(let x, let p, let esc, let negated):
            guard let x = g(x), let p = g(p) else { return nil }
            let escape = esc.flatMap(g)
            if esc != nil && escape == nil { return nil }
            e.kind = .like(x, pattern: p, escape: escape, negated: negated)
        case .isNull(let x, let negated):
            guard let x = g(x) else { return nil }
            e.kind = .isNull(x, negated: negated)
        case .isDistinctFrom(let a, let b, let negated):
            guard let a = g(a), let b = g(b) else { return nil }
            e.kind = .isDistinctFrom(a, b, negated: negated)
        case .function(var call):
            guard let args = all(call.arguments) else { return nil }
            call.arguments = args
            if let filter = call.filter {
                guard let r = g(filter) else { return nil }
                call.filter = r
            }
            if var w = call.window {
                guard let p = all(w.partitionBy) else { return nil }
                w.partitionBy = p
                var order: [OrderItem] = []
                for o in w.orderBy {
                    guard let r = g(o.expression) else { return nil }
                    var item = o
                    item.expression = r
                    order.append(item)
                }
                w.orderBy = order
                call.window = w
            }
            e.kind = .function(call)
        case .cast(let x, let to, let isTry):
            guard let x = g(x) else { return nil }
            e.kind = .cast(x, to: to, isTry: isTry)
        case .caseWhen(var c):
            if let o = c.operand { guard let r = g(o) else { return nil }; c.operand = r }
            var whens: [WhenClause] = []
            for w in c.whenClauses {
                guard let cond = g(w.condition), let res = g(w.result) else { return nil }
                whens.append(WhenClause(cond, then: res))
            }
            c.whenClauses = whens
            if let el = c.elseResult { guard let r = g(el) else { return nil }; c.elseResult = r }
            e.kind = .caseWhen(c)
        case .subscripted(let x, let index):
            guard let x = g(x), let index = g(index) else { return nil }
            e.kind = .subscripted(x, index: index)
        }
        return e
    }
}
