// Making one record (what flow it describes) and writing it as a line (in the chosen format).

/// One flow log record before formatting. Addresses are `Text`s (arena slices or IPv4 literals).
struct Record {
    enum Status: UInt8 { case ok, noData, skipData }

    var status = Status.ok
    var eni = 0
    var src = Text.dash
    var dst = Text.dash
    var pktSrc = Text.dash
    var pktDst = Text.dash
    var srcPort: Int32 = 0
    var dstPort: Int32 = 0
    var proto: Int32 = 6
    var packets: Int64 = 0
    var bytes: Int64 = 0
    var start: Int64 = 0
    var end: Int64 = 0
    var reject = false
    /// -1 writes `-`.
    var tcpFlags: Int32 = -1
    var ipv6 = false
    var srcService = Text.dash
    var dstService = Text.dash
    var egress = true
    /// -1 writes `-` (always `-` for ingress).
    var trafficPath: Int32 = -1
    /// `reject-reason` = BPA (v8).
    var blockPublicAccess = false
}

struct RecordMaker {
    let fleet: Fleet
    let account: AccountFleet
    let deliveryTime: Int64
    let firstSecond: Int64
    let ipv6Threshold: UInt64
    var rng: Xoshiro256

    // Client-side and server-side tcp-flags (OR of SYN 2, FIN 1, RST 4, SYN-ACK 18 over the window).
    private static let clientFlags: [Int32] = [2, 3, 3, 1, 1, 0, 0, 0, 4, 2]
    private static let serverFlags: [Int32] = [18, 19, 19, 1, 1, 0, 0, 0, 4, 18]
    private static let synSizes: [Int] = [40, 44, 60]
    private static let lateFlags: [Int32] = [1, 4, 0]
    private static let scanPorts: [Int32] = [22, 22, 22, 3389, 3389, 23, 23, 445, 1433, 5900, 8080]
    private static let serverPorts: [Int32] = [443, 443, 443, 443, 443, 443, 80, 80, 22]
    private static let eastWestPorts: [Int32] = [5432, 5432, 5432, 3306, 3306, 443, 443, 443, 6379, 6379, 8080, 8080, 22, 3389, 9092, 2049]

    init(fleet: Fleet, options: GeneratorOptions, plan: FilePlan, rng: Xoshiro256) {
        self.fleet = fleet
        self.account = fleet.accounts[plan.account]
        self.deliveryTime = plan.time
        self.firstSecond = options.startTime
        // Scaled up a little: only instance ENIs' non-scan flows can be IPv6.
        let f = min(1.0, options.ipv6Fraction * 1.2)
        self.ipv6Threshold = f >= 1 ? UInt64.max : UInt64(f * 9_007_199_254_740_992.0) << 11
        self.rng = rng
    }

    @inline(__always) private mutating func ephemeralPort() -> Int32 { Int32(32768 + rng.below(32768)) }

    /// `end` within the 10 minutes before delivery (mostly the last 5); `start` up to 60 s before
    /// (sometimes up to 600 s). Records are not sorted.
    @inline(__always) private mutating func times(_ r: inout Record) {
        let back = rng.chance(9, in: 10) ? 1 + rng.below(300) : 301 + rng.below(300)
        r.end = max(deliveryTime - Int64(back), firstSecond)
        let d = rng.chance(93, in: 100) ? rng.below(61) : 61 + rng.below(540)
        r.start = max(r.end - Int64(d), firstSecond)
    }

    @inline(__always) private mutating func randomPublicV4() -> UInt32 {
        while true {
            let a = UInt32(truncatingIfNeeded: rng.next())
            if IPv4.isPublic(a) && a & 255 != 0 && a & 255 != 255 { return a }
        }
    }

    @inline(__always) private func address(_ e: ENI, v6: Bool) -> Text { v6 ? e.ipv6 : .ipv4(e.ipv4) }

