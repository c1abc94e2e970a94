import FlowLog

/// A scalar packed into fixed words for group keys and distinct sets: no String, no allocation.
/// Text is packed as an id in the worker's `StringTable`.
struct PackedScalar: Hashable {
    var tag: UInt8   // 0 null, 1 int, 2 double, 3 bool, 4 ip, 5 addr (varchar), 6 text, 7 timestamp
    var a: UInt64
    var b: UInt64
}

/// Per-worker interning of text values met while aggregating, so that group keys hold ids.
final class StringTable {
    var dictionary = ByteDictionary()
    /// Per block column slot: block dictionary code -> id (0 = not yet mapped).
    var remaps: [[UInt32]] = []

    func beginBlock(_ b: BlockData) {
        remaps = b.strings.map { col in col.map { [UInt32](repeating: 0, count: $0.dictionary.count + 1) } ?? [] }
    }

    func pack(_ v: Scalar, _ c: EvalContext) -> PackedScalar {
        switch v {
        case .null: return PackedScalar(tag: 0, a: 0, b: 0)
        case .int(let x): return PackedScalar(tag: 1, a: UInt64(bitPattern: x), b: 0)
        case .double(let d): return PackedScalar(tag: 2, a: d.bitPattern, b: 0)
        case .bool(let x): return PackedScalar(tag: 3, a: x ? 1 : 0, b: 0)
        case .ip(let a): return PackedScalar(tag: 4, a: a.high, b: a.low)
        case .addr(let a): return PackedScalar(tag: 5, a: a.high, b: a.low)
        case .timestamp(let ms): return PackedScalar(tag: 7, a: UInt64(bitPattern: ms), b: 0)
        case .text(let slot, let code):
            var id = remaps[slot][Int(code)]
            if id == 0 {
                id = c.block.unsafelyUnwrapped.strings[slot].unsafelyUnwrapped.dictionary.value(code).withUnsafeBytes { dictionary.intern($0) }
                remaps[slot][Int(code)] = id
            }
            return PackedScalar(tag: 6, a: UInt64(id), b: 0)
        case .string(let s):
            var t = s
            let id = t.withUTF8 { dictionary.intern(UnsafeRawBufferPointer($0)) }
            return PackedScalar(tag: 6, a: UInt64(id), b: 0)
        }
    }

    /// Packs a column value without going through a `Scalar` (the common GROUP BY key).
    @inline(__always)
    func packColumn(_ slot: Int, _ kind: FieldKind, _ row: Int, _ b: BlockData) -> PackedScalar {
        let v = b.views[slot]
        switch kind {
        case .string:
            let code = Int(v.codes.unsafelyUnwrapped[row])
            if code == 0 { return PackedScalar(tag: 0, a: 0, b: 0) }
            var id = remaps[slot][code]
            if id == 0 {
                id = b.strings[slot].unsafelyUnwrapped.dictionary.value(UInt32(code)).withUnsafeBytes { dictionary.intern($0) }
                remaps[slot][code] = id
            }
            return PackedScalar(tag: 6, a: UInt64(id), b: 0)
        case .address:
            if let n = v.nulls, n[row] == 1 { return PackedScalar(tag: 0, a: 0, b: 0) }
            return PackedScalar(tag: 5, a: v.high.unsafelyUnwrapped[row], b: v.low.unsafelyUnwrapped[row])
        default:
            if let n = v.nulls, n[row] == 1 { return PackedScalar(tag: 0, a: 0, b: 0) }
            return PackedScalar(tag: 1, a: v.values.unsafelyUnwrapped[row], b: 0)
        }
    }

    func unpack(_ p: PackedScalar) -> Value {
        switch p.tag {
        case 1: return .int(Int64(bitPattern: p.a))
        case 2: return .double(Double(bitPattern: p.a))
        case 3: return .bool(p.a != 0)
        case 4: return .ip(IPAddress(high: p.a, low: p.b))
        case 5: return .string(IPAddress(high: p.a, low: p.b).description)
        case 6: return .string(dictionary.string(UInt32(p.a)))
        case 7: return .timestamp(Int64(bitPattern: p.a))
        default: return .null
        }
    }
}

/// The running state of one aggregate for one group.
struct AggState {
    var count: Int64 = 0
    var sumInt: Int64 = 0
    var sumDouble: Double = 0
    var overflow = false
    var isDouble = false
    var bestPacked: PackedScalar? = nil
    var set: Set<PackedScalar>? = nil
    var list: [PackedScalar]? = nil
}

