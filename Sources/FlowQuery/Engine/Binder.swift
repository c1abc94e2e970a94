import FlowArchive
import FlowLog
import FlowSupport

/// A query bound to the archive: which columns to read, the filter, and what to compute.
struct QueryPlan {
    struct Output { var name: String; var expr: CExpr; var type: ValueType }
    struct Order { var expr: CExpr; var ascending: Bool; var nullsFirst: Bool }

    var columns: [ColumnDef] = []
    var filter: CExpr?
    /// The filter's source, for block pruning.
    var filterAST: Expr?
    var isAggregate = false
    var groupKeys: [CExpr] = []
    var aggregates: [AggregateSpec] = []
    var having: CExpr?
    var outputs: [Output] = []
    /// Hidden outputs appended for ORDER BY expressions that are not selected.
    var hiddenOutputs = 0
    var orderBy: [Order] = []
    var distinct = false
    var limit: Int64?
    /// How many `textCompare` caches the evaluator needs per block.
    var textCaches = 0
    /// A subquery in FROM, alone or joined with the archive.
    var join: JoinPlan?
}

/// A subquery's result, computed before the outer query runs and read by it row by row.
final class JoinedRows: @unchecked Sendable {
    let columns: [String]
    let types: [ValueType]
    let rows: [[Value]]

    init(_ r: QueryResult) {
        columns = r.columns
        types = r.types
        rows = r.rows
    }

    /// The relation of a SELECT without FROM: one row, no columns.
    init(oneEmptyRow: ()) {
        columns = []
        types = []
        rows = [[]]
    }
}

/// How the archive's rows meet a subquery's rows: every archive row that passes the WHERE terms
/// about the archive alone is matched by hash on the equality terms of ON, then the remaining
/// terms filter the joined rows. With no archive in FROM, a single empty archive row stands in,
/// so that every subquery row is one joined row.
struct JoinPlan {
    enum Kind { case inner, left, cross }
    var kind: Kind
    var rows: JoinedRows
    /// FROM holds only the subquery.
    var subqueryOnly: Bool
    /// There is no FROM: the "subquery" is one row without columns.
    var noFrom = false
    /// Equality terms of ON: an archive-side expression and a subquery column.
    var archiveKeys: [CExpr] = []
    var joinedKeys: [Int] = []
    /// Whether key i compares an address column with the subquery's text.
    var addressKeys: [Bool] = []
    /// The other terms of ON (part of matching: for LEFT, a row they reject is unmatched).
    var onResidual: CExpr?
    /// WHERE terms that read the subquery's columns (a filter after the join).
    var postFilter: CExpr?
}

/// Resolves names, checks types and turns the AST into a `QueryPlan`.
struct Binder {
    let source: String
    var plan = QueryPlan()
    private var slots: [String: Int] = [:]
    private var groupExprs: [Expr] = []
    private var groupTypes: [ValueType] = []
    private var aggregateCalls: [(FunctionCall, Int)] = []
    let now: Int64
    /// The archive's name in FROM (lowercased parts) and alias; nil when FROM has no table.
    private var archive: (name: [String], alias: String?)? = nil
    /// A subquery in FROM: its alias and result.
    private var joined: (alias: String?, rows: JoinedRows)? = nil
    /// Runs a subquery of FROM (set by the engine).
    var runSubquery: ((Query) throws -> QueryResult)? = nil

    init(source: String, now: Int64) {
        self.source = source
        self.now = now
    }

    func error(_ message: String, _ at: SourcePosition, hint: String? = nil) -> SQLError {
        SQLError(message, at: at, hint: hint, source: source)
    }

