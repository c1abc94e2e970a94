import FlowCodecs
import FlowLog
import FlowSupport
import Testing
@testable import FlowArchive

/// Format 2.0 stores integer columns of more than a page (8,192 rows) in pages, each compressed
/// and checksummed on its own and described by its null count and min/max.
@Suite struct PagedChunkTests {
    static let rows = 70_000  // eight whole pages and a partial one

    /// `start` rising with stragglers (delta pages), `packets` random with NULLs here and there
    /// and a page of NULLs only (rows 16,384 ..< 24,576), `srcport` random (a port column).
    static func columns() -> (start: IntColumn, packets: IntColumn, srcport: IntColumn) {
        var rng = SeededRandom(seed: 2020)
        var start = IntColumn(), packets = IntColumn(), srcport = IntColumn()
        for i in 0..<rows {
            start.append(UInt64(1_700_000_000 + i / 3 + (i % 97 == 0 ? Int.random(in: 0...300, using: &rng) : 0)))
            if (16_384..<24_576).contains(i) || UInt64.random(in: 0..<50, using: &rng) == 0 { packets.appendNull() } else {
                packets.append(UInt64.random(in: 1...5_000_000, using: &rng))
            }
            srcport.append(UInt64.random(in: 0...65_535, using: &rng))
        }
        return (start, packets, srcport)
    }

    static func writeSegment() throws -> (path: String, columns: [String: IntColumn]) {
        let (start, packets, srcport) = columns()
        var b = RecordBatch()
        b.rowCount = rows
        b.ints[FieldCatalog.id(of: "start")!] = start
        b.ints[FieldCatalog.id(of: "packets")!] = packets
        b.ints[FieldCatalog.id(of: "srcport")!] = srcport
        b.padAll()
        return (try Fixtures.writeOneBlockSegment(b, name: "paged"), ["start": start, "packets": packets, "srcport": srcport])
    }

    @Test func pagedColumnsReadBackWholeAndBySelection() throws {
        let (path, columns) = try Self.writeSegment()
        let seg = try SegmentReader(path: path)
        var rng = SeededRandom(seed: 5)
        for (name, want) in columns {
            let ci = seg.columnIndex(named: name)!
            let e = try #require(seg.blocks[0].chunk(forColumn: ci))
            #expect(e.encoding == ColumnEncoding.paged.rawValue, "\(name)")
            let pages = try seg.pages(e, block: 0)
            #expect(pages.count == 9 && pages.last!.rows == Self.rows - 8 * 8_192)
            #expect(try seg.ints(block: 0, column: ci) == want, "\(name)")
            if name == "packets" { #expect(pages[2].nullCount == 8_192 && pages[2].min == 0 && pages[2].max == 0) }
            // Selections: a few rows, one page only, rows at page edges, every row.
            let picks: [[Int32]] = [
                [0, 8_191, 8_192, 69_999],
                (0..<40).map { _ in Int32.random(in: 0..<Int32(Self.rows), using: &rng) }.sorted(),
                Array(20_000..<20_100),
                (0..<Int32(Self.rows)).filter { $0 % 7 == 0 },
            ].map { Array(Set($0)).sorted() }
            for sel in picks {
                var values: [UInt64] = [], nulls: [UInt8] = []
                let nullCount = try sel.withUnsafeBufferPointer {
                    try seg.intsSelected(block: 0, column: ci, $0.baseAddress!, sel.count, values: &values, nulls: &nulls)
                }
                #expect(nullCount == sel.filter { want.value(Int($0)) == nil }.count, "\(name)")
                for r in sel.map(Int.init) {
                    #expect(nulls[r] == (want.value(r) == nil ? 1 : 0) && (want.value(r) == nil || values[r] == want.values[r]), "\(name) row \(r)")
                }
            }
        }
        try Verifier.check(seg, block: 0, chunk: seg.blocks[0].chunk(forColumn: seg.columnIndex(named: "packets")!)!)
    }

    @Test func damagedPagesAndTablesAreNamed() throws {
        let (path, _) = try Self.writeSegment()
        let ci = try SegmentReader(path: path).columnIndex(named: "srcport")!
        let e = try SegmentReader(path: path).blocks[0].chunk(forColumn: ci)!
        let pages = try SegmentReader(path: path).pages(e, block: 0)
        let original = try Sys.readFile(path)
        for (offset, message) in [(Int(e.offset) + pages[3].offset + pages[3].storedLength / 2, "page 3: checksum mismatch"),
                                  (Int(e.offset) + 8 + 3 * ArchiveFormat.pageEntrySize + 30, "checksum mismatch")] {
            var bytes = original
            bytes[offset] ^= 0x20
            let f = try WritableFile(creating: path)
            try f.write(bytes)
            f.close()
            let seg = try SegmentReader(path: path)
            #expect { _ = try seg.ints(block: 0, column: ci) } throws: { "\($0)".contains(message) && "\($0)".contains("srcport") }
        }
    }
}
