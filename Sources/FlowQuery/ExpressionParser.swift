// Expressions, by Trino precedence (loosest first):
//   OR < AND < NOT < predicates (= <> != < <= > >=, [NOT] BETWEEN, [NOT] IN, [NOT] LIKE, IS ...)
//   < || < + - < * / % < unary - + < postfix [ ] < primary
// A predicate's operands are value expressions (no AND/OR/NOT/predicate inside unless
// parenthesised), and a value takes at most one predicate: `a = b = c` is an error.

extension Parser {
    mutating func parseExpr() throws(SQLError) -> Expr {
        try enter()
        defer { leave() }
        return try parseOr()
    }

    /// `a OR b OR ...` as one flat node (ORs nested in parentheses are merged in).
    private mutating func parseOr() throws(SQLError) -> Expr {
        let first = try parseAnd()
        guard let op = accept(.or) else { return first }
        var terms = first.disjuncts
        repeat {
            terms += try parseAnd().disjuncts
        } while accept(.or) != nil
        return Expr(.or(terms), position: op.start)
    }

    /// `a AND b AND ...` as one flat node (ANDs nested in parentheses are merged in).
    private mutating func parseAnd() throws(SQLError) -> Expr {
        let first = try parseNot()
        guard let op = accept(.and) else { return first }
        var terms = first.conjuncts
        repeat {
            terms += try parseNot().conjuncts
        } while accept(.and) != nil
        return Expr(.and(terms), position: op.start)
    }

    private mutating func parseNot() throws(SQLError) -> Expr {
        if let op = accept(.not) {
            try enter()
            defer { leave() }
            let operand = try parseNot()
            return Expr(.unary(.not, operand), position: op.start)
        }
        return try parsePredicate()
    }

    // MARK: Predicates

    private func comparisonOperator(_ token: Token) -> BinaryOperator? {
        guard case .symbol(let s) = token.kind else { return nil }
        switch s {
        case .equal: return .equal
        case .notEqual: return .notEqual
        case .less: return .less
        case .lessOrEqual: return .lessOrEqual
        case .greater: return .greater
        case .greaterOrEqual: return .greaterOrEqual
        default: return nil
        }
    }

    private func atPredicateOperator() -> Bool {
        if comparisonOperator(current) != nil { return true }
        if at(.between) || at(.in) || at(.like) || at(.is) { return true }
        return at(.not) && (peekIs(.between) || peekIs(.in) || peekIs(.like))
    }

    private mutating func parsePredicate() throws(SQLError) -> Expr {
        let value = try parseValue()
        guard let predicate = try parsePredicateSuffix(value) else { return value }
        if atPredicateOperator() {
            throw error("comparisons cannot be chained", at: current.start,
                        hint: "combine them with AND, or add parentheses")
        }
        return predicate
    }

    private mutating func parsePredicateSuffix(_ value: Expr) throws(SQLError) -> Expr? {
        let token = current
        if let op = comparisonOperator(token) {
            advance()
            if (at(.any) || at(.some) || at(.all)) && peekIs(.leftParen) {
                throw unsupported("quantified comparisons (\(spelling(token)) \(current.text.uppercased()) (...)) are not supported",
                                  at: current, hint: "use IN (SELECT ...) or EXISTS")
            }
            let right = try parseValue()
            return Expr(.binary(op, value, right), position: token.start)
        }
        var negated = false
        if at(.not) && (peekIs(.between) || peekIs(.in) || peekIs(.like)) {
            advance()
            negated = true
        }
        if accept(.between) != nil {
            let low = try parseValue()
            guard accept(.and) != nil else {
                throw expected("AND", hint: "BETWEEN is written 'x BETWEEN low AND high'")
            }
            let high = try parseValue()
            return Expr(.between(value, low: low, high: high, negated: negated), position: token.start)
        }
        if accept(.in) != nil {
            guard let open = accept(.leftParen) else {
                throw expected("'(' and a list of values")
            }
            if at(.select) || at(.with) {
                let query = try parseQuery()
                try expectClose(open)
                return Expr(.inSubquery(value, query, negated: negated), position: token.start)
            }
            if at(.rightParen) {
                throw error("the IN list is empty", at: current.start, hint: "IN needs at least one value")
            }
            var list = [try parseExpr()]
            while accept(.comma) != nil { list.append(try parseExpr()) }
            try expectClose(open, what: "',' or ')'")
            return Expr(.inList(value, list, negated: negated), position: token.start)
        }
        if accept(.like) != nil {
            let pattern = try parseValue()
            var escape: Expr? = nil
            if accept(.escape) != nil { escape = try parseValue() }
            return Expr(.like(value, pattern: pattern, escape: escape, negated: negated), position: token.start)
        }
        if accept(.is) != nil {
            let not = accept(.not) != nil
            if accept(.null) != nil {
                return Expr(.isNull(value, negated: not), position: token.start)
            }
            if accept(.distinct) != nil {
                try expectKeyword(.from)
                let right = try parseValue()
                return Expr(.isDistinctFrom(value, right, negated: not), position: token.start)
            }
            if at(.true) || at(.false) {
                throw unsupported("IS \(not ? "NOT " : "")\(current.text.uppercased()) is not supported", at: current,
                                  hint: "compare with = \(current.text.uppercased()) instead")
            }
            throw expected("NULL or DISTINCT FROM")
        }
        return nil
    }

