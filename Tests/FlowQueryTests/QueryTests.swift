import FlowSupport
@testable import FlowQuery
import Testing

@Suite struct SelectListTests {
    @Test func selectWithoutFrom() throws {
        #expect(try query("SELECT 1") == Query(selectItems: [item(int(1))]))
        #expect(try query("SELECT 1 + 2 AS three") == Query(selectItems: [item(bin(.add, int(1), int(2)), as: "three")]))
    }

    @Test func distinctAndAll() throws {
        #expect(try query("SELECT DISTINCT a FROM t").distinct)
        #expect(try query("SELECT ALL a FROM t") == query("SELECT a FROM t"))
        #expect(try query("select distinct a, b from t").selectItems == [item(col("a")), item(col("b"))])
    }

    @Test func aliases() throws {
        let q = try query(#"SELECT a AS x, b y, c AS "Mixed Case", d "q", sum(e) total FROM t"#)
        #expect(q.selectItems == [
            item(col("a"), as: "x"), item(col("b"), as: "y"),
            SelectItem(.expression(col("c"), alias: Identifier("Mixed Case", quoted: true))),
            item(col("d"), as: "q"), item(call("sum", col("e")), as: "total"),
        ])
        // A non-reserved keyword can be an alias, with or without AS.
        #expect(try query("SELECT a AS first, b last FROM t").selectItems == [item(col("a"), as: "first"), item(col("b"), as: "last")])
        // But an implicit alias never swallows LIMIT.
        #expect(try query("SELECT 1 LIMIT 5").limit == 5)
    }

    @Test func wildcards() throws {
        #expect(try query("SELECT * FROM t").selectItems == [star])
        #expect(try query("SELECT *, a FROM t").selectItems == [star, item(col("a"))])
        let q = try query(#"SELECT t.*, "db"."t".*, a FROM t"#)
        #expect(q.selectItems == [
            SelectItem(.qualifiedWildcard(QualifiedName("t"))),
            SelectItem(.qualifiedWildcard(QualifiedName("db", "t"))),
            item(col("a")),
        ])
        #expect(q.selectItems[1].position == SourcePosition(line: 1, column: 13))
    }
}

@Suite struct ClauseTests {
    @Test func allClauses() throws {
        let q = try query("""
            SELECT srcaddr, count(*) AS flows
            FROM vpcflow
            WHERE action = 'REJECT'
            GROUP BY srcaddr
            HAVING count(*) > 100
            ORDER BY flows DESC, srcaddr
            LIMIT 20
            """)
        #expect(q == Query(
            selectItems: [item(col("srcaddr")), item(countStar(), as: "flows")],
            from: table("vpcflow"),
            whereClause: eq(col("action"), str("REJECT")),
            groupBy: [col("srcaddr")],
            having: bin(.greater, countStar(), int(100)),
            orderBy: [OrderItem(col("flows"), ascending: false), OrderItem(col("srcaddr"))],
            limit: 20))
    }

    @Test func groupByOrdinalsAndExpressions() throws {
        let q = try query("SELECT date_trunc('hour', from_unixtime(start)), count(*) FROM t GROUP BY 1, date_trunc('hour', from_unixtime(start))")
        #expect(q.groupBy == [int(1), call("date_trunc", str("hour"), call("from_unixtime", col("start")))])
        // The GROUP BY expression equals the select expression (positions are ignored).
        guard case .expression(let first, _) = q.selectItems[0].kind else { return }
        #expect(q.groupBy[1] == first)
    }

    @Test func orderByOptions() throws {
        let q = try query("SELECT a FROM t ORDER BY a, b ASC, c DESC, d NULLS FIRST, e DESC NULLS LAST, 1")
        #expect(q.orderBy == [
            OrderItem(col("a")), OrderItem(col("b")), OrderItem(col("c"), ascending: false),
            OrderItem(col("d"), nullsFirst: true), OrderItem(col("e"), ascending: false), OrderItem(int(1)),
        ])
    }

    @Test func limits() throws {
        #expect(try query("SELECT a FROM t LIMIT 0").limit == 0)
        #expect(try query("SELECT a FROM t LIMIT 9223372036854775807").limit == Int64.max)
        #expect(try query("SELECT a FROM t LIMIT ALL").limit == nil)
    }

    @Test func keywordsAreCaseInsensitive() throws {
        let upper = try query("SELECT A FROM T WHERE B IS NOT NULL ORDER BY A DESC LIMIT 1")
        let mixed = try query("SeLeCt a fRoM t wHeRe b iS nOt NuLl OrDeR bY a DeSc LiMiT 1")
        #expect(upper == mixed)
        #expect(upper.description == "SELECT a FROM t WHERE b IS NOT NULL ORDER BY a DESC LIMIT 1")
    }

    @Test func commentsEverywhere() throws {
        let plain = try query("SELECT a, count(*) AS n FROM t WHERE x IN (1, 2) GROUP BY a ORDER BY n DESC LIMIT 3")
        let commented = try query("""
            /* header */ SELECT -- after select
            a /* after a */ , /* before count */ count /* before ( */ ( /* in */ * /* after * */ ) /**/ AS -- before alias
            n
            FROM /* table */ t -- after table
            WHERE x /* before IN */ IN /* list */ ( 1 /* one */ , -- next
             2 ) GROUP /* between GROUP and BY */ BY a ORDER BY n /* dir */ DESC LIMIT /* n */ 3 -- trailing
            /* trailing block */
            """)
        #expect(commented == plain)
    }

    @Test func queryPositions() throws {
        let q = try query("\n  SELECT a\n  FROM t")
        #expect(q.position == SourcePosition(line: 2, column: 3))
        #expect(q.selectItems[0].position == SourcePosition(line: 2, column: 10))
        #expect(q.from?.position == SourcePosition(line: 3, column: 8))
        #expect(Statement.query(q).position == q.position)
    }
}

