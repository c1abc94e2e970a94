import FlowCodecs
import FlowLog
import FlowSupport

/// A column chunk ready to be written: LZ4-compressed raw bytes plus what the directory says of it.
public struct EncodedChunk: Sendable {
    public var encoding: ColumnEncoding
    public var width: UInt8
    public var flags: UInt8
    public var nullCount: UInt32
    public var rawLength: UInt32
    public var compressed: [UInt8]
    public var crc: UInt32
}

/// Encodes columns into raw chunk bytes and back. The raw layouts are specified in
/// Formats/ARCHIVE.md §"Column chunks"; every decoder checks lengths before it reads.
enum ColumnCodec {
    static func byteWidth(_ v: UInt64) -> Int {
        if v == 0 { return 0 }
        if v <= 0xFF { return 1 }
        if v <= 0xFFFF { return 2 }
        if v <= 0xFFFF_FFFF { return 4 }
        return 8
    }

    @inline(__always) static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
    @inline(__always) static func unzigzag(_ v: UInt64) -> Int64 { Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1) }

    static func appendValidity(_ nulls: [UInt8], into raw: inout [UInt8]) {
        let n = nulls.count
        var bytes = [UInt8](repeating: 0, count: (n + 7) / 8)
        for i in 0..<n where nulls[i] == 0 { bytes[i >> 3] |= 1 << UInt8(i & 7) }
        raw.append(contentsOf: bytes)
    }

    static func appendFixed(_ values: [UInt64], width: Int, into raw: inout [UInt8], shuffle: Bool) {
        if width == 0 { return }
        var packed = [UInt8]()
        packed.reserveCapacity(values.count * width)
        for v in values {
            var x = v
            for _ in 0..<width { packed.append(UInt8(truncatingIfNeeded: x)); x >>= 8 }
        }
        if shuffle && width > 1 {
            packed.withUnsafeBytes { Shuffle.shuffle($0, width: width, into: &raw) }
        } else {
            raw.append(contentsOf: packed)
        }
    }

    static func finish(_ raw: [UInt8], encoding: ColumnEncoding, width: Int, flags: UInt8, nullCount: Int) -> EncodedChunk {
        var compressed: [UInt8] = []
        raw.withUnsafeBytes { _ = LZ4.compress($0, appendingTo: &compressed) }
        return EncodedChunk(encoding: encoding, width: UInt8(width), flags: flags, nullCount: UInt32(nullCount),
                            rawLength: UInt32(raw.count), compressed: compressed, crc: CRC32.checksum(compressed))
    }

    // MARK: integers

    static func encode(_ c: IntColumn) -> EncodedChunk {
        let n = c.count
        var lo = UInt64.max, hi = UInt64.min
        var first: UInt64? = nil
        for i in 0..<n where !c.isNull(i) {
            let v = c.values[i]
            if first == nil { first = v }
            lo = min(lo, v); hi = max(hi, v)
        }
        let base = first ?? 0
        if first == nil { lo = 0; hi = 0 }
        // Delta: nulls repeat the previous value, so they cost a zero.
        var deltas = [UInt64](repeating: 0, count: n)
        var prev = base
        var maxZ: UInt64 = 0
        for i in 0..<n {
            let v = c.isNull(i) ? prev : c.values[i]
            let z = zigzag(Int64(bitPattern: v &- prev))
            deltas[i] = z
            maxZ = max(maxZ, z)
            prev = v
        }
        let forWidth = byteWidth(hi &- lo)
        let deltaWidth = byteWidth(maxZ)
        var raw: [UInt8] = []
        var flags: UInt8 = 0
        if let nulls = c.nulls, c.nullCount > 0 {
            flags |= ChunkFlags.validity
            appendValidity(nulls, into: &raw)
        }
        var w = ByteWriter(capacity: 8)
        if deltaWidth < forWidth {
            w.writeInteger(base)
            raw.append(contentsOf: w.bytes)
            if deltaWidth > 1 { flags |= ChunkFlags.shuffled }
            appendFixed(deltas, width: deltaWidth, into: &raw, shuffle: true)
            return finish(raw, encoding: .delta, width: deltaWidth, flags: flags, nullCount: c.nullCount)
        }
        w.writeInteger(lo)
        raw.append(contentsOf: w.bytes)
        let offsets = (0..<n).map { c.isNull($0) ? 0 : c.values[$0] &- lo }
        if forWidth > 1 { flags |= ChunkFlags.shuffled }
        appendFixed(offsets, width: forWidth, into: &raw, shuffle: true)
        return finish(raw, encoding: .frameOfReference, width: forWidth, flags: flags, nullCount: c.nullCount)
    }

    // MARK: addresses

    static func encode(_ c: AddressColumn) -> EncodedChunk {
        let n = c.count
        var allV4 = true
        for i in 0..<n where !c.isNull(i) {
            if !(c.high[i] == 0 && c.low[i] >> 32 == 0xFFFF) { allV4 = false; break }
        }
        var raw: [UInt8] = []
        var flags: UInt8 = ChunkFlags.shuffled
        if let nulls = c.nulls, c.nullCount > 0 {
            flags |= ChunkFlags.validity
            appendValidity(nulls, into: &raw)
        }
        if allV4 {
            let values = (0..<n).map { c.isNull($0) ? 0 : c.low[$0] & 0xFFFF_FFFF }
            appendFixed(values, width: 4, into: &raw, shuffle: true)
            return finish(raw, encoding: .ipv4, width: 4, flags: flags, nullCount: c.nullCount)
        }
        var packed = [UInt8]()
        packed.reserveCapacity(n * 16)
        for i in 0..<n {
            var h = c.isNull(i) ? 0 : c.high[i]
            var l = c.isNull(i) ? 0 : c.low[i]
            for _ in 0..<8 { packed.append(UInt8(truncatingIfNeeded: h)); h >>= 8 }
            for _ in 0..<8 { packed.append(UInt8(truncatingIfNeeded: l)); l >>= 8 }
        }
        packed.withUnsafeBytes { Shuffle.shuffle($0, width: 16, into: &raw) }
        return finish(raw, encoding: .ipv6, width: 16, flags: flags, nullCount: c.nullCount)
    }

    // MARK: strings

    static func encode(_ c: StringColumn) -> EncodedChunk {
        let d = c.dictionary
        var w = ByteWriter(capacity: d.arena.count + 8 * d.count + 16)
        w.writeInteger(UInt32(d.count))
        for o in d.offsets { w.writeInteger(o) }
        w.writeBytes(d.arena)
        var raw = w.bytes
        let width = d.count < 0xFF ? 1 : (d.count < 0xFFFF ? 2 : 4)
        var nulls = 0
        for code in c.codes where code == 0 { nulls += 1 }
        appendFixed(c.codes.map { UInt64($0) }, width: width, into: &raw, shuffle: true)
        return finish(raw, encoding: .dictionary, width: width, flags: width > 1 ? ChunkFlags.shuffled : 0, nullCount: nulls)
    }

    // MARK: decoding

    struct RawChunk {
        let bytes: [UInt8]
        let rows: Int
        let encoding: ColumnEncoding
        let width: Int
        let flags: UInt8
        let context: String
    }

    static func readValidity(_ r: inout ByteReader, rows: Int, flags: UInt8) throws -> [UInt8]? {
        guard flags & ChunkFlags.validity != 0 else { return nil }
        let bits = try r.readBytes((rows + 7) / 8)
        let b0 = bits.startIndex
        var nulls = [UInt8](repeating: 0, count: rows)
        for i in 0..<rows where bits[b0 + (i >> 3)] & (1 << UInt8(i & 7)) == 0 { nulls[i] = 1 }
        return nulls
    }

    static func readFixed(_ r: inout ByteReader, rows: Int, width: Int, shuffled: Bool) throws -> [UInt64] {
        if width == 0 { return [UInt64](repeating: 0, count: rows) }
        let range = try r.readRange(rows * width)
        var bytes = Array(r.bytes[range])
        if shuffled && width > 1 {
            var plain = [UInt8](repeating: 0, count: bytes.count)
            bytes.withUnsafeBytes { src in plain.withUnsafeMutableBytes { Shuffle.unshuffle(src, width: width, into: $0) } }
            bytes = plain
        }
        var out = [UInt64](repeating: 0, count: rows)
        bytes.withUnsafeBytes { p in
            for i in 0..<rows {
                var v: UInt64 = 0
                for b in 0..<width { v |= UInt64(p[i * width + b]) << (8 * UInt64(b)) }
                out[i] = v
            }
        }
        return out
    }

    static func decodeInts(_ c: RawChunk) throws -> IntColumn {
        guard c.encoding == .frameOfReference || c.encoding == .delta else {
            throw ArchiveError("\(c.context): encoding \(c.encoding) is not an integer encoding")
        }
        guard [0, 1, 2, 4, 8].contains(c.width) else { throw ArchiveError("\(c.context): bad integer width \(c.width)") }
        var r = ByteReader(c.bytes, context: c.context)
        let nulls = try readValidity(&r, rows: c.rows, flags: c.flags)
        let base: UInt64 = try r.readInteger()
        var vals = try readFixed(&r, rows: c.rows, width: c.width, shuffled: c.flags & ChunkFlags.shuffled != 0)
        if r.remaining != 0 { throw ArchiveError("\(c.context): \(r.remaining) unexpected bytes after the values") }
        if c.encoding == .frameOfReference {
            for i in 0..<vals.count { vals[i] = vals[i] &+ base }
        } else {
            var prev = base
            for i in 0..<vals.count {
                prev = prev &+ UInt64(bitPattern: unzigzag(vals[i]))
                vals[i] = prev
            }
        }
        var col = IntColumn()
        col.reserveCapacity(c.rows)
        for i in 0..<c.rows {
            if let nulls, nulls[i] == 1 { col.appendNull() } else { col.append(vals[i]) }
        }
        return col
    }

    static func decodeAddresses(_ c: RawChunk) throws -> AddressColumn {
        var r = ByteReader(c.bytes, context: c.context)
        let nulls = try readValidity(&r, rows: c.rows, flags: c.flags)
        var col = AddressColumn()
        col.reserveCapacity(c.rows)
        switch c.encoding {
        case .ipv4:
            guard c.width == 4 else { throw ArchiveError("\(c.context): bad IPv4 width \(c.width)") }
            let v = try readFixed(&r, rows: c.rows, width: 4, shuffled: c.flags & ChunkFlags.shuffled != 0)
            for i in 0..<c.rows {
                if let nulls, nulls[i] == 1 { col.appendNull() } else { col.append(IPAddress(ipv4: UInt32(v[i]))) }
            }
        case .ipv6:
            guard c.width == 16 else { throw ArchiveError("\(c.context): bad IPv6 width \(c.width)") }
            let range = try r.readRange(c.rows * 16)
            var bytes = Array(c.bytes[range])
            if c.flags & ChunkFlags.shuffled != 0 {
                var plain = [UInt8](repeating: 0, count: bytes.count)
                bytes.withUnsafeBytes { src in plain.withUnsafeMutableBytes { Shuffle.unshuffle(src, width: 16, into: $0) } }
                bytes = plain
            }
            for i in 0..<c.rows {
                var h: UInt64 = 0, l: UInt64 = 0
                for b in 0..<8 { h |= UInt64(bytes[i * 16 + b]) << (8 * UInt64(b)) }
                for b in 0..<8 { l |= UInt64(bytes[i * 16 + 8 + b]) << (8 * UInt64(b)) }
                if let nulls, nulls[i] == 1 { col.appendNull() } else { col.append(IPAddress(high: h, low: l)) }
            }
        default:
            throw ArchiveError("\(c.context): encoding \(c.encoding) is not an address encoding")
        }
        if r.remaining != 0 { throw ArchiveError("\(c.context): \(r.remaining) unexpected bytes after the values") }
        return col
    }

    static func decodeStrings(_ c: RawChunk) throws -> StringColumn {
        guard c.encoding == .dictionary else { throw ArchiveError("\(c.context): encoding \(c.encoding) is not a string encoding") }
        guard [1, 2, 4].contains(c.width) else { throw ArchiveError("\(c.context): bad code width \(c.width)") }
        var r = ByteReader(c.bytes, context: c.context)
        let count = Int(try r.readInteger(as: UInt32.self))
        guard count <= r.remaining / 4 else { throw ArchiveError("\(c.context): dictionary of \(count) entries does not fit") }
        var offsets: [UInt32] = []
        offsets.reserveCapacity(count + 1)
        for _ in 0...count { offsets.append(try r.readInteger()) }
        guard offsets[0] == 0 else { throw ArchiveError("\(c.context): dictionary offsets must start at 0") }
        for i in 0..<count where offsets[i] > offsets[i + 1] { throw ArchiveError("\(c.context): dictionary offsets decrease") }
        let arena = try r.readBytes(Int(offsets[count]))
        var col = StringColumn()
        var remap = [UInt32](repeating: 0, count: count + 1)
        for i in 0..<count {
            let s = arena.startIndex + Int(offsets[i]), e = arena.startIndex + Int(offsets[i + 1])
            remap[i + 1] = arena[s..<e].withUnsafeBytes { col.dictionary.intern($0) }
        }
        let codes = try readFixed(&r, rows: c.rows, width: c.width, shuffled: c.flags & ChunkFlags.shuffled != 0)
        if r.remaining != 0 { throw ArchiveError("\(c.context): \(r.remaining) unexpected bytes after the codes") }
        col.codes.reserveCapacity(c.rows)
        for code in codes {
            guard code <= UInt64(count) else { throw ArchiveError("\(c.context): code \(code) outside a dictionary of \(count)") }
            col.codes.append(remap[Int(code)])
        }
        return col
    }
}
