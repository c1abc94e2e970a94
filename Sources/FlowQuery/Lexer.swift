/// Splits SQL text into tokens, working on the UTF-8 bytes of the text.
///
/// Whitespace and comments (`-- to end of line`, `/* ... */`, not nested) are skipped. Unquoted
/// identifiers are ASCII `[A-Za-z_][A-Za-z0-9_]*` and are folded to lowercase; `"quoted"`
/// identifiers keep their case and may contain anything (`""` is a literal quote). String literals
/// are `'...'` with `''` as a literal quote, and may span lines.
struct Lexer {
    private let bytes: [UInt8]
    private var i = 0
    private var line = 1
    private var column = 1

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    static func tokenize(_ text: String) throws(SQLError) -> [Token] {
        var lexer = Lexer(text)
        return try lexer.tokenize()
    }

    private var position: SourcePosition { SourcePosition(line: line, column: column) }

    private func error(_ message: String, at position: SourcePosition, hint: String? = nil) -> SQLError {
        SQLError(message, line: position.line, column: position.column, hint: hint,
                 sourceLine: SQLError.sourceLine(position.line, of: bytes))
    }

    private func byte(at offset: Int) -> UInt8 {
        offset < bytes.count ? bytes[offset] : 0
    }

    /// Steps over one byte that may be a newline or part of a multi-byte character.
    @inline(__always)
    private mutating func step() {
        let b = bytes[i]
        i += 1
        if b == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if b & 0xC0 != 0x80 {
            column += 1
        }
    }

