import Foundation
import Testing

/// flowarc's answers against DuckDB's for a few hundred random queries over the differential
/// suite's logs and archive (`DifferentialTests.fixture`): `Tests/Differential/random_differential.py`
/// generates them from a fixed seed (projections with expressions and aliases, DISTINCT, WHERE
/// with AND/OR/NOT, BETWEEN, IN, [NOT] LIKE on text and addresses, IS NULL, contains() with IPv4
/// and IPv6 CIDRs, time functions; GROUP BY one to three keys with HAVING; every aggregate; ORDER
/// BY ... LIMIT; a subquery in FROM; a join with a grouped subquery; text functions, time fields,
/// INTERVAL windows, count_if, WITH queries), translates each into DuckDB's
/// dialect, and compares the results as the hand-written suite does (ordered where ORDER BY fixes
/// the order, else as multisets; doubles to a relative 1e-9). Hand-written cases check the shapes
/// someone thought of; this one combines them, which is how `contains('::/0', ip)` came to match
/// IPv4 addresses unnoticed. Same seed, same queries: a failure reproduces by running the script.
@Suite(.serialized) struct RandomDifferentialTests {
    static let seed = 20231115
    /// About 35 s with a debug build on two cores.
    static let count = 300

    @Test func randomQueriesGiveDuckDBsAnswers() throws {
        let f = try #require(DifferentialTests.fixture, "could not generate and ingest the test data")
        let bin = try #require(CLI.binary, "flowarc binary not found: set FLOWARC_BIN or run `swift build` first")
        let script = CLI.packageRoot + "/Tests/Differential/random_differential.py"
        let r = try CLI.runProgram("/usr/bin/env", ["python3", script, bin, f.archive, f.logs, "\(Self.seed)", "\(Self.count)"])
        // 0: every query agrees; 1: mismatches (listed on stdout); 2: the harness itself failed.
        #expect(r.status == 0, "python3 \(script) \(bin) \(f.archive) \(f.logs) \(Self.seed) \(Self.count)\n\(r)")
        #expect(r.stdout.contains("\(Self.count) queries"), "no summary line:\n\(r)")
    }
}