    mutating func makeOrdinary(_ r: inout Record) {
        r = Record()
        times(&r)
        let roll = rng.below(10_000)
        if roll < 850 {
            // Quiet ENIs report NODATA for the window; SKIPDATA is rarer.
            r.status = roll < 800 ? .noData : .skipData
            r.eni = account.enis[rng.below(account.enis.count)]
            let window: Int64 = rng.chance(1, in: 10) ? 600 : 60
            r.start = max(r.end - window + Int64(rng.below(9)), firstSecond)
            return
        }
        r.eni = account.enis[account.zipf.sample(&rng)]
        let e = fleet.enis[r.eni]
        switch e.kind {
        case .instance: makeInstanceFlow(&r, e)
        case .natGateway: makeNATFlow(&r, e)
        case .interfaceEndpoint: makeEndpointFlow(&r, e)
        }
        if r.pktSrc.isDash && r.pktDst.isDash {
            r.pktSrc = r.src
            r.pktDst = r.dst
        }
    }

    private mutating func makeInstanceFlow(_ r: inout Record, _ e: ENI) {
        let kind = rng.below(1000)
        if kind < 45 {
            // Internet scanners probing admin ports: REJECT, a SYN or two.
            r.reject = true
            r.egress = false
            r.src = .ipv4(randomPublicV4())
            r.srcPort = Int32(1024 + rng.below(64512))
            r.dst = .ipv4(e.ipv4)
            r.dstPort = rng.pick(Self.scanPorts)
            r.proto = 6
            r.tcpFlags = 2
            r.packets = Int64(1 + rng.below(3))
            r.bytes = r.packets * Int64(rng.pick(Self.synSizes))
            r.blockPublicAccess = rng.chance(1, in: 8)
            return
        }
        let v6 = rng.next() < ipv6Threshold
        r.ipv6 = v6
        if kind < 55 {
            // Packets arriving after the connection closed: REJECT.
            let d = v6 ? fleet.destinationsV6[fleet.zipfV6.sample(&rng)] : fleet.destinationsV4[fleet.zipfV4.sample(&rng)]
            r.reject = true
            r.egress = false
            r.src = d.address
            r.srcService = d.service
            r.srcPort = 443
            r.dst = address(e, v6: v6)
            r.dstPort = ephemeralPort()
            r.proto = 6
            r.tcpFlags = rng.pick(Self.lateFlags)
            r.packets = Int64(1 + rng.below(2))
            r.bytes = r.packets * Int64(40 + rng.below(13))
            return
        }
        if kind < 750 {
            // A client flow to the internet: the egress request side or the ingress response side.
            let d = v6 ? fleet.destinationsV6[fleet.zipfV6.sample(&rng)] : fleet.destinationsV4[fleet.zipfV4.sample(&rng)]
            var remote = d.address
            var service = d.service
            var viaGatewayEndpoint = d.isS3
            var port: Int32
            var perPacket: Int
            let p = rng.below(1000)
            var level = 0
            switch p {
            case 0..<700: r.proto = 6; port = 443; level = 1; perPacket = 40 + rng.below(1461)
            case 700..<800: r.proto = 6; port = 80; perPacket = 40 + rng.below(1461)
            case 800..<850:
                r.proto = 17; port = 53; perPacket = 60 + rng.below(60)
                if !v6 { remote = .ipv4(rng.pick(fleet.resolvers)); service = .dash; viaGatewayEndpoint = false }
            case 850..<880: r.proto = 17; port = 123; perPacket = 76
            case 880..<900: r.proto = 6; port = 22; perPacket = 40 + rng.below(400)
            case 900..<920: r.proto = v6 ? 58 : 1; port = 0; perPacket = 84
            case 920..<930: r.proto = 6; port = 3389; perPacket = 40 + rng.below(1461)
            case 930..<945: r.proto = 6; port = 5432; perPacket = 40 + rng.below(1461)
            case 945..<960: r.proto = 6; port = 3306; perPacket = 40 + rng.below(1461)
            case 960..<980: r.proto = 6; port = 8443; perPacket = 40 + rng.below(1461)
            case 980..<990: r.proto = 6; port = 993; perPacket = 40 + rng.below(800)
            default: r.proto = 6; port = 587; perPacket = 40 + rng.below(800)
            }
            let local = ephemeralPort()
            if r.proto == 6 {
                r.packets = Int64(rng.heavyTail(minLevel: level, maxLevel: 16))
            } else if r.proto == 17 {
                r.packets = Int64(1 + rng.below(port == 53 ? 4 : 2))
            } else {
                r.packets = Int64(1 + rng.below(10))
            }
            r.bytes = r.packets * Int64(perPacket)
            let icmp = r.proto == 1 || r.proto == 58
            if kind < 480 {
                r.egress = true
                r.src = address(e, v6: v6)
                r.srcPort = icmp ? 0 : local
                r.dst = remote
                r.dstPort = port
                r.dstService = service
                r.tcpFlags = r.proto == 6 ? rng.pick(Self.clientFlags) : 0
                r.trafficPath = viaGatewayEndpoint && rng.chance(1, in: 2) ? 7 : e.publicPath
            } else {
                r.egress = false
                r.src = remote
                r.srcPort = icmp ? 0 : port
                r.srcService = service
                r.dst = address(e, v6: v6)
                r.dstPort = icmp ? 0 : local
                r.tcpFlags = r.proto == 6 ? rng.pick(Self.serverFlags) : 0
            }
            return
        }
        if kind < 830 {
            // Internet clients reaching a service on the instance.
            r.egress = false
            r.src = v6 ? fleet.destinationsV6[rng.below(fleet.destinationsV6.count)].address : .ipv4(randomPublicV4())
            r.srcPort = ephemeralPort()
            r.dst = address(e, v6: v6)
            r.dstPort = rng.pick(Self.serverPorts)
            r.proto = 6
            r.tcpFlags = rng.pick(Self.clientFlags)
            r.packets = Int64(rng.heavyTail(minLevel: 0, maxLevel: 12))
            r.bytes = r.packets * Int64(40 + rng.below(600))
            return
        }
        // East-west traffic inside the account.
        var peerIndex = account.enis[account.zipf.sample(&rng)]
        if peerIndex == r.eni { peerIndex = account.enis[(account.enis.firstIndex(of: peerIndex)! + 1) % account.enis.count] }
        let peer = fleet.enis[peerIndex]
        let port = rng.pick(Self.eastWestPorts)
        r.proto = 6
        r.packets = Int64(rng.heavyTail(minLevel: 1, maxLevel: 15))
        r.bytes = r.packets * Int64(40 + rng.below(1461))
        if rng.chance(1, in: 2) {
            r.egress = true
            r.src = address(e, v6: v6)
            r.srcPort = ephemeralPort()
            r.dst = address(peer, v6: v6)
            r.dstPort = port
            r.tcpFlags = rng.pick(Self.clientFlags)
            r.trafficPath = peer.vpc == e.vpc ? 1 : 4  // same VPC, or through VPC peering
        } else {
            r.egress = false
            r.src = address(peer, v6: v6)
            r.srcPort = ephemeralPort()
            r.dst = address(e, v6: v6)
            r.dstPort = port
            r.tcpFlags = rng.pick(Self.clientFlags)
        }
    }