    // MARK: Arithmetic

    /// `||` level: the operand of a predicate.
    // Binary chains build left-deep trees; each link counts toward the nesting limit (released
    // when the chain ends) so that no tree is too deep to walk recursively.

    private mutating func parseValue() throws(SQLError) -> Expr {
        var left = try parseAdditive()
        let outer = depth
        defer { depth = outer }
        while let op = accept(.concat) {
            try enter()
            let right = try parseAdditive()
            left = Expr(.binary(.concat, left, right), position: op.start)
        }
        return left
    }

    private mutating func parseAdditive() throws(SQLError) -> Expr {
        var left = try parseMultiplicative()
        let outer = depth
        defer { depth = outer }
        while true {
            let op: BinaryOperator
            if at(.plus) { op = .add } else if at(.minus) { op = .subtract } else { return left }
            let token = advance()
            try enter()
            let right = try parseMultiplicative()
            left = Expr(.binary(op, left, right), position: token.start)
        }
    }

    private mutating func parseMultiplicative() throws(SQLError) -> Expr {
        var left = try parseUnary()
        let outer = depth
        defer { depth = outer }
        while true {
            let op: BinaryOperator
            if at(.star) { op = .multiply } else if at(.slash) { op = .divide } else if at(.percent) { op = .modulo } else { return left }
            let token = advance()
            try enter()
            let right = try parseUnary()
            left = Expr(.binary(op, left, right), position: token.start)
        }
    }

    private func isNumber(_ token: Token) -> Bool {
        token.kind == .integer || token.kind == .decimal || token.kind == .double
    }

    private mutating func parseUnary() throws(SQLError) -> Expr {
        if let op = accept(.minus) {
            // A minus sign directly before a number is part of the literal: -30, -9223372036854775808.
            if isNumber(current) && !peekIs(.leftBracket) {
                let number = advance()
                return Expr(.literal(try numberLiteral(number, negative: true)), position: op.start)
            }
            try enter()
            defer { leave() }
            let operand = try parseUnary()
            return Expr(.unary(.negate, operand), position: op.start)
        }
        if let op = accept(.plus) {
            try enter()
            defer { leave() }
            let operand = try parseUnary()
            return Expr(.unary(.plus, operand), position: op.start)
        }
        return try parsePostfix()
    }

    private mutating func parsePostfix() throws(SQLError) -> Expr {
        var e = try parsePrimary()
        while true {
            if let open = accept(.leftBracket) {
                try enter()
                defer { leave() }
                let index = try parseExpr()
                if accept(.rightBracket) == nil { throw expected("']'") }
                e = Expr(.subscripted(e, index: index), position: open.start)
                continue
            }
            if at(.dot) {
                throw unsupported("field access ('.name') on an expression is not supported", at: current)
            }
            if at(.doubleColon) {
                throw unsupported("'::' casts are not supported", at: current, hint: "use CAST(x AS type)")
            }
            if at(.at) && peekIs(.time) {
                // `ts AT TIME ZONE 'UTC'`: Trino's at_timezone(ts, zone), which the binder takes
                // (flowarc keeps timestamps in UTC, so only UTC is accepted there).
                let atToken = advance()
                _ = advance()
                try expectKeyword(.zone, "ZONE")
                let zone = try parsePrimary()
                e = Expr(.function(FunctionCall(Identifier("at_timezone", position: atToken.start), arguments: [e, zone])), position: e.start)
                continue
            }
            if at(.arrow) {
                throw unsupported("lambda expressions ('->') are not supported", at: current)
            }
            return e
        }
    }

