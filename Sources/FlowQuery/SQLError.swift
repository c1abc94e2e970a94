/// An error in SQL text (from the lexer, the parser, or later from the binder), with the position
/// it refers to and, when known, the text of that source line so it can be shown with a caret:
///
///     error: expected an expression after 'AND' at line 3, column 38
///       destinationaddress NOT LIKE '10.%' AND
///                                            ^
public struct SQLError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, without the position: `expected an expression after 'AND'`.
    public var message: String
    /// 1-based line of the offending text.
    public var line: Int
    /// 1-based column (in Unicode scalars) of the offending text.
    public var column: Int
    /// Extra advice printed after the position: `did you mean sourceaddress?`.
    public var hint: String?
    /// The full text of line `line` (no line terminator), or nil when the source is unknown.
    public var sourceLine: String?

    public init(_ message: String, line: Int, column: Int, hint: String? = nil, sourceLine: String? = nil) {
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint
        self.sourceLine = sourceLine
    }

    /// An error at `position` of `source` (the whole SQL text); the offending line is taken from it.
    public init(_ message: String, at position: SourcePosition, hint: String? = nil, source: String) {
        self.init(message, line: position.line, column: position.column, hint: hint,
                  sourceLine: SQLError.sourceLine(position.line, of: source.utf8))
    }

    public var position: SourcePosition { SourcePosition(line: line, column: column) }

    /// One line: `expected an expression after 'AND' at line 3, column 38`, then `; hint` if any.
    public var summary: String {
        var s = "\(message) at line \(line), column \(column)"
        if let hint { s += "; " + hint }
        return s
    }

    /// `error: <summary>`, then the source line and a caret under the column (when the line is known).
    /// A line longer than `excerptWidth` is shown as the stretch around the column, its cut ends
    /// marked `...`: a generated query on one line of megabytes was otherwise echoed whole.
    public var description: String {
        var s = "error: " + summary
        if let sourceLine {
            let (text, caretColumn) = excerpt(sourceLine)
            s += "\n  " + text + "\n  " + caretPadding(text, caretColumn) + "^"
        }
        return s
    }

    /// Lines up to this many scalars are shown whole.
    static let excerptWidth = 160

    /// The part of `line` to show and the 1-based column of the caret in it.
    private func excerpt(_ line: String) -> (String, Int) {
        let scalars = Array(line.unicodeScalars)
        let width = SQLError.excerptWidth
        guard scalars.count > width else { return (line, column) }
        // Up to half the width before the column, the rest after it.
        let at = min(max(column - 1, 0), scalars.count)
        let from = max(0, min(at - width / 2, scalars.count - width))
        let to = min(scalars.count, from + width)
        var text = String(String.UnicodeScalarView(scalars[from..<to]))
        var caret = column - from
        if from > 0 { text = "..." + text; caret += 3 }
        if to < scalars.count { text += "..." }
        return (text, caret)
    }

    /// Spaces up to `column` of `text`, keeping its tabs so the caret lines up in a terminal.
    private func caretPadding(_ text: String, _ column: Int) -> String {
        var pad = ""
        var n = 0
        for scalar in text.unicodeScalars {
            if n >= column - 1 { break }
            pad.append(scalar == "\t" ? "\t" : " ")
            n += 1
        }
        if n < column - 1 { pad += String(repeating: " ", count: column - 1 - n) }
        return pad
    }

    /// The text of 1-based line `number` in `utf8` (a trailing `\r` is dropped), or nil past the end.
    static func sourceLine<C: Collection>(_ number: Int, of utf8: C) -> String? where C.Element == UInt8 {
        guard number >= 1 else { return nil }
        var line = 1
        var start = utf8.startIndex
        var i = utf8.startIndex
        while line < number {
            guard i != utf8.endIndex else { return nil }
            if utf8[i] == UInt8(ascii: "\n") {
                line += 1
                start = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        var end = start
        while end != utf8.endIndex, utf8[end] != UInt8(ascii: "\n") { end = utf8.index(after: end) }
        var bytes = Array(utf8[start..<end])
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