@Suite struct RelationTests {
    @Test func tablesAndAliases() throws {
        #expect(try query("SELECT * FROM vpcflow").from == table("vpcflow"))
        #expect(try query("SELECT * FROM VpcFlow v").from == table("vpcflow", alias: "v"))
        #expect(try query("SELECT * FROM vpcflow AS v").from == table("vpcflow", alias: "v"))
        #expect(try query("SELECT * FROM db.vpcflow").from == table("db", "vpcflow"))
        #expect(try query(#"SELECT * FROM "Db"."Table" AS "T""#).from ==
                Relation(.table(QualifiedName([Identifier("Db", quoted: true), Identifier("Table", quoted: true)]),
                                alias: Identifier("T", quoted: true))))
        #expect(try query("SELECT * FROM t LIMIT 3").from == table("t"))  // LIMIT is not an alias
        #expect(try query("SELECT * FROM t limit 3").limit == 3)
        #expect(table("t", alias: "x").alias == Identifier("x"))
    }

    @Test func subqueries() throws {
        let inner = Query(selectItems: [item(col("a"))], from: table("t"))
        #expect(try query("SELECT * FROM (SELECT a FROM t) AS s").from == Relation(.subquery(inner, alias: Identifier("s"))))
        #expect(try query("SELECT * FROM (SELECT a FROM t) s").from == Relation(.subquery(inner, alias: Identifier("s"))))
        #expect(try query("SELECT * FROM (SELECT a FROM t)").from == Relation(.subquery(inner, alias: nil)))
        #expect(try query("SELECT * FROM ((SELECT a FROM t)) x").from == Relation(.subquery(inner, alias: Identifier("x"))))
        #expect(try query("SELECT * FROM ((SELECT a FROM t))").from == Relation(.subquery(inner, alias: nil)))
        #expect(try query("SELECT * FROM (t) AS x").from == table("t", alias: "x"))
    }

    func join(_ type: JoinType, _ l: Relation, _ r: Relation, _ on: Expr?) -> Relation {
        Relation(.join(type, left: l, right: r, on: on))
    }

    @Test func joinKinds() throws {
        let on = eq(col("a", "id"), col("b", "id"))
        let a = table("t1", alias: "a"), b = table("t2", alias: "b")
        for (text, type) in [("JOIN", JoinType.inner), ("INNER JOIN", .inner), ("LEFT JOIN", .left), ("LEFT OUTER JOIN", .left),
                             ("RIGHT JOIN", .right), ("right outer join", .right), ("FULL JOIN", .full), ("FULL OUTER JOIN", .full)] {
            #expect(try query("SELECT * FROM t1 a \(text) t2 b ON a.id = b.id").from == join(type, a, b, on), "\(text)")
        }
        #expect(try query("SELECT * FROM t1 a CROSS JOIN t2 b").from == join(.cross, a, b, nil))
        #expect(try query("SELECT * FROM t1 a, t2 b").from == join(.cross, a, b, nil))
    }

    @Test func joinChainsAreLeftAssociative() throws {
        let q = try query("SELECT * FROM a JOIN b ON a.x = b.x LEFT JOIN c ON b.y = c.y, d")
        let ab = join(.inner, table("a"), table("b"), eq(col("a", "x"), col("b", "x")))
        let abc = join(.left, ab, table("c"), eq(col("b", "y"), col("c", "y")))
        #expect(q.from == join(.cross, abc, table("d"), nil))
        // Parentheses group a join on the right.
        let r = try query("SELECT * FROM a JOIN (b JOIN c ON b.y = c.y) ON a.x = b.x")
        #expect(r.from == join(.inner, table("a"), join(.inner, table("b"), table("c"), eq(col("b", "y"), col("c", "y"))),
                               eq(col("a", "x"), col("b", "x"))))
    }

    @Test func joinPositions() throws {
        let q = try query("SELECT * FROM a\n  LEFT OUTER JOIN b ON a.x = b.x")
        #expect(q.from?.position == SourcePosition(line: 2, column: 3))
    }
}

