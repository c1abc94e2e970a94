import ArgumentParser
import FlowArchive
import FlowSupport

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe an archive: records, blocks, sources, time range, sizes per column.",
        discussion: """
            Reads only the manifest and the segment directories (no column data).

            Example:
              flowarc info flows.arc --json | jq .records
            """)

    @OptionGroup var target: ArchiveOptions

    @Flag(name: .long, help: "Print JSON (keys: records, rejected_lines, sources, blocks, bytes, ...).")
    var json = false

    struct ColumnStats { var name: String; var type: ColumnType; var compressed: UInt64 = 0; var raw: UInt64 = 0; var blocks = 0 }

    func run() throws {
        let reader: ArchiveReader
        do { reader = try ArchiveReader(path: target.archive) } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        let m: Manifest
        let segments: [SegmentReader]
        do { (m, segments) = (try reader.manifest, try reader.segments) } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        var columns: [String: ColumnStats] = [:]
        var order: [String] = []
        var blocks = 0
        for seg in segments {
            blocks += seg.blocks.count
            for b in seg.blocks {
                for c in b.chunks {
                    let col = seg.schema[c.column]
                    if columns[col.name] == nil { columns[col.name] = ColumnStats(name: col.name, type: col.type); order.append(col.name) }
                    columns[col.name]!.compressed += UInt64(c.compressedLength)
                    columns[col.name]!.raw += UInt64(c.rawLength)
                    columns[col.name]!.blocks += 1
                }
            }
        }
        let bytes = m.segments.reduce(UInt64(0)) { $0 + $1.fileSize }
        let minStart = m.segments.compactMap(\.minStart).min()
        let maxEnd = m.segments.compactMap(\.maxEnd).max()
        let records = m.records
        let damaged = m.sources.filter { $0.status == .damaged }.count
        let lines = m.sources.reduce(UInt64(0)) { $0 + $1.lines }
        let sorted = order.map { columns[$0]! }.sorted { $0.compressed > $1.compressed }
        if json {
            let obj: JSON = .object([
                ("archive", .string(target.archive)),
                ("format_version", .int(Int64(m.writtenMajor))),
                ("format_minor_version", .int(Int64(m.writtenMinor))),
                ("records", .uint(records)),
                ("rejected_lines", .uint(m.rejectedLines)),
                ("lines", .uint(lines)),
                ("sources", .int(Int64(m.sources.count))),
                ("damaged_sources", .int(Int64(damaged))),
                ("segments", .int(Int64(m.segments.count))),
                ("blocks", .int(Int64(blocks))),
                ("bytes", .uint(bytes)),
                ("bytes_per_record", .double(records > 0 ? Double(bytes) / Double(records) : 0)),
                ("time_range", .object([
                    ("min_start", minStart.map { .int($0) } ?? .null),
                    ("max_end", maxEnd.map { .int($0) } ?? .null),
                    ("min_start_utc", minStart.map { .string(UTCTime.iso8601($0)) } ?? .null),
                    ("max_end_utc", maxEnd.map { .string(UTCTime.iso8601($0)) } ?? .null),
                ])),
                ("columns", .array(sorted.map { c in
                    .object([("name", .string(c.name)), ("type", .string("\(c.type)")), ("compressed_bytes", .uint(c.compressed)),
                             ("raw_bytes", .uint(c.raw)), ("blocks", .int(Int64(c.blocks)))])
                })),
            ])
            print(obj.render())
            return
        }
        print("archive        \(target.archive) (format version \(m.writtenMajor).\(m.writtenMinor))")
        print("records        \(Human.count(records))")
        print("rejected lines \(Human.count(m.rejectedLines))")
        print("sources        \(Human.count(UInt64(m.sources.count)))" + (damaged > 0 ? " (\(damaged) damaged: records before the damage kept)" : ""))
        print("segments       \(m.segments.count), blocks \(blocks)")
        if let minStart, let maxEnd {
            print("time range     \(UTCTime.iso8601(minStart)) .. \(UTCTime.iso8601(maxEnd))")
        } else {
            print("time range     (no records)")
        }
        print("bytes on disk  \(Human.bytes(bytes))" + (records > 0 ? " (\(Human.fixed(Double(bytes) / Double(records), 2)) bytes per record)" : ""))
        if !sorted.isEmpty {
            print("")
            print(pad("column", 28) + pad("type", 9) + lpad("compressed", 12) + lpad("raw", 12) + lpad("ratio", 8) + lpad("B/record", 10))
            for c in sorted {
                let ratio = c.compressed > 0 ? Double(c.raw) / Double(c.compressed) : 0
                let per = records > 0 ? Double(c.compressed) / Double(records) : 0
                print(pad(c.name, 28) + pad("\(c.type)", 9) + lpad(Human.bytes(c.compressed), 12) + lpad(Human.bytes(c.raw), 12)
                      + lpad(Human.fixed(ratio, 1) + "x", 8) + lpad(Human.fixed(per, 3), 10))
            }
        }
    }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
    func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }
}
