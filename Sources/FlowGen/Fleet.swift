// The simulated environment: accounts with VPCs, subnets and ENIs, the public internet they talk
// to, and the planted cryptomining incident. Built once per run from the seed (stream 0).

enum ENIKind: UInt8, Sendable {
    case instance
    /// A NAT gateway ENI (requester-managed: instance-id `-`; pkt-* differ from src/dst).
    case natGateway
    /// An interface VPC endpoint ENI (requester-managed: instance-id `-`).
    case interfaceEndpoint
}

struct ENI: Sendable {
    var account: Int
    /// Index of its VPC within the account.
    var vpc: Int
    var kind: ENIKind
    var accountID: Text
    var interfaceID: Text
    var instanceID: Text
    var vpcID: Text
    var subnetID: Text
    var azID: Text
    var ipv4: UInt32
    var ipv6: Text
    /// Index into `Fleet.ecsTexts` (stride `ecsFieldCount`), or -1.
    var ecsProfile: Int
    /// `traffic-path` of its internet egress: 8 (Nitro, via IGW) or 2.
    var publicPath: Int32
}

struct PublicDestination: Sendable {
    var address: Text
    /// `pkt-*-aws-service` value when the address is in an AWS range, else `-`.
    var service: Text
    /// In an S3 range: egress to it may go through a gateway endpoint (traffic-path 7).
    var isS3: Bool
}

struct AccountFleet: Sendable {
    /// Indices into `Fleet.enis`, busiest first (they are drawn with a Zipf distribution).
    var enis: [Int]
    var zipf: ZipfTable
    /// The instance ENIs of each VPC of the account (clients of its NAT gateways and endpoints).
    var instancesByVPC: [[Int]]
}

struct StratumConnection: Sendable {
    var miner: Int
    var pool: Int
    var port: Int
    var sourcePort: Int
}

struct IncidentPlan: Sendable {
    static let stratumPorts: [UInt16] = [3333, 4444, 14444, 45700]
    /// Indices into `Fleet.enis` (both in account 0).
    var minerENIs: [Int]
    var pools: [UInt32]
    var resolver: UInt32
    var connections: [StratumConnection]
}

let ecsFieldCount = 10

struct Fleet: Sendable {
    var arena: [UInt8]
    var enis: [ENI]
    var accounts: [AccountFleet]
    var destinationsV4: [PublicDestination]
    var zipfV4: ZipfTable
    var destinationsV6: [PublicDestination]
    var zipfV6: ZipfTable
    var resolvers: [UInt32]
    var ecsTexts: [Text]
    var region: Text
    var incident: IncidentPlan

    func string(_ t: Text) -> String {
        if t.offset < 0 { return IPv4.string(UInt32(bitPattern: t.length)) }
        if t.length == 0 { return "-" }
        return String(decoding: arena[Int(t.offset)..<Int(t.offset + t.length)], as: UTF8.self)
    }

    /// The AZ-ID prefix AWS uses for a region: us-east-1 → use1, ap-southeast-2 → apse2.
    static func azPrefix(region: String) -> String {
        let parts = region.split(separator: "-").map(String.init)
        guard parts.count >= 3, let number = parts.last, number.allSatisfy({ $0.isNumber }) else {
            return String(region.filter { $0 != "-" })
        }
        let short: [String: String] = [
            "east": "e", "west": "w", "north": "n", "south": "s", "central": "c",
            "southeast": "se", "northeast": "ne", "southwest": "sw", "northwest": "nw", "gov": "g",
        ]
        var s = parts[0]
        for p in parts[1..<(parts.count - 1)] { s += short[p] ?? String(p.prefix(1)) }
        return s + number
    }

