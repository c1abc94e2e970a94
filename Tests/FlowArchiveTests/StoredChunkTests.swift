import FlowCodecs
import FlowLog
import FlowSupport
import Testing
@testable import FlowArchive

/// Chunks that LZ4 cannot shrink by a fifth are stored as one literal run (ColumnCodec.finish),
/// read in place by the segment reader; their checksum still guards them.
@Suite struct StoredChunkTests {
    /// One block: `dstaddr` drawn from 20,000 random public IPv4 addresses (dictionary-encoded,
    /// codes LZ4 cannot shrink), `packets` cycling through 0...6 (compresses well).
    static func writeSegment(rows: Int) throws -> (path: String, addresses: AddressColumn) {
        var rng = SeededRandom(seed: 77)
        var b = RecordBatch()
        b.rowCount = rows
        let pool = (0..<20_000).map { _ in IPAddress(ipv4: UInt32.random(in: 0x0100_0000...0xDFFF_FFFF, using: &rng)) }
        var dst = AddressColumn(), packets = IntColumn()
        for i in 0..<rows {
            dst.append(pool[Int.random(in: 0..<pool.count, using: &rng)])
            packets.append(UInt64(i % 7))
        }
        b.addresses[FieldCatalog.id(of: "dstaddr")!] = dst
        b.ints[FieldCatalog.id(of: "packets")!] = packets
        b.padAll()
        return (try Fixtures.writeOneBlockSegment(b, name: "stored"), dst)
    }

    @Test func incompressibleChunksAreStoredAsLiteralsAndReadInPlace() throws {
        let (path, dst) = try Self.writeSegment(rows: 65_536)
        let seg = try SegmentReader(path: path)
        let column = seg.columnIndex(named: "dstaddr")!
        let chunk = seg.blocks[0].chunk(forColumn: column)!
        // One literal run: a token and the run's length in 255s, then the raw bytes.
        let header = 1 + (Int(chunk.rawLength) - 15) / 255 + 1
        #expect(Int(chunk.compressedLength) == Int(chunk.rawLength) + header)
        let packets = seg.blocks[0].chunk(forColumn: seg.columnIndex(named: "packets")!)!
        #expect(packets.compressedLength * 50 < packets.rawLength, "a compressible chunk stays compressed")
        // Read twice (the second time without checking the checksum again): the same rows.
        for _ in 0..<2 {
            let back = try seg.addresses(block: 0, column: column)
            #expect((0..<dst.count).allSatisfy { back.value($0) == dst.value($0) })
            let codes = try #require(try seg.addressCodes(block: 0, column: column), "dictionary-encoded")
            let m = codes.materialized()
            #expect((0..<dst.count).allSatisfy { m.value($0) == dst.value($0) })
        }
    }

    @Test func aDamagedLiteralChunkFailsItsChecksum() throws {
        let (path, _) = try Self.writeSegment(rows: 65_536)
        let column = try SegmentReader(path: path).columnIndex(named: "dstaddr")!
        let chunk = try SegmentReader(path: path).blocks[0].chunk(forColumn: column)!
        var bytes = try Sys.readFile(path)
        bytes[Int(chunk.offset) + Int(chunk.compressedLength) / 2] ^= 0x10
        let f = try WritableFile(creating: path)
        try f.write(bytes)
        f.close()
        let seg = try SegmentReader(path: path)
        #expect { _ = try seg.addressCodes(block: 0, column: column) } throws: { "\($0)".contains("checksum mismatch") }
        #expect { _ = try seg.addresses(block: 0, column: column) } throws: { "\($0)".contains("checksum mismatch") }
    }
}
