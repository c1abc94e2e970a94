import ArgumentParser
import FlowArchive
import FlowQuery
import FlowSupport

/// `flowarc shell ARCHIVE`: an interactive SQL session. The archive is opened once and what a
/// statement decodes (block indexes, checksummed chunks in the page cache) stays for the next
/// one, so after the first statement a selective query costs a millisecond or two, not the ten
/// or more that starting a `flowarc query` process and opening the archive take each time.
struct Shell: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Query an archive interactively: SQL statements ended by ';', one session.",
        discussion: """
            Reads statements from the terminal (or from standard input when it is not one) and runs each once its ';' is typed. An error is reported and the session goes on; at the end of input the exit status is 1 if any statement failed, else 0.

            Commands (on a line of their own):
              .format table|csv|json|ndjson   how results are printed (default: table)
              .maxrows N                      rows a table shows (default 40; 0: all)
              .timer on|off                   each statement's time (on at a terminal)
              .explain on|off                 print plans and blocks scanned/skipped
              .columns                        the archive's columns
              .help                           this list
              .quit                           leave (so does Ctrl-D)

            Example:
              flowarc shell flows.arc
              flowarc> SELECT action, count(*) FROM vpcflow GROUP BY 1;
            """)

    @OptionGroup var target: ArchiveOptions

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int = Sys.onlineProcessors

    @OptionGroup var memory: MemoryLimitOptions

    mutating func validate() throws {
        if threads < 1 || threads > 256 { throw ValidationError("--threads must be between 1 and 256") }
    }

    struct Settings {
        var format = Query.Format.table
        var maxRows = 40
        var timer: Bool
        var explain = false
    }

    func run() throws {
        let archive: ArchiveReader
        do { archive = try ArchiveReader(path: target.archive) } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        let guardrail = memory.startGuard()
        let interactive = Sys.isStandardInputTerminal
        var settings = Settings(timer: interactive)
        if interactive {
            let records = archive.segmentRecords.reduce(UInt64(0)) { $0 + $1.records }
            emit("flowarc shell: \(target.archive), \(Human.count(records)) records. End statements with ';'. .help lists commands, .quit leaves.\n")
        }
        var pending = ""
        var failed = false
        while true {
            if interactive { emit(pending.isEmpty ? "flowarc> " : "     ...> ") }
            guard let line = readLine(strippingNewline: true) else { break }
            let trimmed = line.trimmingBlanks
            if pending.isEmpty && trimmed.hasPrefix(".") {
                switch command(trimmed, &settings, archive, guardrail) {
                case .quit: return try finish(failed)
                case .failed: failed = true
                case .done: break
                }
                continue
            }
            if pending.isEmpty && trimmed.isEmpty { continue }
            pending += line + "\n"
            if SQLParser.endsStatement(pending) {
                if !execute(pending, settings, archive, guardrail) { failed = true }
                pending = ""
            }
        }
        if !pending.trimmingBlanks.isEmpty, !execute(pending, settings, archive, guardrail) { failed = true }
        if interactive { emit("\n") }
        try finish(failed)
    }

    private func finish(_ failed: Bool) throws {
        if failed { throw ExitCode.failure }
    }

    /// Writes to standard output directly, as results are written (`print` would buffer in
    /// stdio and could come out after a later result when the output is a pipe).
    private func emit(_ text: String) {
        try? Sys.writeStandardOutput(Array(text.utf8))
    }

    enum CommandOutcome { case done, failed, quit }

    private func command(_ text: String, _ settings: inout Settings, _ archive: ArchiveReader,
                         _ guardrail: (limit: Int64, message: @Sendable (Int64) -> String)) -> CommandOutcome {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let arg = words.count > 1 ? words[1].lowercased() : nil
        func onOff(_ name: String) -> Bool? {
            switch arg {
            case "on": return true
            case "off": return false
            default: printError("\(name) takes on or off"); return nil
            }
        }
        switch words[0].lowercased() {
        case ".quit", ".exit", ".q":
            return .quit
        case ".help":
            emit(Shell.configuration.discussion + "\n")
        case ".format":
            guard let arg, let f = Query.Format(rawValue: arg) else {
                printError(".format takes table, csv, json or ndjson")
                return .failed
            }
            settings.format = f
        case ".maxrows":
            guard let arg, let n = Int(arg), n >= 0 else {
                printError(".maxrows takes a number of rows (0: all)")
                return .failed
            }
            settings.maxRows = n
        case ".timer":
            guard let v = onOff(".timer") else { return .failed }
            settings.timer = v
        case ".explain":
            guard let v = onOff(".explain") else { return .failed }
            settings.explain = v
        case ".columns":
            let sql = "SELECT * FROM flows LIMIT 0"
            guard let statement = try? SQLParser.parseStatement(sql),
                  let result = runStatement(sql, statement, archive, threads: threads, memory: guardrail) else { return .failed }
            emit(result.columns.joined(separator: "\n") + "\n")
        default:
            printError("unknown command \(words[0]); .help lists the commands")
            return .failed
        }
        return .done
    }

    /// Runs the statements in `text`; false if one failed (the error is printed).
    private func execute(_ text: String, _ settings: Settings, _ archive: ArchiveReader,
                         _ guardrail: (limit: Int64, message: @Sendable (Int64) -> String)) -> Bool {
        let statements: [Statement]
        do { statements = try SQLParser.parseScript(text) } catch {
            printError("\(error)")
            return false
        }
        for st in statements {
            let started = Sys.monotonicNanos()
            guard let result = runStatement(text, st, archive, threads: threads, memory: guardrail) else { return false }
            if settings.explain { Sys.writeStandardError(result.plan + "\n") }
            var shown = result
            var note = ""
            if settings.format == .table && settings.maxRows > 0 && result.rowCount > settings.maxRows {
                shown = result.prefix(settings.maxRows)
                note = "(\(Human.count(UInt64(result.rowCount))) rows, the first \(settings.maxRows) shown; .maxrows 0 shows all)\n"
            }
            var out = ResultFormatter.render(shown, settings.format)
            let shownLine = "(\(settings.maxRows) row\(settings.maxRows == 1 ? "" : "s"))\n"
            if !note.isEmpty && out.hasSuffix(shownLine) {
                out.removeLast(shownLine.count)
                out += note
            }
            do { try Sys.writeStandardOutput(Array(out.utf8)) } catch {
                printError("\(error)")
                return false
            }
            if settings.explain {
                Sys.writeStandardError(explainStats(result, started: started))
            } else if settings.timer {
                Sys.writeStandardError("time: \(Human.milliseconds(Double(Sys.monotonicNanos() - started) / 1e6)) ms\n")
            }
        }
        return true
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and carriage returns.
    var trimmingBlanks: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
