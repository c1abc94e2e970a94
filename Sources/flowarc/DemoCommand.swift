import ArgumentParser
import FlowArchive
import FlowGen
import FlowIngest
import FlowSupport

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate sample flow logs, ingest them and show what the archive holds.",
        discussion: """
            Writes synthetic VPC flow logs (version 5 format, with an injected cryptomining \
            incident) in the S3 layout under DIR/logs, ingests them into DIR/flows.arc, and \
            prints the ingest summary and the archive description.
            """)

    @Option(name: .long, help: ArgumentHelp("Working directory (default: ./demo-out).", valueName: "dir"))
    var dir: String = "demo-out"

    @Option(name: .long, help: "Records to generate.")
    var records: Int = 1_000_000

    @Option(name: .long, help: "Files to generate.")
    var files: Int = 12

    mutating func validate() throws {
        if records < 1 { throw ValidationError("--records must be at least 1") }
        if files < 1 { throw ValidationError("--files must be at least 1") }
    }

    func run() throws {
        let logs = dir + "/logs"
        let archive = dir + "/flows.arc"
        print("== generating \(Human.count(UInt64(records))) records in \(files) files under \(logs)")
        let gen = try Generate.parse(["--out", logs, "--records", "\(records)", "--files", "\(files)"])
        try gen.validate()
        try gen.run()
        print("\n== ingesting into \(archive)")
        var ingest = try Ingest.parse([archive, logs])
        try ingest.validate()
        try ingest.run()
        print("\n== flowarc info \(archive)")
        let info = try Info.parse([archive])
        try info.run()
        print("\n== flowarc verify \(archive)")
        let verify = try Verify.parse([archive])
        try verify.run()
    }
}