    mutating func bind(_ q: Query) throws -> QueryPlan {
        if let merged = q.mergedWithSubquery() { return try bind(merged) }
        var on: Expr? = nil
        if let from = q.from {
            switch from.kind {
            case .table(let name, let alias):
                archive = (name.parts.map { $0.name.lowercased() }, alias?.name.lowercased())
            case .subquery(let sub, let alias):
                joined = (alias?.name.lowercased(), try subquery(sub, from.position))
                plan.join = JoinPlan(kind: .cross, rows: joined!.rows, subqueryOnly: true)
            case .join(let type, let left, let right, let condition):
                let (table, sub, archiveIsLeft): (Relation, Relation, Bool)
                switch (left.kind, right.kind) {
                case (.table, .subquery): (table, sub, archiveIsLeft) = (left, right, true)
                case (.subquery, .table): (table, sub, archiveIsLeft) = (right, left, false)
                default:
                    throw error("this JOIN is not supported: flowarc joins the archive with one subquery in parentheses (as in AWS's \"top 10 internal IPs\" demo query)", from.position)
                }
                guard case .table(let name, let alias) = table.kind, case .subquery(let sq, let sqAlias) = sub.kind else { fatalError("unreachable") }
                archive = (name.parts.map { $0.name.lowercased() }, alias?.name.lowercased())
                joined = (sqAlias?.name.lowercased(), try subquery(sq, sub.position))
                let kind: JoinPlan.Kind
                switch type {
                case .inner: kind = .inner
                case .cross: kind = .cross
                case .left where archiveIsLeft, .right where !archiveIsLeft: kind = .left
                default:
                    throw error("\(type.rawValue.uppercased()) JOIN that keeps the subquery's unmatched rows is not supported (INNER, CROSS, and LEFT JOIN keeping the archive's rows are)", from.position)
                }
                plan.join = JoinPlan(kind: kind, rows: joined!.rows, subqueryOnly: false)
                on = condition
            }
        } else {
            // SELECT without FROM, as Trino runs it: one row with no columns, so that
            // `SELECT from_unixtime(1700000000)` or a CIDR test answers without reading the archive.
            if let star = q.selectItems.first(where: { if case .expression = $0.kind { return false }; return true }) {
                throw error("SELECT * needs FROM (any table name means the archive)", star.position)
            }
            joined = (nil, JoinedRows(oneEmptyRow: ()))
            plan.join = JoinPlan(kind: .cross, rows: joined!.rows, subqueryOnly: true, noFrom: true)
        }
        plan.distinct = q.distinct
        plan.limit = q.limit
        if let on { try bindOn(on) }
        if let w = q.whereClause {
            // Terms about the archive alone filter (and prune) before the join; terms that read
            // the subquery filter the joined rows.
            let terms: [Expr]
            if case .and(let ts) = w.kind { terms = ts } else { terms = [w] }
            var before: [Expr] = [], beforeBound: [CExpr] = [], after: [CExpr] = []
            for written in terms {
                let t = withTimeBoundsForPruning(written)
                let (e, ty) = try bindExpr(t, post: false)
                guard ty == .boolean || ty == .unknown else { throw error("WHERE must be a boolean expression, not \(ty)", t.start) }
                if e.readsJoined { after.append(e) } else { before.append(t); beforeBound.append(e) }
            }
            if !before.isEmpty {
                plan.filter = beforeBound.count == 1 ? beforeBound[0] : .and(beforeBound)
                plan.filterAST = before.count == 1 ? before[0] : Expr(.and(before), position: w.position)
            }
            if !after.isEmpty { plan.join!.postFilter = after.count == 1 ? after[0] : .and(after) }
        }
        // Expand the select list.
        var items: [(name: String, expr: Expr)] = []
        for item in q.selectItems {
            switch item.kind {
            case .wildcard, .qualifiedWildcard:
                // The archive's columns, then the subquery's (or only one relation's for `t.*`).
                var only: [String]? = nil
                if case .qualifiedWildcard(let qn) = item.kind { only = qn.parts.map { $0.name.lowercased() } }
                let archiveMatches = archive.map { a in only.map { q in a.alias.map { [$0] == q } ?? (q.count <= a.name.count && Array(a.name.suffix(q.count)) == q) } ?? true } ?? false
                let joinedMatches = joined.map { j in only.map { q in j.alias.map { [$0] == q } ?? false } ?? true } ?? false
                if only != nil && !archiveMatches && !joinedMatches {
                    throw error("'\(only!.joined(separator: "."))' names no relation in FROM", item.position)
                }
                if archiveMatches {
                    for (name, _) in Catalog.starColumns {
                        var parts = [Identifier(name, position: item.position)]
                        if joined != nil, let a = archive { parts.insert(Identifier(a.alias ?? a.name.last!, position: item.position), at: 0) }
                        items.append((name, Expr(.column(QualifiedName(parts)), position: item.position)))
                    }
                }
                if joinedMatches, let j = joined {
                    for name in j.rows.columns {
                        var parts = [Identifier(name, quoted: true, position: item.position)]
                        if let alias = j.alias { parts.insert(Identifier(alias, position: item.position), at: 0) }
                        items.append((name, Expr(.column(QualifiedName(parts)), position: item.position)))
                    }
                }
            case .expression(let e, let alias):
                items.append((alias?.name ?? Self.defaultName(e, index: items.count), e))
            }
        }
        let hasAggregate = items.contains { Self.containsAggregate($0.expr) }
            || q.having.map(Self.containsAggregate) == true || q.orderBy.contains { Self.containsAggregate($0.expression) }
        plan.isAggregate = !q.groupBy.isEmpty || hasAggregate
        var groupBy = q.groupBy
        if q.distinct, let o = q.orderBy.first(where: { !Self.ordersBySelectedItems([$0], items) }) {
            throw error("For SELECT DISTINCT, ORDER BY expressions must appear in select list", o.expression.start)
        }
        if q.distinct, !plan.isAggregate, plan.join == nil {
            // SELECT DISTINCT is GROUP BY every selected expression (NULLs group together in
            // both): run so, it groups column by column on the archive's own forms instead of
            // keeping each row's values and removing repeats (a DISTINCT pair of columns of 0.9
            // M of 20 M records 1.4 s -> 0.34 s).
            plan.isAggregate = true
            plan.distinct = false
            groupBy = items.enumerated().map { i, item in Expr(.literal(.integer(Int64(i + 1))), position: item.expr.position) }
        }
        if plan.isAggregate {
            for g in groupBy {
                var ge = g
                if let n = g.ordinal {
                    guard n >= 1 && n <= Int64(items.count) else { throw error("GROUP BY position \(n) is not in the select list (1 to \(items.count))", g.start) }
                    ge = items[Int(n) - 1].expr
                } else if case .column(let qn) = g.kind, qn.parts.count == 1, Catalog.column(qn.name.name) == nil,
                          let item = items.first(where: { $0.name == qn.name.name }) {
                    ge = item.expr  // a select alias
                }
                if Self.containsAggregate(ge) { throw error("GROUP BY cannot contain an aggregate function", g.start) }
                let (e, t) = try bindExpr(ge, post: false)
                groupExprs.append(ge)
                groupTypes.append(t)
                plan.groupKeys.append(e)
            }
        }
        for (name, e) in items {
            let (ce, t) = try bindExpr(e, post: plan.isAggregate)
            plan.outputs.append(.init(name: name, expr: ce, type: t))
        }
        if let h = q.having {
            guard plan.isAggregate else { throw error("HAVING needs GROUP BY or an aggregate", h.start) }
            let (e, t) = try bindExpr(h, post: true)
            guard t == .boolean || t == .unknown else { throw error("HAVING must be a boolean expression", h.start) }
            plan.having = e
        }
        for o in q.orderBy {
            var index: Int? = nil
            if let n = o.expression.ordinal {
                guard n >= 1 && n <= Int64(items.count) else { throw error("ORDER BY position \(n) is not in the select list (1 to \(items.count))", o.expression.start) }
                index = Int(n) - 1
            } else if case .column(let qn) = o.expression.kind, qn.parts.count == 1, let i = items.firstIndex(where: { $0.name == qn.name.name }) {
                index = i  // an output name (alias) wins, as in Trino
            } else if let i = items.firstIndex(where: { $0.expr == o.expression }) {
                index = i
            }
            let expr: CExpr
            if let index {
                expr = plan.outputs[index].expr
            } else {
                expr = try bindExpr(o.expression, post: plan.isAggregate).0
            }
            plan.orderBy.append(.init(expr: expr, ascending: o.ascending, nullsFirst: o.nullsFirst))
        }
        return plan
    }

    /// Whether every key of `orderBy` names a selected item (by position, output name or the
    /// same expression), as SELECT DISTINCT requires in Trino.
    static func ordersBySelectedItems(_ orderBy: [OrderItem], _ items: [(name: String, expr: Expr)]) -> Bool {
        orderBy.allSatisfy { o in
            if let n = o.expression.ordinal { return n >= 1 && n <= Int64(items.count) }
            if case .column(let qn) = o.expression.kind, qn.parts.count == 1, items.contains(where: { $0.name == qn.name.name }) { return true }
            return items.contains { $0.expr == o.expression }
        }
    }

    enum Resolved { case archive(ColumnDef), joined(Int), eventDate, partitionDate, partitionDashedDate, none }

    /// What a column name means, as Trino resolves it: a qualifier must be the alias of a
    /// relation, or (for a table without alias) a suffix of its name (`vpcflow.x`, `"db"."t".x`);
    /// an unqualified name found in both relations is ambiguous.
    func resolve(_ qn: QualifiedName, _ at: SourcePosition) throws -> Resolved {
        let name = qn.name.name
        let qualifier = qn.parts.dropLast().map { $0.name.lowercased() }
        func inArchive() -> Resolved {
            guard archive != nil else { return .none }
            if let def = Catalog.column(name) { return .archive(def) }
            switch name.lowercased() {
            case Catalog.eventDate: return .eventDate
            case Catalog.partitionDate: return .partitionDate
            case Catalog.partitionDashedDate: return .partitionDashedDate
            default: return .none
            }
        }
        func inJoined() -> Resolved {
            guard let j = joined, let i = j.rows.columns.firstIndex(where: { $0.lowercased() == name.lowercased() }) else { return .none }
            return .joined(i)
        }
        if !qualifier.isEmpty {
            if let j = joined, let alias = j.alias, qualifier == [alias] {
                if case .none = inJoined() { throw error("Column '\(qn)' cannot be resolved", at) }
                return inJoined()
            }
            if let a = archive, a.alias.map({ qualifier == [$0] }) ?? (qualifier.count <= a.name.count && Array(a.name.suffix(qualifier.count)) == qualifier) {
                if case .none = inArchive() {
                    let s = Catalog.suggestions(for: name)
                    throw error("Column '\(qn)' cannot be resolved", at, hint: s.isEmpty ? nil : "did you mean \(s.joined(separator: ", "))?")
                }
                return inArchive()
            }
            throw error("Column '\(qn)' cannot be resolved: '\(qualifier.joined(separator: "."))' names no relation in FROM", at)
        }
        let a = inArchive(), j = inJoined()
        switch (a, j) {
        case (.none, _): return j
        case (_, .none): return a
        default: throw error("Column '\(name)' is ambiguous (both the archive and the subquery have it)", at)
        }
    }

