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
        nulls.withUnsafeBytes { appendValidity($0, into: &raw) }
    }

    static func appendValidity(_ src: UnsafeRawBufferPointer, into raw: inout [UInt8]) {
        let n = src.count
        var bytes = [UInt8](repeating: 0, count: (n + 7) / 8)
        bytes.withUnsafeMutableBufferPointer { out in
            // Eight null flags (bytes of 0 or 1) at a time: flip them to presence bits and
            // gather the low bit of each byte into one byte (a multiply moves byte k's bit
            // to bit 56 + k without carries).
            let whole = n / 8
            for k in 0..<whole {
                let x = src.loadUnaligned(fromByteOffset: k &* 8, as: UInt64.self) ^ 0x0101_0101_0101_0101
                out[k] = UInt8(truncatingIfNeeded: ((x & 0x0101_0101_0101_0101) &* 0x0102_0408_1020_4080) >> 56)
            }
            for i in (whole * 8)..<n where src[i] == 0 { out[i >> 3] |= 1 << UInt8(i & 7) }
        }
        raw.append(contentsOf: bytes)
    }

    /// Appends `values` at `width` bytes each, little-endian; with `shuffle`, byte plane by byte
    /// plane (all low bytes first), written directly without an unshuffled copy.
    static func appendFixed(_ values: [UInt64], width: Int, into raw: inout [UInt8], shuffle: Bool) {
        if width == 0 { return }
        let n = values.count
        let start = raw.count
        raw.append(contentsOf: repeatElement(0, count: n * width))
        raw.withUnsafeMutableBytes { dst in
            let out = dst.baseAddress!.assumingMemoryBound(to: UInt8.self) + start
            values.withUnsafeBufferPointer { v in
                if shuffle && width > 1 {
                    for b in 0..<width {
                        let plane = out + b * n
                        let shift = UInt64(8 * b)
                        for i in 0..<n { plane[i] = UInt8(truncatingIfNeeded: v[i] >> shift) }
                    }
                } else {
                    for i in 0..<n {
                        var x = v[i]
                        for b in 0..<width { out[i * width + b] = UInt8(truncatingIfNeeded: x); x >>= 8 }
                    }
                }
            }
        }
    }

    /// Writes `value(i)` for `i` in `0..<n` as `width` byte planes at `planes` (plane `b` holds
    /// byte `b` of every value). One pass over the rows writes every plane: a pass per plane
    /// read the column `width` times, and the value (a delta, an offset) was computed again each
    /// time. `value` is called once per row, in row order.
    @inline(__always)
    static func storePlanes(_ planes: UnsafeMutablePointer<UInt8>, count n: Int, width: Int, _ value: (Int) -> UInt64) {
        switch width {
        case 0:
            for i in 0..<n { _ = value(i) }
        case 1:
            for i in 0..<n { planes[i] = UInt8(truncatingIfNeeded: value(i)) }
        case 2:
            let p1 = planes + n
            for i in 0..<n {
                let x = value(i)
                planes[i] = UInt8(truncatingIfNeeded: x)
                p1[i] = UInt8(truncatingIfNeeded: x &>> 8)
            }
        case 4:
            let p1 = planes + n, p2 = planes + 2 &* n, p3 = planes + 3 &* n
            for i in 0..<n {
                let x = value(i)
                planes[i] = UInt8(truncatingIfNeeded: x)
                p1[i] = UInt8(truncatingIfNeeded: x &>> 8)
                p2[i] = UInt8(truncatingIfNeeded: x &>> 16)
                p3[i] = UInt8(truncatingIfNeeded: x &>> 24)
            }
        default:
            for i in 0..<n {
                var x = value(i)
                var plane = planes
                for _ in 0..<width {
                    plane[i] = UInt8(truncatingIfNeeded: x)
                    x &>>= 8
                    plane += n
                }
            }
        }
    }

    static func finish(_ raw: [UInt8], encoding: ColumnEncoding, width: Int, flags: UInt8, nullCount: Int) -> EncodedChunk {
        var compressed: [UInt8] = []
        raw.withUnsafeBytes { r in
            LZ4.compress(r, appendingTo: &compressed)
            // Where LZ4 saves less than a fifth (addresses, ports and instance ids of busy
            // blocks save 0-10%, pages of start and end times about 17%), the chunk or page is
            // stored as one literal run: still a valid LZ4 block, but a reader copies it or uses
            // it in place instead of decompressing it. Decompressing was up to half of a
            // selective query's time; the archive grows by 4% (Formats/ARCHIVE.md, "Chunks
            // stored as literals").
            if raw.count >= 4096 && compressed.count > raw.count - raw.count / 5 {
                compressed.removeAll(keepingCapacity: true)
                LZ4.storeLiterals(r, appendingTo: &compressed)
            }
        }
        return EncodedChunk(encoding: encoding, width: UInt8(width), flags: flags, nullCount: UInt32(nullCount),
                            rawLength: UInt32(raw.count), compressed: compressed, crc: CRC32.checksum(compressed))
    }

    // MARK: integers

    /// `encode(c)` and `ColumnIndex.build(c, isPort:)` together: the encoding pass already
    /// finds the min and max of the non-null values, which is the whole range index, so the
    /// block's integer columns are not read once more for it.
    static func encodeIndexed(_ c: IntColumn, isPort: Bool) -> (chunk: EncodedChunk, index: ColumnIndex) {
        var r: (chunk: EncodedChunk, min: UInt64, max: UInt64)? = nil
        if c.nullCount == 0 && c.count > 0 {
            r = encodeWithoutNulls(c.values)
        } else if let nulls = c.nulls, c.nullCount > 0, c.nullCount < c.count {
            r = encodeWithNulls(c.values, nulls, nullCount: c.nullCount)
        }
        guard let r, !isPort else { return (encode(c), ColumnIndex.build(c, isPort: isPort)) }
        return (r.chunk, .intRange(IntRangeIndex(min: r.min, max: r.max)))
    }

    /// As `encodeIndexed(_:isPort:)`, in pages of `pageRows` rows (encoding 8) when the column
    /// has more rows than a page and is not constant: each page is encoded as a chunk of its
    /// own (frame of reference or delta, whichever is smaller for it), compressed on its own,
    /// and described by a page entry (lengths, encoding, checksum, null count, min and max), so
    /// that a reader decompresses only the pages it needs (Formats/ARCHIVE.md, "8: paged").
    static func encodeIndexed(_ c: IntColumn, isPort: Bool, pageRows: Int) -> (chunk: EncodedChunk, index: ColumnIndex) {
        guard pageRows > 0, c.count > pageRows, c.nullCount < c.count else { return encodeIndexed(c, isPort: isPort) }
        var low = UInt64.max, high = UInt64.min
        let pageCount = (c.count + pageRows - 1) / pageRows
        var table = ByteWriter(capacity: 8 + pageCount * ArchiveFormat.pageEntrySize)
        table.writeInteger(UInt32(pageRows))
        table.writeInteger(UInt32(pageCount))
        var bodies: [UInt8] = []
        var rawTotal = 0
        for k in 0..<pageCount {
            let range = (k * pageRows)..<min(c.count, (k + 1) * pageRows)
            let nullCount = c.nulls.map { $0[range].reduce(0) { $0 + Int($1) } } ?? 0
            // Each page encoded from its rows of the column, in place (no copy per page).
            let (chunk, lo, hi): (EncodedChunk, UInt64, UInt64) = c.values.withUnsafeBufferPointer { all in
                let v = UnsafeBufferPointer(rebasing: all[range])
                if nullCount == 0 { return encodeWithoutNulls(v) }
                return c.nulls!.withUnsafeBufferPointer { isNull in
                    if nullCount < range.count { return encodeWithNulls(v, UnsafeBufferPointer(rebasing: isNull[range]), nullCount: nullCount) }
                    // Every row NULL: frame of reference of width 0 behind a validity bitmap of zeros.
                    return (encode(IntColumn(values: Array(v), nulls: Array(isNull[range]), nullCount: nullCount)), 0, 0)
                }
            }
            table.writeInteger(UInt32(chunk.compressed.count))
            table.writeInteger(chunk.rawLength)
            table.writeInteger(chunk.encoding.rawValue)
            table.writeInteger(chunk.width)
            table.writeInteger(chunk.flags)
            table.writeInteger(UInt8(0))
            table.writeInteger(UInt32(nullCount))
            table.writeInteger(chunk.crc)
            table.writeInteger(lo)
            table.writeInteger(hi)
            bodies.append(contentsOf: chunk.compressed)
            rawTotal += Int(chunk.rawLength)
            if nullCount < range.count { low = min(low, lo); high = max(high, hi) }
        }
        // A constant column is a few bytes unpaged.
        if low == high && c.nullCount == 0 { return encodeIndexed(c, isPort: isPort) }
        let head = table.bytes
        let chunk = EncodedChunk(encoding: .paged, width: 0, flags: 0, nullCount: UInt32(c.nullCount), rawLength: UInt32(rawTotal),
                                 compressed: head + bodies, crc: CRC32.checksum(head))
        return (chunk, isPort ? ColumnIndex.build(c, isPort: true) : .intRange(IntRangeIndex(min: low, max: high)))
    }

    static func encode(_ c: IntColumn) -> EncodedChunk {
        if c.nullCount == 0 && c.count > 0 { return encodeWithoutNulls(c.values).chunk }
        if let nulls = c.nulls, c.nullCount < c.count { return encodeWithNulls(c.values, nulls, nullCount: c.nullCount).chunk }
        let n = c.count
        var lo = UInt64.max, hi = UInt64.min
        var first: UInt64? = nil
        // Nulls hold 0 in `values`; they repeat the previous value for delta (so they cost a zero
        // delta) and are stored as the base for frame of reference.
        var filled = c.values
        if let nulls = c.nulls, c.nullCount > 0 {
            var prev: UInt64? = nil
            for i in 0..<n {
                if nulls[i] == 1 {
                    if let p = prev { filled[i] = p }
                } else {
                    let v = filled[i]
                    if first == nil { first = v }
                    lo = min(lo, v); hi = max(hi, v)
                    prev = v
                }
            }
            // Leading nulls take the first value.
            if let f = first {
                var i = 0
                while i < n && nulls[i] == 1 { filled[i] = f; i += 1 }
            }
        } else if n > 0 {
            first = filled[0]
            for v in filled { lo = min(lo, v); hi = max(hi, v) }
        }
        let base = first ?? 0
        if first == nil { lo = 0; hi = 0 }
        var deltas = [UInt64](repeating: 0, count: n)
        var maxZ: UInt64 = 0
        filled.withUnsafeBufferPointer { v in
            deltas.withUnsafeMutableBufferPointer { d in
                var prev = base
                for i in 0..<n {
                    let x = v[i]
                    let z = zigzag(Int64(bitPattern: x &- prev))
                    d[i] = z
                    maxZ |= z
                    prev = x
                }
            }
        }
        let forWidth = byteWidth(hi &- lo)
        let deltaWidth = byteWidth(maxZ)
        var raw: [UInt8] = []
        raw.reserveCapacity(16 + n * max(1, min(forWidth, deltaWidth)) + n / 8)
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
        // Frame of reference stores null rows as offset 0.
        if let nulls = c.nulls, c.nullCount > 0 {
            for i in 0..<n { filled[i] = nulls[i] == 1 ? 0 : filled[i] &- lo }
        } else {
            for i in 0..<n { filled[i] = filled[i] &- lo }
        }
        if forWidth > 1 { flags |= ChunkFlags.shuffled }
        appendFixed(filled, width: forWidth, into: &raw, shuffle: true)
        return finish(raw, encoding: .frameOfReference, width: forWidth, flags: flags, nullCount: c.nullCount)
    }

    /// `encode` for a column without nulls (the usual case), with the same output: one pass
    /// finds min, max and the delta width, then the chosen values go straight into byte planes
    /// of the chunk (no copy of the column, no array of deltas).
    static func encodeWithoutNulls(_ values: [UInt64]) -> (chunk: EncodedChunk, min: UInt64, max: UInt64) {
        values.withUnsafeBufferPointer { encodeWithoutNulls($0) }
    }

    static func encodeWithoutNulls(_ v: UnsafeBufferPointer<UInt64>) -> (chunk: EncodedChunk, min: UInt64, max: UInt64) {
        let n = v.count
        var lo = v[0], hi = v[0]
        var maxZ: UInt64 = 0
        var prev = v[0]
        for i in 0..<n {
            let x = v[i]
            lo = Swift.min(lo, x)
            hi = Swift.max(hi, x)
            maxZ |= zigzag(Int64(bitPattern: x &- prev))
            prev = x
        }
        let forWidth = byteWidth(hi &- lo)
        let deltaWidth = byteWidth(maxZ)
        let isDelta = deltaWidth < forWidth
        let width = isDelta ? deltaWidth : forWidth
        let base = isDelta ? v[0] : lo
        let raw = [UInt8](unsafeUninitializedCapacity: 8 + n * width) { out, initialized in
            UnsafeMutableRawPointer(out.baseAddress!).storeBytes(of: base.littleEndian, as: UInt64.self)
            let planes = out.baseAddress! + 8
            if isDelta {
                var p = v[0]
                storePlanes(planes, count: n, width: width) { i in
                    let x = v[i]
                    let z = zigzag(Int64(bitPattern: x &- p))
                    p = x
                    return z
                }
            } else {
                storePlanes(planes, count: n, width: width) { i in v[i] &- lo }
            }
            initialized = 8 + n * width
        }
        return (finish(raw, encoding: isDelta ? .delta : .frameOfReference, width: width,
                       flags: width > 1 ? ChunkFlags.shuffled : 0, nullCount: 0), lo, hi)
    }

    /// `encode` for a column with some nulls (NODATA and SKIPDATA records make most integer
    /// columns so), with the same output. A null row repeats the previous value for delta (a
    /// zero delta) and stores 0 for frame of reference, so neither needs a filled-in copy of the
    /// column: non-null rows take their delta from the previous non-null value.
    static func encodeWithNulls(_ values: [UInt64], _ nulls: [UInt8], nullCount: Int) -> (chunk: EncodedChunk, min: UInt64, max: UInt64) {
        values.withUnsafeBufferPointer { v in nulls.withUnsafeBufferPointer { encodeWithNulls(v, $0, nullCount: nullCount) } }
    }

    static func encodeWithNulls(_ v: UnsafeBufferPointer<UInt64>, _ isNull: UnsafeBufferPointer<UInt8>,
                                nullCount: Int) -> (chunk: EncodedChunk, min: UInt64, max: UInt64) {
        let n = v.count
        var first = 0
        while isNull[first] != 0 { first += 1 }
        var lo = v[first], hi = v[first]
        var maxZ: UInt64 = 0
        var prev = v[first]
        // Masks instead of branches (the compiler branched on `present`, and nulls
        // fall at random): `m` is all ones for a present row, zero for a null one; a
        // null row then offers UInt64.max to the min, 0 to the max and the delta, and
        // keeps `prev`.
        for i in first..<n {
            let m = UInt64(isNull[i] ^ 1) &* UInt64.max
            let x = v[i]
            lo = Swift.min(lo, x | ~m)
            hi = Swift.max(hi, x & m)
            maxZ |= zigzag(Int64(bitPattern: x &- prev)) & m
            prev = (x & m) | (prev & ~m)
        }
        let forWidth = byteWidth(hi &- lo)
        let deltaWidth = byteWidth(maxZ)
        let isDelta = deltaWidth < forWidth
        let width = isDelta ? deltaWidth : forWidth
        let base = isDelta ? v[first] : lo
        var raw: [UInt8] = []
        raw.reserveCapacity((n + 7) / 8 + 8 + n * width)
        appendValidity(UnsafeRawBufferPointer(isNull), into: &raw)
        let head = raw.count
        raw.append(contentsOf: repeatElement(0, count: 8 + n * width))
        raw.withUnsafeMutableBufferPointer { out in
            UnsafeMutableRawPointer(out.baseAddress! + head).storeBytes(of: base.littleEndian, as: UInt64.self)
            let planes = out.baseAddress! + head + 8
            if isDelta {
                var p = v[first]
                storePlanes(planes, count: n, width: width) { i in
                    let m = UInt64(isNull[i] ^ 1) &* UInt64.max
                    let x = v[i]
                    let z = zigzag(Int64(bitPattern: x &- p)) & m
                    p = (x & m) | (p & ~m)
                    return z
                }
            } else {
                storePlanes(planes, count: n, width: width) { i in (v[i] &- lo) & (UInt64(isNull[i] ^ 1) &* UInt64.max) }
            }
        }
        var flags = ChunkFlags.validity
        if width > 1 { flags |= ChunkFlags.shuffled }
        return (finish(raw, encoding: isDelta ? .delta : .frameOfReference, width: width, flags: flags, nullCount: nullCount), lo, hi)
    }

    /// An address column relative to `reference` (see `ColumnEncoding.addressSameAs`), or nil
    /// when more than one row in eight differs (the column is then encoded on its own).
    static func encode(_ c: AddressColumn, sameAs reference: AddressColumn, referenceName: String) -> EncodedChunk? {
        let n = c.count
        guard reference.count == n else { return nil }
        var differs = [UInt8](repeating: 0, count: (n + 7) / 8)
        var exceptions = AddressColumn()
        for i in 0..<n {
            let same = c.isNull(i) ? reference.isNull(i) : (!reference.isNull(i) && c.high[i] == reference.high[i] && c.low[i] == reference.low[i])
            if same { continue }
            differs[i >> 3] |= 1 << UInt8(i & 7)
            if c.isNull(i) { exceptions.appendNull() } else { exceptions.append(IPAddress(high: c.high[i], low: c.low[i])) }
            if exceptions.count * 8 > n { return nil }
        }
        let nested = encodeRaw(exceptions, dictionary: AddressDictionary(exceptions))
        var w = ByteWriter(capacity: 16 + differs.count + nested.raw.count)
        let name = Array(referenceName.utf8)
        w.writeInteger(UInt16(name.count))
        w.writeBytes(name)
        w.writeBytes(differs)
        w.writeInteger(UInt32(exceptions.count))
        w.writeInteger(nested.encoding.rawValue)
        w.writeInteger(UInt8(nested.width))
        w.writeInteger(nested.flags)
        w.writeBytes(nested.raw)
        return finish(w.bytes, encoding: .addressSameAs, width: 0, flags: 0, nullCount: c.nullCount)
    }

    /// Addresses: a sorted dictionary when that is smaller (the usual case), else plain values.
    static func encode(_ c: AddressColumn, dictionary d: AddressDictionary) -> EncodedChunk {
        let r = encodeRaw(c, dictionary: d)
        return finish(r.raw, encoding: r.encoding, width: r.width, flags: r.flags, nullCount: c.nullCount)
    }

    static func encodeRaw(_ c: AddressColumn, dictionary d: AddressDictionary) -> (raw: [UInt8], encoding: ColumnEncoding, width: Int, flags: UInt8) {
        let n = c.count
        var v4Count = 0
        for a in d.entries where a.isIPv4 { v4Count += 1 }
        let v6Count = d.entries.count - v4Count
        let codeWidth = d.entries.count <= 0xFF ? 1 : (d.entries.count <= 0xFFFF ? 2 : 4)
        let dictSize = 8 + 4 * v4Count + 16 * v6Count + n * codeWidth
        let plainSize = n * (v6Count == 0 ? 4 : 16) + (c.nullCount > 0 ? (n + 7) / 8 : 0)
        if dictSize <= plainSize {
            // IPv4 entries sort before IPv6 ones only if no IPv6 entry is below ::ffff:0:0; codes
            // are assigned family by family (IPv4 first), each family in ascending order.
            let v4 = d.entries.filter { $0.isIPv4 }
            let v6 = d.entries.filter { !$0.isIPv4 }
            var remap = [UInt32](repeating: 0, count: d.entries.count + 1)
            var k4 = 0, k6 = 0
            for (i, a) in d.entries.enumerated() {
                if a.isIPv4 { k4 += 1; remap[i + 1] = UInt32(k4) } else { k6 += 1; remap[i + 1] = UInt32(v4Count + k6) }
            }
            var w = ByteWriter(capacity: dictSize)
            w.writeInteger(UInt32(v4Count))
            w.writeInteger(UInt32(v6Count))
            for a in v4 { w.writeInteger(UInt32(truncatingIfNeeded: a.low)) }
            for a in v6 { w.writeInteger(a.high); w.writeInteger(a.low) }
            var raw = w.bytes
            appendFixed(d.codes.map { UInt64(remap[Int($0)]) }, width: codeWidth, into: &raw, shuffle: true)
            return (raw, .addressDictionary, codeWidth, codeWidth > 1 ? ChunkFlags.shuffled : 0)
        }
        var raw: [UInt8] = []
        var flags: UInt8 = ChunkFlags.shuffled
        if let nulls = c.nulls, c.nullCount > 0 {
            flags |= ChunkFlags.validity
            appendValidity(nulls, into: &raw)
        }
        if v6Count == 0 {
            let values = (0..<n).map { c.isNull($0) ? 0 : c.low[$0] & 0xFFFF_FFFF }
            appendFixed(values, width: 4, into: &raw, shuffle: true)
            return (raw, .ipv4, 4, flags)
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
        return (raw, .ipv6, 16, flags)
    }

    // MARK: strings

    static func encode(_ c: StringColumn) -> EncodedChunk {
        let d = c.dictionary
        var w = ByteWriter(capacity: d.arena.count + 8 * d.count + 16)
        w.writeInteger(UInt32(d.count))
        for o in d.offsets { w.writeInteger(o) }
        w.writeBytes(d.arena)
        var raw = w.bytes
        let width = d.count <= 0xFF ? 1 : (d.count <= 0xFFFF ? 2 : 4)
        // Codes go straight from the UInt32 array into byte planes (no widened copy).
        var nulls = 0
        let n = c.codes.count
        let start = raw.count
        raw.append(contentsOf: repeatElement(0, count: n * width))
        raw.withUnsafeMutableBufferPointer { out in
            c.codes.withUnsafeBufferPointer { codes in
                storePlanes(out.baseAddress! + start, count: n, width: width) { i in
                    let code = codes[i]
                    nulls &+= code == 0 ? 1 : 0
                    return UInt64(code)
                }
            }
        }
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
        let range = try r.readRange((rows + 7) / 8)
        // One byte per row, 1 where the validity bit is 0: eight rows per bitmap byte at once
        // (the byte copied to every byte of a word, each byte keeping its own bit, made 0 or 1
        // by a carry into the byte's top bit, then inverted).
        return r.bytes.withUnsafeBytes { all in
            let b = all.baseAddress!.assumingMemoryBound(to: UInt8.self) + range.lowerBound
            return [UInt8](unsafeUninitializedCapacity: rows) { out, n in
                let o = UnsafeMutableRawPointer(out.baseAddress!)
                let whole = rows / 8
                for k in 0..<whole {
                    let bit = (UInt64(b[k]) &* 0x0101_0101_0101_0101) & 0x8040_2010_0804_0201
                    let present = ((bit &+ 0x7F7F_7F7F_7F7F_7F7F) & 0x8080_8080_8080_8080) &>> 7
                    o.storeBytes(of: (present ^ 0x0101_0101_0101_0101).littleEndian, toByteOffset: k &* 8, as: UInt64.self)
                }
                for i in (whole &* 8)..<rows { out[i] = ((b[i >> 3] >> UInt8(i & 7)) & 1) ^ 1 }
                n = rows
            }
        }
    }

    /// Reads `rows` little-endian values of `width` bytes (byte planes when `shuffled`), adding
    /// `base` to each. The length is checked once; the loops then read the planes in place.
    static func readFixed(_ r: inout ByteReader, rows: Int, width: Int, shuffled: Bool, base: UInt64 = 0) throws -> [UInt64] {
        try [UInt64](unsafeUninitializedCapacity: rows) { out, n in
            try readFixed(&r, rows: rows, width: width, shuffled: shuffled, base: base, into: out.baseAddress!)
            n = rows
        }
    }

    /// As `readFixed(_:rows:width:shuffled:base:)`, into `out[0..<rows]`.
    static func readFixed(_ r: inout ByteReader, rows: Int, width: Int, shuffled: Bool, base: UInt64 = 0,
                          into out: UnsafeMutablePointer<UInt64>) throws {
        if width == 0 { out.update(repeating: base, count: rows); return }
        let range = try r.readRange(rows * width)
        r.bytes.withUnsafeBytes { all in
            let p = all.baseAddress!.assumingMemoryBound(to: UInt8.self) + range.lowerBound
            // Planes combined per row in one loop for the usual widths (see decodeAddressCodes).
            switch (width, shuffled) {
            case (1, _):
                for i in 0..<rows { out[i] = UInt64(p[i]) &+ base }
            case (2, true):
                let p1 = p + rows
                for i in 0..<rows { out[i] = (UInt64(p[i]) | UInt64(p1[i]) &<< 8) &+ base }
            case (4, true):
                let p1 = p + rows, p2 = p + 2 &* rows, p3 = p + 3 &* rows
                for i in 0..<rows {
                    out[i] = (UInt64(p[i]) | UInt64(p1[i]) &<< 8 | UInt64(p2[i]) &<< 16 | UInt64(p3[i]) &<< 24) &+ base
                }
            case (_, true):
                for i in 0..<rows { out[i] = UInt64(p[i]) }
                for b in 1..<width {
                    let plane = p + b &* rows
                    let shift = UInt64(8 &* b)
                    for i in 0..<rows { out[i] |= UInt64(plane[i]) &<< shift }
                }
                if base != 0 { for i in 0..<rows { out[i] = out[i] &+ base } }
            default:
                for i in 0..<rows {
                    var v: UInt64 = 0
                    for b in 0..<width { v |= UInt64(p[i &* width &+ b]) &<< (8 &* UInt64(b)) }
                    out[i] = v &+ base
                }
            }
        }
    }

    static func decodeInts(_ c: RawChunk) throws -> IntColumn {
        var nulls: [UInt8]? = nil
        var nullCount = 0
        let vals = try [UInt64](unsafeUninitializedCapacity: c.rows) { out, n in
            (nulls, nullCount) = try decodeInts(c, into: out.baseAddress!)
            n = c.rows
        }
        return IntColumn(values: vals, nulls: nulls, nullCount: nullCount)
    }

    /// `decodeInts` into `out[0..<c.rows]` (a page of a paged chunk decodes into its rows of
    /// the block's column); returns the null bytes (nil when no row is null) and their count.
    static func decodeInts(_ c: RawChunk, into v: UnsafeMutablePointer<UInt64>) throws -> (nulls: [UInt8]?, nullCount: Int) {
        guard c.encoding == .frameOfReference || c.encoding == .delta else {
            throw ArchiveError("\(c.context): encoding \(c.encoding) is not an integer encoding")
        }
        guard [0, 1, 2, 4, 8].contains(c.width) else { throw ArchiveError("\(c.context): bad integer width \(c.width)") }
        var r = ByteReader(c.bytes, context: c.context)
        let nulls = try readValidity(&r, rows: c.rows, flags: c.flags)
        let base: UInt64 = try r.readInteger()
        let isFOR = c.encoding == .frameOfReference
        try readFixed(&r, rows: c.rows, width: c.width, shuffled: c.flags & ChunkFlags.shuffled != 0, base: isFOR ? base : 0, into: v)
        if r.remaining != 0 { throw ArchiveError("\(c.context): \(r.remaining) unexpected bytes after the values") }
        if !isFOR {
            var prev = base
            for i in 0..<c.rows {
                prev = prev &+ UInt64(bitPattern: unzigzag(v[i]))
                v[i] = prev
            }
        }
        guard let nulls else { return (nil, 0) }
        // Null rows hold 0, counted and cleared without a branch (NODATA rows fall anywhere; the
        // branchy loop over checked subscripts was most of the decoding of a column with nulls).
        var nullCount = 0
        nulls.withUnsafeBufferPointer { isNull in
            for i in 0..<c.rows {
                nullCount &+= Int(isNull[i])
                v[i] &= UInt64(isNull[i]) &- 1
            }
        }
        return (nullCount > 0 ? nulls : nil, nullCount)
    }

    /// Rows `sel[0..<n]` of a frameOfReference chunk, each decoded straight from the chunk
    /// bytes into `values[row]` and `nulls[row]` (both resized to the block's rows, reusing
    /// their storage; other positions keep what they held, and readers look only at selected
    /// rows). Returns the NULLs among the selected rows, or nil for a delta chunk, whose every
    /// value depends on the rows before it (decode those whole). A filter that passes a few
    /// rows of a block so no longer expands its other integer columns to every row.
    ///
    /// For a page of a paged chunk, `c` holds rows `firstRow ..< firstRow + c.rows` of a block of
    /// `blockRows` rows, and `sel` holds block rows within the page.
    static func decodeIntsSelected(_ c: RawChunk, _ sel: UnsafePointer<Int32>, _ n: Int,
                                   values: inout [UInt64], nulls: inout [UInt8], firstRow: Int = 0, blockRows: Int? = nil) throws -> Int? {
        guard c.encoding == .frameOfReference else {
            if c.encoding == .delta { return nil }
            throw ArchiveError("\(c.context): encoding \(c.encoding) is not an integer encoding")
        }
        guard [0, 1, 2, 4, 8].contains(c.width) else { throw ArchiveError("\(c.context): bad integer width \(c.width)") }
        let rows = c.rows, width = c.width
        let hasValidity = c.flags & ChunkFlags.validity != 0
        let validityLength = hasValidity ? (rows + 7) / 8 : 0
        let expected = validityLength + 8 + rows * width
        guard c.bytes.count == expected else {
            if c.bytes.count < expected { throw ArchiveError("\(c.context): integer chunk of \(c.bytes.count) bytes is shorter than its \(rows) rows need") }
            throw ArchiveError("\(c.context): \(c.bytes.count - expected) unexpected bytes after the values")
        }
        let outRows = blockRows ?? rows
        if values.count > outRows { values.removeLast(values.count - outRows) } else if values.count < outRows {
            values.append(contentsOf: repeatElement(0, count: outRows - values.count))
        }
        if nulls.count > outRows { nulls.removeLast(nulls.count - outRows) } else if nulls.count < outRows {
            nulls.append(contentsOf: repeatElement(0, count: outRows - nulls.count))
        }
        let shuffled = c.flags & ChunkFlags.shuffled != 0 && width > 1
        var nullCount = 0
        c.bytes.withUnsafeBytes { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let base = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: validityLength, as: UInt64.self))
            let planes = p + validityLength + 8
            values.withUnsafeMutableBufferPointer { out in
                nulls.withUnsafeMutableBufferPointer { isNull in
                    for i in 0..<n {
                        let at = Int(sel[i]), r = at &- firstRow
                        if hasValidity && (p[r >> 3] >> UInt8(r & 7)) & 1 == 0 {
                            isNull[at] = 1
                            out[at] = 0
                            nullCount += 1
                            continue
                        }
                        var v: UInt64 = 0
                        for b in 0..<width {
                            let byte = shuffled ? planes[b &* rows &+ r] : planes[r &* width &+ b]
                            v |= UInt64(byte) &<< UInt64(8 &* b)
                        }
                        isNull[at] = 0
                        out[at] = base &+ v
                    }
                }
            }
        }
        return nullCount
    }

    /// The reference column name of an `addressSameAs` chunk.
    static func sameAsReference(_ c: RawChunk) throws -> String {
        var r = ByteReader(c.bytes, context: c.context)
        let n = Int(try r.readInteger(as: UInt16.self))
        return String(decoding: try r.readBytes(n), as: UTF8.self)
    }

    static func decodeAddresses(_ c: RawChunk, sameAs reference: AddressColumn) throws -> AddressColumn {
        var r = ByteReader(c.bytes, context: c.context)
        let n = Int(try r.readInteger(as: UInt16.self))
        try r.skip(n)
        guard reference.count == c.rows else { throw ArchiveError("\(c.context): reference column has \(reference.count) rows, not \(c.rows)") }
        let bits = try r.readBytes((c.rows + 7) / 8)
        let exceptionCount = Int(try r.readInteger(as: UInt32.self))
        let enc: UInt8 = try r.readInteger()
        let width: UInt8 = try r.readInteger()
        let flags: UInt8 = try r.readInteger()
        guard let nestedEncoding = ColumnEncoding(rawValue: enc), nestedEncoding != .addressSameAs, exceptionCount <= c.rows,
              flags & ~ChunkFlags.known == 0 else {
            throw ArchiveError("\(c.context): malformed address exceptions")
        }
        let nested = RawChunk(bytes: Array(c.bytes[r.offset..<c.bytes.count]), rows: exceptionCount, encoding: nestedEncoding,
                              width: Int(width), flags: flags, context: c.context + " exceptions")
        let exceptions = try decodeAddresses(nested)
        // The reference's arrays copied whole, then the flagged rows overwritten: the flags are
        // walked a byte at a time and mostly zero (a row appended at a time was most of reading
        // pkt-srcaddr, and a tenth of SELECT * over a block).
        var high = reference.high, low = reference.low
        var nulls = reference.nulls ?? [], nullCount = reference.nullCount
        var k = 0
        let rows = c.rows, b0 = bits.startIndex
        for byteIndex in 0..<(rows + 7) / 8 {
            var byte = bits[b0 + byteIndex]
            while byte != 0 {
                let i = byteIndex &* 8 &+ byte.trailingZeroBitCount
                byte &= byte &- 1
                if i >= rows { break }  // flags past the last row mean nothing
                guard k < exceptions.count else { throw ArchiveError("\(c.context): fewer exceptions than flagged rows") }
                let wasNull = !nulls.isEmpty && nulls[i] == 1
                if let a = exceptions.value(k) {
                    high[i] = a.high
                    low[i] = a.low
                    if wasNull { nulls[i] = 0; nullCount -= 1 }
                } else {
                    high[i] = 0
                    low[i] = 0
                    if nulls.isEmpty { nulls = [UInt8](repeating: 0, count: rows) }
                    if !wasNull { nulls[i] = 1; nullCount += 1 }
                }
                k += 1
            }
        }
        guard k == exceptions.count else { throw ArchiveError("\(c.context): more exceptions than flagged rows") }
        return AddressColumn(high: high, low: low, nulls: nulls, nullCount: nullCount)
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
        case .addressDictionary:
            guard nulls == nil else { throw ArchiveError("\(c.context): a dictionary chunk must not have a validity bitmap") }
            // Expanded while the chunk's bytes are at hand: the codes need not outlive them.
            return try c.bytes.withUnsafeBytes { raw in
                try decodeAddressCodes(raw, owner: OwnedBytes(count: 0), rows: c.rows, encoding: c.encoding, width: c.width,
                                       flags: c.flags, context: c.context).materialized()
            }
        default:
            throw ArchiveError("\(c.context): encoding \(c.encoding) is not an address encoding")
        }
        if r.remaining != 0 { throw ArchiveError("\(c.context): \(r.remaining) unexpected bytes after the values") }
        return col
    }

    /// The dictionary and per-row codes of an `addressDictionary` chunk, not expanded to rows.
    static func decodeAddressCodes(_ c: RawChunk) throws -> AddressCodes {
        let owned = c.bytes.withUnsafeBytes { OwnedBytes(copying: $0) }
        return try decodeAddressCodes(UnsafeRawBufferPointer(rebasing: owned.bytes[0..<c.bytes.count]), owner: owned, rows: c.rows,
                                      encoding: c.encoding, width: c.width, flags: c.flags, context: c.context)
    }

    /// As `decodeAddressCodes(_:)`, over raw bytes that `owner` keeps alive and unchanged: the
    /// codes stay where they are (see `CodePlanes`), so a chunk stored as literals is read
    /// where the segment's mapping holds it.
    /// `codesChecked`: this chunk's codes were found within its dictionary before (by the same
    /// reader, on the same unchanging bytes), so they are not read to check them again.
    static func decodeAddressCodes(_ bytes: UnsafeRawBufferPointer, owner: AnyObject, rows: Int, encoding: ColumnEncoding, width: Int,
                                   flags: UInt8, context: String, codesChecked: Bool = false) throws -> AddressCodes {
        let c = (rows: rows, encoding: encoding, width: width, flags: flags, context: context)
        guard c.encoding == .addressDictionary else { throw ArchiveError("\(c.context): encoding \(c.encoding) is not addressDictionary") }
        guard [1, 2, 4].contains(c.width) else { throw ArchiveError("\(c.context): bad code width \(c.width)") }
        guard c.flags & ChunkFlags.validity == 0 else { throw ArchiveError("\(c.context): a dictionary chunk must not have a validity bitmap") }
        var r = RawByteReader(bytes, context: c.context)
        let v4Count = Int(try r.readInteger(as: UInt32.self))
        let v6Count = Int(try r.readInteger(as: UInt32.self))
        guard v4Count <= r.remaining / 4, v6Count <= r.remaining / 16 else {
            throw ArchiveError("\(c.context): address dictionary does not fit")
        }
        // The entries read from raw memory in one pass (reading them one integer at a time
        // through the reader retained and released the chunk's storage per read: a fifth of a
        // query that filters an address column in every block). Entry 0 is NULL.
        let entries = try r.readRange(v4Count * 4 + v6Count * 16)
        // The entries stay where they are too: a filter binary-searches them in place, and only
        // grouping or materializing expands them to 128-bit arrays (expanding every block's
        // dictionary was a tenth of a query for one address). Each family must be strictly
        // ascending, as the format requires of a writer; that is checked (in one pass over the
        // bytes) the first time a reader decodes the chunk, with its codes.
        let dictionary = AddressEntries(owner: owner, base: UnsafeRawPointer(bytes.baseAddress!) + entries.lowerBound,
                                        v4Count: v4Count, v6Count: v6Count)
        let ascending = codesChecked || dictionary.isAscending()
        // The codes stay where they are (width 1, 2 or 4; byte planes when shuffled); only their
        // largest is checked here, in one read.
        let rows = c.rows, width = c.width, shuffled = c.flags & ChunkFlags.shuffled != 0
        let range = try r.readRange(rows * width)
        if r.remaining != 0 { throw ArchiveError("\(c.context): \(r.remaining) unexpected bytes after the values") }
        let planes = CodePlanes(owner: owner, base: UnsafeRawPointer(bytes.baseAddress!) + range.lowerBound, rows: rows, width: width,
                                shuffled: shuffled)
        let largest = codesChecked ? 0 : planes.largest()
        if rows > 0 && Int(largest) >= dictionary.count { throw ArchiveError("\(c.context): address code \(largest) outside the dictionary") }
        return AddressCodes(entries: dictionary, planes: planes, ascending: ascending)
    }

    static func decodeStrings(_ c: RawChunk) throws -> StringColumn {
        guard c.encoding == .dictionary else { throw ArchiveError("\(c.context): encoding \(c.encoding) is not a string encoding") }
        guard c.flags & ChunkFlags.validity == 0 else { throw ArchiveError("\(c.context): a dictionary chunk must not have a validity bitmap") }
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
        col.dictionary = ByteDictionary(reservingCapacity: count, bytes: Int(offsets[count]))
        var remap = [UInt32](repeating: 0, count: count + 1)
        for i in 0..<count {
            let s = arena.startIndex + Int(offsets[i]), e = arena.startIndex + Int(offsets[i + 1])
            remap[i + 1] = arena[s..<e].withUnsafeBytes { col.dictionary.intern($0) }
        }
        let rows = c.rows, width = c.width, shuffled = c.flags & ChunkFlags.shuffled != 0
        guard width == 1 || (width == 2 && shuffled) else {
            let codes = try readFixed(&r, rows: rows, width: width, shuffled: shuffled)
            if r.remaining != 0 { throw ArchiveError("\(c.context): \(r.remaining) unexpected bytes after the codes") }
            // Checked once (the largest code), then remapped in a loop without a check or an
            // append per row: a filter on a text column reads this for every block.
            let largest = codes.withUnsafeBufferPointer { cs in cs.reduce(0) { max($0, $1) } }
            guard largest <= UInt64(count) else { throw ArchiveError("\(c.context): code \(largest) outside a dictionary of \(count)") }
            col.codes = remap.withUnsafeBufferPointer { m in
                codes.withUnsafeBufferPointer { cs in
                    [UInt32](unsafeUninitializedCapacity: cs.count) { out, n in
                        for i in 0..<cs.count { out[i] = m[Int(cs[i])] }
                        n = cs.count
                    }
                }
            }
            return col
        }
        // One- and two-byte codes (every text column of a block of at most 65,535 distinct
        // values) go from their bytes to the column's codes in one pass, without a row of
        // 64-bit codes between (a tenth of a filter and group on two text columns); when the
        // stored dictionary's entries are distinct, as writers make them, the remap is the
        // identity and the pass only widens.
        let range = try r.readRange(rows * width)
        if r.remaining != 0 { throw ArchiveError("\(c.context): \(r.remaining) unexpected bytes after the codes") }
        let identity = remap.indices.allSatisfy { remap[$0] == UInt32($0) }
        // The largest code, exactly (a 16-bit max over the planes vectorizes), checked once.
        let largest: Int = c.bytes.withUnsafeBytes { all in
            let p = all.baseAddress!.assumingMemoryBound(to: UInt8.self) + range.lowerBound
            if width == 1 {
                var m: UInt8 = 0
                for i in 0..<rows { m = max(m, p[i]) }
                return Int(m)
            }
            let p1 = p + rows
            var m: UInt16 = 0
            for i in 0..<rows { m = max(m, UInt16(p[i]) | UInt16(p1[i]) &<< 8) }
            return Int(m)
        }
        guard largest <= count else { throw ArchiveError("\(c.context): code \(largest) outside a dictionary of \(count)") }
        col.codes = [UInt32](unsafeUninitializedCapacity: rows) { out, n in
            c.bytes.withUnsafeBytes { all in
                let p = all.baseAddress!.assumingMemoryBound(to: UInt8.self) + range.lowerBound
                remap.withUnsafeBufferPointer { m in
                    switch (width, identity) {
                    case (1, true): for i in 0..<rows { out[i] = UInt32(p[i]) }
                    case (1, false): for i in 0..<rows { out[i] = m[Int(p[i])] }
                    case (_, true): for i in 0..<rows { out[i] = UInt32(p[i]) | UInt32(p[rows &+ i]) &<< 8 }
                    default: for i in 0..<rows { out[i] = m[Int(p[i]) | Int(p[rows &+ i]) &<< 8] }
                    }
                }
            }
            n = rows
        }
        return col
    }
}

