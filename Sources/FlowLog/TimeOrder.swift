/// Ordering an archive block's rows by start time.
///
/// AWS writes a flow log file's records in no particular time order: every record of a capture
/// window lands in the file, interleaved by interface, so a block of 65,536 records spans its
/// files' windows (ten to twenty minutes) in every stretch of rows. A page of 8,192 rows then has
/// nearly the block's whole time range as its min/max, and a query for a time window decodes every
/// page of the blocks at the window's edges. Ordering the block's rows by `start` (stably, so
/// records of equal start keep their input order) gives each page a slice of the block's time
/// range: the edge blocks decode one or two pages, the pages inside the window are counted or
/// skipped by their min/max. The order of rows within a block means nothing to SQL, and the
/// round-trip tests check it (the order is deterministic: stable on the input order). The
/// ingester applies the permutation as it assembles a block (`BlockPieces.assemble`).
public enum TimeOrder {
    /// The permutation (new row -> old row) that orders `start` ascending, stable, with null
    /// rows last; nil when the rows are already in that order.
    public static func permutation(_ start: IntColumn) -> [Int32]? {
        let n = start.count
        guard n > 1, n <= Int(Int32.max) else { return nil }
        return start.values.withUnsafeBufferPointer { v -> [Int32]? in
            let nulls = start.nulls
            var lo = UInt64.max, hi: UInt64 = 0
            var ordered = true, sawNull = false
            var previous: UInt64 = 0
            for r in 0..<n {
                if let nulls, nulls[r] != 0 { sawNull = true; continue }
                let x = v[r]
                if sawNull || x < previous { ordered = false }
                previous = x
                lo = min(lo, x)
                hi = max(hi, x)
            }
            // (Starts spanning all 64 bits leave no key for the nulls: such rows are left as they are.)
            if ordered || (sawNull && hi &- lo == UInt64.max) { return nil }
            // Keys are offsets from the smallest start; a null row's key is one past the largest.
            let nullKey = hi &- lo &+ 1
            var keys = [UInt64](repeating: 0, count: n)
            keys.withUnsafeMutableBufferPointer { k in
                for r in 0..<n { k[r] = v[r] &- lo }
                if let nulls { for r in 0..<n where nulls[r] != 0 { k[r] = nullKey } }
            }
            return radixSortedPositions(keys, maxKey: sawNull ? nullKey : hi &- lo)
        }
    }

    /// Positions 0..<keys.count ordered by key, stable: least significant digit first, one pass
    /// for keys below 65,536 (a block's start times span minutes), 16 bits a pass above.
    static func radixSortedPositions(_ keys: [UInt64], maxKey: UInt64) -> [Int32] {
        let n = keys.count
        let bits = max(1, UInt64.bitWidth - maxKey.leadingZeroBitCount)
        let onePass = maxKey < 1 << 16
        let passes = onePass ? 1 : (bits + 15) / 16
        let buckets = onePass ? Int(maxKey) + 1 : 1 << 16
        var order = [Int32](unsafeUninitializedCapacity: n) { b, c in
            for i in 0..<n { b[i] = Int32(truncatingIfNeeded: i) }
            c = n
        }
        var next = [Int32](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: buckets + 1)
        keys.withUnsafeBufferPointer { k in
            for pass in 0..<passes {
                let shift = UInt64(pass * 16)
                let mask: UInt64 = onePass ? UInt64.max : 0xFFFF
                counts.withUnsafeMutableBufferPointer { c in
                    for i in 0...buckets { c[i] = 0 }
                    for i in 0..<n { c[Int((k[i] >> shift) & mask) &+ 1] &+= 1 }
                    for d in 0..<buckets { c[d + 1] &+= c[d] }
                    order.withUnsafeBufferPointer { from in
                        next.withUnsafeMutableBufferPointer { to in
                            for i in 0..<n {
                                let p = from[i]
                                let d = Int((k[Int(p)] >> shift) & mask)
                                to[c[d]] = p
                                c[d] &+= 1
                            }
                        }
                    }
                }
                swap(&order, &next)
            }
        }
        return order
    }
}
