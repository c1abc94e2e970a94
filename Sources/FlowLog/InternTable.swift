/// The key of a token for `InternTable`: its length and up to 24 of its bytes in three words.
/// Ids (eni-..., vpc-..., subnet-..., i-...) are 19 to 24 bytes, so for nearly every token the
/// key *is* the value: a lookup compares three words held in the slot, without touching the
/// arena. Built from loads inside the token only (no slack needed before or after it).
struct InternKey: Equatable {
    var w0: UInt64
    var w1: UInt64
    var w2: UInt64
    var count: Int

    /// Matches no token.
    static let none = InternKey(w0: 0, w1: 0, w2: 0, count: -1)

    init(w0: UInt64, w1: UInt64, w2: UInt64, count: Int) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.count = count
    }

    /// Tokens up to this long are compared by key alone.
    static let inlineLimit = 24

    @inline(__always)
    init(_ p: UnsafeRawPointer, _ n: Int) {
        count = n
        // Overlapping loads cover every byte; with the length known, the words determine the
        // token (each byte sits at a fixed place in them), so equal keys mean equal tokens.
        if n >= 8 {
            w0 = p.loadUnaligned(as: UInt64.self)
            if n <= 16 {
                w1 = p.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
                w2 = 0
            } else {
                w1 = p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                w2 = p.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            }
        } else if n >= 4 {
            w0 = UInt64(p.loadUnaligned(as: UInt32.self)) | UInt64(p.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)) << 32
            w1 = 0; w2 = 0
        } else {
            var t: UInt64 = 0
            var i = 0
            while i < n {
                t = t << 8 | UInt64(p.load(fromByteOffset: i, as: UInt8.self))
                i &+= 1
            }
            w0 = t; w1 = 0; w2 = 0
        }
    }

    /// The table hash of an inline key (three independent multiplies, so they overlap).
    @inline(__always)
    var inlineHash: UInt32 {
        var h = (w0 &* 0x9E37_79B9_7F4A_7C15) ^ (w1 &* 0xC2B2_AE3D_27D4_EB4F) ^ ((w2 ^ UInt64(truncatingIfNeeded: count)) &* 0x1656_67B1_9E37_79F9)
        h ^= h >> 29
        return UInt32(truncatingIfNeeded: h >> 16)
    }
}

/// The parser's string interning table: the same job as `ByteDictionary`, on raw memory so the
/// per-field hot path pays no array uniqueness or exclusivity checks. Values get codes 1, 2, ...
/// in order of first sight. One table per text column per parse chunk; it becomes a
/// `ByteDictionary` when the chunk is handed on.
///
/// The hash table holds only 4-byte codes (0 = empty); each code's key sits in a dense array
/// beside it. A chunk's ids number in the hundreds, so both stay in L1 (a table of 32-byte slots
/// did not, and the slot load dominated the lookup). A token of up to 24 bytes is found by a
/// slot read and a key compare; a longer one (ECS ARNs) also compares its bytes in the arena,
/// where every value is kept for `makeDictionary`.
final class InternTable {
    private struct State {
        var arena: UnsafeMutablePointer<UInt8>
        var arenaCapacity: Int
        var arenaCount: Int
        var offsets: UnsafeMutablePointer<UInt32>   // offsets[c - 1] ..< offsets[c] is code c
        var hashes: UnsafeMutablePointer<UInt32>    // hashes[c] for code c
        var keys: UnsafeMutablePointer<InternKey>   // keys[c] for code c
        var codeCapacity: Int
        var count: Int
        var table: UnsafeMutablePointer<UInt32>     // slot -> code, 0 = empty
        var mask: Int
    }

    private let state: UnsafeMutablePointer<State>

    init() {
        state = .allocate(capacity: 1)
        let codeCap = 64
        let offsets = UnsafeMutablePointer<UInt32>.allocate(capacity: codeCap + 1)
        offsets[0] = 0
        let table = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
        table.initialize(repeating: 0, count: 128)
        state.initialize(to: State(arena: .allocate(capacity: 1024), arenaCapacity: 1024, arenaCount: 0, offsets: offsets,
                                   hashes: .allocate(capacity: codeCap + 1), keys: .allocate(capacity: codeCap + 1),
                                   codeCapacity: codeCap, count: 0, table: table, mask: 127))
    }

    deinit {
        state.pointee.arena.deallocate()
        state.pointee.offsets.deallocate()
        state.pointee.hashes.deallocate()
        state.pointee.keys.deallocate()
        state.pointee.table.deallocate()
        state.deallocate()
    }

    var count: Int { state.pointee.count }

    /// Forgets every value (keeps the memory).
    func reset() {
        let s = state
        s.pointee.table.update(repeating: 0, count: s.pointee.mask + 1)
        s.pointee.count = 0
        s.pointee.arenaCount = 0
    }

