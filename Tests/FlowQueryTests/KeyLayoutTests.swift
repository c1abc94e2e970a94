@testable import FlowArchive
import FlowLog
@testable import FlowQuery
import Testing

/// GROUP BY keys packed into the bits their columns' block indexes allow (`KeyLayout`), IPv6
/// addresses numbered per query (`AddressInterner`), and the index heads they are read from
/// (`SegmentReader.blockBounds`).
@Suite struct KeyLayoutTests {
    static var seedKeys: [CExpr] { [.column(slot: 0, kind: .uint64), .column(slot: 1, kind: .address),
                                    .column(slot: 2, kind: .address), .column(slot: 3, kind: .uint16)] }

    @Test func unboundedKeysKeepWholeWords() {
        let layout = KeyLayout(Self.seedKeys)
        // Null bits in word 0, then 64 + 2 * 128 + 64 bits: one word each.
        #expect(layout.width == 7)
        #expect(layout.fields[1].count == 2 && layout.fields[1].allSatisfy { $0.mask == .max && $0.shift == 0 })
        #expect(layout.addresses[1]?.interned == false && layout.addresses[0] == nil)
        // A text id takes 32 bits and a computed key's tag 8, even without bounds.
        let mixed = KeyLayout([.column(slot: 0, kind: .string), .column(slot: 1, kind: .string)])
        #expect(mixed.width == 2)
    }