    /// Runs a subquery (of FROM, of IN, or a scalar one) and keeps its rows.
    mutating func subquery(_ q: Query, _ at: SourcePosition) throws -> JoinedRows {
        guard let run = runSubquery else { throw error("a subquery is not supported here", at) }
        return JoinedRows(try run(q))
    }

    /// Splits ON into equality terms (hash keys: archive side = subquery column) and the rest.
    mutating func bindOn(_ on: Expr) throws {
        let terms: [Expr]
        if case .and(let ts) = on.kind { terms = ts } else { terms = [on] }
        var rest: [CExpr] = []
        for t in terms {
            let (bound, ty) = try bindExpr(t, post: false)
            guard ty == .boolean || ty == .unknown else { throw error("ON must be a boolean expression, not \(ty)", t.start) }
            if case .compare(.equal, let cl, let cr) = bound {
                var pair: (CExpr, Int)? = nil
                if case .joined(let i) = cr, !cl.readsJoined { pair = (cl, i) }
                if case .joined(let i) = cl, !cr.readsJoined { pair = (cr, i) }
                if let (archiveSide, column) = pair {
                    plan.join!.archiveKeys.append(archiveSide)
                    plan.join!.joinedKeys.append(column)
                    if case .column(_, .address) = archiveSide { plan.join!.addressKeys.append(true) } else { plan.join!.addressKeys.append(false) }
                    continue
                }
            }
            rest.append(bound)
        }
        if !rest.isEmpty { plan.join!.onResidual = rest.count == 1 ? rest[0] : .and(rest) }
        if plan.join!.kind == .cross && (!plan.join!.archiveKeys.isEmpty || plan.join!.onResidual != nil) { plan.join!.kind = .inner }
    }

    static func defaultName(_ e: Expr, index: Int) -> String {
        if case .column(let qn) = e.kind { return qn.name.name }
        return "_col\(index)"
    }

    static let aggregateNames: Set<String> = ["count", "count_if", "sum", "min", "max", "avg", "approx_distinct", "array_agg", "max_by", "min_by",
                                              "arbitrary", "any_value", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop",
                                              "approx_percentile",
                                              Binder.countDistinctRows]
    /// The name `Query.aggregatedOverDistinctRows` gives count(*) over distinct rows (a quoted
    /// identifier, so no SQL function of Trino's can take it).
    static let countDistinctRows = "$count_distinct_rows"

    /// `agg(x) FILTER (WHERE c)` as Trino defines it, the aggregate over the rows where c is
    /// true: the argument that decides which rows count made NULL elsewhere (`CASE WHEN c THEN x
    /// END`; count(*) counts `CASE WHEN c THEN 1 END`; max_by and min_by ignore rows whose
    /// ordering value is NULL). array_agg keeps NULLs, so it has no such form here.
    func applyingFilter(_ f: FunctionCall) throws -> FunctionCall {
        guard let c = f.filter else { return f }
        let at = c.position
        if Self.containsAggregate(c) { throw error("aggregate functions cannot be nested (in FILTER)", c.start) }
        func only(_ x: Expr) -> Expr { Expr(.caseWhen(CaseExpression(whenClauses: [WhenClause(c, then: x)])), position: x.position) }
        var g = f
        g.filter = nil
        if f.isStar {
            g.isStar = false
            g.arguments = [only(Expr(.literal(.integer(1)), position: at))]
            return g
        }
        switch f.name.name {
        case "array_agg":
            throw error("FILTER with array_agg is not supported (array_agg keeps NULLs)", c.start)
        case "max_by", "min_by":
            guard f.arguments.count == 2 else { return g }
            g.arguments[1] = only(f.arguments[1])
        default:
            g.arguments = f.arguments.map(only)
        }
        return g
    }

    static func containsAggregate(_ e: Expr) -> Bool {
        var found = false
        e.walk { sub in
            // A window function (`sum(x) OVER (...)`) is not an aggregate of the query.
            if case .function(let f) = sub.kind, f.window == nil, aggregateNames.contains(f.name.name) { found = true }
        }
        return found
    }

    mutating func slot(_ def: ColumnDef) -> Int {
        if let s = slots[def.archiveName] { return s }
        plan.columns.append(def)
        slots[def.archiveName] = plan.columns.count - 1
        return plan.columns.count - 1
    }

    // MARK: expressions

