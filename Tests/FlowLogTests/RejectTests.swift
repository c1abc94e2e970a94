import FlowSupport
import Testing
@testable import FlowLog

@Suite struct RejectTests {
    private static func line(_ fields: [String: String] = [:]) -> String {
        let base = ["2", "111122223333", "eni-0a1b2c3d", "10.0.0.1", "10.0.0.2", "443", "50000", "6", "10", "840",
                    "1700000000", "1700000060", "ACCEPT", "OK"]
        return zip(Formats.v2, base).map { fields[$0] ?? $1 }.joined(separator: " ")
    }

    @Test func exactReasonsAndLineNumbers() throws {
        let lines: [String] = [
            Self.line(),                                                                // 1 ok
            Self.line().split(separator: " ").dropLast().joined(separator: " "),       // 2 13 fields
            Self.line(["packets": "abc"]),                                              // 3
            Self.line(["bytes": "-5"]),                                                 // 4
            Self.line(["srcport": "70000"]),                                            // 5
            Self.line(["protocol": "256"]),                                             // 6
            Self.line(["srcaddr": "10.0.0.256"]),                                       // 7
            Self.line(["packets": "18446744073709551616"]),                             // 8 2^64
            Self.line(["packets": "9223372036854775807"]),                              // 9 ok: 2^63-1
            "",                                                                         // 10 blank
            Self.line(["dstaddr": "2001:db8::1::2"]),                                   // 11
            Self.line(["start": "9223372036854775808"]),                                // 12 > Int64.max
            Self.line(["start": "9223372036854775807"]),                                // 13 ok
            Self.line(["dstport": "65535", "protocol": "255"]),                         // 14 ok
            Self.line(["dstport": "65536"]),                                            // 15
            Self.line(["version": "2.0"]),                                              // 16
            Self.line(["bytes": "0x10"]),                                               // 17
            Self.line(["packets": "+5"]),                                               // 18
            Self.line(["bytes": "123456789012345678901"]),                              // 19 21 digits
            Self.line(["log-status": ""]),                                              // 20 13 fields (empty token)
            Self.line(["dstaddr": "fe80::1%eth0"]),                                     // 21
            Self.line(["srcport": "00080"]),                                            // 22 ok: leading zeros are a number
            Self.line() + " extra",                                                     // 23 15 fields
            Self.line(["packets": "--"]),                                               // 24
            Self.line(),                                                                // 25 ok
            Self.line(["bytes": "9223372036854775808"]),                                // 26 2^63: not a bigint
            Self.line(["packets": "18446744073709551615"]),                             // 27 2^64-1
        ]
        let text = lines.joined(separator: "\n") + "\n"
        let chunk = parseText(text)
        let expected: [(Int, String)] = [
            (2, "expected 14 fields (version...log-status), found 13"),
            (3, "field 9 (packets): 'abc' is not a number"),
            (4, "field 10 (bytes): '-5' is not a number"),
            (5, "field 6 (srcport): 70000 is out of range (0 to 65535)"),
            (6, "field 8 (protocol): 256 is out of range (0 to 255)"),
            (7, "field 4 (srcaddr): '10.0.0.256' is not an IP address"),
            (8, "field 9 (packets): '18446744073709551616' is too large"),
            (11, "field 5 (dstaddr): '2001:db8::1::2' is not an IP address"),
            (12, "field 11 (start): 9223372036854775808 is out of range (0 to 9223372036854775807)"),
            (15, "field 7 (dstport): 65536 is out of range (0 to 65535)"),
            (16, "field 1 (version): '2.0' is not a number"),
            (17, "field 10 (bytes): '0x10' is not a number"),
            (18, "field 9 (packets): '+5' is not a number"),
            (19, "field 10 (bytes): '123456789012345678901' is too large"),
            (20, "expected 14 fields (version...log-status), found 13"),
            (21, "field 5 (dstaddr): 'fe80::1%eth0' is not an IP address"),
            (23, "expected 14 fields (version...log-status), found 15"),
            (24, "field 9 (packets): '--' is not a number"),
            (26, "field 10 (bytes): 9223372036854775808 is out of range (0 to 9223372036854775807)"),
            (27, "field 9 (packets): 18446744073709551615 is out of range (0 to 9223372036854775807)"),
        ]
        #expect(chunk.lines == 27)
        #expect(chunk.blankLines == 1)
        #expect(chunk.records == 27 - 1 - expected.count)
        #expect(chunk.rejects.map(\.line) == expected.map(\.0))
        for (got, want) in zip(chunk.rejects, expected) {
            #expect(got.reason == want.1, "line \(want.0)")
            #expect(got.text == lines[want.0 - 1], "line \(want.0) text")
        }
        #expect(chunk.accountingHolds)
        // The stored rows are exactly the valid lines, in order.
        let storedLines = [1, 9, 13, 14, 22, 25]
        #expect(chunk.records == storedLines.count)
        #expect(chunk.text("packets", 1) == "9223372036854775807")
        #expect(chunk.text("start", 2) == "9223372036854775807")
        #expect(chunk.text("dstport", 3) == "65535" && chunk.text("protocol", 3) == "255")
        #expect(chunk.text("srcport", 4) == "80")
        #expect(chunk.text("packets", 5) == "10")
        // No column got a value from a rejected line (every column has exactly one entry per row).
        for i in FieldCatalog.fields.indices {
            if let c = chunk.batch.ints[i] { #expect(c.count == storedLines.count, "\(FieldCatalog.fields[i].name)") }
            if let c = chunk.batch.addresses[i] { #expect(c.count == storedLines.count) }
            if let c = chunk.batch.strings[i] { #expect(c.count == storedLines.count) }
        }
        expectMatchesReference(chunk, referenceParse(Array(text.utf8), initial: Formats.v2), "rejects")
    }

    /// A rejected line's text is capped at 512 bytes.
    @Test func longRejectedLineIsTruncated() {
        let long = Self.line(["account-id": String(repeating: "9", count: 600)]) + " x"
        let chunk = parseText(long)
        #expect(chunk.rejects.count == 1)
        #expect(chunk.rejects.first?.text == String(long.prefix(512)))
    }

    /// A huge bad value is quoted in the reason by its first 100 bytes and its length (a 40 MB
    /// value was quoted whole).
    @Test func longBadValuesAreQuotedShort() {
        let letters = String(repeating: "x", count: 5_000), digits = String(repeating: "9", count: 300)
        let chunk = parseText([Self.line(["packets": letters]), Self.line(["bytes": digits]), Self.line(["srcaddr": letters])].joined(separator: "\n") + "\n")
        #expect(chunk.rejects.map(\.reason) == [
            "field 9 (packets): '\(letters.prefix(100))... (5000 bytes)' is not a number",
            "field 10 (bytes): '\(digits.prefix(100))... (300 bytes)' is too large",
            "field 4 (srcaddr): '\(letters.prefix(100))... (5000 bytes)' is not an IP address",
        ])
    }

    @Test func linesAfterRejectsStillParseInCustomFormats() {
        let text = """
            instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr
            - eni-1 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5
            - eni-1 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.500
            - eni-1 10.0.1.5 10.0.0.220 10.0.1.5
            i-1 eni-2 10.0.1.6 10.0.0.221 10.0.1.6 203.0.113.6
            """
        let chunk = parseText(text)
        #expect(chunk.records == 2)
        #expect(chunk.rejects.map(\.line) == [3, 4])
        #expect(chunk.rejects.map(\.reason) == [
            "field 6 (pkt-dstaddr): '203.0.113.500' is not an IP address",
            "expected 6 fields (instance-id...pkt-dstaddr), found 5",
        ])
        #expect(chunk.text("instance-id", 1) == "i-1" && chunk.text("pkt-dstaddr", 1) == "203.0.113.6")
    }

    /// When a line has the wrong number of fields, that is the reason given, whatever its tokens
    /// look like once shifted into the wrong positions (a file in another format must say so).
    @Test func fieldCountMismatchIsTheReason() throws {
        let v3line = String(decoding: try Fixtures.bytes("synthetic_tgw-path-17-fields.log"), as: UTF8.self)
            .split(separator: "\n").first.map(String.init)!
        let cases: [(String, String)] = [
            // The 17-field TGW-path record read with the default format.
            (v3line, "expected 14 fields (version...log-status), found 17"),
            // One field missing in the middle: later tokens shift left.
            (Self.line(["srcport": ""]), "expected 14 fields (version...log-status), found 13"),
            // One field too many in the middle.
            (Self.line(["srcaddr": "10.0.0.1 10.0.0.9"]), "expected 14 fields (version...log-status), found 15"),
            // A CloudWatch export line with its timestamp prefix.
            ("2018-09-22T20:28:14.000Z " + Self.line(), "expected 14 fields (version...log-status), found 15"),
        ]
        for (text, reason) in cases {
            let chunk = parseText(text)
            #expect(chunk.records == 0)
            #expect(chunk.rejects.first?.reason == reason, "\(text)")
        }
    }

    /// A rejected line leaves no trace: the batch equals the batch of the text without that line
    /// (same codes, same dictionaries), for a reject at every position of the line.
    @Test func rejectedLinesLeaveNoTrace() {
        let good = [Self.line(), Self.line(["interface-id": "eni-2", "srcaddr": "2001:db8::7"]), Self.line(["account-id": "unknown"])]
        let bads = [
            Self.line(["account-id": "999999999999", "interface-id": "eni-rejected", "packets": "x"]),
            Self.line(["account-id": "888888888888", "action": "DROP", "log-status": "NOPE", "srcport": "99999"]),
            Self.line(["interface-id": "eni-zzz", "dstaddr": "300.1.1.1"]),
            Self.line(["action": "MAYBE", "log-status": "FINE"]) + " extra",
        ]
        let clean = parseText(good.joined(separator: "\n"))
        for bad in bads {
            let text = [good[0], bad, good[1], bad, good[2]].joined(separator: "\n")
            let chunk = parseText(text)
            #expect(chunk.records == 3 && chunk.rejects.count == 2)
            let diff = batchDifferences(chunk.batch, clean.batch)
            #expect(diff.isEmpty, "after rejecting '\(bad)': \(diff)")
        }
    }

    /// Undoing a rejected line must not confuse later lines: the rejected line's new value repeated
    /// on the next (valid) line, a new value after that, and a rejected line whose string field is
    /// `-` right after a line that added a new value.
    @Test func linesAfterARejectKeepTheirValues() {
        let lines = [
            Self.line(["account-id": "100000000001", "interface-id": "eni-a"]),                   // 1 ok
            Self.line(["account-id": "100000000002", "interface-id": "eni-b", "packets": "x"]),   // 2 rejected, new values
            Self.line(["account-id": "100000000002", "interface-id": "eni-b"]),                   // 3 ok, same values as 2
            Self.line(["account-id": "100000000003", "interface-id": "eni-c"]),                   // 4 ok, new values
            Self.line(["account-id": "100000000004", "interface-id": "eni-d"]),                   // 5 ok, new values
            Self.line(["account-id": "-", "interface-id": "-", "bytes": "y"]),                    // 6 rejected, nulls
            Self.line(["account-id": "100000000004", "interface-id": "eni-d"]),                   // 7 ok
            Self.line(["account-id": "100000000005", "interface-id": "eni-e"]),                   // 8 ok
        ]
        let chunk = parseText(lines.joined(separator: "\n"))
        #expect(chunk.rejects.map(\.line) == [2, 6])
        let accounts = (0..<chunk.records).map { chunk.text("account-id", $0) ?? "nil" }
        let enis = (0..<chunk.records).map { chunk.text("interface-id", $0) ?? "nil" }
        #expect(accounts == ["100000000001", "100000000002", "100000000003", "100000000004", "100000000004", "100000000005"])
        #expect(enis == ["eni-a", "eni-b", "eni-c", "eni-d", "eni-d", "eni-e"])
        let clean = parseText([lines[0], lines[2], lines[3], lines[4], lines[6], lines[7]].joined(separator: "\n"))
        let diff = batchDifferences(chunk.batch, clean.batch)
        #expect(diff.isEmpty, "\(diff)")
    }

    /// Many distinct values in one text column (a busy VPC has thousands of ENIs and peers).
    @Test func manyDistinctStringValues() throws {
        let n = 5000
        let text = (0..<n).map { i in Self.line(["interface-id": "eni-\(String(i, radix: 16))", "account-id": "\(100_000_000_000 + i % 70)"]) }
            .joined(separator: "\n")
        let chunk = try #require(withDeadline(seconds: 3) { parseText(text) }, "parsing did not finish within 3 s")
        #expect(chunk.records == n)
        let col = try #require(chunk.batch.strings[id("interface-id")])
        #expect(col.dictionary.count == n)
        var wrong = 0
        for i in 0..<n where chunk.text("interface-id", i) != "eni-\(String(i, radix: 16))" || col.codes[i] != UInt32(i + 1) { wrong += 1 }
        #expect(wrong == 0)
        #expect(chunk.batch.strings[id("account-id")]!.dictionary.count == 70)
    }

    /// Seeded random texts (several formats, header switches, blanks, CRLF, runs of blanks, nulls,
    /// IPv6 in several spellings, bad values) compared record by record with the reference.
    @Test func randomTextsAgainstReference() {
        var rng = SplitMix64(seed: 0xF10_0106)
        let formats: [[String]] = [Formats.v2, Formats.v3Custom21, Formats.v5All, Formats.tgw36, Formats.v8Forty,
                                   ["instance-id", "interface-id", "srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr"],
                                   Formats.v2 + ["x-future", "y-future"], Formats.tgwPath17]
        let strings = ["eni-aaaa", "eni-aaab", "eni-baaa", "eni-0123456789abcdef0", "ACCEPT", "REJECT", "OK", "NODATA",
                       "unknown", "063605715280", "i-0a", "--", "x", "AMAZON", "us-east-1", "é-ünïcode"]
        var parser = RecordParser()
        for round in 0..<40 {
            var mapping = formats[rng.below(formats.count)]
            let initial = mapping
            var text = ""
            for _ in 0..<rng.below(80) {
                let eol = rng.chance(15) ? "\r\n" : "\n"
                if rng.chance(5) { text += (rng.chance(50) ? "" : " \t ") + eol; continue }
                if rng.chance(6) {
                    mapping = formats[rng.below(formats.count)]
                    text += mapping.joined(separator: " ") + eol
                    continue
                }
                var tokens: [String] = mapping.map { name in
                    if rng.chance(12) { return "-" }
                    let kind = RefFields.kinds[name] ?? .string
                    let bad = rng.chance(2)
                    switch kind {
                    case .string: return rng.pick(strings)
                    case .address:
                        if bad { return rng.pick(["10.0.0.256", "1.2.3", "::1::", "fe80::1%1", "x"]) }
                        let a = rng.chance(60) ? IPAddress(ipv4: UInt32(truncatingIfNeeded: rng.next()))
                                               : IPAddress(high: 0x2001_0DB8_0000_0000 | (rng.next() & 0xFFFF), low: rng.chance(50) ? 0 : rng.next())
                        var s = a.description
                        if rng.chance(30) { s = s.uppercased() }
                        return s
                    default:
                        if bad { return rng.pick(["abc", "-1", "256", "65536", "18446744073709551616", "9223372036854775808", "1.5"]) }
                        let maxV = RefFields.maxValue(kind)
                        return String(rng.chance(10) ? maxV : rng.next() % (maxV == UInt64.max ? UInt64.max : maxV + 1))
                    }
                }
                if rng.chance(3) { tokens.removeLast() }
                if rng.chance(2) { tokens.append("extra") }
                var line = rng.chance(10) ? " " : ""
                for (k, t) in tokens.enumerated() {
                    if k > 0 { line += rng.chance(90) ? " " : rng.pick(["  ", "\t", " \t", "\t\t "]) }
                    line += t
                }
                if rng.chance(10) { line += " " }
                text += line + eol
            }
            if rng.chance(30), text.hasSuffix("\n") { text.removeLast() }
            let bytes = Array(text.utf8)
            let chunk = bytes.withUnsafeBytes { parser.parse($0, mapping: FieldMapping(names: initial)) }
            expectMatchesReference(chunk, referenceParse(bytes, initial: initial), "round \(round)")
        }
    }
}
