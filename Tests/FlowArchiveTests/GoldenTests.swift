import FlowLog
import FlowSupport
import Testing
@testable import FlowArchive

/// Golden archive files pin the format. `Golden/v1/` holds an archive written by the 1.0 writer
/// from `input.log` and the rows it must decode to (`expected.tsv`); `Golden/v1.1/archive` is
/// the same input written by the 1.1 writer (index bodies in the data area), `Golden/v2/archive`
/// by the 2.0 writer (integer columns in pages, here of 4 rows so that the small input has
/// them). All must keep decoding to `expected.tsv`, with the same indexes, and today's writer
/// must produce the 2.0 bytes. If a change makes these tests fail, the change altered the format: that needs a new
/// format version, not new golden files. (After an intended, versioned change:
/// FLOWARC_UPDATE_GOLDEN=1 swift test --filter GoldenTests rewrites the current version's files.)
@Suite(.serialized) struct GoldenTests {
    static let root: String = {
        let file = #filePath
        return String(file[..<file.lastIndex(of: "/")!]) + "/Golden"
    }()
    /// Format 1.0: the input, the expected rows, and an archive the 1.0 writer wrote (frozen).
    static let dir = root + "/v1"
    /// Format 1.1: what the 1.1 writer wrote from the same input (frozen).
    static let v11 = root + "/v1.1"
    /// Format 2.0: what the 2.0 writer wrote from the same input (frozen).
    static let v20 = root + "/v2"
    /// Format 2.1 (frozen): address filters of index kind 6.
    static let v21 = root + "/v2.1"
    /// Format 2.2: what the current writer writes from the same input.
    static let current = root + "/v2.2"
    /// Rows per page of the golden archive's paged chunks (the writer's default is 8,192).
    static let pageRows = 4

    /// Builds the golden archive with today's writer from the rows of the frozen 1.0 archive
    /// (`input.log` as the 1.0 ingester stored it, in two blocks to pin multi-block directories)
    /// and its source record, so no path or time of this machine enters it. The rows are taken
    /// from the archive, not parsed again: line 7 holds a counter of 2^64 - 1, which the format
    /// stores and readers must read, but which today's parser rejects (counters are bigint).
    static func build(into archive: String) throws {
        let frozen = try ArchiveReader(path: dir + "/archive")
        let writer = try ArchiveWriter(path: archive)
        let (id, seg) = try writer.beginSegment()
        for old in try frozen.segments {
            for b in old.blocks.indices { try seg.append(BlockEncoder.encode(try old.batch(block: b), pageRows: pageRows)) }
        }
        let summary = try seg.finish()
        let sources = try frozen.manifest.sources.map { s in var s = s; s.segment = id; return s }
        try writer.commit(segmentID: id, summary: summary, sources: sources)
    }

    /// The parser's reading of `input.log` today: line 7's counter of 2^64 - 1 is rejected too
    /// (the line the 1.0 parser rejected still is); every other line is stored.
    @Test func todaysParserRejectsOnlyTheCounterPastBigint() throws {
        let text = try Sys.readFile(Self.dir + "/input.log")
        var parser = RecordParser()
        let parsed = text.withUnsafeBytes { parser.parse($0, mapping: .defaultV2) }
        let frozen = try ArchiveReader(path: Self.dir + "/archive")
        let stored = try frozen.segments.reduce(0) { $0 + $1.blocks.reduce(0) { $0 + $1.rows } }
        #expect(parsed.records == stored - 1)
        #expect(try UInt64(parsed.rejects.count) == frozen.manifest.sources[0].rejected + 1)
        let seven = parsed.rejects.first { $0.line == 7 }
        #expect(seven?.reason == "field 9 (packets): 18446744073709551615 is out of range (0 to 9223372036854775807)", "\(parsed.rejects)")
    }

    /// Every row of an archive as tab-separated text, columns in schema order (`\N` for null).
    static func render(_ path: String) throws -> String {
        let reader = try ArchiveReader(path: path)
        var out = ""
        for seg in try reader.segments {
            out += seg.schema.map(\.name).joined(separator: "\t") + "\n"
            for b in seg.blocks.indices {
                let rows = seg.blocks[b].rows
                var cols: [[String]] = []
                for (ci, col) in seg.schema.enumerated() {
                    switch col.type {
                    case .address:
                        let c = try seg.addresses(block: b, column: ci)
                        cols.append((0..<rows).map { c.value($0)?.description ?? "\\N" })
                    case .string:
                        let c = try seg.strings(block: b, column: ci)
                        cols.append((0..<rows).map { c.value($0) ?? "\\N" })
                    default:
                        let c = try seg.ints(block: b, column: ci)
                        cols.append((0..<rows).map { c.value($0).map { String($0) } ?? "\\N" })
                    }
                }
                for r in 0..<rows { out += cols.map { $0[r] }.joined(separator: "\t") + "\n" }
            }
        }
        let m = try reader.manifest
        for s in m.sources {
            out += "source \(s.id) \(s.key) lines=\(s.lines) records=\(s.records) rejected=\(s.rejected) headers=\(s.headerLines) blank=\(s.blankLines)\n"
        }
        return out
    }

