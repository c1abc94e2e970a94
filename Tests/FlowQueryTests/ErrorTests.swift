@testable import FlowQuery
import Testing

struct ErrorCase: Sendable, CustomTestStringConvertible {
    enum Mode: Sendable { case statement, script, expression }
    var sql: String
    var message: String
    var line: Int
    var column: Int
    var hint: String?
    var mode: Mode = .statement

    init(_ sql: String, _ message: String, _ line: Int, _ column: Int, hint: String? = nil, mode: Mode = .statement) {
        self.sql = sql
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint
        self.mode = mode
    }

    var testDescription: String { sql.count > 50 ? String(sql.prefix(47)) + "..." : sql }
}

@Suite struct ErrorTests {
    static let syntaxErrors: [ErrorCase] = [
        // Missing pieces: the caret goes after the last token when nothing follows on its line.
        ErrorCase("SELECT", "expected a select item (an expression or *) after 'SELECT'", 1, 6),
        ErrorCase("SELECT FROM t", "expected a select item (an expression or *) after 'SELECT', found 'FROM'", 1, 8),
        ErrorCase("SELECT a FROM", "expected a table name or a subquery after 'FROM'", 1, 13),
        ErrorCase("SELECT a AT TIME 'UTC'", "expected ZONE after 'TIME', found string 'UTC'", 1, 18),
        ErrorCase("SELECT a FROM t WHERE", "expected an expression after 'WHERE'", 1, 21),
        ErrorCase("SELECT count(*) FILTER (a > 1) FROM t", "expected WHERE (FILTER (WHERE condition)) after '(', found 'a'", 1, 25),
        ErrorCase("SELECT a FROM t WHERE a AND GROUP BY a", "expected an expression after 'AND', found 'GROUP'", 1, 29),
        ErrorCase("SELECT * FROM t WHERE x = 1 AND\nGROUP BY x", "expected an expression after 'AND', found 'GROUP'", 1, 31),
        ErrorCase("SELECT a FROM t GROUP a", "expected BY after 'GROUP', found 'a'", 1, 23),
        ErrorCase("SELECT a FROM t ORDER BY", "expected an expression after 'BY'", 1, 24),
        ErrorCase("SELECT a FROM t ORDER BY a NULLS", "expected FIRST or LAST after 'NULLS'", 1, 32),
        ErrorCase("SELECT a FROM t LIMIT x", "expected a row count (an integer) or ALL after 'LIMIT', found 'x'", 1, 23),
        ErrorCase("SELECT a FROM t LIMIT -1", "LIMIT must not be negative", 1, 23),
        ErrorCase("SELECT a FROM t LIMIT 99999999999999999999", "LIMIT 99999999999999999999 is out of range", 1, 23),
        ErrorCase("SELECT a AS", "expected a column alias after 'AS'", 1, 11),
        ErrorCase("SELECT a AS 'x'", "expected a column alias after 'AS', found string 'x'", 1, 13,
                  hint: "aliases are names; quote them with double quotes: \"x\""),
        ErrorCase("SELECT a, FROM t", "trailing comma in the select list", 1, 9, hint: "remove the ',' before 'FROM'"),
        ErrorCase("SELECT a,", "trailing comma in the select list", 1, 9, hint: "remove the ',' before the end"),
        ErrorCase("SELECT * AS x FROM t", "'*' cannot have an alias", 1, 10),
        ErrorCase("SELECT t.* AS x FROM t", "'t.*' cannot have an alias", 1, 12),
        ErrorCase("SELECT count(t.*) FROM t", "'t.*' is only allowed as a select item", 1, 16),
        ErrorCase("SELECT * FROM t WHERE *", "'*' is only allowed as a select item or in count(*)", 1, 23),

        // Joins.
        ErrorCase("SELECT a FROM t1 JOIN t2", "expected ON and a join condition after 't2'", 1, 24),
        ErrorCase("SELECT a FROM t1 JOIN t2 WHERE x", "expected ON and a join condition after 't2', found 'WHERE'", 1, 26),
        ErrorCase("SELECT a FROM t1 CROSS t2", "expected JOIN after 'CROSS', found 't2'", 1, 24),
        ErrorCase("SELECT a FROM t1 LEFT t2 ON x", "expected JOIN after 'LEFT', found 't2'", 1, 23),

        // Expressions.
        ErrorCase("SELECT CAST a", "expected '(' after 'CAST', found 'a'", 1, 13),
        ErrorCase("SELECT CAST(a) FROM t", "expected AS and a type after 'a', found ')'", 1, 14),
        ErrorCase("SELECT CAST(a AS) FROM t", "expected a type name after 'AS', found ')'", 1, 17),
        ErrorCase("SELECT CAST(a AS foo)", "unknown type 'foo'", 1, 18),
        ErrorCase("SELECT CAST(a AS string)", "unknown type 'string'", 1, 18, hint: "did you mean VARCHAR?"),
        ErrorCase("SELECT CAST(a AS inet)", "unknown type 'inet'", 1, 18, hint: "did you mean IPADDRESS?"),
        ErrorCase("SELECT CAST(a AS VARCHAR(x))", "expected a number after '(', found 'x'", 1, 26),
        ErrorCase("SELECT CAST(a AS TIMESTAMP WITH ZONE)", "expected TIME after 'WITH', found 'ZONE'", 1, 33),
        ErrorCase("SELECT current_timestamp()", "expected a number after '(', found ')'", 1, 26),
        ErrorCase("SELECT CASE WHEN a THEN 1", "expected WHEN, ELSE or END after '1'", 1, 25,
                  hint: "the CASE at line 1, column 8 is still open"),
        ErrorCase("SELECT CASE WHEN a THEN 1 ELSE 2 FROM t", "expected END after '2', found 'FROM'", 1, 34),
        ErrorCase("SELECT CASE WHEN a 1 END", "expected THEN after 'a', found '1'", 1, 20),
        ErrorCase("SELECT CASE WHEN a THEN END", "expected an expression after 'THEN', found 'END'", 1, 25),
        ErrorCase("SELECT CASE x END", "expected WHEN after 'x', found 'END'", 1, 15),
        ErrorCase("SELECT a BETWEEN 1 OR 2", "expected AND after '1', found 'OR'", 1, 20,
                  hint: "BETWEEN is written 'x BETWEEN low AND high'"),
        ErrorCase("SELECT a IN 1", "expected '(' and a list of values after 'IN', found '1'", 1, 13),
        ErrorCase("SELECT a IN ()", "the IN list is empty", 1, 14, hint: "IN needs at least one value"),
        ErrorCase("SELECT a IN (1 2)", "expected ',' or ')' after '1', found '2'", 1, 16,
                  hint: "the '(' at line 1, column 13 is still open"),
        ErrorCase("SELECT a IS 5", "expected NULL or DISTINCT FROM after 'IS', found '5'", 1, 13),
        ErrorCase("SELECT a IS DISTINCT b", "expected FROM after 'DISTINCT', found 'b'", 1, 22),
        ErrorCase("SELECT a = b = c", "comparisons cannot be chained", 1, 14, hint: "combine them with AND, or add parentheses"),
        ErrorCase("SELECT a < b BETWEEN 1 AND 2", "comparisons cannot be chained", 1, 14),
        ErrorCase("SELECT a IS NULL IS NULL", "comparisons cannot be chained", 1, 18),
        ErrorCase("SELECT x[1", "expected ']' after '1'", 1, 10),
        ErrorCase("SELECT INTERVAL '1' days", "expected an interval unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND) after string '1', found 'days'",
                  1, 21, hint: "use the singular: DAY"),
        ErrorCase("SELECT INTERVAL 1 DAY", "the INTERVAL value must be a quoted string", 1, 17, hint: "write INTERVAL '1' DAY"),
        ErrorCase("SELECT 9223372036854775808", "integer literal 9223372036854775808 is out of range for BIGINT", 1, 8,
                  hint: "write 9223372036854775808.0 for a DECIMAL or 9223372036854775808e0 for a DOUBLE"),
        ErrorCase("SELECT 1e999", "double literal 1e999 is out of range", 1, 8),

        // Reserved words used as names.
        ErrorCase("SELECT start, end FROM vpcflow", "'end' is a reserved word", 1, 15, hint: "write \"end\" to use it as a name"),
        ErrorCase("SELECT t.end FROM t", "'end' is a reserved word", 1, 10),
        ErrorCase("SELECT a AS end FROM t", "'end' is a reserved word", 1, 13, hint: "write \"end\" to use it as a column alias"),
        ErrorCase("SELECT * FROM table", "'table' is a reserved word", 1, 15, hint: "write \"table\" to use it as a table name"),
        ErrorCase("SELECT CASE WHEN end > start THEN 1 END FROM t", "'end' is a reserved word", 1, 18,
                  hint: "write \"end\" to use it as a name"),
        ErrorCase("SELECT a FROM t WHERE end - start > 60", "'end' is a reserved word", 1, 23),

        // Parentheses.
        ErrorCase("SELECT (a + b FROM t", "expected ')' after 'b', found 'FROM'", 1, 15, hint: "the '(' at line 1, column 8 is still open"),
        ErrorCase("SELECT count(a FROM t", "expected ',' or ')' after 'a', found 'FROM'", 1, 16,
                  hint: "the '(' at line 1, column 13 is still open"),
        ErrorCase("SELECT (a + b", "unbalanced parentheses: this '(' is never closed", 1, 8),
        ErrorCase("SELECT *\nFROM (SELECT a\n      FROM t", "unbalanced parentheses: this '(' is never closed", 2, 6),
        ErrorCase("SELECT a) FROM t", "unbalanced parentheses: ')' has no matching '('", 1, 9),
        ErrorCase("SELECT * FROM t WHERE (a = 1))", "unbalanced parentheses: ')' has no matching '('", 1, 30),
        ErrorCase("a)", "unbalanced parentheses: ')' has no matching '('", 1, 2, mode: .expression),

        // Trailing garbage and statement boundaries.
        ErrorCase("SELECT a FROM t WHERE x = 1 garbage", "unexpected 'garbage' after the end of the statement", 1, 29),
        ErrorCase("SELECT a FROM t LIMIT 10 20", "unexpected '20' after the end of the statement", 1, 26),
        ErrorCase("SELECT 1 foo bar", "unexpected 'bar' after the end of the statement", 1, 14, mode: .script),
        ErrorCase("SELECT 1 SELECT 2", "unexpected 'SELECT' after the end of the statement", 1, 10, hint: "separate statements with ';'"),
        ErrorCase("SELECT 1; SELECT 2", "only one statement is allowed here, found a second one", 1, 11),
        ErrorCase("a b", "unexpected 'b' after the end of the expression", 1, 3, mode: .expression),
        ErrorCase("SELECT a FROM t ORDER BY a WHERE b", "WHERE must come before ORDER BY", 1, 28,
                  hint: "clauses go in the order FROM, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT"),
        ErrorCase("SELECT a LIMIT 1 FROM t", "FROM must come before LIMIT", 1, 18),
        ErrorCase("SELECT a FROM t HAVING a > 1 GROUP BY a", "GROUP BY must come before HAVING", 1, 30),
        ErrorCase("SELECT a FROM t WHERE a WHERE b", "duplicate WHERE clause", 1, 25),

        // Empty input and non-queries.
        ErrorCase("", "expected a SELECT statement, found end of input", 1, 1),
        ErrorCase("  -- just a comment", "expected a SELECT statement, found end of input", 1, 20),
        ErrorCase("foo", "expected a SELECT statement, found 'foo'", 1, 1),
        ErrorCase("SELECT 1; foo", "expected a SELECT statement after ';', found 'foo'", 1, 11, mode: .script),
        ErrorCase("", "expected an expression, found end of input", 1, 1, mode: .expression),
        ErrorCase("a AND", "expected an expression after 'AND'", 1, 5, mode: .expression),
        ErrorCase("INSERT INTO t VALUES (1)", "only SELECT queries are supported, not INSERT", 1, 1),
        ErrorCase("show tables", "only SELECT queries are supported, not SHOW", 1, 1),
        ErrorCase("SELECT 1;\nEXPLAIN SELECT 1", "only SELECT queries are supported, not EXPLAIN", 2, 1, mode: .script),

        // Lexer errors surface through the parser entry points.
        ErrorCase("SELECT a FROM t WHERE a = 'x", "unterminated string literal", 1, 27),
        ErrorCase("SELECT a /* x", "unterminated comment", 1, 10),
        ErrorCase("SELECT \"a", "unterminated quoted identifier", 1, 8),
    ]

