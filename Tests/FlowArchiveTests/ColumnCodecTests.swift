import FlowLog
import Testing
@testable import FlowArchive

@Suite struct ColumnCodecTests {
    static func roundTrip(_ c: IntColumn) throws -> IntColumn {
        let e = ColumnCodec.encode(c)
        return try decode(e, rows: c.count, ColumnCodec.decodeInts)
    }

    static func decode<T>(_ e: EncodedChunk, rows: Int, _ f: (ColumnCodec.RawChunk) throws -> T) throws -> T {
        try f(rawChunk(e, rows: rows))
    }

    /// The chunk decompressed, as a decoder receives it.
    static func rawChunk(_ e: EncodedChunk, rows: Int) throws -> ColumnCodec.RawChunk {
        var raw = [UInt8](repeating: 0, count: Int(e.rawLength))
        try e.compressed.withUnsafeBytes { src in try raw.withUnsafeMutableBytes { try FlowCodecsLZ4.decompress(src, $0) } }
        return ColumnCodec.RawChunk(bytes: raw, rows: rows, encoding: e.encoding, width: Int(e.width), flags: e.flags, context: "test")
    }

    @Test(arguments: [0, 1, 7, 1000, 65_536])
    func integersRoundTripWithNulls(rows: Int) throws {
        var rng = SeededRandom(seed: UInt64(rows))
        for pattern in 0..<5 {
            var c = IntColumn()
            var v: UInt64 = 1_700_000_000
            for _ in 0..<rows {
                switch pattern {
                case 0: c.append(UInt64.random(in: 0...UInt64.max, using: &rng))          // full width
                case 1: c.append(443)                                                     // constant: width 0
                case 2: v &+= UInt64.random(in: 0...3, using: &rng); c.append(v)          // sorted times: delta wins
                case 3: if Bool.random(using: &rng) { c.appendNull() } else { c.append(UInt64.random(in: 0...65_535, using: &rng)) }
                default: c.append(Bool.random(using: &rng) ? UInt64.max : 0)              // extremes
                }
            }
            let back = try Self.roundTrip(c)
            #expect(back.count == rows)
            for i in 0..<rows { #expect(back.value(i) == c.value(i), "pattern \(pattern) row \(i)") }
        }
    }

    @Test func deltaIsChosenForSlowlyChangingTimes() {
        var c = IntColumn()
        for i in 0..<10_000 { c.append(1_700_000_000 + UInt64(i / 10)) }
        let e = ColumnCodec.encode(c)
        #expect(e.encoding == .delta)
        #expect(e.width == 1)
    }

    @Test func allNullColumnDecodes() throws {
        var c = IntColumn()
        c.appendNulls(100)
        let back = try Self.roundTrip(c)
        #expect((0..<100).allSatisfy { back.isNull($0) })
    }

    @Test(arguments: [0.0, 0.02, 1.0])
    func addressesRoundTrip(ipv6Share: Double) throws {
        for rows in [1, 300, 20_000] {
            let c = Fixtures.addresses(rows, seed: UInt64(rows), ipv6Share: ipv6Share)
            let d = AddressDictionary(c)
            let e = ColumnCodec.encode(c, dictionary: d)
            let back = try Self.decode(e, rows: rows, ColumnCodec.decodeAddresses)
            for i in 0..<rows { #expect(back.value(i) == c.value(i)) }
        }
    }

    @Test func packetAddressesAreStoredAsExceptionsToTheirReference() throws {
        let src = Fixtures.addresses(10_000, seed: 5)
        var pkt = src
        var rng = SeededRandom(seed: 6)
        for _ in 0..<200 {
            let i = Int.random(in: 0..<src.count, using: &rng)
            pkt.high[i] = 0
            pkt.low[i] = 0xFFFF_0A00_0001  // ::ffff:10.0.0.1 (a NAT gateway's address)
            if pkt.nulls != nil { pkt.nulls![i] = 0 }
        }
        // And some NULL where the reference has an address (an exception that is NULL).
        for _ in 0..<30 {
            let i = Int.random(in: 0..<src.count, using: &rng)
            if pkt.nulls == nil { pkt.nulls = [UInt8](repeating: 0, count: pkt.count) }
            pkt.nulls![i] = 1
        }
        pkt = AddressColumn.rebuilt(pkt)
        #expect(src.nullCount > 0 && pkt.nullCount > 0)
        let e = try #require(ColumnCodec.encode(pkt, sameAs: src, referenceName: "srcaddr"))
        #expect(e.encoding == .addressSameAs)
        let plain = ColumnCodec.encode(pkt, dictionary: AddressDictionary(pkt))
        #expect(e.compressed.count * 4 < plain.compressed.count)
        var raw = [UInt8](repeating: 0, count: Int(e.rawLength))
        try e.compressed.withUnsafeBytes { s in try raw.withUnsafeMutableBytes { try FlowCodecsLZ4.decompress(s, $0) } }
        let chunk = ColumnCodec.RawChunk(bytes: raw, rows: pkt.count, encoding: .addressSameAs, width: 0, flags: 0, context: "t")
        #expect(try ColumnCodec.sameAsReference(chunk) == "srcaddr")
        let back = try ColumnCodec.decodeAddresses(chunk, sameAs: src)
        for i in 0..<pkt.count { #expect(back.value(i) == pkt.value(i)) }
        #expect(back == pkt, "NULL flags, NULL count and the zeroed values of NULL rows too")
        // Mostly different columns are not encoded this way.
        #expect(ColumnCodec.encode(Fixtures.addresses(10_000, seed: 77), sameAs: src, referenceName: "srcaddr") == nil)
    }

    @Test func manyDistinctAddressesUsePlainEncoding() throws {
        var c = AddressColumn()
        for i in 0..<50_000 { c.append(IPAddress(ipv4: UInt32(i) &* 2_654_435_761)) }
        let e = ColumnCodec.encode(c, dictionary: AddressDictionary(c))
        #expect(e.encoding == .ipv4)
        let back = try Self.decode(e, rows: c.count, ColumnCodec.decodeAddresses)
        #expect(back == c)
    }

    @Test func addressDictionaryIsSortedAndCodesPointAtValues() {
        let c = Fixtures.addresses(5000, seed: 9)
        let d = AddressDictionary(c)
        #expect(zip(d.entries, d.entries.dropFirst()).allSatisfy { $0 < $1 })
        for i in 0..<c.count {
            if c.isNull(i) { #expect(d.codes[i] == 0) } else { #expect(d.entries[Int(d.codes[i]) - 1] == c.value(i)) }
        }
    }

    @Test(arguments: [0, 10, 300, 70_000])
    func stringsRoundTrip(distinct: Int) throws {
        var c = StringColumn()
        var rng = SeededRandom(seed: 3)
        for i in 0..<max(distinct * 2, 100) {
            if distinct == 0 || i % 17 == 0 { c.codes.append(0); continue }
            let v = "eni-\(Int.random(in: 0..<distinct, using: &rng))"
            c.codes.append(c.dictionary.intern(v))
        }
        let e = ColumnCodec.encode(c)
        let back = try Self.decode(e, rows: c.count, ColumnCodec.decodeStrings)
        for i in 0..<c.count { #expect(back.value(i) == c.value(i)) }
    }

    /// A dictionary chunk written by hand: `entries` (repeats allowed: the reader must map
    /// both to one value), then `codes` in `width` bytes each, byte planes when `shuffled`.
    static func dictionaryChunk(_ entries: [String], _ codes: [Int], width: Int, shuffled: Bool) -> ColumnCodec.RawChunk {
        var w = ByteWriterLite()
        w.u32(UInt32(entries.count))
        var offset: UInt32 = 0
        w.u32(0)
        for e in entries { offset += UInt32(e.utf8.count); w.u32(offset) }
        for e in entries { w.bytes.append(contentsOf: Array(e.utf8)) }
        if shuffled {
            for b in 0..<width { for c in codes { w.bytes.append(UInt8(truncatingIfNeeded: c >> (8 * b))) } }
        } else {
            for c in codes { for b in 0..<width { w.bytes.append(UInt8(truncatingIfNeeded: c >> (8 * b))) } }
        }
        return .init(bytes: w.bytes, rows: codes.count, encoding: .dictionary, width: width, flags: shuffled ? ChunkFlags.shuffled : 0, context: "t")
    }

    /// One- and two-byte codes are read straight into the column's codes (identity when the
    /// stored entries are distinct, remapped when a writer repeated one); a code past the
    /// dictionary is an error at every width, whether or not its high byte is zero.
    @Test(arguments: [(1, false), (2, true), (2, false), (4, true)])
    func dictionaryCodesReadAtEveryWidth(width: Int, shuffled: Bool) throws {
        let many = (0..<300).map { "eni-\($0)" }
        let entries = width == 1 ? ["ACCEPT", "REJECT", "ACCEPT"] : many + ["eni-7"]
        let codes = width == 1 ? [1, 0, 2, 3, 3, 1] : [0, 1, 257, 301, 300, 8, 301]
        let col = try ColumnCodec.decodeStrings(Self.dictionaryChunk(entries, codes, width: width, shuffled: shuffled))
        for (i, c) in codes.enumerated() { #expect(col.value(i) == (c == 0 ? nil : entries[c - 1]), "row \(i)") }
        // The repeated entry is one value of the column's dictionary.
        #expect(col.codes[codes.firstIndex(of: width == 1 ? 1 : 8)!] == col.codes[codes.lastIndex(of: width == 1 ? 3 : 301)!])
        for bad in [entries.count + 1, width == 1 ? 255 : 256 + entries.count] {
            #expect(throws: (any Error).self, "code \(bad)") {
                _ = try ColumnCodec.decodeStrings(Self.dictionaryChunk(entries, codes + [bad], width: width, shuffled: shuffled))
            }
        }
        // Distinct entries, codes whose high bytes are set (the bound of the first pass is not
        // exact there): read as they are.
        let distinct = try ColumnCodec.decodeStrings(Self.dictionaryChunk(many, [300, 256, 1, 0], width: max(width, 2), shuffled: shuffled))
        #expect((0..<4).map { distinct.value($0) } == ["eni-299", "eni-255", "eni-0", nil])
    }

    @Test func decoderRejectsBadInput() throws {
        var c = IntColumn()
        for i in 0..<100 { c.append(UInt64(i * 1000)) }
        let e = ColumnCodec.encode(c)
        var raw = [UInt8](repeating: 0, count: Int(e.rawLength))
        try e.compressed.withUnsafeBytes { src in try raw.withUnsafeMutableBytes { try FlowCodecsLZ4.decompress(src, $0) } }
        // Too few bytes for the rows claimed.
        #expect(throws: (any Error).self) {
            _ = try ColumnCodec.decodeInts(.init(bytes: Array(raw.dropLast(3)), rows: 100, encoding: e.encoding, width: Int(e.width), flags: e.flags, context: "t"))
        }
        // Width that no encoder writes.
        #expect(throws: (any Error).self) {
            _ = try ColumnCodec.decodeInts(.init(bytes: raw, rows: 100, encoding: e.encoding, width: 3, flags: e.flags, context: "t"))
        }
        // A string dictionary whose offsets run past the data.
        var bad = ByteWriterLite()
        bad.u32(2); bad.u32(0); bad.u32(5); bad.u32(1_000_000)
        #expect(throws: (any Error).self) {
            _ = try ColumnCodec.decodeStrings(.init(bytes: bad.bytes, rows: 1, encoding: .dictionary, width: 1, flags: 0, context: "t"))
        }
    }
}

struct ByteWriterLite {
    var bytes: [UInt8] = []
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
}

import FlowCodecs
enum FlowCodecsLZ4 {
    static func decompress(_ src: UnsafeRawBufferPointer, _ dst: UnsafeMutableRawBufferPointer) throws {
        try LZ4.decompress(src, into: dst)
    }
}

extension AddressColumn {
    /// A copy built through the public appenders (so null counts are consistent after edits).
    static func rebuilt(_ c: AddressColumn) -> AddressColumn {
        var out = AddressColumn()
        for i in 0..<c.count { if let a = c.value(i) { out.append(a) } else { out.appendNull() } }
        return out
    }
}
