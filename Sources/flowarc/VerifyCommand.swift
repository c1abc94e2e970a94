import ArgumentParser
import FlowArchive
import FlowLog
import FlowSupport

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every checksum and decode every column of an archive.",
        discussion: """
            Reads the whole archive: the manifest checksum, each segment's header, trailer and
            directory checksum, and the checksum and encoding of every column chunk. Also checks
            that record counts agree and that every source's lines add up
            (lines = records + rejected + header + blank). Exit status 0 when all is well, 1 with
            the first problems listed otherwise.
            """)

    @OptionGroup var target: ArchiveOptions

    func run() throws {
        var problems: [String] = []
        let reader: ArchiveReader
        do { reader = try ArchiveReader(path: target.archive) } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        var chunks = 0, rows: UInt64 = 0
        for (si, seg) in reader.segments.enumerated() {
            var segRows: UInt64 = 0
            for (bi, b) in seg.blocks.enumerated() {
                segRows += UInt64(b.rows)
                for c in b.chunks {
                    chunks += 1
                    do {
                        switch seg.schema[c.column].type {
                        case .address: _ = try seg.addresses(block: bi, column: c.column)
                        case .string: _ = try seg.strings(block: bi, column: c.column)
                        default: _ = try seg.ints(block: bi, column: c.column)
                        }
                    } catch {
                        problems.append("\(error)")
                    }
                }
            }
            if segRows != reader.manifest.segments[si].records {
                problems.append("\(seg.path): \(segRows) records, the manifest says \(reader.manifest.segments[si].records)")
            }
            rows += segRows
        }
        var sourceRecords: UInt64 = 0
        for s in reader.manifest.sources {
            sourceRecords += s.records
            if s.lines != s.records + s.rejected + s.headerLines + s.blankLines {
                problems.append("source \(s.key): \(s.lines) lines but \(s.records) records + \(s.rejected) rejected + \(s.headerLines) headers + \(s.blankLines) blank")
            }
        }
        if sourceRecords != rows {
            problems.append("the sources account for \(sourceRecords) records, the segments hold \(rows)")
        }
        if problems.isEmpty {
            print("ok: \(reader.segments.count) segments, \(chunks) column chunks, \(Human.count(rows)) records, \(reader.manifest.sources.count) sources verified")
            return
        }
        for p in problems.prefix(20) { printError(p) }
        if problems.count > 20 { printError("... and \(problems.count - 20) more problems") }
        throw ExitCode.failure
    }
}
