@testable import FlowQuery
import Testing

@Suite struct LexerTests {
    func tokens(_ text: String) throws -> [Token] { try Lexer.tokenize(text) }
    func kinds(_ text: String) throws -> [Token.Kind] { try tokens(text).map(\.kind) }
    func texts(_ text: String) throws -> [String] { try tokens(text).dropLast().map(\.text) }

    func lexError(_ text: String) -> SQLError? {
        sqlError({ () throws(SQLError) in _ = try Lexer.tokenize(text) })
    }

    @Test func identifiersFoldToLowercaseAndKeywordsAreRecognised() throws {
        let t = try tokens("SeLeCt SourceAddress, \"SourceAddress\" FROM t")
        #expect(t.map(\.text) == ["select", "sourceaddress", "", "SourceAddress", "from", "t", ""])
        #expect(t[0].keyword == .select)
        #expect(t[1].keyword == nil)
        #expect(t[1].kind == .identifier)
        #expect(t[3].kind == .quotedIdentifier)
        #expect(t[3].keyword == nil)  // a quoted word is never a keyword
        #expect(t[4].keyword == .from)
        #expect(t.last?.kind == .endOfInput)
    }

    @Test func quotedIdentifierEscapes() throws {
        #expect(try texts(#""a""b" "with space" "ÄÖ""#) == ["a\"b", "with space", "ÄÖ"])
    }

