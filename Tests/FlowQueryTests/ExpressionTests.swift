@testable import FlowQuery
import Testing

@Suite struct LiteralTests {
    @Test func numbers() throws {
        #expect(try expr("443") == int(443))
        #expect(try expr("-30") == int(-30))  // the sign is folded into the literal
        #expect(try expr("- 30") == int(-30))
        #expect(try expr("-9223372036854775808") == int(Int64.min))
        #expect(try expr("9223372036854775807") == int(Int64.max))
        #expect(try expr("1.50") == dec("1.50"))
        #expect(try expr("-0.5") == dec("-0.5"))
        #expect(try expr(".5") == dec(".5"))
        #expect(try expr("1e3") == dbl(1000))
        #expect(try expr("-2.5E-2") == dbl(-0.025))
        // -x on a non-literal stays an operator.
        #expect(try expr("-numbytes") == neg(col("numbytes")))
        #expect(try expr("-(30)") == neg(int(30)))
    }

    @Test func stringsBooleansNull() throws {
        #expect(try expr("'egress'") == str("egress"))
        #expect(try expr("'it''s'") == str("it's"))
        #expect(try expr("''") == str(""))
        #expect(try expr("TRUE") == bool(true))
        #expect(try expr("false") == bool(false))
        #expect(try expr("Null") == null)
    }

    @Test func typedLiterals() throws {
        #expect(try expr("IPADDRESS '10.0.0.0'") == typed(.ipaddress, "10.0.0.0"))
        #expect(try expr("ipaddress '2001:db8::1'") == typed(.ipaddress, "2001:db8::1"))
        #expect(try expr("IPPREFIX '10.0.0.0/8'") == typed(.ipprefix, "10.0.0.0/8"))
        #expect(try expr("TIMESTAMP '2020-07-01 00:00:00'") == typed(.timestamp(precision: nil, withTimeZone: false), "2020-07-01 00:00:00"))
        #expect(try expr("DATE '2020-07-01'") == typed(.date, "2020-07-01"))
        #expect(try expr("DECIMAL '1.5'") == typed(.decimal(precision: nil, scale: nil), "1.5"))
        #expect(try expr("BIGINT '5'") == typed(.bigint, "5"))
        #expect(try expr("varchar 'x'") == typed(.varchar(length: nil), "x"))
        // The same words are ordinary names when no string follows.
        #expect(try expr("date") == col("date"))
        #expect(try expr("timestamp = 1") == eq(col("timestamp"), int(1)))
        #expect(try expr("date(x)") == call("date", col("x")))
    }

    @Test func intervals() throws {
        #expect(try expr("INTERVAL '1' DAY") == Expr(.literal(.interval(IntervalLiteral("1", from: .day)))))
        #expect(try expr("interval '30' minute") == Expr(.literal(.interval(IntervalLiteral("30", from: .minute)))))
        #expect(try expr("INTERVAL -'2' HOUR") == Expr(.literal(.interval(IntervalLiteral("2", negative: true, from: .hour)))))
        #expect(try expr("INTERVAL '1-2' YEAR TO MONTH") == Expr(.literal(.interval(IntervalLiteral("1-2", from: .year, to: .month)))))
        #expect(try expr("now() - INTERVAL '7' DAY") == bin(.subtract, call("now"), Expr(.literal(.interval(IntervalLiteral("7", from: .day))))))
        #expect(try expr("interval") == col("interval"))  // a name without a quoted value
    }
}

@Suite struct PrecedenceTests {
    @Test func andBindsTighterThanOr() throws {
        #expect(try expr("a OR b AND c") == or(col("a"), and(col("b"), col("c"))))
        #expect(try expr("a AND b OR c") == or(and(col("a"), col("b")), col("c")))
        #expect(try expr("(a OR b) AND c") == and(or(col("a"), col("b")), col("c")))
    }

    @Test func notBindsLooserThanComparison() throws {
        #expect(try expr("NOT a = b") == not(eq(col("a"), col("b"))))
        #expect(try expr("NOT a AND b") == and(not(col("a")), col("b")))
        #expect(try expr("NOT NOT a") == not(not(col("a"))))
        #expect(try expr("a AND NOT b OR c") == or(and(col("a"), not(col("b"))), col("c")))
        #expect(try expr("NOT a IS NULL") == not(Expr(.isNull(col("a"), negated: false))))
    }

