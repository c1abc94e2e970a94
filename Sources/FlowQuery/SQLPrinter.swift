// Renders syntax trees back to SQL in a canonical form: keywords in upper case, names as parsed
// (quoted when they were quoted or must be), single spaces, and the fewest parentheses that keep
// the tree. Parsing the output gives an equal tree, and printing that gives the same text.
//
// `description` is one line; `prettyPrinted` puts each clause on its own line and indents
// subqueries in FROM.

extension Statement: CustomStringConvertible {
    public var description: String { query.description }
    public var prettyPrinted: String { query.prettyPrinted }
}

extension Query: CustomStringConvertible {
    public var description: String { SQLPrinter.query(self, indent: nil) }
    public var prettyPrinted: String { SQLPrinter.query(self, indent: "") }
}

extension Expr: CustomStringConvertible {
    public var description: String { SQLPrinter.expr(self) }
}

extension Relation: CustomStringConvertible {
    public var description: String { SQLPrinter.relation(self, indent: nil) }
}

extension SelectItem: CustomStringConvertible {
    public var description: String { SQLPrinter.selectItem(self) }
}

extension OrderItem: CustomStringConvertible {
    public var description: String { SQLPrinter.orderItem(self) }
}

extension Literal: CustomStringConvertible {
    public var description: String { SQLPrinter.literal(self) }
}

extension Identifier {
    /// The name as SQL: `sourceaddress`, `"MyColumn"`, `"end"`.
    public var description: String { SQLPrinter.identifier(self) }
}

extension QualifiedName {
    public var description: String { parts.map(SQLPrinter.identifier).joined(separator: ".") }
}

enum SQLPrinter {
    // MARK: Names and literals

