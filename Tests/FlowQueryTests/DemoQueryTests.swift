@testable import FlowQuery
import Testing

/// AWS's published demo queries and the workshop seed query, parsed verbatim.
@Suite struct DemoQueryTests {
    static let bootstrapStartLines = [9, 22, 27, 32, 37, 43, 49, 55, 76, 85, 98, 111, 122, 132, 151, 168, 189, 240, 251]
    static let workshopStartLines = Array(bootstrapStartLines.prefix(16))
    static let partitionFilter = [
        bin(.greaterOrEqual, col("date_partition"), str("2020/07/01")),
        bin(.lessOrEqual, col("date_partition"), str("2020/07/31")),
        eq(col("account_partition"), str("111122223333")),
        inList(col("region_partition"), ["us-east-1", "us-east-2", "us-west-2", "us-west-2"].map(str)),
    ]

    @Test func fixturesAreVerbatim() {
        #expect(DemoScripts.bootstrap.count == DemoScripts.bootstrapCharacterCount)
        #expect(DemoScripts.workshop.count == DemoScripts.workshopCharacterCount)
        #expect(DemoScripts.bootstrap.hasPrefix("/*\nCopyright Amazon.com"))
        #expect(DemoScripts.bootstrap.contains("-- PARTITION TESTS \n"))  // trailing space kept
    }

    // MARK: The seed query