    mutating func bindExpr(_ e: Expr, post: Bool) throws -> (CExpr, ValueType) {
        if post {
            if let k = groupExprs.firstIndex(of: e) {
                return (.groupKey(k), groupTypes[k])
            }
            if case .function(let f) = e.kind, f.window == nil, Self.aggregateNames.contains(f.name.name) {
                return try bindAggregate(f, e)
            }
        }
        switch e.kind {
        case .literal(let lit):
            return try bindLiteral(lit, e.start)
        case .column(let qn):
            let name = qn.name.name
            let resolved = try resolve(qn, e.start)
            if post {
                throw error("'\(qn)' must be an aggregate expression or appear in GROUP BY", e.start)
            }
            switch resolved {
            case .joined(let i):
                return (.joined(i), joined!.rows.types[i])
            case .archive(let def):
                return (.column(slot: slot(def), kind: def.kind), def.type)
            case .eventDate:
                // Not an AWS column: see Catalog.eventDate.
                let def = Catalog.column("start")!
                return (.dateFormat(.fromUnixtime(.column(slot: slot(def), kind: def.kind)), format: DateFormat("%Y-%m-%d")), .varchar)
            case .partitionDate:
                // 'YYYY/MM/DD' of the S3 key as a DATE: see Catalog.partitionDate.
                let def = Catalog.column("date_partition")!
                let dashed = CExpr.call(.replace, [.column(slot: slot(def), kind: def.kind), .constant(.string("/")), .constant(.string("-"))])
                return (.call(.parseDate(isTry: true), [dashed]), .date)
            case .partitionDashedDate:
                // 'YYYY-MM-DD' from the S3 key's 'YYYY/MM/DD': see Catalog.partitionDashedDate.
                let def = Catalog.column("date_partition")!
                return (.call(.replace, [.column(slot: slot(def), kind: def.kind), .constant(.string("/")), .constant(.string("-"))]), .varchar)
            case .none:
                if archive == nil && Catalog.column(name) != nil {
                    // An archive column in a query whose FROM has no archive (none, or a subquery).
                    throw error("column '\(name)' is not in FROM's relations: the archive's columns need a table name in FROM (any name means the archive)",
                                qn.parts.last?.position ?? e.start)
                }
                let s = Catalog.suggestions(for: name)
                throw error("unknown column '\(name)'", qn.parts.last?.position ?? e.start,
                            hint: s.isEmpty ? nil : "did you mean \(s.joined(separator: ", "))?")
            }
        case .unary(let op, let x):
            let (cx, t) = try bindExpr(x, post: post)
            switch op {
            case .not:
                try expect(t, .boolean, x.start, "NOT")
                return (.not(cx), .boolean)
            case .negate:
                guard t == .bigint || t == .double else { throw error("cannot negate \(t)", x.start) }
                return (.negate(cx), t)
            case .plus:
                return (cx, t)
            }
        case .and(let terms), .or(let terms):
            var out: [CExpr] = []
            for t in terms {
                let (c, ty) = try bindExpr(t, post: post)
                try expect(ty, .boolean, t.start, "AND/OR")
                out.append(c)
            }
            if case .and = e.kind { return (.and(out), .boolean) }
            return (.or(out), .boolean)
        case .binary(let op, let l, let r):
            if let bound = try bindIntervalArithmetic(op, l, r, e, post: post) { return bound }
            var (cl, tl) = try bindExpr(l, post: post)
            var (cr, tr) = try bindExpr(r, post: post)
            if op.isComparison {
                (cl, tl) = try dateFromText(cl, tl, other: tr, l.start)
                (cr, tr) = try dateFromText(cr, tr, other: tl, r.start)
            }
            if op.isComparison {
                try checkComparable(tl, tr, op, e.start)
                if case .column(let slot, .string) = cl, case .constant(.string(let lit)) = cr {
                    plan.textCaches += 1
                    return (.textCompare(slot: slot, op, Array(lit.utf8), cache: plan.textCaches - 1), .boolean)
                }
                if case .constant(.string(let lit)) = cl, case .column(let slot, .string) = cr {
                    plan.textCaches += 1
                    return (.textCompare(slot: slot, op.flipped, Array(lit.utf8), cache: plan.textCaches - 1), .boolean)
                }
                return (.compare(op, cl, cr), .boolean)
            }
            if op == .concat {
                guard (tl == .varchar || tl == .unknown) && (tr == .varchar || tr == .unknown) else {
                    throw error("cannot apply operator || to \(tl) and \(tr) (CAST the values to varchar)", e.start)
                }
                return Self.folded(.call(.concat, [cl, cr]), .varchar)
            }
            guard (tl == .bigint || tl == .double || tl == .unknown) && (tr == .bigint || tr == .double || tr == .unknown) else {
                throw error("cannot apply operator \(op.rawValue) to \(tl) and \(tr)", e.start)
            }
            let t: ValueType = (tl == .double || tr == .double) ? .double : .bigint
            return (.arithmetic(op, cl, cr), t)
        case .between(let x, let lo, let hi, let negated):
            let (cx, tx) = try bindExpr(x, post: post)
            let (cl, tl) = try dateFromText(try bindExpr(lo, post: post), other: tx, lo.start)
            let (ch, th) = try dateFromText(try bindExpr(hi, post: post), other: tx, hi.start)
            try checkComparable(tx, tl, .lessOrEqual, lo.start)
            try checkComparable(tx, th, .lessOrEqual, hi.start)
            return (.between(cx, cl, ch, negated: negated), .boolean)
        case .inList(let x, let list, let negated):
            let (cx, tx) = try bindExpr(x, post: post)
            var items: [CExpr] = []
            for i in list {
                let (ci, ti) = try bindExpr(i, post: post)
                try checkComparable(tx, ti, .equal, i.start)
                items.append(ci)
            }
            return (.inList(cx, items, negated: negated), .boolean)
        case .like(let x, let pattern, let escape, let negated):
            let (cx, tx) = try bindExpr(x, post: post)
            guard tx == .varchar || tx == .unknown else { throw error("LIKE needs a varchar, not \(tx)", x.start) }
            guard case .literal(.string(let p)) = pattern.kind else { throw error("LIKE patterns must be string constants here", pattern.start) }
            var esc: UInt8? = nil
            if let escape {
                guard case .literal(.string(let s)) = escape.kind, s.utf8.count == 1 else { throw error("ESCAPE must be a single character", escape.start) }
                esc = s.utf8.first
            }
            let compiled = LikePattern(p, escape: esc)
            if case .column(_, .address) = cx, esc == nil, let (net, prefix) = compiled.ipv4OctetPrefix {
                return (.likeAddressPrefix(cx, network: net, prefix: prefix, negated: negated), .boolean)
            }
            return (.like(cx, compiled, negated: negated), .boolean)
        case .isNull(let x, let negated):
            let (cx, _) = try bindExpr(x, post: post)
            return (.isNull(cx, negated: negated), .boolean)
        case .isDistinctFrom(let a, let b, let negated):
            var (ca, ta) = try bindExpr(a, post: post)
            var (cb, tb) = try bindExpr(b, post: post)
            (ca, ta) = try dateFromText(ca, ta, other: tb, a.start)
            (cb, tb) = try dateFromText(cb, tb, other: ta, b.start)
            try checkComparable(ta, tb, .equal, e.start)
            return Self.folded(.call(.distinctFrom(negated: negated), [ca, cb]), .boolean)
        case .cast(let x, let to, let isTry):
            let (cx, tx) = try bindExpr(x, post: post)
            switch to {
            case .ipaddress:
                if tx == .unknown { return (.constant(.null), .ipaddress) }  // CAST(NULL AS IPADDRESS)
                guard tx == .varchar || tx == .ipaddress else { throw error("cannot cast \(tx) to ipaddress", e.start) }
                return (tx == .ipaddress ? cx : .toIP(cx, isTry: isTry), .ipaddress)
            case .varchar:
                return (.castToVarchar(cx), .varchar)
            case .date:
                return try Self.folded(toDate(cx, tx, x.start, isTry: isTry), .date)
            case .timestamp:
                if tx == .timestamp { return (cx, .timestamp) }
                if tx == .date || tx == .unknown { return Self.folded(.call(.dateToTimestamp, [cx]), .timestamp) }
                if tx == .varchar { return Self.folded(.call(.parseTimestamp(isTry: isTry), [cx]), .timestamp) }
                throw error("cannot cast \(tx) to timestamp", e.start)
            case .bigint, .integer, .smallint, .tinyint:
                let target: IntegerTarget = to == .bigint ? .bigint : to == .integer ? .integer : to == .smallint ? .smallint : .tinyint
                return (.castToInteger(cx, isTry: isTry, to: target), .bigint)
            case .double:
                switch tx {
                case .double: return (cx, .double)
                case .bigint: return Self.folded(.call(.toDouble, [cx]), .double)
                case .unknown: return (.constant(.null), .double)
                case .varchar: return Self.folded(.call(.parseDouble(isTry: isTry), [cx]), .double)
                default: throw error("cannot cast \(tx) to double", e.start)
                }
            default:
                throw error("CAST to \(to) is not supported yet", e.start)
            }
        case .function(let f):
            return try bindFunction(f, e, post: post)
        case .caseWhen(let c):
            var whens: [(CExpr, CExpr)] = []
            var resultType: ValueType = .unknown
            let operand = try c.operand.map { try bindExpr($0, post: post) }
            for w in c.whenClauses {
                var (cond, tc) = try bindExpr(w.condition, post: post)
                if let operand { cond = .compare(.equal, operand.0, cond); tc = .boolean }
                try expect(tc, .boolean, w.condition.start, "WHEN")
                let (r, tr) = try bindExpr(w.result, post: post)
                if resultType == .unknown { resultType = tr }
                whens.append((cond, r))
            }
            let els = try c.elseResult.map { try bindExpr($0, post: post).0 }
            return (.caseWhen(whens, els), resultType)
        case .currentTime(let kind, _):
            if kind == .currentDate { return (.constant(.date(DateFunctions.floorDiv(now, 86_400_000))), .date) }
            guard kind == .currentTimestamp || kind == .localTimestamp else { throw error("\(kind.rawValue) is not supported yet", e.start) }
            return (.constant(.timestamp(now)), .timestamp)
        case .inSubquery(let x, let q, let negated):
            // The subquery runs first; its distinct values become the IN list (so the column
            // kernels and their hash sets apply).
            let (cx, tx) = try bindExpr(x, post: post)
            let rows = try subquery(q, e.start)
            guard rows.columns.count == 1 else {
                throw error("the subquery of IN must return one column, not \(rows.columns.count)", e.start)
            }
            try checkComparable(tx, rows.types[0], .equal, e.start)
            var seen = Set<Value>()
            let values = rows.rows.compactMap { r -> Value? in seen.insert(r[0]).inserted ? r[0] : nil }
            let items = values.map { CExpr.constant(Evaluator.scalar($0)) }
            // x IN (no rows) is FALSE, whatever x is (NULL included), as in Trino.
            if items.isEmpty { return (.constant(.bool(negated)), .boolean) }
            if items.count > 16 { return (.inSet(cx, ConstantSet(values), items, negated: negated), .boolean) }
            return (.inList(cx, items, negated: negated), .boolean)
        case .subquery(let q):
            let rows = try subquery(q, e.start)
            guard rows.columns.count == 1 else {
                throw error("a scalar subquery must return one column, not \(rows.columns.count)", e.start)
            }
            guard rows.rows.count <= 1 else {
                throw error("Scalar sub-query has returned multiple rows (\(rows.rows.count))", e.start)
            }
            return (.constant(Evaluator.scalar(rows.rows.first?[0] ?? .null)), rows.types[0])
        default:
            throw error("this kind of expression is not supported yet: \(e)", e.start)
        }
    }


