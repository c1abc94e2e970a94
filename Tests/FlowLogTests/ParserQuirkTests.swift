import FlowSupport
import Testing
@testable import FlowLog

@Suite struct ParserQuirkTests {
    static let v3Header = Formats.v3Custom21.joined(separator: " ")

    /// Header before every record (concatenated one-record files), then a different header.
    @Test func headerSwitchingMidText() throws {
        let text = """
            \(Self.v3Header)
            3 vpc-01 subnet-01 i-01 eni-01 111122223333 IPv4 198.51.100.42 10.0.0.62 43416 5001 198.51.100.42 10.0.0.62 6 568 8 1650000000 1650000058 ACCEPT 2 OK
            \(Self.v3Header)
            3 vpc-01 subnet-01 i-01 eni-01 111122223333 - - - - - - - - - - 1650000000 1650000058 - - SKIPDATA
            version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
            2 111122223333 eni-02 10.0.0.1 10.0.0.2 1 2 17 3 4 1650000001 1650000002 ACCEPT OK
            \(Self.v3Header)
            3 vpc-02 subnet-02 - eni-03 111122223333 IPv6 2001:db8::1 2001:db8::2 443 50000 2001:db8::1 2001:db8::2 6 100 1 1650000003 1650000004 REJECT 18 OK

            """
        let chunk = parseText(text)
        #expect(chunk.lines == 8)
        #expect(chunk.headerLines == 4)
        #expect(chunk.records == 4)
        #expect(chunk.rejects.isEmpty)
        #expect(chunk.endMapping.names == Formats.v3Custom21)
        #expect(chunk.startMapping == .defaultV2)
        // Row 0 (v3).
        #expect(chunk.text("vpc-id", 0) == "vpc-01")
        #expect(chunk.text("packets", 0) == "8" && chunk.text("bytes", 0) == "568")
        #expect(chunk.text("tcp-flags", 0) == "2")
        #expect(chunk.text("pkt-dstaddr", 0) == "10.0.0.62")
        // Row 1: SKIPDATA keeps ids and times, every traffic field null.
        for f in ["type", "srcaddr", "dstaddr", "srcport", "dstport", "pkt-srcaddr", "pkt-dstaddr", "protocol",
                  "bytes", "packets", "action", "tcp-flags"] {
            #expect(chunk.text(f, 1) == nil, "\(f)")
        }
        #expect(chunk.text("instance-id", 1) == "i-01" && chunk.text("start", 1) == "1650000000")
        #expect(chunk.text("log-status", 1) == "SKIPDATA")
        // Row 2 (v2): the v3-only columns are padded null.
        #expect(chunk.text("vpc-id", 2) == nil && chunk.text("tcp-flags", 2) == nil && chunk.text("type", 2) == nil)
        #expect(chunk.text("interface-id", 2) == "eni-02" && chunk.text("protocol", 2) == "17")
        // Row 3 (v3 again, IPv6).
        #expect(chunk.text("srcaddr", 3) == "2001:db8::1" && chunk.text("instance-id", 3) == nil)
        #expect(chunk.text("tcp-flags", 3) == "18" && chunk.text("type", 3) == "IPv6")
        expectMatchesReference(chunk, referenceParse(Array(text.utf8), initial: Formats.v2), "header switching")
    }

    /// The beats skip-data shape: a blank line and a second (identical) header in the middle.
    @Test func blankLineAndSecondHeader() throws {
        let chunk = parseBytes(try Fixtures.bytes("synthetic_v3-skipdata-blank-second-header.log"))
        #expect(chunk.lines == 5 && chunk.blankLines == 1 && chunk.headerLines == 2 && chunk.records == 2)
        #expect(chunk.text("log-status", 0) == "SKIPDATA" && chunk.text("log-status", 1) == "NODATA")
        #expect(chunk.text("vpc-id", 1) == "vpc-0a1a1a1a1a1a1a1a1")
        #expect(chunk.text("subnet-id", 1) == "subnet-0b2b2b2b2b2b2b2b2")
        #expect(chunk.text("instance-id", 1) == "i-0c3c3c3c3c3c3c3c3")
        #expect(chunk.text("account-id", 1) == "111122223333")
        #expect(chunk.text("end", 1) == "1650000058")
        #expect(chunk.text("tcp-flags", 0) == nil && chunk.text("type", 1) == nil && chunk.text("pkt-srcaddr", 1) == nil)
    }

