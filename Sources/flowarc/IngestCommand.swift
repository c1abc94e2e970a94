import ArgumentParser
import FlowArchive
import FlowCodecs
import FlowIngest
import FlowLog
import FlowSupport

extension InflaterKind: ExpressibleByArgument {}

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Add VPC flow log files to an archive (created if missing).",
        discussion: """
            INPUT is a file, a directory (walked recursively for *.log.gz, *.log, *.gz and *.txt \
            files) or - for standard input. Gzip and plain text are both read, in the layout AWS \
            writes to S3: a header line naming the fields (any version 2 to 8 field, any order), \
            one record per line, - for a missing value. Files without a header use the default \
            version 2 format, or the list given with --fields.

            Running ingest again on the same folder adds only files the archive does not hold yet \
            (same S3 key or path, size and modification time); --force reads them again.

            Lines that are not valid records are not stored: they are counted, listed with file, \
            line number and reason by --rejects, and the run goes on. A corrupt or truncated gzip \
            file is reported; the records before the damage are kept and the exit status is 1.

            Memory stays bounded whatever the input size: about threads x 12 MiB of text in \
            flight plus 2 x threads blocks waiting to be written (about 150 MB in all at 2 \
            threads).

            Examples:
              flowarc ingest flows.arc ~/vpcflowlogs/AWSLogs/
              zcat today.log.gz | flowarc ingest flows.arc -
              flowarc ingest --fields "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id" flows.arc export.txt
            """)

    @OptionGroup var target: ArchiveOptions

    @Argument(help: ArgumentHelp("Files, directories, or - for standard input.", valueName: "input"))
    var inputs: [String]

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int = Sys.onlineProcessors

    @Option(name: .long, help: "Gzip decoder: isal (ISA-L igzip, fastest) or zlib.")
    var inflater: InflaterKind = .isal

    @Option(name: .long, help: ArgumentHelp("Field list for files without a header line (space or comma separated).", valueName: "names"))
    var fields: String?

    @Flag(name: .long, help: "Read files again even if the archive already holds them.")
    var force = false

    @Option(name: .long, help: ArgumentHelp("Write every rejected line (file, line, reason, text; tab separated) to this file.", valueName: "file"))
    var rejects: String?

    @Option(name: .long, help: ArgumentHelp("Records per block (index granularity).", valueName: "n"))
    var blockRows: Int = ArchiveFormat.defaultBlockRows

    @Flag(name: .long, help: "No progress line and no summary.")
    var quiet = false

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    mutating func validate() throws {
        if threads < 1 || threads > 256 { throw ValidationError("--threads must be between 1 and 256") }
        if blockRows < 1024 || blockRows > ArchiveFormat.maxBlockRows {
            throw ValidationError("--block-rows must be between 1024 and \(ArchiveFormat.maxBlockRows)")
        }
        if let fields {
            do { _ = try FieldMapping.parse(userFormat: fields) } catch {
                throw ValidationError("--fields: \(error)")
            }
        }
        if inputs.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be named only once") }
    }

    func run() throws {
        var options = IngestOptions(archivePath: target.archive, inputs: inputs)
        options.threads = threads
        options.inflater = inflater
        if let fields { options.defaultMapping = try FieldMapping.parse(userFormat: fields) }
        options.force = force
        options.rejectsPath = rejects
        options.blockRows = blockRows
        options.progress = !quiet && !json && Sys.isStandardErrorTerminal
        let summary: IngestSummary
        do { summary = try FlowIngest.Ingest.run(options) } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        for p in summary.inputProblems { printError("\(p)") }
        for f in summary.failures { printError("\(f)") }
        if !quiet {
            for w in summary.warnings { printError("warning: \(w)") }
        }
        if json {
            print(summaryJSON(summary).render())
        } else if !quiet {
            printSummary(summary)
        }
        if summary.hadErrors { throw ExitCode.failure }
    }

    func printSummary(_ s: IngestSummary) {
        let rate = s.seconds > 0 ? Double(s.records) / s.seconds : 0
        var lines: [String] = []
        lines.append("files       \(s.filesIngested) ingested, \(s.filesSkipped) already in the archive" +
                     (s.failures.isEmpty ? "" : ", \(s.failures.count) failed") +
                     (s.filesIgnored > 0 ? ", \(s.filesIgnored) ignored (not flow log files)" : ""))
        lines.append("records     \(Human.count(s.records))")
        lines.append("rejected    \(Human.count(s.rejected)) lines" + (s.rejected > 0 && rejects == nil ? " (list them with --rejects FILE)" : ""))
        lines.append("other lines \(Human.count(s.headerLines)) headers, \(Human.count(s.blankLines)) blank")
        lines.append("input       \(Human.bytes(s.inputBytes)) read, \(Human.bytes(s.decodedBytes)) of text")
        lines.append("archive     \(Human.bytes(s.archiveBytesAdded)) added" +
                     (s.records > 0 ? ", \(Human.fixed(Double(s.archiveBytesAdded) / Double(s.records), 2)) bytes per record" : ""))
        lines.append("speed       \(Human.count(UInt64(rate))) records/s in \(Human.fixed(s.seconds, 2)) s, peak memory \(Human.bytes(UInt64(s.peakResidentBytes)))")
        print(lines.joined(separator: "\n"))
        if !s.firstRejects.isEmpty && rejects == nil {
            print("first rejected lines:")
            for r in s.firstRejects.prefix(5) { print("  " + r) }
        }
    }

    func summaryJSON(_ s: IngestSummary) -> JSON {
        .object([
            ("files_ingested", .int(Int64(s.filesIngested))),
            ("files_skipped", .int(Int64(s.filesSkipped))),
            ("files_failed", .int(Int64(s.failures.count))),
            ("files_ignored", .int(Int64(s.filesIgnored))),
            ("lines", .uint(s.lines)),
            ("records", .uint(s.records)),
            ("rejected_lines", .uint(s.rejected)),
            ("header_lines", .uint(s.headerLines)),
            ("blank_lines", .uint(s.blankLines)),
            ("input_bytes", .uint(s.inputBytes)),
            ("text_bytes", .uint(s.decodedBytes)),
            ("archive_bytes_added", .uint(s.archiveBytesAdded)),
            ("seconds", .double(s.seconds)),
            ("records_per_second", .double(s.seconds > 0 ? Double(s.records) / s.seconds : 0)),
            ("peak_resident_bytes", .int(Int64(s.peakResidentBytes))),
            ("errors", .array((s.inputProblems.map(\.description) + s.failures.map(\.description)).map { .string($0) })),
        ])
    }
}
