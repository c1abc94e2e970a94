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

    /// A flipped byte in a page of a 2.1 address filter (under a directory whose checksum holds):
    /// readers answer maybe for the keys of that page, so no block is skipped wrongly, and
    /// verify names the page.
    @Test func damagedFilterPageIsMaybeForReadersAndReportedByVerify() throws {
        let dir = try Self.archive { _ in }
        let path = dir + "/segments/" + ArchiveFormat.segmentFileName(1)
        let clean = try SegmentReader(path: path)
        let column = try #require(clean.columnIndex(named: "srcaddr"))
        guard case .address(let idx)? = clean.blockIndex(0, column: column), case .blocked(let filter) = idx.filter,
              let pages = filter.pages else { Issue.record("no 2.1 filter"); return }
        // Addresses the filter itself (min and max aside) excludes: after the damage they pass it.
        let absent = (0..<2_000).map { IPAddress(ipv4: 0xC000_0000 + UInt32($0) * 7919) }.filter { !filter.mayContain($0) }
        #expect(absent.count > 1_500)
        var bytes = try Sys.readFile(path)
        bytes[Int(pages.offset) + 5] ^= 0x10
        try Sys.writeFileAtomically(path, bytes)

        let damaged = try SegmentReader(path: path)
        guard case .address(let read)? = damaged.blockIndex(0, column: column), case .blocked(let readFilter) = read.filter else {
            Issue.record("index lost"); return
        }
        for i in 0..<100 { #expect(read.mayContain(IPAddress(ipv4: 0x0A00_0000 + UInt32(i)))) }
        #expect(absent.allSatisfy { readFilter.mayContain($0) }, "a page that fails its checksum must not prune")
        let report = try Verifier.verify(dir)
        #expect(report.problems.contains { $0.contains("srcaddr") && $0.contains("page 0") && $0.contains("checksum") }, "\(report.problems)")
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
            guard case .address(var idx) = block.columns[i].index, case .blocked(var filter) = idx.filter else { return }
            filter.pageLog2 = 40  // readers accept pages of 2^5 ... 2^16 bytes
            idx.filter = .blocked(filter)
            block.columns[i].index = .address(idx)
        }
        let archive = try ArchiveReader(path: dir)
        let seg = try archive.segments[0]
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

    /// Queries skip segments and blocks by partition terms on the word of the manifest: a row's
    /// source lies in its segment and its partition columns are what the source's key gives.
    /// `verify` checks both, so a manifest that says otherwise (under a valid checksum) is found.
    @Test(arguments: ["key", "segment"])
    func sourcesThatDisagreeWithTheirRowsAreReported(_ change: String) throws {
        let dir = GoldenTests.tempDir("verify-sources")
        try Sys.makeDirectories(dir + "/segments")
        try Sys.writeFileAtomically(dir + "/segments/00000001.fseg",
                                    try Sys.readFile(GoldenTests.current + "/archive/segments/00000001.fseg"))
        var m = try Manifest.decode(try Sys.readFile(GoldenTests.current + "/archive/MANIFEST"), path: "M")
        try Sys.writeFileAtomically(Archive.manifestPath(dir), m.encode())
        #expect(try Verifier.verify(dir).problems.isEmpty)
        if change == "key" {
            #expect(m.sources[0].key.contains("/2024/01/05/"))
            m.sources[0].key = m.sources[0].key.replacingOccurrences(of: "/2024/01/05/", with: "/2024/01/06/")
        } else {
            m.sources[0].segment = 7
        }
        try Sys.writeFileAtomically(Archive.manifestPath(dir), m.encode())
        let problems = try Verifier.verify(dir).problems
        if change == "key" {
            #expect(problems.contains { $0.contains("has partitions") && $0.contains("2024/01/06") }, "\(problems)")
        } else {
            #expect(problems.contains { $0.contains("places in segment 7") }, "\(problems)")
            #expect(problems.contains { $0.contains("its sources in the manifest account for 0 records") }, "\(problems)")
        }
    }
}