    // MARK: Primary expressions

    func numberLiteral(_ token: Token, negative: Bool) throws(SQLError) -> Literal {
        let text = negative ? "-" + token.text : token.text
        switch token.kind {
        case .integer:
            guard let value = Int64(text) else {
                throw error("integer literal \(text) is out of range for BIGINT", at: token.start,
                            hint: "write \(text).0 for a DECIMAL or \(text)e0 for a DOUBLE")
            }
            return .integer(value)
        case .decimal:
            return .decimal(text)
        default:
            guard let value = Double(text), value.isFinite else {
                throw error("double literal \(text) is out of range", at: token.start)
            }
            return .double(value)
        }
    }

    private mutating func parsePrimary() throws(SQLError) -> Expr {
        let token = current
        switch token.kind {
        case .integer, .decimal, .double:
            advance()
            return Expr(.literal(try numberLiteral(token, negative: false)), position: token.start)
        case .string:
            advance()
            return Expr(.literal(.string(token.text)), position: token.start)
        case .quotedIdentifier:
            return try parseNameExpression()
        case .identifier:
            return try parseWordExpression()
        case .symbol(.leftParen):
            advance()
            if at(.select) || at(.with) {
                let query = try parseQuery()
                try expectClose(token)
                return Expr(.subquery(query), position: token.start)
            }
            let inner = try parseExpr()
            if at(.comma) {
                throw unsupported("row constructors '(a, b, ...)' are not supported", at: current)
            }
            try expectClose(token)
            return inner
        case .symbol(.star):
            throw error("'*' is only allowed as a select item or in count(*)", at: token.start)
        default:
            throw expected("an expression")
        }
    }

    /// An expression starting with an unquoted word: keyword forms, typed literals, names, calls.
    private mutating func parseWordExpression() throws(SQLError) -> Expr {
        let token = current
        if let keyword = token.keyword {
            switch keyword {
            case .true, .false:
                advance()
                return Expr(.literal(.boolean(keyword == .true)), position: token.start)
            case .null:
                advance()
                return Expr(.literal(.null), position: token.start)
            case .case:
                return try parseCase()
            case .cast:
                return try parseCast(isTry: false)
            case .try_cast where peekIs(.leftParen):
                return try parseCast(isTry: true)
            case .exists where peekIs(.leftParen):
                advance()
                let open = advance()
                guard at(.select) || at(.with) else { throw expected("a subquery (SELECT ...)") }
                let query = try parseQuery()
                try expectClose(open)
                return Expr(.exists(query), position: token.start)
            case .interval:
                let next = peek()
                if next.kind == .string || ((next.isSymbol(.minus) || next.isSymbol(.plus)) && peek(2).kind == .string) {
                    return try parseInterval()
                }
                if isNumber(next) {
                    throw error("the INTERVAL value must be a quoted string", at: next.start,
                                hint: "write INTERVAL '\(next.text)' DAY")
                }
            case .current_date, .current_time, .current_timestamp, .localtime, .localtimestamp:
                return try parseCurrentTime()
            case .extract:
                // EXTRACT(field FROM x) is Trino's spelling of field(x): year(x), hour(x), ...
                advance()
                guard let open = accept(.leftParen) else { throw expected("'(' after EXTRACT") }
                let fieldToken = current
                let fields = ["year", "quarter", "month", "week", "day", "day_of_month", "day_of_week", "dow",
                              "day_of_year", "doy", "year_of_week", "yow", "hour", "minute", "second"]
                guard fieldToken.kind == .identifier, fields.contains(fieldToken.text) else {
                    throw expected("a field to extract (\(fields.map { $0.uppercased() }.joined(separator: ", ")))")
                }
                advance()
                try expectKeyword(.from)
                let value = try parseExpr()
                try expectClose(open)
                return Expr(.function(FunctionCall(Identifier(fieldToken.text, position: fieldToken.start), arguments: [value])),
                            position: token.start)
            case .trim, .normalize:
                // Reserved, but their plain call forms are ordinary functions: trim(x), normalize(x).
                if peekIs(.leftParen) {
                    advance()
                    return try parseFunctionCall(identifier(token))
                }
            case .array where peekIs(.leftBracket):
                throw unsupported("ARRAY[...] constructors are not supported", at: token)
            case .grouping where peekIs(.leftParen):
                throw unsupported("GROUPING() is not supported", at: token)
            case .listagg, .json_array, .json_exists, .json_object, .json_query, .json_table, .json_value:
                throw unsupported("\(keyword.rawValue.uppercased()) is not supported", at: token)
            case .end where caseDepth > 0 && !continuesValue(peek()):
                // `THEN END`: a missing result. (`WHEN end > start` is the column, reported below.)
                throw expected("an expression")
            default:
                break
            }
            if keyword.isReserved {
                switch keyword {
                case .end, .table, .values, .current_user, .current_role, .current_catalog, .current_schema,
                     .current_path, .constraint, .skip, .uescape, .prepare, .execute, .deallocate, .describe,
                     .create, .alter, .drop, .delete, .insert, .recursive, .cube, .rollup, .grouping, .normalize,
                     .trim, .extract, .for, .into, .natural, .unnest, .exists, .cast, .escape:
                    throw reservedWordError(token)
                default:
                    throw expected("an expression")
                }
            }
        }
        // A type name followed by a string is a typed literal: IPADDRESS '10.0.0.0', DATE '2020-07-01'.
        if peek().kind == .string, let type = SQLType.simple(token.text) {
            advance()
            let value = advance()
            return Expr(.literal(.typed(type, value.text)), position: token.start)
        }
        return try parseNameExpression()
    }