    /// AWS's TCP-flag example line with a double space, plus tabs, leading and trailing blanks.
    @Test func runsOfSpacesAndTabs() throws {
        let line = "3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 "
            + "123456789010 IPv4 10.0.0.62 52.213.180.42 5001 43638  10.0.0.62 52.213.180.42 6 5160876 1882 "
            + "1566848875 1566848933 ACCEPT 19 OK"
        let tabbed = " \t3\tvpc-1 \t subnet-1   i-1\t\teni-1 123456789010 IPv4 10.0.0.62  52.213.180.42\t5001 43638 "
            + "10.0.0.62 52.213.180.42 6 1 1 1566848875 1566848933 ACCEPT 3 OK \t "
        let text = Self.v3Header + "\n" + line + "\n" + tabbed + "\n"
        let chunk = parseText(text)
        #expect(chunk.records == 2)
        #expect(chunk.rejects.isEmpty, "\(chunk.rejects)")
        #expect(chunk.text("dstport", 0) == "43638")
        #expect(chunk.text("pkt-srcaddr", 0) == "10.0.0.62")
        #expect(chunk.text("bytes", 0) == "5160876" && chunk.text("packets", 0) == "1882")
        #expect(chunk.text("tcp-flags", 0) == "19")
        #expect(chunk.text("version", 1) == "3" && chunk.text("vpc-id", 1) == "vpc-1" && chunk.text("subnet-id", 1) == "subnet-1")
        #expect(chunk.text("interface-id", 1) == "eni-1" && chunk.text("log-status", 1) == "OK")
        #expect(chunk.text("tcp-flags", 1) == "3")
        expectMatchesReference(chunk, referenceParse(Array(text.utf8), initial: Formats.v2), "whitespace")
    }

    @Test func crlfLineEnds() throws {
        let text = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\r\n"
            + "2 111122223333 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1650000001 1650000002 ACCEPT OK\r\n"
            + "\r\n"
            + "2 111122223333 eni-1 - - - - - - - 1650000001 1650000002 - NODATA\r\n"
        let chunk = parseText(text)
        #expect(chunk.lines == 4 && chunk.headerLines == 1 && chunk.blankLines == 1 && chunk.records == 2)
        #expect(chunk.rejects.isEmpty, "\(chunk.rejects)")
        #expect(chunk.text("log-status", 0) == "OK")  // not "OK\r"
        #expect(chunk.text("log-status", 1) == "NODATA")
        #expect(chunk.batch.strings[id("log-status")]!.dictionary.count == 2)
        // CRLF on a line whose last field is numeric and on a header line.
        let nat = "instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr\r\n- eni-1 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5\r\n"
        let n = parseText(nat)
        #expect(n.records == 1 && n.rejects.isEmpty && n.text("pkt-dstaddr", 0) == "203.0.113.5")
        #expect(n.endMapping.names.last == "pkt-dstaddr")
        let numericLast = try FieldMapping.parse(userFormat: "srcaddr packets")
        let m = parseText("10.0.0.1 42\r\n10.0.0.2 43\r", mapping: numericLast)
        #expect(m.records == 2 && m.rejects.isEmpty && m.text("packets", 0) == "42" && m.text("packets", 1) == "43")
    }

