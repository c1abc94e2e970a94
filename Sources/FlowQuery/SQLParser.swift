/// The SQL front end: text in, syntax trees out, or an `SQLError` that points at the problem.
///
///     let statements = try SQLParser.parseScript(text)   // a whole .sql file
///     let statement = try SQLParser.parseStatement("SELECT * FROM vpcflow LIMIT 10")
///     let predicate = try SQLParser.parseExpression("dstport = 443 AND action = 'REJECT'")
public enum SQLParser {
    /// Parses a script: statements separated by `;`. Unless `requireSemicolons`, a `SELECT` that
    /// follows a complete statement also starts a new one, so files that separate queries only by
    /// blank lines and comments (as AWS's demo query files do) parse as a list of statements.
    /// Empty statements (`;;`) are skipped; a script of only comments is an empty list.
    public static func parseScript(_ text: String, requireSemicolons: Bool = false) throws(SQLError) -> [Statement] {
        var parser = try Parser(text)
        return try parser.parseScript(requireSemicolons: requireSemicolons)
    }

    /// Parses exactly one statement (trailing `;` allowed); anything after it is an error.
    public static func parseStatement(_ text: String) throws(SQLError) -> Statement {
        var parser = try Parser(text)
        return try parser.parseSingleStatement()
    }

    /// Parses one expression (for filters given on the command line, and for tests).
    public static func parseExpression(_ text: String) throws(SQLError) -> Expr {
        var parser = try Parser(text)
        return try parser.parseStandaloneExpression()
    }
}

extension SQLParser {
    /// Whether `text` ends a statement: its last character outside quotes and comments is `;`
    /// (a `--` comment may follow it). An interactive shell runs what was typed once this holds,
    /// and keeps reading while a quote or a `/* */` comment is still open.
    public static func endsStatement(_ text: String) -> Bool {
        enum State { case code, quoted(UInt8), lineComment, blockComment }
        var state = State.code
        var last: UInt8 = 0
        let b = Array(text.utf8)
        var i = 0
        while i < b.count {
            let c = b[i]
            let next: UInt8 = i + 1 < b.count ? b[i + 1] : 0
            switch state {
            case .code:
                if c == 0x27 || c == 0x22 {
                    state = .quoted(c)
                    last = c
                } else if c == 0x2D && next == 0x2D {
                    state = .lineComment
                    i += 1
                } else if c == 0x2F && next == 0x2A {
                    state = .blockComment
                    i += 1
                } else if c != 0x20 && c != 0x09 && c != 0x0A && c != 0x0D {
                    last = c
                }
            case .quoted(let q):
                // A doubled quote inside closes and reopens: the same state either way.
                if c == q { state = .code }
            case .lineComment:
                if c == 0x0A { state = .code }
            case .blockComment:
                if c == 0x2A && next == 0x2F { state = .code; i += 1 }
            }
            i += 1
        }
        switch state {
        case .code, .lineComment: return last == 0x3B
        case .quoted, .blockComment: return false
        }
    }
}
