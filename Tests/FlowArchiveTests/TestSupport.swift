import FlowLog

/// SplitMix64: a seeded generator so that every failure reproduces.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Fixtures {
    /// Addresses clustered in a few networks (as flow logs are), some IPv6.
    static func addresses(_ n: Int, seed: UInt64, ipv6Share: Double = 0.1, nullShare: Double = 0.05) -> AddressColumn {
        var rng = SeededRandom(seed: seed)
        var c = AddressColumn()
        let nets: [UInt32] = (0..<8).map { _ in UInt32.random(in: 0...UInt32.max, using: &rng) & 0xFFFF_0000 }
        for _ in 0..<n {
            let r = Double.random(in: 0..<1, using: &rng)
            if r < nullShare { c.appendNull(); continue }
            if r < nullShare + ipv6Share {
                c.append(IPAddress(high: 0x2600_1f18_0000_0000 | UInt64.random(in: 0...0xFFFF, using: &rng) << 16,
                                   low: UInt64.random(in: 0...UInt64.max, using: &rng)))
            } else {
                let net = nets[Int.random(in: 0..<nets.count, using: &rng)]
                c.append(IPAddress(ipv4: net | UInt32.random(in: 0...0x0FFF, using: &rng)))
            }
        }
        return c
    }
}
