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
        for i in 0..<n where !c.isNull(i) {
            let h = c.high[i], l = c.low[i]
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
        // Sort the distinct values and renumber. All-IPv4 (the usual case): sort packed
        // (address << 32 | position) integers, several times faster than a comparator sort.
        let order: [Int]
        if firstSeen.allSatisfy({ $0.isIPv4 }) {
            var packed = firstSeen.enumerated().map { (UInt64(truncatingIfNeeded: $0.element.low) << 32) | UInt64($0.offset) }
            packed.sort()
            order = packed.map { Int($0 & 0xFFFF_FFFF) }
        } else {
            order = firstSeen.indices.sorted { firstSeen[$0] < firstSeen[$1] }
        }
        var rank = [UInt32](repeating: 0, count: firstSeen.count + 1)
        for (r, idx) in order.enumerated() { rank[idx + 1] = UInt32(r + 1) }
        entries = order.map { firstSeen[$0] }
        codes = provisional.map { rank[Int($0)] }
    }
}