    @Test func unaryMinusBindsTighterThanMultiplication() throws {
        #expect(try expr("-x * y") == bin(.multiply, neg(col("x")), col("y")))
        #expect(try expr("-x[1]") == neg(Expr(.subscripted(col("x"), index: int(1)))))
        #expect(try expr("- -x") == neg(neg(col("x"))))
        #expect(try expr("x - -5") == bin(.subtract, col("x"), int(-5)))
        #expect(try expr("x-5") == bin(.subtract, col("x"), int(5)))
        #expect(try expr("+x") == Expr(.unary(.plus, col("x"))))
    }

    @Test func betweenBoundsAreValues() throws {
        let between = Expr(.between(col("a"), low: int(1), high: int(2), negated: false))
        #expect(try expr("a BETWEEN 1 AND 2 AND c") == and(between, col("c")))
        #expect(try expr("c AND a BETWEEN 1 AND 2") == and(col("c"), between))
        #expect(try expr("a NOT BETWEEN 1 AND 2") == Expr(.between(col("a"), low: int(1), high: int(2), negated: true)))
        #expect(try expr("a BETWEEN b + 1 AND c * 2") ==
                Expr(.between(col("a"), low: bin(.add, col("b"), int(1)), high: bin(.multiply, col("c"), int(2)), negated: false)))
    }

    @Test func arithmeticLevels() throws {
        #expect(try expr("a + b * c") == bin(.add, col("a"), bin(.multiply, col("b"), col("c"))))
        #expect(try expr("(a + b) * c") == bin(.multiply, bin(.add, col("a"), col("b")), col("c")))
        #expect(try expr("a - b - c") == bin(.subtract, bin(.subtract, col("a"), col("b")), col("c")))
        #expect(try expr("a / b % c") == bin(.modulo, bin(.divide, col("a"), col("b")), col("c")))
        #expect(try expr("a || b + c") == bin(.concat, col("a"), bin(.add, col("b"), col("c"))))
        #expect(try expr("a = b || c") == eq(col("a"), bin(.concat, col("b"), col("c"))))
        #expect(try expr("a + 1 > b * 2") == bin(.greater, bin(.add, col("a"), int(1)), bin(.multiply, col("b"), int(2))))
    }

    @Test func andOrChainsAreFlat() throws {
        #expect(try expr("a AND b AND c") == and(col("a"), col("b"), col("c")))
        #expect(try expr("a OR b OR c OR d") == or(col("a"), col("b"), col("c"), col("d")))
        // Parenthesised ANDs inside an AND merge (AND is associative).
        #expect(try expr("(a AND b) AND (c AND d)") == and(col("a"), col("b"), col("c"), col("d")))
        #expect(try expr("a AND (b OR c) AND d") == and(col("a"), or(col("b"), col("c")), col("d")))
        #expect(try expr("a AND b").conjuncts == [col("a"), col("b")])
        #expect(try expr("a OR b").conjuncts == [or(col("a"), col("b"))])
        #expect(try expr("a OR b").disjuncts == [col("a"), col("b")])
        #expect(Expr.conjunction([and(col("a"), col("b")), col("c")]) == and(col("a"), col("b"), col("c")))
        #expect(Expr.conjunction([col("a")]) == col("a"))
        #expect(Expr.disjunction([col("a"), or(col("b"), col("c"))]) == or(col("a"), col("b"), col("c")))
    }

    @Test func comparisonOperators() throws {
        let ops: [(String, BinaryOperator)] = [("=", .equal), ("<>", .notEqual), ("!=", .notEqual), ("<", .less),
                                               ("<=", .lessOrEqual), (">", .greater), (">=", .greaterOrEqual)]
        for (text, op) in ops {
            #expect(try expr("a \(text) 1") == bin(op, col("a"), int(1)), "\(text)")
            #expect(op.isComparison)
        }
        #expect(!BinaryOperator.add.isComparison)
        #expect(BinaryOperator.modulo.isArithmetic)
    }
}

