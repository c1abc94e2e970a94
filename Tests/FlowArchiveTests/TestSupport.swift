import FlowSupport
import FlowLog
@testable import FlowArchive

/// The seeded generator of the tests (so every failure reproduces).
typealias SeededRandom = SplitMix64

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

    /// A new archive holding `batch` as the one block of its one segment; returns the segment's path.
    static func writeOneBlockSegment(_ batch: RecordBatch, name: String) throws -> String {
        let dir = GoldenTests.tempDir(name)
        let writer = try ArchiveWriter(path: dir + "/a")
        let (id, seg) = try writer.beginSegment()
        try seg.append(BlockEncoder.encode(batch))
        let summary = try seg.finish()
        try writer.commit(segmentID: id, summary: summary, sources: [])
        return dir + "/a/segments/" + ArchiveFormat.segmentFileName(id)
    }
}
