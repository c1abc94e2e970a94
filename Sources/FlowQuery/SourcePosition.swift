/// A point in SQL source text: a 1-based line and a 1-based column.
///
/// Columns count Unicode scalars (a tab is one column), so a caret rendered under a line that
/// holds non-ASCII text still lands on the right character.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }

    /// `line 3, column 38`
    public var description: String { "line \(line), column \(column)" }
}
