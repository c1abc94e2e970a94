/// The parser's string interning table: the same job as `ByteDictionary`, on raw memory so the
/// per-field hot path pays no array uniqueness or exclusivity checks. Values get codes 1, 2, ...
/// in order of first sight. One table per text column per parse chunk; it becomes a
/// `ByteDictionary` when the chunk is handed on.
final class InternTable {
    private struct State {
        var arena: UnsafeMutablePointer<UInt8>
        var arenaCapacity: Int
        var arenaCount: Int
        var offsets: UnsafeMutablePointer<UInt32>   // offsets[c - 1] ..< offsets[c] is code c
        var hashes: UnsafeMutablePointer<UInt32>    // hashes[c] for code c
        var codeCapacity: Int
        var count: Int
        // slot -> hash << 32 | code, 0 = empty: the hash sits next to the code, so a probe
        // reads one word before it compares bytes.
        var table: UnsafeMutablePointer<UInt64>
        var mask: Int
    }

    private let state: UnsafeMutablePointer<State>

    init() {
        state = .allocate(capacity: 1)
        let codeCap = 64
        let offsets = UnsafeMutablePointer<UInt32>.allocate(capacity: codeCap + 1)
        offsets[0] = 0
        let table = UnsafeMutablePointer<UInt64>.allocate(capacity: 128)
        table.initialize(repeating: 0, count: 128)
        state.initialize(to: State(arena: .allocate(capacity: 1024), arenaCapacity: 1024, arenaCount: 0, offsets: offsets,
                                   hashes: .allocate(capacity: codeCap + 1), codeCapacity: codeCap, count: 0,
                                   table: table, mask: 127))
    }

    deinit {
        state.pointee.arena.deallocate()
        state.pointee.offsets.deallocate()
        state.pointee.hashes.deallocate()
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

    /// A hash over 8 bytes at a time (the tokens are ids of 8 to 30 bytes); the last word
    /// overlaps the one before rather than being assembled byte by byte. The hash only places
    /// values in this table: it is never stored.
    @inline(__always)
    static func hash(_ p: UnsafeRawPointer, _ n: Int) -> UInt32 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var tail: UInt64
        if n >= 8 {
            var i = 0
            while i &+ 8 < n {
                h = (h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xff51_afd7_ed55_8ccd
                h ^= h >> 32
                i &+= 8
            }
            tail = p.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
        } else if n >= 4 {
            tail = UInt64(p.loadUnaligned(as: UInt32.self)) | UInt64(p.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)) << 32
        } else {
            tail = 0
            var i = 0
            while i < n {
                tail = tail << 8 | UInt64(p.load(fromByteOffset: i, as: UInt8.self))
                i &+= 1
            }
        }
        h = (h ^ tail) &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 29
        return UInt32(truncatingIfNeeded: h)
    }

    @inline(__always)
    func intern(_ p: UnsafeRawPointer, _ n: Int) -> UInt32 {
        let s = state
        let h = Self.hash(p, n)
        var slot = Int(h) & s.pointee.mask
        let table = s.pointee.table
        while true {
            let entry = table[slot]
            if entry == 0 { break }
            if UInt32(truncatingIfNeeded: entry >> 32) == h {
                let code = UInt32(truncatingIfNeeded: entry)
                let start = Int(s.pointee.offsets[Int(code) - 1])
                if Int(s.pointee.offsets[Int(code)]) - start == n && memcmpBytes(s.pointee.arena + start, p, n) {
                    return code
                }
            }
            slot = (slot &+ 1) & s.pointee.mask
        }
        return insert(p, n, h, slot)
    }

    private func insert(_ p: UnsafeRawPointer, _ n: Int, _ h: UInt32, _ slot: Int) -> UInt32 {
        let s = state
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
            s.pointee.codeCapacity = cap
        }
        (s.pointee.arena + s.pointee.arenaCount).update(from: p.assumingMemoryBound(to: UInt8.self), count: n)
        s.pointee.arenaCount += n
        s.pointee.count += 1
        let code = UInt32(s.pointee.count)
        s.pointee.offsets[Int(code)] = UInt32(s.pointee.arenaCount)
        s.pointee.hashes[Int(code)] = h
        s.pointee.table[slot] = UInt64(h) << 32 | UInt64(code)
        if s.pointee.count * 2 > s.pointee.mask + 1 { rehash() }
        return code
    }

    private func rehash() {
        let s = state
        let size = (s.pointee.mask + 1) * 2
        s.pointee.table.deallocate()
        let t = UnsafeMutablePointer<UInt64>.allocate(capacity: size)
        t.initialize(repeating: 0, count: size)
        let mask = size - 1
        for code in 1...max(1, s.pointee.count) where s.pointee.count > 0 {
            var slot = Int(s.pointee.hashes[code]) & mask
            while t[slot] != 0 { slot = (slot + 1) & mask }
            t[slot] = UInt64(s.pointee.hashes[code]) << 32 | UInt64(code)
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
            while UInt32(truncatingIfNeeded: s.pointee.table[slot]) != code { slot = (slot &+ 1) & s.pointee.mask }
            s.pointee.table[slot] = 0
            s.pointee.arenaCount = Int(s.pointee.offsets[Int(code) - 1])
            s.pointee.count -= 1
        }
    }

    /// The values as a `ByteDictionary` (same codes).
    func makeDictionary() -> ByteDictionary {
        let s = state.pointee
        return ByteDictionary(arena: Array(UnsafeBufferPointer(start: s.arena, count: s.arenaCount)),
                              offsets: Array(UnsafeBufferPointer(start: s.offsets, count: s.count + 1)))
    }
}
