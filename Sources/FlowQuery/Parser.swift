/// Recursive-descent parser over the token list. This file holds the machinery, statements,
/// queries and relations; `ExpressionParser.swift` holds expressions and types.
struct Parser {
    /// Deepest nesting of parentheses, subqueries and prefix operators accepted: deeper input is
    /// rejected with an error rather than risking the stack.
    static let maxDepth = 200

    let source: [UInt8]
    let tokens: [Token]
    var index = 0
    var depth = 0
    /// Open CASE expressions, so a misplaced END is reported as such rather than as a name.
    var caseDepth = 0

    init(_ text: String) throws(SQLError) {
        source = Array(text.utf8)
        var lexer = Lexer(bytes: source)
        tokens = try lexer.tokenize()
    }

    // MARK: - Token access

    var current: Token { tokens[index] }
    var previous: Token? { index > 0 ? tokens[index - 1] : nil }
    var atEnd: Bool { current.kind == .endOfInput }

    func peek(_ offset: Int = 1) -> Token { tokens[min(index + offset, tokens.count - 1)] }

    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    func at(_ symbol: Symbol) -> Bool { current.kind == .symbol(symbol) }
    func at(_ keyword: Keyword) -> Bool { current.kind == .identifier && current.keyword == keyword }
    func peekIs(_ keyword: Keyword, _ offset: Int = 1) -> Bool {
        let t = peek(offset)
        return t.kind == .identifier && t.keyword == keyword
    }
    func peekIs(_ symbol: Symbol, _ offset: Int = 1) -> Bool { peek(offset).kind == .symbol(symbol) }

    mutating func accept(_ symbol: Symbol) -> Token? {
        at(symbol) ? advance() : nil
    }

    mutating func accept(_ keyword: Keyword) -> Token? {
        at(keyword) ? advance() : nil
    }

    mutating func enter() throws(SQLError) {
        depth += 1
        if depth > Parser.maxDepth {
            throw error("the query is nested too deeply (more than \(Parser.maxDepth) levels)", at: current.start)
        }
    }

    mutating func leave() { depth -= 1 }

    // MARK: - Errors

    /// The token as written, shortened when long.
    func spelling(_ token: Token) -> String {
        let bytes = source[token.startOffset..<token.endOffset]
        if bytes.count <= 40 { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: bytes.prefix(32), as: UTF8.self) + "..."
    }

    /// `'FROM'`, `'10.%'`, `"Name"`, `end of input`: how a token is named in messages.
    func describe(_ token: Token) -> String {
        switch token.kind {
        case .endOfInput: return "end of input"
        case .string: return "string " + spelling(token)
        case .quotedIdentifier: return spelling(token)
        default: return "'" + spelling(token) + "'"
        }
    }

    func error(_ message: String, at position: SourcePosition, hint: String? = nil) -> SQLError {
        SQLError(message, line: position.line, column: position.column, hint: hint,
                 sourceLine: SQLError.sourceLine(position.line, of: source))
    }

    /// `expected <what> after 'AND', found 'GROUP'`. Points at the unexpected token, or at the last
    /// character of the previous one when the unexpected token is on a later line or is the end of
    /// the input (so the caret sits where something is missing).
    func expected(_ what: String, hint: String? = nil) -> SQLError {
        let token = current
        guard let prev = previous else {
            return error("expected \(what), found \(describe(token))", at: token.start, hint: hint)
        }
        var message = "expected \(what) after \(describe(prev))"
        if token.kind != .endOfInput { message += ", found \(describe(token))" }
        let onLaterLine = token.kind == .endOfInput || token.start.line != prev.last.line
        return error(message, at: onLaterLine ? prev.last : token.start, hint: hint)
    }

    func unsupported(_ what: String, at token: Token, hint: String? = nil) -> SQLError {
        error(what, at: token.start, hint: hint)
    }