    mutating func tokenize() throws(SQLError) -> [Token] {
        // A byte order mark (saved by some Windows editors) is not part of the text.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        var tokens: [Token] = []
        tokens.reserveCapacity(bytes.count / 5 + 1)
        while true {
            try skipWhitespaceAndComments()
            let start = position
            let startOffset = i
            guard i < bytes.count else {
                tokens.append(Token(kind: .endOfInput, text: "", keyword: nil, start: start, last: start,
                                    startOffset: i, endOffset: i))
                return tokens
            }
            let b = bytes[i]
            var kind: Token.Kind
            var text = ""
            var keyword: Keyword? = nil
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
                text = scanWord()
                keyword = Keyword.byName[text]
                kind = .identifier
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                (kind, text) = try scanNumber()
            case UInt8(ascii: ".") where isDigit(byte(at: i + 1)):
                (kind, text) = try scanNumber()
            case UInt8(ascii: "'"):
                text = try scanQuoted(UInt8(ascii: "'"), start: start)
                kind = .string
            case UInt8(ascii: "\""):
                text = try scanQuoted(UInt8(ascii: "\""), start: start)
                if text.isEmpty {
                    throw error("empty quoted identifier \"\"", at: start)
                }
                kind = .quotedIdentifier
            default:
                kind = .symbol(try scanSymbol(start: start))
            }
            // Every token ends with an ASCII character, so its last character is one column back.
            let last = SourcePosition(line: line, column: column - 1)
            tokens.append(Token(kind: kind, text: text, keyword: keyword, start: start, last: last,
                                startOffset: startOffset, endOffset: i))
        }
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private func isWordByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || isDigit(b) || b == UInt8(ascii: "_")
    }

    private mutating func skipWhitespaceAndComments() throws(SQLError) {
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                i += 1
                column += 1
            case UInt8(ascii: "\n"):
                i += 1
                line += 1
                column = 1
            case UInt8(ascii: "-") where byte(at: i + 1) == UInt8(ascii: "-"):
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { step() }
            case UInt8(ascii: "/") where byte(at: i + 1) == UInt8(ascii: "*"):
                let start = position
                step()
                step()
                while true {
                    guard i < bytes.count else {
                        throw error("unterminated comment", at: start, hint: "a '/*' comment must end with '*/'")
                    }
                    if bytes[i] == UInt8(ascii: "*"), byte(at: i + 1) == UInt8(ascii: "/") {
                        step()
                        step()
                        break
                    }
                    step()
                }
            case 0xC2 where byte(at: i + 1) == 0xA0:
                throw error("unexpected no-break space (U+00A0)", at: position,
                            hint: "replace it with an ordinary space")
            default:
                return
            }
        }
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`, folded to lowercase.
    private mutating func scanWord() -> String {
        let start = i
        var hasUpper = false
        while i < bytes.count, isWordByte(bytes[i]) {
            if bytes[i] >= UInt8(ascii: "A") && bytes[i] <= UInt8(ascii: "Z") { hasUpper = true }
            i += 1
        }
        column += i - start
        let word = bytes[start..<i]
        if !hasUpper { return String(decoding: word, as: UTF8.self) }
        return String(decoding: word.map { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) ? $0 | 0x20 : $0 },
                      as: UTF8.self)
    }

    /// `123` (integer), `1.5` / `1.` / `.5` (decimal), `1e3` / `1.5E-2` (double).
    private mutating func scanNumber() throws(SQLError) -> (Token.Kind, String) {
        let start = i
        let startPosition = position
        var kind = Token.Kind.integer
        while isDigit(byte(at: i)) { i += 1 }
        if byte(at: i) == UInt8(ascii: ".") {
            kind = .decimal
            i += 1
            while isDigit(byte(at: i)) { i += 1 }
        }
        if byte(at: i) | 0x20 == UInt8(ascii: "e") {
            var j = i + 1
            if byte(at: j) == UInt8(ascii: "+") || byte(at: j) == UInt8(ascii: "-") { j += 1 }
            if isDigit(byte(at: j)) {
                kind = .double
                i = j
                while isDigit(byte(at: i)) { i += 1 }
            }
        }
        if isWordByte(byte(at: i)) {
            while isWordByte(byte(at: i)) { i += 1 }
            let spelling = String(decoding: bytes[start..<i], as: UTF8.self)
            throw error("invalid number '\(spelling)'", at: startPosition,
                        hint: "a name cannot start with a digit unless it is quoted: \"\(spelling)\"")
        }
        column += i - start
        return (kind, String(decoding: bytes[start..<i], as: UTF8.self))
    }

    /// The body of a `'string'` or `"identifier"`; a doubled quote stands for one quote.
    private mutating func scanQuoted(_ quote: UInt8, start: SourcePosition) throws(SQLError) -> String {
        step()  // opening quote
        let bodyStart = i
        var unescaped: [UInt8]? = nil  // only built when the body has doubled quotes
        while true {
            guard i < bytes.count else {
                if quote == UInt8(ascii: "'") {
                    throw error("unterminated string literal", at: start,
                                hint: "a string must end with ' (write '' for a quote inside it)")
                }
                throw error("unterminated quoted identifier", at: start,
                            hint: "a quoted name must end with \" (write \"\" for a quote inside it)")
            }
            let b = bytes[i]
            if b == quote {
                if byte(at: i + 1) == quote {
                    if unescaped == nil { unescaped = Array(bytes[bodyStart..<i]) }
                    unescaped!.append(quote)
                    step()
                    step()
                    continue
                }
                let body = unescaped.map { String(decoding: $0, as: UTF8.self) }
                    ?? String(decoding: bytes[bodyStart..<i], as: UTF8.self)
                step()  // closing quote
                return body
            }
            unescaped?.append(b)
            step()
        }
    }

    private mutating func scanSymbol(start: SourcePosition) throws(SQLError) -> Symbol {
        let b = bytes[i]
        let next = byte(at: i + 1)
        var length = 1
        let symbol: Symbol
        switch b {
        case UInt8(ascii: "("): symbol = .leftParen
        case UInt8(ascii: ")"): symbol = .rightParen
        case UInt8(ascii: "["): symbol = .leftBracket
        case UInt8(ascii: "]"): symbol = .rightBracket
        case UInt8(ascii: ","): symbol = .comma
        case UInt8(ascii: "."): symbol = .dot
        case UInt8(ascii: ";"): symbol = .semicolon
        case UInt8(ascii: "*"): symbol = .star
        case UInt8(ascii: "+"): symbol = .plus
        case UInt8(ascii: "/"): symbol = .slash
        case UInt8(ascii: "%"): symbol = .percent
        case UInt8(ascii: "-"):
            if next == UInt8(ascii: ">") {
                symbol = .arrow
                length = 2
            } else {
                symbol = .minus
            }
        case UInt8(ascii: "|"):
            guard next == UInt8(ascii: "|") else {
                throw error("unexpected character '|'", at: start, hint: "string concatenation is '||'")
            }
            symbol = .concat
            length = 2
        case UInt8(ascii: "="):
            if next == UInt8(ascii: "=") {
                throw error("'==' is not a SQL operator", at: start, hint: "use '=' to compare")
            }
            symbol = .equal
        case UInt8(ascii: "<"):
            if next == UInt8(ascii: "=") {
                symbol = .lessOrEqual
                length = 2
            } else if next == UInt8(ascii: ">") {
                symbol = .notEqual
                length = 2
            } else {
                symbol = .less
            }
        case UInt8(ascii: ">"):
            if next == UInt8(ascii: "=") {
                symbol = .greaterOrEqual
                length = 2
            } else {
                symbol = .greater
            }
        case UInt8(ascii: "!"):
            guard next == UInt8(ascii: "=") else {
                throw error("unexpected character '!'", at: start, hint: "use NOT for negation and '<>' or '!=' for inequality")
            }
            symbol = .notEqual
            length = 2
        case UInt8(ascii: ":"):
            guard next == UInt8(ascii: ":") else {
                throw error("unexpected character ':'", at: start)
            }
            symbol = .doubleColon
            length = 2
        case UInt8(ascii: "?"):
            throw error("query parameters ('?') are not supported", at: start)
        case UInt8(ascii: "`"):
            throw error("backquoted identifiers are not supported", at: start,
                        hint: "Trino SQL quotes names with double quotes: \"name\"")
        default:
            throw error("unexpected character \(describeCharacter(at: i))", at: start,
                        hint: b >= 0x80 ? "names with characters other than A-Z, 0-9 and _ must be double-quoted" : nil)
        }
        i += length
        column += length
        return symbol
    }

    /// `'#'`, or `'é' (U+00E9)` for non-ASCII characters.
    private func describeCharacter(at offset: Int) -> String {
        let b = bytes[offset]
        if b < 0x80 {
            if b < 0x20 || b == 0x7F {
                return "U+" + hex(UInt32(b))
            }
            return "'" + String(UnicodeScalar(b)) + "'"
        }
        var end = offset + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        let text = String(decoding: bytes[offset..<end], as: UTF8.self)
        let scalar = text.unicodeScalars.first.map { $0.value } ?? 0xFFFD
        return "'" + text + "' (U+" + hex(scalar) + ")"
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