    func expect(_ t: ValueType, _ want: ValueType, _ at: SourcePosition, _ what: String) throws {
        if t != want && t != .unknown { throw error("\(what) needs \(want), not \(t)", at) }
    }

    func checkComparable(_ a: ValueType, _ b: ValueType, _ op: BinaryOperator, _ at: SourcePosition) throws {
        if a == .unknown || b == .unknown { return }
        let numeric: Set<String> = ["bigint", "double"]
        if a == b || (numeric.contains(a.description) && numeric.contains(b.description)) { return }
        if (a == .date && b == .timestamp) || (a == .timestamp && b == .date) { return }  // the date as its midnight
        throw error("cannot apply operator \(op.rawValue) to \(a) and \(b)", at)
    }

    func bindLiteral(_ lit: Literal, _ at: SourcePosition) throws -> (CExpr, ValueType) {
        switch lit {
        case .null: return (.constant(.null), .unknown)
        case .boolean(let b): return (.constant(.bool(b)), .boolean)
        case .integer(let v): return (.constant(.int(v)), .bigint)
        case .decimal(let s):
            guard let d = Double(s) else { throw error("bad number \(s)", at) }
            return (.constant(.double(d)), .double)
        case .double(let d):
            return (.constant(.double(d)), .double)
        case .string(let s): return (.constant(.string(s)), .varchar)
        case .typed(let type, let text):
            switch type {
            case .ipaddress:
                guard let a = IPAddress(text) else { throw error("'\(text)' is not a valid IP address", at) }
                return (.constant(.ip(a)), .ipaddress)
            case .timestamp:
                guard let ms = DateFunctions.parseTimestamp(text) else { throw error("'\(text)' is not a valid timestamp", at) }
                return (.constant(.timestamp(ms)), .timestamp)
            case .date:
                guard let days = DateFunctions.parseDate(text) else { throw error("'\(text)' is not a valid date", at) }
                return (.constant(.date(days)), .date)
            default:
                throw error("\(type) literals are not supported yet", at)
            }
        case .interval:
            throw error("an INTERVAL can only be added to or subtracted from a timestamp, as in current_timestamp - INTERVAL '90' DAY", at)
        }
    }

