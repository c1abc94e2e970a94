import FlowSupport
import Testing
@testable import FlowGen

@Suite struct ContentTests {
    static let trafficFields = [
        "srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "action",
        "tcp-flags", "type", "pkt-srcaddr", "pkt-dstaddr", "pkt-src-aws-service", "pkt-dst-aws-service",
        "flow-direction", "traffic-path", "reject-reason",
    ]
    static let filledFields = ["version", "account-id", "interface-id", "start", "end", "log-status", "vpc-id", "subnet-id", "region", "az-id"]

    @Test func incidentRecordsArePresent() throws {
        let dir = try TempDir("incident")
        defer { dir.cleanup() }
        let summary = try generate(dir, GeneratorOptions(records: 20_000, files: 4, seed: 1))
        let inc = summary.incident
        #expect(inc.minerInstanceIDs.count == 2)
        #expect(Set(inc.minerInstanceIDs).count == 2)
        #expect(inc.minerInstanceIDs.allSatisfy { $0.hasPrefix("i-") && $0.count == 19 })
        #expect((3...4).contains(inc.poolAddresses.count))
        #expect(inc.poolPorts == [3333, 4444, 14444, 45700])
        #expect(inc.records >= 100 && inc.records <= 200)  // 0.5–1 % of 20k
        let mid = Int64(1_699_920_000 + 259_200 / 2)
        #expect(inc.start < inc.end && inc.end - inc.start < 6 * 3600)
        #expect(abs(inc.start - mid) < 18 * 3600, "in the middle of the range")

        let pools = Set(inc.poolAddresses), ports = Set(inc.poolPorts.map(String.init))
        let miners = Set(inc.minerSourceAddresses)
        var stratum = 0, dns = 0
        var seen: Set<String> = []
        for path in summary.files {
            let log = try ParsedLog(path: path)
            let c = { log.column($0) }
            let (src, dst, sp, dp) = (c("srcaddr"), c("dstaddr"), c("srcport"), c("dstport"))
            for row in log.rows {
                let egress = pools.contains(String(row[dst])) && ports.contains(String(row[dp]))
                let ingress = pools.contains(String(row[src])) && ports.contains(String(row[sp]))
                #expect(!pools.contains(String(row[dst])) || egress, "pools see only stratum traffic")
                if egress || ingress {
                    stratum += 1
                    #expect(row[c("action")] == "ACCEPT")
                    #expect(row[c("protocol")] == "6")
                    #expect(row[c("flow-direction")] == (egress ? "egress" : "ingress"))
                    #expect(miners.contains(String(egress ? row[src] : row[dst])))
                    #expect(inc.minerInstanceIDs.contains(String(row[c("instance-id")])))
                    #expect(Int(row[c("packets")])! >= 200)
                    let s = Int64(row[c("start")])!, e = Int64(row[c("end")])!
                    #expect(s >= inc.start && e <= inc.end)
                    seen.insert("\(egress ? row[dst] : row[src]):\(egress ? row[dp] : row[sp])")
                }
                if miners.contains(String(row[src])) && row[dst] == inc.resolverAddress && row[dp] == "53"
                    && Int(row[c("packets")])! >= 150 {
                    dns += 1
                    #expect(row[c("protocol")] == "17")
                }
            }
        }
        #expect(stratum + dns == inc.records)
        #expect(dns > 0 && stratum > dns)
        // Every stratum port is used, and every pool.
        #expect(Set(seen.map { String($0.split(separator: ":")[1]) }) == ports)
        #expect(Set(seen.map { String($0.split(separator: ":")[0]) }) == pools)
    }