    /// A hash of every byte, for tokens longer than the inline limit; 8 bytes at a time, the
    /// last word overlapping the one before rather than being assembled byte by byte.
    @inline(__always)
    static func longHash(_ p: UnsafeRawPointer, _ n: Int) -> UInt32 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var i = 0
        while i &+ 8 < n {
            h = (h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xff51_afd7_ed55_8ccd
            h ^= h >> 32
            i &+= 8
        }
        h = (h ^ p.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)) &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 29
        return UInt32(truncatingIfNeeded: h)
    }

    @inline(__always)
    static func hash(_ key: InternKey, _ p: UnsafeRawPointer) -> UInt32 {
        key.count <= InternKey.inlineLimit ? key.inlineHash : longHash(p, key.count)
    }

    /// The key of `code`, which must be in `1...count`.
    @inline(__always)
    func key(of code: UInt32) -> InternKey {
        state.pointee.keys[Int(code)]
    }

    /// The code of the `n` bytes at `p`, adding them if new.
    @inline(__always)
    func intern(_ p: UnsafeRawPointer, _ n: Int) -> UInt32 {
        let key = InternKey(p, n)
        let code = lookup(key, p)
        return code != 0 ? code : add(key, p)
    }

    /// The code of the token at `p` whose key is `key`, or 0 when it is not in the table.
    @inline(__always)
    func lookup(_ key: InternKey, _ p: UnsafeRawPointer) -> UInt32 {
        let s = state
        let h = Self.hash(key, p)
        let mask = s.pointee.mask
        let table = s.pointee.table
        let keys = s.pointee.keys
        var slot = Int(h) & mask
        while true {
            let code = table[slot]
            if code == 0 { return 0 }
            if keys[Int(code)] == key {
                if key.count <= InternKey.inlineLimit { return code }
                let start = Int(s.pointee.offsets[Int(code) &- 1])
                if memcmpBytes(s.pointee.arena + start, p, key.count) { return code }
            }
            slot = (slot &+ 1) & mask
        }
    }

    /// Adds the token at `p` (not in the table: `lookup` said 0) and returns its new code. Kept
    /// out of line so that the lookup inlines into the parser's loop.
    @inline(never)
    func add(_ key: InternKey, _ p: UnsafeRawPointer) -> UInt32 {
        let s = state
        let h = Self.hash(key, p)
        var slot = Int(h) & s.pointee.mask
        while s.pointee.table[slot] != 0 { slot = (slot &+ 1) & s.pointee.mask }
        return insert(key, p, h, slot)
    }

    private func insert(_ key: InternKey, _ p: UnsafeRawPointer, _ h: UInt32, _ slot: Int) -> UInt32 {
        let s = state
        let n = key.count
        if s.pointee.arenaCount + n > s.pointee.arenaCapacity {
            let cap = max(s.pointee.arenaCapacity * 2, s.pointee.arenaCount + n)
            let a = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
            a.update(from: s.pointee.arena, count: s.pointee.arenaCount)
            s.pointee.arena.deallocate()
            s.pointee.arena = a
            s.pointee.arenaCapacity = cap
        }
        if s.pointee.count + 1 > s.pointee.codeCapacity {
            let cap = s.pointee.codeCapacity * 2
            let o = UnsafeMutablePointer<UInt32>.allocate(capacity: cap + 1)
            o.update(from: s.pointee.offsets, count: s.pointee.count + 1)
            s.pointee.offsets.deallocate()
            s.pointee.offsets = o
            let hs = UnsafeMutablePointer<UInt32>.allocate(capacity: cap + 1)
            hs.update(from: s.pointee.hashes, count: s.pointee.count + 1)
            s.pointee.hashes.deallocate()
            s.pointee.hashes = hs
            let ks = UnsafeMutablePointer<InternKey>.allocate(capacity: cap + 1)
            ks.update(from: s.pointee.keys, count: s.pointee.count + 1)
            s.pointee.keys.deallocate()
            s.pointee.keys = ks
            s.pointee.codeCapacity = cap
        }
        (s.pointee.arena + s.pointee.arenaCount).update(from: p.assumingMemoryBound(to: UInt8.self), count: n)
        s.pointee.arenaCount += n
        s.pointee.count += 1
        let code = UInt32(s.pointee.count)
        s.pointee.offsets[Int(code)] = UInt32(s.pointee.arenaCount)
        s.pointee.hashes[Int(code)] = h
        s.pointee.keys[Int(code)] = key
        s.pointee.table[slot] = code
        if s.pointee.count * 2 > s.pointee.mask + 1 { rehash() }
        return code
    }

    /// Doubles the table; codes are placed again in code order, which keeps the property
    /// `truncate` relies on.
    private func rehash() {
        let s = state
        let size = (s.pointee.mask + 1) * 2
        s.pointee.table.deallocate()
        let t = UnsafeMutablePointer<UInt32>.allocate(capacity: size)
        t.initialize(repeating: 0, count: size)
        let mask = size - 1
        for code in 1...max(1, s.pointee.count) where s.pointee.count > 0 {
            var slot = Int(s.pointee.hashes[code]) & mask
            while t[slot] != 0 { slot = (slot + 1) & mask }
            t[slot] = UInt32(code)
        }
        s.pointee.table = t
        s.pointee.mask = mask
    }

    /// Forgets the values with codes above `count` (those of a rejected line). Only the newest
    /// entries are removed, and the probe chain of an older entry never passes through a newer
    /// entry's slot, so clearing those slots restores the table exactly.
    func truncate(to count: Int) {
        let s = state
        while s.pointee.count > count {
            let code = UInt32(s.pointee.count)
            var slot = Int(s.pointee.hashes[Int(code)]) & s.pointee.mask
            while s.pointee.table[slot] != code { slot = (slot &+ 1) & s.pointee.mask }
            s.pointee.table[slot] = 0
            s.pointee.arenaCount = Int(s.pointee.offsets[Int(code) - 1])
            s.pointee.count -= 1
        }
    }

    /// The bytes of `code`, which must be in `1...count` (valid until the table changes).
    @inline(__always)
    func bytes(of code: UInt32) -> UnsafeRawBufferPointer {
        let s = state.pointee
        let start = Int(s.offsets[Int(code) &- 1])
        return UnsafeRawBufferPointer(start: s.arena + start, count: Int(s.offsets[Int(code)]) &- start)
    }

    /// The values as a `ByteDictionary` (same codes).
    func makeDictionary() -> ByteDictionary {
        let s = state.pointee
        return ByteDictionary(arena: Array(UnsafeBufferPointer(start: s.arena, count: s.arenaCount)),
                              offsets: Array(UnsafeBufferPointer(start: s.offsets, count: s.count + 1)))
    }
}