    /// A reserved word used where a name was expected.
    func reservedWordError(_ token: Token, asWhat: String = "a name") -> SQLError {
        error("'\(spelling(token))' is a reserved word", at: token.start,
              hint: "write \"\(token.text)\" to use it as \(asWhat)")
    }

    /// Consumes the `)` matching `open`.
    mutating func expectClose(_ open: Token, what: String = "')'") throws(SQLError) {
        if accept(.rightParen) != nil { return }
        if atEnd {
            throw error("unbalanced parentheses: this '(' is never closed", at: open.start)
        }
        throw expected(what, hint: "the '(' at \(open.start) is still open")
    }

    mutating func expectKeyword(_ keyword: Keyword, _ what: String? = nil) throws(SQLError) {
        if accept(keyword) == nil { throw expected(what ?? keyword.rawValue.uppercased()) }
    }

    func identifier(_ token: Token) -> Identifier {
        Identifier(token.text, quoted: token.kind == .quotedIdentifier, position: token.start)
    }

    // MARK: - Statements

    /// Words that begin a statement: in a script, one of these after a complete statement starts
    /// the next (only SELECT parses; the others give a specific error).
    func startsStatement(_ token: Token) -> Bool {
        guard token.kind == .identifier, let k = token.keyword else { return false }
        switch k {
        case .select, .with, .insert, .update, .delete, .create, .drop, .alter, .merge, .show,
             .describe, .explain, .prepare, .execute, .deallocate, .call:
            return true
        default:
            return false
        }
    }

    mutating func parseScript(requireSemicolons: Bool) throws(SQLError) -> [Statement] {
        var statements: [Statement] = []
        while true {
            while accept(.semicolon) != nil {}
            if atEnd { return statements }
            statements.append(try parseStatement())
            if atEnd || at(.semicolon) { continue }
            if !requireSemicolons && startsStatement(current) { continue }
            throw trailingTokenError(singleStatement: false)
        }
    }

    mutating func parseSingleStatement() throws(SQLError) -> Statement {
        while accept(.semicolon) != nil {}
        let statement = try parseStatement()
        while accept(.semicolon) != nil {}
        if !atEnd { throw trailingTokenError(singleStatement: true) }
        return statement
    }

    mutating func parseStandaloneExpression() throws(SQLError) -> Expr {
        if atEnd { throw expected("an expression") }
        let e = try parseExpr()
        if !atEnd {
            if at(.rightParen) {
                throw error("unbalanced parentheses: ')' has no matching '('", at: current.start)
            }
            throw error("unexpected \(describe(current)) after the end of the expression", at: current.start)
        }
        return e
    }

    /// Something is left after a complete statement.
    func trailingTokenError(singleStatement: Bool) -> SQLError {
        let token = current
        if at(.rightParen) {
            return error("unbalanced parentheses: ')' has no matching '('", at: token.start)
        }
        if singleStatement, previous?.isSymbol(.semicolon) == true, startsStatement(token) {
            return error("only one statement is allowed here, found a second one", at: token.start)
        }
        if startsStatement(token) {
            return error("unexpected \(describe(token)) after the end of the statement", at: token.start,
                         hint: "separate statements with ';'")
        }
        return error("unexpected \(describe(token)) after the end of the statement", at: token.start)
    }

    mutating func parseStatement() throws(SQLError) -> Statement {
        let token = current
        if at(.select) || at(.with) || atParenthesizedQuery { return .query(try parseQuery()) }
        if token.kind == .identifier, let k = token.keyword {
            switch k {
            case .insert, .update, .delete, .create, .drop, .alter, .merge, .show, .describe, .explain,
                 .prepare, .execute, .deallocate, .call, .values, .table:
                throw unsupported("only SELECT queries are supported, not \(k.rawValue.uppercased())", at: token)
            default:
                break
            }
        }
        throw expected("a SELECT statement")
    }

    // MARK: - Queries

