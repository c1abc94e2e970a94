/// A growable array of plain values in memory this object owns. The aggregation loops index it
/// millions of times per query; a Swift `Array` there pays a uniqueness check and an exclusivity
/// check per write, this does not. Reads and writes are not bounds-checked: callers index only
/// below `count`, which is the one invariant this type asks them to keep.
final class RawVector<T: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<T>
    private(set) var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

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
        (base + at).initialize(repeating: value, count: n)
        count += n
        return at
    }

    @inline(__always)
    func append(_ value: T) {
        if count == capacity { reserve(count + 1) }
        base[count] = value
        count += 1
    }

    func reserve(_ n: Int) {
        guard n > capacity else { return }
        var cap = capacity
        while cap < n { cap *= 2 }
        let fresh = UnsafeMutablePointer<T>.allocate(capacity: cap)
        fresh.initialize(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = cap
    }

    func removeAll() { count = 0 }

    var array: [T] { Array(UnsafeBufferPointer(start: base, count: count)) }
}
