@testable import FlowQuery
import Testing

@Suite struct PrinterTests {
    @Test(arguments: Corpus.statements)
    func statementRoundTrip(_ sql: String) throws {
        try expectRoundTrip(try SQLParser.parseStatement(sql))
    }

    @Test(arguments: Corpus.expressions)
    func expressionRoundTrip(_ sql: String) throws {
        try expectRoundTrip(try expr(sql))
    }

    @Test func demoScriptsRoundTrip() throws {
        for script in [DemoScripts.bootstrap, DemoScripts.workshop] {
            let statements = try SQLParser.parseScript(script)
            // The printed script (one statement per line, ';'-separated) parses back to the same list.
            let printed = statements.map { $0.description + ";" }.joined(separator: "\n")
            #expect(try SQLParser.parseScript(printed, requireSemicolons: true) == statements)
            let pretty = statements.map { $0.prettyPrinted + ";" }.joined(separator: "\n\n")
            #expect(try SQLParser.parseScript(pretty) == statements)
        }
    }

    func canonical(_ sql: String) throws -> String { try SQLParser.parseStatement(sql).description }
    func canonicalExpr(_ sql: String) throws -> String { try expr(sql).description }

    @Test func canonicalQueries() throws {
        #expect(try canonical("select A as X from T where b<>1 and c!=2") == "SELECT a AS x FROM t WHERE b <> 1 AND c <> 2")
        #expect(try canonical("SELECT * FROM t1 a, t2 b") == "SELECT * FROM t1 AS a CROSS JOIN t2 AS b")
        #expect(try canonical("SELECT * FROM a JOIN b ON a.x=b.x LEFT OUTER JOIN c ON TRUE") ==
                "SELECT * FROM a INNER JOIN b ON a.x = b.x LEFT JOIN c ON TRUE")
        #expect(try canonical("SELECT * FROM a JOIN (b JOIN c ON p) ON q") == "SELECT * FROM a INNER JOIN (b INNER JOIN c ON p) ON q")
        #expect(try canonical("SELECT a FROM t ORDER BY a, b DESC NULLS LAST, c NULLS FIRST LIMIT ALL") ==
                "SELECT a FROM t ORDER BY a ASC, b DESC, c ASC NULLS FIRST")
        #expect(try canonical("SELECT ALL count(*), COUNT(distinct A) FROM (select 1)") ==
                "SELECT count(*), count(DISTINCT a) FROM (SELECT 1)")
        #expect(try canonical("SELECT \"foo\", \"Foo\", \"end\", \"a b\", \"q\"\"\" FROM \"t\"") ==
                "SELECT \"foo\", \"Foo\", \"end\", \"a b\", \"q\"\"\" FROM \"t\"")
        #expect(try canonical("SELECT trim(x), \"trim\"(x)") == "SELECT trim(x), \"trim\"(x)")
    }

    @Test func canonicalExpressions() throws {
        let cases: [(String, String)] = [
            ("a+(b*c)", "a + b * c"), ("(a+b)*c", "(a + b) * c"), ("(a-b)-c", "a - b - c"), ("a-(b-c)", "a - (b - c)"),
            ("a or (b and c)", "a OR b AND c"), ("(a or b) and c", "(a OR b) AND c"), ("not (a and b)", "NOT (a AND b)"),
            ("(not a) = b", "(NOT a) = b"), ("not a = b", "NOT a = b"), ("- -x", "-(-x)"), ("-(5)", "-(5)"), ("x - -5", "x - -5"),
            ("(-5)[1]", "(-5)[1]"), ("a = (b = c)", "a = (b = c)"), ("a || (b || c)", "a || (b || c)"),
            ("(a and b) and (c and d)", "a AND b AND c AND d"), ("a or (b or c)", "a OR b OR c"),
            ("'it''s'", "'it''s'"), ("1e3", "1000.0e0"), ("2.5E-2", "0.025e0"), ("1e-7", "1e-07"), (".5", ".5"), ("1.", "1."),
            ("ipaddress '1.2.3.4'", "IPADDRESS '1.2.3.4'"), ("timestamp '2020-07-01'", "TIMESTAMP '2020-07-01'"),
            ("interval -'2' hour to second", "INTERVAL -'2' HOUR TO SECOND"),
            ("cast(a as varchar(10))", "CAST(a AS VARCHAR(10))"), ("try_cast(a as int)", "TRY_CAST(a AS INTEGER)"),
            ("cast(a as double precision)", "CAST(a AS DOUBLE)"), ("cast(a as decimal(10,2))", "CAST(a AS DECIMAL(10, 2))"),
            ("cast(a as timestamp(3) with time zone)", "CAST(a AS TIMESTAMP(3) WITH TIME ZONE)"),
            ("case when a then 1 else 2 end", "CASE WHEN a THEN 1 ELSE 2 END"), ("current_timestamp", "CURRENT_TIMESTAMP"),
            ("a not in (1,2)", "a NOT IN (1, 2)"), ("a is not distinct from b", "a IS NOT DISTINCT FROM b"),
            ("a like 'x' escape '!'", "a LIKE 'x' ESCAPE '!'"), ("not exists (select 1)", "NOT EXISTS (SELECT 1)"),
            ("array_agg(DISTINCT(destinationaddress))", "array_agg(DISTINCT destinationaddress)"),
        ]
        for (input, output) in cases {
            #expect(try canonicalExpr(input) == output, "\(input)")
        }
    }

    @Test func sqlTypeDescriptions() {
        #expect(SQLType.bigint.description == "BIGINT")
        #expect(SQLType.decimal(precision: 10, scale: 2).description == "DECIMAL(10, 2)")
        #expect(SQLType.decimal(precision: nil, scale: 2).description == "DECIMAL")
        #expect(SQLType.timestamp(precision: nil, withTimeZone: true).description == "TIMESTAMP WITH TIME ZONE")
        #expect(SQLType.map(.varchar(length: 3), .array(.ipprefix)).description == "MAP(VARCHAR(3), ARRAY(IPPREFIX))")
    }

    @Test func identifiersAreQuotedWhenNeeded() {
        #expect(Identifier("foo").description == "foo")
        #expect(Identifier("Foo").description == "\"Foo\"")  // would fold to foo unquoted
        #expect(Identifier("end").description == "\"end\"")  // reserved
        #expect(Identifier("limit").description == "limit")  // not reserved
        #expect(Identifier("1x").description == "\"1x\"")
        #expect(Identifier("a\"b").description == "\"a\"\"b\"")
        #expect(Identifier("foo", quoted: true).description == "\"foo\"")  // kept as written
    }

    @Test func prettyPrintedSeedQuery() throws {
        let q = try query(DemoScripts.seedQuery)
        #expect(q.prettyPrinted == """
            SELECT numpackets, sourceaddress, destinationaddress, destinationport
            FROM "irworkshopgluedatabase"."irworkshopgluetablevpcflow"
            WHERE flow_direction = 'egress'
              AND destinationaddress NOT LIKE '192.168.%'
              AND destinationaddress NOT LIKE '10.%'
              AND destinationaddress NOT LIKE '172.%'
            GROUP BY numpackets, sourceaddress, destinationaddress, destinationport
            ORDER BY numpackets DESC
            """)
    }

    @Test func prettyPrintedJoinIndentsTheSubquery() throws {
        let q = try query("""
            SELECT v.a, sum(v.n) AS total FROM vpcflow v INNER JOIN (SELECT a FROM vpcflow WHERE x = 1 AND y = 2
            GROUP BY a ORDER BY count(*) DESC LIMIT 10) AS top ON top.a = v.a WHERE (p OR q) AND r GROUP BY v.a
            """)
        #expect(q.prettyPrinted == """
            SELECT v.a, sum(v.n) AS total
            FROM vpcflow AS v
            INNER JOIN (
              SELECT a
              FROM vpcflow
              WHERE x = 1
                AND y = 2
              GROUP BY a
              ORDER BY count(*) DESC
              LIMIT 10
            ) AS top ON top.a = v.a
            WHERE (p OR q)
              AND r
            GROUP BY v.a
            """)
    }
}