    @Test func missingFinalNewline() throws {
        let text = "2 111122223333 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1650000001 1650000002 ACCEPT OK\n"
            + "2 111122223333 eni-1 10.0.0.3 10.0.0.4 5 6 17 7 8 1650000003 1650000004 REJECT OK"
        let chunk = parseText(text)
        #expect(chunk.lines == 2 && chunk.records == 2)
        #expect(chunk.text("log-status", 1) == "OK" && chunk.text("dstaddr", 1) == "10.0.0.4")
        // The same with the final newline: same records, same line count.
        let with = parseText(text + "\n")
        #expect(with.lines == 2 && with.records == 2 && with.blankLines == 0)
        // A text that is one line without a newline, and an empty text.
        #expect(parseText("2 1 eni-1 - - - - - - - 1 2 - NODATA").records == 1)
        let empty = parseText("")
        #expect(empty.lines == 0 && empty.records == 0 && empty.rejects.isEmpty && empty.bytes == 0)
        let blanks = parseText("\n\n \t\n")
        #expect(blanks.lines == 3 && blanks.blankLines == 3 && blanks.records == 0)
    }

    @Test func noDataAndSkipDataRows() throws {
        let chunk = parseBytes(try Fixtures.bytes("synthetic_v2-extra-no-final-newline.log"))
        #expect(chunk.records == 7)
        for row in [1, 2] {
            for f in ["srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "action"] {
                #expect(chunk.text(f, row) == nil, "row \(row) \(f)")
            }
            #expect(chunk.text("version", row) == "2")
            #expect(chunk.text("account-id", row) == "111122223333")
            #expect(chunk.text("start", row) == "1600000500" && chunk.text("end", row) == "1600000558")
        }
        #expect(chunk.text("log-status", 1) == "NODATA" && chunk.text("log-status", 2) == "SKIPDATA")
        #expect(chunk.text("interface-id", 2) == "eni-0b2c3d4e5f6071829")
        #expect(chunk.batch.addresses[id("srcaddr")]!.nullCount == 2)
        #expect(chunk.batch.ints[id("packets")]!.nullCount == 2)
        #expect(chunk.batch.strings[id("action")]!.nullCount == 2)
        // IPv6 record: kept as 128 bits, formatted canonically (already canonical here).
        #expect(chunk.text("srcaddr", 0) == "2001:db8:1234:a100:8d6e:3477:df66:f105")
        #expect(chunk.batch.addresses[id("srcaddr")]!.value(0) == IPAddress("2001:db8:1234:a100:8d6e:3477:df66:f105"))
        // ICMP pair: ports 0.
        #expect(chunk.text("srcport", 5) == "0" && chunk.text("protocol", 5) == "1" && chunk.text("action", 6) == "REJECT")
    }

    @Test func customFormatWithoutVersion() throws {
        let chunk = parseBytes(try Fixtures.bytes("synthetic_nat-custom-no-version.log"))
        #expect(chunk.headerLines == 1 && chunk.records == 2 && chunk.rejects.isEmpty)
        #expect(chunk.endMapping.names == ["instance-id", "interface-id", "srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr"])
        #expect(chunk.text("instance-id", 0) == nil)
        #expect(chunk.text("instance-id", 1) == "i-0abc0123456789def")
        #expect(chunk.text("pkt-dstaddr", 0) == "192.0.2.50" && chunk.text("dstaddr", 0) == "10.3.0.220")
        #expect(chunk.text("version", 0) == nil && chunk.text("start", 1) == nil && chunk.text("log-status", 1) == nil)
        // The start mapping (default v2) may leave a column behind, but never a value in it.
        #expect(chunk.batch.ints[id("version")].map { $0.nullCount == 2 } ?? true)
    }

