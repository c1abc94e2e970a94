import ArgumentParser
import FlowArchive
import FlowGen
import FlowIngest
import FlowQuery
import FlowSupport

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate sample flow logs, ingest them and show what the archive holds.",
        discussion: """
            Writes synthetic VPC flow logs (version 5 format, with an injected cryptomining \
            incident) in the S3 layout under DIR/logs, ingests them into DIR/flows.arc, prints \
            the ingest summary and the archive description, verifies the archive, and runs the \
            cryptomining hunt: which instances talk to mining pools on stratum ports, then the \
            incident-response workshop's hunt query as written. The miner instances and pools \
            the generator reports are the ones the hunt finds.
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
        let reader = try ArchiveReader(path: archive)
        print("\n== hunt: egress to mining pool (stratum) ports, by instance and pool")
        try Self.show(Self.stratumHunt, reader, rows: 10)
        print("\n== hunt: the incident-response workshop's cryptominer query, as written")
        try Self.show(Self.workshopHunt, reader, rows: 10)
        print("\nAsk it more: flowarc shell \(archive)   (SQL statements ended by ';', .help for commands)")
    }

    static let stratumHunt = """
        SELECT instanceid, sourceaddress, destinationaddress, destinationport, count(*) AS flows, sum(numbytes) AS bytes
        FROM vpcflow
        WHERE destinationport IN (3333, 4444, 14444, 45700) AND flow_direction = 'egress' AND action = 'ACCEPT'
        GROUP BY instanceid, sourceaddress, destinationaddress, destinationport
        ORDER BY bytes DESC
        LIMIT 10
        """

    static let workshopHunt = """
        SELECT numpackets, sourceaddress, destinationaddress, destinationport
        FROM "irworkshopgluedatabase"."irworkshopgluetablevpcflow"
        WHERE flow_direction = 'egress' AND
        destinationaddress NOT LIKE '192.168.%' AND
        destinationaddress NOT LIKE '10.%' AND
        destinationaddress NOT LIKE '172.%'
        GROUP BY numpackets, sourceaddress, destinationaddress, destinationport
        ORDER BY numpackets DESC
        """

    /// Prints the SQL, then the first `rows` rows of its result as a table.
    static func show(_ sql: String, _ archive: ArchiveReader, rows: Int) throws {
        print(sql.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        let statement = try SQLParser.parseStatement(sql)
        let result = try QueryEngine.run(sql, statement: statement, archive: archive, threads: Sys.onlineProcessors)
        print("")
        print(ResultFormatter.render(result.prefix(rows), .table), terminator: "")
        if result.rowCount > rows { print("(first \(rows) of \(Human.count(UInt64(result.rowCount))) rows)") }
        let s = result.stats
        print("\(Human.milliseconds(s.seconds * 1000)) ms, \(s.blocks - s.blocksSkipped) of \(s.blocks) blocks read")
    }
}
