import CIntrinsics
import FlowSupport
import FlowLog
import Glibc

/// A scalar packed into fixed words for group keys and distinct sets: no String, no allocation.
/// Text is packed as an id in the worker's `StringTable`.
struct PackedScalar: Hashable {
    var tag: UInt8   // 0 null, 1 int, 2 double, 3 bool, 4 ip, 5 addr (varchar), 6 text, 7 timestamp, 8 date
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

    /// The id of entry `code` (≥ 1) of block column `slot`'s `dictionary`, interned on first use.
    func id(slot: Int, code: Int, _ dictionary: ByteDictionary) -> UInt32 {
        let known = remaps[slot][code]
        if known != 0 { return known }
        let id = dictionary.value(UInt32(code)).withUnsafeBytes { self.dictionary.intern($0) }
        remaps[slot][code] = id
        return id
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
        case .date(let days): return PackedScalar(tag: 8, a: UInt64(bitPattern: days), b: 0)
        case .text(let slot, let code):
            return PackedScalar(tag: 6, a: UInt64(id(slot: slot, code: Int(code), c.block.unsafelyUnwrapped.strings[slot].unsafelyUnwrapped.dictionary)), b: 0)
        case .interned(let id):
            // Only met when `c.groups.strings` is this table (expressions over groups).
            return PackedScalar(tag: 6, a: UInt64(id), b: 0)
        case .string(let s):
            var t = s
            let id = t.withUTF8 { dictionary.intern(UnsafeRawBufferPointer($0)) }
            return PackedScalar(tag: 6, a: UInt64(id), b: 0)
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
        case 8: return .date(Int64(bitPattern: p.a))
        default: return .null
        }
    }
}

/// The running state of one aggregate for one group, for the aggregates the column-wise paths
/// of `Aggregator` do not cover (DISTINCT sets, arrays, min/max of text, sums of doubles).
/// Text inside is packed as ids of the owning worker's `StringTable`.
struct AggState {
    var count: Int64 = 0
    var sumInt: Int64 = 0
    var sumDouble: Double = 0
    var overflow = false
    var isDouble = false
    var bestPacked: PackedScalar? = nil
    /// max_by / min_by: the ordering value of the row `bestPacked` came from.
    var bestBy: PackedScalar? = nil
    var set: Set<PackedScalar>? = nil
    var list: [PackedScalar]? = nil
    /// approx_percentile of a bigint computed by the vectors (`Aggregator.updateGeneric`): the
    /// values themselves, 8 bytes each instead of a 24-byte `PackedScalar`.
    var numbers: [Int64]? = nil
    /// Variances: the mean and the sum of squared differences from it (Welford's update, and
    /// Chan's when states merge, as Trino computes them).
    var mean: Double = 0
    var m2: Double = 0

    mutating func update(_ spec: AggregateSpec, _ c: EvalContext, _ strings: StringTable) throws {
        if spec.function == .countStar { count += 1; return }
        if spec.function == .maxBy || spec.function == .minBy {
            // Rows whose ordering value is NULL do not count (Trino); x may be NULL.
            let y = try Evaluator.eval(spec.by!, c)
            if y.isNull { return }
            let x = try Evaluator.eval(spec.argument!, c)
            let packedY = strings.pack(y, c), packedX = strings.pack(x, c)
            count += 1
            if bestBy == nil || Self.better(packedY, packedX, than: bestBy!, bestPacked!, spec.function, strings) {
                bestBy = packedY
                bestPacked = packedX
            }
            return
        }
        let v = try Evaluator.eval(spec.argument!, c)
        if spec.function == .countDistinctRows {
            // NULL is one more value here.
            if set == nil { set = [] }
            set!.insert(strings.pack(v, c))
            return
        }
        if v.isNull { return }
        switch spec.function {
        case .count: count += 1
        case .sum, .avg:
            count += 1
            switch v {
            case .int(let x):
                let (r, o) = sumInt.addingReportingOverflow(x)
                sumInt = r
                if o { overflow = true }
                sumDouble += Double(x)
            case .double(let d):
                isDouble = true
                sumDouble += d
            default: break
            }
        case .min, .max:
            if let best = bestPacked {
                let current = strings.unpackScalar(best)
                if let o = Evaluator.compare(v, current, c), spec.function == .min ? o < 0 : o > 0 {
                    bestPacked = strings.pack(v, c)
                }
            } else {
                bestPacked = strings.pack(v, c)
            }
        case .countDistinct, .arrayAggDistinct, .sumDistinct, .avgDistinct:
            if set == nil { set = [] }
            set!.insert(strings.pack(v, c))
        case .arrayAgg, .approxPercentile:
            if list == nil { list = [] }
            list!.append(strings.pack(v, c))
        case .varianceSample, .variancePopulation, .stddevSample, .stddevPopulation:
            let x: Double
            switch v {
            case .int(let i): x = Double(i)
            case .double(let d): x = d
            default: return
            }
            count += 1
            let delta = x - mean
            mean += delta / Double(count)
            m2 += delta * (x - mean)
        case .countStar, .maxBy, .minBy, .countDistinctRows: break
        }
    }

