import FlowArchive
import FlowLog
@testable import FlowQuery
import FlowSupport
import Foundation
import Testing

/// Every statement of AWS's two VPC flow log demo scripts runs, as written, against a real
/// archive (the golden input of Tests/FlowArchiveTests as today's parser stores it, in the S3
/// partition it names), and the seed query too. Their answers are checked against DuckDB in the
/// CLI differential tests.
@Suite struct DemoExecutionTests {
    static let inputPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../FlowArchiveTests/Golden/v1/input.log").standardizedFileURL.path

    static func archive() throws -> ArchiveReader {
        let text = try Sys.readFile(inputPath)
        var parser = RecordParser()
        let parsed = text.withUnsafeBytes { parser.parse($0, mapping: .defaultV2) }
        var block = RecordBatch()
        block.append(parsed.batch, range: 0..<parsed.records, sourceID: 1, partitionValues: ["123456789012", "us-east-1", "2024/01/05"])
        block.padAll()
        return try TestArchive.make([block])
    }

    func runAll(_ script: String) throws -> [QueryResult] {
        let archive = try Self.archive()
        return try SQLParser.parseScript(script).map {
            try QueryEngine.run(script, statement: $0, archive: archive, threads: 2)
        }
    }

    @Test func bootstrapScriptRuns() throws {
        let results = try runAll(DemoScripts.bootstrap)
        #expect(results.count == 19)
        // The preview query reads rows of the archive.
        #expect(results[0].rowCount > 0)
        // The daily transfer report (a join with an aggregated subquery) has its four columns.
        let join = try #require(results.first { $0.plan.contains("join: inner with a subquery") })
        #expect(join.columns == ["event_date", "sourceaddress", "destinationaddress", "byte_count"])
    }

    @Test func workshopScriptRuns() throws {
        let results = try runAll(DemoScripts.workshop)
        #expect(results.contains { $0.plan.contains("join: inner with a subquery") })
    }

    @Test func seedQueryRuns() throws {
        let results = try runAll(DemoScripts.seedQuery)
        #expect(results.count == 1)
        #expect(results[0].columns == ["numpackets", "sourceaddress", "destinationaddress", "destinationport"])
    }
}
