import Glibc

/// A pattern of Trino's regexp_like (Java's syntax), run by the C library's POSIX extended
/// regular expressions. The common Java constructs are translated (`\d \w \s` and their
/// negations, escaped punctuation, `(?:...)`, a leading `(?i)`, lazy quantifiers, which do not
/// change whether a text matches); constructs POSIX cannot express the same way (lookaround,
/// back-references, word boundaries, possessive quantifiers, Unicode classes) are refused with
/// a message rather than run with another meaning.
final class RegularExpression: @unchecked Sendable, Equatable {
    struct Unsupported: Error { let message: String }

    let pattern: String
    /// Compiled once; glibc's regexec may be called on it from several threads.
    private let compiled: UnsafeMutablePointer<regex_t>

    init(_ pattern: String) throws(Unsupported) {
        self.pattern = pattern
        let (ere, ignoreCase) = try Self.translate(pattern)
        // Compiled before `compiled` is set: a failed init then never reaches deinit's regfree.
        let re = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
        let flags = REG_EXTENDED | REG_NOSUB | (ignoreCase ? REG_ICASE : 0)
        let rc = regcomp(re, ere, flags)
        if rc != 0 {
            var buf = [CChar](repeating: 0, count: 256)
            regerror(rc, re, &buf, buf.count)
            re.deallocate()
            let why = buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw Unsupported(message: "invalid regular expression '\(pattern)': \(why)")
        }
        compiled = re
    }

    deinit {
        regfree(compiled)
        compiled.deallocate()
    }

    static func == (a: RegularExpression, b: RegularExpression) -> Bool { a === b }

    /// Whether the pattern matches somewhere in `text` (regexp_like searches; anchors anchor).
    func matches(_ text: UnsafeRawBufferPointer) -> Bool {
        // regexec reads a C string: the text copied with a terminating NUL (a NUL inside the
        // text would end it early; flow log text has none).
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) { buf in
            let p = buf.baseAddress!
            if let base = text.baseAddress { UnsafeMutableRawPointer(p).copyMemory(from: base, byteCount: text.count) }
            p[text.count] = 0
            return regexec(compiled, p, 0, nil, 0) == 0
        }
    }

    /// The POSIX ERE for a Java pattern, and whether it asked for case-insensitive matching.
    static func translate(_ pattern: String) throws(Unsupported) -> (String, Bool) {
        var chars = Array(pattern.unicodeScalars)[...]
        var out = ""
        var ignoreCase = false
        func refuse(_ what: String) -> Unsupported {
            Unsupported(message: "\(what) in regular expression '\(pattern)' is not supported")
        }
        func invalid(_ what: String) -> Unsupported {
            Unsupported(message: "invalid regular expression '\(pattern)': \(what)")
        }
        if chars.starts(with: "(?i)".unicodeScalars) {
            ignoreCase = true
            chars = chars.dropFirst(4)
        }
        let classes: [Unicode.Scalar: String] = ["d": "[0-9]", "D": "[^0-9]", "w": "[A-Za-z0-9_]", "W": "[^A-Za-z0-9_]",
                                                 "s": "[[:space:]]", "S": "[^[:space:]]"]
        let inClass: [Unicode.Scalar: String] = ["d": "0-9", "w": "A-Za-z0-9_", "s": "[:space:]"]
        let literal = Set("\\.^$|?*+()[]{}/-_:=!<>,'\"#&~@%`;".unicodeScalars)
        while let c = chars.popFirst() {
            switch c {
            case "\\":
                guard let e = chars.popFirst() else { throw invalid("a trailing backslash") }
                if let cls = classes[e] { out += cls; continue }
                if e == "t" { out += "\t"; continue }
                if e == "n" { out += "\n"; continue }
                guard literal.contains(e) else { throw refuse("\\\(e)") }
                // A literal: escaped where ERE gives it a meaning.
                out += "\\.^$|?*+()[]{}".unicodeScalars.contains(e) ? "\\" + String(e) : String(e)
            case "(":
                if chars.first == "?" {
                    chars = chars.dropFirst()
                    guard chars.first == ":" else { throw refuse("(?" + (chars.first.map { String($0) } ?? "")) }
                    chars = chars.dropFirst()
                }
                out += "("
            case "*", "+", "?", "}":
                out.unicodeScalars.append(c)
                if chars.first == "?" { chars = chars.dropFirst() }  // lazy: the same texts match
                if chars.first == "+" { throw refuse("a possessive quantifier") }
            case "[":
                out += "["
                if chars.first == "^" { out += "^"; chars = chars.dropFirst() }
                if chars.first == "]" { out += "]"; chars = chars.dropFirst() }
                var dash = false
                var closed = false
                while let d = chars.popFirst() {
                    if d == "]" { closed = true; break }
                    if d == "[" { throw refuse("a nested character class") }
                    if d == "\\" {
                        guard let e = chars.popFirst() else { throw invalid("a trailing backslash") }
                        if let cls = inClass[e] { out += cls; continue }
                        if e == "-" { dash = true; continue }  // put last, where '-' is literal
                        if e == "\\" { out += "\\"; continue }
                        guard literal.contains(e), e != "]", e != "[", e != "^" else { throw refuse("\\\(e) in a character class") }
                        out.unicodeScalars.append(e)
                        continue
                    }
                    out.unicodeScalars.append(d)
                }
                guard closed else { throw invalid("an unclosed character class") }
                out += dash ? "-]" : "]"
            default:
                out.unicodeScalars.append(c)
            }
        }
        return (out, ignoreCase)
    }
}