/// Final, worker-independent form of an aggregate state (for merging workers' results).
struct FinalAgg {
    var count: Int64 = 0
    var sumInt: Int64 = 0
    var sumDouble: Double = 0
    var overflow = false
    var isDouble = false
    var best: Value? = nil
    var set: Set<Value>? = nil
    var list: [Value]? = nil

    init() {}

    /// A worker's state with its packed values (worker-local string ids) made into Values.
    init(_ s: AggState, _ strings: StringTable) {
        count = s.count
        sumInt = s.sumInt
        sumDouble = s.sumDouble
        overflow = s.overflow
        isDouble = s.isDouble
        best = s.bestPacked.map { strings.unpack($0) }
        set = s.set.map { Set($0.map { strings.unpack($0) }) }
        list = s.list.map { $0.map { strings.unpack($0) } }
    }

    mutating func merge(_ o: FinalAgg, _ f: AggregateSpec.Function) {
        count += o.count
        let (s, ov) = sumInt.addingReportingOverflow(o.sumInt)
        sumInt = s
        overflow = overflow || o.overflow || ov
        sumDouble += o.sumDouble
        isDouble = isDouble || o.isDouble
        if let b = o.best {
            if let mine = best {
                if f == .min ? b < mine : mine < b { best = b }
            } else {
                best = b
            }
        }
        if let os = o.set { set = (set ?? []).union(os) }
        if let ol = o.list { list = (list ?? []) + ol }
    }

    func result(_ spec: AggregateSpec) throws -> Value {
        switch spec.function {
        case .count, .countStar: return .int(count)
        case .countDistinct: return .int(Int64(set?.count ?? 0))
        case .sum:
            if count == 0 { return .null }
            if isDouble { return .double(sumDouble) }
            if overflow { throw QueryRuntimeError(description: "bigint overflow in sum") }
            return .int(sumInt)
        case .avg:
            if count == 0 { return .null }
            return .double((isDouble ? sumDouble : Double(sumInt) + 0) / Double(count))
        case .min, .max:
            return best ?? .null
        case .arrayAggDistinct:
            return .array((set.map { Array($0) } ?? []).sorted())
        case .arrayAgg:
            return .array(list ?? [])
        }
    }
}

/// One worker's groups: an open-addressing table from packed keys to group numbers.
final class GroupTable {
    let keyCount: Int
    let aggCount: Int
    var keys: [PackedScalar] = []      // group g's keys at g*keyCount ..< (g+1)*keyCount
    /// Group g's states at g*aggCount ..< (g+1)*aggCount, in raw memory: updating them once per
    /// row must not pay an array uniqueness check and an exclusivity check each time.
    private(set) var states: UnsafeMutablePointer<AggState>
    private var stateCapacity: Int
    private var slots: [Int32]
    private var hashes: [UInt64] = []
    private var mask: Int
    var groupCount = 0

    init(keyCount: Int, aggCount: Int) {
        self.keyCount = keyCount
        self.aggCount = aggCount
        slots = [Int32](repeating: -1, count: 1024)
        mask = 1023
        stateCapacity = max(1, 256 * aggCount)
        states = .allocate(capacity: stateCapacity)
    }

    deinit {
        states.deinitialize(count: groupCount * aggCount)
        states.deallocate()
    }

    static func hash(_ k: ArraySlice<PackedScalar>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for p in k {
            h = (h ^ UInt64(p.tag)) &* 0xff51_afd7_ed55_8ccd
            h = (h ^ p.a) &* 0xc4ce_b9fe_1a85_ec53
            h = (h ^ p.b) &* 0xff51_afd7_ed55_8ccd
            h ^= h >> 31
        }
        return h
    }

    /// The group number for `key`, creating the group if new.
    func group(_ key: [PackedScalar]) -> Int {
        let h = Self.hash(key[...])
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let g = Int(slots[s])
            if g < 0 { break }
            if hashes[g] == h && keys[(g * keyCount)..<((g + 1) * keyCount)].elementsEqual(key) { return g }
            s = (s + 1) & mask
        }
        let g = groupCount
        groupCount += 1
        keys.append(contentsOf: key)
        hashes.append(h)
        if (g + 1) * aggCount > stateCapacity {
            let cap = stateCapacity * 2
            let fresh = UnsafeMutablePointer<AggState>.allocate(capacity: cap)
            fresh.moveInitialize(from: states, count: g * aggCount)
            states.deallocate()
            states = fresh
            stateCapacity = cap
        }
        (states + g * aggCount).initialize(repeating: AggState(), count: aggCount)
        slots[s] = Int32(g)
        if groupCount * 2 > slots.count { grow() }
        return g
    }

    private func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for g in 0..<groupCount {
            var s = Int(truncatingIfNeeded: hashes[g]) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(g)
        }
    }
}