    static func tempDir(_ name: String) -> String {
        let d = "/tmp/flowarc-golden-\(name)-\(UInt64.random(in: 0...UInt64.max))"
        try? Sys.makeDirectories(d)
        return d
    }

    @Test(arguments: ["v1", "v1.1", "v2", "v2.1", "v2.2"])
    func goldenArchiveDecodesToExpectedRows(_ version: String) throws {
        if Env.updateGolden && version == "v2.2" {
            let archive = Self.current + "/archive"
            try? Sys.makeDirectories(archive + "/segments")
            for f in (try? Sys.listDirectory(archive + "/segments")) ?? [] { try? Sys.remove(archive + "/segments/" + f) }
            try? Sys.remove(archive + "/MANIFEST")
            try Self.build(into: archive)
            try? Sys.remove(archive + "/LOCK")
        }
        let expected = String(decoding: try Sys.readFile(Self.dir + "/expected.tsv"), as: UTF8.self)
        let actual = try Self.render(Self.root + "/\(version)/archive")
        #expect(actual == expected)
        #expect(expected.contains("2001:db8:1234:a100:8d6e:3477:df66:f105"))
        #expect(expected.contains("NODATA"))
    }

    /// The 1.1 golden segment keeps its Bloom filters and port bitmaps in the data area; they
    /// decode (checksums hold) to exactly the indexes the 1.0 golden segment has in its directory.
    @Test(arguments: ["v1.1", "v2"])
    func indexBodiesOutsideTheDirectoryMatchTheInlineOnes(_ version: String) throws {
        let old = try SegmentReader(path: Self.dir + "/archive/segments/00000001.fseg")
        let new = try SegmentReader(path: Self.root + "/\(version)/archive/segments/00000001.fseg")
        #expect(old.blocks.count == new.blocks.count)
        var bodies = 0
        for (a, b) in zip(old.blocks, new.blocks) {
            #expect(a.chunks.count == b.chunks.count)
            for (x, y) in zip(a.chunks, b.chunks) {
                let ix = try old.decodeIndex(x), iy = try new.decodeIndex(y)
                #expect(ix == iy, "column \(old.schema[x.column].name)")
                if case .address(let mapped) = iy, case .address(let copied) = ix {
                    // The data area's filters are probed where they lie, and answer as the
                    // directory's copies do.
                    guard case .bloom(let inPlace) = mapped.filter, case .bloom(let inDirectory) = copied.filter else {
                        Issue.record("not the 1.x filter layout"); continue
                    }
                    #expect(inPlace.isMapped && !inDirectory.isMapped)
                    for k in 0..<2_000 {
                        let probe = IPAddress(ipv4: UInt32(truncatingIfNeeded: k &* 2_654_435_761))
                        #expect(mapped.mayContain(probe) == copied.mayContain(probe))
                        #expect(mapped.mayContain(network: probe, prefix: 96 + 8 + k % 24) == copied.mayContain(network: probe, prefix: 96 + 8 + k % 24))
                    }
                }
                if case .address = iy { bodies += 1 }
                if case .port = iy { bodies += 1 }
            }
        }
        #expect(bodies >= 8, "the golden blocks should hold address and port indexes")
        // The reader's cache of decoded indexes answers, asked twice, what each chunk decodes to.
        for _ in 0..<2 {
            for (bi, block) in new.blocks.enumerated() {
                for c in new.schema.indices {
                    #expect(new.blockIndex(bi, column: c) == block.chunk(forColumn: c).map { try! new.decodeIndex($0) },
                            "block \(bi) column \(new.schema[c].name)")
                }
            }
        }
        // The directory shrank by the bodies it no longer holds.
        #expect(new.fileSize - Int64(new.dataAreaSize) < old.fileSize - Int64(old.dataAreaSize))
    }

    @Test func writerStillProducesTheGoldenBytes() throws {
        let tmp = Self.tempDir("write")
        try Self.build(into: tmp + "/a")
        let fresh = try Sys.readFile(tmp + "/a/segments/00000001.fseg")
        let golden = try Sys.readFile(Self.current + "/archive/segments/00000001.fseg")
        #expect(fresh == golden, "segment bytes differ from Golden/v2.2: the writer changed the format")
        #expect(try Sys.readFile(tmp + "/a/MANIFEST") == (try Sys.readFile(Self.current + "/archive/MANIFEST")))
    }
}