    static let unsupported: [ErrorCase] = [
        ErrorCase("SELECT count(*) OVER w FROM t", "named windows (OVER name) are not supported", 1, 22, hint: "write the window in parentheses: OVER (PARTITION BY ... ORDER BY ...)"),
        ErrorCase("SELECT sum(a) OVER (ORDER BY b RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t", "window frames (RANGE ...) are not supported", 1, 32, hint: "ROWS frames are; the default frame is the whole partition, or with ORDER BY its rows up to the current one and its peers"),
        ErrorCase("SELECT sum(a) OVER (ORDER BY b ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) FROM t", "Window frame starting from CURRENT ROW cannot end with PRECEDING", 1, 32),
        ErrorCase("SELECT sum(a) OVER (ORDER BY b ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW) FROM t", "Window frame starting from FOLLOWING cannot end with CURRENT ROW", 1, 32),
        ErrorCase("SELECT sum(a) OVER (ORDER BY b ROWS UNBOUNDED FOLLOWING) FROM t", "Window frame start cannot be UNBOUNDED FOLLOWING", 1, 32),
        ErrorCase("SELECT sum(a) OVER (ORDER BY b ROWS BETWEEN 1 PRECEDING AND UNBOUNDED PRECEDING) FROM t", "Window frame end cannot be UNBOUNDED PRECEDING", 1, 32),
        ErrorCase("SELECT sum(a) OVER (ORDER BY b ROWS BETWEEN x PRECEDING AND CURRENT ROW) FROM t", "expected UNBOUNDED, CURRENT ROW or a number of rows after 'BETWEEN', found 'x'", 1, 45),
        ErrorCase("WITH RECURSIVE x AS (SELECT 1) SELECT * FROM x", "WITH RECURSIVE is not supported", 1, 6),
        ErrorCase("SELECT * FROM (WITH RECURSIVE x AS (SELECT 1) SELECT * FROM x)", "WITH RECURSIVE is not supported", 1, 21),
        ErrorCase("SELECT a FROM t ORDER BY a UNION SELECT b FROM u", "ORDER BY and LIMIT go after the last SELECT of a UNION, INTERSECT or EXCEPT (they order and cut the whole result)", 1, 28, hint: "put a SELECT in parentheses to order or cut it alone"),
        ErrorCase("SELECT a FROM t UNION SELECT b FROM u LIMIT 3 INTERSECT SELECT c FROM v", "ORDER BY and LIMIT go after the last SELECT of a UNION, INTERSECT or EXCEPT (they order and cut the whole result)", 1, 47, hint: "put a SELECT in parentheses to order or cut it alone"),
        ErrorCase("(SELECT a FROM t) LIMIT 3 EXCEPT SELECT b FROM u", "ORDER BY and LIMIT go after the last SELECT of a UNION, INTERSECT or EXCEPT (they order and cut the whole result)", 1, 27, hint: "put a SELECT in parentheses to order or cut it alone"),
        ErrorCase("SELECT a FROM t EXCEPT (a)", "expected SELECT after 'EXCEPT', found '('", 1, 24),
        ErrorCase("SELECT a FROM t INTERSECT ALL", "expected SELECT after 'ALL'", 1, 29),
        ErrorCase("SELECT a FROM t ORDER BY a OFFSET 5", "OFFSET is not supported", 1, 28),
        ErrorCase("SELECT a FROM t FETCH FIRST 5 ROWS ONLY", "FETCH FIRST is not supported", 1, 17, hint: "use LIMIT n"),
        ErrorCase("SELECT a FROM t WINDOW w AS (PARTITION BY a)", "WINDOW clauses are not supported", 1, 17),
        ErrorCase("SELECT a FROM t GROUP BY ROLLUP (a)", "GROUP BY ROLLUP is not supported", 1, 26),
        ErrorCase("SELECT a FROM t GROUP BY CUBE (a)", "GROUP BY CUBE is not supported", 1, 26),
        ErrorCase("SELECT a FROM t GROUP BY GROUPING SETS ((a))", "GROUP BY GROUPING SETS is not supported", 1, 26),
        ErrorCase("SELECT a FROM t GROUP BY ALL", "GROUP BY ALL is not supported", 1, 26, hint: "list the grouping columns"),
        ErrorCase("SELECT count(*) FROM t GROUP BY ()", "empty grouping sets '()' are not supported", 1, 33),
        ErrorCase("SELECT array_agg(a ORDER BY b) FROM t", "ORDER BY inside a function call is not supported", 1, 20),
        ErrorCase("SELECT first_value(a) IGNORE NULLS OVER () FROM t", "IGNORE NULLS is not supported", 1, 23),
        ErrorCase("SELECT * FROM a NATURAL JOIN b", "NATURAL joins are not supported", 1, 17, hint: "use JOIN ... ON"),
        ErrorCase("SELECT * FROM a JOIN b USING (id)", "JOIN ... USING is not supported", 1, 24),
        ErrorCase("SELECT * FROM UNNEST(x)", "UNNEST is not supported", 1, 15),
        ErrorCase("SELECT * FROM VALUES (1)", "VALUES is not supported", 1, 15),
        ErrorCase("SELECT * FROM t TABLESAMPLE BERNOULLI (10)", "TABLESAMPLE is not supported", 1, 17),
        ErrorCase("SELECT * FROM t FOR VERSION AS OF 3", "time travel (FOR ... AS OF) is not supported", 1, 17),
        ErrorCase("SELECT * FROM f(1)", "table functions are not supported", 1, 15),
        ErrorCase("SELECT * FROM t AS x (a, b)", "column alias lists are not supported", 1, 22),
        ErrorCase("SELECT * FROM (a JOIN b ON a.x = b.x) j", "an alias on a parenthesized join is not supported", 1, 39),
        ErrorCase("SELECT a = ANY (SELECT b FROM t)", "quantified comparisons (= ANY (...)) are not supported", 1, 12,
                  hint: "use IN (SELECT ...) or EXISTS"),
        ErrorCase("SELECT a::int", "'::' casts are not supported", 1, 9, hint: "use CAST(x AS type)"),
        ErrorCase("SELECT transform(a, x -> x + 1)", "lambda expressions ('->') are not supported", 1, 23),
        ErrorCase("SELECT f(x).y", "field access ('.name') on an expression is not supported", 1, 12),
        ErrorCase("SELECT (a, b)", "row constructors '(a, b, ...)' are not supported", 1, 10),
        ErrorCase("SELECT EXTRACT(CENTURY FROM ts)", "expected a field to extract (YEAR, QUARTER, MONTH, WEEK, DAY, DAY_OF_MONTH, DAY_OF_WEEK, DOW, DAY_OF_YEAR, DOY, YEAR_OF_WEEK, YOW, HOUR, MINUTE, SECOND) after '(', found 'CENTURY'", 1, 16),
        ErrorCase("SELECT ARRAY[1, 2]", "ARRAY[...] constructors are not supported", 1, 8),
        ErrorCase("SELECT a IS TRUE", "IS TRUE is not supported", 1, 13, hint: "compare with = TRUE instead"),
        ErrorCase("SELECT db.f(x)", "qualified function names are not supported", 1, 11),
        ErrorCase("SELECT CAST(a AS ROW(x INT))", "ROW types are not supported", 1, 18),
        ErrorCase("SELECT CAST(a AS array<int>)", "Hive type syntax 'array<...>' is not supported", 1, 23, hint: "write ARRAY(type)"),
        ErrorCase("SELECT listagg(a, ',') WITHIN GROUP (ORDER BY a)", "LISTAGG is not supported", 1, 8),
    ]