    @Test func seedQuery() throws {
        let q = try query(DemoScripts.seedQuery)
        #expect(q.position == SourcePosition(line: 1, column: 1))
        #expect(q.distinct == false)
        #expect(q.selectItems == ["numpackets", "sourceaddress", "destinationaddress", "destinationport"].map { item(col($0)) })

        // FROM "irworkshopgluedatabase"."irworkshopgluetablevpcflow": two quoted parts.
        guard case .table(let name, let alias)? = q.from?.kind else {
            Issue.record("FROM is not a table")
            return
        }
        #expect(alias == nil)
        #expect(name.parts.map { $0.name } == ["irworkshopgluedatabase", "irworkshopgluetablevpcflow"])
        #expect(name.parts.allSatisfy { $0.quoted })
        #expect(name.parts[1].position == SourcePosition(line: 2, column: 31))
        #expect(q.from?.position == SourcePosition(line: 2, column: 6))

        // WHERE: a left-deep AND chain of four predicates.
        let w = try #require(q.whereClause)
        #expect(conjuncts(w) == [
            eq(col("flow_direction"), str("egress")),
            like(col("destinationaddress"), str("192.168.%"), negated: true),
            like(col("destinationaddress"), str("10.%"), negated: true),
            like(col("destinationaddress"), str("172.%"), negated: true),
        ])
        #expect(w.position == SourcePosition(line: 3, column: 33))  // the first AND
        #expect(w.start == SourcePosition(line: 3, column: 7))
        #expect(conjuncts(w)[1].position == SourcePosition(line: 4, column: 20))  // NOT of NOT LIKE

        #expect(q.groupBy == ["numpackets", "sourceaddress", "destinationaddress", "destinationport"].map { col($0) })
        #expect(q.orderBy == [OrderItem(col("numpackets"), ascending: false)])
        #expect(q.limit == nil)
        #expect(q.having == nil)

        // Column positions, for binder errors.
        guard case .expression(let second, _) = q.selectItems[1].kind else { return }
        #expect(second.position == SourcePosition(line: 1, column: 20))
        #expect(q.groupBy[3].position == SourcePosition(line: 7, column: 57))

        try expectRoundTrip(.query(q))
        #expect(q.description == """
            SELECT numpackets, sourceaddress, destinationaddress, destinationport \
            FROM "irworkshopgluedatabase"."irworkshopgluetablevpcflow" \
            WHERE flow_direction = 'egress' AND destinationaddress NOT LIKE '192.168.%' \
            AND destinationaddress NOT LIKE '10.%' AND destinationaddress NOT LIKE '172.%' \
            GROUP BY numpackets, sourceaddress, destinationaddress, destinationport \
            ORDER BY numpackets DESC
            """)
    }

    // MARK: Security Analytics Bootstrap

    @Test func bootstrapScriptSplitsIntoNineteenStatements() throws {
        let statements = try SQLParser.parseScript(DemoScripts.bootstrap)
        #expect(statements.map { $0.position.line } == Self.bootstrapStartLines)
        for statement in statements {
            #expect(statement.query.position.column == 1)
            try expectRoundTrip(statement)
        }
    }

    @Test func bootstrapNeedsSelectSplittingForItsLaterQueries() {
        // Only the first eight queries end with ';'.
        let error = sqlError({ () throws(SQLError) in
            _ = try SQLParser.parseScript(DemoScripts.bootstrap, requireSemicolons: true)
        })
        expectError(error, "unexpected 'SELECT' after the end of the statement", line: 85, column: 1,
                    hint: "separate statements with ';'")
    }

    @Test func bootstrapPreviewAndPartitionQueries() throws {
        let s = try SQLParser.parseScript(DemoScripts.bootstrap).map(\.query)
        // SELECT * from vpcflow LIMIT 10;
        #expect(s[0] == Query(selectItems: [star], from: table("vpcflow"), limit: 10))
        #expect(s[1].whereClause == eq(col("account_partition"), str("111122223333")))
        #expect(s[2].whereClause == inList(col("account_partition"), ["111122223333", "444455556666", "123456789012"].map(str)))
        #expect(s[3].whereClause == eq(col("region_partition"), str("us-east-1")))
        #expect(s[4].whereClause == inList(col("region_partition"), ["us-east-1", "us-east-2", "us-west-2"].map(str)))
        #expect(s[5].whereClause.map(conjuncts) == Array(Self.partitionFilter.prefix(2)))
        // date_partition >= date_format(date_add('day',-30,current_timestamp), '%Y/%m/%d')
        let relative = bin(.greaterOrEqual, col("date_partition"),
                           call("date_format",
                                call("date_add", str("day"), int(-30), Expr(.currentTime(.currentTimestamp, precision: nil))),
                                str("%Y/%m/%d")))
        #expect(s[6].whereClause == relative)
        #expect(s[7].whereClause.map(conjuncts) == Self.partitionFilter)
        for q in s.prefix(8) {
            #expect(q.limit == 10)
            #expect(q.selectItems == [star])
            #expect(q.from == table("vpcflow"))
        }
    }

    @Test func bootstrapAggregations() throws {
        let s = try SQLParser.parseScript(DemoScripts.bootstrap).map(\.query)
        // count(*) as record_count
        #expect(s[8].selectItems == [item(col("region")), item(col("instanceid")), item(col("sourceaddress")),
                                     item(col("destinationaddress")), item(countStar(), as: "record_count")])
        #expect(s[8].groupBy == ["region", "instanceid", "sourceaddress", "destinationaddress"].map { col($0) })
        #expect(s[8].orderBy == [OrderItem(col("record_count"), ascending: false)])
        #expect(s[8].limit == nil)

        // sum(numbytes) as byte_count; (a OR b) AND (c OR d) AND partitions
        #expect(s[9].selectItems.last == item(call("sum", col("numbytes")), as: "byte_count"))
        let w9 = conjuncts(try #require(s[9].whereClause))
        #expect(w9.count == 6)
        #expect(w9[0] == or(eq(col("sourceaddress"), str("192.0.2.1")), eq(col("destinationaddress"), str("192.0.2.1"))))
        #expect(w9[1] == or(eq(col("sourceaddress"), str("203.0.113.2")), eq(col("destinationaddress"), str("203.0.113.2"))))
        #expect(Array(w9[2...]) == Self.partitionFilter)

        #expect(conjuncts(try #require(s[10].whereClause))[1] == eq(col("sourceport"), int(443)))
        #expect(conjuncts(try #require(s[11].whereClause))[1] == eq(col("destinationport"), int(443)))
        #expect(s[12].groupBy.count == 4)
    }

    @Test func bootstrapFlowRecordsBetweenTwoAddresses() throws {
        let q = try SQLParser.parseScript(DemoScripts.bootstrap)[13].query
        #expect(q.selectItems.count == 11)
        #expect(q.selectItems[0] == item(call("from_unixtime", col("starttime")), as: "start_time"))
        #expect(q.selectItems[1] == item(call("from_unixtime", col("endtime")), as: "end_time"))
        #expect(q.selectItems[10] == item(col("action")))  // a keyword-like name
        // (a AND b) OR (c AND d): OR at the top.
        #expect(q.whereClause == or(
            and(eq(col("sourceaddress"), str("192.0.2.1")), eq(col("destinationaddress"), str("192.0.2.254"))),
            and(eq(col("sourceaddress"), str("192.0.2.254")), eq(col("destinationaddress"), str("192.0.2.1")))))
        #expect(q.orderBy == [OrderItem(col("starttime"), ascending: true)])
    }

    @Test func bootstrapFirstSeenLastSeen() throws {
        let q = try SQLParser.parseScript(DemoScripts.bootstrap)[14].query
        #expect(q.selectItems == [
            item(col("sourceaddress")),
            item(call("min", col("starttime")), as: "first_seen"),
            item(call("max", col("endtime")), as: "last_seen"),
            // array_agg(DISTINCT(destinationaddress)): DISTINCT, then a parenthesised argument.
            item(call("array_agg", col("destinationaddress"), distinct: true)),
            item(call("array_agg", col("instanceid"), distinct: true)),
            item(call("array_agg", col("destinationport"), distinct: true)),
        ])
        // The '-- skip ephemeral ports' comment sits between the predicate and the next AND.
        #expect(conjuncts(try #require(q.whereClause)) == [bin(.less, col("destinationport"), int(32768))] + Self.partitionFilter)
        #expect(q.groupBy == [col("sourceaddress")])
        #expect(q.orderBy == [OrderItem(col("first_seen"))])  // ORDER by ... ASC
    }

    @Test func bootstrapDailyTransferReportJoin() throws {
        let q = try SQLParser.parseScript(DemoScripts.bootstrap)[15].query
        #expect(q.selectItems == [
            item(col("vpcflow", "event_date")), item(col("vpcflow", "sourceaddress")),
            item(col("vpcflow", "destinationaddress")), item(call("sum", col("vpcflow", "numbytes")), as: "byte_count"),
        ])
        let from = try #require(q.from)
        guard case .join(let type, let left, let right, let on) = from.kind else {
            Issue.record("FROM is not a join: \(from)")
            return
        }
        #expect(type == .inner)
        #expect(from.position == SourcePosition(line: 170, column: 1))
        #expect(left == table("vpcflow"))
        #expect(on == eq(col("top_n", "sourceaddress"), col("vpcflow", "sourceaddress")))
        guard case .subquery(let sub, let alias) = right.kind else {
            Issue.record("the right side is not a subquery")
            return
        }
        #expect(alias?.name == "top_n")
        #expect(right.position == SourcePosition(line: 170, column: 12))
        #expect(sub.position == SourcePosition(line: 170, column: 13))
        #expect(sub.selectItems == [item(col("sourceaddress")), item(call("sum", col("numbytes")), as: "byte_count")])
        #expect(sub.from == table("vpcflow"))
        #expect(conjuncts(try #require(sub.whereClause)) == [like(col("sourceaddress"), str("192.0.2.%"))] + Self.partitionFilter)
        #expect(sub.groupBy.count == 5)
        #expect(sub.orderBy == [OrderItem(col("byte_count"), ascending: false)])
        #expect(sub.limit == 10)

        #expect(conjuncts(try #require(q.whereClause)) == Self.partitionFilter)
        #expect(q.groupBy == [col("vpcflow", "event_date"), col("vpcflow", "sourceaddress"), col("vpcflow", "destinationaddress")])
        #expect(q.orderBy == [
            OrderItem(col("vpcflow", "event_date")), OrderItem(col("vpcflow", "sourceaddress")),
            OrderItem(col("vpcflow", "destinationaddress")), OrderItem(col("byte_count"), ascending: false),
        ])
    }

    @Test func bootstrapRFC1918IPAddressQuery() throws {
        let q = try SQLParser.parseScript(DemoScripts.bootstrap)[16].query
        #expect(q.selectItems == [star])
        let w = conjuncts(try #require(q.whereClause))
        #expect(w.count == 6)
        #expect(w[0] == eq(col("logstatus"), str("OK")))
        #expect(Array(w[2...]) == Self.partitionFilter)

        func range(_ column: String, _ low: String, _ high: String) -> Expr {
            and(bin(.greater, cast(col(column), .ipaddress), typed(.ipaddress, low)),
                bin(.less, cast(col(column), .ipaddress), typed(.ipaddress, high)))
        }
        func isPrivate(_ column: String) -> Expr {
            or(range(column, "10.0.0.0", "10.255.255.255"), range(column, "172.16.0.0", "172.31.255.255"),
               range(column, "192.168.0.0", "192.168.255.255"))
        }
        // ( (NOT private(src) AND private(dst)) OR (NOT private(dst) AND private(src)) )
        #expect(w[1] == or(and(not(isPrivate("sourceaddress")), isPrivate("destinationaddress")),
                           and(not(isPrivate("destinationaddress")), isPrivate("sourceaddress"))))
        guard case .or(let terms) = w[1].kind, case .and(let first) = terms[0].kind else { return }
        #expect(first[0].position == SourcePosition(line: 193, column: 10))  // the NOT
        #expect(first[1].position == SourcePosition(line: 202, column: 10))  // its first OR
        #expect(first[1].start == SourcePosition(line: 200, column: 17))  // CAST: parentheses are not nodes
    }

    @Test func bootstrapAthenaV3ContainsQueries() throws {
        let s = try SQLParser.parseScript(DemoScripts.bootstrap).map(\.query)
        let src = call("contains", str("172.16.0.0/12"), cast(col("sourceaddress"), .ipaddress))
        let dst = call("contains", str("172.16.0.0/12"), cast(col("destinationaddress"), .ipaddress))
        #expect(conjuncts(try #require(s[17].whereClause)) == [eq(col("logstatus"), str("OK")), src, dst] + Self.partitionFilter)
        #expect(conjuncts(try #require(s[18].whereClause)) == [eq(col("logstatus"), str("OK")), not(and(src, dst))] + Self.partitionFilter)
    }

    // MARK: Incident-response workshop copy

    @Test func workshopScriptParses() throws {
        let statements = try SQLParser.parseScript(DemoScripts.workshop)
        #expect(statements.map { $0.position.line } == Self.workshopStartLines)
        let db = Identifier("irworkshopgluedatabase", quoted: true)
        let tb = Identifier("irworkshopgluetablevpcflow", quoted: true)
        let workshopTable = Relation(.table(QualifiedName([db, tb]), alias: nil))
        for statement in statements {
            try expectRoundTrip(statement)
            if case .table = statement.query.from?.kind {
                #expect(statement.query.from == workshopTable)
            }
        }
        // "db"."table".column references with three parts, also inside sum(...).
        let q = statements[15].query
        let qualified = { (c: String) in Expr(.column(QualifiedName([db, tb, Identifier(c)]))) }
        #expect(q.selectItems == [item(qualified("event_date")), item(qualified("sourceaddress")),
                                  item(qualified("destinationaddress")),
                                  item(call("sum", qualified("numbytes")), as: "byte_count")])
        guard case .join(.inner, _, _, let on)? = q.from?.kind else {
            Issue.record("not an inner join")
            return
        }
        #expect(on == eq(col("top_n", "sourceaddress"), qualified("sourceaddress")))
        #expect(q.orderBy.map(\.expression) == [qualified("event_date"), qualified("sourceaddress"),
                                                qualified("destinationaddress"), col("byte_count")])
    }

    @Test func workshopMatchesBootstrapApartFromTableName() throws {
        // Statements agree once the table name is printed the same way.
        let bootstrap = try SQLParser.parseScript(DemoScripts.bootstrap).prefix(16).map(\.description)
        let workshop = try SQLParser.parseScript(DemoScripts.workshop).map {
            $0.description.split(separator: "\"irworkshopgluedatabase\".\"irworkshopgluetablevpcflow\"", omittingEmptySubsequences: false)
                .joined(separator: "vpcflow")
        }
        #expect(workshop == bootstrap)
    }
}
