/// A pattern of Trino's regexp_extract, regexp_replace, regexp_count and regexp_position: Java's
/// syntax, searched leftmost-first with backtracking, so that a match's extent and its groups are
/// Java's (`a|ab` matches `a`; lazy quantifiers stop early). regexp_like keeps the C library's
/// POSIX matcher (`RegularExpression`) where it can express the pattern: whether a text matches at
/// all is the same under both, and POSIX is faster; this runs the rest (`\b`, lookahead,
/// back-references). Swift's `Regex` runs these patterns (a Perl-family engine: the same
/// leftmost-first semantics, the same empty-match stepping as Java's `Matcher.find`), with `\d \s
/// \w` ASCII-only and `\b` their simple boundary, as in Java.
/// Constructs it cannot run (lookbehind) are refused with its message.
final class MatchPattern: @unchecked Sendable, Equatable {
    let pattern: String
    let regex: Regex<AnyRegexOutput>
    /// The capturing groups in the order their '(' appear: their names (nil when unnamed).
    let groups: [String?]
    /// Whether a match depends on the text before it (`^`, `\b`, `\B`, `\A`, `\G`): such a
    /// pattern cannot be searched from the middle of a text by searching the rest of it.
    let looksBehind: Bool

    init(_ pattern: String) throws(RegularExpression.Unsupported) {
        self.pattern = pattern
        do {
            // `\b` as Java reads it: between a word character and a non-word one (Swift's default,
            // Unicode's word boundaries, finds none inside "10.0.1.2"). Matched by characters, not
            // by Unicode scalars: with scalar semantics, Swift 6.3's simple boundary is never found
            // before a digit (`\b\d+` finds nothing in "x 10"). The two differ only on combined
            // characters (an accent as a scalar of its own), which flow logs do not hold.
            regex = try Regex(pattern)
                .asciiOnlyDigits().asciiOnlyWhitespace().asciiOnlyWordCharacters().wordBoundaryKind(.simple)
        } catch {
            throw RegularExpression.Unsupported(message: "invalid or unsupported regular expression '\(pattern)': \(error)")
        }
        (groups, looksBehind) = Self.scan(pattern)
    }

    static func == (a: MatchPattern, b: MatchPattern) -> Bool { a === b }

    /// The capturing groups of a pattern: every '(' outside a character class and a `\Q...\E`
    /// quote that is not escaped and is not `(?` (a non-capturing group, a flag, a lookaround),
    /// except `(?<name>`, `(?P<name>` and `(?'name'`, which capture. And whether it has an anchor
    /// that looks at the text before a match (see `looksBehind`).
    static func scan(_ pattern: String) -> (groups: [String?], looksBehind: Bool) {
        let s = Array(pattern.unicodeScalars)
        var groups: [String?] = []
        var looksBehind = false
        var i = 0, inClass = false
        func name(from start: Int, until end: Unicode.Scalar) -> String {
            var j = start, out = ""
            while j < s.count && s[j] != end { out.unicodeScalars.append(s[j]); j += 1 }
            return out
        }
        while i < s.count {
            let c = s[i]
            if c == "\\" {
                if !inClass && i + 1 < s.count && ["b", "B", "A", "G"].contains(s[i + 1]) { looksBehind = true }
                if i + 1 < s.count && s[i + 1] == "Q" {
                    // \Q...\E: literal up to \E (or the end).
                    i += 2
                    while i < s.count && !(s[i] == "\\" && i + 1 < s.count && s[i + 1] == "E") { i += 1 }
                }
                i += 2
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
            } else if c == "[" {
                inClass = true
                // A ']' right after '[' or '[^' is a member, not the end.
                if i + 1 < s.count && s[i + 1] == "^" { i += 1 }
                if i + 1 < s.count && s[i + 1] == "]" { i += 1 }
            } else if c == "^" {
                looksBehind = true
            } else if c == "(" {
                if i + 1 < s.count && s[i + 1] == "?" {
                    let rest = i + 2 < s.count ? s[i + 2] : " "
                    let after = i + 3 < s.count ? s[i + 3] : " "
                    if rest == "<" && after != "=" && after != "!" {
                        groups.append(name(from: i + 3, until: ">"))
                    } else if rest == "P" && after == "<" {
                        groups.append(name(from: i + 4, until: ">"))
                    } else if rest == "'" {
                        groups.append(name(from: i + 3, until: "'"))
                    }
                } else {
                    groups.append(nil)
                }
            }
            i += 1
        }
        return (groups, looksBehind)
    }

    /// The text of group `group` (0: the whole match) of the first match; nil when there is no
    /// match or the group took no part in it (Trino's NULL).
    func extract(_ text: String, group: Int) -> String? {
        guard let m = text.firstMatch(of: regex), group < m.output.count else { return nil }
        return m.output[group].substring.map(String.init)
    }