    private enum Clause: Int, CustomStringConvertible {
        case from, whereClause, groupBy, having, orderBy, limit
        var description: String {
            switch self {
            case .from: return "FROM"
            case .whereClause: return "WHERE"
            case .groupBy: return "GROUP BY"
            case .having: return "HAVING"
            case .orderBy: return "ORDER BY"
            case .limit: return "LIMIT"
            }
        }
    }

    private func clauseAtCurrent() -> Clause? {
        guard current.kind == .identifier, let k = current.keyword else { return nil }
        switch k {
        case .from: return .from
        case .where: return .whereClause
        case .group where peekIs(.by): return .groupBy
        case .having: return .having
        case .order where peekIs(.by): return .orderBy
        case .limit: return .limit
        default: return nil
        }
    }

    /// A query, with its WITH queries (if any) inlined where they are named (see
    /// `CommonTableExpression`).
    mutating func parseQuery() throws(SQLError) -> Query {
        try enter()
        defer { leave() }
        guard accept(.with) != nil else { return try parseQueryBody() }
        if at(.recursive) {
            throw unsupported("WITH RECURSIVE is not supported", at: current)
        }
        var ctes: [CommonTableExpression] = []
        repeat {
            let nameToken = current
            guard nameToken.isName else {
                if nameToken.isReservedWord { throw reservedWordError(nameToken, asWhat: "the name of a WITH query") }
                throw expected("the name of a WITH query")
            }
            let name = identifier(advance())
            var columns: [Identifier]? = nil
            if let open = accept(.leftParen) {
                var list: [Identifier] = []
                repeat {
                    guard current.isName else { throw expected("a column name") }
                    list.append(identifier(advance()))
                } while accept(.comma) != nil
                try expectClose(open)
                columns = list
            }
            guard accept(.as) != nil else { throw expected("AS (SELECT ...) after the WITH query's name") }
            guard let open = accept(.leftParen) else { throw expected("'(' and the WITH query") }
            var query = try parseQuery()
            try expectClose(open)
            if ctes.contains(where: { $0.name == name }) {
                throw error("WITH query name '\(name.name)' specified more than once", at: name.position)
            }
            // A WITH query sees the ones before it, not itself (it is not recursive): a name it
            // shares with the archive's table still means the archive inside it.
            query = query.inlining(ctes)
            if let columns { query = try renamingColumns(query, to: columns, name: name) }
            ctes.append(CommonTableExpression(name: name, query: query))
        } while accept(.comma) != nil
        return try parseQueryBody().inlining(ctes)
    }

    /// `WITH t(a, b) AS (SELECT x, y ...)`: the query wrapped as `SELECT x AS a, y AS b FROM
    /// (query) t`, naming the query's columns the way the binder names them.
    private func renamingColumns(_ query: Query, to columns: [Identifier], name: Identifier) throws(SQLError) -> Query {
        var names: [String] = []
        for (i, item) in query.selectItems.enumerated() {
            guard case .expression(let e, let alias) = item.kind else {
                throw error("a WITH column list needs the query's columns written out, not *", at: item.position)
            }
            names.append(alias?.name ?? Binder.defaultName(e, index: i))
        }
        guard names.count == columns.count else {
            throw error("WITH column alias list has \(columns.count) entries but WITH query(\(name.name)) has \(names.count) columns",
                        at: name.position)
        }
        guard Set(names).count == names.count else {
            throw error("a WITH column list needs the query's columns to have distinct names (give them aliases)", at: name.position)
        }
        let items = zip(names, columns).map { old, new in
            SelectItem(.expression(Expr(.column(QualifiedName([Identifier(old, quoted: true, position: new.position)])), position: new.position),
                                   alias: new), position: new.position)
        }
        return Query(selectItems: items, from: Relation(.subquery(query, alias: name), position: name.position), position: query.position)
    }

