import FlowArchive
import FlowLog
import FlowSupport

/// WHERE terms on the partition columns, decided per input file instead of per row. Athena users
/// filter on partitions out of habit (it is what makes Athena cheap): `date_partition >=
/// '2023/11/01'`, `day = '2023/11/15'`, `dt BETWEEN ...`, `date > current_date - INTERVAL '7'
/// DAY`, `region_partition = 'us-east-1'`. A row's partition values are those of its file's S3
/// key (Formats/ARCHIVE.md, "Column names": the writer derives them from the key the manifest
/// records), so a term that reads nothing but them has one value per source file. Evaluated once
/// per distinct (account, region, date) of the manifest's sources, such terms give the set of
/// sources whose rows may match; a segment holding none of them is not opened, and a block whose
/// `$source` range holds none of them is skipped, as the time and address indexes skip theirs.
struct PartitionFilter: CustomStringConvertible {
    /// Ids of the sources whose partition values pass every term, ascending.
    let passing: [UInt64]
    /// Segment ids none of whose rows can pass: every row of the segment is accounted for by its
    /// sources (their record counts add up to the segment's), and none of them passes.
    let skippableSegments: Set<UInt32>
    let terms: Int
    let partitions: Int
    let passingPartitions: Int

    var description: String {
        "\(terms) partition term\(terms == 1 ? "" : "s"): \(passingPartitions) of \(partitions) partitions, \(passing.count) source files"
    }

    /// The partition filter of `plan`'s WHERE over `archive`, or nil when no term of it reads
    /// only partition columns.
    static func make(_ plan: QueryPlan, _ archive: ArchiveReader) throws -> PartitionFilter? {
        guard let filter = plan.filter else { return nil }
        let partitionSlots = Dictionary(uniqueKeysWithValues: plan.columns.enumerated().compactMap { slot, def in
            FieldCatalog.derived.firstIndex { $0.name == def.archiveName }.map { (slot, $0) }
        })
        guard !partitionSlots.isEmpty else { return nil }
        let terms = conjuncts(filter).filter { readsOnly(partitionSlots.keys, $0) }
        guard !terms.isEmpty else { return nil }

        // Distinct partitions of the sources. The key's directory decides all three values
        // when it follows the S3 layout (the file name only fills in what the path lacks), so
        // it is parsed once per directory, not once per file; consecutive sources (a folder
        // ingested in order) mostly share it, so it is compared with the last one first.
        var partitionIndex: [[String?]: Int] = [:]
        var partitions: [[String?]] = []
        let (sources, partitionOfSource) = try archive.withSourceSummaries { sources, bytes in
            var byDirectory: [[UInt8]: Int] = [:]
            var last: (directory: UnsafeRawBufferPointer, partition: Int)? = nil
            var partitionOfSource: [Int] = []
            partitionOfSource.reserveCapacity(sources.count)
            func index(_ values: [String?]) -> Int {
                if let i = partitionIndex[values] { return i }
                partitionIndex[values] = partitions.count
                partitions.append(values)
                return partitions.count - 1
            }
            for s in sources {
                let key = UnsafeRawBufferPointer(rebasing: bytes[s.key])
                let slash = key.lastIndex(of: UInt8(ascii: "/")) ?? 0
                let directory = UnsafeRawBufferPointer(rebasing: key[0..<slash])
                if let l = last, l.directory.elementsEqual(directory) {
                    partitionOfSource.append(l.partition)
                    continue
                }
                let p: Int
                if let known = byDirectory[Array(directory)] {
                    p = known
                } else {
                    let fromDirectory = S3KeyInfo.parse(path: String(decoding: directory, as: UTF8.self) + "/-")
                    let v = [fromDirectory.account, fromDirectory.region, fromDirectory.date]
                    if v.allSatisfy({ $0 != nil }) {
                        p = index(v)
                        byDirectory[Array(directory)] = p
                    } else {
                        let info = S3KeyInfo.parse(path: String(decoding: key, as: UTF8.self))
                        partitionOfSource.append(index([info.account, info.region, info.date]))
                        last = nil
                        continue
                    }
                }
                partitionOfSource.append(p)
                last = (directory, p)
            }
            return (sources, partitionOfSource)
        }

        // The terms over one row per partition, as the scan would evaluate them.
        let data = BlockData(slots: plan.columns.count)
        data.rows = partitions.count
        for (slot, p) in partitionSlots {
            var column = StringColumn()
            column.codes.reserveCapacity(partitions.count)
            for values in partitions {
                if let v = values[p] { column.codes.append(column.dictionary.intern(v)) } else { column.codes.append(0) }
            }
            data.strings[slot] = column
        }
        data.makeViews()
        data.resetTextCaches(plan.textCaches, for: terms)
        var passes = [Bool](repeating: true, count: partitions.count)
        for row in 0..<partitions.count {
            for t in terms {
                // A term that fails to evaluate (a cast of a partition value, say) keeps its
                // rows: the scan evaluates it again and reports the error as Trino would.
                guard let v = try? Evaluator.eval(t, EvalContext(block: data, row: row)) else { continue }
                if case .bool(true) = v { continue }
                passes[row] = false
                break
            }
        }

        var passing: [UInt64] = []
        var recordsBySegment: [UInt32: UInt64] = [:]
        var segmentsWithPassing = Set<UInt32>()
        for (s, p) in zip(sources, partitionOfSource) {
            recordsBySegment[s.segment, default: 0] += s.records
            if passes[p] {
                passing.append(UInt64(s.id))
                segmentsWithPassing.insert(s.segment)
            }
        }
        passing.sort()
        var skippable = Set<UInt32>()
        for seg in archive.segmentRecords where !segmentsWithPassing.contains(seg.id) && recordsBySegment[seg.id] == seg.records {
            skippable.insert(seg.id)
        }
        return PartitionFilter(passing: passing, skippableSegments: skippable, terms: terms.count, partitions: partitions.count,
                               passingPartitions: passes.filter { $0 }.count)
    }

    /// Whether segment `s` may hold rows whose partitions pass.
    func mayMatch(segment s: SegmentRecord) -> Bool { !skippableSegments.contains(s.id) }

    /// Whether block `block` may hold rows whose partitions pass: its `$source` values (by their
    /// Min/Max index) include a passing source, or some row has no source.
    func mayMatch(_ seg: SegmentReader, _ block: Int) -> Bool {
        guard let ci = seg.columnIndex(named: DerivedColumn.source), let chunk = seg.blocks[block].chunk(forColumn: ci),
              chunk.nullCount == 0, let r = seg.blockIndex(block, column: ci)?.intRange else { return true }
        // The first passing id at or above the block's smallest.
        var lo = 0, hi = passing.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if passing[mid] < r.min { lo = mid + 1 } else { hi = mid }
        }
        return lo < passing.count && passing[lo] <= r.max
    }

    /// The terms of an AND (nested ANDs flattened).
    static func conjuncts(_ e: CExpr) -> [CExpr] {
        if case .and(let ts) = e { return ts.flatMap(conjuncts) }
        return [e]
    }

    /// Whether `e` reads some of `slots` and nothing else a row holds.
    static func readsOnly(_ slots: Dictionary<Int, Int>.Keys, _ e: CExpr) -> Bool {
        var reads = false, other = false
        e.forEach { x in
            switch x {
            case .column(let slot, _), .textCompare(let slot, _, _, _):
                if slots.contains(slot) { reads = true } else { other = true }
            case .joined, .groupKey, .aggregate, .parameter:
                other = true
            default:
                break
            }
        }
        return reads && !other
    }
}
