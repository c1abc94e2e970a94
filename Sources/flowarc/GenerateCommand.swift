import ArgumentParser
import FlowGen

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write deterministic synthetic VPC flow logs in the S3 layout (with an injected cryptomining incident).",
        discussion: """
            Writes gzip-compressed flow log objects the way AWS delivers them to S3 \
            (<out>/AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/<account>_vpcflowlogs_<region>_fl-…_YYYYMMDDTHHmmZ_<hash>.log.gz), \
            each starting with a header line. The traffic is realistic but synthetic: a fleet of ENIs with \
            internet, east-west and NAT traffic, scanners being rejected, NODATA/SKIPDATA rows and some IPv6, \
            spread over three days from 2023-11-14T00:00:00Z. Two instances in the middle of the range talk to \
            cryptocurrency mining pools on stratum ports (3333, 4444, 14444, 45700) and send bursts of DNS to a \
            public resolver; the summary names them, so a hunt over the archive can be checked against it. \
            The same options always write byte-identical files.

            Example:
              flowarc generate --out demo-out/logs --records 1000000 --files 8 --seed 7
              flowarc generate --out /tmp/v8 --records 20000 --fields v8 --plain
            """)

    @Option(name: .long, help: ArgumentHelp("Directory to write the AWSLogs/ tree into.", valueName: "dir"))
    var out: String

    @Option(name: .long, help: "Total number of records (lines other than headers) over all files.")
    var records: Int = 100_000

    @Option(name: .long, help: "Number of log files to write.")
    var files: Int = 4

    @Option(name: .long, help: "Seed of the random generator.")
    var seed: UInt64 = 1

    @Option(name: .long, help: ArgumentHelp("Record format: v2 (default AWS format) or all fields up to v3, v4, v5 or v8.", valueName: "v2|v3|v4|v5|v8"))
    var fields: String = "v5"

    @Option(name: .long, help: ArgumentHelp("zlib compression level of the .log.gz files (1 fastest … 9 smallest).", valueName: "1-9"))
    var gzipLevel: Int32 = 1

    @Flag(name: .long, help: "Write uncompressed .log files instead of .log.gz.")
    var plain = false

    @Flag(name: .long, help: "Print nothing.")
    var quiet = false

    func validate() throws {
        if records < 0 { throw ValidationError("--records must be 0 or more.") }
        if files < 1 { throw ValidationError("--files must be at least 1.") }
        if !(1...9).contains(gzipLevel) { throw ValidationError("--gzip-level must be between 1 and 9.") }
        if FlowFormat(name: fields) == nil {
            throw ValidationError("Unknown --fields '\(fields)'; expected one of v2, v3, v4, v5, v8.")
        }
    }

    func run() throws {
        var options = GeneratorOptions()
        options.records = records
        options.files = files
        options.seed = seed
        options.format = FlowFormat(name: fields) ?? .v5
        options.gzip = !plain
        options.gzipLevel = gzipLevel
        try Self.generate(into: out, options: options, quiet: quiet)
    }

    /// Generates and prints the summary. For other commands (`demo`): a `Generate()` made in code
    /// cannot be run, as ArgumentParser traps when an unset option of it is read; call this, or
    /// `Generate.parse(["--out", dir, ...]).run()`.
    @discardableResult
    static func generate(into out: String, options: GeneratorOptions, quiet: Bool = false) throws -> GenerationSummary {
        let summary = try FlowGenerator.generate(into: out, options: options)
        if quiet { return summary }

        let incident = summary.incident
        var lines: [String] = []
        lines.append("Wrote \(summary.files.count) file\(summary.files.count == 1 ? "" : "s") "
            + "(\(summary.records) records, \(options.format.name), \(formatBytes(summary.bytesWritten))) under \(out)")
        let shown = summary.files.count <= 8 ? summary.files : Array(summary.files.prefix(3)) + ["…"] + Array(summary.files.suffix(2))
        for file in shown { lines.append("  \(file)") }
        lines.append("Injected cryptomining incident (\(incident.records) records):")
        lines.append("  miner instances:  \(incident.minerInstanceIDs.joined(separator: ", ")) "
            + "(\(incident.minerSourceAddresses.joined(separator: ", ")))")
        lines.append("  mining pools:     \(incident.poolAddresses.joined(separator: ", "))")
        lines.append("  stratum ports:    \(incident.poolPorts.map(String.init).joined(separator: ", "))")
        lines.append("  DNS bursts to:    \(incident.resolverAddress) (UDP/53)")
        lines.append("  window (UTC):     \(FlowGenerator.iso8601(epochSeconds: incident.start)) .. "
            + "\(FlowGenerator.iso8601(epochSeconds: incident.end))")
        print(lines.joined(separator: "\n"))
        return summary
    }

    static func formatBytes(_ n: Int64) -> String {
        if n < 1024 { return "\(n) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var value = n
        var unit = -1
        var tenths: Int64 = 0
        while value >= 1024 && unit < units.count - 1 {
            tenths = (value % 1024) * 10 / 1024
            value /= 1024
            unit += 1
        }
        return "\(value).\(tenths) \(units[unit])"
    }
}
