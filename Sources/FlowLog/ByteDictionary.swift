/// Interns byte strings: each distinct value gets a code 1, 2, 3, ... in order of first sight
/// (code 0 is reserved for null). Values live in one arena; the hash table is open addressing.
/// Used per parse chunk (so hashing happens on the parallel workers) and per archive block.
public struct ByteDictionary: Sendable {
    /// Concatenated values.
    public private(set) var arena: [UInt8] = []
    /// `offsets[i]..<offsets[i+1]` is value with code i+1; starts as [0].
    public private(set) var offsets: [UInt32] = [0]
    private var table: [UInt32] = []  // slot -> code (0 = empty)
    private var hashes: [UInt32] = [0] // code -> hash (index 0 unused)
    private var mask = 0

    public init() {}

    /// A dictionary over existing values (`offsets` starts with 0); codes are positions + 1.
    public init(arena: [UInt8], offsets: [UInt32]) {
        self.arena = arena
        self.offsets = offsets
        hashes = [0]
        hashes.reserveCapacity(offsets.count)
        for code in 1..<offsets.count {
            let h = arena.withUnsafeBytes { a in
                Self.hash(UnsafeRawBufferPointer(rebasing: a[Int(offsets[code - 1])..<Int(offsets[code])]))
            }
            hashes.append(h)
        }
        if offsets.count > 1 { grow() }
    }

    /// An empty dictionary with room for `entries` values of `bytes` bytes in all, so that
    /// interning that many grows nothing (a block's dictionary, decoded: its hash table had
    /// been rebuilt five times on the way to 600 interface ids).
    public init(reservingCapacity entries: Int, bytes: Int) {
        arena.reserveCapacity(bytes)
        offsets.reserveCapacity(entries + 1)
        hashes.reserveCapacity(entries + 1)
        var size = 64
        while size < (entries + 1) * 2 { size *= 2 }
        table = [UInt32](repeating: 0, count: size)
        mask = size - 1
    }

    public var count: Int { offsets.count - 1 }

    public func value(_ code: UInt32) -> ArraySlice<UInt8> {
        arena[Int(offsets[Int(code) - 1])..<Int(offsets[Int(code)])]
    }

    public func string(_ code: UInt32) -> String {
        String(decoding: value(code), as: UTF8.self)
    }

    /// A hash of every byte, eight at a time (the last word overlapping the one before), then
    /// a multiply-xorshift so short ids spread well. (FNV-1a, a multiply per byte each waiting
    /// for the last, made interning a block's dictionary of interface ids 7% of a query that
    /// groups by them.)
    @inline(__always)
    static func hash(_ p: UnsafeRawBufferPointer) -> UInt32 {
        let n = p.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        if let base = p.baseAddress, n > 0 {
            if n >= 8 {
                var i = 0
                while i &+ 8 < n {
                    h = (h ^ base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xff51_afd7_ed55_8ccd
                    h ^= h >> 32
                    i &+= 8
                }
                h ^= base.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            } else if n >= 4 {
                h ^= UInt64(base.loadUnaligned(as: UInt32.self)) | UInt64(base.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)) << 32
            } else {
                var t: UInt64 = 0
                for i in 0..<n { t = t << 8 | UInt64(base.load(fromByteOffset: i, as: UInt8.self)) }
                h ^= t
            }
            h = h &* 0xc4ce_b9fe_1a85_ec53
        }
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        return UInt32(truncatingIfNeeded: h ^ (h >> 32))
    }

    private mutating func grow() {
        var newSize = max(64, table.count * 2)
        while newSize < (count + 1) * 2 { newSize *= 2 }
        table = [UInt32](repeating: 0, count: newSize)
        mask = newSize - 1
        for code in 1..<offsets.count {
            var slot = Int(hashes[code]) & mask
            while table[slot] != 0 { slot = (slot + 1) & mask }
            table[slot] = UInt32(code)
        }
    }

    /// Returns the code of `value`, adding it if new.
    @inline(__always)
    public mutating func intern(_ value: UnsafeRawBufferPointer) -> UInt32 {
        if (count + 1) * 2 > table.count { grow() }
        let h = Self.hash(value)
        var slot = Int(h) & mask
        while true {
            let code = table[slot]
            if code == 0 { break }
            if hashes[Int(code)] == h {
                let s = Int(offsets[Int(code) - 1]), e = Int(offsets[Int(code)])
                if e - s == value.count {
                    let equal = arena.withUnsafeBytes { a in
                        value.count == 0 || memcmpBytes(a.baseAddress! + s, value.baseAddress!, value.count)
                    }
                    if equal { return code }
                }
            }
            slot = (slot + 1) & mask
        }
        arena.append(contentsOf: value)
        offsets.append(UInt32(arena.count))
        hashes.append(h)
        let code = UInt32(offsets.count - 1)
        table[slot] = code
        return code
    }

    public mutating func intern(_ value: [UInt8]) -> UInt32 {
        value.withUnsafeBytes { intern($0) }
    }

    public mutating func intern(_ value: String) -> UInt32 {
        intern(Array(value.utf8))
    }
}

@inline(__always)
func memcmpBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
    // Whole words, then one last word that overlaps the previous (ids are 8 to 30 bytes: no byte
    // loop); the loads stay within the `n` bytes.
    if n >= 8 {
        var i = 0
        while i &+ 8 < n {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i &+= 8
        }
        return a.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
    }
    if n >= 4 {
        return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
            && a.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self) == b.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
    }
    var i = 0
    while i < n {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i &+= 1
    }
    return true
}