    /// Whether `token` can follow a value inside an expression (an operator or predicate word).
    private func continuesValue(_ token: Token) -> Bool {
        switch token.kind {
        case .symbol(let s):
            switch s {
            case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual, .plus, .minus, .star,
                 .slash, .percent, .concat, .leftBracket, .dot:
                return true
            default:
                return false
            }
        case .identifier:
            switch token.keyword {
            case .between, .in, .like, .is, .not: return true
            default: return false
            }
        default:
            return false
        }
    }

    /// A column reference or a function call.
    private mutating func parseNameExpression() throws(SQLError) -> Expr {
        let name = try parseQualifiedName()
        if at(.leftParen) {
            guard name.parts.count == 1 else {
                throw unsupported("qualified function names are not supported", at: tokens[index - 1])
            }
            return try parseFunctionCall(name.parts[0])
        }
        return Expr(.column(name), position: name.position)
    }

    /// `name(...)`; the current token is '('.
    private mutating func parseFunctionCall(_ name: Identifier) throws(SQLError) -> Expr {
        let open = advance()
        var call = FunctionCall(name)
        if accept(.star) != nil {
            call.isStar = true
            try expectClose(open)
        } else if accept(.rightParen) == nil {
            if accept(.distinct) != nil {
                call.distinct = true
            } else if at(.all), !peekIs(.rightParen), !peekIs(.comma) {
                advance()
            }
            call.arguments.append(try parseExpr())
            while accept(.comma) != nil { call.arguments.append(try parseExpr()) }
            if at(.order) && peekIs(.by) {
                throw unsupported("ORDER BY inside a function call is not supported", at: current)
            }
            try expectClose(open, what: "',' or ')'")
        }
        if at(.filter) && peekIs(.leftParen) {
            advance()
            let open = advance()
            try expectKeyword(.where, "WHERE (FILTER (WHERE condition))")
            call.filter = try parseExpr()
            try expectClose(open)
        }
        if (at(.ignore) || at(.respect)) && peekIs(.nulls) {
            throw unsupported("\(current.text.uppercased()) NULLS is not supported", at: current)
        }
        if at(.over) {
            advance()
            guard at(.leftParen) else {
                throw unsupported("named windows (OVER name) are not supported", at: current, hint: "write the window in parentheses: OVER (PARTITION BY ... ORDER BY ...)")
            }
            let open = advance()
            var window = WindowSpec()
            if current.kind == .identifier && current.text.lowercased() == "partition" && peekIs(.by) {
                advance(); advance()
                repeat { window.partitionBy.append(try parseExpr()) } while accept(.comma) != nil
            }
            if at(.order) && peekIs(.by) {
                advance(); advance()
                window.orderBy = try parseOrderBy()
            }
            if current.kind == .identifier, ["range", "groups"].contains(current.text.lowercased()) {
                throw unsupported("window frames (\(current.text.uppercased()) ...) are not supported", at: current,
                                  hint: "ROWS frames are; the default frame is the whole partition, or with ORDER BY its rows up to the current one and its peers")
            }
            if current.kind == .identifier, current.text.lowercased() == "rows" {
                window.frame = try parseRowsFrame()
            }
            try expectClose(open, what: "PARTITION BY, ORDER BY or ')'")
            call.window = window
        }
        return Expr(.function(call), position: name.position)
    }