extension GoldenTests {
    /// The 2.1 golden segment keeps its address filters as split-block filters checked page by
    /// page (kind 6): the same min and max as 1.0's, "maybe" for every address of the block and
    /// every CIDR that holds one, "no" for most others; its port indexes are 2.0's.
    @Test func blockedAddressFiltersAnswerForTheirBlocks() throws {
        let old = try SegmentReader(path: Self.v20 + "/archive/segments/00000001.fseg")
        let new = try SegmentReader(path: Self.current + "/archive/segments/00000001.fseg")
        #expect(old.blocks.count == new.blocks.count)
        var filters = 0, excluded = 0, probes = 0
        for (b, (x, y)) in zip(old.blocks, new.blocks).enumerated() {
            for (cx, cy) in zip(x.chunks, y.chunks) {
                let ix = try old.decodeIndex(cx), iy = try new.decodeIndex(cy)
                guard case .address(let was) = ix else {
                    #expect(ix == iy, "column \(old.schema[cx.column].name)")
                    continue
                }
                guard case .address(let now) = iy, case .blocked(let filter) = now.filter else {
                    Issue.record("block \(b) column \(new.schema[cy.column].name): \(iy)"); continue
                }
                filters += 1
                #expect(filter.isPaged && now.min == was.min && now.max == was.max)
                try filter.checkPages()
                let column = try new.addresses(block: b, column: cy.column)
                for i in 0..<column.count {
                    guard let a = column.value(i) else { continue }
                    #expect(now.mayContain(a))
                    for p in stride(from: a.isIPv4 ? 96 : 0, through: 128, by: 4) { #expect(now.mayContain(network: a, prefix: p)) }
                }
                for k in 0..<500 {
                    let probe = IPAddress(ipv4: UInt32(truncatingIfNeeded: k &* 2_654_435_761))
                    if probe < now.min || probe > now.max { continue }
                    probes += 1
                    if !now.mayContain(probe) { excluded += 1 }
                }
                #expect(new.blockIndex(b, column: cy.column) == iy)
            }
        }
        #expect(filters >= 4, "the golden blocks should hold address filters")
        #expect(excluded * 10 > probes * 9, "\(excluded) of \(probes) absent addresses inside min...max excluded")
    }

    /// The 2.0 golden segment stores integer columns of more than a page in pages; every page's
    /// entry (rows, nulls, min and max) tells the truth about the rows it holds.
    @Test func pagedChunksDescribeTheirPages() throws {
        let seg = try SegmentReader(path: Self.current + "/archive/segments/00000001.fseg")
        var paged = 0, pagesWithNulls = 0
        for (b, block) in seg.blocks.enumerated() {
            for e in block.chunks where e.encoding == ColumnEncoding.paged.rawValue {
                paged += 1
                let pages = try seg.pages(e, block: b)
                let whole = try seg.ints(block: b, column: e.column)
                #expect(pages.count == (block.rows + Self.pageRows - 1) / Self.pageRows)
                for (k, page) in pages.enumerated() {
                    #expect(page.firstRow == k * Self.pageRows)
                    let values = (page.firstRow..<page.firstRow + page.rows).compactMap { whole.value($0) }
                    #expect(page.nullCount == page.rows - values.count)
                    if page.nullCount > 0 { pagesWithNulls += 1 }
                    if let lo = values.min(), let hi = values.max() {
                        #expect(page.min == lo && page.max == hi, "block \(b) column \(seg.schema[e.column].name) page \(k)")
                    }
                    #expect(try seg.pageInts(e, block: b, page: k, page) == IntColumn(values: (page.firstRow..<page.firstRow + page.rows).map { whole.values[$0] },
                                                                                     nulls: whole.nulls.map { Array($0[page.firstRow..<page.firstRow + page.rows]) },
                                                                                     nullCount: page.nullCount))
                }
            }
        }
        #expect(paged >= 8, "the golden blocks should hold paged integer columns")
        #expect(pagesWithNulls >= 1, "and a page with NULLs")
    }
}

enum Env {
    static var updateGolden: Bool {
        guard let v = getenv("FLOWARC_UPDATE_GOLDEN") else { return false }
        return String(cString: v) == "1"
    }
}

#if canImport(Glibc)
import Glibc
#endif
