import FlowLog
import FlowSupport

/// Reads a whole archive and reports every problem it finds (for `flowarc verify`): checksums
/// and decoding of every chunk, indexes that disagree with the data (an index that says "no"
/// for a value in the block would silently drop rows from query results), record counts, and
/// the line accounting of every source.
public enum Verifier {
    public struct Report: Sendable {
        public var problems: [String] = []
        public var segments = 0
        public var chunks = 0
        public var records: UInt64 = 0
        public var sources = 0
    }

    public static func verify(_ archive: String) throws -> Report {
        var report = Report()
        let manifest = try Archive.readManifest(archive)
        report.sources = manifest.sources.count
        // What queries assume of sources when they skip segments and blocks by partition terms
        // (spec, "Column names"): a row's source is in the manifest, in the row's segment, and the
        // row's partition values are those its source's key gives.
        var sourcesByID: [UInt64: (segment: UInt32, partitions: [String?])] = [:]
        var recordsBySegment: [UInt32: UInt64] = [:]
        for src in manifest.sources {
            let info = S3KeyInfo.parse(path: src.key)
            sourcesByID[UInt64(src.id)] = (src.segment, [info.account, info.region, info.date])
            recordsBySegment[src.segment, default: 0] += src.records
        }
        for s in manifest.segments {
            let path = Archive.segmentPath(archive, s.id)
            let seg: SegmentReader
            do { seg = try SegmentReader(path: path) } catch {
                report.problems.append("\(error)")
                continue
            }
            report.segments += 1
            if UInt64(seg.fileSize) != s.fileSize || seg.directoryCRC != s.directoryCRC {
                report.problems.append("\(path): does not match the manifest (size or directory checksum differs)")
            }
            var rows: UInt64 = 0
            for (bi, b) in seg.blocks.enumerated() {
                rows += UInt64(b.rows)
                for c in b.chunks {
                    report.chunks += 1
                    do {
                        try check(seg, block: bi, chunk: c)
                    } catch {
                        report.problems.append("\(error)")
                    }
                }
            }
            if rows != s.records { report.problems.append("\(path): \(rows) records, the manifest says \(s.records)") }
            if recordsBySegment[s.id, default: 0] != s.records {
                report.problems.append("\(path): its sources in the manifest account for \(recordsBySegment[s.id, default: 0]) records, the segment holds \(s.records)")
            }
            for bi in seg.blocks.indices {
                if let problem = checkSources(seg, block: bi, segmentID: s.id, sourcesByID) { report.problems.append(problem) }
            }
            report.records += rows
        }
        var sourceRecords: UInt64 = 0
        for s in manifest.sources {
            sourceRecords += s.records
            if s.lines != s.records + s.rejected + s.headerLines + s.blankLines {
                report.problems.append("source \(s.key): \(s.lines) lines but \(s.records) records + \(s.rejected) rejected + \(s.headerLines) headers + \(s.blankLines) blank")
            }
        }
        if sourceRecords != manifest.records {
            report.problems.append("the sources account for \(sourceRecords) records, the segments hold \(manifest.records)")
        }
        return report
    }