    mutating func bindAggregate(_ written: FunctionCall, _ e: Expr) throws -> (CExpr, ValueType) {
        let f = try applyingFilter(written)
        let name = f.name.name
        var spec: AggregateSpec
        if f.isStar {
            guard name == "count" else { throw error("\(name)(*) is not a function; only count(*) is", e.start) }
            spec = AggregateSpec(function: .countStar, argument: nil, type: .bigint)
        } else if name == "max_by" || name == "min_by" {
            guard f.arguments.count == 2, !f.distinct else { throw error("\(name) takes two arguments: the value to return and the one to order by", e.start) }
            for a in f.arguments where Self.containsAggregate(a) { throw error("aggregate functions cannot be nested", a.start) }
            let (x, tx) = try bindExpr(f.arguments[0], post: false)
            let (y, ty) = try bindExpr(f.arguments[1], post: false)
            if case .array = ty { throw error("\(name) cannot order by an array", f.arguments[1].start) }
            spec = AggregateSpec(function: name == "max_by" ? .maxBy : .minBy, argument: x, type: tx, by: y)
        } else if name == "approx_percentile" {
            // Trino's is approximate (a q-digest, within 1% of the rank); this one is exact: the
            // value of nearest rank, ceil(p * n), which is within any such bound.
            guard f.arguments.count == 2, !f.distinct else {
                throw error(f.arguments.count == 3 ? "approx_percentile with weights is not supported" : "approx_percentile takes a value and a percentage", e.start)
            }
            for a in f.arguments where Self.containsAggregate(a) { throw error("aggregate functions cannot be nested", a.start) }
            let (x, tx) = try bindExpr(f.arguments[0], post: false)
            guard tx == .bigint || tx == .double || tx == .unknown else { throw error("approx_percentile needs a number, not \(tx)", f.arguments[0].start) }
            let (p, _) = try bindExpr(f.arguments[1], post: false)
            let percentage: Double
            switch p {
            case .constant(.double(let d)): percentage = d
            case .constant(.int(let i)): percentage = Double(i)
            default: throw error("approx_percentile needs a constant percentage (an array of them is not supported)", f.arguments[1].start)
            }
            guard percentage >= 0, percentage <= 1 else { throw error("Percentile must be between 0 and 1", f.arguments[1].start) }
            spec = AggregateSpec(function: .approxPercentile, argument: x, type: tx == .unknown ? .bigint : tx, percentile: percentage)
        } else {
            guard f.arguments.count == 1 else { throw error("\(name) takes one argument", e.start) }
            let arg = f.arguments[0]
            if Self.containsAggregate(arg) { throw error("aggregate functions cannot be nested", arg.start) }
            let (ca, ta) = try bindExpr(arg, post: false)
            switch name {
            case "count": spec = AggregateSpec(function: f.distinct ? .countDistinct : .count, argument: ca, type: .bigint)
            case "count_if":
                // count_if(x) is count(CASE WHEN x THEN 1 END): rows where x is true.
                try expect(ta, .boolean, arg.start, "count_if")
                if f.distinct { throw error("count_if(DISTINCT ...) is not supported", e.start) }
                spec = AggregateSpec(function: .count, argument: .caseWhen([(ca, .constant(.int(1)))], nil), type: .bigint)
            case "approx_distinct": spec = AggregateSpec(function: .countDistinct, argument: ca, type: .bigint)
            case Self.countDistinctRows: spec = AggregateSpec(function: .countDistinctRows, argument: ca, type: .bigint)
            case "sum":
                guard ta == .bigint || ta == .double else { throw error("sum needs a number, not \(ta)", arg.start) }
                spec = AggregateSpec(function: f.distinct ? .sumDistinct : .sum, argument: ca, type: ta)
            case "avg":
                guard ta == .bigint || ta == .double else { throw error("avg needs a number, not \(ta)", arg.start) }
                spec = AggregateSpec(function: f.distinct ? .avgDistinct : .avg, argument: ca, type: .double)
            // min(DISTINCT x) and max(DISTINCT x) are min(x) and max(x).
            case "min": spec = AggregateSpec(function: .min, argument: ca, type: ta)
            // Trino returns any one of the values; flowarc the least, so the answer is the same
            // on every run and with any number of threads.
            case "arbitrary", "any_value": spec = AggregateSpec(function: .min, argument: ca, type: ta)
            case "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop":
                guard ta == .bigint || ta == .double || ta == .unknown else { throw error("\(name) needs a number, not \(ta)", arg.start) }
                let fn: AggregateSpec.Function = name == "stddev_pop" ? .stddevPopulation : name == "var_pop" ? .variancePopulation
                    : name.hasPrefix("stddev") ? .stddevSample : .varianceSample
                spec = AggregateSpec(function: fn, argument: ca, type: .double)
            case "max": spec = AggregateSpec(function: .max, argument: ca, type: ta)
            case "array_agg":
                let et: ValueType.ElementType
                switch ta {
                case .bigint: et = .bigint
                case .ipaddress: et = .ipaddress
                case .timestamp: et = .timestamp
                case .double: et = .double
                case .boolean: et = .boolean
                default: et = .varchar
                }
                spec = AggregateSpec(function: f.distinct ? .arrayAggDistinct : .arrayAgg, argument: ca, type: .array(et))
            default: throw error("unknown aggregate \(name)", e.start)
            }
        }
        plan.aggregates.append(spec)
        return (.aggregate(plan.aggregates.count - 1), spec.type)
    }