    @Test func unknownHeaderFieldsGoToExtras() throws {
        let text = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
            + "log-status x-future-one regional-nat-id\n"
            + "2 111122223333 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1650000001 1650000002 ACCEPT OK alpha rnat-0123\n"
            + "2 111122223333 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1650000001 1650000002 ACCEPT OK - rnat-0123\n"
            + "2 111122223333 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1650000001 1650000002 ACCEPT OK 17 x\n"
        let chunk = parseText(text)
        #expect(chunk.records == 3 && chunk.rejects.isEmpty)
        #expect(chunk.batch.extras.map(\.name) == ["x-future-one", "regional-nat-id"])
        #expect(chunk.extra("x-future-one", 0) == "alpha")
        #expect(chunk.extra("x-future-one", 1) == nil)
        #expect(chunk.extra("x-future-one", 2) == "17")  // unknown fields are text, never validated
        #expect(chunk.extra("regional-nat-id", 0) == "rnat-0123" && chunk.extra("regional-nat-id", 2) == "x")
        #expect(chunk.endMapping.fieldIDs.suffix(2) == [-1, -1])
        #expect(chunk.batch.extras.allSatisfy { $0.column.count == 3 })
        // A later header without the unknown fields: extras are padded null for its rows.
        let more = text + Formats.v2.joined(separator: " ") + "\n2 1 eni-2 - - - - - - - 5 6 - NODATA\n"
        let c2 = parseText(more)
        #expect(c2.records == 4)
        #expect(c2.extra("x-future-one", 3) == nil && c2.extra("regional-nat-id", 3) == nil)
        #expect(c2.batch.extras.allSatisfy { $0.column.count == 4 })
        expectMatchesReference(c2, referenceParse(Array(more.utf8), initial: Formats.v2), "extras")
    }

    /// The 17-field transit-gateway-path order, given as a `--fields` value (no header in the file).
    @Test func fieldsInAnyOrderFromUserFormat() throws {
        let mapping = try FieldMapping.parse(userFormat: Formats.tgwPath17.map { "${\($0)}" }.joined(separator: " "))
        let bytes = try Fixtures.bytes("synthetic_tgw-path-17-fields.log")
        let chunk = parseBytes(bytes, mapping: mapping)
        #expect(chunk.records == 2 && chunk.rejects.isEmpty)
        #expect(chunk.text("version", 0) == "3")
        #expect(chunk.text("interface-id", 0) == "eni-0123456789abcdef0")
        #expect(chunk.text("account-id", 0) == "111122223333")
        #expect(chunk.text("vpc-id", 0) == "vpc-0aaaabbbbccccdddd")
        #expect(chunk.text("srcaddr", 0) == "10.20.33.164" && chunk.text("dstaddr", 0) == "10.40.2.236")
        #expect(chunk.text("srcport", 0) == "39812" && chunk.text("dstport", 0) == "80")
        #expect(chunk.text("tcp-flags", 0) == "3" && chunk.text("tcp-flags", 1) == "19")
        #expect(chunk.text("type", 0) == "IPv4")
        #expect(chunk.text("action", 0) == "ACCEPT" && chunk.text("log-status", 0) == "OK")
        #expect(chunk.text("instance-id", 1) == nil)
        // With the default mapping the same file is all rejects (17 fields, not 14).
        let wrong = parseBytes(bytes)
        #expect(wrong.records == 0 && wrong.rejects.map(\.line) == [1, 2])
    }

    @Test func v8RejectReason() throws {
        let chunk = parseBytes(try Fixtures.bytes("synthetic_v8-reject-reason.log"), mapping: FieldMapping(names: Formats.v8Forty))
        #expect(chunk.records == 2 && chunk.rejects.isEmpty)
        #expect(chunk.text("reject-reason", 0) == "BPA")
        #expect(chunk.text("reject-reason", 1) == nil)
        #expect(chunk.text("action", 0) == "REJECT")
        #expect(chunk.text("srcaddr", 0) == "2001:db8:40::")
        #expect(chunk.text("interface-id", 0) == nil)
        #expect(chunk.text("ecs-cluster-name", 0) == "api-cluster")
        #expect(chunk.text("ecs-second-container-id", 1) == nil)
        #expect(chunk.text("ecs-task-definition-arn", 0) == "arn:aws:ecs:us-west-2:000000000000:task-definition/api-service:4")
        #expect(chunk.text("flow-direction", 0) == "ingress" && chunk.text("traffic-path", 0) == nil)
        // The same record behind a header line.
        let text = Formats.v8Forty.joined(separator: " ") + "\n" + String(decoding: try Fixtures.bytes("synthetic_v8-reject-reason.log"), as: UTF8.self)
        let h = parseText(text)
        #expect(h.headerLines == 1 && h.records == 2 && h.text("reject-reason", 0) == "BPA")
    }