/// An address column as its block stores it when dictionary-encoded: the block's distinct
/// addresses (sorted within each family) and a code per row. A filter on addresses decides
/// once per entry, then compares codes, without expanding the column to 16 bytes per row.
/// A block's address dictionary: entry 0 stands for NULL, entries 1...v4Count are the IPv4
/// family (4 bytes each where the chunk keeps them), the rest the IPv6 family (16 bytes each).
/// Read where the chunk keeps them (`owner` keeps the bytes alive); expanded to 128-bit arrays
/// once, on first use of `high`/`low`. Like the block it belongs to, one is used by one worker
/// at a time (the expansion is not locked).
public final class AddressEntries: @unchecked Sendable {
    /// Keeps the bytes `v4` and `v6` point into alive.
    private let owner: AnyObject?
    private let v4: UnsafeRawPointer?
    private let v6: UnsafeRawPointer?
    public let v4Count: Int
    public let v6Count: Int
    /// Entries, NULL's included.
    public var count: Int { v4Count + v6Count + 1 }
    private var expanded: (high: [UInt64], low: [UInt64])?

    init(owner: AnyObject, base: UnsafeRawPointer, v4Count: Int, v6Count: Int) {
        self.owner = owner
        v4 = base
        v6 = base + 4 * v4Count
        self.v4Count = v4Count
        self.v6Count = v6Count
    }

