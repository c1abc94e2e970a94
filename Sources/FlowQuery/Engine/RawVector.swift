import CIntrinsics
import FlowSupport
import Glibc

/// A growable array of plain values in memory this object owns. The aggregation loops index it
/// millions of times per query; a Swift `Array` there pays a uniqueness check and an exclusivity
/// check per write, this does not. Reads and writes are not bounds-checked: callers index only
/// below `count`, which is the one invariant this type asks them to keep.
///
/// Large vectors (group keys and states of millions of groups) live in a mapping of their own
/// that grows with `mremap`: growing by allocate-and-copy wrote every element again into fresh
/// pages, and the page faults of those copies were a quarter of a two-million-group query's
/// CPU time (measured with `perf record -e page-faults`).
final class RawVector<T: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<T>
    private(set) var capacity: Int
    private(set) var count = 0
    /// Whether `base` is a mapping of `capacity` elements (else malloc'ed).
    private var mapped = false
    /// In a mapping, the elements from this index on have not been written since the kernel
    /// gave the pages, so they are zero: appending zeros there writes nothing (the states of
    /// new groups were written twice, by the kernel clearing the page and by a memset).
    private var written = 0

    /// Vectors of at least this many bytes are mapped.
    static var mappedBytes: Int { 4 << 20 }

    init(capacity: Int = 1024) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
        if self.capacity * MemoryLayout<T>.stride >= Self.mappedBytes, let m = Self.map(self.capacity) {
            base.deallocate()
            base = m
            mapped = true
        }
    }

    deinit { release(base, capacity, mapped) }

    @inline(__always)
    subscript(_ i: Int) -> T {
        get { base[i] }
        set { base[i] = newValue }
    }

    /// Adds `n` elements set to `value` and returns the index of the first.
    @inline(__always)
    func append(repeating value: T, count n: Int) -> Int {
        let at = count
        if count + n > capacity { reserve(count + n) }
        if !(mapped && at >= written && Self.isZero(value)) {
            (base + at).initialize(repeating: value, count: n)
        }
        count += n
        written = max(written, count)
        return at
    }

    /// Adds copies of the `n` elements at `source` and returns the index of the first. (Not
    /// `append(repeating:count:)` and then a copy: for the few words of one group's key or one
    /// exchanged record, that zero fill was a memset call of its own, written over at once.)
    @inline(__always)
    @discardableResult
    func append(copying source: UnsafePointer<T>, count n: Int) -> Int {
        let at = count
        if count + n > capacity { reserve(count + n) }
        (base + at).initialize(from: source, count: n)
        count += n
        written = max(written, count)
        return at
    }

    @inline(__always)
    private static func isZero(_ value: T) -> Bool {
        withUnsafeBytes(of: value) { $0.allSatisfy { $0 == 0 } }
    }

    @inline(__always)
    func append(_ value: T) {
        if count == capacity { reserve(count + 1) }
        base[count] = value
        count += 1
        written = max(written, count)
    }

    func reserve(_ n: Int) {
        guard n > capacity else { return }
        var cap = capacity
        while cap < n { cap *= 2 }
        let stride = MemoryLayout<T>.stride
        if mapped, let grown = flowarc_mremap(base, capacity * stride, cap * stride), grown != MAP_FAILED {
            Sys.adviseHugePages(grown, bytes: cap * stride)
            base = grown.assumingMemoryBound(to: T.self)
            capacity = cap
            return
        }
        var fresh: UnsafeMutablePointer<T>? = nil
        var freshMapped = false
        if cap * stride >= Self.mappedBytes, let m = Self.map(cap) { fresh = m; freshMapped = true }
        let target = fresh ?? .allocate(capacity: cap)
        target.initialize(from: base, count: count)
        release(base, capacity, mapped)
        base = target
        capacity = cap
        mapped = freshMapped
        written = count  // a fresh mapping: what was copied, zero beyond
    }

    func removeAll() { count = 0 }

    var array: [T] { Array(UnsafeBufferPointer(start: base, count: count)) }

    private static func map(_ elements: Int) -> UnsafeMutablePointer<T>? {
        let p = mmap(nil, elements * MemoryLayout<T>.stride, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let p, p != MAP_FAILED else { return nil }
        Sys.adviseHugePages(p, bytes: elements * MemoryLayout<T>.stride)
        return p.assumingMemoryBound(to: T.self)
    }

    private func release(_ p: UnsafeMutablePointer<T>, _ elements: Int, _ isMapped: Bool) {
        if isMapped { munmap(p, elements * MemoryLayout<T>.stride) } else { p.deallocate() }
    }
}