    /// An instance in the same VPC as a NAT gateway or endpoint ENI.
    @inline(__always) private mutating func client(of e: ENI) -> ENI {
        let candidates = account.instancesByVPC[e.vpc]
        return candidates.isEmpty ? e : fleet.enis[candidates[rng.below(candidates.count)]]
    }

    /// The four records a NAT gateway ENI sees for an instance's connection (AWS NAT example):
    /// instance→NAT (pkt-dstaddr = the internet host), NAT→host, host→NAT, NAT→instance
    /// (pkt-srcaddr = the internet host).
    private mutating func makeNATFlow(_ r: inout Record, _ e: ENI) {
        let instance = client(of: e)
        let d = fleet.destinationsV4[fleet.zipfV4.sample(&rng)]
        let port: Int32 = rng.chance(9, in: 10) ? 443 : 80
        let natPort = ephemeralPort()
        let instancePort = ephemeralPort()
        r.proto = 6
        r.packets = Int64(rng.heavyTail(minLevel: 1, maxLevel: 15))
        r.bytes = r.packets * Int64(40 + rng.below(1461))
        let nat = Text.ipv4(e.ipv4)
        switch rng.below(4) {
        case 0:
            r.egress = false
            r.src = .ipv4(instance.ipv4); r.srcPort = instancePort
            r.dst = nat; r.dstPort = port
            r.pktSrc = r.src; r.pktDst = d.address; r.dstService = d.service
            r.tcpFlags = rng.pick(Self.clientFlags)
        case 1:
            r.egress = true
            r.src = nat; r.srcPort = natPort
            r.dst = d.address; r.dstPort = port; r.dstService = d.service
            r.tcpFlags = rng.pick(Self.clientFlags)
            r.trafficPath = 2
        case 2:
            r.egress = false
            r.src = d.address; r.srcPort = port; r.srcService = d.service
            r.dst = nat; r.dstPort = natPort
            r.tcpFlags = rng.pick(Self.serverFlags)
        default:
            r.egress = true
            r.src = nat; r.srcPort = port
            r.dst = .ipv4(instance.ipv4); r.dstPort = instancePort
            r.pktSrc = d.address; r.pktDst = r.dst; r.srcService = d.service
            r.tcpFlags = rng.pick(Self.serverFlags)
            r.trafficPath = 1
        }
    }

