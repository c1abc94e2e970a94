/// An IPv4 or IPv6 address as 128 bits. IPv4 is held IPv4-mapped (::ffff:a.b.c.d), the way Trino's
/// IPADDRESS type holds it, so both families order and compare in one space.
public struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public init(ipv4: UInt32) {
        high = 0
        low = 0x0000_FFFF_0000_0000 | UInt64(ipv4)
    }

    public var isIPv4: Bool { high == 0 && (low >> 32) == 0x0000_FFFF }
    public var ipv4: UInt32? { isIPv4 ? UInt32(truncatingIfNeeded: low) : nil }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (including `::` and an embedded IPv4 tail).
    public init?(_ text: String) {
        var t = text
        guard let v = t.withUTF8({ IPAddress.parse(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = v
    }

    @inline(__always)
    public static func parse(_ b: UnsafeRawBufferPointer) -> IPAddress? {
        // IPv4 is the common case: try it first, fall back to IPv6 when a ':' shows up.
        if let v4 = parseIPv4(b, from: 0, to: b.count) { return IPAddress(ipv4: v4) }
        return parseIPv6(b)
    }

    @inline(__always)
    static func parseIPv4(_ b: UnsafeRawBufferPointer, from: Int, to: Int) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        var i = from
        while i < to {
            let c = b[i]
            if c &- 0x30 < 10 {
                // No leading zeros beyond a single "0" (inet_pton rejects them too).
                if digits == 1 && octet == 0 { return nil }
                octet = octet &* 10 &+ UInt32(c &- 0x30)
                digits &+= 1
                if digits > 3 || octet > 255 { return nil }
            } else if c == 0x2E {
                if digits == 0 || dots == 3 { return nil }
                value = value << 8 | octet
                octet = 0
                digits = 0
                dots &+= 1
            } else {
                return nil
            }
            i &+= 1
        }
        if dots != 3 || digits == 0 { return nil }
        return value << 8 | octet
    }

    /// The usual form AWS writes, eight groups of 1 to 4 hex digits and no `::` or IPv4 tail,
    /// in one pass without a group array; nil for anything else (`parseIPv6` then decides).
    @inline(__always)
    static func parseFullIPv6(_ b: UnsafeRawBufferPointer) -> IPAddress? {
        let n = b.count
        if n < 15 || n > 39 { return nil }
        var hi: UInt64 = 0, lo: UInt64 = 0
        var g: UInt64 = 0, len = 0, groups = 0
        for k in 0..<n {
            let c = b[k]
            if c == 0x3A {
                if len == 0 || groups == 7 { return nil }
                if groups < 4 { hi = hi << 16 | g } else { lo = lo << 16 | g }
                groups &+= 1
                g = 0
                len = 0
                continue
            }
            let d: UInt8
            if c &- 0x30 < 10 { d = c &- 0x30 } else if (c | 0x20) &- 0x61 < 6 { d = (c | 0x20) &- 0x61 &+ 10 } else { return nil }
            len &+= 1
            if len > 4 { return nil }
            g = g << 4 | UInt64(d)
        }
        if len == 0 || groups != 7 { return nil }
        return IPAddress(high: hi, low: lo << 16 | g)
    }

    static func parseIPv6(_ b: UnsafeRawBufferPointer) -> IPAddress? {
        if let a = parseFullIPv6(b) { return a }
        let n = b.count
        if n < 2 || n > 45 { return nil }
        // In registers, not an Array: an allocation per IPv6 address was most of its parse.
        var groups = SIMD8<UInt16>()
        var count = 0
        var gap = -1
        var i = 0
        if b[0] == 0x3A {
            guard b[1] == 0x3A else { return nil }
            gap = 0
            i = 2
            if i == n { return IPAddress(high: 0, low: 0) }
        }
        while i < n {
            // An embedded IPv4 tail (e.g. ::ffff:1.2.3.4) fills the last two groups.
            var j = i
            var sawDot = false
            while j < n && b[j] != 0x3A { if b[j] == 0x2E { sawDot = true }; j += 1 }
            if sawDot {
                guard j == n, count <= 6, let v4 = parseIPv4(b, from: i, to: n) else { return nil }
                groups[count] = UInt16(v4 >> 16)
                groups[count + 1] = UInt16(v4 & 0xFFFF)
                count += 2
                i = n
                break
            }
            let len = j - i
            if len == 0 || len > 4 || count == 8 { return nil }
            var g: UInt16 = 0
            for k in i..<j {
                let c = b[k]
                let d: UInt16
                switch c {
                case 0x30...0x39: d = UInt16(c - 0x30)
                case 0x61...0x66: d = UInt16(c - 0x61 + 10)
                case 0x41...0x46: d = UInt16(c - 0x41 + 10)
                default: return nil
                }
                g = g << 4 | d
            }
            groups[count] = g
            count += 1
            i = j
            if i < n {
                // At a ':'.
                i += 1
                if i < n && b[i] == 0x3A {
                    if gap >= 0 { return nil }
                    gap = count
                    i += 1
                } else if i == n {
                    return nil  // trailing single ':'
                }
            }
        }
        if gap >= 0 {
            if count == 8 { return nil }
            let move = count - gap
            let shift = 8 - count
            var k = move - 1
            while k >= 0 {
                groups[gap + k + shift] = groups[gap + k]
                groups[gap + k] = 0
                k -= 1
            }
        } else if count != 8 {
            return nil
        }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for k in 0..<4 { hi = hi << 16 | UInt64(groups[k]) }
        for k in 4..<8 { lo = lo << 16 | UInt64(groups[k]) }
        return IPAddress(high: hi, low: lo)
    }

    /// Writes the dotted-quad text of `v4` (at most 15 bytes); returns its length.
    @inlinable
    public static func writeIPv4(_ v4: UInt32, to buf: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var n = 0
        // Each octet's text from a table (no divisions: query output writes millions of these).
        @inline(__always) func octet(_ o: UInt32, dot: Bool) {
            let e = octetText[Int(o)]
            let len = Int(e >> 24)
            buf[n] = UInt8(truncatingIfNeeded: e)
            if len > 1 { buf[n + 1] = UInt8(truncatingIfNeeded: e >> 8) }
            if len > 2 { buf[n + 2] = UInt8(truncatingIfNeeded: e >> 16) }
            n += len
            if dot { buf[n] = 0x2E; n += 1 }
        }
        octet(v4 >> 24, dot: true)
        octet((v4 >> 16) & 0xFF, dot: true)
        octet((v4 >> 8) & 0xFF, dot: true)
        octet(v4 & 0xFF, dot: false)
        return n
    }

    /// The decimal text of 0 ... 255: up to three ASCII digits (first in the low byte) and the
    /// digit count in the top byte.
    @usableFromInline
    static let octetText: [UInt32] = (0..<256).map { (o: Int) -> UInt32 in
        let digits = Array(String(o).utf8)
        var e = UInt32(digits.count) << 24
        for (i, d) in digits.enumerated() { e |= UInt32(d) << (8 * UInt32(i)) }
        return e
    }

    /// Dotted quad for IPv4; RFC 5952 canonical text for IPv6 (lowercase, longest zero run as `::`).
    public var description: String {
        if let v4 = ipv4 {
            // Built from bytes: string interpolation of four numbers was measurably slow when a
            // query prints hundreds of thousands of addresses.
            return String(unsafeUninitializedCapacity: 15) { IPAddress.writeIPv4(v4, to: $0) }
        }
        return String(unsafeUninitializedCapacity: 39) { writeIPv6(to: $0) }
    }

    /// Writes the RFC 5952 text of this (IPv6) address: lowercase hex groups without leading
    /// zeros, the longest run of two or more zero groups (the first of equal runs) as `::`; at
    /// most 39 bytes. Returns its length.
    public func writeIPv6(to buf: UnsafeMutableBufferPointer<UInt8>) -> Int {
        @inline(__always) func group(_ k: Int) -> UInt16 {
            k < 4 ? UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64(k))) : UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64(k - 4)))
        }
        var bestStart = -1, bestLen = 0, k = 0
        while k < 8 {
            if group(k) == 0 {
                var e = k
                while e < 8 && group(e) == 0 { e += 1 }
                if e - k > bestLen && e - k >= 2 { bestStart = k; bestLen = e - k }
                k = e
            } else { k += 1 }
        }
        let hex: StaticString = "0123456789abcdef"
        var n = 0
        k = 0
        while k < 8 {
            if k == bestStart {
                buf[n] = 0x3A; buf[n + 1] = 0x3A; n += 2
                k += bestLen
                continue
            }
            if n > 0 && buf[n - 1] != 0x3A { buf[n] = 0x3A; n += 1 }
            let g = group(k)
            var shift = 12
            while shift > 0 && (g >> UInt16(shift)) == 0 { shift -= 4 }
            while shift >= 0 {
                buf[n] = hex.utf8Start[Int((g >> UInt16(shift)) & 0xF)]
                n += 1
                shift -= 4
            }
            k += 1
        }
        return n
    }
}