@Suite struct SetOperationTests {
    /// The operators and the SELECT after each, at the top of `q`.
    func ops(_ q: Query) -> [String] {
        q.setOperations.map { "\($0.kind.rawValue)\($0.all ? " ALL" : "") \($0.query.firstSelect.description)" }
    }

    @Test func intersectBindsTighterThanUnionAndExcept() throws {
        let q = try query("SELECT a FROM t UNION SELECT b FROM u INTERSECT ALL SELECT c FROM v EXCEPT SELECT d FROM w ORDER BY 1 LIMIT 2")
        #expect(q.firstSelect.description == "SELECT a FROM t")
        #expect(ops(q) == ["UNION SELECT b FROM u", "EXCEPT SELECT d FROM w"])
        #expect(ops(q.setOperations[0].query) == ["INTERSECT ALL SELECT c FROM v"])
        // The last SELECT's ORDER BY and LIMIT are the whole query's.
        #expect(q.orderBy.count == 1 && q.limit == 2)
        #expect(q.setOperations[1].query.orderBy.isEmpty && q.setOperations[1].query.limit == nil)
        // An INTERSECT chain at the start stays in the first operand's list, applied first.
        let r = try query("SELECT a FROM t INTERSECT SELECT b FROM u EXCEPT DISTINCT SELECT c FROM v")
        #expect(ops(r) == ["INTERSECT SELECT b FROM u", "EXCEPT SELECT c FROM v"])
    }

    @Test func parenthesizedOperandsKeepTheirOrderAndLimit() throws {
        let q = try query("(SELECT a FROM t ORDER BY a DESC LIMIT 3) UNION ALL (SELECT b FROM u LIMIT 1) ORDER BY 1")
        guard case .subquery(let first, nil)? = q.from?.kind, case .subquery(let second, nil)? = q.setOperations.first?.query.from?.kind else {
            Issue.record("operands in parentheses are subqueries: \(q)")
            return
        }
        #expect(first.limit == 3 && first.orderBy.count == 1 && second.limit == 1)
        #expect(q.orderBy.count == 1 && q.limit == nil)
    }

    @Test func multisetSemantics() {
        let l: [[Value]] = [[.int(1)], [.int(1)], [.int(1)], [.int(2)], [.null], [.null]]
        let r: [[Value]] = [[.int(1)], [.int(3)], [.null], [.int(1)]]
        #expect(SetOperations.apply(.intersect, all: true, l, r) == [[.int(1)], [.int(1)], [.null]])
        #expect(SetOperations.apply(.intersect, all: false, l, r) == [[.int(1)], [.null]])
        #expect(SetOperations.apply(.except, all: true, l, r) == [[.int(1)], [.int(2)], [.null]])
        #expect(SetOperations.apply(.except, all: false, l, r) == [[.int(2)]])
        #expect(SetOperations.apply(.union, all: false, l, r) == [[.int(1)], [.int(2)], [.null], [.int(3)]])
        #expect(SetOperations.apply(.union, all: true, l, r).count == 10)
    }

    @Test func bigintMeetsDoubleAsOneValue() throws {
        let archive = try TestArchive.make([])
        let r = try TestArchive.run("SELECT 1 INTERSECT SELECT 1.0 UNION ALL SELECT 2 EXCEPT SELECT 2.0", archive)
        #expect(r.rows == [[.double(1)]])
        let e = try TestArchive.run("SELECT 7 EXCEPT ALL SELECT 7.5", archive)
        #expect(e.rows == [[.double(7)]])
    }
}