    func run(_ c: ErrorCase) -> SQLError? {
        switch c.mode {
        case .statement: return statementError(c.sql)
        case .script: return scriptError(c.sql)
        case .expression: return expressionError(c.sql)
        }
    }

    @Test(arguments: syntaxErrors)
    func syntaxError(_ c: ErrorCase) {
        expectError(run(c), c.message, line: c.line, column: c.column, hint: c.hint)
    }

    @Test(arguments: unsupported)
    func unsupportedConstruct(_ c: ErrorCase) {
        expectError(run(c), c.message, line: c.line, column: c.column, hint: c.hint)
    }

    @Test func everyErrorCarriesItsSourceLine() {
        for c in Self.syntaxErrors + Self.unsupported {
            guard let error = run(c) else { continue }
            let lines = c.sql.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(error.sourceLine == String(lines[error.line - 1]), "\(c.sql)")
        }
    }

    @Test func nestingLimit() {
        let deep = String(repeating: "(", count: 201) + "1" + String(repeating: ")", count: 201)
        let error = expressionError(deep)
        #expect(error?.message == "the query is nested too deeply (more than 200 levels)")
        let fine = String(repeating: "(", count: 150) + "1" + String(repeating: ")", count: 150)
        #expect((try? SQLParser.parseExpression(fine)) == int(1))
        let chain = (0..<300).map { "a\($0)" }.joined(separator: " + ")
        #expect(expressionError(chain)?.message == "the query is nested too deeply (more than 200 levels)")
        // AND/OR chains are flat and have no such limit.
        let ors = (0..<5000).map { "dstport = \($0)" }.joined(separator: " OR ")
        #expect((try? SQLParser.parseExpression(ors))?.disjuncts.count == 5000)
    }
}

