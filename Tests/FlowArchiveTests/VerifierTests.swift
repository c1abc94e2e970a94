import FlowLog
import FlowSupport
import Testing
@testable import FlowArchive

/// `verify` catches what checksums cannot: an index (with a valid checksum) that excludes values
/// its block holds, which would make queries silently skip matching rows.
@Suite struct VerifierTests {
    static func archive(corrupting: (inout EncodedBlock) -> Void) throws -> String {
        let dir = GoldenTests.tempDir("verify") + "/a"
        var batch = RecordBatch()
        var ports = IntColumn(), addrs = AddressColumn()
        for i in 0..<100 { ports.append(UInt64(1000 + i)); addrs.append(IPAddress(ipv4: 0x0A00_0000 + UInt32(i))) }
        batch.ints[FieldCatalog.id(of: "dstport")!] = ports
        batch.addresses[FieldCatalog.srcaddr] = addrs
        batch.rowCount = 100
        var block = BlockEncoder.encode(batch)
        corrupting(&block)
        let writer = try ArchiveWriter(path: dir)
        let (id, seg) = try writer.beginSegment()
        try seg.append(block)
        let summary = try seg.finish()
        let source = SourceRecord(id: 1, key: "k", size: 0, modifiedNanos: 0, checksum: 0, segment: id, lines: 100, records: 100,
                                  rejected: 0, headerLines: 0, blankLines: 0, status: .ok, error: "")
        try writer.commit(segmentID: id, summary: summary, sources: [source])
        return dir
    }

    @Test func soundArchiveVerifies() throws {
        let report = try Verifier.verify(try Self.archive { _ in })
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.records == 100)
    }

    @Test func portIndexThatExcludesAValueIsReported() throws {
        let dir = try Self.archive { block in
            let i = block.columns.firstIndex { $0.name == "dstport" }!
            guard case .port(let r, var bitmap) = block.columns[i].index else { return }
            bitmap.words[Int(1050 >> 6)] = 0  // forget ports 1024...1087
            block.columns[i].index = .port(r, bitmap)
        }
        let report = try Verifier.verify(dir)
        #expect(report.problems.contains { $0.contains("dstport") && $0.contains("index excludes") }, "\(report.problems)")
    }

    @Test func addressIndexThatExcludesAValueIsReported() throws {
        let dir = try Self.archive { block in
            let i = block.columns.firstIndex { $0.name == "srcaddr" }!
            guard case .address(var idx) = block.columns[i].index else { return }
            idx.max = IPAddress("10.0.0.10")!  // the block holds up to 10.0.0.99
            block.columns[i].index = .address(idx)
        }
        let report = try Verifier.verify(dir)
        #expect(report.problems.contains { $0.contains("srcaddr") && $0.contains("index excludes") }, "\(report.problems)")
    }

    /// An index body that does not decode (under a valid checksum): the archive still opens,
    /// readers treat the index as none (never skipping on it), and verify reports it.
    @Test func indexThatDoesNotDecodeIsNoneForReadersAndReportedByVerify() throws {
        let dir = try Self.archive { block in
            let i = block.columns.firstIndex { $0.name == "srcaddr" }!
            guard case .address(var idx) = block.columns[i].index else { return }
            idx.bloom.hashCount = 0  // readers accept 1 ... 16
            block.columns[i].index = .address(idx)
        }
        let archive = try ArchiveReader(path: dir)
        let seg = archive.segments[0]
        let column = try #require(seg.columnIndex(named: "srcaddr"))
        let chunk = try #require(seg.blocks[0].chunk(forColumn: column))
        #expect(seg.blockIndex(0, column: column) == ColumnIndex.none)
        #expect(throws: (any Error).self) { try seg.decodeIndex(chunk) }
        let report = try Verifier.verify(dir)
        #expect(report.problems.contains { $0.contains("srcaddr") && $0.contains("does not decode") }, "\(report.problems)")
    }

    @Test func wrongNullCountIsReported() throws {
        let dir = try Self.archive { block in
            let i = block.columns.firstIndex { $0.name == "dstport" }!
            block.columns[i].chunk.nullCount = 7
        }
        let report = try Verifier.verify(dir)
        #expect(report.problems.contains { $0.contains("nulls, the directory says 7") }, "\(report.problems)")
    }
}