    @Test func stringLiteralsAndEscapes() throws {
        #expect(try texts("'egress' 'it''s' '' '''' 'multi\nline' '%Y/%m/%d' 'é'") ==
                ["egress", "it's", "", "'", "multi\nline", "%Y/%m/%d", "é"])
        #expect(try kinds("'a'") == [.string, .endOfInput])
    }

    @Test func numbers() throws {
        #expect(try kinds("443 1.5 1. .5 1e3 1.5E-2 2e+10 .5e1") ==
                [.integer, .decimal, .decimal, .decimal, .double, .double, .double, .double, .endOfInput])
        #expect(try texts("443 1.5 1. .5 1e3 1.5E-2") == ["443", "1.5", "1.", ".5", "1e3", "1.5E-2"])
        // A dot between names is a dot, not a decimal point.
        #expect(try kinds("t.c") == [.identifier, .symbol(.dot), .identifier, .endOfInput])
    }

    @Test func symbols() throws {
        #expect(try kinds("( ) [ ] , . ; * + - / % || = <> != < <= > >= -> ::") == [
            .symbol(.leftParen), .symbol(.rightParen), .symbol(.leftBracket), .symbol(.rightBracket),
            .symbol(.comma), .symbol(.dot), .symbol(.semicolon), .symbol(.star), .symbol(.plus),
            .symbol(.minus), .symbol(.slash), .symbol(.percent), .symbol(.concat), .symbol(.equal),
            .symbol(.notEqual), .symbol(.notEqual), .symbol(.less), .symbol(.lessOrEqual),
            .symbol(.greater), .symbol(.greaterOrEqual), .symbol(.arrow), .symbol(.doubleColon), .endOfInput,
        ])
        // No spaces needed.
        #expect(try kinds("a<=b") == [.identifier, .symbol(.lessOrEqual), .identifier, .endOfInput])
        #expect(try kinds("-30") == [.symbol(.minus), .integer, .endOfInput])
    }

    @Test func commentsAreSkipped() throws {
        let text = """
            -- leading comment
            SELECT /* inline */ a -- trailing
            /* multi
               line -- not a line comment here
            */ FROM t -- at the very end without newline
            """
        #expect(try texts(text) == ["select", "a", "from", "t"])
        #expect(try texts("a--b\nc") == ["a", "c"])
        #expect(try texts("a/**/b") == ["a", "b"])
        #expect(try texts("a /* -- */ b") == ["a", "b"])
        #expect(try texts("a -- /* not a block\nb") == ["a", "b"])
        #expect(try kinds("a - - b") == [.identifier, .symbol(.minus), .symbol(.minus), .identifier, .endOfInput])
        #expect(try tokens("-- only a comment").map(\.kind) == [.endOfInput])
    }

    @Test func commentMarkersInsideQuotesAreText() throws {
        #expect(try texts("'a -- b' '/* c */' \"-- d\"") == ["a -- b", "/* c */", "-- d"])
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let t = try tokens("\u{FEFF}SELECT a")
        #expect(t[0].keyword == .select)
        #expect(t[0].start == SourcePosition(line: 1, column: 1))
    }

    @Test func positionsAreLineAndColumn() throws {
        let t = try tokens("SELECT a,\n  'x\ny' AS b\n\tFROM t")
        #expect(t.map(\.start) == [
            SourcePosition(line: 1, column: 1), SourcePosition(line: 1, column: 8), SourcePosition(line: 1, column: 9),
            SourcePosition(line: 2, column: 3), SourcePosition(line: 3, column: 4), SourcePosition(line: 3, column: 7),
            SourcePosition(line: 4, column: 2), SourcePosition(line: 4, column: 7), SourcePosition(line: 4, column: 8),
        ])
        // The last character of each token: a multi-line string ends on a later line.
        #expect(t[0].last == SourcePosition(line: 1, column: 6))
        #expect(t[3].last == SourcePosition(line: 3, column: 2))
    }

    @Test func columnsCountUnicodeScalarsNotBytes() throws {
        let t = try tokens("SELECT 'ééé', \"Größe\", x")
        #expect(t[3].start == SourcePosition(line: 1, column: 15))
        #expect(t[4].start == SourcePosition(line: 1, column: 22))
        #expect(t[5].start == SourcePosition(line: 1, column: 24))
    }

    @Test func crlfLineEndings() throws {
        let t = try tokens("SELECT a\r\nFROM t\r\n")
        #expect(t[2].start == SourcePosition(line: 2, column: 1))
        #expect(t[3].start == SourcePosition(line: 2, column: 6))
        let error = statementError("SELECT a\r\nFROM t\r\nWHERE")
        #expect(error?.sourceLine == "WHERE")
    }

    @Test func rawSpellingIsKept() throws {
        var parser = try Parser("select  'it''s'  \"Q\"")
        #expect(parser.spelling(parser.advance()) == "select")
        #expect(parser.spelling(parser.advance()) == "'it''s'")
        #expect(parser.describe(parser.current) == "\"Q\"")
    }

    // MARK: Errors

    @Test func unterminatedString() {
        expectError(lexError("SELECT a\nWHERE b = 'egress"), "unterminated string literal", line: 2, column: 11,
                    hint: "a string must end with ' (write '' for a quote inside it)")
        expectError(lexError("'it''s"), "unterminated string literal", line: 1, column: 1)
    }

    @Test func unterminatedQuotedIdentifier() {
        expectError(lexError("SELECT \"abc"), "unterminated quoted identifier", line: 1, column: 8)
    }

    @Test func unterminatedComment() {
        expectError(lexError("SELECT a\n  /* never\n closed"), "unterminated comment", line: 2, column: 3,
                    hint: "a '/*' comment must end with '*/'")
    }

    @Test func emptyQuotedIdentifier() {
        expectError(lexError("SELECT \"\" FROM t"), "empty quoted identifier \"\"", line: 1, column: 8)
    }

    @Test func invalidNumber() {
        expectError(lexError("SELECT 10abc"), "invalid number '10abc'", line: 1, column: 8,
                    hint: "a name cannot start with a digit unless it is quoted: \"10abc\"")
        expectError(lexError("SELECT 1e"), "invalid number '1e'", line: 1, column: 8)
    }

    @Test func badOperators() {
        expectError(lexError("a == 1"), "'==' is not a SQL operator", line: 1, column: 3, hint: "use '=' to compare")
        expectError(lexError("!a"), "unexpected character '!'", line: 1, column: 1)
        expectError(lexError("a | b"), "unexpected character '|'", line: 1, column: 3, hint: "string concatenation is '||'")
        expectError(lexError("a : b"), "unexpected character ':'", line: 1, column: 3)
        expectError(lexError("a = ?"), "query parameters ('?') are not supported", line: 1, column: 5)
        expectError(lexError("SELECT `a`"), "backquoted identifiers are not supported", line: 1, column: 8,
                    hint: "Trino SQL quotes names with double quotes: \"name\"")
        expectError(lexError("SELECT #"), "unexpected character '#'", line: 1, column: 8)
        expectError(lexError("a\u{1}"), "unexpected character U+0001", line: 1, column: 2)
    }

    @Test func nonASCIIOutsideQuotes() {
        expectError(lexError("SELECT café"), "unexpected character 'é' (U+00E9)", line: 1, column: 11,
                    hint: "names with characters other than A-Z, 0-9 and _ must be double-quoted")
        expectError(lexError("SELECT\u{A0}a"), "unexpected no-break space (U+00A0)", line: 1, column: 7,
                    hint: "replace it with an ordinary space")
        expectError(lexError("a ≠ b"), "unexpected character '≠' (U+2260)", line: 1, column: 3)
    }
}

/// `flowarc shell` runs what was typed once a statement has ended: a `;` outside quotes and
/// comments, as the last thing on the line but a `--` comment.
@Suite struct StatementEndTests {
    @Test(arguments: [
        ("SELECT 1;", true), ("SELECT 1", false), ("SELECT 1;\n", true), ("SELECT 1;  -- done", true),
        ("SELECT ';'", false), ("SELECT ';' ;", true), ("SELECT 'it''s';", true), ("SELECT 'open;", false),
        ("SELECT \"a;b\" FROM t", false), ("SELECT 1 /* ; */", false), ("SELECT 1 /* open ;", false),
        ("SELECT 1; /* c */", true), ("-- only a comment;", false), ("SELECT 1; SELECT 2", false),
        ("SELECT 1;\n-- more\n", true), ("", false), (";", true),
    ] as [(String, Bool)])
    func ends(_ text: String, _ expected: Bool) {
        #expect(SQLParser.endsStatement(text) == expected, "\(text)")
    }
}
