/// `WITH name [(columns)] AS (query), ... SELECT ...`: a non-recursive WITH query is a named
/// subquery. The parser replaces every table reference to `name` that comes after its
/// definition (in later WITH queries and in the body, at any depth of subqueries) by the query
/// itself, as a subquery in FROM aliased `name` unless the reference has an alias of its own.
/// Trino plans non-recursive WITH the same way (inlined where it is used), so a WITH query read
/// twice is run twice; the archive's indexes still prune each run by its own filters.
struct CommonTableExpression {
    var name: Identifier
    var query: Query
}

extension Query {
    /// This query with its table references to `ctes` replaced (single-part names only: a
    /// qualified name such as `"db"."t"` always means the archive).
    func inlining(_ ctes: [CommonTableExpression]) -> Query {
        if ctes.isEmpty { return self }
        var byName: [String: CommonTableExpression] = [:]
        for c in ctes { byName[c.name.name] = c }
        return inlining(byName)
    }

    func inlining(_ ctes: [String: CommonTableExpression]) -> Query {
        var q = self
        q.selectItems = selectItems.map { item in
            guard case .expression(let e, let alias) = item.kind else { return item }
            var out = item
            out.kind = .expression(e.inlining(ctes), alias: alias)
            return out
        }
        q.from = from?.inlining(ctes)
        q.whereClause = whereClause?.inlining(ctes)
        q.groupBy = groupBy.map { $0.inlining(ctes) }
        q.having = having?.inlining(ctes)
        q.orderBy = orderBy.map { item in
            var out = item
            out.expression = item.expression.inlining(ctes)
            return out
        }
        q.setOperations = setOperations.map { op in
            var out = op
            out.query = op.query.inlining(ctes)
            return out
        }
        return q
    }
}

extension Relation {
    func inlining(_ ctes: [String: CommonTableExpression]) -> Relation {
        var r = self
        switch kind {
        case .table(let name, let alias):
            guard name.parts.count == 1, let cte = ctes[name.name.name] else { return self }
            r.kind = .subquery(cte.query, alias: alias ?? Identifier(cte.name.name, quoted: cte.name.quoted, position: name.position))
        case .subquery(let q, let alias):
            r.kind = .subquery(q.inlining(ctes), alias: alias)
        case .join(let type, let left, let right, let on):
            r.kind = .join(type, left: left.inlining(ctes), right: right.inlining(ctes), on: on?.inlining(ctes))
        }
        return r
    }
}

extension Expr {
    /// This expression with the subqueries inside it inlining `ctes`.
    func inlining(_ ctes: [String: CommonTableExpression]) -> Expr {
        func f(_ e: Expr) -> Expr { e.inlining(ctes) }
        var e = self
        switch kind {
        case .literal, .column, .currentTime:
            return self
        case .unary(let op, let x): e.kind = .unary(op, f(x))
        case .and(let ts): e.kind = .and(ts.map(f))
        case .or(let ts): e.kind = .or(ts.map(f))
        case .binary(let op, let l, let r): e.kind = .binary(op, f(l), f(r))
        case .between(let x, let lo, let hi, let negated): e.kind = .between(f(x), low: f(lo), high: f(hi), negated: negated)
        case .inList(let x, let list, let negated): e.kind = .inList(f(x), list.map(f), negated: negated)
        case .inSubquery(let x, let q, let negated): e.kind = .inSubquery(f(x), q.inlining(ctes), negated: negated)
        case .like(let x, let p, let esc, let negated): e.kind = .like(f(x), pattern: f(p), escape: esc.map(f), negated: negated)
        case .isNull(let x, let negated): e.kind = .isNull(f(x), negated: negated)
        case .isDistinctFrom(let a, let b, let negated): e.kind = .isDistinctFrom(f(a), f(b), negated: negated)
        case .function(var call):
            call.arguments = call.arguments.map(f)
            call.filter = call.filter.map(f)
            if var w = call.window {
                w.partitionBy = w.partitionBy.map(f)
                w.orderBy = w.orderBy.map { var o = $0; o.expression = f(o.expression); return o }
                call.window = w
            }
            e.kind = .function(call)
        case .cast(let x, let to, let isTry): e.kind = .cast(f(x), to: to, isTry: isTry)
        case .caseWhen(var c):
            c.operand = c.operand.map(f)
            c.whenClauses = c.whenClauses.map { WhenClause(f($0.condition), then: f($0.result)) }
            c.elseResult = c.elseResult.map(f)
            e.kind = .caseWhen(c)
        case .subquery(let q): e.kind = .subquery(q.inlining(ctes))
        case .exists(let q): e.kind = .exists(q.inlining(ctes))
        case .subscripted(let x, let index): e.kind = .subscripted(f(x), index: f(index))
        }
        return e
    }
}