    /// `ROWS BETWEEN start AND end` or `ROWS start` (ending at the current row), with Trino's
    /// rules: a frame cannot start at UNBOUNDED FOLLOWING, end at UNBOUNDED PRECEDING, or end
    /// before it starts (CURRENT ROW AND 1 PRECEDING, 1 FOLLOWING AND CURRENT ROW).
    private mutating func parseRowsFrame() throws(SQLError) -> WindowFrame {
        let rows = advance()
        func word(_ w: String) -> Bool {
            guard current.kind == .identifier, current.text.lowercased() == w else { return false }
            advance()
            return true
        }
        func bound() throws(SQLError) -> WindowFrame.Bound {
            if word("unbounded") {
                if word("preceding") { return .unboundedPreceding }
                if word("following") { return .unboundedFollowing }
                throw expected("PRECEDING or FOLLOWING")
            }
            if word("current") {
                guard word("row") else { throw expected("ROW") }
                return .currentRow
            }
            guard case .integer = current.kind, let n = Int64(current.text) else {
                throw expected("UNBOUNDED, CURRENT ROW or a number of rows")
            }
            advance()
            if word("preceding") { return .preceding(n) }
            if word("following") { return .following(n) }
            throw expected("PRECEDING or FOLLOWING")
        }
        let start: WindowFrame.Bound, end: WindowFrame.Bound
        if accept(.between) != nil {
            start = try bound()
            try expectKeyword(.and, "AND and the frame's end")
            end = try bound()
        } else {
            start = try bound()
            end = .currentRow
        }
        if start == .unboundedFollowing { throw error("Window frame start cannot be UNBOUNDED FOLLOWING", at: rows.start) }
        if end == .unboundedPreceding { throw error("Window frame end cannot be UNBOUNDED PRECEDING", at: rows.start) }
        if end.rank < start.rank {
            let from = start.rank == 2 ? "CURRENT ROW" : start.rank == 3 ? "FOLLOWING" : "PRECEDING"
            let to = end.rank == 2 ? "CURRENT ROW" : end.rank == 1 ? "PRECEDING" : "FOLLOWING"
            throw error("Window frame starting from \(from) cannot end with \(to)", at: rows.start)
        }
        return WindowFrame(start: start, end: end)
    }

    private mutating func parseCast(isTry: Bool) throws(SQLError) -> Expr {
        let keyword = advance()
        guard let open = accept(.leftParen) else { throw expected("'('") }
        let value = try parseExpr()
        guard accept(.as) != nil else { throw expected("AS and a type") }
        let type = try parseType()
        try expectClose(open)
        return Expr(.cast(value, to: type, isTry: isTry), position: keyword.start)
    }

    private mutating func parseCase() throws(SQLError) -> Expr {
        let keyword = advance()
        caseDepth += 1
        defer { caseDepth -= 1 }
        var operand: Expr? = nil
        if !at(.when) { operand = try parseExpr() }
        var whens: [WhenClause] = []
        while accept(.when) != nil {
            let condition = try parseExpr()
            guard accept(.then) != nil else { throw expected("THEN") }
            let result = try parseExpr()
            whens.append(WhenClause(condition, then: result))
        }
        if whens.isEmpty { throw expected("WHEN") }
        var elseResult: Expr? = nil
        if accept(.else) != nil { elseResult = try parseExpr() }
        guard accept(.end) != nil else {
            throw expected(elseResult == nil ? "WHEN, ELSE or END" : "END",
                           hint: "the CASE at \(keyword.start) is still open")
        }
        return Expr(.caseWhen(CaseExpression(operand: operand, whenClauses: whens, elseResult: elseResult)),
                    position: keyword.start)
    }

    private mutating func parseInterval() throws(SQLError) -> Expr {
        let keyword = advance()
        var negative = false
        if accept(.minus) != nil {
            negative = true
        } else {
            _ = accept(.plus)
        }
        let value = advance()  // the string (checked by the caller)
        let from = try parseIntervalField()
        var to: IntervalField? = nil
        if accept(.to) != nil { to = try parseIntervalField() }
        return Expr(.literal(.interval(IntervalLiteral(value.text, negative: negative, from: from, to: to))),
                    position: keyword.start)
    }