    /// Entries already expanded (`high[0]`, `low[0]` for NULL).
    init(high: [UInt64], low: [UInt64], v4Count: Int) {
        owner = nil; v4 = nil; v6 = nil
        self.v4Count = v4Count
        v6Count = high.count - 1 - v4Count
        expanded = (high, low)
    }

    /// Entry `e` (0 < e < count).
    @inline(__always)
    public func entry(_ e: Int) -> IPAddress {
        if let x = expanded { return IPAddress(high: x.high[e], low: x.low[e]) }
        if e <= v4Count {
            return IPAddress(ipv4: UInt32(littleEndian: v4.unsafelyUnwrapped.loadUnaligned(fromByteOffset: 4 * (e - 1), as: UInt32.self)))
        }
        let at = 16 * (e - 1 - v4Count)
        return IPAddress(high: UInt64(littleEndian: v6.unsafelyUnwrapped.loadUnaligned(fromByteOffset: at, as: UInt64.self)),
                         low: UInt64(littleEndian: v6.unsafelyUnwrapped.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self)))
    }

    /// Whether each family is strictly ascending (in IPADDRESS order: 128-bit unsigned).
    func isAscending() -> Bool {
        guard let v4, let v6 else {
            for e in 2..<max(2, count) where e != v4Count + 1 {
                if !(entry(e - 1) < entry(e)) { return false }
            }
            return true
        }
        // Over the bytes where they lie, each family in one loop that does not stop early
        // (an entry at a time through `entry` was a fifteenth of a cold CIDR count).
        var descending = false
        var i = 1
        while i < v4Count {
            let a = UInt32(littleEndian: v4.loadUnaligned(fromByteOffset: 4 * (i - 1), as: UInt32.self))
            let b = UInt32(littleEndian: v4.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
            descending = descending || a >= b
            i += 1
        }
        i = 1
        while i < v6Count {
            let ah = UInt64(littleEndian: v6.loadUnaligned(fromByteOffset: 16 * (i - 1), as: UInt64.self))
            let al = UInt64(littleEndian: v6.loadUnaligned(fromByteOffset: 16 * (i - 1) + 8, as: UInt64.self))
            let bh = UInt64(littleEndian: v6.loadUnaligned(fromByteOffset: 16 * i, as: UInt64.self))
            let bl = UInt64(littleEndian: v6.loadUnaligned(fromByteOffset: 16 * i + 8, as: UInt64.self))
            descending = descending || ah > bh || (ah == bh && al >= bl)
            i += 1
        }
        return !descending
    }

    /// Every entry as two 64-bit halves, index 0 NULL's (0, 0).
    public var arrays: (high: [UInt64], low: [UInt64]) {
        if let x = expanded { return x }
        var hi = [UInt64](repeating: 0, count: count), lo = [UInt64](repeating: 0, count: count)
        hi.withUnsafeMutableBufferPointer { h in
            lo.withUnsafeMutableBufferPointer { l in
                for e in 1..<max(1, count) {
                    let a = entry(e)
                    h[e] = a.high
                    l[e] = a.low
                }
            }
        }
        expanded = (hi, lo)
        return (hi, lo)
    }
}

