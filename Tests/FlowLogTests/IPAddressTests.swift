import FlowSupport
import Testing
@testable import FlowLog

private func v4(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32) -> IPAddress {
    IPAddress(ipv4: a << 24 | b << 16 | c << 8 | d)
}

/// Parses through the raw-bytes entry point the record parser uses (not via `String`).
private func parseRaw(_ s: String) -> IPAddress? {
    let bytes = Array(s.utf8)
    return bytes.withUnsafeBytes { IPAddress.parse($0) }
}

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("0.0.0.0", 0 as UInt32),
        ("255.255.255.255", 0xFFFF_FFFF),
        ("10.0.0.1", 0x0A00_0001),
        ("172.31.16.139", 0xAC1F_108B),
        ("1.2.3.4", 0x0102_0304),
        ("100.64.0.0", 0x6440_0000),
        ("0.0.0.10", 0x0000_000A),
        ("192.168.100.200", 0xC0A8_64C8),
    ])
    func validIPv4(_ text: String, _ value: UInt32) throws {
        let a = try #require(IPAddress(text))
        #expect(a.isIPv4)
        #expect(a.ipv4 == value)
        #expect(a == IPAddress(ipv4: value))
        #expect(a.high == 0 && a.low == 0x0000_FFFF_0000_0000 | UInt64(value))
        #expect(a.description == text)
        #expect(parseRaw(text) == a)
    }

    @Test(arguments: [
        "256.1.1.1", "1.256.1.1", "1.1.1.256", "999.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.02.3.4", "1.2.3.00",
        "1..2.3", ".1.2.3", "1.2.3.", "", " ", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4\t", "1 .2.3.4", "a.b.c.d", "1.2.3.4a",
        "1.2.3.-4", "+1.2.3.4", "1.2.3.4/24", "1234.1.1.1", "1.2.3.4\n", "0x1.2.3.4", "1,2,3,4", "-", "4294967295",
    ])
    func invalidIPv4(_ text: String) {
        #expect(IPAddress(text) == nil)
        #expect(parseRaw(text) == nil)
        #expect(ptonBytes(text) == nil, "the reference must agree that '\(text)' is invalid")
    }

    @Test(arguments: [
        ("::", 0 as UInt64, 0 as UInt64, "::"),
        ("::1", 0, 1, "::1"),
        ("2001:db8::", 0x2001_0DB8_0000_0000, 0, "2001:db8::"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", 0x2001_0DB8_0000_0000, 1, "2001:db8::1"),
        ("1:2:3:4:5:6:7:8", 0x0001_0002_0003_0004, 0x0005_0006_0007_0008, "1:2:3:4:5:6:7:8"),
        ("FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF", UInt64.max, UInt64.max, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ("2001:DB8:AbCd::eF", 0x2001_0DB8_ABCD_0000, 0xEF, "2001:db8:abcd::ef"),
        ("2001:db8:1234:a100:8d6e:3477:df66:f105", 0x2001_0DB8_1234_A100, 0x8D6E_3477_DF66_F105,
         "2001:db8:1234:a100:8d6e:3477:df66:f105"),
        ("2001:db8:1234:a102:3304:8879:34cf:4071", 0x2001_0DB8_1234_A102, 0x3304_8879_34CF_4071,
         "2001:db8:1234:a102:3304:8879:34cf:4071"),
        ("2a02:cf40::", 0x2A02_CF40_0000_0000, 0, "2a02:cf40::"),
        ("fe80::1", 0xFE80_0000_0000_0000, 1, "fe80::1"),
        ("1::", 0x0001_0000_0000_0000, 0, "1::"),
        ("1:2:3:4:5:6:7::", 0x0001_0002_0003_0004, 0x0005_0006_0007_0000, "1:2:3:4:5:6:7:0"),
        ("::2:3:4:5:6:7:8", 0x0000_0002_0003_0004, 0x0005_0006_0007_0008, "0:2:3:4:5:6:7:8"),
        ("1::8", 0x0001_0000_0000_0000, 8, "1::8"),
        ("::1.2.3.4", 0, 0x0102_0304, "::102:304"),
        ("64:ff9b::192.0.2.33", 0x0064_FF9B_0000_0000, 0xC000_0221, "64:ff9b::c000:221"),
        ("1:2:3:4:5:6:1.2.3.4", 0x0001_0002_0003_0004, 0x0005_0006_0102_0304, "1:2:3:4:5:6:102:304"),
        ("0:0:0:0:0:0:0:0", 0, 0, "::"),
    ])
    func validIPv6(_ text: String, _ high: UInt64, _ low: UInt64, _ formatted: String) throws {
        let a = try #require(IPAddress(text))
        #expect(a.high == high)
        #expect(a.low == low)
        #expect(a.description == formatted)
        #expect(parseRaw(text) == a)
        #expect(ptonBytes(text) == addressBytes(a), "glibc inet_pton reads '\(text)' differently")
    }

    @Test func embeddedIPv4EqualsIPv4() throws {
        let mapped = try #require(IPAddress("::ffff:1.2.3.4"))
        #expect(mapped == IPAddress("1.2.3.4"))
        #expect(mapped == v4(1, 2, 3, 4))
        #expect(mapped.isIPv4 && mapped.ipv4 == 0x0102_0304)
        #expect(mapped.description == "1.2.3.4")
        #expect(IPAddress("::FFFF:10.0.0.1") == IPAddress("10.0.0.1"))
        #expect(IPAddress("0:0:0:0:0:ffff:102:304") == IPAddress("1.2.3.4"))
        #expect(IPAddress("::ffff:0.0.0.0") == IPAddress("0.0.0.0"))
    }

    @Test(arguments: [
        ":::", "::::", "1::2::3", "::1::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
        "12345::", "1:2:3:4:5:6:7:12345", "1:2:3:4:5:6:7:", "1:2:3:4:5:6:7:8:", "1:", ":1", ":1::", "1:2:3:4:5:6:7",
        "fe80::1%eth0", "fe80::1%1", "g::", "2001:db8::g", "2001:db8:::1", "[::1]", "::1/128", " ::1", "::1 ",
        "::ffff:1.2.3", "::ffff:1.2.3.256", "::ffff:01.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "1.2.3.4::", "::1.2.3.4:5",
        "1:2:3:4:5:1.2.3.4", "::-1", "2001:db8::+1", "0x2001::", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255.1",
    ])
    func invalidIPv6(_ text: String) {
        #expect(IPAddress(text) == nil)
        #expect(parseRaw(text) == nil)
        #expect(ptonBytes(text) == nil, "the reference must agree that '\(text)' is invalid")
    }

    @Test(arguments: [
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),           // longest run wins; first on a tie
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),        // a single zero group is not compressed
        ("2001:0DB8:0:0:0:0:2:1", "2001:db8::2:1"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
        ("1:0:0:2:3:0:0:4", "1::2:3:0:0:4"),
        ("0:0:1:0:0:0:0:0", "0:0:1::"),
        ("0:1:0:1:0:1:0:1", "0:1:0:1:0:1:0:1"),
        ("ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789"),
        ("0001:0002:0000:0000:0000:0000:0000:0000", "1:2::"),
        ("ffff::", "ffff::"),
        ("::ffff:0:0", "0.0.0.0"),                                // IPv4-mapped prints as IPv4 (by design)
    ])
    func rfc5952Formatting(_ input: String, _ expected: String) throws {
        let a = try #require(IPAddress(input))
        #expect(a.description == expected)
        #expect(a.description == a.description.lowercased())
        #expect(IPAddress(a.description) == a)
    }

    /// Random 128-bit values (with long zero runs made likely) format and parse back to themselves;
    /// the text is what glibc's inet_ntop writes (RFC 5952) except for the forms where inet_ntop
    /// prints an embedded IPv4.
    @Test func randomIPv6RoundTrip() throws {
        var rng = SplitMix64(seed: 0x5952)
        for i in 0..<2000 {
            var groups = [UInt64](repeating: 0, count: 8)
            for k in 0..<8 where !rng.chance(45) {
                groups[k] = rng.chance(20) ? UInt64(rng.below(16)) : rng.next() & 0xFFFF
            }
            if i < 3 { groups = i == 0 ? [0, 0, 0, 0, 0, 0, 0, 0] : i == 1 ? [0, 0, 0, 0, 0, 0, 0, 1] : [0xFFFF, 0, 0, 0, 0, 0, 0, 0] }
            let high = groups[0..<4].reduce(0) { $0 << 16 | $1 }
            let low = groups[4..<8].reduce(0) { $0 << 16 | $1 }
            let a = IPAddress(high: high, low: low)
            let text = a.description
            #expect(IPAddress(text) == a, "\(text)")
            #expect(parseRaw(text) == a, "\(text)")
            #expect(text == text.lowercased())
            let b = addressBytes(a)
            if a.isIPv4 {
                #expect(text.split(separator: ".").count == 4)
            } else if !(b[0..<12].allSatisfy { $0 == 0 }) {
                #expect(text == ntop6(b), "RFC 5952 text for \(groups)")
            }
            // Uncompressed, uppercase, leading-zero text of the same value parses to it too.
            let full = groups.map { g -> String in
                let h = String(g, radix: 16, uppercase: true)
                return String(repeating: "0", count: 4 - h.count) + h
            }.joined(separator: ":")
            #expect(IPAddress(full) == a, "\(full)")
        }
    }

    @Test func randomIPv4RoundTrip() throws {
        var rng = SplitMix64(seed: 0x1F4)
        for i in 0..<2000 {
            let v = i == 0 ? 0 : i == 1 ? UInt32.max : UInt32(truncatingIfNeeded: rng.next())
            let a = IPAddress(ipv4: v)
            let text = a.description
            #expect(IPAddress(text) == a, "\(text)")
            #expect(parseRaw(text) == a)
            #expect(ptonBytes(text) == addressBytes(a))
            #expect(IPAddress("::ffff:" + text) == a)
        }
    }

    /// Mutated address texts: the parser must accept exactly what glibc's inet_pton accepts (minus
    /// nothing: flow logs hold plain RFC 4291 text) and read the same value.
    @Test func differentialAgainstInetPton() {
        var rng = SplitMix64(seed: 4291)
        let alphabet = Array("0123456789abcdefABCDEF:.:.%g ")
        var disagreements: [String] = []
        for _ in 0..<20_000 {
            var text: [Character]
            switch rng.below(3) {
            case 0:
                text = Array(IPAddress(ipv4: UInt32(truncatingIfNeeded: rng.next())).description)
            case 1:
                text = Array(IPAddress(high: rng.chance(50) ? rng.next() : 0, low: rng.chance(50) ? rng.next() : 1).description)
            default:
                var g = (0..<8).map { _ in String(rng.next() & 0xFFFF, radix: 16) }
                if rng.chance(30) { g[rng.below(8)] = "0" }
                text = Array(g.joined(separator: ":"))
            }
            for _ in 0..<rng.below(3) {
                let pos = rng.below(text.count + 1)
                switch rng.below(3) {
                case 0: if pos < text.count { text.remove(at: pos) }
                case 1: text.insert(rng.pick(alphabet), at: pos)
                default: if pos < text.count { text[pos] = rng.pick(alphabet) }
                }
            }
            let s = String(text)
            let ours = IPAddress(s).map(addressBytes)
            let theirs = ptonBytes(s)
            if ours != theirs { disagreements.append("'\(s)': ours \(ours.map { "\($0)" } ?? "nil"), inet_pton \(theirs.map { "\($0)" } ?? "nil")") }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count): \(disagreements.prefix(10))")
    }

    @Test func orderingIs128Bit() throws {
        let four = try #require(IPAddress("255.255.255.255"))
        let six = try #require(IPAddress("2001:db8::"))
        #expect(four < six)
        #expect(IPAddress("0.0.0.0")! < IPAddress("0.0.0.1")!)
        #expect(IPAddress("9.255.255.255")! < IPAddress("10.0.0.0")!)
        #expect(IPAddress("::1")! < IPAddress("0.0.0.0")!)  // ::1 is below ::ffff:0.0.0.0
        #expect(IPAddress("255.255.255.255")! < IPAddress("::1:0:0:0")!)
        #expect(IPAddress("::ffff:ffff:ffff")! < IPAddress("1::")!)
        #expect(!(six < six))
        var rng = SplitMix64(seed: 128)
        for _ in 0..<2000 {
            let a = IPAddress(high: rng.chance(30) ? 0 : rng.next(), low: rng.next())
            let b = rng.chance(10) ? a : IPAddress(high: rng.chance(30) ? 0 : (rng.chance(50) ? a.high : rng.next()), low: rng.next())
            let lexical = addressBytes(a).lexicographicallyPrecedes(addressBytes(b))
            #expect((a < b) == lexical)
            #expect((a == b) == (addressBytes(a) == addressBytes(b)))
        }
    }
}

