import CIntrinsics

/// Branch-light kernels for the parser's fast path: blank masks over 16 and 64 bytes at a time
/// (SSE2/AVX2 compares and movemask through CIntrinsics), digits parsed in registers (SWAR) and
/// IPv4 addresses with one byte shuffle (`flowarc_parse_ipv4`) once the token's bounds are known. Each kernel reads a fixed number of bytes around the token, so the caller
/// guarantees that those bytes lie inside the text (see `RecordParser.fastRecord`); each returns
/// "not handled" for anything unusual and leaves the verdict to the general parser.
enum FastScan {
    /// Bit `k` set when byte `k` of the 16 at `p` is a space or a tab.
    @inline(__always)
    static func blankMask16(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(flowarc_blank_mask16(p))
    }

    /// Bit `k` set when byte `k` of the 64 at `p` is a space or a tab.
    @inline(__always)
    static func blankMask64(_ p: UnsafePointer<UInt8>) -> UInt64 {
        flowarc_blank_mask64(p)
    }

    /// Bit `k` set when byte `k` of the 64 at `p` is a newline.
    @inline(__always)
    static func newlineMask64(_ p: UnsafePointer<UInt8>) -> UInt64 {
        flowarc_equal_mask64(p, 0x0A)
    }

    /// Whether the tokens at `a` (`na` bytes) and `b` (`nb` bytes) are equal, for tokens of 4 to
    /// 16 bytes (two overlapping loads each); false otherwise. Reads only the tokens' bytes.
    @inline(__always)
    static func equalShort(_ p: UnsafePointer<UInt8>, _ a: Int, _ b: Int, _ na: Int, _ nb: Int) -> Bool {
        if na != nb { return false }
        let r = UnsafeRawPointer(p)
        if na >= 8 && na <= 16 {
            return r.loadUnaligned(fromByteOffset: a, as: UInt64.self) == r.loadUnaligned(fromByteOffset: b, as: UInt64.self)
                && r.loadUnaligned(fromByteOffset: a &+ na &- 8, as: UInt64.self) == r.loadUnaligned(fromByteOffset: b &+ na &- 8, as: UInt64.self)
        }
        if na >= 4 && na < 8 {
            return r.loadUnaligned(fromByteOffset: a, as: UInt32.self) == r.loadUnaligned(fromByteOffset: b, as: UInt32.self)
                && r.loadUnaligned(fromByteOffset: a &+ na &- 4, as: UInt32.self) == r.loadUnaligned(fromByteOffset: b &+ na &- 4, as: UInt32.self)
        }
        return false
    }

    static let asciiZeros: UInt64 = 0x3030_3030_3030_3030

    /// Whether all 8 bytes of `y` are ASCII digits.
    @inline(__always)
    static func allDigits(_ y: UInt64) -> Bool {
        // High nibble 3, and adding 6 keeps it 3 (0x3A...0x3F become 0x40...0x45); the first
        // test passing means no byte can carry into the next.
        (y & 0xF0F0_F0F0_F0F0_F0F0) == asciiZeros && ((y &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) == asciiZeros
    }

    /// The value of 8 ASCII digits, the most significant in the lowest byte.
    @inline(__always)
    static func value8(_ y: UInt64) -> UInt64 {
        var v = y & 0x0F0F_0F0F_0F0F_0F0F
        v = ((v &* 2561) >> 8) & 0x00FF_00FF_00FF_00FF          // pairs: 10a + b
        v = ((v &* 6_553_601) >> 16) & 0x0000_FFFF_0000_FFFF    // quads: 100ab + cd
        return (v &* 42_949_672_960_001) >> 32                  // 10000abcd + efgh
    }

    /// The 8 bytes ending at `end`, of which the last `len` (1...8) are kept and the rest
    /// replaced by '0'. Reads `end - 8 ..< end`.
    @inline(__always)
    static func digits8(_ p: UnsafePointer<UInt8>, end: Int, len: Int) -> UInt64 {
        let x = UnsafeRawPointer(p + (end &- 8)).loadUnaligned(as: UInt64.self)
        // Wrapping arithmetic: `len` is 1...8 here, and checked arithmetic added overflow
        // branches to every numeric field.
        let keep = UInt64.max &<< UInt64(truncatingIfNeeded: 64 &- 8 &* len)
        return (x & keep) | (asciiZeros & ~keep)
    }

    /// A decimal token of 1 to 19 digits at `end - len ..< end`, or nil (not digits, or longer:
    /// only 20-digit values can overflow, and the general parser checks those exactly). Reads up
    /// to 24 bytes before `end`.
    @inline(__always)
    static func decimal(_ p: UnsafePointer<UInt8>, end: Int, len: Int) -> UInt64? {
        if len <= 8 {
            let y = digits8(p, end: end, len: len)
            return allDigits(y) ? value8(y) : nil
        }
        if len <= 16 {
            let hi = digits8(p, end: end &- 8, len: len &- 8)
            let lo = UnsafeRawPointer(p + (end &- 8)).loadUnaligned(as: UInt64.self)
            guard allDigits(hi), allDigits(lo) else { return nil }
            return value8(hi) &* 100_000_000 &+ value8(lo)
        }
        if len <= 19 {
            let top = digits8(p, end: end &- 16, len: len &- 16)
            let mid = UnsafeRawPointer(p + (end &- 16)).loadUnaligned(as: UInt64.self)
            let lo = UnsafeRawPointer(p + (end &- 8)).loadUnaligned(as: UInt64.self)
            guard allDigits(top), allDigits(mid), allDigits(lo) else { return nil }
            return value8(top) &* 10_000_000_000_000_000 &+ value8(mid) &* 100_000_000 &+ value8(lo)
        }
        return nil
    }

    /// A dotted-quad IPv4 token at `end - len ..< end` (7...15 bytes), or nil. Reads the 16 bytes
    /// from the token's start (see `flowarc_parse_ipv4`).
    @inline(__always)
    static func ipv4(_ p: UnsafePointer<UInt8>, end: Int, len: Int) -> UInt32? {
        var value: UInt32 = 0
        return flowarc_parse_ipv4(p + (end &- len), len, &value) != 0 ? value : nil
    }
}