    private mutating func makeEndpointFlow(_ r: inout Record, _ e: ENI) {
        let instance = client(of: e)
        r.proto = 6
        r.packets = Int64(rng.heavyTail(minLevel: 0, maxLevel: 12))
        r.bytes = r.packets * Int64(40 + rng.below(1461))
        let port = ephemeralPort()
        if rng.chance(1, in: 2) {
            r.egress = false
            r.src = .ipv4(instance.ipv4); r.srcPort = port
            r.dst = .ipv4(e.ipv4); r.dstPort = 443
            r.tcpFlags = rng.pick(Self.clientFlags)
        } else {
            r.egress = true
            r.src = .ipv4(e.ipv4); r.srcPort = 443
            r.dst = .ipv4(instance.ipv4); r.dstPort = port
            r.tcpFlags = rng.pick(Self.serverFlags)
            r.trafficPath = 1
        }
    }

    /// Incident record number `ordinal`: every fourth is a burst of DNS to the resolver, the others
    /// rotate over the stratum connections (every third round the pool→miner return direction).
    mutating func makeIncident(_ r: inout Record, ordinal k: Int) {
        r = Record()
        let plan = fleet.incident
        let back = 1 + rng.below(300)
        r.end = max(deliveryTime - Int64(back), firstSecond)
        r.start = max(r.end - Int64(57 + rng.below(4)), firstSecond)
        if k % 4 == 3 {
            let miner = fleet.enis[plan.minerENIs[(k / 4) % plan.minerENIs.count]]
            r.eni = plan.minerENIs[(k / 4) % plan.minerENIs.count]
            r.egress = true
            r.src = .ipv4(miner.ipv4); r.srcPort = ephemeralPort()
            r.dst = .ipv4(plan.resolver); r.dstPort = 53
            r.proto = 17
            r.packets = Int64(150 + rng.below(1051))
            r.bytes = r.packets * Int64(60 + rng.below(51))
            r.tcpFlags = 0
            r.trafficPath = miner.publicPath
        } else {
            let j = (k / 4) * 3 + k % 4
            let c = plan.connections[j % plan.connections.count]
            let miner = fleet.enis[c.miner]
            let pool = Text.ipv4(plan.pools[c.pool])
            r.eni = c.miner
            r.proto = 6
            r.packets = Int64(200 + rng.below(2301))
            r.bytes = r.packets * Int64(70 + rng.below(151))
            r.tcpFlags = 0  // long-lived: only ACK/PSH in the window
            if (j / plan.connections.count) % 3 == 2 {
                r.egress = false
                r.src = pool; r.srcPort = Int32(c.port)
                r.dst = .ipv4(miner.ipv4); r.dstPort = Int32(c.sourcePort)
            } else {
                r.egress = true
                r.src = .ipv4(miner.ipv4); r.srcPort = Int32(c.sourcePort)
                r.dst = pool; r.dstPort = Int32(c.port)
                r.trafficPath = miner.publicPath
            }
        }
        r.pktSrc = r.src
        r.pktDst = r.dst
    }
}