    /// A SELECT and the set operations after it. INTERSECT binds tighter than UNION and EXCEPT,
    /// which apply left to right (Trino, like standard SQL): `a UNION b INTERSECT c EXCEPT d` is
    /// `(a UNION (b INTERSECT c)) EXCEPT d`. An INTERSECT chain after the first operand stays in
    /// its list (it is applied first); one after a later operand becomes that operand's own
    /// list. The last SELECT's ORDER BY and LIMIT order and cut the whole result; an operand in
    /// parentheses keeps its own (`(SELECT ... LIMIT 5) UNION ALL (SELECT ... LIMIT 5)`).
    private mutating func parseQueryBody() throws(SQLError) -> Query {
        var first = try parseSetOperand()
        guard atSetOperator else { return first }
        var rest: [(kind: SetOperation.Kind, all: Bool, query: Query, position: SourcePosition)] = []
        var last = first
        while atSetOperator {
            if !last.orderBy.isEmpty || last.limit != nil {
                throw error("ORDER BY and LIMIT go after the last SELECT of a UNION, INTERSECT or EXCEPT (they order and cut the whole result)",
                            at: current.start, hint: "put a SELECT in parentheses to order or cut it alone")
            }
            let op = advance()
            let kind: SetOperation.Kind = op.keyword == .union ? .union : op.keyword == .intersect ? .intersect : .except
            var all = false
            if accept(.all) != nil { all = true } else { _ = accept(.distinct) }
            guard at(.select) || atParenthesizedQuery else { throw expected("SELECT") }
            last = try parseSetOperand()
            rest.append((kind, all, last, op.start))
        }
        // The last operand's ORDER BY and LIMIT belong to the whole query.
        let orderBy = last.orderBy, limit = last.limit
        rest[rest.count - 1].query.orderBy = []
        rest[rest.count - 1].query.limit = nil
        // INTERSECT first: each joins the operand before it (the first operand's chain stays in
        // its own list, applied before the UNIONs and EXCEPTs that follow it).
        var terms: [(kind: SetOperation.Kind, all: Bool, query: Query, position: SourcePosition)] = []
        for r in rest {
            if r.kind == .intersect {
                let op = SetOperation(.intersect, all: r.all, query: r.query, position: r.position)
                if terms.isEmpty { first.setOperations.append(op) } else { terms[terms.count - 1].query.setOperations.append(op) }
            } else {
                terms.append(r)
            }
        }
        for t in terms { first.setOperations.append(SetOperation(t.kind, all: t.all, query: t.query, position: t.position)) }
        first.orderBy = orderBy
        first.limit = limit
        return first
    }

    private var atSetOperator: Bool { at(.union) || at(.intersect) || at(.except) }

    /// '(' (any number) then SELECT or WITH.
    private var atParenthesizedQuery: Bool {
        guard at(.leftParen) else { return false }
        var k = 0
        while peek(k).isSymbol(.leftParen) { k += 1 }
        return peekIs(.select, k) || peekIs(.with, k)
    }

    /// A SELECT, or a query in parentheses (as `SELECT * FROM (query)`, which keeps its own
    /// ORDER BY and LIMIT and names its columns as the query does).
    private mutating func parseSetOperand() throws(SQLError) -> Query {
        guard atParenthesizedQuery, let open = accept(.leftParen) else { return try parseSelect() }
        try enter()
        defer { leave() }
        let inner = try parseQuery()
        try expectClose(open)
        var query = Query(selectItems: [SelectItem(.wildcard, position: open.start)],
                          from: Relation(.subquery(inner, alias: nil), position: open.start), position: open.start)
        // `(SELECT ...) UNION (SELECT ...) ORDER BY x LIMIT n`: taken as the operand's here, as
        // after a SELECT, and so the whole query's when it is the last operand.
        if accept(.order) != nil {
            try expectKeyword(.by)
            query.orderBy = try parseOrderBy()
        }
        if accept(.limit) != nil { query.limit = try parseLimit() }
        return query
    }