    /// Adds one value to a sum or avg state (NULL adds nothing).
    mutating func add(_ v: Value) {
        switch v {
        case .int(let x):
            count += 1
            let (r, o) = sumInt.addingReportingOverflow(x)
            sumInt = r
            if o { overflow = true }
            sumDouble += Double(x)
        case .double(let d):
            count += 1
            isDouble = true
            sumDouble += d
        default:
            break
        }
    }

    /// Whether the row (y, x) beats the kept (y0, x0) for max_by / min_by: a greater (less) y;
    /// among equal ys the least x (Trino leaves the choice open; this one is deterministic).
    static func better(_ y: PackedScalar, _ x: PackedScalar, than y0: PackedScalar, _ x0: PackedScalar,
                       _ f: AggregateSpec.Function, _ strings: StringTable) -> Bool {
        let a = strings.unpack(y), b = strings.unpack(y0)
        if a != b { return f == .maxBy ? b < a : a < b }
        return strings.unpack(x) < strings.unpack(x0)
    }

    /// Adds another worker's state; `remap` turns its packed text ids into this table's.
    mutating func merge(_ o: AggState, _ f: AggregateSpec.Function, _ strings: StringTable, _ remap: (PackedScalar) -> PackedScalar) {
        if o.count > 0 {
            // Chan et al.: the two parts' means and squared differences combined.
            let n = Double(count), m = Double(o.count), delta = o.mean - mean
            mean += delta * m / (n + m)
            m2 += o.m2 + delta * delta * n * m / (n + m)
        }
        count += o.count
        let (s, ov) = sumInt.addingReportingOverflow(o.sumInt)
        sumInt = s
        overflow = overflow || o.overflow || ov
        sumDouble += o.sumDouble
        isDouble = isDouble || o.isDouble
        if f == .maxBy || f == .minBy {
            if let oy = o.bestBy.map(remap), let ox = o.bestPacked.map(remap),
               bestBy == nil || Self.better(oy, ox, than: bestBy!, bestPacked!, f, strings) {
                bestBy = oy
                bestPacked = ox
            }
        } else if let b = o.bestPacked.map(remap) {
            if let mine = bestPacked {
                let x = strings.unpack(b), y = strings.unpack(mine)
                if f == .min ? x < y : y < x { bestPacked = b }
            } else {
                bestPacked = b
            }
        }
        if let os = o.set { set = (set ?? []).union(os.map(remap)) }
        if let on = o.numbers { numbers = (numbers ?? []) + on }
        if let ol = o.list {
            // Only text ids change (`remap` is the identity on other tags): a list of numbers
            // is appended as it is (20 M values through the closure: most of approx_percentile's merge).
            if list == nil { list = [] }
            if ol.contains(where: { $0.tag == 6 }) { list!.append(contentsOf: ol.map(remap)) } else { list!.append(contentsOf: ol) }
        }
    }