/// Formats records in one format into a `ByteOut`.
struct LineWriter {
    let fields: UnsafeBufferPointer<GenField>
    let arena: UnsafePointer<UInt8>
    let fleet: Fleet
    let version: UInt64

    @inline(__always) private func literal(_ s: StaticString, _ out: inout ByteOut) {
        out.copy(s.utf8Start, s.utf8CodeUnitCount)
    }

    func write(_ r: Record, to out: inout ByteOut) {
        let e = fleet.enis[r.eni]
        let ok = r.status == .ok
        let ecsBase = ok && e.ecsProfile >= 0 ? e.ecsProfile * ecsFieldCount : -1
        var first = true
        for f in fields {
            if first { first = false } else { out.byte(32) }
            switch f {
            case .version: out.decimal(version)
            case .accountID: out.text(e.accountID, arena)
            case .interfaceID: out.text(e.interfaceID, arena)
            case .srcaddr: if ok { out.text(r.src, arena) } else { out.dash() }
            case .dstaddr: if ok { out.text(r.dst, arena) } else { out.dash() }
            case .srcport: if ok { out.decimal(UInt64(r.srcPort)) } else { out.dash() }
            case .dstport: if ok { out.decimal(UInt64(r.dstPort)) } else { out.dash() }
            case .proto: if ok { out.decimal(UInt64(r.proto)) } else { out.dash() }
            case .packets: if ok { out.decimal(UInt64(r.packets)) } else { out.dash() }
            case .bytes: if ok { out.decimal(UInt64(r.bytes)) } else { out.dash() }
            case .start: out.decimal(UInt64(r.start))
            case .end: out.decimal(UInt64(r.end))
            case .action:
                if !ok { out.dash() } else if r.reject { literal("REJECT", &out) } else { literal("ACCEPT", &out) }
            case .logStatus:
                switch r.status {
                case .ok: literal("OK", &out)
                case .noData: literal("NODATA", &out)
                case .skipData: literal("SKIPDATA", &out)
                }
            case .vpcID: out.text(e.vpcID, arena)
            case .subnetID: out.text(e.subnetID, arena)
            case .instanceID: out.text(e.instanceID, arena)
            case .tcpFlags: if ok && r.tcpFlags >= 0 { out.decimal(UInt64(r.tcpFlags)) } else { out.dash() }
            case .type: if !ok { out.dash() } else if r.ipv6 { literal("IPv6", &out) } else { literal("IPv4", &out) }
            case .pktSrcaddr: if ok { out.text(r.pktSrc, arena) } else { out.dash() }
            case .pktDstaddr: if ok { out.text(r.pktDst, arena) } else { out.dash() }
            case .region: out.text(fleet.region, arena)
            case .azID: out.text(e.azID, arena)
            case .sublocationType, .sublocationID: out.dash()
            case .pktSrcAwsService: if ok { out.text(r.srcService, arena) } else { out.dash() }
            case .pktDstAwsService: if ok { out.text(r.dstService, arena) } else { out.dash() }
            case .flowDirection:
                if !ok { out.dash() } else if r.egress { literal("egress", &out) } else { literal("ingress", &out) }
            case .trafficPath:
                if ok && r.egress && r.trafficPath >= 0 { out.decimal(UInt64(r.trafficPath)) } else { out.dash() }
            case .ecsClusterArn, .ecsClusterName, .ecsContainerInstanceArn, .ecsContainerInstanceID, .ecsContainerID,
                 .ecsSecondContainerID, .ecsServiceName, .ecsTaskDefinitionArn, .ecsTaskArn, .ecsTaskID:
                if ecsBase >= 0 {
                    out.text(fleet.ecsTexts[ecsBase + Int(f.rawValue - GenField.ecsClusterArn.rawValue)], arena)
                } else {
                    out.dash()
                }
            case .rejectReason:
                if ok && r.reject && r.blockPublicAccess { literal("BPA", &out) } else { out.dash() }
            }
        }
        out.byte(10)
    }
}