    private mutating func parseSelect() throws(SQLError) -> Query {
        guard let select = accept(.select) else { throw expected("SELECT") }
        var query = Query(selectItems: [], position: select.start)
        var clauses: [Clause] = []
        if accept(.distinct) != nil {
            query.distinct = true
        } else if at(.all), !peekIs(.comma), !peekIs(.from) {
            advance()
        }
        query.selectItems = try parseSelectList()

        if accept(.from) != nil {
            clauses.append(.from)
            query.from = try parseFromList()
        }
        if accept(.where) != nil {
            clauses.append(.whereClause)
            query.whereClause = try parseExpr()
        }
        if accept(.group) != nil {
            clauses.append(.groupBy)
            try expectKeyword(.by)
            query.groupBy = try parseGroupBy()
        }
        if accept(.having) != nil {
            clauses.append(.having)
            query.having = try parseExpr()
        }
        if at(.window) {
            throw unsupported("WINDOW clauses are not supported", at: current)
        }
        if accept(.order) != nil {
            clauses.append(.orderBy)
            try expectKeyword(.by)
            query.orderBy = try parseOrderBy()
        }
        if at(.offset) {
            throw unsupported("OFFSET is not supported", at: current)
        }
        if accept(.limit) != nil {
            clauses.append(.limit)
            query.limit = try parseLimit()
        }
        if at(.offset) {
            throw unsupported("OFFSET is not supported", at: current)
        }
        if at(.fetch) {
            throw unsupported("FETCH FIRST is not supported", at: current, hint: "use LIMIT n")
        }
        if atSetOperator { return query }
        if let clause = clauseAtCurrent() {
            if clauses.contains(clause) {
                throw error("duplicate \(clause) clause", at: current.start)
            }
            let later = clauses.last(where: { $0.rawValue > clause.rawValue }) ?? clauses.last
            if let later {
                throw error("\(clause) must come before \(later)", at: current.start,
                            hint: "clauses go in the order FROM, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT")
            }
        }
        return query
    }

    private mutating func parseLimit() throws(SQLError) -> Int64? {
        if accept(.all) != nil { return nil }
        let token = current
        if token.kind == .integer {
            advance()
            guard let n = Int64(token.text) else {
                throw error("LIMIT \(token.text) is out of range", at: token.start)
            }
            return n
        }
        if token.isSymbol(.minus), peek().kind == .integer {
            throw error("LIMIT must not be negative", at: token.start)
        }
        throw expected("a row count (an integer) or ALL")
    }

    // MARK: SELECT list

    /// Words that end the select list; a ',' right before one of them is a trailing comma.
    private func endsSelectList(_ token: Token) -> Bool {
        if token.kind == .endOfInput || token.isSymbol(.rightParen) || token.isSymbol(.semicolon) { return true }
        guard token.kind == .identifier, let k = token.keyword else { return false }
        switch k {
        case .from, .where, .group, .having, .order, .limit, .union, .intersect, .except: return true
        default: return false
        }
    }

    private mutating func parseSelectList() throws(SQLError) -> [SelectItem] {
        var items = [try parseSelectItem()]
        while let comma = accept(.comma) {
            if endsSelectList(current) {
                let before = current.kind == .endOfInput ? "the end" : describe(current)
                throw error("trailing comma in the select list", at: comma.start, hint: "remove the ',' before \(before)")
            }
            items.append(try parseSelectItem())
        }
        return items
    }

    /// Length in tokens of `name(.name)*.*` at the current token, if that is what follows.
    private func qualifiedWildcardLength() -> Int? {
        guard current.isName else { return nil }
        var k = 1
        while peek(k).isSymbol(.dot) {
            let next = peek(k + 1)
            if next.isSymbol(.star) { return k + 2 }
            guard next.isName else { return nil }
            k += 2
        }
        return nil
    }

