@testable import FlowQuery
import Testing

/// LIKE matching: `%` any run, `_` one byte, ESCAPE. Checked against a dynamic-programming
/// reference on every small pattern and text over a two-letter alphabet, and on patterns with
/// many `%`s (which a matcher that tries every place for every `%` could not finish).
@Suite struct LikePatternTests {
    /// Classic table: can pattern[..<i] match text[..<j]?
    static func reference(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
        var can = [[Bool]](repeating: [Bool](repeating: false, count: text.count + 1), count: pattern.count + 1)
        can[0][0] = true
        for i in 1...max(1, pattern.count) where i <= pattern.count {
            for j in 0...text.count {
                switch pattern[i - 1] {
                case UInt8(ascii: "%"): can[i][j] = can[i - 1][j] || (j > 0 && can[i][j - 1])
                case UInt8(ascii: "_"): can[i][j] = j > 0 && can[i - 1][j - 1]
                default: can[i][j] = j > 0 && can[i - 1][j - 1] && pattern[i - 1] == text[j - 1]
                }
            }
        }
        return can[pattern.count][text.count]
    }

    static func all(_ alphabet: [UInt8], upTo n: Int) -> [[UInt8]] {
        var out: [[UInt8]] = [[]]
        var level: [[UInt8]] = [[]]
        for _ in 0..<n {
            level = level.flatMap { w in alphabet.map { w + [$0] } }
            out += level
        }
        return out
    }

    @Test func agreesWithTheReference() {
        let patterns = Self.all(Array("ab%_".utf8), upTo: 5)
        let texts = Self.all(Array("ab".utf8), upTo: 6)
        var checked = 0
        for p in patterns {
            let like = LikePattern(String(decoding: p, as: UTF8.self))
            for t in texts {
                let got = t.withUnsafeBytes { like.matches($0) }
                if got != Self.reference(p, t) {
                    Issue.record("'\(String(decoding: t, as: UTF8.self))' LIKE '\(String(decoding: p, as: UTF8.self))' gave \(got)")
                    return
                }
                checked += 1
            }
        }
        #expect(checked == patterns.count * texts.count)
    }

    @Test func manyPercentSignsMatchInLinearSteps() {
        let text = Array(String(repeating: "a", count: 60).utf8)
        for (pattern, expected) in [
            (String(repeating: "%a", count: 30) + "b", false),
            (String(repeating: "%a", count: 30) + "%", true),
            (String(repeating: "%", count: 1000) + "b", false),
            (String(repeating: "%", count: 1000) + "a", true),
            (String(repeating: "%_", count: 61), false),
            (String(repeating: "%_", count: 60), true),
        ] {
            let got = text.withUnsafeBytes { LikePattern(pattern).matches($0) }
            #expect(got == expected, "\(pattern.prefix(20))...")
        }
    }

    @Test func escapedWildcardsAreLiterals() {
        let like = LikePattern("100!%_%", escape: UInt8(ascii: "!"))
        for (text, expected) in [("100%x", true), ("100%xyz", true), ("100x", false), ("1000x", false), ("100%", false)] {
            #expect(Array(text.utf8).withUnsafeBytes { like.matches($0) } == expected, "\(text)")
        }
    }
}