    @Test func boundedKeysPackIntoTwoWords() {
        var bounds = KeyBounds()
        bounds.interner = AddressInterner()
        bounds.internable = [1]
        bounds.bySlot[0] = .int(1...131_045)
        // Addresses of IPv4 and IPv6: coded in 33 bits.
        bounds.bySlot[1] = .address(min: IPAddress(ipv4: 0x0101_0101), max: IPAddress(high: 0x2A03_2880_F2E3_5E2E, low: 1))
        // IPv4 only: the low word's range (a /16: 16 bits).
        bounds.bySlot[2] = .address(min: IPAddress(ipv4: 0x0A00_0000), max: IPAddress(ipv4: 0x0A00_FFFF))
        bounds.bySlot[3] = .int(0...65_535)
        let layout = KeyLayout(Self.seedKeys, bounds: bounds)
        // 4 null bits + 17 + 33 | 16 + 16 bits.
        #expect(layout.width == 2)
        #expect(layout.addresses[1]?.interned == true && layout.addresses[2]?.interned == false)
        #expect(layout.fields[2][0].mask == 0 && layout.fields[2][1].mask == 0xFFFF)

        // Every field reads back what was written, NULL bits apart from values.
        let key = UnsafeMutablePointer<UInt64>.allocate(capacity: layout.width)
        defer { key.deallocate() }
        var seed: UInt64 = 3
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 11 }
        for _ in 0..<1000 {
            key.update(repeating: 0, count: layout.width)
            let packets = 1 + next() % 131_045, port = next() % 65_536, dst = IPAddress(ipv4: 0x0A00_0000 | UInt32(next() % 65_536))
            var outside = layout.fields[0][0].write(packets, key)
            outside |= layout.fields[2][0].write(dst.high, key) | layout.fields[2][1].write(dst.low, key)
            outside |= layout.fields[3][0].write(port, key)
            outside |= layout.fields[1][0].write(next() & 0x1_FFFF_FFFF, key)
            KeyLayout.setNull(1, key)
            #expect(outside == 0)
            #expect(layout.fields[0][0].read(key) == packets && layout.fields[3][0].read(key) == port)
            #expect(layout.addresses[2]!.read(key, nil) == dst)
            #expect(KeyLayout.isNull(1, key) && !KeyLayout.isNull(0, key) && !KeyLayout.isNull(2, key) && !KeyLayout.isNull(3, key))
        }
        // A value outside its field's range is reported, not wrapped into a neighbour's bits.
        key.update(repeating: 0, count: layout.width)
        #expect(layout.fields[0][0].write(0, key) != 0)  // below the least
        #expect(layout.fields[0][0].write(131_046 + (1 << 17), key) != 0)
        #expect(layout.fields[3][0].write(65_536, key) != 0)
        #expect(layout.fields[2][1].write(IPAddress(ipv4: 0x0B00_0000).low, key) != 0)
    }

    @Test func internerNumbersAddressesOnce() {
        let interner = AddressInterner()
        let a = IPAddress(high: 0x2600_1F18_0000_0000, low: 7), b = IPAddress(high: 0x2600_1F18_0000_0000, low: 8)
        #expect(interner.id(a) == 0 && interner.id(b) == 1 && interner.id(a) == 0)
        for k in 0..<200 { _ = interner.id(IPAddress(high: 1, low: UInt64(k))) }  // grows its list
        #expect(interner.addresses[0] == a && interner.addresses[1] == b && interner.addresses[201] == IPAddress(high: 1, low: 199))
    }

    // MARK: through the engine

    struct Line { var packets: Int?; var src: String?; var dst: String?; var port: Int?; var bytes: Int }

    /// Three blocks: IPv4 only (a narrow /16 of sources), IPv4 and IPv6 mixed, and one where
    /// the port and packets are NULL throughout (no index range: the block adds nothing).
    static let blocks: [[Line]] = {
        var seed: UInt64 = 11
        func next(_ n: Int) -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int((seed >> 33) % UInt64(n)) }
        var out: [[Line]] = []
        for b in 0..<3 {
            var block: [Line] = []
            for _ in 0..<4000 {
                let v6 = b == 1 && next(4) == 0
                let src: String? = next(30) == 0 ? nil : (v6 ? "2600:1f18:\(next(5)):\(next(3))::\(next(9))" : "10.7.\(next(40)).\(next(250))")
                let dst: String? = next(25) == 0 ? nil : (b == 1 && next(3) == 0 ? "2a03:2880::\(next(50))" : "52.\(next(3)).\(next(9)).\(next(20))")
                block.append(Line(packets: b == 2 || next(10) == 0 ? nil : 1 + next(b == 0 ? 9 : 90_000), src: src, dst: dst,
                                  port: b == 2 ? nil : [443, 80, 3333, 53][next(4)], bytes: next(5000)))
            }
            out.append(block)
        }
        return out
    }()

    static func archive() throws -> ArchiveReader {
        try TestArchive.make(v2Lines: blocks.map { lines in
            lines.map { l in
                "2 123456789012 eni-1 \(l.src ?? "-") \(l.dst ?? "-") 40000 \(l.port.map(String.init) ?? "-") 6 \(l.packets.map(String.init) ?? "-") \(l.bytes) 1700000000 1700000060 ACCEPT OK"
            }
        })
    }

    @Test func blockBoundsAreTheIndexesRanges() throws {
        let archive = try Self.archive()
        let seg = try archive.segments[0]
        for name in ["srcaddr", "dstaddr", "dstport", "packets", "bytes"] {
            let ci = try #require(seg.columnIndex(named: name))
            for b in seg.blocks.indices {
                let bounds = seg.blockBounds(b, column: ci)
                if name == "dstport" || name == "packets", b == 2 {
                    #expect(bounds == .absent, "\(name) block \(b): only NULLs")
                    continue
                }
                // From the directory's head alone, and from the decoded index: the same.
                #expect(bounds == seg.blockIndex(b, column: ci)?.bounds, "\(name) block \(b)")
                #expect(seg.blockBounds(b, column: ci) == bounds, "\(name) block \(b), index now cached")
            }
        }
        let src = try #require(seg.columnIndex(named: "srcaddr"))
        guard case .address(let lo, let hi) = seg.blockBounds(0, column: src) else { Issue.record("srcaddr block 0"); return }
        #expect(lo >= IPAddress(ipv4: 0x0A07_0000) && hi <= IPAddress(ipv4: 0x0A07_FFFF))
    }

    func check(_ sql: String, _ archive: ArchiveReader, keyWords: Int, key: (Line) -> [String], values: ([Line]) -> [String],
               sourceLocation: SourceLocation = #_sourceLocation) throws {
        var groups: [[String]: [Line]] = [:]
        for l in Self.blocks.joined() { groups[key(l), default: []].append(l) }
        let expected = groups.map { ($0.key + values($0.value)).joined(separator: "|") }.sorted()
        for threads in 1...3 {
            let r = try TestArchive.run(sql, archive, threads: threads)
            let got = r.rows.map { $0.map(\.description).joined(separator: "|") }.sorted()
            let same = got == expected
            #expect(same, "\(sql), \(threads) threads: \(got.count) groups, expected \(expected.count); missing \(Set(expected).subtracting(got).sorted().prefix(3)), extra \(Set(got).subtracting(expected).sorted().prefix(3))",
                    sourceLocation: sourceLocation)
            #expect(r.plan.contains("(\(keyWords) key word\(keyWords == 1 ? "" : "s") a group)"), "\(r.plan)", sourceLocation: sourceLocation)
        }
    }

    static func text(_ v: Int?) -> String { v.map(String.init) ?? "NULL" }
    static func address(_ s: String?) -> String { s.map { IPAddress($0)!.description } ?? "NULL" }

    /// Where IPv6 is most of an address column's distinct values (sampled from block
    /// dictionaries), the address keeps its two words (the high one in the bits of its range)
    /// even beside other keys: numbering each block's IPv6 addresses would cost more than the
    /// words save.
    @Test func mostlyIPv6AddressesAreNotNumbered() throws {
        let lines = (0..<3).map { b in
            (0..<2000).map { i in
                let src = i % 5 == 0 ? "10.1.\(i % 7).\(i % 200)" : "2600:1f18:\(b):\(i % 50)::\(i % 97)"
                return "2 123456789012 eni-1 \(src) 10.0.0.\(i % 9) 40000 \(443 + i % 3) 6 1 \(i) 1700000000 1700000060 ACCEPT OK"
            }
        }
        let archive = try TestArchive.make(v2Lines: lines)
        var expected: [String: Int] = [:]
        for block in lines { for l in block { let f = l.split(separator: " "); expected["\(IPAddress(String(f[3]))!)|\(f[6])", default: 0] += 1 } }
        for threads in 1...2 {
            let r = try TestArchive.run("SELECT sourceaddress, destinationport, count(*) FROM vpcflow GROUP BY 1, 2", archive, threads: threads)
            #expect(r.plan.contains("(3 key words a group)"), "\(r.plan)")
            let got = Dictionary(uniqueKeysWithValues: r.rows.map { ("\($0[0])|\($0[1])", Int($0[2].description)!) })
            #expect(got == expected)
        }
    }

    /// An archive whose index says less than its data (written so, its checksums intact): a
    /// GROUP BY packed by that index raises an error instead of grouping wrong values.
    @Test func anIndexNarrowerThanItsDataIsAnError() throws {
        let text = (0..<500).map { i in
            "2 123456789012 eni-1 10.0.0.\(i % 7) 10.0.1.1 40000 443 6 \(1 + i % 300) 100 1700000000 1700000060 ACCEPT OK"
        }.joined(separator: "\n") + "\n"
        var parser = RecordParser()
        let parsed = Array(text.utf8).withUnsafeBytes { parser.parse($0, mapping: .defaultV2) }
        var batch = RecordBatch()
        batch.append(parsed.batch, range: 0..<parsed.records, sourceID: 1, partitionValues: ["123456789012", "us-east-1", "2024/01/05"])
        batch.padAll()
        var block = BlockEncoder.encode(batch)
        let at = try #require(block.columns.firstIndex { $0.name == "packets" })
        block.columns[at].index = .intRange(IntRangeIndex(min: 1, max: 20))  // the data go to 300
        let archive = try TestArchive.make(encoded: [block])
        for threads in 1...2 {
            #expect(throws: QueryRuntimeError.self) {
                _ = try TestArchive.run("SELECT numpackets, sourceaddress, count(*) FROM vpcflow GROUP BY 1, 2", archive, threads: threads)
            }
        }
        // The same data with a true index group as they are.
        let good = try TestArchive.make([batch])
        let r = try TestArchive.run("SELECT numpackets, sourceaddress, count(*) FROM vpcflow GROUP BY 1, 2", good)
        #expect(r.rowCount == Set((0..<500).map { "\(1 + $0 % 300)|\($0 % 7)" }).count)
    }

    @Test func packedKeysGroupAsWholeWords() throws {
        let archive = try Self.archive()
        // The seed query's keys: null bits, packets (17 bits), two coded addresses, a port.
        try check("SELECT numpackets, sourceaddress, destinationaddress, destinationport, count(*), sum(numbytes) FROM vpcflow GROUP BY 1, 2, 3, 4",
                  archive, keyWords: 2,
                  key: { [Self.text($0.packets), Self.address($0.src), Self.address($0.dst), Self.text($0.port)] },
                  values: { [String($0.count), String($0.reduce(0) { $0 + $1.bytes })] })
        // A lone address key is not numbered: its NULL bit and high word (in the bits of its
        // range) share a word, the low word takes another; workers own shares of the groups.
        try check("SELECT sourceaddress, count(*), max(numbytes) FROM vpcflow GROUP BY 1", archive, keyWords: 2,
                  key: { [Self.address($0.src)] }, values: { [String($0.count), String($0.map(\.bytes).max()!)] })
        // Two DISTINCT arguments: no regrouping (distinct sets per group), one address key.
        try check("SELECT destinationaddress, count(DISTINCT sourceaddress), count(DISTINCT destinationport) FROM vpcflow GROUP BY 1",
                  archive, keyWords: 2,
                  key: { [Self.address($0.dst)] },
                  values: { ls in [String(Set(ls.compactMap(\.src)).count), String(Set(ls.compactMap(\.port)).count)] })
        // One DISTINCT argument: grouped by (source, port), the source numbered (the two keys
        // share a word), collapsed to the source field by field (the same bounds, so the same
        // field); the workers own the pairs by the source alone (`Aggregator.ownsByLeadingKeys`),
        // so each collapses whole sources, concatenated.
        try check("SELECT sourceaddress, count(DISTINCT destinationport), count(*) FROM vpcflow GROUP BY 1", archive, keyWords: 1,
                  key: { [Self.address($0.src)] }, values: { ls in [String(Set(ls.compactMap(\.port)).count), String(ls.count)] })
        let ordered = try TestArchive.run("SELECT sourceaddress, count(*) FROM vpcflow GROUP BY 1 ORDER BY CAST(sourceaddress AS IPADDRESS) DESC LIMIT 3", archive)
        let v6 = Set(Self.blocks.joined().compactMap(\.src).filter { $0.contains(":") }.map { IPAddress($0)! }).sorted(by: >)
        #expect(ordered.rows.map { $0[0].description } == v6.prefix(3).map(\.description))
    }
}
