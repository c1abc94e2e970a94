import FlowLog
import Testing
@testable import FlowArchive

/// Readers must accept every layout the spec allows, not only the ones the 1.0 writer emits:
/// fixed-width values packed plainly (no `Shuffled` flag) and shuffled at every width. These
/// chunks are built by hand from Formats/ARCHIVE.md §"Column chunks".
@Suite struct FixedWidthLayoutTests {
    static func packed(_ values: [UInt64], width: Int, shuffled: Bool) -> [UInt8] {
        var plain: [UInt8] = []
        for v in values { for b in 0..<width { plain.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(b)))) } }
        guard shuffled else { return plain }
        var out = [UInt8](repeating: 0, count: plain.count)
        for i in values.indices { for b in 0..<width { out[b * values.count + i] = plain[i * width + b] } }
        return out
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    @Test(arguments: [1, 2, 4, 8])
    func frameOfReferenceInEveryLayout(width: Int) throws {
        let rows = 1_001
        let limit: UInt64 = width == 8 ? .max : (1 << (8 * UInt64(width))) - 1
        var rng = SeededRandom(seed: UInt64(width))
        let offsets = (0..<rows).map { _ in UInt64.random(in: 0...limit, using: &rng) }
        let base: UInt64 = width == 8 ? 0 : 1_700_000_000
        for shuffled in [false, true] {
            let raw = Self.le(base) + Self.packed(offsets, width: width, shuffled: shuffled)
            let chunk = ColumnCodec.RawChunk(bytes: raw, rows: rows, encoding: .frameOfReference, width: width,
                                             flags: shuffled ? ChunkFlags.shuffled : 0, context: "t")
            let back = try ColumnCodec.decodeInts(chunk)
            #expect(back.values == offsets.map { $0 &+ base }, "width \(width) shuffled \(shuffled)")
        }
    }

    @Test(arguments: [1, 2, 4])
    func addressCodesInEveryLayout(width: Int) throws {
        let entries: [UInt32] = (0..<300).map { 0x0A00_0000 + UInt32($0) * 7 }  // ascending IPv4
        let rows = 777
        var rng = SeededRandom(seed: 9)
        let limit = UInt64(width == 1 ? 255 : entries.count)
        let count = min(entries.count, Int(limit))
        let codes = (0..<rows).map { _ in UInt64.random(in: 0...UInt64(count), using: &rng) }
        for shuffled in [false, true] {
            var raw = Self.le(UInt32(count)) + Self.le(UInt32(0))
            for e in entries.prefix(count) { raw += Self.le(e) }
            raw += Self.packed(codes, width: width, shuffled: shuffled)
            let chunk = ColumnCodec.RawChunk(bytes: raw, rows: rows, encoding: .addressDictionary, width: width,
                                             flags: shuffled ? ChunkFlags.shuffled : 0, context: "t")
            let back = try ColumnCodec.decodeAddressCodes(chunk)
            #expect(back.codes == codes.map { UInt32($0) }, "width \(width) shuffled \(shuffled)")
            #expect(back.low[1] == IPAddress(ipv4: entries[0]).low)
            // A code past the dictionary is refused, whichever loop decoded it.
            var bad = codes
            bad[rows / 2] = UInt64(count + 1)
            if width > 1 || count + 1 <= 255 {
                var badRaw = Self.le(UInt32(count)) + Self.le(UInt32(0))
                for e in entries.prefix(count) { badRaw += Self.le(e) }
                badRaw += Self.packed(bad, width: width, shuffled: shuffled)
                #expect(throws: ArchiveError.self) {
                    try ColumnCodec.decodeAddressCodes(.init(bytes: badRaw, rows: rows, encoding: .addressDictionary,
                                                             width: width, flags: shuffled ? ChunkFlags.shuffled : 0, context: "t"))
                }
            }
        }
    }

    /// Decoding only selected rows gives, at those rows, what decoding the whole chunk gives;
    /// the arrays' other positions may hold anything (here: the previous contents).
    @Test func selectedRowsMatchTheWholeChunk() throws {
        var rng = SeededRandom(seed: 77)
        for rows in [1, 9, 1000, 65_536] {
            for pattern in 0..<4 {
                var c = IntColumn()
                for _ in 0..<rows {
                    switch pattern {
                    case 0: c.append(UInt64.random(in: 0...65_535, using: &rng))
                    case 1: if Bool.random(using: &rng) { c.appendNull() } else { c.append(UInt64.random(in: 0...UInt64.max, using: &rng)) }
                    case 2: c.append(1_700_000_000 + UInt64.random(in: 0...3, using: &rng))
                    default: c.append(443)
                    }
                }
                let e = ColumnCodec.encode(c)
                let chunk = try ColumnCodecTests.rawChunk(e, rows: rows)
                let whole = try ColumnCodec.decodeInts(chunk)
                let sel = (0..<rows).filter { _ in Int.random(in: 0..<7, using: &rng) == 0 }.map { Int32($0) }
                var values = [UInt64](repeating: 0xDEAD, count: 3), nulls = [UInt8](repeating: 9, count: rows + 5)
                let nullCount = try sel.withUnsafeBufferPointer {
                    try ColumnCodec.decodeIntsSelected(chunk, $0.baseAddress ?? UnsafePointer(bitPattern: 8)!, sel.count, values: &values, nulls: &nulls)
                }
                guard let nullCount else {
                    #expect(e.encoding == .delta, "only delta chunks are left to the whole decoder")
                    continue
                }
                #expect(values.count == rows && nulls.count == rows)
                #expect(nullCount == sel.filter { whole.isNull(Int($0)) }.count)
                for r in sel.map(Int.init) {
                    #expect(whole.isNull(r) == (nulls[r] == 1), "rows \(rows) pattern \(pattern) row \(r)")
                    if !whole.isNull(r) { #expect(values[r] == whole.values[r], "rows \(rows) pattern \(pattern) row \(r)") }
                }
            }
        }
        // A chunk whose length does not match its rows is refused.
        var c = IntColumn()
        for i in 0..<100 { c.append(i % 2 == 0 ? 0 : 60_000) }  // frame of reference (deltas are wider)
        let e = ColumnCodec.encode(c)
        #expect(e.encoding == .frameOfReference)
        var chunk = try ColumnCodecTests.rawChunk(e, rows: 100)
        chunk = ColumnCodec.RawChunk(bytes: Array(chunk.bytes.dropLast()), rows: 100, encoding: chunk.encoding, width: chunk.width,
                                     flags: chunk.flags, context: "t")
        var values: [UInt64] = [], nulls: [UInt8] = []
        let sel: [Int32] = [0, 50, 99]
        #expect(throws: ArchiveError.self) {
            _ = try sel.withUnsafeBufferPointer { try ColumnCodec.decodeIntsSelected(chunk, $0.baseAddress!, 3, values: &values, nulls: &nulls) }
        }
    }
}