    @Test func transitGatewayDefaultFormatWithHeader() throws {
        let body = try Fixtures.bytes("synthetic_tgw-36-default.log")
        let text = Array((Formats.tgw36.joined(separator: " ") + "\n").utf8) + body
        let chunk = parseBytes(text)
        #expect(chunk.headerLines == 1 && chunk.records == 3 && chunk.rejects.isEmpty, "\(chunk.rejects)")
        #expect(chunk.endMapping.names == Formats.tgw36)
        #expect(chunk.endMapping.fieldIDs.allSatisfy { $0 >= 0 })
        #expect(chunk.text("version", 0) == "6")
        #expect(chunk.text("resource-type", 0) == "TransitGateway" && chunk.text("resource-type", 2) == nil)
        #expect(chunk.text("tgw-id", 0) == "tgw-0a12bc34de56f7890")
        #expect(chunk.text("tgw-dst-vpc-account-id", 0) == "444455556666")
        #expect(chunk.text("srcaddr", 1) == "2001:db8:1::5")
        #expect(chunk.text("packets-lost-blackhole", 1) == "3" && chunk.text("packets-lost-ttl-expired", 1) == "1")
        #expect(chunk.text("packets-lost-no-route", 2) == nil)
        #expect(chunk.text("tcp-flags", 1) == "18" && chunk.text("pkt-dst-aws-service", 1) == "AMAZON")
        #expect(chunk.text("log-status", 2) == "NODATA" && chunk.text("start", 2) == "1710000553")
        #expect(chunk.text("action", 0) == nil && chunk.text("interface-id", 0) == nil, "TGW records have no action / ENI")
        #expect(chunk.batch.strings[id("action")].map { $0.codes.allSatisfy { $0 == 0 } } ?? true)
    }