public struct AddressCodes: Sendable {
    /// The dictionary, read in place.
    public let entries: AddressEntries
    /// Entry i ≥ 1 of the dictionary; entry 0 stands for NULL (expanded on first use).
    public var high: [UInt64] { entries.arrays.high }
    public var low: [UInt64] { entries.arrays.low }
    /// One per row: 0 for NULL, else an entry (checked when decoded), where the chunk keeps them.
    public let planes: CodePlanes
    /// The codes as 32-bit values (expanded once, on first use).
    public var codes: [UInt32] { planes.codes }
    /// Entries 1...v4Count are the IPv4 family, the rest the IPv6 family.
    public var v4Count: Int { entries.v4Count }
    /// Whether each family's entries are strictly ascending (checked when decoded).
    public let ascending: Bool

    public var entryCount: Int { entries.count }

    public init(high: [UInt64], low: [UInt64], codes: [UInt32], v4Count: Int, ascending: Bool) {
        self.init(high: high, low: low, planes: CodePlanes(expanded: codes), v4Count: v4Count, ascending: ascending)
    }

    public init(high: [UInt64], low: [UInt64], planes: CodePlanes, v4Count: Int, ascending: Bool) {
        self.init(entries: AddressEntries(high: high, low: low, v4Count: v4Count), planes: planes, ascending: ascending)
    }

