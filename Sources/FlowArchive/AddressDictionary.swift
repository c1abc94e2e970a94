import FlowLog

/// The distinct addresses of a block's address column, sorted, with a code per row (0 = null,
/// 1... = position in the sorted list + 1). Most flow log blocks have a few thousand distinct
/// addresses in 65 536 rows, so two-byte codes beat four- or sixteen-byte values, and because
/// the dictionary is sorted, an address range (CIDR, LIKE prefix) is a code range.
struct AddressDictionary {
    var entries: [IPAddress]
    var codes: [UInt32]

    init(_ c: AddressColumn) {
        let n = c.count
        var size = 64
        while size < n * 2 { size <<= 1 }
        let mask = size - 1
        var slots = [Int32](repeating: -1, count: size)
        var firstSeen: [IPAddress] = []
        var provisional = [UInt32](repeating: 0, count: n)
        // Raw buffers for the per-row loop (a checked subscript and a uniqueness check per row
        // cost more than the probe); `firstSeen` grows, so it is read through its array.
        let noNulls = [UInt8](repeating: 0, count: c.nulls == nil ? n : 0)
        (c.nulls ?? noNulls).withUnsafeBufferPointer { isNull in
            c.high.withUnsafeBufferPointer { high in
                c.low.withUnsafeBufferPointer { low in
                    slots.withUnsafeMutableBufferPointer { slots in
                        provisional.withUnsafeMutableBufferPointer { provisional in
                            for i in 0..<n where isNull[i] == 0 {
                                let h = high[i], l = low[i]
                                var x = (l ^ (h &* 0x9E37_79B9_7F4A_7C15)) &* 0xff51_afd7_ed55_8ccd
                                x ^= x >> 29
                                var s = Int(truncatingIfNeeded: x) & mask
                                while true {
                                    let e = slots[s]
                                    if e < 0 {
                                        slots[s] = Int32(firstSeen.count)
                                        firstSeen.append(IPAddress(high: h, low: l))
                                        provisional[i] = UInt32(firstSeen.count)
                                        break
                                    }
                                    let a = firstSeen[Int(e)]
                                    if a.low == l && a.high == h { provisional[i] = UInt32(e) + 1; break }
                                    s = (s + 1) & mask
                                }
                            }
                        }
                    }
                }
            }
        }
        // Sort the distinct values and renumber. All-IPv4 (the usual case): sort packed
        // (address << 32 | position) integers, several times faster than a comparator sort.
        // With IPv6 present (a few per cent of flows): IPv4 still sorts packed, the IPv6 values
        // by comparator, and IPv4-mapped addresses fall between the IPv6 values below
        // ::ffff:0:0 and those above it (128-bit order).
        var packed: [UInt64] = []
        packed.reserveCapacity(firstSeen.count)
        var v6: [Int] = []
        for (k, a) in firstSeen.enumerated() {
            if a.isIPv4 { packed.append((UInt64(truncatingIfNeeded: a.low) << 32) | UInt64(k)) } else { v6.append(k) }
        }
        Self.sortByHighHalf(&packed)
        var order: [Int] = []
        order.reserveCapacity(firstSeen.count)
        if v6.isEmpty {
            for x in packed { order.append(Int(x & 0xFFFF_FFFF)) }
        } else {
            v6.sort { firstSeen[$0] < firstSeen[$1] }
            let mappedBase = IPAddress(high: 0, low: 0x0000_FFFF_0000_0000)
            let below = v6.firstIndex { !(firstSeen[$0] < mappedBase) } ?? v6.count
            order.append(contentsOf: v6[..<below])
            for x in packed { order.append(Int(x & 0xFFFF_FFFF)) }
            order.append(contentsOf: v6[below...])
        }
        var rank = [UInt32](repeating: 0, count: firstSeen.count + 1)
        for (r, idx) in order.enumerated() { rank[idx + 1] = UInt32(r + 1) }
        entries = order.map { firstSeen[$0] }
        codes = provisional.map { rank[Int($0)] }
    }

    /// Sorts `values` by their high 32 bits (distinct here: one IPv4 address each), four
    /// byte-wide passes of a least-significant-digit radix sort. Replaced `sort()`, a merge sort
    /// of a block's thousands of addresses per column (1.5% of ingest).
    static func sortByHighHalf(_ values: inout [UInt64]) {
        let n = values.count
        guard n > 1 else { return }
        var other = [UInt64](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 256)
        values.withUnsafeMutableBufferPointer { a in
            other.withUnsafeMutableBufferPointer { b in
                counts.withUnsafeMutableBufferPointer { c in
                    var src = a, dst = b
                    for pass in 0..<4 {
                        let shift = UInt64(32 + 8 * pass)
                        c.update(repeating: 0)
                        for i in 0..<n { c[Int((src[i] &>> shift) & 0xFF)] &+= 1 }
                        var sum = 0
                        for d in 0..<256 { let k = c[d]; c[d] = sum; sum &+= k }
                        for i in 0..<n {
                            let v = src[i], d = Int((v &>> shift) & 0xFF)
                            dst[c[d]] = v
                            c[d] &+= 1
                        }
                        swap(&src, &dst)
                    }
                    // Four passes: the result is back in `values`.
                }
            }
        }
    }

    /// The sorted distinct addresses of `c` (what the index needs), for a column that mostly
    /// repeats `reference`, whose dictionary is `rd`: the reference entries its equal rows use,
    /// merged with the few values of the rows that differ. Equal to
    /// `AddressDictionary(c).entries`, without hashing and sorting every row again.
    static func entries(of c: AddressColumn, sameAs reference: AddressColumn, referenceDictionary rd: AddressDictionary) -> [IPAddress] {
        let n = c.count
        var used = [Bool](repeating: false, count: rd.entries.count + 1)
        var extra: [IPAddress] = []
        c.high.withUnsafeBufferPointer { ch in
            c.low.withUnsafeBufferPointer { cl in
                reference.high.withUnsafeBufferPointer { rh in
                    reference.low.withUnsafeBufferPointer { rl in
                        rd.codes.withUnsafeBufferPointer { codes in
                            used.withUnsafeMutableBufferPointer { u in
                                for i in 0..<n {
                                    if c.isNull(i) { continue }
                                    if ch[i] == rh[i] && cl[i] == rl[i] && !reference.isNull(i) {
                                        u[Int(codes[i])] = true
                                    } else {
                                        extra.append(IPAddress(high: ch[i], low: cl[i]))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        extra.sort()
        var out: [IPAddress] = []
        out.reserveCapacity(rd.entries.count + extra.count)
        var j = 0
        for (k, a) in rd.entries.enumerated() where used[k + 1] {
            while j < extra.count && extra[j] < a {
                if out.last != extra[j] { out.append(extra[j]) }
                j += 1
            }
            if out.last != a { out.append(a) }
        }
        while j < extra.count {
            if out.last != extra[j] { out.append(extra[j]) }
            j += 1
        }
        return out
    }
}