@Suite struct ErrorRenderingTests {
    @Test func theBriefsExample() {
        let text = """
            SELECT numpackets FROM t WHERE flow_direction = 'egress' AND
            destinationaddress NOT LIKE '192.168.%' AND
            destinationaddress NOT LIKE '10.%' AND

            """
        let error = statementError(text)
        let expected = "error: expected an expression after 'AND' at line 3, column 38\n"
            + "  destinationaddress NOT LIKE '10.%' AND\n"
            + "  " + String(repeating: " ", count: 37) + "^"
        #expect(error?.description == expected)
        #expect(error?.sourceLine == "destinationaddress NOT LIKE '10.%' AND")
    }

    @Test func foundTokenOnTheSameLine() {
        let error = statementError("SELECT a FROM t\nWHERE a > 1 AND GROUP BY a")
        #expect(error?.description == """
            error: expected an expression after 'AND', found 'GROUP' at line 2, column 17
              WHERE a > 1 AND GROUP BY a
                              ^
            """)
    }

    @Test func hintsFollowThePosition() {
        let error = statementError("SELECT start,\n       end\nFROM vpcflow")
        #expect(error?.description == """
            error: 'end' is a reserved word at line 2, column 8; write "end" to use it as a name
                     end
                     ^
            """)
        #expect(error?.summary == "'end' is a reserved word at line 2, column 8; write \"end\" to use it as a name")
    }

    @Test func tabsAreKeptSoTheCaretLinesUp() {
        let error = statementError("SELECT a\n\tFROM t\n\tWHERE\tx ==\t1")
        #expect(error?.description == "error: '==' is not a SQL operator at line 3, column 10; use '=' to compare\n  \tWHERE\tx ==\t1\n  \t     \t  ^")
    }

    @Test func nonASCIITextBeforeTheCaret() {
        let error = statementError("SELECT 'ééé' +")
        #expect(error?.description == "error: expected an expression after '+' at line 1, column 14\n  SELECT 'ééé' +\n               ^")
    }

    @Test func errorsForLaterPhasesFromASourcePosition() {
        let source = "SELECT\n       sourceadress FROM vpcflow"
        let error = SQLError("unknown column 'sourceadress'", at: SourcePosition(line: 2, column: 8),
                             hint: "did you mean sourceaddress?", source: source)
        #expect(error.description == """
            error: unknown column 'sourceadress' at line 2, column 8; did you mean sourceaddress?
                     sourceadress FROM vpcflow
                     ^
            """)
        #expect(error.position == SourcePosition(line: 2, column: 8))
    }

    @Test func withoutSourceTextOnlyTheSummaryIsShown() {
        let error = SQLError("boom", line: 4, column: 2)
        #expect(error.description == "error: boom at line 4, column 2")
        #expect(SQLError("x", at: SourcePosition(line: 9, column: 1), source: "one line").sourceLine == nil)
    }

    @Test func caretPastTheEndOfTheLine() {
        let error = SQLError("missing", line: 1, column: 5, sourceLine: "ab")
        #expect(error.description == "error: missing at line 1, column 5\n  ab\n      ^")
    }

    /// A long line (a generated query on one line) is shown as the stretch around the error,
    /// cut ends marked, the caret still under the offending character.
    @Test func aLongLineIsShownAroundTheColumn() throws {
        let width = SQLError.excerptWidth
        let line = String(repeating: "a", count: 5000) + "X" + String(repeating: "b", count: 5000)
        func shown(_ column: Int) throws -> (text: Substring, caret: Int) {
            let lines = SQLError("bad", line: 1, column: column, sourceLine: line).description.split(separator: "\n")
            #expect(lines.count == 3)
            let text = lines[1].dropFirst(2), caret = lines[2].dropFirst(2)
            #expect(caret.last == "^")
            return (text, caret.count)
        }
        // In the middle: both ends cut, the caret on the X.
        let middle = try shown(5001)
        #expect(middle.text.hasPrefix("...") && middle.text.hasSuffix("..."))
        #expect(middle.text.count == width + 6)
        #expect(Array(middle.text)[middle.caret - 1] == "X")
        // Near the start: only the end is cut.
        let start = try shown(3)
        #expect(!start.text.hasPrefix("...") && start.text.hasSuffix("..."))
        #expect(start.caret == 3 && start.text.count == width + 3)
        // Past the end: only the start is cut; the caret one past the last character.
        let end = try shown(10_002)
        #expect(end.text.hasPrefix("...") && !end.text.hasSuffix("..."))
        #expect(end.caret == end.text.count + 1)
        // A line of the width exactly is shown whole.
        let whole = String(repeating: "c", count: width)
        #expect(SQLError("bad", line: 1, column: 7, sourceLine: whole).description.contains("\n  " + whole + "\n"))
    }
}
