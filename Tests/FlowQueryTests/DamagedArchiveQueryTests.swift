import FlowArchive
import FlowLog
@testable import FlowQuery
import FlowSupport
import Testing

/// A damaged archive never gives a wrong answer: with one byte flipped anywhere in a segment or
/// the manifest (~2,000 places in each), opening the archive or running a query fails, or the
/// query answers exactly as on the undamaged archive (the byte was one this query does not read,
/// or one a reader ignores by design). The queries cover the paths that read chunks and indexes
/// differently: a full scan, address and port predicates pruned by Bloom filters and bitmaps, a
/// time window counted from page min/max, a CIDR over address codes, grouping by address code
/// and by text.
@Suite struct DamagedArchiveQueryTests {
    static let queries = [
        "SELECT count(*), sum(numbytes), min(starttime), max(endtime) FROM vpcflow",
        "SELECT count(*), sum(numbytes) FROM vpcflow WHERE destinationaddress = '52.1.2.7'",
        "SELECT count(*) FROM vpcflow WHERE destinationport = 3333",
        "SELECT count(*) FROM vpcflow WHERE starttime BETWEEN 1700000500 AND 1700001500",
        "SELECT count(*) FROM vpcflow WHERE contains('10.0.0.0/24', CAST(sourceaddress AS IPADDRESS))",
        "SELECT sourceaddress, sum(numbytes) AS b FROM vpcflow GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5",
        "SELECT action, count(*) FROM vpcflow GROUP BY 1 ORDER BY 1",
    ]

    /// 6,000 v2 records in three blocks: a few hundred sources, a few destinations, ports,
    /// times spread over half an hour, ACCEPT and REJECT, some NODATA.
    static func batches() -> [RecordBatch] {
        var rng = SplitMix64(seed: 11)
        var text = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
        for i in 0..<6_000 {
            if rng.next() % 50 == 0 {
                text += "2 123456789012 eni-\(i % 7) - - - - - - - \(1_700_000_000 + i / 3) \(1_700_000_060 + i / 3) - NODATA\n"
                continue
            }
            let src = "10.0.\(rng.next() % 3).\(rng.next() % 250)", dst = "52.1.2.\(rng.next() % 9)"
            let port = [443, 80, 3333, 53][Int(rng.next() % 4)]
            let start = 1_700_000_000 + Int(rng.next() % 1800)
            text += "2 123456789012 eni-\(i % 7) \(src) \(dst) \(40000 + rng.next() % 2000) \(port) 6 \(1 + rng.next() % 9) \(100 + rng.next() % 9000) \(start) \(start + 60) \(rng.next() % 4 == 0 ? "REJECT" : "ACCEPT") OK\n"
        }
        var parser = RecordParser()
        let parsed = Array(text.utf8).withUnsafeBytes { parser.parse($0, mapping: .defaultV2) }
        return [0..<2_000, 2_000..<4_000, 4_000..<parsed.records].map { range in
            var b = RecordBatch()
            b.append(parsed.batch, range: range, sourceID: 1, partitionValues: ["123456789012", "us-east-1", "2023/11/14"])
            b.padAll()
            return b
        }
    }

    static func answers(_ archive: ArchiveReader) -> [String] {
        queries.map { sql in
            do { return "\(try TestArchive.run(sql, archive, threads: 2).rows)" } catch { return "error" }
        }
    }

    @Test func aFlippedByteIsAnErrorOrChangesNothing() throws {
        let good = try TestArchive.make(Self.batches())
        let expected = Self.answers(good)
        #expect(!expected.contains("error"), "\(expected)")
        let root = good.path
        let files = [root + "/MANIFEST"] + (try Sys.listDirectory(root + "/segments")).map { root + "/segments/" + $0 }
        var wrong: [String] = []
        var tried = 0
        for file in files {
            let original = try Sys.readFile(file)
            // About 2,000 offsets per file, spread over all of it (a stride that is not a power of
            // two, so every field of the repeated layouts gets hit somewhere).
            let step = max(1, original.count / 2_000) | 1
            for offset in Swift.stride(from: 0, to: original.count, by: step) {
                var bytes = original
                bytes[offset] ^= 0x5A
                try Sys.writeFileAtomically(file, bytes)
                defer { try? Sys.writeFileAtomically(file, original) }
                tried += 1
                guard let damaged = try? ArchiveReader(path: root) else { continue }
                for (k, got) in Self.answers(damaged).enumerated() where got != "error" && got != expected[k] {
                    wrong.append("\(file.split(separator: "/").last!) byte \(offset): query \(k + 1) answered \(got), not \(expected[k])")
                }
            }
        }
        #expect(tried > 1_000, "\(tried)")
        #expect(wrong.isEmpty, "\(wrong.prefix(10).joined(separator: "\n"))")
    }
}