/// The parser's fast path converts IPv4 tokens with `FastScan.ipv4` (an SSSE3 shuffle in the
/// Haswell-class build, a scalar loop otherwise) and leaves anything it declines to the general
/// parser. It must never accept what `IPAddress.parse` rejects nor give another value, and it
/// must accept every canonical dotted quad (or the fast path would quietly stop being fast).
@Suite struct FastIPv4Tests {
    /// `token` followed by 16 bytes of `after`, as a line's next token or its newline follows
    /// an address in the parser's text.
    static func fast(_ token: [UInt8], after: UInt8 = 0x20) -> UInt32? {
        let text = token + [UInt8](repeating: after, count: 16)
        return text.withUnsafeBufferPointer { FastScan.ipv4($0.baseAddress!, end: token.count, len: token.count) }
    }

    static func general(_ token: [UInt8]) -> UInt32? {
        guard let a = token.withUnsafeBytes({ IPAddress.parse($0) }), a.isIPv4 else { return nil }
        return a.ipv4
    }

    @Test func agreesWithTheGeneralParserOnRandomTokens() {
        var rng = SplitMix64(seed: 41)
        let alphabet = Array("0123456789.....".utf8) + Array("a- :x".utf8)
        var accepted = 0
        for _ in 0..<200_000 {
            let n = 1 + Int(rng.next() % 16)
            var token = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            if rng.next() % 2 == 0 {
                // Near misses of a real address: octets of 0 to 3 digits, values up to 999,
                // leading zeros, a dot too many or too few.
                let octets = 3 + Int(rng.next() % 3)
                token = (0..<octets).map { _ -> [UInt8] in
                    switch rng.next() % 6 {
                    case 0: return []
                    case 1: return Array("0\(rng.next() % 100)".utf8)
                    case 2: return Array("\(rng.next() % 1000)".utf8)
                    default: return Array("\(rng.next() % 256)".utf8)
                    }
                }.joined(separator: [0x2E]).map { $0 }
            }
            guard !token.isEmpty, token.count <= 16 else { continue }
            let expected = Self.general(token)
            for after in [0x20, 0x0A, 0x2E, 0x31] as [UInt8] {
                if let got = Self.fast(token, after: after) {
                    #expect(got == expected, "\(String(decoding: token, as: UTF8.self))")
                    accepted += 1
                }
            }
        }
        #expect(accepted > 10_000)
    }

    @Test func acceptsEveryCanonicalDottedQuad() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<100_000 {
            let value = UInt32(truncatingIfNeeded: rng.next())
            let token = Array(IPAddress(ipv4: value).description.utf8)
            #expect(Self.fast(token) == value, "\(String(decoding: token, as: UTF8.self))")
        }
        for text in ["0.0.0.0", "255.255.255.255", "1.2.3.4", "10.0.0.1", "100.100.100.100", "9.99.199.255"] {
            #expect(Self.fast(Array(text.utf8)) != nil, "\(text)")
        }
    }
}