@Suite struct ScriptTests {
    @Test func semicolonSeparatedStatements() throws {
        let s = try SQLParser.parseScript("SELECT 1; SELECT 2;\n\nSELECT 3")
        #expect(s.map(\.description) == ["SELECT 1", "SELECT 2", "SELECT 3"])
        #expect(s.map(\.position) == [SourcePosition(line: 1, column: 1), SourcePosition(line: 1, column: 11),
                                      SourcePosition(line: 3, column: 1)])
    }

    @Test func emptyStatementsAndComments() throws {
        #expect(try SQLParser.parseScript("").isEmpty)
        #expect(try SQLParser.parseScript("  -- nothing\n/* at all */ ;; ;").isEmpty)
        #expect(try SQLParser.parseScript(";;SELECT 1;;;SELECT 2;;").count == 2)
    }

    @Test func selectStartsANewStatement() throws {
        let text = """
            SELECT a FROM t
            ORDER BY a DESC

            -- next query, no semicolon
            SELECT b FROM u WHERE b IN ('x', 'y')
            SELECT c FROM (SELECT c FROM v) w;
            SELECT d
            """
        let s = try SQLParser.parseScript(text)
        #expect(s.map(\.description) == [
            "SELECT a FROM t ORDER BY a DESC",
            "SELECT b FROM u WHERE b IN ('x', 'y')",
            "SELECT c FROM (SELECT c FROM v) AS w",
            "SELECT d",
        ])
        #expect(s.map(\.position.line) == [1, 5, 6, 7])
    }

    @Test func requireSemicolonsMode() throws {
        #expect(try SQLParser.parseScript("SELECT 1; SELECT 2", requireSemicolons: true).count == 2)
        let error = sqlError({ () throws(SQLError) in _ = try SQLParser.parseScript("SELECT 1\nSELECT 2", requireSemicolons: true) })
        expectError(error, "unexpected 'SELECT' after the end of the statement", line: 2, column: 1, hint: "separate statements with ';'")
    }

    @Test func parseStatementAllowsTrailingSemicolons() throws {
        #expect(try SQLParser.parseStatement("SELECT 1;").description == "SELECT 1")
        #expect(try SQLParser.parseStatement("SELECT 1 ; ; -- done").description == "SELECT 1")
    }
}

/// The mask scans of a block scan: whether any row passed, and how many.
@Suite struct MaskScanTests {
    @Test func countsAndAnyMatchANaiveScan() {
        var rng = SplitMix64(seed: 91)
        for rows in [0, 1, 7, 8, 9, 255, 256, 257, 2039, 2040, 2041, 2048, 4096, 65_536] {
            for density in [0.0, 0.001, 0.5, 1.0] {
                let mask = (0..<rows + 9).map { i -> UInt8 in i < rows && Double(rng.next() % 10_000) / 10_000 < density ? 1 : 0 }
                let want = mask.prefix(rows).reduce(0) { $0 + Int($1) }
                #expect(SharedScan.countSet(mask, rows) == want, "rows \(rows) density \(density)")
                #expect(SharedScan.anySet(mask, rows) == (want > 0))
            }
            // A single passing row anywhere (the scan stops early only on a 1).
            for at in Set([0, rows / 2, rows - 1]) where at >= 0 && rows > 0 {
                var mask = [UInt8](repeating: 0, count: rows + 3)
                mask[at] = 1
                #expect(SharedScan.anySet(mask, rows) && SharedScan.countSet(mask, rows) == 1)
            }
        }
        // Bytes past `rows` are not counted.
        #expect(SharedScan.countSet([1, 1, 1, 1], 2) == 2 && !SharedScan.anySet([0, 0, 1], 2))
    }
}

extension MaskScanTests {
    /// The count of a one-range filter over a decoded page, with NULL rows (which hold 0).
    @Test func rangeCountsMatchANaiveCount() {
        var rng = SplitMix64(seed: 17)
        for rows in [0, 1, 7, 8, 9, 63, 1000, 8192] {
            for (lo, hi) in [(UInt64(0), UInt64(10)), (5, 5), (0, UInt64.max), (100, 200), (UInt64.max - 3, UInt64.max)] {
                let values = (0..<rows).map { _ in rng.next() % 4 == 0 ? lo &+ rng.next() % 3 : rng.next() % 300 }
                let nulls: [UInt8]? = rows % 2 == 0 ? nil : (0..<rows).map { _ in rng.next() % 5 == 0 ? 1 : 0 }
                let stored = values.enumerated().map { nulls?[$0.offset] == 1 ? 0 : $0.element }  // NULL rows hold 0
                let want = stored.indices.filter { nulls?[$0] != 1 && stored[$0] >= lo && stored[$0] <= hi }.count
                let got = stored.withUnsafeBufferPointer {
                    SharedScan.countInRange($0.baseAddress ?? UnsafePointer(bitPattern: 8)!, rows, lo: lo, span: hi &- lo, nulls: nulls)
                }
                #expect(got == want, "rows \(rows) range \(lo)...\(hi)")
            }
        }
    }
}