    static func build(options: GeneratorOptions) -> Fleet {
        var rng = Xoshiro256(seed: options.seed, stream: 0)
        var arena = ArenaBuilder()
        let region = arena.add(options.region)
        let nAccounts = options.accounts.count
        let totalENIs = min(300, max(8, options.records / 2000))
        let perAccount = max(8, totalENIs / nAccounts)
        let azPrefix = azPrefix(region: options.region)
        var azNumbers = [1, 2, 3, 4, 5, 6]
        for i in stride(from: azNumbers.count - 1, to: 0, by: -1) { azNumbers.swapAt(i, rng.below(i + 1)) }
        let azIDs = azNumbers.prefix(4).sorted().map { arena.add("\(azPrefix)-az\($0)") }

        // The miners: two ordinary, fairly busy instances of the first account.
        var minerLocal: [Int] = []
        // Every account has at least one NAT gateway ENI (local index 3) and one interface endpoint (the last).
        let natLocal = 3, endpointLocal = perAccount - 1
        let candidates = (1..<min(perAccount - 1, 24)).filter { $0 % 5 != 2 && $0 != natLocal }
        while minerLocal.count < 2 {
            let c = candidates[rng.below(candidates.count)]
            if !minerLocal.contains(c) { minerLocal.append(c) }
        }

        var enis: [ENI] = []
        var accounts: [AccountFleet] = []
        var ecsTexts: [Text] = []
        let clusterNames = ["prod-web", "payments", "batch", "internal-api", "analytics"]
        let serviceNames = ["frontend", "checkout", "orders", "reports", "search", "auth"]
        for a in 0..<nAccounts {
            let account = options.accounts[a]
            let accountText = arena.add(account)
            let nVPC = perAccount >= 40 ? 2 : 1
            struct Subnet { var id: Text; var az: Text; var base: UInt32; var v6: [UInt16] }
            var vpcs: [(id: Text, subnets: [Subnet])] = []
            for v in 0..<nVPC {
                let vpcID = arena.add("vpc-0" + rng.hex(16))
                let base: UInt32 = v == 0 ? IPv4.make(10, 0, 0, 0) : IPv4.make(172, 31, 0, 0)
                let g2 = UInt16(truncatingIfNeeded: rng.next())
                let g3 = UInt16(truncatingIfNeeded: rng.below(256)) << 8
                var subnets: [Subnet] = []
                for s in 0..<(3 + rng.below(3)) {
                    subnets.append(Subnet(
                        id: arena.add("subnet-0" + rng.hex(16)), az: azIDs[s % azIDs.count],
                        base: base | UInt32(s) << 12, v6: [0x2600, 0x1f18, g2, g3 | UInt16(s)]))
                }
                vpcs.append((vpcID, subnets))
            }
            let clusters = (0..<(1 + rng.below(2))).map { _ in clusterNames[rng.below(clusterNames.count)] }
            var used = Set<UInt32>()
            var list: [Int] = []
            var instances: [[Int]] = Array(repeating: [], count: vpcs.count)
            for i in 0..<perAccount {
                let isMiner = a == 0 && minerLocal.contains(i)
                var kind = ENIKind.instance
                if i == natLocal {
                    kind = .natGateway
                } else if i == endpointLocal {
                    kind = .interfaceEndpoint
                } else if !isMiner && i > 0 {
                    let r = rng.below(100)
                    if r < 5 { kind = .natGateway } else if r < 8 { kind = .interfaceEndpoint }
                }
                let vpcIndex = rng.below(vpcs.count)
                let vpc = vpcs[vpcIndex]
                let subnet = vpc.subnets[rng.below(vpc.subnets.count)]
                var ip: UInt32
                repeat { ip = subnet.base | UInt32(4 + rng.below(4090)) } while used.contains(ip) || ip & 255 == 255
                used.insert(ip)
                var v6 = subnet.v6
                for _ in 0..<4 { v6.append(UInt16(truncatingIfNeeded: rng.next())) }
                var instanceID = kind == .instance ? arena.add("i-0" + rng.hex(16)) : Text.dash
                var ecsProfile = -1
                if kind == .instance && i % 5 == 2 {
                    // An awsvpc-mode ECS task ENI; a third of them on Fargate (no container instance).
                    let fargate = rng.chance(1, in: 3)
                    if fargate { instanceID = .dash }
                    let cluster = clusters[rng.below(clusters.count)]
                    let prefix = "arn:aws:ecs:\(options.region):\(account):"
                    let containerInstance = rng.hex(32)
                    let service = rng.chance(4, in: 5) ? serviceNames[rng.below(serviceNames.count)] : "-"
                    let family = service == "-" ? "\(cluster)-job" : service
                    let taskID = rng.hex(32)
                    let second = rng.chance(1, in: 2) ? rng.hex(64) : "-"
                    ecsProfile = ecsTexts.count / ecsFieldCount
                    ecsTexts += [
                        arena.add(prefix + "cluster/" + cluster),
                        arena.add(cluster),
                        fargate ? .dash : arena.add(prefix + "container-instance/\(cluster)/\(containerInstance)"),
                        fargate ? .dash : arena.add(containerInstance),
                        arena.add(rng.hex(64)),
                        arena.add(second),
                        arena.add(service),
                        arena.add(prefix + "task-definition/\(family):\(1 + rng.below(40))"),
                        arena.add(prefix + "task/\(cluster)/\(taskID)"),
                        arena.add(taskID),
                    ]
                }
                let index = enis.count
                enis.append(ENI(
                    account: a, vpc: vpcIndex, kind: kind, accountID: accountText,
                    interfaceID: arena.add("eni-0" + rng.hex(16)), instanceID: instanceID,
                    vpcID: vpc.id, subnetID: subnet.id, azID: subnet.az,
                    ipv4: ip, ipv6: arena.add(IPv6.string(v6)), ecsProfile: ecsProfile,
                    publicPath: rng.chance(3, in: 4) ? 8 : 2))
                list.append(index)
                if kind == .instance { instances[vpcIndex].append(index) }
            }
            accounts.append(AccountFleet(enis: list, zipf: ZipfTable(count: list.count), instancesByVPC: instances))
        }

        // The public internet: a few thousand IPv4 destinations, busiest first. Some busy ones are
        // public 172.x addresses outside 172.16/12, so that a `NOT LIKE '172.%'` filter visibly errs.
        let s3 = arena.add("S3"), ec2 = arena.add("EC2"), amazon = arena.add("AMAZON")
        var seen = Set<UInt32>()
        var destinationsV4: [PublicDestination] = []
        let busy172: Set<Int> = [2, 9, 23, 57, 140]
        for k in 0..<3000 {
            var address: UInt32
            var service = Text.dash
            repeat {
                service = .dash
                if busy172.contains(k) || rng.chance(3, in: 100) {
                    let o2 = rng.chance(1, in: 3) ? rng.below(16) : 32 + rng.below(224)
                    address = IPv4.make(172, o2, rng.below(256), rng.below(256))
                } else if rng.chance(22, in: 100) {
                    switch rng.below(4) {
                    case 0: address = IPv4.make(52, 216 + rng.below(2), rng.below(256), rng.below(256)); service = s3
                    case 1: address = IPv4.make(3, 5, rng.below(32), rng.below(256)); service = s3
                    case 2: address = IPv4.make(54, rng.below(256), rng.below(256), rng.below(256)); service = ec2
                    default: address = IPv4.make(52, 94, rng.below(256), rng.below(256)); service = amazon
                    }
                } else {
                    address = IPv4.make(1 + rng.below(223), rng.below(256), rng.below(256), rng.below(256))
                }
            } while !IPv4.isPublic(address) || seen.contains(address) || address & 255 == 0 || address & 255 == 255
            seen.insert(address)
            destinationsV4.append(PublicDestination(address: arena.add(IPv4.string(address)), service: service, isS3: service == s3))
        }

        let v6Prefixes: [(UInt16, UInt16, Text)] = [
            (0x2600, 0x9000, amazon), (0x2600, 0x1f18, ec2), (0x2a00, 0x1450, .dash), (0x2606, 0x4700, .dash),
            (0x2001, 0x4860, .dash), (0x2620, 0x01ec, .dash), (0x2a03, 0x2880, .dash), (0x2406, 0xda00, amazon),
        ]
        var seen6 = Set<String>()
        var destinationsV6: [PublicDestination] = []
        while destinationsV6.count < 256 {
            let (p0, p1, service) = v6Prefixes[rng.below(v6Prefixes.count)]
            var g: [UInt16] = [p0, p1]
            for _ in 0..<6 { g.append(UInt16(truncatingIfNeeded: rng.next())) }
            switch rng.below(10) {
            case 0..<3: g[3] = 0; g[4] = 0; g[5] = 0; g[6] = 0; g[7] = UInt16(rng.below(0x2000))
            case 3..<6: g[4] = 0; g[5] = 0
            default: break
            }
            let s = IPv6.string(g)
            if seen6.insert(s).inserted { destinationsV6.append(PublicDestination(address: arena.add(s), service: service, isS3: false)) }
        }

        let resolvers = [
            IPv4.make(1, 1, 1, 1), IPv4.make(8, 8, 8, 8), IPv4.make(8, 8, 4, 4), IPv4.make(9, 9, 9, 9),
            IPv4.make(208, 67, 222, 222), IPv4.make(149, 112, 112, 112),
        ]

        // The incident: mining pools that no ordinary flow touches.
        var pools: [UInt32] = []
        let poolCount = 3 + rng.below(2)
        while pools.count < poolCount {
            let a = IPv4.make(1 + rng.below(223), rng.below(256), rng.below(256), 1 + rng.below(254))
            if IPv4.isPublic(a) && a >> 24 != 172 && !seen.contains(a) && !pools.contains(a) && !resolvers.contains(a) {
                pools.append(a)
            }
        }
        let miners = minerLocal.map { accounts[0].enis[$0] }
        var connections: [StratumConnection] = []
        for m in 0..<2 {
            for p in 0..<IncidentPlan.stratumPorts.count {
                connections.append(StratumConnection(
                    miner: miners[m], pool: p % poolCount, port: Int(IncidentPlan.stratumPorts[p]),
                    sourcePort: 32768 + rng.below(32768)))
            }
        }
        let incident = IncidentPlan(
            minerENIs: miners, pools: pools, resolver: resolvers[rng.below(resolvers.count)], connections: connections)

        return Fleet(
            arena: arena.bytes, enis: enis, accounts: accounts,
            destinationsV4: destinationsV4, zipfV4: ZipfTable(count: destinationsV4.count),
            destinationsV6: destinationsV6, zipfV6: ZipfTable(count: destinationsV6.count),
            resolvers: resolvers, ecsTexts: ecsTexts, region: region, incident: incident)
    }
}