    private mutating func parseSelectItem() throws(SQLError) -> SelectItem {
        let start = current
        if accept(.star) != nil {
            if at(.as) || current.kind == .quotedIdentifier
                || (current.kind == .identifier && !(current.keyword?.endsImplicitAlias ?? false)) {
                throw error("'*' cannot have an alias", at: current.start)
            }
            return SelectItem(.wildcard, position: start.start)
        }
        if let length = qualifiedWildcardLength() {
            var parts: [Identifier] = []
            for _ in 0..<(length / 2) {
                parts.append(identifier(advance()))
                advance()  // '.'
            }
            advance()  // '*'
            if at(.as) { throw error("'\(parts.map(\.name).joined(separator: ".")).*' cannot have an alias", at: current.start) }
            return SelectItem(.qualifiedWildcard(QualifiedName(parts)), position: start.start)
        }
        if endsSelectList(current) || at(.comma) {
            throw expected("a select item (an expression or *)")
        }
        let e = try parseExpr()
        let alias = try parseAlias(what: "a column alias")
        return SelectItem(.expression(e, alias: alias), position: start.start)
    }

    /// `[AS] alias`; without AS only a name that is not a clause word.
    private mutating func parseAlias(what: String) throws(SQLError) -> Identifier? {
        if accept(.as) != nil {
            let token = current
            if token.isName { return identifier(advance()) }
            if token.isReservedWord { throw reservedWordError(token, asWhat: what) }
            if token.kind == .string {
                throw expected(what, hint: "aliases are names; quote them with double quotes: \"\(token.text)\"")
            }
            throw expected(what)
        }
        switch current.kind {
        case .quotedIdentifier:
            return identifier(advance())
        case .identifier where !(current.keyword?.endsImplicitAlias ?? false):
            return identifier(advance())
        default:
            return nil
        }
    }

    // MARK: GROUP BY, ORDER BY

    private mutating func parseGroupBy() throws(SQLError) -> [Expr] {
        if at(.all) || at(.distinct) {
            throw unsupported("GROUP BY \(current.text.uppercased()) is not supported", at: current,
                              hint: "list the grouping columns")
        }
        var keys: [Expr] = []
        repeat {
            if (at(.rollup) || at(.cube)) && peekIs(.leftParen) {
                throw unsupported("GROUP BY \(current.text.uppercased()) is not supported", at: current)
            }
            if at(.grouping) && peekIs(.sets) {
                throw unsupported("GROUP BY GROUPING SETS is not supported", at: current)
            }
            if at(.leftParen) && peekIs(.rightParen) {
                throw unsupported("empty grouping sets '()' are not supported", at: current)
            }
            keys.append(try parseExpr())
        } while accept(.comma) != nil
        return keys
    }

    mutating func parseOrderBy() throws(SQLError) -> [OrderItem] {
        var items: [OrderItem] = []
        repeat {
            var item = OrderItem(try parseExpr())
            if accept(.asc) != nil {
                item.ascending = true
            } else if accept(.desc) != nil {
                item.ascending = false
            }
            if accept(.nulls) != nil {
                if accept(.first) != nil {
                    item.nullsFirst = true
                } else if accept(.last) == nil {
                    throw expected("FIRST or LAST")
                }
            }
            items.append(item)
        } while accept(.comma) != nil
        return items
    }

    // MARK: - Relations

    /// `relation (, relation)*`; commas are CROSS joins.
    private mutating func parseFromList() throws(SQLError) -> Relation {
        var relation = try parseRelation()
        let outer = depth
        defer { depth = outer }
        while let comma = accept(.comma) {
            try enter()
            let right = try parseRelation()
            relation = Relation(.join(.cross, left: relation, right: right, on: nil), position: comma.start)
        }
        return relation
    }