    init(entries: AddressEntries, planes: CodePlanes, ascending: Bool) {
        self.entries = entries; self.planes = planes; self.ascending = ascending
    }

    /// The codes of the entries in `first...last` (as unsigned 128-bit values), as at most one
    /// run of codes `lo...hi`: an empty run is `lo > hi`. nil when the entries are not known to
    /// be ascending or when both families hold matches (then the caller decides entry by entry).
    public func codeRun(first: IPAddress, last: IPAddress) -> (lo: Int, hi: Int)? {
        guard ascending else { return nil }
        let entries = entries
        @inline(__always) func below(_ e: Int, _ a: IPAddress) -> Bool { entries.entry(e) < a }
        // In `range` (ascending), the first entry not below `a`.
        func lowerBound(_ range: Range<Int>, _ a: IPAddress) -> Int {
            var lo = range.lowerBound, hi = range.upperBound
            while lo < hi {
                let mid = (lo + hi) / 2
                if below(mid, a) { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        func run(_ family: Range<Int>) -> (lo: Int, hi: Int) {
            let lo = lowerBound(family, first)
            // The first entry above `last`: the lower bound of `last`, plus one if equal.
            let ub = lowerBound(lo..<family.upperBound, last)
            let above = ub < family.upperBound && entries.entry(ub) == last ? ub + 1 : ub
            return (lo, above - 1)
        }
        let v4 = run(1..<(v4Count + 1)), v6 = run((v4Count + 1)..<max(v4Count + 1, entryCount))
        let v4Empty = v4.lo > v4.hi, v6Empty = v6.lo > v6.hi
        if v4Empty { return v6 }
        if v6Empty { return v4 }
        return nil
    }

    /// The codes of the entries equal to some of `sorted` (ascending), passed to `found`; false
    /// (nothing passed) when the entries are not known to be ascending. Each family is walked
    /// with a cursor that only moves forward, by galloping from where the last address was
    /// found: a list of hundreds of addresses against a dictionary of tens of thousands reads a
    /// few dozen entries per address (two full binary searches per family and address were a
    /// third of a 500-address query).
    public func forEachCode(of sorted: [IPAddress], _ found: (Int) -> Void) -> Bool {
        guard ascending else { return false }
        let entries = entries
        // The first entry not yet known to be below the current address, per family, and where
        // the family ends.
        var v4 = 1, v6 = v4Count + 1
        let v4End = v4Count + 1, v6End = max(v4Count + 1, entryCount)
        @inline(__always) func seek(_ a: IPAddress, _ cursor: inout Int, _ end: Int) {
            var lo = cursor
            guard lo < end else { return }
            // Gallop to a window [lo, hi) whose end is not below `a`, then binary search it.
            var step = 1, hi = lo
            while hi < end && entries.entry(hi) < a { lo = hi + 1; hi += step; step *= 2 }
            hi = min(hi, end)
            while lo < hi {
                let mid = (lo + hi) / 2
                if entries.entry(mid) < a { lo = mid + 1 } else { hi = mid }
            }
            cursor = lo
            if lo < end && entries.entry(lo) == a { found(lo) }
        }
        for a in sorted {
            seek(a, &v4, v4End)
            seek(a, &v6, v6End)
        }
        return true
    }

    /// The column expanded to one address per row.
    /// `materialized()` at rows `sel[0..<n]` only (ascending): the other rows hold 0 and are
    /// not NULL, and `nullCount` counts the selected rows that are. For a few rows of a block
    /// (a top-n's candidates, the rows a selective WHERE passes) the dictionary is read in
    /// place rather than expanded.
    public func materialized(selected sel: UnsafePointer<Int32>, _ n: Int) -> AddressColumn {
        let codes = codes, rows = codes.count
        var outHigh = [UInt64](repeating: 0, count: rows), outLow = [UInt64](repeating: 0, count: rows)
        var nulls: [UInt8]? = nil
        var nullCount = 0
        for i in 0..<n {
            let r = Int(sel[i])
            let code = Int(codes[r])
            if code == 0 {
                if nulls == nil { nulls = [UInt8](repeating: 0, count: rows) }
                nulls![r] = 1
                nullCount += 1
                continue
            }
            let a = entries.entry(code)
            outHigh[r] = a.high
            outLow[r] = a.low
        }
        return AddressColumn(high: outHigh, low: outLow, nulls: nulls, nullCount: nullCount)
    }

    public func materialized() -> AddressColumn {
        let codes = codes, rows = codes.count
        let (high, low) = entries.arrays
        var outHigh = [UInt64](repeating: 0, count: rows), outLow = [UInt64](repeating: 0, count: rows)
        var nulls: [UInt8]? = nil
        var nullCount = 0
        for i in 0..<rows {
            let code = Int(codes[i])
            if code == 0 {
                if nulls == nil { nulls = [UInt8](repeating: 0, count: rows) }
                nulls![i] = 1
                nullCount += 1
            }
            outHigh[i] = high[code]
            outLow[i] = low[code]
        }
        return AddressColumn(high: outHigh, low: outLow, nulls: nulls, nullCount: nullCount)
    }
}
