// Byte-level building blocks of the writer: precomputed text in one arena, and an output buffer
// that lines are appended to directly (digits, dotted quads, arena copies), with no String per field.

/// A slice of the text arena, or `-` (length 0), or an IPv4 address to format (offset < 0).
struct Text: Sendable, Equatable {
    var offset: Int32
    var length: Int32

    static let dash = Text(offset: 0, length: 0)

    static func ipv4(_ address: UInt32) -> Text { Text(offset: -1, length: Int32(bitPattern: address)) }

    @inline(__always) var isDash: Bool { length == 0 && offset >= 0 }
}

/// Collects the fixed strings of a run (ids, addresses, ARNs) in one byte array.
struct ArenaBuilder {
    private(set) var bytes: [UInt8] = []
    private var index: [String: Text] = [:]

    mutating func add(_ s: String) -> Text {
        if s == "-" || s.isEmpty { return .dash }
        if let t = index[s] { return t }
        let t = Text(offset: Int32(bytes.count), length: Int32(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
        index[s] = t
        return t
    }
}

/// The output buffer: a fixed allocation that lines are appended to; the owner flushes it when
/// `count` passes `flushThreshold`.
struct ByteOut {
    let base: UnsafeMutablePointer<UInt8>
    let capacity: Int
    var count = 0

    /// The longest line is well under 2 KiB (v8 with ECS ARNs); keep 16 KiB of headroom.
    var flushThreshold: Int { capacity - 16_384 }

    init(capacity: Int) {
        precondition(capacity > 32_768)
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    func deallocate() { base.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    @inline(__always) mutating func byte(_ b: UInt8) {
        base[count] = b
        count &+= 1
    }

    @inline(__always) mutating func dash() { byte(UInt8(ascii: "-")) }

    @inline(__always) mutating func copy(_ src: UnsafePointer<UInt8>, _ n: Int) {
        (base + count).update(from: src, count: n)
        count &+= n
    }

    mutating func append(_ s: String) {
        for b in s.utf8 { byte(b) }
    }

    @inline(__always) mutating func decimal(_ value: UInt64) {
        var len = 1
        var t = value
        while t >= 10 { t /= 10; len &+= 1 }
        var i = count &+ len &- 1
        var v = value
        repeat {
            base[i] = UInt8(truncatingIfNeeded: v % 10) &+ 48
            v /= 10
            i &-= 1
        } while v > 0
        count &+= len
    }

    @inline(__always) mutating func decimal(_ value: Int) { decimal(UInt64(value)) }

    @inline(__always) mutating func ipv4(_ a: UInt32) {
        decimal(UInt64(a >> 24)); byte(46)
        decimal(UInt64((a >> 16) & 255)); byte(46)
        decimal(UInt64((a >> 8) & 255)); byte(46)
        decimal(UInt64(a & 255))
    }

    /// Writes a `Text`: `-`, a formatted IPv4 literal, or bytes from the arena.
    @inline(__always) mutating func text(_ t: Text, _ arena: UnsafePointer<UInt8>) {
        if t.offset < 0 {
            ipv4(UInt32(bitPattern: t.length))
        } else if t.length == 0 {
            dash()
        } else {
            copy(arena + Int(t.offset), Int(t.length))
        }
    }
}

enum IPv4 {
    static func make(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> UInt32 {
        UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    static func string(_ a: UInt32) -> String {
        "\(a >> 24).\((a >> 16) & 255).\((a >> 8) & 255).\(a & 255)"
    }

    /// True for globally routable unicast addresses (not RFC 1918, CGNAT, loopback, link-local,
    /// documentation, benchmarking, multicast or reserved space).
    static func isPublic(_ a: UInt32) -> Bool {
        let o1 = a >> 24
        let o2 = (a >> 16) & 255
        let o3 = (a >> 8) & 255
        switch o1 {
        case 0, 10, 127: return false
        case 224...255: return false
        case 100: return !(64...127).contains(o2)
        case 169: return o2 != 254
        case 172: return !(16...31).contains(o2)
        case 192: return !(o2 == 168 || (o2 == 0 && (o3 == 0 || o3 == 2)))
        case 198: return !(o2 == 18 || o2 == 19 || (o2 == 51 && o3 == 100))
        case 203: return !(o2 == 0 && o3 == 113)
        default: return true
        }
    }
}

enum IPv6 {
    /// RFC 5952 text: lowercase hex, no leading zeros, the longest run (≥ 2) of zero groups as
    /// `::` (the first one on a tie).
    static func string(_ groups: [UInt16]) -> String {
        precondition(groups.count == 8)
        var bestStart = -1
        var bestLength = 1
        var i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLength { bestStart = i; bestLength = j - i }
                i = j
            } else {
                i += 1
            }
        }
        var s = ""
        i = 0
        while i < 8 {
            if i == bestStart {
                s += "::"
                i += bestLength
                continue
            }
            if i > 0 && !s.hasSuffix(":") { s += ":" }
            s += String(groups[i], radix: 16)
            i += 1
        }
        return s
    }
}
