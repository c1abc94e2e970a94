import FlowSupport
import Testing
@testable import FlowLog

/// Ingest orders each block's rows by start time (`TimeOrder`): a stable radix sort whose result
/// must equal a plain sort on (start, input position), nulls last, for every span of start
/// times (one pass below 65,536 seconds, several above), and the reordered batch must carry
/// every column's row along, nulls included.
@Suite struct TimeOrderTests {
    /// A start column of `rows` values within `span` seconds, `nullPercent` of them null.
    static func starts(_ rng: inout SplitMix64, rows: Int, span: UInt64, nullPercent: Int) -> IntColumn {
        var c = IntColumn()
        for _ in 0..<rows {
            if Int(rng.next() % 100) < nullPercent { c.appendNull() } else { c.append(1_700_000_000 &+ rng.next() % span) }
        }
        return c
    }

    static func reference(_ c: IntColumn) -> [Int] {
        (0..<c.count).sorted { a, b in
            (c.value(a) ?? UInt64.max, a) < (c.value(b) ?? UInt64.max, b)
        }
    }

    static let spans: [(UInt64, Int)] = [
        (1, 0), (600, 0), (600, 5), (65_535, 0), (65_536, 3), (86_400 * 90, 1), (1 << 40, 2), (1 << 62, 0),
    ]

    @Test("the permutation is a stable sort on start with nulls last", arguments: spans)
    func stableSortOnStart(span: UInt64, nullPercent: Int) throws {
        var rng = SplitMix64(seed: span &+ UInt64(nullPercent))
        for rows in [2, 3, 100, 5_000, 65_536] {
            let c = Self.starts(&rng, rows: rows, span: span, nullPercent: nullPercent)
            let expected = Self.reference(c)
            if let order = TimeOrder.permutation(c) {
                #expect(order.map(Int.init) == expected, "span \(span), \(rows) rows")
                #expect(expected != Array(0..<rows), "a permutation for rows already in order")
            } else {
                #expect(expected == Array(0..<rows), "span \(span), \(rows) rows: nil, but the rows are not in order")
            }
        }
    }

    @Test func rowsAlreadyInOrderAreLeftAlone() {
        var c = IntColumn()
        for s in [5, 5, 6, 9, 9, 9, 12] as [UInt64] { c.append(s) }
        c.appendNull()
        c.appendNull()
        #expect(TimeOrder.permutation(c) == nil)
        // A null before a value is out of order (nulls go last).
        var d = IntColumn()
        d.appendNull()
        d.append(3)
        #expect(TimeOrder.permutation(d) == [1, 0])
        // Every row null: nothing to order.
        var e = IntColumn()
        e.appendNulls(4)
        #expect(TimeOrder.permutation(e) == nil)
    }

    @Test("every column's rows move with their start time")
    func reorderedBatchCarriesEveryColumn() throws {
        let text = """
            version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status x-extra
            2 111122223333 eni-a 10.0.0.1 2001:db8::1 1 2 6 10 100 1650000030 1650000090 ACCEPT OK e1
            2 111122223333 eni-b - 10.0.0.2 - 4 17 20 200 1650000010 1650000070 REJECT OK -
            2 111122223333 eni-c 10.0.0.3 10.0.0.3 5 6 6 - 300 1650000030 1650000060 ACCEPT OK e3
            2 111122223333 - - - - - - - - 1650000000 1650000060 - NODATA -
            2 111122223333 eni-e 10.0.0.5 10.0.0.5 9 9 1 50 500 - - ACCEPT OK e5

            """
        var batch = parseText(text).batch
        batch.padAll()
        #expect(batch.rowCount == 5)
        // The ingester's way: the parser's buffers assembled into a block in time order.
        var parser = RecordParser()
        let store = try #require(Array(text.utf8).withUnsafeBytes { parser.parseInPlace($0, mapping: .defaultV2) }.columns)
        var pieces = BlockPieces()
        pieces.append(store, range: 0..<2, sourceID: 7, partitionValues: [nil, nil, nil])
        pieces.append(store, range: 2..<5, sourceID: 8, partitionValues: [nil, nil, nil])
        let ordered = pieces.assemble()
        // Starts 30, 10, 30, 0, null -> rows 3, 1, 0, 2, 4.
        let order = [3, 1, 0, 2, 4]
        for id in FieldCatalog.fields.indices {
            for (new, old) in order.enumerated() {
                #expect(ordered.text(field: id, row: new) == batch.text(field: id, row: old),
                        "\(FieldCatalog.fields[id].name) row \(new)")
            }
        }
        let x = try #require(ordered.extraIndex("x-extra"))
        #expect(order.map { batch.extras[x].column.value($0) } == (0..<5).map { ordered.extras[x].column.value($0) })
        #expect(ordered.ints[FieldCatalog.start]?.nullCount == 1)
        #expect(ordered.sourceIDs?.values == [8, 7, 7, 8, 8])
        // Ordered again: nothing moves.
        #expect(TimeOrder.permutation(ordered.ints[FieldCatalog.start]!) == nil)
    }
}
