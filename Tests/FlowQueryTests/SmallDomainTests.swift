import FlowArchive
import FlowLog
@testable import FlowQuery
import Testing

/// GROUP BY over keys of few values in a block goes through `SmallDomain` (rows counted by the
/// keys' combined code); other blocks hash every row. The groups of both paths must be the same
/// groups: here one block takes the dense path, one cannot (packets far out of range, ports
/// and sources of many values), one is too small, and the answers are checked against sums made
/// here from the same lines, with NULL in every key, with and without WHERE, over 1 to 3 workers.
@Suite struct SmallDomainTests {
    struct Line { var proto: Int?; var packets: Int?; var action: String?; var port: Int?; var src: String?; var bytes: Int }

    static let blocks: [[Line]] = {
        var out: [[Line]] = []
        var seed: UInt64 = 7
        func next(_ n: Int) -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int((seed >> 33) % UInt64(n)) }
        let actions: [String?] = ["ACCEPT", "REJECT", nil]
        let sources: [String?] = ["10.0.0.1", "10.0.0.2", "172.16.3.4", "2600:1f18::7", nil]
        for (b, rows) in [3000, 3000, 5].enumerated() {
            var block: [Line] = []
            for i in 0..<rows {
                let wide = b == 1
                let proto: Int? = next(5) == 0 ? nil : [6, 17, 1][next(3)]
                let packets: Int? = next(6) == 0 ? nil : (wide && i % 7 == 0 ? 100_000 + i * 977 : 1 + next(4))
                let port: Int? = next(9) == 0 ? nil : (wide ? next(65_000) : next(40))
                let src: String? = wide && i % 3 == 0 ? "10.1.\(next(200)).\(next(250))" : sources[next(sources.count)]
                block.append(Line(proto: proto, packets: packets, action: actions[next(3)], port: port, src: src, bytes: next(100_000)))
            }
            out.append(block)
        }
        return out
    }()

    static func archive() throws -> ArchiveReader {
        try TestArchive.make(v2Lines: blocks.map { lines in
            lines.map { l in
                "2 123456789012 eni-1 \(l.src ?? "-") 10.0.9.9 40000 \(l.port.map(String.init) ?? "-") \(l.proto.map(String.init) ?? "-") \(l.packets.map(String.init) ?? "-") \(l.bytes) 1700000000 1700000060 \(l.action ?? "-") OK"
            }
        })
    }

    static func text(_ v: Int?) -> String { v.map(String.init) ?? "NULL" }

    /// The query's rows as sorted text, and the same groups summed here.
    func check(_ sql: String, _ archive: ArchiveReader, where keep: (Line) -> Bool = { _ in true },
               key: (Line) -> [String], values: ([Line]) -> [String]) throws {
        var groups: [[String]: [Line]] = [:]
        for l in Self.blocks.joined() where keep(l) { groups[key(l), default: []].append(l) }
        let expected = groups.map { $0.key + values($0.value) }.map { $0.joined(separator: "|") }.sorted()
        for threads in 1...3 {
            let r = try TestArchive.run(sql, archive, threads: threads)
            let got = r.rows.map { $0.map(\.description).joined(separator: "|") }.sorted()
            #expect(got == expected, "\(sql), \(threads) threads: \(got.count) groups, expected \(expected.count)")
        }
    }

    /// Blocks where one code holds most rows (ACCEPT and TCP, as in real flow logs) are counted
    /// and summed in four interleaved copies (`consumeByCode`, `LocalStates.laneCounts`): block
    /// sizes that are not a multiple of four, NULLs in the summed column, a WHERE (which takes
    /// the single-copy path) and 1 to 3 workers give the sums made here.
    @Test func skewedBlocksSumInCopiesAndAgree() throws {
        var seed: UInt64 = 11
        func next(_ n: Int) -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int((seed >> 33) % UInt64(n)) }
        var blocks: [[Line]] = []
        for rows in [4001, 2002, 1003, 7, 1] {
            blocks.append((0..<rows).map { _ in
                let action: String? = next(10) < 7 ? "ACCEPT" : (next(2) == 0 ? "REJECT" : nil)
                let proto: Int? = next(10) < 8 ? 6 : [17, 1][next(2)]
                let packets: Int? = next(7) == 0 ? nil : next(1 << 40)
                return Line(proto: proto, packets: packets, action: action, port: next(3), src: nil, bytes: next(1 << 50))
            })
        }
        let archive = try TestArchive.make(v2Lines: blocks.map { lines in
            lines.map { l in
                "2 123456789012 eni-1 10.0.0.1 10.0.9.9 40000 \(l.port!) \(l.proto.map(String.init) ?? "-") \(l.packets.map(String.init) ?? "-") \(l.bytes) 1700000000 1700000060 \(l.action ?? "-") OK"
            }
        })
        var groups: [[String]: [Line]] = [:]
        var filtered: [[String]: [Line]] = [:]
        for l in blocks.joined() {
            let key = [l.action ?? "NULL", Self.text(l.proto)]
            groups[key, default: []].append(l)
            if l.port != 0 { filtered[key, default: []].append(l) }
        }
        func expected(_ g: [[String]: [Line]]) -> [String] {
            g.map { key, ls in
                let packets = ls.compactMap(\.packets)
                return (key + [String(ls.count), packets.isEmpty ? "NULL" : String(packets.reduce(0, +)), String(ls.reduce(0) { $0 + $1.bytes })])
                    .joined(separator: "|")
            }.sorted()
        }
        for threads in 1...3 {
            for (sql, want) in [
                ("SELECT action, protocol, count(*), sum(numpackets), sum(numbytes) FROM vpcflow GROUP BY 1, 2", expected(groups)),
                ("SELECT action, protocol, count(*), sum(numpackets), sum(numbytes) FROM vpcflow WHERE destinationport <> 0 GROUP BY 1, 2",
                 expected(filtered)),
            ] {
                let got = try TestArchive.run(sql, archive, threads: threads).rows.map { $0.map(\.description).joined(separator: "|") }.sorted()
                #expect(got == want, "\(sql), \(threads) threads")
            }
        }
    }

    /// A computed key (`starttime / 600`, `numpackets / 1000`, date_trunc of a timestamp) is
    /// computed for the whole block first and coded by its runs of equal values when they are few
    /// (`Aggregator.smallDomain`, `SmallDomain.Runs`), by value when its range is small, else per
    /// row. Blocks here: starts in order (few runs), a value coming back in a second run, runs
    /// of NULL keys, starts in random order (many runs), beside a text key, with and without
    /// WHERE, over 1 to 3 workers; every answer is summed here from the same lines.
    @Test func computedKeysByRunsByValueOrPerRow() throws {
        struct Row { var start: Int; var packets: Int?; var action: String; var port: Int; var bytes: Int }
        var seed: UInt64 = 5
        func next(_ n: Int) -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int((seed >> 33) % UInt64(n)) }
        var blocks: [[Row]] = []
        let t0 = 1_700_000_000
        for (b, rows) in [3001, 2500, 1802, 9].enumerated() {
            var block: [Row] = []
            for i in 0..<rows {
                let start: Int
                switch b {
                case 0: start = t0 + i * 3              // in order: 16 ten-minute windows
                case 1: start = t0 + (i < 1000 || i >= 2000 ? 100 : 5000) + i % 7  // a window, another, the first again
                case 2: start = t0 + next(86_400)       // random order
                default: start = t0 + i
                }
                // Packets NULL in stretches (NODATA records), so the key's NULLs come in runs.
                let packets: Int? = (i / 250) % 3 == 1 ? nil : 1000 * (i / 400) + next(1000)
                block.append(Row(start: start, packets: packets, action: ["ACCEPT", "REJECT"][next(2)], port: next(3), bytes: next(1 << 40)))
            }
            blocks.append(block)
        }
        let archive = try TestArchive.make(v2Lines: blocks.map { rows in
            rows.map { r in
                "2 123456789012 eni-1 10.0.0.1 10.0.9.9 40000 \(r.port) 6 \(r.packets.map(String.init) ?? "-") \(r.bytes) \(r.start) \(r.start + 60) \(r.action) OK"
            }
        })
        func expect(_ sql: String, keep: (Row) -> Bool = { _ in true }, key: (Row) -> [String]) throws {
            var groups: [[String]: (count: Int, bytes: Int)] = [:]
            for r in blocks.joined() where keep(r) {
                let g = groups[key(r)] ?? (0, 0)
                groups[key(r)] = (g.count + 1, g.bytes + r.bytes)
            }
            let want = groups.map { ($0.key + [String($0.value.count), String($0.value.bytes)]).joined(separator: "|") }.sorted()
            for threads in 1...3 {
                let got = try TestArchive.run(sql, archive, threads: threads).rows.map { $0.map(\.description).joined(separator: "|") }.sorted()
                #expect(got == want, "\(sql), \(threads) threads: \(got.count) groups, expected \(want.count)")
            }
        }
        try expect("SELECT starttime / 600, count(*), sum(numbytes) FROM vpcflow GROUP BY 1") { [String($0.start / 600)] }
        try expect("SELECT starttime / 600, action, count(*), sum(numbytes) FROM vpcflow GROUP BY 1, 2") { [String($0.start / 600), $0.action] }
        try expect("SELECT starttime / 600, count(*), sum(numbytes) FROM vpcflow WHERE destinationport <> 1 GROUP BY 1",
                   keep: { $0.port != 1 }) { [String($0.start / 600)] }
        try expect("SELECT numpackets / 1000, count(*), sum(numbytes) FROM vpcflow GROUP BY 1") { [$0.packets.map { String($0 / 1000) } ?? "NULL"] }
        try expect("SELECT to_unixtime(date_trunc('hour', from_unixtime(starttime))), count(*), sum(numbytes) FROM vpcflow GROUP BY 1") {
            [String(Double($0.start / 3600 * 3600))]
        }
        // The timestamp itself as the key (a timestamp-tagged vector key, read back as a timestamp).
        let hours = try TestArchive.run("SELECT date_trunc('hour', from_unixtime(starttime)) AS h, count(*) FROM vpcflow GROUP BY 1 ORDER BY 1", archive)
        let epochHours = try TestArchive.run("SELECT from_unixtime(starttime / 3600 * 3600) AS h, count(*) FROM vpcflow GROUP BY 1 ORDER BY 1", archive)
        #expect(hours.rows.map { $0.map(\.description) } == epochHours.rows.map { $0.map(\.description) })
        #expect(hours.rows.count == Set(blocks.joined().map { $0.start / 3600 }).count)
    }

    @Test func denseAndHashedBlocksMakeTheSameGroups() throws {
        let archive = try Self.archive()
        try check("SELECT numpackets, action, protocol, count(*), sum(numbytes) FROM vpcflow GROUP BY 1, 2, 3", archive,
                  key: { [Self.text($0.packets), $0.action ?? "NULL", Self.text($0.proto)] },
                  values: { [String($0.count), String($0.reduce(0) { $0 + $1.bytes })] })
        try check("SELECT action, destinationport, sourceaddress, count(*) FROM vpcflow WHERE numbytes % 3 <> 0 GROUP BY 1, 2, 3", archive,
                  where: { $0.bytes % 3 != 0 },
                  key: { [$0.action ?? "NULL", Self.text($0.port), $0.src ?? "NULL"] },
                  values: { [String($0.count)] })
        try check("SELECT protocol, min(numbytes), max(numbytes), count(destinationport) FROM vpcflow GROUP BY 1", archive,
                  key: { [Self.text($0.proto)] },
                  values: { ls in [String(ls.map(\.bytes).min()!), String(ls.map(\.bytes).max()!), String(ls.filter { $0.port != nil }.count)] })
    }
}
