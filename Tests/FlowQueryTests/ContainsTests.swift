import FlowArchive
import FlowLog
@testable import FlowQuery
import Testing

/// `contains(cidr, address)` as Trino has it since trinodb/trino#18497: an address of the other
/// IP version is simply not contained (IPv4 addresses live at ::ffff:0:0/96 among 128-bit
/// values, so an IPv6 network such as ::/0 spans them and must leave them out); an IPv4 CIDR
/// with bits set after its prefix, a prefix past the address length or a base that is not an
/// address is an error that says which. Cases from Trino's TestIpAddressFunctions.
@Suite struct ContainsTests {
    static let cases: [(String, String, Bool)] = [
        ("0.0.0.0/0", "255.255.255.255", true), ("10.0.0.0/8", "10.1.2.3", true), ("10.0.0.0/8", "11.0.0.0", false),
        ("127.0.0.1/32", "127.0.0.1", true), ("127.0.0.1/32", "127.0.0.2", false),
        ("::ffff:7f00:0001/32", "127.0.0.1", true), ("127.0.0.1/32", "::ffff:7f00:0001", true),
        ("::ffff:0000:0000/0", "::ffff:ffff:ffff", true),
        ("64:ff9b::10.0.0.0/64", "64:ff9b:0:0:f:f:f:f", true), ("64:ff9b::10.0.0.0/64", "64:ff9b:0:1::", false),
        ("2001:abcd:ef01:2345:6789:abcd:ef01:234/60", "2001:abcd:ef01:2340::", true),
        ("2001:abcd:ef01:2345:6789:abcd:ef01:234/60", "2001:abcd:ef01:2330::", false),
        ("::/0", "::", true), ("::/0", "2001::", true), ("::1/128", "::1", true), ("::1/128", "::", false),
        // Versions never mix.
        ("::/0", "10.0.0.1", false), ("::/0", "0.0.0.0", false), ("::/80", "10.0.0.1", false),
        ("::ffff:0:0/0", "10.0.0.1", true), ("::ffff:0:0/0", "::1", false),  // the base is the IPv4 address 0.0.0.0
        ("0.0.0.0/0", "::1", false), ("0.0.0.0/0", "64:ff9b::10.0.0.0", false),
        ("2001:abcd:ef01:2345:6789:abcd:ef01:234/60", "127.0.0.0", false), ("127.0.0.1/32", "64:ff9a:f:f:f:f:f:f", false),
    ]

    @Test func containsAsTrinoHasIt() throws {
        let archive = try TestArchive.make([])
        for (cidr, address, expected) in Self.cases {
            let r = try TestArchive.run("SELECT contains('\(cidr)', IPADDRESS '\(address)')", archive)
            #expect(r.rows.first == [.bool(expected)], "contains('\(cidr)', \(address))")
        }
        let null = try TestArchive.run("SELECT contains('::/0', CAST(NULL AS IPADDRESS))", archive)
        #expect(null.rows.first == [.null])
    }

    @Test(arguments: [
        ("10.0.0.0", "invalid CIDR '10.0.0.0': no /prefix"),
        ("10.0.0.1/8", "invalid CIDR '10.0.0.1/8': bits are set after the prefix (the network is 10.0.0.0/8)"),
        ("0.0.0.1/0", "invalid CIDR '0.0.0.1/0': bits are set after the prefix (the network is 0.0.0.0/0)"),
        ("10.0.0.0/33", "prefix length exceeds address length in '10.0.0.0/33' (at most 32)"),
        ("::/129", "prefix length exceeds address length in '::/129' (at most 128)"),
        ("::ffff:0:0/96", "prefix length exceeds address length in '::ffff:0:0/96' (at most 32)"),
        ("10.0.0.0/-1", "invalid prefix length in '10.0.0.0/-1'"),
        ("10.0.0.0/x", "invalid prefix length in '10.0.0.0/x'"),
        ("10.0.0.256/8", "invalid network IP address in '10.0.0.256/8'"),
    ])
    func invalidCIDRsAreNamed(_ cidr: String, _ message: String) throws {
        let archive = try TestArchive.make([])
        #expect(throws: (any Error).self) { try TestArchive.run("SELECT contains('\(cidr)', IPADDRESS '10.0.0.1')", archive) }
        do {
            _ = try TestArchive.run("SELECT contains('\(cidr)', IPADDRESS '10.0.0.1')", archive)
        } catch {
            #expect("\(error)".contains("contains: " + message), "\(error)")
        }
    }

    /// Over stored columns (the vectorized filter, the row-at-a-time path under NOT and OR, and
    /// block pruning): an IPv6 network counts the IPv6 rows only.
    @Test func ipv6NetworksLeaveIPv4RowsOut() throws {
        var batch = RecordBatch()
        var src = AddressColumn()
        let v6 = [IPAddress(high: 0x2001_0DB8_0000_0000, low: 1), IPAddress(high: 0x2001_0DB8_0000_0000, low: 2), IPAddress(high: 0xFE80_0000_0000_0000, low: 9)]
        for i in 0..<300 { src.append(i % 10 == 0 ? v6[i % 3] : IPAddress(ipv4: 0x0A00_0000 | UInt32(i))) }
        src.appendNull()
        batch.rowCount = 301
        batch.addresses[FieldCatalog.id(of: "srcaddr")!] = src
        let archive = try TestArchive.make([batch])
        let ipv6Rows = (0..<300).filter { $0 % 10 == 0 }.count, db8Rows = (0..<300).filter { $0 % 10 == 0 && $0 % 3 != 2 }.count
        let expectations: [(String, Int)] = [
            ("contains('::/0', CAST(sourceaddress AS IPADDRESS))", ipv6Rows),
            ("contains('::/1', CAST(sourceaddress AS IPADDRESS))", db8Rows),
            ("contains('2001:db8::/32', CAST(sourceaddress AS IPADDRESS))", db8Rows),
            ("NOT contains('::/0', CAST(sourceaddress AS IPADDRESS))", 300 - ipv6Rows),
            ("contains('::/0', CAST(sourceaddress AS IPADDRESS)) OR sourceaddress = '10.0.0.1'", ipv6Rows + 1),
            ("contains('0.0.0.0/0', CAST(sourceaddress AS IPADDRESS))", 300 - ipv6Rows),
            ("contains('::/0', CAST(sourceaddress AS IPADDRESS)) AND sourceaddress <> '2001:db8::1'", ipv6Rows - (0..<300).filter { $0 % 10 == 0 && $0 % 3 == 0 }.count),
        ]
        for (predicate, expected) in expectations {
            for threads in [1, 2] {
                let r = try TestArchive.run("SELECT count(*) FROM vpcflow WHERE \(predicate)", archive, threads: threads)
                #expect(r.rows.first == [.int(Int64(expected))], "\(predicate): \(r.rows)")
            }
        }
    }
}