    mutating func bindFunction(_ f: FunctionCall, _ e: Expr, post: Bool) throws -> (CExpr, ValueType) {
        let name = f.name.name
        if f.window != nil { throw error("window functions are supported in the select list and ORDER BY only", e.start) }
        if Self.aggregateNames.contains(name) {
            if !post { throw error("aggregate function \(name) is not allowed here", e.start) }
            return try bindAggregate(f, e)
        }
        if let filter = f.filter { throw error("FILTER is only valid for aggregate functions, not \(name)", filter.start) }
        if name == "cardinality" {
            // Arrays are only array_agg's: its size is its rows (NULLs kept), or with DISTINCT its
            // distinct values, NULL one of them.
            guard f.arguments.count == 1, case .function(let inner) = f.arguments[0].kind, inner.name.name == "array_agg",
                  inner.arguments.count == 1, inner.filter == nil else {
                throw error("cardinality is supported over array_agg(...) only (flowarc has no other arrays)", e.start)
            }
            let counted = inner.distinct
                ? FunctionCall(Identifier(Self.countDistinctRows, position: e.start), arguments: inner.arguments)
                : FunctionCall(Identifier("count", position: e.start), isStar: true)
            return try bindFunction(counted, Expr(.function(counted), position: e.position), post: post)
        }
        func arg(_ i: Int) throws -> (CExpr, ValueType) { try bindExpr(f.arguments[i], post: post) }
        func arity(_ n: Int) throws { if f.arguments.count != n { throw error("\(name) takes \(n) argument\(n == 1 ? "" : "s")", e.start) } }
        switch name {
        case "from_unixtime":
            // from_unixtime(x), and with UTC given as a zone ('UTC') or as hours and minutes (0, 0).
            guard (1...3).contains(f.arguments.count) else {
                throw error("from_unixtime takes 1 to 3 arguments (a number, and a zone or hours and minutes)", e.start)
            }
            if f.arguments.count == 2 { try utcZone(f.arguments[1], name) }
            if f.arguments.count == 3 {
                for z in f.arguments[1...] {
                    guard case .literal(.integer(0)) = z.kind else {
                        throw error("from_unixtime: flowarc keeps timestamps in UTC; only an offset of 0 hours and 0 minutes is supported", z.start)
                    }
                }
            }
            let (a, t) = try arg(0)
            guard t == .bigint || t == .double else { throw error("from_unixtime needs a number, not \(t)", e.start) }
            return (.fromUnixtime(a), .timestamp)
        case "at_timezone", "with_timezone":
            // `ts AT TIME ZONE 'UTC'` (at_timezone) and with_timezone(ts, 'UTC'): the same
            // instant, in the only zone flowarc keeps.
            try arity(2)
            let (a, t) = try timestampArgument(try arg(0))
            try expect(t, .timestamp, f.arguments[0].start, name == "at_timezone" ? "AT TIME ZONE" : name)
            try utcZone(f.arguments[1], name == "at_timezone" ? "AT TIME ZONE" : name)
            return (a, .timestamp)
        case "to_unixtime":
            try arity(1)
            let (a, t) = try timestampArgument(try arg(0))
            try expect(t, .timestamp, e.start, "to_unixtime")
            return (.toUnixtime(a), .double)
        case "contains":
            try arity(2)
            guard case .literal(.string(let text)) = f.arguments[0].kind else {
                throw error("contains needs a CIDR string constant such as '172.16.0.0/12' as its first argument", f.arguments[0].start)
            }
            let cidr: CIDR
            do { cidr = try CIDR(text) } catch { throw self.error("contains: \(error.message)", f.arguments[0].start) }
            let (a, t) = try arg(1)
            try expect(t, .ipaddress, f.arguments[1].start, "contains")
            let inNetwork = CExpr.cidrContains(network: cidr.network, prefix: cidr.prefix, a)
            // An IPv6 network never holds an IPv4 address (Trino compares versions first), but
            // one of /96 or wider around ::ffff:0:0 spans the 128-bit values IPv4 addresses have.
            guard cidr.spansIPv4 else { return (inNetwork, .boolean) }
            return (.and([inNetwork, .not(.cidrContains(network: CIDR.ipv4Space, prefix: 96, a))]), .boolean)
        case "date_format":
            try arity(2)
            let (a, t) = try timestampArgument(try arg(0))
            try expect(t, .timestamp, e.start, "date_format")
            guard case .literal(.string(let fmt)) = f.arguments[1].kind else { throw error("date_format needs a constant format", e.start) }
            if let bad = DateFunctions.unsupportedSpecifier(fmt) {
                throw error("%\(bad) not supported in date format string", f.arguments[1].start)
            }
            return (.dateFormat(a, format: DateFormat(fmt)), .varchar)
        case "format_datetime":
            // Trino's format_datetime: a Joda-Time pattern (`yyyy-MM-dd HH:mm:ss`), in UTC.
            try arity(2)
            let (a, t) = try timestampArgument(try arg(0))
            try expect(t, .timestamp, e.start, name)
            guard case .literal(.string(let pattern)) = f.arguments[1].kind else { throw error("format_datetime needs a constant pattern", f.arguments[1].start) }
            do {
                return (.dateFormat(a, format: try DateFormat.joda(pattern)), .varchar)
            } catch {
                throw self.error("format_datetime: pattern letter '\(error.letter)' is not supported (supported: y Y M d H h m s S E a DDD Z z, text in single quotes)",
                                 f.arguments[1].start)
            }
        case "to_iso8601":
            try arity(1)
            let (a, t) = try arg(0)
            switch t {
            case .date: return (.dateFormat(.call(.dateToTimestamp, [a]), format: DateFormat("%Y-%m-%d")), .varchar)
            case .timestamp, .unknown: return (.dateFormat(a, format: .iso8601), .varchar)
            default: throw error("to_iso8601 needs a timestamp or a date, not \(t)", f.arguments[0].start)
            }
        case "date_trunc":
            try arity(2)
            guard case .literal(.string(let unit)) = f.arguments[0].kind,
                  ["second", "minute", "hour", "day", "month", "year"].contains(unit.lowercased()) else {
                throw error("date_trunc needs a unit constant: second, minute, hour, day, month or year", e.start)
            }
            let (a, t) = try arg(1)
            if t == .date {
                // date_trunc of a DATE is a DATE, by day, month or year.
                guard ["day", "month", "year"].contains(unit.lowercased()) else {
                    throw error("'\(unit)' is not a valid DATE field", f.arguments[0].start)
                }
                let midnight = Self.folded(.call(.dateToTimestamp, [a]), .timestamp).0
                let truncated: CExpr = .dateTrunc(unit: unit.lowercased(), midnight)
                if case .constant = midnight, let v = try? Evaluator.eval(truncated, EvalContext()) {
                    return Self.folded(.call(.toDate, [.constant(v)]), .date)
                }
                return (.call(.toDate, [truncated]), .date)
            }
            try expect(t, .timestamp, e.start, "date_trunc")
            return (.dateTrunc(unit: unit.lowercased(), a), .timestamp)
        case "date_add":
            try arity(3)
            let unit = try dateUnit(f, name)
            let (n, tn) = try arg(1)
            try expect(tn, .bigint, e.start, "date_add")
            let (ts, tt) = try arg(2)
            if tt == .date {
                // date_add to a DATE is a DATE, by days or more.
                guard unit.fixedMilliseconds.map({ $0 >= 86_400_000 }) ?? true else {
                    throw error("'\(unit.rawValue)' is not a valid DATE field", f.arguments[0].start)
                }
                let midnight = Self.folded(.call(.dateToTimestamp, [ts]), .timestamp).0
                return Self.folded(.call(.toDate, [Self.folded(.dateAdd(unit: unit, n, midnight), .timestamp).0]), .date)
            }
            try expect(tt, .timestamp, e.start, "date_add")
            return Self.folded(.dateAdd(unit: unit, n, ts), .timestamp)
        case "date_diff":
            try arity(3)
            let unit = try dateUnit(f, name)
            let (a, ta) = try timestampArgument(try arg(1))
            let (b, tb) = try timestampArgument(try arg(2))
            try expect(ta, .timestamp, f.arguments[1].start, "date_diff")
            try expect(tb, .timestamp, f.arguments[2].start, "date_diff")
            return Self.folded(.call(.dateDiff(unit), [a, b]), .bigint)
        case "if":
            // if(condition, a[, b]): CASE WHEN condition THEN a [ELSE b] END.
            guard f.arguments.count == 2 || f.arguments.count == 3 else { throw error("if takes 2 or 3 arguments", e.start) }
            let (cond, tc) = try arg(0)
            try expect(tc, .boolean, f.arguments[0].start, "if")
            let (a, ta) = try arg(1)
            let b = f.arguments.count == 3 ? try arg(2) : nil
            let t = try commonType([ta, b?.1 ?? .unknown], e.start, name)
            return (.caseWhen([(cond, Self.converted(a, ta, to: t))], b.map { Self.converted($0.0, $0.1, to: t) }), t)
        case "regexp_like":
            try arity(2)
            let (a, t) = try arg(0)
            try expect(t, .varchar, f.arguments[0].start, "regexp_like")
            guard case .literal(.string(let pattern)) = f.arguments[1].kind else {
                throw error("regexp_like needs a constant pattern", f.arguments[1].start)
            }
            let re: RegularExpression
            do { re = try RegularExpression(pattern) } catch {
                // What POSIX cannot express (\b, lookahead, back-references) the backtracking
                // matcher runs; a pattern neither runs keeps POSIX's message.
                guard let p = try? MatchPattern(pattern) else { throw self.error(error.message, f.arguments[1].start) }
                return Self.folded(.call(.regexpSearch(p), [a]), .boolean)
            }
            return Self.folded(.call(.regexpLike(re), [a]), .boolean)
        case "regexp_extract", "regexp_replace", "regexp_count", "regexp_position":
            let counts = ["regexp_extract": 2...3, "regexp_replace": 2...3, "regexp_count": 2...2, "regexp_position": 2...4][name]!
            guard counts.contains(f.arguments.count) else {
                throw error("\(name) takes \(counts.lowerBound == counts.upperBound ? "\(counts.lowerBound)" : "\(counts.lowerBound) to \(counts.upperBound)") arguments", e.start)
            }
            let (a, t) = try arg(0)
            try expect(t, .varchar, f.arguments[0].start, name)
            guard case .literal(.string(let text)) = f.arguments[1].kind else {
                throw error("\(name) needs a constant pattern", f.arguments[1].start)
            }
            let pattern: MatchPattern
            do { pattern = try MatchPattern(text) } catch { throw self.error(error.message, f.arguments[1].start) }
            switch name {
            case "regexp_extract":
                var group = 0
                if f.arguments.count == 3 {
                    guard case .literal(.integer(let g)) = f.arguments[2].kind else {
                        throw error("regexp_extract needs a constant group number", f.arguments[2].start)
                    }
                    guard g >= 0 && g <= Int64(pattern.groups.count) else {
                        throw error("Pattern has \(pattern.groups.count) groups. Cannot access group \(g)", f.arguments[2].start)
                    }
                    group = Int(g)
                }
                return Self.folded(.call(.regexpExtract(pattern, group: group), [a]), .varchar)
            case "regexp_replace":
                var replacement = ""
                if f.arguments.count == 3 {
                    guard case .literal(.string(let r)) = f.arguments[2].kind else {
                        throw error("regexp_replace needs a constant replacement (a lambda is not supported)", f.arguments[2].start)
                    }
                    replacement = r
                }
                let parsed: MatchPattern.Replacement
                do { parsed = try MatchPattern.Replacement(replacement, groups: pattern.groups) } catch {
                    throw self.error(error.message, f.arguments.count == 3 ? f.arguments[2].start : e.start)
                }
                return Self.folded(.call(.regexpReplace(pattern, parsed), [a]), .varchar)
            case "regexp_count":
                return Self.folded(.call(.regexpCount(pattern), [a]), .bigint)
            default:
                var args = [a]
                for i in 2..<f.arguments.count {
                    let (x, tx) = try arg(i)
                    try expect(tx, .bigint, f.arguments[i].start, name)
                    args.append(x)
                }
                return Self.folded(.call(.regexpPosition(pattern), args), .bigint)
            }
        case "date_parse":
            try arity(2)
            let (a, t) = try arg(0)
            try expect(t, .varchar, f.arguments[0].start, name)
            guard case .literal(.string(let text)) = f.arguments[1].kind else { throw error("date_parse needs a constant format", f.arguments[1].start) }
            let fmt = DateFormat(text)
            for case .spec(let c) in fmt.pieces where !DateFunctions.parseSpecifiers.contains(c) {
                throw error("%\(Character(Unicode.Scalar(c))) not supported in date format string", f.arguments[1].start)
            }
            return Self.folded(.call(.dateParse(fmt), [a]), .timestamp)
        case "parse_datetime":
            // Trino's parse_datetime: text read with a Joda-Time pattern (format_datetime's), UTC.
            try arity(2)
            let (a, t) = try arg(0)
            try expect(t, .varchar, f.arguments[0].start, name)
            guard case .literal(.string(let pattern)) = f.arguments[1].kind else { throw error("parse_datetime needs a constant pattern", f.arguments[1].start) }
            let fmt: DateFormat
            do { fmt = try DateFormat.joda(pattern) } catch {
                throw self.error("parse_datetime: pattern letter '\(error.letter)' is not supported (supported: y Y M d H h m s S a DDD, text in single quotes)",
                                 f.arguments[1].start)
            }
            // (Of the letters `joda` takes, only E, day names, becomes something date_parse cannot read.)
            for case .spec(let c) in fmt.pieces where !DateFunctions.parseSpecifiers.contains(c) {
                throw error("parse_datetime: pattern letter 'E' (day names) is not supported when parsing", f.arguments[1].start)
            }
            return Self.folded(.call(.dateParse(fmt), [a]), .timestamp)
        case "from_iso8601_timestamp", "from_iso8601_date":
            try arity(1)
            let (a, t) = try arg(0)
            try expect(t, .varchar, f.arguments[0].start, name)
            return name == "from_iso8601_date" ? Self.folded(.call(.fromISO8601Date, [a]), .date)
                : Self.folded(.call(.fromISO8601Timestamp, [a]), .timestamp)
        case "now":
            try arity(0)
            return (.constant(.timestamp(now)), .timestamp)
        case "date":
            try arity(1)
            let (a, t) = try arg(0)
            return try Self.folded(toDate(a, t, f.arguments[0].start, isTry: false), .date)
        default:
            if let fn = ScalarFunction.byName[name] {
                return try bindScalar(fn, f, e, post: post)
            }
            if let field = ScalarFunction.fieldsByName[name] {
                try arity(1)
                // A DATE has no hour, minute or second (Trino refuses them too).
                let (a, t) = field.isTimeOfDay ? try arg(0) : try timestampArgument(try arg(0))
                try expect(t, .timestamp, f.arguments[0].start, name)
                return Self.folded(.call(.field(field), [a]), .bigint)
            }
            throw error("unknown or unsupported function \(name)", e.start)
        }
    }
}