    /// Whether `name` must be quoted to be read back as the same name.
    static func needsQuotes(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return true }
        if !(first == UInt8(ascii: "_") || (first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z"))) { return true }
        for b in name.utf8 {
            let ok = b == UInt8(ascii: "_") || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
                || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
            if !ok { return true }
        }
        return Keyword.byName[name]?.isReserved ?? false
    }

    static func identifier(_ id: Identifier) -> String {
        id.quoted || needsQuotes(id.name) ? quote(id.name, with: "\"") : id.name
    }

    /// Function names: reserved words that the parser accepts as calls (trim) stay unquoted.
    static func functionName(_ id: Identifier) -> String {
        if !id.quoted, id.name == "trim" || id.name == "normalize" { return id.name }
        return identifier(id)
    }

    static func quote(_ text: String, with quote: Unicode.Scalar) -> String {
        var out = String(quote)
        for scalar in text.unicodeScalars {
            out.unicodeScalars.append(scalar)
            if scalar == quote { out.unicodeScalars.append(scalar) }
        }
        out.unicodeScalars.append(quote)
        return out
    }

    /// A double that reads back as a DOUBLE literal: it always has an exponent.
    static func double(_ value: Double) -> String {
        let text = "\(value)"
        return text.contains("e") ? text : text + "e0"
    }

    static func literal(_ literal: Literal) -> String {
        switch literal {
        case .null: return "NULL"
        case .boolean(let b): return b ? "TRUE" : "FALSE"
        case .integer(let n): return String(n)
        case .decimal(let text): return text
        case .double(let d): return double(d)
        case .string(let s): return quote(s, with: "'")
        case .typed(let type, let value): return "\(type) " + quote(value, with: "'")
        case .interval(let interval):
            var s = "INTERVAL " + (interval.negative ? "-" : "") + quote(interval.value, with: "'")
            s += " " + interval.from.rawValue
            if let to = interval.to { s += " TO " + to.rawValue }
            return s
        }
    }

    // MARK: Expressions

    // Binding strength, loosest first (see ExpressionParser.swift).
    static let orLevel = 1, andLevel = 2, notLevel = 3, predicateLevel = 4, concatLevel = 5
    static let additiveLevel = 6, multiplicativeLevel = 7, unaryLevel = 8, primaryLevel = 9

    static func level(_ e: Expr) -> Int {
        switch e.kind {
        case .or: return orLevel
        case .and: return andLevel
        case .binary(let op, _, _):
            switch op {
            case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return predicateLevel
            case .concat: return concatLevel
            case .add, .subtract: return additiveLevel
            case .multiply, .divide, .modulo: return multiplicativeLevel
            }
        case .unary(.not, _): return notLevel
        case .unary: return unaryLevel
        case .between, .inList, .inSubquery, .like, .isNull, .isDistinctFrom: return predicateLevel
        case .literal(.integer(let n)) where n < 0: return unaryLevel
        case .literal(.decimal(let text)) where text.hasPrefix("-"): return unaryLevel
        case .literal(.double(let d)) where d.sign == .minus: return unaryLevel
        default: return primaryLevel
        }
    }

    /// `e`, parenthesised if it binds more loosely than `minimum`.
    static func expr(_ e: Expr, _ minimum: Int) -> String {
        let text = expr(e)
        return level(e) < minimum ? "(" + text + ")" : text
    }

    static func expr(_ e: Expr) -> String {
        switch e.kind {
        case .literal(let l):
            return literal(l)
        case .column(let name):
            return name.description
        case .unary(.not, let operand):
            return "NOT " + expr(operand, notLevel)
        case .unary(let op, let operand):
            // The operand is a primary (or parenthesised), so "-" is never followed by "-" (a
            // comment); a number stays parenthesised so that -(5) does not read back as the literal -5.
            if case .literal(let l) = operand.kind {
                switch l {
                case .integer, .decimal, .double: return op.rawValue + "(" + literal(l) + ")"
                default: break
                }
            }
            return op.rawValue + expr(operand, primaryLevel)
        case .or(let terms):
            return terms.map { expr($0, andLevel) }.joined(separator: " OR ")
        case .and(let terms):
            return terms.map { expr($0, notLevel) }.joined(separator: " AND ")
        case .binary(let op, let l, let r):
            let lhs: Int, rhs: Int
            switch level(e) {
            case predicateLevel: (lhs, rhs) = (concatLevel, concatLevel)
            case concatLevel: (lhs, rhs) = (concatLevel, additiveLevel)
            case additiveLevel: (lhs, rhs) = (additiveLevel, multiplicativeLevel)
            default: (lhs, rhs) = (multiplicativeLevel, unaryLevel)
            }
            return expr(l, lhs) + " " + op.symbol + " " + expr(r, rhs)
        case .between(let value, let low, let high, let negated):
            return expr(value, concatLevel) + (negated ? " NOT BETWEEN " : " BETWEEN ")
                + expr(low, concatLevel) + " AND " + expr(high, concatLevel)
        case .inList(let value, let list, let negated):
            return expr(value, concatLevel) + (negated ? " NOT IN (" : " IN (")
                + list.map { expr($0) }.joined(separator: ", ") + ")"
        case .inSubquery(let value, let q, let negated):
            return expr(value, concatLevel) + (negated ? " NOT IN (" : " IN (") + query(q, indent: nil) + ")"
        case .like(let value, let pattern, let escape, let negated):
            var s = expr(value, concatLevel) + (negated ? " NOT LIKE " : " LIKE ") + expr(pattern, concatLevel)
            if let escape { s += " ESCAPE " + expr(escape, concatLevel) }
            return s
        case .isNull(let value, let negated):
            return expr(value, concatLevel) + (negated ? " IS NOT NULL" : " IS NULL")
        case .isDistinctFrom(let l, let r, let negated):
            return expr(l, concatLevel) + (negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ")
                + expr(r, concatLevel)
        case .function(let call):
            var s = functionName(call.name) + "("
            if call.isStar {
                s += "*"
            } else {
                if call.distinct { s += "DISTINCT " }
                s += call.arguments.map { expr($0) }.joined(separator: ", ")
            }
            s += ")"
            if let filter = call.filter { s += " FILTER (WHERE " + expr(filter) + ")" }
            if let w = call.window {
                var parts: [String] = []
                if !w.partitionBy.isEmpty { parts.append("PARTITION BY " + w.partitionBy.map { expr($0) }.joined(separator: ", ")) }
                if !w.orderBy.isEmpty { parts.append("ORDER BY " + w.orderBy.map(orderItem).joined(separator: ", ")) }
                if let f = w.frame { parts.append("ROWS BETWEEN \(f.start.description) AND \(f.end.description)") }
                s += " OVER (" + parts.joined(separator: " ") + ")"
            }
            return s
        case .cast(let value, let type, let isTry):
            return (isTry ? "TRY_CAST(" : "CAST(") + expr(value) + " AS \(type))"
        case .caseWhen(let c):
            var s = "CASE"
            if let operand = c.operand { s += " " + expr(operand) }
            for w in c.whenClauses { s += " WHEN " + expr(w.condition) + " THEN " + expr(w.result) }
            if let e = c.elseResult { s += " ELSE " + expr(e) }
            return s + " END"
        case .subquery(let q):
            return "(" + query(q, indent: nil) + ")"
        case .exists(let q):
            return "EXISTS (" + query(q, indent: nil) + ")"
        case .subscripted(let base, let index):
            return expr(base, primaryLevel) + "[" + expr(index) + "]"
        case .currentTime(let f, let precision):
            return f.rawValue + (precision.map { "(\($0))" } ?? "")
        }
    }

    // MARK: Queries

    static func selectItem(_ item: SelectItem) -> String {
        switch item.kind {
        case .wildcard: return "*"
        case .qualifiedWildcard(let name): return name.description + ".*"
        case .expression(let e, let alias): return expr(e) + (alias.map { " AS " + identifier($0) } ?? "")
        }
    }

    static func orderItem(_ item: OrderItem) -> String {
        expr(item.expression) + (item.ascending ? " ASC" : " DESC") + (item.nullsFirst ? " NULLS FIRST" : "")
    }

    /// One line when `indent` is nil; otherwise one clause per line, continuation lines starting
    /// with `indent` (the first line is not indented: the caller places it).
    static func query(_ q: Query, indent: String?) -> String {
        var clauses: [String] = []
        clauses.append("SELECT " + (q.distinct ? "DISTINCT " : "") + q.selectItems.map(selectItem).joined(separator: ", "))
        if let from = q.from { clauses.append("FROM " + relation(from, indent: indent)) }
        if let w = q.whereClause { clauses.append("WHERE " + condition(w, indent: indent)) }
        if !q.groupBy.isEmpty { clauses.append("GROUP BY " + q.groupBy.map { expr($0) }.joined(separator: ", ")) }
        if let h = q.having { clauses.append("HAVING " + condition(h, indent: indent)) }
        for op in q.setOperations {
            // The parser nests an INTERSECT chain inside the UNION or EXCEPT operand it follows,
            // which precedence reads back from the plain text; any other nesting is printed in
            // parentheses (it reads back as a subquery operand, the same rows).
            let nested = op.query.setOperations
            let plain = nested.isEmpty || (op.kind != .intersect && nested.allSatisfy { $0.kind == .intersect })
            let operand = plain ? query(op.query, indent: indent) : "(" + query(op.query, indent: indent) + ")"
            clauses.append(op.kind.rawValue + (op.all ? " ALL " : " ") + operand)
        }
        if !q.orderBy.isEmpty { clauses.append("ORDER BY " + q.orderBy.map(orderItem).joined(separator: ", ")) }
        if let limit = q.limit { clauses.append("LIMIT \(limit)") }
        guard let indent else { return clauses.joined(separator: " ") }
        return clauses.joined(separator: "\n" + indent)
    }

    /// A WHERE / HAVING condition; when pretty, each top-level AND starts a line.
    static func condition(_ e: Expr, indent: String?) -> String {
        guard let indent, case .and(let terms) = e.kind else { return expr(e) }
        return terms.map { expr($0, notLevel) }.joined(separator: "\n" + indent + "  AND ")
    }

    static func relation(_ r: Relation, indent: String?) -> String {
        switch r.kind {
        case .table(let name, let alias):
            return name.description + (alias.map { " AS " + identifier($0) } ?? "")
        case .subquery(let q, let alias):
            let body: String
            if let indent {
                let inner = indent + "  "
                body = "(\n" + inner + query(q, indent: inner) + "\n" + indent + ")"
            } else {
                body = "(" + query(q, indent: nil) + ")"
            }
            return body + (alias.map { " AS " + identifier($0) } ?? "")
        case .join(let type, let left, let right, let on):
            var rhs = relation(right, indent: indent)
            if case .join = right.kind { rhs = "(" + rhs + ")" }
            let keyword: String
            switch type {
            case .inner: keyword = "INNER JOIN"
            case .left: keyword = "LEFT JOIN"
            case .right: keyword = "RIGHT JOIN"
            case .full: keyword = "FULL JOIN"
            case .cross: keyword = "CROSS JOIN"
            }
            let separator = indent.map { "\n" + $0 } ?? " "
            return relation(left, indent: indent) + separator + keyword + " " + rhs + (on.map { " ON " + expr($0) } ?? "")
        }
    }
}
