import FlowSupport
import Testing
@testable import FlowLog

/// The fast path's shortcuts for text values (the previous record's value, the value a position
/// last had with the same ENI) must give what the table gives, also when an ENI's ids change,
/// when ENIs collide in the cache, for long values, and after a rejected line took values back
/// out of the tables.
@Suite struct ParserCacheTests {
    @Test func cachedIdsFollowTheText() {
        var rng = SplitMix64(seed: 42)
        // More ENIs than the cache has slots, so entries collide and are replaced.
        let enis = (0..<700).map { "eni-\(String(0x0100_0000_0000_0000 + $0 * 7919, radix: 16))" }
        var subnet = enis.indices.map { "subnet-\(String(0x5000 + $0 % 9, radix: 16))0c4bd3de94ba" }
        var instance = enis.indices.map { "i-\(String(0x0800_0000_0000_0000 + $0 * 31, radix: 16))" }
        var lines: [String] = []
        var expected: [[String]?] = []
        for n in 0..<6_000 {
            let e = rng.below(enis.count)
            if rng.chance(5) { subnet[e] = "subnet-\(String(rng.next() % 50, radix: 16))0c4bd3de94ba" }
            if rng.chance(3) {
                // Longer than the 24 bytes a key holds: compared in the arena.
                instance[e] = "i-\(String(rng.next(), radix: 16))-with-a-long-suffix-\(rng.below(4))"
            }
            let vpc = e % 2 == 0 ? "vpc-0d98e1b74ccd45916" : "vpc-078c780221c2c8941"
            let az = "use1-az\(e % 4 + 1)"
            var fields = ["5", "123456789012", enis[e], "10.0.\(e % 256).\(n % 256)", "172.31.9.82", "\(n % 60000)", "443",
                          "6", "\(n % 97 + 1)", "\(n * 13 % 100000)", "\(1_700_000_000 + n)", "\(1_700_000_060 + n)",
                          rng.chance(20) ? "REJECT" : "ACCEPT", "OK", vpc, subnet[e], instance[e], "3", "IPv4",
                          "10.0.\(e % 256).\(n % 256)", "172.31.9.82", "us-east-1", az, "-", "-", "-",
                          rng.chance(10) ? "S3" : "-", rng.chance(50) ? "ingress" : "egress", "1"]
            var ok = true
            if rng.chance(4) {
                // New ids on a line rejected by its last field: the general parser interns them,
                // then takes them back out of the tables.
                fields[15] = "subnet-rejected-\(n)"
                fields[16] = "i-rejected-\(n)"
                fields[28] = "x"
                ok = false
            }
            lines.append(fields.joined(separator: " "))
            expected.append(ok ? fields : nil)
        }
        let chunk = parseText(lines.joined(separator: "\n") + "\n", mapping: FieldMapping(names: Formats.v5All))
        let accepted = expected.compactMap { $0 }
        #expect(chunk.records == accepted.count)
        #expect(chunk.rejects.count == lines.count - accepted.count)
        var wrong: [String] = []
        for (row, fields) in accepted.enumerated() {
            for name in ["interface-id", "vpc-id", "subnet-id", "instance-id", "az-id", "action", "pkt-dst-aws-service",
                         "flow-direction"] {
                let f = Formats.v5All.firstIndex(of: name)!
                let want: String? = fields[f] == "-" ? nil : fields[f]
                if chunk.text(name, row) != want, wrong.count < 5 { wrong.append("row \(row) \(name): \(chunk.text(name, row) ?? "nil")") }
            }
        }
        #expect(wrong.isEmpty, "\(wrong)")
        // The rejected lines' values left no trace in the dictionaries.
        for name in ["subnet-id", "instance-id"] {
            let d = chunk.batch.strings[id(name)]!.dictionary
            let values = Set((1...d.count).map { d.string(UInt32($0)) })
            #expect(!values.contains { $0.contains("rejected") }, "\(name)")
            let f = Formats.v5All.firstIndex(of: name)!
            #expect(values == Set(accepted.map { $0[f] }), "\(name)")
        }
    }
}