/// A CIDR as Trino's `contains` reads it: `a.b.c.d/p` (0...32, no bits set after the prefix) or
/// an IPv6 network `x:x::/p` (0...128, bits after the prefix ignored). The base of `::ffff:a.b.c.d/p`
/// is an IPv4 address, as in Trino (Guava hands back an Inet4Address for it).
struct CIDR {
    struct Invalid: Error { let message: String }

    /// The network's address (IPv4 as `::ffff:a.b.c.d`) and its prefix in the 128-bit space.
    let network: IPAddress
    let prefix: Int
    let isIPv6: Bool
    /// Where IPv4 addresses live among 128-bit values: `::ffff:0:0/96`.
    static let ipv4Space = IPAddress(high: 0, low: 0x0000_FFFF_0000_0000)

    init(_ text: String) throws(Invalid) {
        guard let slash = text.firstIndex(of: "/") else { throw Invalid(message: "invalid CIDR '\(text)': no /prefix") }
        guard let base = IPAddress(String(text[..<slash])) else {
            throw Invalid(message: "invalid network IP address in '\(text)'")
        }
        guard let p = Int(text[text.index(after: slash)...]), p >= 0 else {
            throw Invalid(message: "invalid prefix length in '\(text)'")
        }
        let bits = base.isIPv4 ? 32 : 128
        guard p <= bits else {
            throw Invalid(message: "prefix length exceeds address length in '\(text)' (at most \(bits))")
        }
        let prefix = base.isIPv4 ? 96 + p : p
        if base.isIPv4 && AddressBloom.masked(base, prefix) != base {
            let network = AddressBloom.masked(base, prefix)
            throw Invalid(message: "invalid CIDR '\(text)': bits are set after the prefix (the network is \(network)/\(p))")
        }
        network = base
        self.prefix = prefix
        isIPv6 = !base.isIPv4
    }

    /// An IPv6 network whose range includes the IPv4 space.
    var spansIPv4: Bool {
        isIPv6 && prefix <= 96 && AddressBloom.masked(network, prefix) == AddressBloom.masked(Self.ipv4Space, prefix)
    }
}

extension Expr {
    /// Visits this expression and every subexpression (not into subqueries).
    func walk(_ visit: (Expr) -> Void) {
        visit(self)
        switch kind {
        case .unary(_, let x), .isNull(let x, _), .cast(let x, _, _), .subscripted(let x, _):
            x.walk(visit)
        case .and(let ts), .or(let ts):
            for t in ts { t.walk(visit) }
        case .binary(_, let l, let r), .isDistinctFrom(let l, let r, _):
            l.walk(visit); r.walk(visit)
        case .between(let x, let lo, let hi, _):
            x.walk(visit); lo.walk(visit); hi.walk(visit)
        case .inList(let x, let list, _):
            x.walk(visit); for i in list { i.walk(visit) }
        case .like(let x, let p, let esc, _):
            x.walk(visit); p.walk(visit); esc?.walk(visit)
        case .function(let f):
            for a in f.arguments { a.walk(visit) }
            f.filter?.walk(visit)
            if let w = f.window {
                for p in w.partitionBy { p.walk(visit) }
                for o in w.orderBy { o.expression.walk(visit) }
            }
        case .caseWhen(let c):
            c.operand?.walk(visit)
            for w in c.whenClauses { w.condition.walk(visit); w.result.walk(visit) }
            c.elseResult?.walk(visit)
        default:
            break
        }
    }
}
