import ArgumentParser
import FlowArchive
import FlowQuery
import FlowSupport

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run Athena (Trino) SQL over an archive.",
        discussion: """
            The SQL comes as an argument, from -f FILE, or from standard input; a file may hold several statements separated by ';' (comments with -- and /* */ are fine). Any table name means the archive (flows, vpcflow, "db"."table"). Columns answer to the AWS field names ("flow-direction"), the Athena DDL names (srcaddr, log_status, flow_direction) and the Security Analytics Bootstrap / incident-response workshop names (sourceaddress, destinationport, numpackets, starttime, ...), plus date_partition ('YYYY/MM/DD'), region_partition and account_partition.

            Blocks whose indexes rule out a predicate on addresses (=, IN, LIKE '10.%', contains('10.0.0.0/8', CAST(x AS IPADDRESS))), ports or times are skipped without being read; --explain shows how many.

            Example:
              flowarc query flows.arc "SELECT destinationport, count(*) AS n FROM vpcflow WHERE action = 'REJECT' GROUP BY destinationport ORDER BY n DESC LIMIT 10"

            Subqueries work in FROM, after IN and as scalars, and the archive joins with a subquery (INNER, CROSS, or LEFT keeping the archive's rows), as in AWS's demo queries. WITH queries are inlined where they are named. UNION [ALL] joins the rows of several SELECTs. Window functions (row_number, rank, lag, sum ... OVER (PARTITION BY ... ORDER BY ...)) run over the query's rows in memory. Not supported: joins of the archive with itself, INTERSECT/EXCEPT, window frames (a clear error names what is missing).

            SQL that starts with a -- comment reads as an option when given as an argument: pass it on standard input, with -f, or after a -- separator.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json, ndjson }

    @OptionGroup var target: ArchiveOptions

    @Argument(help: ArgumentHelp("The SQL (omit to read -f FILE or standard input).", valueName: "sql"))
    var sql: String?

    @Option(name: .customShort("f"), help: ArgumentHelp("Read the SQL from this file.", valueName: "file"))
    var file: String?

    @Option(name: .long, help: "Output format: table (default on a terminal), csv (RFC 4180 with a header row), json or ndjson.")
    var format: Format?

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int = Sys.onlineProcessors

    @Flag(name: .long, help: "Print the plan and, after running, blocks and rows scanned, blocks skipped or counted by their indexes alone, and times (to standard error).")
    var explain = false

    @OptionGroup var memory: MemoryLimitOptions

    mutating func validate() throws {
        if sql != nil && file != nil { throw ValidationError("give the SQL either as an argument or with -f, not both") }
        if threads < 1 || threads > 256 { throw ValidationError("--threads must be between 1 and 256") }
    }

    func run() throws {
        let text: String
        do {
            if let sql { text = sql } else if let file {
                text = String(decoding: try Sys.readFile(file, acceptStreams: true), as: UTF8.self)
            } else {
                text = String(decoding: try ReadableFile(standardInput: ()).readToEnd(), as: UTF8.self)
            }
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        let statements: [Statement]
        do { statements = try SQLParser.parseScript(text) } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        if statements.isEmpty {
            printError("no SQL statement given")
            throw ExitCode.failure
        }
        let archive: ArchiveReader
        let opening = Sys.monotonicNanos()
        do { archive = try ArchiveReader(path: target.archive) } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        if explain {
            // Segments are opened when a statement needs them (see ArchiveReader): this is the manifest.
            let blocks = archive.segmentRecords.reduce(0) { $0 + Int($1.blocks) }
            Sys.writeStandardError("archive: \(archive.segmentRecords.count) segments, \(blocks) blocks, manifest read in \(Human.milliseconds(Double(Sys.monotonicNanos() - opening) / 1e6)) ms\n")
        }
        let guardrail = memory.startGuard()
        let fmt = format ?? (Sys.isStandardOutputTerminal ? .table : .csv)
        for (i, st) in statements.enumerated() {
            let started = Sys.monotonicNanos()
            guard let result = runStatement(text, st, archive, threads: threads, memory: guardrail) else { throw ExitCode.failure }
            if explain { Sys.writeStandardError(result.plan + "\n") }
            do {
                if i > 0 && fmt == .table { try Sys.writeStandardOutput(Array("\n".utf8)) }
                if fmt == .csv {
                    let failure = WriteFailure()
                    result.writeCSV(threads: threads) { bytes in failure.attempt { try Sys.writeStandardOutput(bytes) } }
                    if let e = failure.error { throw e }
                } else {
                    try Sys.writeStandardOutput(Array(ResultFormatter.render(result, fmt).utf8))
                }
            } catch {
                printError("\(error)")
                throw ExitCode.failure
            }
            if explain { Sys.writeStandardError(explainStats(result, started: started)) }
        }
    }
}

/// The first error of writes made in turn from several threads (`QueryResult.writeCSV`); once
/// one failed, the rest are skipped.
final class WriteFailure: @unchecked Sendable {
    private let lock = Monitor()
    private(set) var error: (any Error)? = nil

    func attempt(_ write: () throws -> Void) {
        lock.withLock {
            guard error == nil else { return }
            do { try write() } catch { self.error = error }
        }
    }
}

enum ResultFormatter {
    static func render(_ r: QueryResult, _ f: Query.Format) -> String {
        switch f {
        case .csv:
            return String(decoding: r.csvBytes(), as: UTF8.self)  // the CLI writes CSV as bytes (`writeCSV`)
        case .ndjson:
            return r.rows.map { row in object(r.columns, row).render(pretty: false) + "\n" }.joined()
        case .json:
            return JSON.array(r.rows.map { object(r.columns, $0) }).render() + "\n"
        case .table:
            let cells = r.rows.map { $0.map(\.description) }
            var widths = r.columns.map(\.count)
            for row in cells { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
            func line(_ items: [String], right: [Bool]) -> String {
                zip(items, widths).enumerated().map { i, p in
                    let pad = String(repeating: " ", count: p.1 - p.0.count)
                    return right[i] ? pad + p.0 : p.0 + pad
                }.joined(separator: " | ")
            }
            let right = r.types.map { $0 == .bigint || $0 == .double }
            var out = line(r.columns, right: Array(repeating: false, count: r.columns.count)) + "\n"
            out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-") + "\n"
            for row in cells { out += line(row, right: right) + "\n" }
            out += "(\(r.rows.count) row\(r.rows.count == 1 ? "" : "s"))\n"
            return out
        }
    }

    static func object(_ columns: [String], _ row: [Value]) -> JSON {
        .object(zip(columns, row).map { ($0, json($1)) })
    }

    static func json(_ v: Value) -> JSON {
        switch v {
        case .null: return .null
        case .int(let x): return .int(x)
        case .double(let d): return .double(d)
        case .bool(let b): return .bool(b)
        case .array(let a): return .array(a.map(json))
        default: return .string(v.description)
        }
    }
}

/// `--explain`'s line after a statement: blocks scanned, skipped and counted by the indexes, rows,
/// and times (`started`: when the statement began, so the time includes writing its output).
func explainStats(_ result: QueryResult, started: UInt64) -> String {
    let s = result.stats
    return "scanned \(s.blocks - s.blocksSkipped - s.blocksCounted) of \(s.blocks) blocks (\(s.blocksSkipped) skipped by the indexes)"
        + (s.blocksCounted > 0 ? ", \(s.blocksCounted) counted from their indexes" : "")
        + (s.pagesFromIndexes > 0 ? ", \(s.pagesFromIndexes) pages counted or skipped by their min/max" : "")
        + (s.segmentsSkipped > 0 ? ", \(s.segmentsSkipped) of \(s.segments) segments skipped whole by the manifest" : "")
        + ", \(s.rowsScanned) rows scanned, \(s.rowsMatched) matched, \(result.rowCount) rows out, \(Human.milliseconds(s.seconds * 1000)) ms"
        + " (scan \(Human.milliseconds(s.scanSeconds * 1000)) ms, merge and order \(Human.milliseconds(s.finishSeconds * 1000)) ms);"
        + " \(Human.milliseconds(Double(Sys.monotonicNanos() - started) / 1e6)) ms with output\n"
}
