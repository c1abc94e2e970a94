import ArgumentParser
import FlowArchive
import FlowQuery
import FlowSupport

@main
struct Flowarc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowarc",
        abstract: "Archive AWS VPC Flow Logs in a compressed columnar format and query them fast.",
        discussion: """
            Ingest gzip flow logs as AWS delivers them to S3 (synced to disk) into an archive \
            directory, then inspect and query it:

              flowarc generate --out logs --records 1000000
              flowarc ingest flows.arc logs/
              flowarc info flows.arc
              flowarc verify flows.arc
              flowarc query flows.arc "SELECT action, count(*) FROM vpcflow GROUP BY 1"
              flowarc shell flows.arc        (one session: statements ended by ';')

            `flowarc demo` does all of this in a temporary directory.
            """,
        version: "0.1.0",
        subcommands: [Ingest.self, Query.self, Shell.self, Info.self, Verify.self, Generate.self, Demo.self])
}

/// Options every command that reads or writes an archive shares.
struct ArchiveOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The archive directory.", valueName: "archive"))
    var archive: String
}

/// `--memory-limit`, shared by the commands that run queries (see `MemoryGuard`).
struct MemoryLimitOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Stop a query whose memory passes this size, with a message and exit status 1, rather than letting the system kill it (default: 75% of the machine's memory, or of the container's limit).",
        discussion: "A size in bytes with K, M, G or T (powers of 1024: 512M, 8G, 1.5G) or a percentage (50%). A GROUP BY keeps one entry per group: grouping months of flows by address pairs and ports can need more memory than the machine has.",
        valueName: "size"))
    var memoryLimit: String?

    func validate() throws {
        if let memoryLimit, MemorySize(memoryLimit, available: MemoryGuard.availableToProcess()) == nil {
            throw ValidationError("--memory-limit must be a size such as 512M, 8G or 50%, not '\(memoryLimit)'")
        }
    }

    /// The limit in bytes (checked by `validate`).
    var bytes: Int64 {
        let available = MemoryGuard.availableToProcess()
        return memoryLimit.flatMap { MemorySize($0, available: available)?.bytes } ?? available / 4 * 3
    }

    /// Starts the watch; returns the limit and the message for `MemoryGuard.enforce`.
    func startGuard() -> (limit: Int64, message: @Sendable (Int64) -> String) {
        let limit = bytes
        let message: @Sendable (Int64) -> String = { used in
            "the query was stopped: it needed more memory than its limit of \(Human.bytes(UInt64(limit))) (\(Human.bytes(UInt64(used))) in use); "
                + "group by fewer or coarser keys, filter with WHERE (a time range, an address, a port) so that fewer groups or rows are kept, "
                + "or raise --memory-limit"
        }
        MemoryGuard.start(limitBytes: limit, message: message)
        return (limit, message)
    }
}

/// Runs one statement and holds it to the memory limit; nil (the error printed) if it failed.
func runStatement(_ text: String, _ statement: Statement, _ archive: ArchiveReader, threads: Int,
                  memory: (limit: Int64, message: @Sendable (Int64) -> String)) -> QueryResult? {
    let result: QueryResult
    let started = Sys.monotonicNanos()
    do {
        result = try QueryEngine.run(text, statement: statement, archive: archive, threads: threads)
    } catch {
        printError("\(error)")
        return nil
    }
    // A statement too short for the watch to have seen is held to the limit here, before any
    // of its output; not one under a millisecond, which cannot have been handed more than some
    // megabytes by the kernel in that time.
    if Sys.monotonicNanos() - started >= 1_000_000 { MemoryGuard.enforce(memory.limit, memory.message) }
    return result
}

/// Standard error output that argument-parser's error printing does not cover.
func printError(_ message: String) {
    FileStandardError.write("flowarc: " + message + "\n")
}

enum FileStandardError {
    static func write(_ s: String) {
        FlowSupportBridge.writeStandardError(s)
    }
}
