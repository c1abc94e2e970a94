import FlowSupport

/// Bytes allocated for one owner and freed with it: a decompressed chunk that `CodePlanes`
/// reads after the decoder has returned.
final class OwnedBytes: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer

    init(count: Int) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, count), alignment: 16)
    }

    init(copying source: UnsafeRawBufferPointer) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, source.count), alignment: 16)
        if source.count > 0 { bytes.copyMemory(from: source) }
    }

    deinit { bytes.deallocate() }
}

/// The per-row codes of an address dictionary chunk where the chunk keeps them: `rows` codes
/// of `width` bytes, little-endian, in byte planes when `shuffled`, in memory that `owner`
/// keeps alive (the segment's mapping for a chunk stored as literals, else the decompressed
/// chunk). A range filter compares them there (`andRun`); they are expanded to 32 bits only
/// when something asks for `codes` (grouping, a per-entry table), once. Expanding every
/// block's codes to 32 bits and reading them back was most of a CIDR count's time.
///
/// Every code was checked against the dictionary when the chunk was decoded. The expansion is
/// cached behind a lock; a block's codes are read by the worker that decoded them.
public final class CodePlanes: @unchecked Sendable {
    private let owner: AnyObject?
    private let base: UnsafeRawPointer?
    public let rows: Int
    private let width: Int
    private let shuffled: Bool
    private let lock = Monitor()
    private var expanded: [UInt32]?

    /// Codes that are already 32-bit values.
    public init(expanded codes: [UInt32]) {
        owner = nil; base = nil; rows = codes.count; width = 4; shuffled = false
        expanded = codes
    }

    /// `rows * width` bytes at `base`, which `owner` keeps alive and unchanged.
    init(owner: AnyObject, base: UnsafeRawPointer, rows: Int, width: Int, shuffled: Bool) {
        precondition([1, 2, 4].contains(width))
        self.owner = owner; self.base = base; self.rows = rows; self.width = width
        self.shuffled = shuffled && width > 1
    }

    /// One 32-bit code per row (expanded on first use).
    public var codes: [UInt32] {
        lock.withLock {
            if let e = expanded { return e }
            let e = [UInt32](unsafeUninitializedCapacity: rows) { out, n in
                forEachLayout { code in for i in 0..<rows { out[i] = code(i) } }
                n = rows
            }
            expanded = e
            return e
        }
    }

    /// The largest code (0 for no rows), in one read of the planes.
    func largest() -> UInt32 {
        var m: UInt32 = 0
        forEachLayout { code in for i in 0..<rows { m = max(m, code(i)) } }
        return m
    }

    /// ANDs into `m` whether each row's code lies in `lo...lo+span`, or, `negated`, lies outside
    /// it and is not 0 (NULL).
    public func andRun(lo: UInt32, span: UInt32, negated: Bool, _ m: UnsafeMutablePointer<UInt8>) {
        let rows = rows
        forEachLayout { code in
            if negated {
                for i in 0..<rows { let c = code(i); m[i] &= ((c &- lo) > span && c != 0) ? 1 : 0 }
            } else {
                for i in 0..<rows { m[i] &= (code(i) &- lo) <= span ? 1 : 0 }
            }
        }
    }

    /// Runs `body` with a reader of row `i`'s code specialised to the layout, so that each loop
    /// over the rows is compiled once per layout (and vectorised).
    @inline(__always)
    private func forEachLayout(_ body: ((Int) -> UInt32) -> Void) {
        if let e = expanded {
            e.withUnsafeBufferPointer { c in body { c[$0] } }
            return
        }
        let raw = base!
        let p = raw.assumingMemoryBound(to: UInt8.self)
        switch (width, shuffled) {
        case (1, _):
            body { UInt32(p[$0]) }
        case (2, true):
            let p1 = p + rows
            body { UInt32(p[$0]) | UInt32(p1[$0]) &<< 8 }
        case (4, true):
            let p1 = p + rows, p2 = p + 2 &* rows, p3 = p + 3 &* rows
            body { UInt32(p[$0]) | UInt32(p1[$0]) &<< 8 | UInt32(p2[$0]) &<< 16 | UInt32(p3[$0]) &<< 24 }
        case (2, false):
            body { UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 &* $0, as: UInt16.self))) }
        default:
            body { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 &* $0, as: UInt32.self)) }
        }
    }
}