@Suite struct PredicateTests {
    @Test func inLists() throws {
        #expect(try expr("account_partition in ('111122223333','444455556666')") ==
                inList(col("account_partition"), [str("111122223333"), str("444455556666")]))
        #expect(try expr("dstport NOT IN (22, 3389)") == inList(col("dstport"), [int(22), int(3389)], negated: true))
        #expect(try expr("x IN (1)") == inList(col("x"), [int(1)]))
        #expect(try expr("x IN (a + 1, (SELECT 2))") ==
                inList(col("x"), [bin(.add, col("a"), int(1)), Expr(.subquery(Query(selectItems: [item(int(2))])))]))
    }

    @Test func inSubquery() throws {
        let sub = Query(selectItems: [item(col("addr"))], from: table("blocklist"))
        #expect(try expr("srcaddr IN (SELECT addr FROM blocklist)") == Expr(.inSubquery(col("srcaddr"), sub, negated: false)))
        #expect(try expr("srcaddr NOT IN (SELECT addr FROM blocklist)") == Expr(.inSubquery(col("srcaddr"), sub, negated: true)))
    }

    @Test func likeAndEscape() throws {
        #expect(try expr("a LIKE '10.%'") == like(col("a"), str("10.%")))
        #expect(try expr("a NOT LIKE '10.%'") == like(col("a"), str("10.%"), negated: true))
        #expect(try expr("a LIKE 'x!_%' ESCAPE '!'") == Expr(.like(col("a"), pattern: str("x!_%"), escape: str("!"), negated: false)))
        #expect(try expr("a LIKE b || '%'") == like(col("a"), bin(.concat, col("b"), str("%"))))
    }

    @Test func isNullAndIsDistinctFrom() throws {
        #expect(try expr("a IS NULL") == Expr(.isNull(col("a"), negated: false)))
        #expect(try expr("a IS NOT NULL") == Expr(.isNull(col("a"), negated: true)))
        #expect(try expr("a IS DISTINCT FROM b") == Expr(.isDistinctFrom(col("a"), col("b"), negated: false)))
        #expect(try expr("a IS NOT DISTINCT FROM b + 1") == Expr(.isDistinctFrom(col("a"), bin(.add, col("b"), int(1)), negated: true)))
    }

    @Test func existsAndScalarSubqueries() throws {
        let sub = Query(selectItems: [item(call("max", col("numbytes")))], from: table("vpcflow"))
        #expect(try expr("numbytes = (SELECT max(numbytes) FROM vpcflow)") == eq(col("numbytes"), Expr(.subquery(sub))))
        #expect(try expr("EXISTS (SELECT max(numbytes) FROM vpcflow)") == Expr(.exists(sub)))
        #expect(try expr("NOT EXISTS (SELECT max(numbytes) FROM vpcflow)") == not(Expr(.exists(sub))))
        #expect(try expr("((SELECT max(numbytes) FROM vpcflow))") == Expr(.subquery(sub)))
    }
}

