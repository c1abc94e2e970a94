import ArgumentParser

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

            `flowarc demo` does all of this in a temporary directory.
            """,
        version: "0.1.0",
        subcommands: [Ingest.self, Query.self, Info.self, Verify.self, Generate.self, Demo.self])
}

/// Options every command that reads or writes an archive shares.
struct ArchiveOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The archive directory.", valueName: "archive"))
    var archive: String
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
