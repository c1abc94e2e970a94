import FlowArchive
import FlowLog
@testable import FlowQuery
import FlowSupport
import Testing

/// Counters are bigint. flowarc's writer rejects a counter above 2^63 - 1, but the format's
/// uint64 type can hold one (another writer, or an archive from before the writer checked):
/// a query that reads such a value fails and says why, instead of showing it as a negative
/// number or counting it as one. Blocks without such a value read as always.
@Suite struct BigintRangeTests {
    /// One segment of two blocks: bytes of 5 and 7 in the first, 100 and 2^64 - 1 in the second.
    static func archive() throws -> ArchiveReader {
        try TestArchive.make([[5, 7], [100, .max]].map { (bytes: [UInt64]) in
            var batch = RecordBatch()
            batch.rowCount = bytes.count
            var b = IntColumn(), src = AddressColumn()
            for v in bytes { b.append(v); src.append(IPAddress(ipv4: 0x0A00_0001)) }
            batch.ints[FieldCatalog.id(of: "bytes")!] = b
            batch.addresses[FieldCatalog.id(of: "srcaddr")!] = src
            return batch
        })
    }

    @Test(arguments: [
        "SELECT numbytes FROM vpcflow",
        "SELECT sum(numbytes) FROM vpcflow",
        "SELECT sourceaddress, max(numbytes) FROM vpcflow GROUP BY 1",
        "SELECT count(*) FROM vpcflow WHERE numbytes >= 0",
        "SELECT count(*) FROM vpcflow WHERE numbytes > 6",
    ])
    func aCounterAboveBigintFailsTheQuery(_ sql: String) throws {
        let archive = try Self.archive()
        do {
            let r = try TestArchive.run(sql, archive)
            Issue.record("\(sql) answered \(r.rowCount) rows instead of failing")
        } catch {
            let text = "\(error)"
            #expect(text.contains("bytes in block 1") && text.contains("holds 18446744073709551615, above bigint's largest value"), "\(text)")
        }
    }

    @Test func blocksWithinBigintReadAsAlways() throws {
        let archive = try Self.archive()
        // The index rules out the second block, so its value is never read.
        let r = try TestArchive.run("SELECT count(*), sum(numbytes) FROM vpcflow WHERE numbytes BETWEEN 6 AND 10", archive)
        #expect(r.rowCount == 1)
        #expect(r.rows.first == [.int(1), .int(7)], "\(r.rows)")
    }
}
