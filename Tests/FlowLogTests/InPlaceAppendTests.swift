import FlowSupport
import Testing
@testable import FlowLog

/// The ingester assembles blocks straight from the parsers' pooled buffers in one copy
/// (`parseInPlace` + `BlockPieces.assemble`), in time order. The plain way, `parse` into a
/// `RecordBatch`, append the rows, then order them by start (`orderedByStart`, the reference in
/// Support.swift), must build the same block: value for value, null for null, with the same
/// dictionary codes. And the stores go back to their pool only when nothing holds them.
@Suite struct InPlaceAppendTests {
    static let v3Header = Formats.v3Custom21.joined(separator: " ")

    /// Nulls in every kind, IPv6, a field flowarc does not know, and headers switching the
    /// field list in the middle of the text.
    static let mixed = """
        version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
        2 111122223333 eni-02 10.0.0.1 10.0.0.2 1 2 17 3 4 1650000001 1650000002 ACCEPT OK
        2 111122223333 eni-02 - - - - - - - 1650000001 1650000002 - NODATA
        \(v3Header)
        3 vpc-01 subnet-01 i-01 eni-01 111122223333 IPv4 198.51.100.42 10.0.0.62 43416 5001 198.51.100.42 10.0.0.62 6 568 8 1650000000 1650000058 ACCEPT 2 OK
        3 vpc-02 subnet-02 - eni-03 111122223333 IPv6 2001:db8::1 2001:db8::2 443 50000 2001:db8::1 2001:db8::2 6 100 1 1650000003 1650000004 REJECT 18 OK
        version interface-id x-future-field srcaddr
        5 eni-09 some-value 2001:db8::9
        5 eni-09 - 10.1.2.3
        version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
        2 111122223333 eni-02 10.0.0.1 10.0.0.2 1 2 17 3 4 1650000001 1650000002 ACCEPT OK

        """

    static func texts() throws -> [[UInt8]] {
        var out = [Array(mixed.utf8)]
        for name in try Fixtures.names() { out.append(try Fixtures.bytes(name)) }
        return out
    }

    @Test func assembledBlockEqualsAppendThenReorder() throws {
        let pool = ColumnStorePool()
        for text in try Self.texts() {
            var copying = RecordParser()
            var inPlace = RecordParser(pool: pool)
            // Twice through the same text: the second pass reuses recycled stores (their
            // buffers hold the first pass's values, which must not leak into the second).
            for _ in 0..<2 {
                var a = RecordBatch()
                var pieces = BlockPieces()
                for round in 0..<2 {
                    let copied = text.withUnsafeBytes { copying.parse($0, mapping: .defaultV2) }
                    let kept = text.withUnsafeBytes { inPlace.parseInPlace($0, mapping: .defaultV2) }
                    #expect(copied.columns == nil)
                    #expect(kept.records == copied.records && kept.lines == copied.lines)
                    #expect(copied.batch.rowCount == copied.records)
                    let store = try #require(kept.columns)
                    // Split the rows the way blocks split chunks: a block may take part of a chunk.
                    let n = copied.records
                    let cuts = [0, n / 3, n / 3 + 1, n].map { min($0, n) }
                    for k in 0..<3 where cuts[k] < cuts[k + 1] {
                        let range = cuts[k]..<cuts[k + 1]
                        let partitions: [String?] = [round == 0 ? "111122223333" : nil, "us-east-1", "2024/05/06"]
                        a.append(copied.batch, range: range, sourceID: UInt64(round + 1), partitionValues: partitions)
                        pieces.append(store, range: range, sourceID: UInt64(round + 1), partitionValues: partitions)
                    }
                }
                a.padAll()
                try expectSame(a.orderedByStart(), pieces.assemble())
                pieces.release(to: pool)
            }
        }
    }

    @Test func aStoreReturnsToItsPoolWhenTheLastHolderLetsGo() throws {
        let pool = ColumnStorePool()
        var parser = RecordParser(pool: pool)
        let text = Array(Self.mixed.utf8)
        let store = try #require(text.withUnsafeBytes { parser.parseInPlace($0, mapping: .defaultV2) }.columns)
        var first = BlockPieces(), second = BlockPieces()
        store.hold()  // the consumer, while it splits the chunk
        first.append(store, range: 0..<2, sourceID: 1, partitionValues: [nil, nil, nil])
        second.append(store, range: 2..<store.rows, sourceID: 1, partitionValues: [nil, nil, nil])
        first.release(to: pool)
        #expect(!store.letGo(), "the second block still holds it")
        #expect(pool.take() !== store)
        second.release(to: pool)
        #expect(pool.take() === store)
    }

    func expectSame(_ a: RecordBatch, _ b: RecordBatch) throws {
        #expect(a.rowCount == b.rowCount)
        for id in FieldCatalog.fields.indices {
            #expect(a.ints[id] == b.ints[id], "\(FieldCatalog.fields[id].name)")
            #expect(a.addresses[id] == b.addresses[id], "\(FieldCatalog.fields[id].name)")
            #expect(a.strings[id]?.codes == b.strings[id]?.codes, "\(FieldCatalog.fields[id].name)")
            #expect(a.strings[id]?.dictionary.arena == b.strings[id]?.dictionary.arena)
            #expect(a.strings[id]?.dictionary.offsets == b.strings[id]?.dictionary.offsets)
        }
        #expect(a.extras.map(\.name) == b.extras.map(\.name))
        for (x, y) in zip(a.extras, b.extras) {
            #expect(x.column.codes == y.column.codes && x.column.dictionary.arena == y.column.dictionary.arena)
        }
        for p in 0..<3 { #expect(a.partitions[p]?.codes == b.partitions[p]?.codes) }
        #expect(a.sourceIDs == b.sourceIDs)
        // And the values themselves, through the text form.
        for row in 0..<a.rowCount {
            for id in FieldCatalog.fields.indices {
                #expect(a.text(field: id, row: row) == b.text(field: id, row: row))
            }
        }
    }
}