@Suite struct NameAndCallTests {
    @Test func columnReferences() throws {
        #expect(try expr("sourceaddress") == col("sourceaddress"))
        #expect(try expr("SourceAddress") == col("sourceaddress"))  // unquoted: folded
        #expect(try expr("\"SourceAddress\"") == quotedCol("SourceAddress"))  // quoted: case kept
        #expect(try expr("\"SourceAddress\"") != col("sourceaddress"))
        #expect(try expr("\"sourceaddress\"") == col("sourceaddress"))  // same name however written
        #expect(try expr("vpcflow.sourceaddress") == col("vpcflow", "sourceaddress"))
        #expect(try expr("\"db\".\"t\".c") == col("db", "t", "c"))
        #expect(try expr("\"DB\".T.\"C\"") == Expr(.column(QualifiedName([
            Identifier("DB", quoted: true), Identifier("t"), Identifier("C", quoted: true)]))))
        let name = try #require({ if case .column(let n) = try expr("a.b.c").kind { return n } else { return nil } }())
        #expect(name.name.name == "c")
        #expect(name.qualifier.map(\.name) == ["a", "b"])
    }

    @Test func nonReservedKeywordsAreNames() throws {
        for word in ["action", "type", "date", "timestamp", "year", "month", "day", "hour", "first", "last", "limit",
                     "offset", "interval", "zone", "time", "rows", "version", "region", "start", "protocol", "position"] {
            #expect(try expr(word) == col(word), "\(word)")
        }
        #expect(try expr("\"end\"") == col("end"))
    }

    @Test func functionCalls() throws {
        #expect(try expr("now()") == call("now"))
        #expect(try expr("sum(numbytes)") == call("sum", col("numbytes")))
        #expect(try expr("SUM(NumBytes)") == call("sum", col("numbytes")))
        #expect(try expr("date_add('day', -30, current_timestamp)") ==
                call("date_add", str("day"), int(-30), Expr(.currentTime(.currentTimestamp, precision: nil))))
        #expect(try expr("count(*)") == countStar())
        #expect(try expr("COUNT ( * )") == countStar())
        #expect(try expr("count(DISTINCT sourceaddress)") == call("count", col("sourceaddress"), distinct: true))
        #expect(try expr("array_agg(DISTINCT(destinationaddress))") == call("array_agg", col("destinationaddress"), distinct: true))
        #expect(try expr("approx_distinct(ALL a)") == call("approx_distinct", col("a")))
        #expect(try expr("coalesce(a, b, 0)") == call("coalesce", col("a"), col("b"), int(0)))
        #expect(try expr("if(a > 1, 'x', 'y')") == call("if", bin(.greater, col("a"), int(1)), str("x"), str("y")))
        #expect(try expr("trim(x)") == call("trim", col("x")))
        #expect(try expr("\"My Func\"(x)") == Expr(.function(FunctionCall(Identifier("My Func", quoted: true), arguments: [col("x")]))))
        #expect(try expr("contains('172.16.0.0/12', cast(sourceaddress as IPADDRESS))") ==
                call("contains", str("172.16.0.0/12"), cast(col("sourceaddress"), .ipaddress)))
    }

    @Test func casts() throws {
        let types: [(String, SQLType)] = [
            ("BIGINT", .bigint), ("INTEGER", .integer), ("INT", .integer), ("SMALLINT", .smallint), ("TINYINT", .tinyint),
            ("VARCHAR", .varchar(length: nil)), ("varchar(15)", .varchar(length: 15)), ("CHAR(3)", .char(length: 3)),
            ("DOUBLE", .double), ("DOUBLE PRECISION", .double), ("REAL", .real), ("BOOLEAN", .boolean),
            ("IPADDRESS", .ipaddress), ("IPPREFIX", .ipprefix), ("DATE", .date), ("JSON", .json), ("UUID", .uuid),
            ("VARBINARY", .varbinary),
            ("TIMESTAMP", .timestamp(precision: nil, withTimeZone: false)),
            ("timestamp(3)", .timestamp(precision: 3, withTimeZone: false)),
            ("TIMESTAMP(6) WITH TIME ZONE", .timestamp(precision: 6, withTimeZone: true)),
            ("TIMESTAMP WITHOUT TIME ZONE", .timestamp(precision: nil, withTimeZone: false)),
            ("TIME", .time(precision: nil, withTimeZone: false)),
            ("TIME WITH TIME ZONE", .time(precision: nil, withTimeZone: true)),
            ("DECIMAL", .decimal(precision: nil, scale: nil)), ("DECIMAL(10)", .decimal(precision: 10, scale: nil)),
            ("decimal(10, 2)", .decimal(precision: 10, scale: 2)),
            ("ARRAY(VARCHAR)", .array(.varchar(length: nil))), ("MAP(VARCHAR, BIGINT)", .map(.varchar(length: nil), .bigint)),
            ("ARRAY(ARRAY(IPADDRESS))", .array(.array(.ipaddress))),
        ]
        for (text, type) in types {
            #expect(try expr("CAST(x AS \(text))") == cast(col("x"), type), "\(text)")
            #expect(try expr("try_cast(x as \(text.lowercased()))") == cast(col("x"), type, isTry: true), "\(text)")
        }
        #expect(try expr("CAST(sourceaddress AS IPADDRESS) > IPADDRESS '10.0.0.0'") ==
                bin(.greater, cast(col("sourceaddress"), .ipaddress), typed(.ipaddress, "10.0.0.0")))
        #expect(try expr("try_cast") == col("try_cast"))  // not reserved
    }

    @Test func caseExpressions() throws {
        let searched = Expr(.caseWhen(CaseExpression(whenClauses: [
            WhenClause(eq(col("action"), str("ACCEPT")), then: int(1)),
            WhenClause(eq(col("action"), str("REJECT")), then: int(-1)),
        ], elseResult: int(0))))
        #expect(try expr("CASE WHEN action = 'ACCEPT' THEN 1 WHEN action = 'REJECT' THEN -1 ELSE 0 END") == searched)
        let simple = Expr(.caseWhen(CaseExpression(operand: col("protocol"), whenClauses: [
            WhenClause(int(6), then: str("tcp")), WhenClause(int(17), then: str("udp")),
        ])))
        #expect(try expr("case protocol when 6 then 'tcp' when 17 then 'udp' end") == simple)
        // Nested CASE: the inner END closes the inner CASE.
        let nested = try expr("CASE WHEN a THEN CASE WHEN b THEN 1 END ELSE 2 END")
        guard case .caseWhen(let outer) = nested.kind else {
            Issue.record("not a CASE")
            return
        }
        #expect(outer.elseResult == int(2))
        #expect(outer.whenClauses.count == 1)
    }

    @Test func subscriptsAndCurrentTime() throws {
        #expect(try expr("x[1]") == Expr(.subscripted(col("x"), index: int(1))))
        #expect(try expr("split(a, '.')[2][1]") ==
                Expr(.subscripted(Expr(.subscripted(call("split", col("a"), str(".")), index: int(2))), index: int(1))))
        #expect(try expr("current_date") == Expr(.currentTime(.currentDate, precision: nil)))
        #expect(try expr("CURRENT_TIMESTAMP(3)") == Expr(.currentTime(.currentTimestamp, precision: 3)))
        #expect(try expr("current_time") == Expr(.currentTime(.currentTime, precision: nil)))
        #expect(try expr("localtimestamp") == Expr(.currentTime(.localTimestamp, precision: nil)))
        #expect(try expr("LOCALTIME") == Expr(.currentTime(.localTime, precision: nil)))
    }
}