    /// The first row of block `block` whose `$source` is not a source of this segment in the
    /// manifest, or whose partition columns differ from what its source's key gives; nil if none.
    static func checkSources(_ seg: SegmentReader, block: Int, segmentID: UInt32,
                             _ sources: [UInt64: (segment: UInt32, partitions: [String?])]) -> String? {
        let at = "\(seg.path): block \(block)"
        guard let ci = seg.columnIndex(named: DerivedColumn.source) else { return nil }
        do {
            let ids = try seg.ints(block: block, column: ci)
            let columns = try FieldCatalog.derived.map { f in try seg.columnIndex(named: f.name).map { try seg.strings(block: block, column: $0) } }
            // Rows repeat a few (source, partition codes) combinations: each is checked once.
            var checked = Set<[UInt64]>()
            for r in 0..<ids.count {
                guard let id = ids.value(r) else { continue }
                let combination = [id] + columns.map { UInt64($0.map { $0.codes[r] } ?? 0) }
                guard checked.insert(combination).inserted else { continue }
                guard let source = sources[id] else { return "\(at): row \(r) names source \(id), which the manifest does not list" }
                if source.segment != segmentID {
                    return "\(at): row \(r) is of source \(id), which the manifest places in segment \(source.segment)"
                }
                let values = columns.map { $0?.value(r) }
                if values != source.partitions {
                    return "\(at): row \(r) has partitions \(values.map { $0 ?? "null" }), its source's key gives \(source.partitions.map { $0 ?? "null" })"
                }
            }
        } catch {
            return "\(error)"  // (the chunk checks report it too)
        }
        return nil
    }

    static func check(_ seg: SegmentReader, block: Int, chunk c: ChunkEntry) throws {
        let name = seg.schema[c.column].name
        let at = "\(seg.path): block \(block) column \(name)"
        let index: ColumnIndex
        do { index = try seg.decodeIndex(c) } catch { throw ArchiveError("\(at): the block index does not decode: \(error)") }
        switch seg.schema[c.column].type {
        case .address:
            let col = try seg.addresses(block: block, column: c.column)
            if UInt32(col.nullCount) != c.nullCount { throw ArchiveError("\(at): \(col.nullCount) nulls, the directory says \(c.nullCount)") }
            if case .address(let idx) = index {
                // A 2.1 filter's pages are read when probed, and one that fails its checksum
                // answers maybe; here every page must read and check.
                if case .blocked(let bloom) = idx.filter {
                    do { try bloom.checkPages() } catch { throw ArchiveError("\(at): the block index does not decode: \(error)") }
                }
                for i in 0..<col.count { if let a = col.value(i), !idx.mayContain(a) { throw ArchiveError("\(at): the index excludes \(a), which is in the block") } }
            }
        case .string:
            let col = try seg.strings(block: block, column: c.column)
            if UInt32(col.nullCount) != c.nullCount { throw ArchiveError("\(at): \(col.nullCount) nulls, the directory says \(c.nullCount)") }
        default:
            let col = try seg.ints(block: block, column: c.column)
            if UInt32(col.nullCount) != c.nullCount { throw ArchiveError("\(at): \(col.nullCount) nulls, the directory says \(c.nullCount)") }
            if c.encoding == ColumnEncoding.paged.rawValue {
                // A page entry's null count and min/max decide whether a query reads the page.
                for (k, page) in try seg.pages(c, block: block).enumerated() {
                    var nulls = 0
                    for r in page.firstRow..<page.firstRow + page.rows {
                        guard let v = col.value(r) else { nulls += 1; continue }
                        if v < page.min || v > page.max { throw ArchiveError("\(at): page \(k) says \(page.min)...\(page.max) but holds \(v)") }
                    }
                    if nulls != page.nullCount { throw ArchiveError("\(at): page \(k) holds \(nulls) nulls, its entry says \(page.nullCount)") }
                }
            }
            let limit = seg.schema[c.column].type == .uint8 ? 255 : (seg.schema[c.column].type == .uint16 ? 65_535 : UInt64.max)
            for i in 0..<col.count {
                guard let v = col.value(i) else { continue }
                if v > limit { throw ArchiveError("\(at): value \(v) is out of range for its type") }
                switch index {
                case .intRange(let r):
                    if !r.mayContain(v...v) { throw ArchiveError("\(at): the index range excludes \(v), which is in the block") }
                case .port(let r, let bitmap):
                    if !r.mayContain(v...v) || !bitmap.contains(UInt16(truncatingIfNeeded: v)) {
                        throw ArchiveError("\(at): the port index excludes \(v), which is in the block")
                    }
                default: break
                }
            }
        }
    }
}
