import FlowArchive
import FlowLog
@testable import FlowQuery
import FlowSupport
import Testing

/// Block pruning by the indexes for lists of values: alternatives on one column are asked as one
/// list (one index lookup per block), and a block is skipped only when no element may be in it.
@Suite struct PruningTests {
    static func condition(_ whereClause: String) throws -> PruneCondition {
        PruneCondition.from(try expr(whereClause))
    }

    @Test func alternativesOnOneColumnAreOneList() throws {
        guard case .addressIn(let col, let addresses) = try Self.condition("dstaddr IN ('10.0.0.1', '10.0.0.2', '192.0.2.7')") else {
            Issue.record("not one list"); return
        }
        #expect(col == "dstaddr" && addresses.map(\.description) == ["10.0.0.1", "10.0.0.2", "192.0.2.7"])
        // OR of equalities: the same list.
        guard case .addressIn(_, let ored) = try Self.condition("dstaddr = '10.0.0.1' OR dstaddr = '10.0.0.9'") else {
            Issue.record("OR not merged"); return
        }
        #expect(ored.count == 2)
        guard case .intIn(let port, let ranges) = try Self.condition("dstport IN (22, 3389, 4444)") else {
            Issue.record("ports not one list"); return
        }
        #expect(port == "dstport" && ranges == [22...22, 3389...3389, 4444...4444])
        // Different columns stay alternatives of their own.
        guard case .any(let parts) = try Self.condition("dstaddr = '10.0.0.1' OR srcaddr = '10.0.0.2' OR dstaddr = '10.0.0.3'") else {
            Issue.record("columns merged"); return
        }
        #expect(parts.count == 2)
        // --explain shows a long list by its first items and its length.
        let long = try Self.condition("dstaddr IN (" + (1...300).map { "'192.0.2.\($0 % 250)'" }.joined(separator: ", ") + ")")
        #expect(long.description.hasPrefix("dstaddr in {192.0.2.1,192.0.2.2,") && long.description.hasSuffix(",... (300 addresses)}"), "\(long)")
        #expect(try Self.condition("dstport IN (1, 2, 3)").description == "dstport in 1,2,3")
        if case .addressIn(let c, let a) = parts[0] { #expect(c == "dstaddr" && a.count == 2) } else { Issue.record("\(parts[0])") }
    }

    /// Three blocks with disjoint destinations: a list naming one address of block 1 among many
    /// absent ones reads block 1 only, and counts what a scan of every block counts.
    @Test func aListReadsOnlyTheBlocksThatMayHoldAnElement() throws {
        let blocks = (0..<3).map { b in
            (0..<400).map { i in
                "2 123456789012 eni-0\(b) 10.0.\(b).\(i % 200 + 1) 198.\(b).\(i / 200).\(i % 250 + 1) 40000 443 6 1 100 \(1_700_000_000 + i) \(1_700_000_060 + i) ACCEPT OK"
            }
        }
        let archive = try TestArchive.make(v2Lines: blocks)
        var list = (0..<300).map { "'203.0.113.\($0 % 250 + 1)'" } + (0..<300).map { "'100.\($0 / 250).\($0 % 250).9'" }
        list.insert("'198.1.1.17'", at: 250)
        let sql = "SELECT count(*) FROM flows WHERE dstaddr IN (\(list.joined(separator: ", ")))"
        let r = try TestArchive.run(sql, archive)
        #expect(r.rows == [[.int(1)]])
        #expect(r.stats.blocks == 3 && r.stats.blocksSkipped == 2, "\(r.stats)")
        // Without the present address: every block skipped.
        list.remove(at: 250)
        let none = try TestArchive.run("SELECT count(*) FROM flows WHERE dstaddr IN (\(list.joined(separator: ", ")))", archive)
        #expect(none.rows == [[.int(0)]] && none.stats.blocksSkipped == 3, "\(none.stats)")
    }
}
