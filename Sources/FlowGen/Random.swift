import FlowSupport

// Deterministic randomness for the generator. Everything here is integer arithmetic, so the same
// seed gives the same stream on every machine (no libm, no platform RNG).


/// xoshiro256** (Blackman, Vigna 2018). Each independent part of the output (the fleet, every file)
/// has its own stream, derived from the seed and a stream number, so files can be written in any
/// order and on any number of threads with byte-identical results.
struct Xoshiro256 {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    init(seed: UInt64, stream: UInt64) {
        var sm = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// A value in `0..<n` (Lemire's multiply-high reduction; the bias is below 2^-40 for our n).
    @inline(__always)
    mutating func below(_ n: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// A value in `lo...hi`.
    @inline(__always)
    mutating func between(_ lo: Int, _ hi: Int) -> Int { lo + below(hi - lo + 1) }

    /// True with probability `numerator / denominator`.
    @inline(__always)
    mutating func chance(_ numerator: Int, in denominator: Int) -> Bool { below(denominator) < numerator }

    @inline(__always)
    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }

    /// A heavy-tailed count ≥ 1: a power-of-two level with P(level = k) = 2^-(k+1) (capped),
    /// then uniform within [2^level, 2^(level+1)). The tail is Pareto-like with index 1.
    @inline(__always)
    mutating func heavyTail(minLevel: Int, maxLevel: Int) -> Int {
        let level = min(minLevel + next().trailingZeroBitCount, maxLevel)
        return (1 << level) + below(1 << level)
    }

    mutating func hex(_ digits: Int) -> String {
        let alphabet: [Character] = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(digits)
        var bits = next()
        var left = 16
        for _ in 0..<digits {
            if left == 0 { bits = next(); left = 16 }
            s.append(alphabet[Int(bits & 15)])
            bits >>= 4
            left -= 1
        }
        return s
    }
}

/// A Zipf(s = 1) distribution over `0..<count`: rank k has weight 1/(k+1). Integer weights and a
/// cumulative table with binary search keep it exact and portable.
struct ZipfTable: Sendable {
    private let cumulative: [UInt64]
    private let total: UInt64

    init(count: Int) {
        precondition(count > 0)
        var c: [UInt64] = []
        c.reserveCapacity(count)
        var sum: UInt64 = 0
        for k in 0..<count {
            sum += (UInt64(1) << 40) / UInt64(k + 1)
            c.append(sum)
        }
        cumulative = c
        total = sum
    }

    var count: Int { cumulative.count }

    @inline(__always)
    func sample(_ rng: inout Xoshiro256) -> Int {
        let u = rng.next().multipliedFullWidth(by: total).high
        var lo = 0
        var hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) >> 1
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