    func result(_ spec: AggregateSpec, _ strings: StringTable) throws -> Value {
        switch spec.function {
        case .count, .countStar: return .int(count)
        case .countDistinct, .countDistinctRows: return .int(Int64(set?.count ?? 0))
        case .variancePopulation, .stddevPopulation:
            if count == 0 { return .null }
            let v = m2 / Double(count)
            return .double(spec.function == .stddevPopulation ? v.squareRoot() : v)
        case .varianceSample, .stddevSample:
            if count < 2 { return .null }
            let v = m2 / Double(count - 1)
            return .double(spec.function == .stddevSample ? v.squareRoot() : v)
        case .sumDistinct, .avgDistinct:
            // The kept values summed as sum() would sum them (bigint exactly, else double).
            var total = AggState()
            for p in set ?? [] { total.add(strings.unpack(p)) }
            return try total.result(AggregateSpec(function: spec.function == .sumDistinct ? .sum : .avg, argument: nil, type: spec.type), strings)
        case .sum:
            if count == 0 { return .null }
            if isDouble { return .double(sumDouble) }
            if overflow { throw QueryRuntimeError(description: "bigint overflow in sum") }
            return .int(sumInt)
        case .avg:
            if count == 0 { return .null }
            return .double((isDouble ? sumDouble : Double(sumInt) + 0) / Double(count))
        case .min, .max, .maxBy, .minBy:
            return bestPacked.map { strings.unpack($0) } ?? .null
        case .arrayAggDistinct:
            return .array((set.map { $0.map { strings.unpack($0) } } ?? []).sorted())
        case .arrayAgg:
            return .array((list ?? []).map { strings.unpack($0) })
        case .approxPercentile:
            if var values = numbers, list == nil {
                guard !values.isEmpty else { return .null }
                let rank = Int((spec.percentile! * Double(values.count)).rounded(.up))
                let k = Swift.max(0, Swift.min(values.count, rank) - 1)
                return .int(values.withUnsafeMutableBufferPointer { Selection.kthSmallest($0, k) })
            }
            let list = (list ?? []) + (numbers ?? []).map { PackedScalar(tag: 1, a: UInt64(bitPattern: $0), b: 0) }
            guard !list.isEmpty else { return .null }
            let rank = Int((spec.percentile! * Double(list.count)).rounded(.up))
            let k = Swift.max(0, Swift.min(list.count, rank) - 1)
            // Numbers sorted as numbers (a Value per element cost 6 s for 20 M values).
            // The rank found by quickselect, not a sort (over 20 M values the query took 5.4 s, 2.3 s
            // now, most of it collecting the values).
            if list.allSatisfy({ $0.tag == 1 }) {
                var values = list.map { Int64(bitPattern: $0.a) }
                return .int(values.withUnsafeMutableBufferPointer { Selection.kthSmallest($0, k) })
            }
            if list.allSatisfy({ $0.tag == 2 }) {
                // NaN has no place in an order: a list holding one keeps the sort it had.
                var values = list.map { Double(bitPattern: $0.a) }
                if values.contains(where: \.isNaN) { return .double(values.sorted()[k]) }
                return .double(values.withUnsafeMutableBufferPointer { Selection.kthSmallest($0, k) })
            }
            return list.map { strings.unpack($0) }.sorted()[k]
        }
    }
}

/// One worker's groups: an open-addressing hash table from fixed-width key words to group
/// numbers 0, 1, 2, ... in order of first appearance.
final class GroupTable {
    /// Words per key.
    let width: Int
    /// Group g's key at g*width ..< (g+1)*width.
    let keys: RawVector<UInt64>
    private let hashes = RawVector<UInt64>()
    /// 0 = empty; otherwise the hash's high 32 bits over (group + 1), so most probes that do
    /// not match are refused without touching the keys.
    private var slots: UnsafeMutablePointer<UInt64>
    private var mask: Int
    /// Whether `slots` is a mapping of its own (from `mappedSlots` on), grown by `mremap`.
    private var slotsMapped = false
    private(set) var count = 0

    /// Slot arrays of at least this many slots (4 MiB) are mappings of their own.
    static let mappedSlots = 1 << 19

    init(width: Int) {
        self.width = width
        keys = RawVector(capacity: 1024 * width)
        mask = 1023
        slots = .allocate(capacity: mask + 1)
        slots.initialize(repeating: 0, count: mask + 1)
    }

    deinit { releaseSlots() }

    private func releaseSlots() {
        if slotsMapped { munmap(slots, (mask + 1) * MemoryLayout<UInt64>.stride) } else { slots.deallocate() }
    }

    /// The words are multiplied by different odd constants independently and combined, then
    /// mixed once: the words' multiplies overlap instead of forming a chain of one round per word
    /// (a three-word address key: about 18 cycles of latency instead of 25; hashing a block's
    /// distinct keys showed as a quarter of the time spent on them).
    @inline(__always)
    static func hash(_ key: UnsafePointer<UInt64>, _ width: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        var i = 0
        while i + 3 <= width {
            h &+= (key[i] &* 0xff51_afd7_ed55_8ccd) ^ (key[i + 1] &* 0xc4ce_b9fe_1a85_ec53) ^ (key[i + 2] &* 0x9FB2_1C65_1E98_DF25)
            h = (h << 23) | (h >> 41)
            i += 3
        }
        if i + 2 == width {
            h &+= (key[i] &* 0xff51_afd7_ed55_8ccd) ^ (key[i + 1] &* 0xc4ce_b9fe_1a85_ec53)
        } else if i + 1 == width {
            h &+= key[i] &* 0xff51_afd7_ed55_8ccd
        }
        h = (h ^ (h >> 32)) &* 0xd6e8_feb8_6659_fd93
        h = (h ^ (h >> 29)) &* 0xc4ce_b9fe_1a85_ec53
        return h ^ (h >> 32)
    }

    /// The hash of group g's key.
    func hash(of g: Int) -> UInt64 { hashes[g] }

    /// Starts loading the slot `h` probes first.
    @inline(__always)
    func prefetchSlot(_ h: UInt64) {
        flowarc_prefetch(slots + (Int(truncatingIfNeeded: h) & mask))
    }