    /// A table or subquery followed by any number of joins (left-associative).
    private mutating func parseRelation() throws(SQLError) -> Relation {
        var left = try parseAliasedRelation()
        let outer = depth
        defer { depth = outer }
        while true {
            let start = current
            if at(.cross) || at(.join) || at(.inner) || at(.left) || at(.right) || at(.full) { try enter() }
            let type: JoinType
            if accept(.cross) != nil {
                try expectKeyword(.join)
                let right = try parseAliasedRelation()
                left = Relation(.join(.cross, left: left, right: right, on: nil), position: start.start)
                continue
            } else if accept(.join) != nil {
                type = .inner
            } else if accept(.inner) != nil {
                try expectKeyword(.join)
                type = .inner
            } else if at(.left) || at(.right) || at(.full) {
                type = at(.left) ? .left : at(.right) ? .right : .full
                advance()
                _ = accept(.outer)
                try expectKeyword(.join)
            } else if at(.natural) {
                throw unsupported("NATURAL joins are not supported", at: current, hint: "use JOIN ... ON")
            } else {
                return left
            }
            let right = try parseAliasedRelation()
            if at(.using) {
                throw unsupported("JOIN ... USING is not supported", at: current, hint: "use ON a.column = b.column")
            }
            guard accept(.on) != nil else {
                throw expected("ON and a join condition")
            }
            let condition = try parseExpr()
            left = Relation(.join(type, left: left, right: right, on: condition), position: start.start)
        }
    }

    private mutating func parseAliasedRelation() throws(SQLError) -> Relation {
        let token = current
        if let open = accept(.leftParen) {
            try enter()
            defer { leave() }
            if at(.select) || at(.with) {
                let query = try parseQuery()
                try expectClose(open)
                let alias = try parseRelationAlias()
                return Relation(.subquery(query, alias: alias), position: open.start)
            }
            var inner = try parseRelation()
            try expectClose(open)
            let aliasToken = current
            guard let alias = try parseRelationAlias() else { return inner }
            // ((SELECT ...)) x and (t) x: the alias names the table or subquery inside.
            switch inner.kind {
            case .table(let name, nil): inner.kind = .table(name, alias: alias)
            case .subquery(let query, nil): inner.kind = .subquery(query, alias: alias)
            case .table, .subquery: throw unsupported("this relation already has an alias", at: aliasToken)
            case .join: throw unsupported("an alias on a parenthesized join is not supported", at: aliasToken)
            }
            return inner
        }
        if token.kind == .identifier, let k = token.keyword {
            switch k {
            case .unnest: throw unsupported("UNNEST is not supported", at: token)
            case .lateral where peekIs(.leftParen): throw unsupported("LATERAL is not supported", at: token)
            case .values: throw unsupported("VALUES is not supported", at: token)
            case .table where peekIs(.leftParen): throw unsupported("table functions are not supported", at: token)
            default: break
            }
        }
        guard token.isName else {
            if token.isReservedWord && !endsSelectList(token) && token.keyword != .on && token.keyword != .join {
                throw reservedWordError(token, asWhat: "a table name")
            }
            throw expected("a table name or a subquery")
        }
        let name = try parseQualifiedName()
        if at(.leftParen) {
            throw unsupported("table functions are not supported", at: token)
        }
        let alias = try parseRelationAlias()
        if at(.tablesample) {
            throw unsupported("TABLESAMPLE is not supported", at: current)
        }
        if at(.for) {
            throw unsupported("time travel (FOR ... AS OF) is not supported", at: current)
        }
        return Relation(.table(name, alias: alias), position: token.start)
    }

    private mutating func parseRelationAlias() throws(SQLError) -> Identifier? {
        let alias = try parseAlias(what: "a table alias")
        if alias != nil, at(.leftParen) {
            throw unsupported("column alias lists are not supported", at: current)
        }
        return alias
    }

    /// `name(.name)*`; the current token is a name.
    mutating func parseQualifiedName() throws(SQLError) -> QualifiedName {
        var parts = [identifier(advance())]
        while at(.dot) {
            advance()
            let token = current
            if token.isName {
                parts.append(identifier(advance()))
            } else if token.isReservedWord {
                throw reservedWordError(token)
            } else if token.isSymbol(.star) {
                throw error("'\(parts.map(\.name).joined(separator: ".")).*' is only allowed as a select item", at: token.start)
            } else {
                throw expected("a name")
            }
        }
        return QualifiedName(parts)
    }
}