    @Test func noDataAndSkipDataRows() throws {
        let dir = try TempDir("nodata")
        defer { dir.cleanup() }
        let summary = try generate(dir, GeneratorOptions(records: 20_000, files: 2, seed: 4, format: .v8))
        var nodata = 0, skip = 0, total = 0
        for path in summary.files {
            let log = try ParsedLog(path: path)
            let status = log.column("log-status")
            for row in log.rows {
                total += 1
                guard row[status] != "OK" else { continue }
                #expect(row[status] == "NODATA" || row[status] == "SKIPDATA")
                if row[status] == "NODATA" { nodata += 1 } else { skip += 1 }
                for f in Self.trafficFields { #expect(row[log.column(f)] == "-", "\(f) on a \(row[status]) row") }
                for f in log.header where f.hasPrefix("ecs-") { #expect(row[log.column(f)] == "-") }
                for f in Self.filledFields { #expect(row[log.column(f)] != "-", "\(f) on a \(row[status]) row") }
            }
        }
        #expect(nodata > total * 6 / 100 && nodata < total * 10 / 100)
        #expect(skip > 0 && skip < total * 2 / 100)
    }

    @Test func okRowsLookRealistic() throws {
        let dir = try TempDir("realistic")
        defer { dir.cleanup() }
        let summary = try generate(dir, GeneratorOptions(records: 20_000, files: 2, seed: 8, format: .v8, ipv6Fraction: 0.05))
        var ok = 0, reject = 0, ipv6 = 0, ecs = 0, bpa = 0, egress = 0, ingress = 0, p443 = 0, public172 = 0
        var requesterManaged = 0, natRewrites = 0
        var protocols: [String: Int] = [:]
        for path in summary.files {
            let log = try ParsedLog(path: path)
            let c = { log.column($0) }
            for row in log.rows where row[c("log-status")] == "OK" {
                ok += 1
                let proto = String(row[c("protocol")])
                protocols[proto, default: 0] += 1
                if row[c("action")] == "REJECT" { reject += 1 } else { #expect(row[c("action")] == "ACCEPT") }
                if row[c("reject-reason")] == "BPA" { bpa += 1; #expect(row[c("action")] == "REJECT") }
                let type = row[c("type")]
                #expect(type == "IPv4" || type == "IPv6")
                for f in ["srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr"] {
                    #expect(row[c(f)].contains(":") == (type == "IPv6"), "\(f) vs type")
                }
                if type == "IPv6" {
                    ipv6 += 1
                    let a = row[c("srcaddr")] + " " + row[c("dstaddr")]
                    #expect(!a.contains(":0:0:") && !a.contains(":0000") && a.lowercased() == a, "RFC 5952: \(a)")
                }
                if row[c("ecs-cluster-arn")] != "-" {
                    ecs += 1
                    #expect(row[c("ecs-cluster-arn")].hasPrefix("arn:aws:ecs:us-east-1:123456789012:cluster/"))
                    #expect(row[c("ecs-task-arn")].hasPrefix("arn:aws:ecs:us-east-1:123456789012:task/"))
                    #expect(row[c("ecs-task-arn")].hasSuffix(row[c("ecs-task-id")]))
                }
                let direction = row[c("flow-direction")]
                let path = row[c("traffic-path")]
                if direction == "egress" {
                    egress += 1
                    #expect(path != "-" && (1...8).contains(Int(path)!))
                } else {
                    ingress += 1
                    #expect(direction == "ingress" && path == "-")
                }
                if row[c("dstport")] == "443" { p443 += 1 }
                let packets = Int(row[c("packets")])!, bytes = Int(row[c("bytes")])!
                #expect(packets >= 1 && bytes >= packets * 40 && bytes <= packets * 1500)
                if proto == "1" || proto == "58" { #expect(row[c("srcport")] == "0" && row[c("dstport")] == "0") }
                if proto == "6" { #expect(["0", "1", "2", "3", "4", "18", "19"].contains(row[c("tcp-flags")])) }
                for f in ["srcport", "dstport"] { #expect((0...65535).contains(Int(row[c(f)])!)) }
                for f in ["srcaddr", "dstaddr"] {
                    let a = row[c(f)]
                    if a.hasPrefix("172."), let o2 = Int(a.split(separator: ".")[1]), !(16...31).contains(o2) { public172 += 1 }
                }
                if row[c("instance-id")] == "-" { requesterManaged += 1 }
                if row[c("pkt-srcaddr")] != row[c("srcaddr")] || row[c("pkt-dstaddr")] != row[c("dstaddr")] { natRewrites += 1 }
                #expect(row[c("az-id")].hasPrefix("use1-az"))
                #expect(row[c("interface-id")].hasPrefix("eni-") && row[c("interface-id")].count == 21)
                #expect(row[c("vpc-id")].hasPrefix("vpc-") && row[c("subnet-id")].hasPrefix("subnet-"))
                let svc = row[c("pkt-dst-aws-service")]
                #expect(["-", "AMAZON", "S3", "EC2"].contains(svc))
            }
        }
        #expect(Double(reject) / Double(ok) > 0.03 && Double(reject) / Double(ok) < 0.08)
        #expect(ipv6 > 0 && Double(ipv6) / Double(ok) < 0.1)
        #expect(Double(ecs) / Double(ok) > 0.08 && Double(ecs) / Double(ok) < 0.35)
        #expect(bpa > 0)
        #expect(egress > ok / 4 && ingress > ok / 4)
        #expect(Double(p443) / Double(ok) > 0.3)
        #expect(protocols["6", default: 0] > protocols["17", default: 0] && protocols["17", default: 0] > 0 && protocols["1", default: 0] > 0)
        #expect(public172 > 50, "public 172.x addresses outside 172.16/12")
        #expect(requesterManaged > 0 && natRewrites > 0)
    }

    @Test func ipv6Text() {
        #expect(IPv6.string([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]) == "2001:db8::1")
        #expect(IPv6.string([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1]) == "2001:db8:0:1::1")
        #expect(IPv6.string([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]) == "2001:db8::1:0:0:1")
        #expect(IPv6.string([0, 0, 0, 0, 0, 0, 0, 0]) == "::")
        #expect(IPv6.string([0, 0, 0, 0, 0, 0, 0, 1]) == "::1")
        #expect(IPv6.string([0xfe80, 0, 0, 0, 0, 0, 0, 0]) == "fe80::")
        #expect(IPv6.string([0x2600, 0x1f18, 0xabcd, 0x1200, 0x1, 0xa, 0xbeef, 0]) == "2600:1f18:abcd:1200:1:a:beef:0")
        #expect(IPv6.string([0x2606, 0x4700, 0x4700, 0, 0, 0, 0, 0x1111]) == "2606:4700:4700::1111")
    }

    @Test func ipv4PublicRanges() {
        #expect(!IPv4.isPublic(IPv4.make(10, 1, 2, 3)))
        #expect(!IPv4.isPublic(IPv4.make(172, 16, 0, 1)) && !IPv4.isPublic(IPv4.make(172, 31, 255, 1)))
        #expect(IPv4.isPublic(IPv4.make(172, 15, 0, 1)) && IPv4.isPublic(IPv4.make(172, 32, 0, 1)))
        #expect(!IPv4.isPublic(IPv4.make(192, 168, 1, 1)) && !IPv4.isPublic(IPv4.make(100, 64, 0, 1)))
        #expect(!IPv4.isPublic(IPv4.make(169, 254, 169, 254)) && !IPv4.isPublic(IPv4.make(224, 0, 0, 1)))
        #expect(IPv4.isPublic(IPv4.make(8, 8, 8, 8)) && IPv4.isPublic(IPv4.make(100, 128, 0, 1)))
    }

    @Test func azPrefixes() {
        #expect(Fleet.azPrefix(region: "us-east-1") == "use1")
        #expect(Fleet.azPrefix(region: "ap-southeast-2") == "apse2")
        #expect(Fleet.azPrefix(region: "eu-central-1") == "euc1")
        #expect(Fleet.azPrefix(region: "us-gov-west-1") == "usgw1")
    }
}