    private mutating func parseIntervalField() throws(SQLError) -> IntervalField {
        let token = current
        if token.kind == .identifier, let field = IntervalField(rawValue: token.text.uppercased()) {
            advance()
            return field
        }
        var hint: String? = nil
        if token.kind == .identifier, token.text.hasSuffix("s"),
           let field = IntervalField(rawValue: String(token.text.dropLast()).uppercased()) {
            hint = "use the singular: \(field.rawValue)"
        }
        throw expected("an interval unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND)", hint: hint)
    }

    private mutating func parseCurrentTime() throws(SQLError) -> Expr {
        let token = advance()
        let function: CurrentTimeFunction
        switch token.keyword {
        case .current_date: return Expr(.currentTime(.currentDate, precision: nil), position: token.start)
        case .current_time: function = .currentTime
        case .current_timestamp: function = .currentTimestamp
        case .localtime: function = .localTime
        default: function = .localTimestamp
        }
        var precision: Int? = nil
        if let open = accept(.leftParen) {
            precision = try parseTypeParameter()
            try expectClose(open)
        }
        return Expr(.currentTime(function, precision: precision), position: token.start)
    }

    // MARK: Types

    private mutating func parseTypeParameter() throws(SQLError) -> Int {
        let token = current
        guard token.kind == .integer else { throw expected("a number") }
        advance()
        guard let n = Int(token.text), n <= Int(Int32.max) else {
            throw error("\(token.text) is too large", at: token.start)
        }
        return n
    }

    /// `(n)` or nothing.
    private mutating func parseOptionalParameter() throws(SQLError) -> Int? {
        guard let open = accept(.leftParen) else { return nil }
        let n = try parseTypeParameter()
        try expectClose(open)
        return n
    }

    /// `[WITH TIME ZONE | WITHOUT TIME ZONE]`
    private mutating func parseTimeZoneSuffix() throws(SQLError) -> Bool {
        let with = accept(.with) != nil
        if !with && accept(.without) == nil { return false }
        try expectKeyword(.time)
        try expectKeyword(.zone)
        return with
    }

    mutating func parseType() throws(SQLError) -> SQLType {
        let token = current
        guard token.kind == .identifier || token.kind == .quotedIdentifier else {
            throw expected("a type name")
        }
        advance()
        let name = token.kind == .identifier ? token.text : token.text.lowercased()
        switch name {
        case "double":
            _ = accept(.precision)
            return .double
        case "decimal":
            guard let open = accept(.leftParen) else { return .decimal(precision: nil, scale: nil) }
            let precision = try parseTypeParameter()
            var scale: Int? = nil
            if accept(.comma) != nil { scale = try parseTypeParameter() }
            try expectClose(open)
            return .decimal(precision: precision, scale: scale)
        case "varchar":
            return .varchar(length: try parseOptionalParameter())
        case "char":
            return .char(length: try parseOptionalParameter())
        case "time":
            let precision = try parseOptionalParameter()
            return .time(precision: precision, withTimeZone: try parseTimeZoneSuffix())
        case "timestamp":
            let precision = try parseOptionalParameter()
            return .timestamp(precision: precision, withTimeZone: try parseTimeZoneSuffix())
        case "array":
            if at(.less) {
                throw unsupported("Hive type syntax 'array<...>' is not supported", at: current, hint: "write ARRAY(type)")
            }
            guard let open = accept(.leftParen) else { throw expected("'(' and an element type") }
            let element = try parseType()
            try expectClose(open)
            return .array(element)
        case "map":
            if at(.less) {
                throw unsupported("Hive type syntax 'map<...>' is not supported", at: current, hint: "write MAP(key, value)")
            }
            guard let open = accept(.leftParen) else { throw expected("'(' and key and value types") }
            let key = try parseType()
            guard accept(.comma) != nil else { throw expected("',' and a value type") }
            let value = try parseType()
            try expectClose(open)
            return .map(key, value)
        case "row":
            throw unsupported("ROW types are not supported", at: token)
        case "interval":
            throw unsupported("INTERVAL types are not supported", at: token)
        default:
            if let type = SQLType.simple(name) { return type }
            throw error("unknown type '\(spelling(token))'", at: token.start, hint: SQLType.suggestion(for: name))
        }
    }
}