    /// Address tokens inside records (the parser reads IPv4 inline while scanning and hands
    /// anything else to `IPAddress.parse`): a token is stored exactly when `IPAddress` accepts it,
    /// with the same value.
    @Test func addressTokensInRecordsAgreeWithIPAddress() {
        var rng = SplitMix64(seed: 0xADD7)
        var tokens = ["0.0.0.0", "255.255.255.255", "01.2.3.4", "1.2.3.04", "1.2.3.4.5", "1.2.3", "1.2.3.", ".1.2.3",
                      "1..2.3", "256.1.1.1", "1.2.3.4a", "::ffff:1.2.3.4", "2001:DB8::1", "2001:0db8:0000:0000:0000:0000:0000:0001",
                      "::", "::1", ":::", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "1.2.3.4:80", "10.0.0.1/32", "0", "00.0.0.0"]
        let alphabet = Array("0123456789abcdefABCDEF:.")
        for _ in 0..<3000 {
            var t: [Character] = rng.chance(50)
                ? Array(IPAddress(ipv4: UInt32(truncatingIfNeeded: rng.next())).description)
                : Array(IPAddress(high: rng.chance(50) ? rng.next() : 0, low: rng.next()).description)
            for _ in 0..<rng.below(3) {
                let pos = rng.below(t.count + 1)
                switch rng.below(3) {
                case 0: if pos < t.count { t.remove(at: pos) }
                case 1: t.insert(rng.pick(alphabet), at: pos)
                default: if pos < t.count { t[pos] = rng.pick(alphabet) }
                }
            }
            if !t.isEmpty && t != ["-"] { tokens.append(String(t)) }
        }
        let lines = tokens.map { "2 111122223333 eni-1 \($0) 10.0.0.2 1 2 6 3 4 5 6 ACCEPT OK" }
        let chunk = parseText(lines.joined(separator: "\n"))
        var row = 0
        var rejected = Set(chunk.rejects.map(\.line))
        var problems: [String] = []
        for (i, t) in tokens.enumerated() {
            let expected = IPAddress(t)
            if rejected.remove(i + 1) != nil {
                if expected != nil { problems.append("'\(t)' rejected but IPAddress reads \(expected!)") }
            } else {
                let got = chunk.batch.addresses[id("srcaddr")]!.value(row)
                if got != expected { problems.append("'\(t)' stored as \(got.map { "\($0)" } ?? "nil"), IPAddress reads \(expected.map { "\($0)" } ?? "nil")") }
                row += 1
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(10))")
        #expect(row == chunk.records)
    }

    /// A header naming a field twice is rejected and the previous mapping stays in force.
    @Test func duplicateFieldHeaderIsRejected() {
        let text = "version srcaddr srcaddr\n2 111122223333 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 5 6 ACCEPT OK\n"
        let chunk = parseText(text)
        #expect(chunk.headerLines == 0 && chunk.records == 1)
        #expect(chunk.rejects.map(\.line) == [1])
        #expect(chunk.rejects.first?.reason == "header line names field 'srcaddr' twice; the previous field list stays in force")
        #expect(chunk.endMapping == .defaultV2)
    }

    /// Consecutive rows with same-length, different values in the same position (the parser
    /// compares with the previous row's bytes before hashing).
    @Test func repeatedAndSameLengthStringValues() {
        var lines: [String] = []
        let enis = ["eni-aaaa", "eni-aaab", "eni-aaaa", "eni-aaaa", "eni-baaa", "-", "eni-aaab", "eni-aaab", "eni-aaa", "eni-aaaaa"]
        for (i, e) in enis.enumerated() {
            lines.append("2 11112222333\(i % 2) \(e) 10.0.0.\(i) 10.0.1.\(i) \(i) \(i) 6 1 1 \(i) \(i) \(i % 3 == 0 ? "ACCEPT" : "REJECT") OK")
        }
        let chunk = parseText(lines.joined(separator: "\n"))
        #expect(chunk.records == enis.count)
        for (i, e) in enis.enumerated() {
            #expect(chunk.text("interface-id", i) == (e == "-" ? nil : e), "row \(i)")
            #expect(chunk.text("account-id", i) == "11112222333\(i % 2)")
            #expect(chunk.text("action", i) == (i % 3 == 0 ? "ACCEPT" : "REJECT"))
        }
        #expect(chunk.batch.strings[id("interface-id")]!.dictionary.count == 5)
        #expect(chunk.batch.strings[id("interface-id")]!.codes == [1, 2, 1, 1, 3, 0, 2, 2, 4, 5])
    }

    /// Exactly 128 fields is a record; 129 is rejected.
    @Test func fieldLimit() throws {
        let known = FieldCatalog.fields.map(\.name)  // 58 known fields
        let header128 = known + (0..<(128 - known.count)).map { "x-f\($0)" }
        #expect(Set(header128).count == 128)
        let mapping = try FieldMapping.parse(userFormat: header128.joined(separator: " "))
        let row128 = header128.map { name -> String in
            switch RefFields.kinds[name] ?? .string {
            case .address: return "10.0.0.1"
            case .string: return "s"
            default: return "1"
            }
        }.joined(separator: " ")
        let ok = parseText(row128, mapping: mapping)
        #expect(ok.records == 1 && ok.rejects.isEmpty, "\(ok.rejects.map(\.reason))")
        #expect(ok.extra("x-f69", 0) == "s")
        #expect(ok.text("packets-lost-ttl-expired", 0) == "1")
        let bad = parseText(row128 + " extra", mapping: mapping)
        #expect(bad.records == 0)
        #expect(["more than 128 fields", "expected 128 fields (version...x-f69), found 129"].contains(bad.rejects.first?.reason ?? ""),
                "\(bad.rejects.first?.reason ?? "")")
    }
}
