import FlowArchive
import FlowLog
@testable import FlowQuery
import FlowSupport
import Testing

/// Archives written in a test from record batches, and queries over them.
enum TestArchive {
    /// A new archive of one segment holding each batch as one block.
    static func make(_ blocks: [RecordBatch]) throws -> ArchiveReader {
        try make(encoded: blocks.map { BlockEncoder.encode($0) })
    }

    /// A new archive of one segment holding these encoded blocks (a test may have altered them).
    static func make(encoded blocks: [EncodedBlock]) throws -> ArchiveReader {
        let dir = "/tmp/flowarc-query-test-\(UInt64.random(in: 0...UInt64.max))"
        try Sys.makeDirectories(dir)
        let writer = try ArchiveWriter(path: dir + "/a")
        let (id, seg) = try writer.beginSegment()
        for block in blocks { try seg.append(block) }
        try writer.commit(segmentID: id, summary: try seg.finish(), sources: [])
        return try ArchiveReader(path: dir + "/a")
    }

    /// A new archive with one block per element of `blocks`, each block the records of those
    /// v2 flow-log lines (no header), from one source file in a partition of 2024/01/05.
    static func make(v2Lines blocks: [[String]], sourceLocation: SourceLocation = #_sourceLocation) throws -> ArchiveReader {
        var batches: [RecordBatch] = []
        for lines in blocks {
            let text = lines.joined(separator: "\n") + "\n"
            var parser = RecordParser()
            let parsed = Array(text.utf8).withUnsafeBytes { parser.parse($0, mapping: .defaultV2) }
            #expect(parsed.records == lines.count && parsed.rejects.isEmpty, "\(parsed.rejects.first.map { $0.reason } ?? "")",
                    sourceLocation: sourceLocation)
            var block = RecordBatch()
            block.append(parsed.batch, range: 0..<parsed.records, sourceID: 1, partitionValues: ["123456789012", "us-east-1", "2024/01/05"])
            block.padAll()
            batches.append(block)
        }
        return try make(batches)
    }

    static func run(_ sql: String, _ archive: ArchiveReader, threads: Int = 2) throws -> QueryResult {
        try QueryEngine.run(sql, statement: try SQLParser.parseStatement(sql), archive: archive, threads: threads)
    }
}

// MARK: - Parsing shortcuts

func query(_ sql: String) throws -> Query {
    try SQLParser.parseStatement(sql).query
}

func expr(_ sql: String) throws -> Expr {
    try SQLParser.parseExpression(sql)
}

/// The error `body` throws (a test failure if it does not throw).
func sqlError(_ body: () throws(SQLError) -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> SQLError? {
    do {
        try body()
        Issue.record("expected an SQLError", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

func statementError(_ sql: String, sourceLocation: SourceLocation = #_sourceLocation) -> SQLError? {
    sqlError({ () throws(SQLError) in _ = try SQLParser.parseStatement(sql) }, sourceLocation: sourceLocation)
}

func scriptError(_ sql: String, sourceLocation: SourceLocation = #_sourceLocation) -> SQLError? {
    sqlError({ () throws(SQLError) in _ = try SQLParser.parseScript(sql) }, sourceLocation: sourceLocation)
}

func expressionError(_ sql: String, sourceLocation: SourceLocation = #_sourceLocation) -> SQLError? {
    sqlError({ () throws(SQLError) in _ = try SQLParser.parseExpression(sql) }, sourceLocation: sourceLocation)
}

/// Checks that `error` has this message, position and (when given) hint.
func expectError(_ error: SQLError?, _ message: String, line: Int, column: Int, hint: String? = nil,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error else { return }
    #expect(error.message == message, sourceLocation: sourceLocation)
    #expect(error.line == line, "line", sourceLocation: sourceLocation)
    #expect(error.column == column, "column", sourceLocation: sourceLocation)
    if let hint {
        #expect(error.hint == hint, sourceLocation: sourceLocation)
    }
}

/// print → parse → print is a fixed point, and the re-parsed tree equals the original.
func expectRoundTrip(_ statement: Statement, sourceLocation: SourceLocation = #_sourceLocation) throws {
    for text in [statement.description, statement.prettyPrinted] {
        let reparsed = try SQLParser.parseStatement(text)
        #expect(reparsed == statement, "\(text)", sourceLocation: sourceLocation)
        #expect(reparsed.description == statement.description, sourceLocation: sourceLocation)
        #expect(reparsed.prettyPrinted == statement.prettyPrinted, sourceLocation: sourceLocation)
    }
}

func expectRoundTrip(_ e: Expr, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let reparsed = try SQLParser.parseExpression(e.description)
    #expect(reparsed == e, "\(e)", sourceLocation: sourceLocation)
    #expect(reparsed.description == e.description, sourceLocation: sourceLocation)
}

// MARK: - AST builders (positions default to 1:1; equality ignores them)

func col(_ parts: String...) -> Expr { Expr(.column(QualifiedName(parts.map { Identifier($0) }))) }
func quotedCol(_ parts: String...) -> Expr { Expr(.column(QualifiedName(parts.map { Identifier($0, quoted: true) }))) }
func int(_ n: Int64) -> Expr { Expr(.literal(.integer(n))) }
func str(_ s: String) -> Expr { Expr(.literal(.string(s))) }
func dec(_ s: String) -> Expr { Expr(.literal(.decimal(s))) }
func dbl(_ d: Double) -> Expr { Expr(.literal(.double(d))) }
func bool(_ b: Bool) -> Expr { Expr(.literal(.boolean(b))) }
let null = Expr(.literal(.null))
func typed(_ type: SQLType, _ value: String) -> Expr { Expr(.literal(.typed(type, value))) }

func bin(_ op: BinaryOperator, _ l: Expr, _ r: Expr) -> Expr { Expr(.binary(op, l, r)) }
func and(_ terms: Expr...) -> Expr { Expr(.and(terms)) }
func or(_ terms: Expr...) -> Expr { Expr(.or(terms)) }
func eq(_ l: Expr, _ r: Expr) -> Expr { bin(.equal, l, r) }
func not(_ e: Expr) -> Expr { Expr(.unary(.not, e)) }
func neg(_ e: Expr) -> Expr { Expr(.unary(.negate, e)) }
func like(_ e: Expr, _ p: Expr, negated: Bool = false) -> Expr { Expr(.like(e, pattern: p, escape: nil, negated: negated)) }
func inList(_ e: Expr, _ list: [Expr], negated: Bool = false) -> Expr { Expr(.inList(e, list, negated: negated)) }
func call(_ name: String, _ args: Expr..., distinct: Bool = false) -> Expr {
    Expr(.function(FunctionCall(Identifier(name), arguments: args, distinct: distinct)))
}
func countStar() -> Expr { Expr(.function(FunctionCall(Identifier("count"), isStar: true))) }
func cast(_ e: Expr, _ type: SQLType, isTry: Bool = false) -> Expr { Expr(.cast(e, to: type, isTry: isTry)) }

func item(_ e: Expr, as alias: String? = nil) -> SelectItem {
    SelectItem(.expression(e, alias: alias.map { Identifier($0) }))
}
let star = SelectItem(.wildcard)
func table(_ parts: String..., alias: String? = nil) -> Relation {
    Relation(.table(QualifiedName(parts.map { Identifier($0) }), alias: alias.map { Identifier($0) }))
}

func conjuncts(_ e: Expr) -> [Expr] { e.conjuncts }