@Suite struct ASTTests {
    @Test func positions() throws {
        let e = try expr("a  =\n  f(b, 'x')")
        #expect(e.position == SourcePosition(line: 1, column: 4))  // the operator
        #expect(e.start == SourcePosition(line: 1, column: 1))
        guard case .binary(_, let l, let r) = e.kind, case .function(let f) = r.kind else {
            Issue.record("unexpected shape")
            return
        }
        #expect(l.position == SourcePosition(line: 1, column: 1))
        #expect(r.position == SourcePosition(line: 2, column: 3))
        #expect(f.name.position == SourcePosition(line: 2, column: 3))
        #expect(f.arguments[1].position == SourcePosition(line: 2, column: 8))

        #expect(try expr("x NOT LIKE 'a'").position == SourcePosition(line: 1, column: 3))  // NOT
        #expect(try expr("x IS NULL").position == SourcePosition(line: 1, column: 3))
        #expect(try expr("x BETWEEN 1 AND 2").position == SourcePosition(line: 1, column: 3))
        #expect(try expr("a OR b OR c").position == SourcePosition(line: 1, column: 3))  // first OR
        #expect(try expr("a OR b OR c").start == SourcePosition(line: 1, column: 1))
        #expect(try expr("(a) + b").start == SourcePosition(line: 1, column: 2))  // parentheses are not nodes
        #expect(try expr("-5").position == SourcePosition(line: 1, column: 1))
        #expect(try expr("t.\"c\"").position == SourcePosition(line: 1, column: 1))
        #expect(try expr("CAST(a AS INT)").position == SourcePosition(line: 1, column: 1))
        #expect(try expr("x[1]").position == SourcePosition(line: 1, column: 2))
        #expect(try expr("x[1]").start == SourcePosition(line: 1, column: 1))
    }

    @Test func equalityAndHashingIgnorePositions() throws {
        let a = try expr("sum(numbytes) > 10")
        let b = try expr("\n\n   sum(  numbytes )>10")
        #expect(a == b)
        #expect(a.position != b.position)
        #expect(a.hashValue == b.hashValue)
        #expect(Set([a, b]).count == 1)
        #expect(try query("SELECT a FROM t") == query("select\n A\n from\n T"))
        #expect(Identifier("x", quoted: true) == Identifier("x"))
        #expect(Identifier("X", quoted: true) != Identifier("x"))
    }

    @Test func ordinals() throws {
        #expect(int(2).ordinal == 2)
        #expect(col("a").ordinal == nil)
        let q = try query("SELECT a, count(*) FROM t GROUP BY 1 ORDER BY 2 DESC")
        #expect(q.groupBy.map(\.ordinal) == [1])
        #expect(q.orderBy.map(\.expression.ordinal) == [2])
    }

    @Test func qualifiedNameAccessors() {
        let name = QualifiedName("db", "t")
        #expect(name.name == Identifier("t"))
        #expect(name.qualifier == [Identifier("db")])
        #expect(name.description == "db.t")
    }
}