    /// Starts loading the key of the group in the slot `h` probes first, when its tag matches.
    @inline(__always)
    func prefetchKey(_ h: UInt64) {
        let e = slots[Int(truncatingIfNeeded: h) & mask]
        if e != 0 && e & 0xFFFF_FFFF_0000_0000 == h & 0xFFFF_FFFF_0000_0000 {
            flowarc_prefetch(keys.base + (Int(truncatingIfNeeded: e & 0xFFFF_FFFF) - 1) * width)
        }
    }

    /// The group number of `key`, adding the group if it is new.
    @inline(__always)
    func findOrInsert(_ key: UnsafePointer<UInt64>) -> Int {
        findOrInsert(key, Self.hash(key, width))
    }

    /// Appends another table's groups (keys and hashes; the caller knows none of them is here)
    /// without indexing them. The table then answers by group number only: `findOrInsert`
    /// must not be called again.
    func appendUnindexed(_ o: GroupTable) {
        precondition(o.width == width)
        let n = o.count
        keys.append(copying: o.keys.base, count: n * width)
        hashes.append(copying: o.hashes.base, count: n)
        count += n
        sealed = true
    }

    /// `appendUnindexed` for groups `groups` of `o` only.
    func appendUnindexed(_ o: GroupTable, _ groups: [Int32]) {
        precondition(o.width == width)
        for g in groups {
            keys.append(copying: o.keys.base + Int(g) * width, count: width)
            hashes.append(o.hashes[Int(g)])
        }
        count += groups.count
        sealed = true
    }

    /// Set by `appendUnindexed`.
    private var sealed = false

    /// The group number of `key`, whose hash is `h`, adding the group if it is new.
    @inline(__always)
    func findOrInsert(_ key: UnsafePointer<UInt64>, _ h: UInt64) -> Int {
        precondition(!sealed, "a group table with unindexed groups was probed")
        let tag = h & 0xFFFF_FFFF_0000_0000
        var s = Int(truncatingIfNeeded: h) & mask
        let w = width
        while true {
            let e = slots[s]
            if e == 0 { break }
            if e & 0xFFFF_FFFF_0000_0000 == tag {
                let g = Int(truncatingIfNeeded: e & 0xFFFF_FFFF) - 1
                let k = keys.base + g * w
                var same = true
                for i in 0..<w where k[i] != key[i] { same = false; break }
                if same { return g }
            }
            s = (s + 1) & mask
        }
        let g = count
        count += 1
        keys.append(copying: key, count: w)
        hashes.append(h)
        slots[s] = tag | UInt64(g + 1)
        if count * 2 > mask + 1 { grow() }
        return g
    }

    /// Sizes the slots for `groups` groups in all, so that adding up to that many never grows
    /// the table (growing rehashes every group so far, and a table filled from another's
    /// groups knows about how many are coming).
    func reserve(_ groups: Int) {
        var size = mask + 1
        while groups * 2 > size { size *= 2 }
        guard size > mask + 1 else { return }
        keys.reserve(groups * width)
        hashes.reserve(groups)
        mask = size / 2 - 1
        grow()
    }

    /// Doubles the slots and places every group again (from its kept hash, so the old slots'
    /// contents are not needed). A large slot array grows in place with `mremap`: its pages are
    /// kept and only cleared, and only the added half is new memory. Allocating each size
    /// afresh had the kernel clear every size's pages on first touch, twice the final array in
    /// all: with the memset over them, 17% of the CPU of a query over 5.5 million pairs.
    private func grow() {
        let size = (mask + 1) * 2
        let stride = MemoryLayout<UInt64>.stride
        if slotsMapped, let grown = flowarc_mremap(slots, (mask + 1) * stride, size * stride), grown != MAP_FAILED {
            slots = grown.assumingMemoryBound(to: UInt64.self)
            Sys.adviseHugePages(grown, bytes: size * stride)
            slots.update(repeating: 0, count: mask + 1)  // the added half is fresh zero pages
        } else {
            releaseSlots()
            slotsMapped = false
            if size >= Self.mappedSlots, let p = mmap(nil, size * stride, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
               p != MAP_FAILED {
                slots = p.assumingMemoryBound(to: UInt64.self)
                slotsMapped = true
                Sys.adviseHugePages(p, bytes: size * stride)  // zero already
            } else {
                slots = .allocate(capacity: size)
                Sys.adviseHugePages(slots, bytes: size * stride)
                slots.initialize(repeating: 0, count: size)
            }
        }
        mask = size - 1
        for g in 0..<count {
            let h = hashes[g]
            var s = Int(truncatingIfNeeded: h) & mask
            while slots[s] != 0 { s = (s + 1) & mask }
            slots[s] = (h & 0xFFFF_FFFF_0000_0000) | UInt64(g + 1)
        }
    }
}
