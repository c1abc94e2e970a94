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