    /// Whether the pattern matches somewhere in `text`.
    func matches(_ text: String) -> Bool {
        text.firstMatch(of: regex) != nil
    }

    /// How many times the pattern matches, as Java's `find` loop counts (an empty match steps on
    /// by one character).
    func count(_ text: String) -> Int {
        text.matches(of: regex).count
    }

    /// The 1-based scalar position of the `occurrence`-th match found searching from scalar
    /// position `start` (1-based), or -1, as Java's `Matcher.find(start)` and the finds after it
    /// give it: the text before `start` is seen by `^` and `\b`. A pattern that does not look
    /// behind is searched in the rest of the text; one that does, in the whole text, whose
    /// matches from `start` on are the same unless one of them straddles `start`: then an error
    /// rather than a guess.
    func position(_ text: String, start: Int, occurrence: Int) throws(QueryRuntimeError) -> Int {
        let scalars = text.unicodeScalars
        guard start - 1 <= scalars.count else { return -1 }
        let from = scalars.index(scalars.startIndex, offsetBy: start - 1)
        var seen = 0
        if !looksBehind {
            let rest = String(scalars[from...])
            for m in rest.matches(of: regex) {
                seen += 1
                if seen == occurrence { return start + rest.unicodeScalars.distance(from: rest.startIndex, to: m.range.lowerBound) }
            }
            return -1
        }
        for m in text.matches(of: regex) {
            if m.range.lowerBound < from {
                if m.range.upperBound > from {
                    throw QueryRuntimeError(description: "regexp_position: the pattern '\(pattern)' looks behind (^, \\b) and a match straddles start position \(start); not supported")
                }
                continue
            }
            seen += 1
            if seen == occurrence { return 1 + scalars.distance(from: scalars.startIndex, to: m.range.lowerBound) }
        }
        return -1
    }

    /// `text` with every match replaced by `replacement`'s expansion.
    func replace(_ text: String, with replacement: Replacement) -> String {
        var out = ""
        var last = text.startIndex
        for m in text.matches(of: regex) {
            out += text[last..<m.range.lowerBound]
            for part in replacement.parts {
                switch part {
                case .text(let t): out += t
                case .group(let g):
                    if g < m.output.count, let sub = m.output[g].substring { out += sub }
                }
            }
            last = m.range.upperBound
        }
        out += text[last...]
        return out
    }

    /// A replacement string of regexp_replace, read as Trino reads it: `$n` (the longest run of
    /// digits naming an existing group, at least one digit), `${name}`, `\x` for a literal x
    /// (so `\$` and `\\`), anything else literal.
    struct Replacement: Equatable {
        enum Part: Equatable { case text(String), group(Int) }
        var parts: [Part]

        init(_ replacement: String, groups: [String?]) throws(RegularExpression.Unsupported) {
            let s = Array(replacement.unicodeScalars)
            func illegal(_ why: String) -> RegularExpression.Unsupported {
                RegularExpression.Unsupported(message: "Illegal replacement sequence: \(why)")
            }
            var parts: [Part] = []
            var literal = ""
            func flush() { if !literal.isEmpty { parts.append(.text(literal)); literal = "" } }
            var i = 0
            while i < s.count {
                let c = s[i]
                if c == "\\" {
                    i += 1
                    guard i < s.count else { throw illegal(replacement) }
                    literal.unicodeScalars.append(s[i])
                    i += 1
                } else if c == "$" {
                    i += 1
                    guard i < s.count else { throw illegal(replacement) }
                    if s[i] == "{" {
                        var j = i + 1, name = ""
                        while j < s.count && s[j] != "}" { name.unicodeScalars.append(s[j]); j += 1 }
                        guard let k = groups.firstIndex(where: { $0 == name }) else { throw illegal("unknown group { \(name) }") }
                        flush()
                        parts.append(.group(k + 1))
                        i = j + 1
                    } else {
                        guard s[i].isASCII, let d = Int(String(s[i])) else { throw illegal(replacement) }
                        guard d <= groups.count else { throw illegal("unknown group \(d)") }
                        var g = d
                        i += 1
                        // More digits while they still name a group ($12 is group 12 if there
                        // is one, else group 1 and a literal 2).
                        while i < s.count, s[i].isASCII, let e = Int(String(s[i])), g * 10 + e <= groups.count {
                            g = g * 10 + e
                            i += 1
                        }
                        flush()
                        parts.append(.group(g))
                    }
                } else {
                    literal.unicodeScalars.append(c)
                    i += 1
                }
            }
            flush()
            self.parts = parts
        }
    }
}
