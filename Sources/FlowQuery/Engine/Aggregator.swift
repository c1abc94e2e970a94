import CIntrinsics
import FlowArchive
import FlowLog
import FlowSupport

/// Where one 64-bit word of a key's value lives in a group's key words: `bits` bits at `shift`
/// in word `word`, stored as the value minus `base`. A word whose bits are the whole word has
/// base 0 and shift 0 (the value as it is); a word of no bits is the constant `base`.
struct KeyField {
    let word: Int
    let shift: UInt64
    /// The stored bits, low-aligned (all ones for a whole word, 0 for a constant).
    let mask: UInt64
    let base: UInt64

    static let constantZero = KeyField(word: 0, shift: 0, mask: 0, base: 0)

    /// The value stored in `key`.
    @inline(__always)
    func read(_ key: UnsafePointer<UInt64>) -> UInt64 { ((key[word] &>> shift) & mask) &+ base }

    /// Stores `v` into `key`, whose bits of this field are zero. Returns the bits of `v - base`
    /// that the field cannot hold: 0 when `v` fits (callers OR the results of a batch together
    /// and check once; see `KeyLayout.outOfRange`).
    @inline(__always)
    func write(_ v: UInt64, _ key: UnsafeMutablePointer<UInt64>) -> UInt64 {
        let d = v &- base
        key[word] |= (d & mask) &<< shift
        return d & ~mask
    }

    /// Sets this field's bits of `key` to zero (the value `base`).
    @inline(__always)
    func clear(_ key: UnsafeMutablePointer<UInt64>) { key[word] &= ~(mask &<< shift) }
}

/// Per archive column slot, the bounds of its values over the blocks a query scans, from their
/// indexes' min and max (`SegmentReader.blockBounds`): a GROUP BY key of a column with bounds is
/// stored in as few bits as its range needs (`KeyLayout`). A slot without an entry is unbounded;
/// an entry is `.int` or `.address`.
struct KeyBounds: Sendable {
    var bySlot: [Int: ColumnBounds] = [:]
    /// Numbers the IPv6 addresses of address keys whose bounds span more than IPv4's (see
    /// `AddressKey`); one per query, shared by its aggregators.
    var interner: AddressInterner? = nil
    /// Address key slots whose IPv6 addresses are few enough to number (see `mostlyIPv4`).
    var internable: Set<Int> = []

    static let none = KeyBounds()

    /// The bounds of the group keys' plain columns over `blocks` ((segment, block) pairs).
    init(keys: [CExpr], columns: [ColumnDef], archive: ArchiveReader, blocks: [(Int, Int)]) {
        // Numbering IPv6 costs a lookup per distinct address and block; it pays where an
        // address shares words with other keys (the seed query's four keys: six words to two).
        // A lone address key keeps its two words: numbered, top talkers over a half-IPv6 archive
        // were 2.4x slower for one word saved. Decided here, once, for every layout made from
        // these bounds (a DISTINCT regroup's collapsed keys copy the scan's key fields as they are).
        if keys.count > 1 { interner = AddressInterner() }
        for k in keys {
            guard case .column(let slot, let kind) = k, bySlot[slot] == nil, kind != .string else { continue }
            if let b = Self.bound(columns[slot].archiveName, address: kind == .address, archive, blocks) { bySlot[slot] = b }
            // Sampled only where numbering is in question: several keys, both families met.
            if interner != nil, case .address(let lo, let hi)? = bySlot[slot], lo.high != hi.high,
               Self.mostlyIPv4(columns[slot].archiveName, archive, blocks) {
                internable.insert(slot)
            }
        }
    }

    /// Whether at most a quarter of the distinct addresses of column `name` are IPv6, in up to
    /// three blocks spread over `blocks` (their dictionaries count each family). Numbering IPv6
    /// costs a hash lookup per distinct IPv6 address of a block: over an archive where half the
    /// addresses were IPv6, pairs of addresses grouped 40% slower numbered than as two words.
    private static func mostlyIPv4(_ name: String, _ archive: ArchiveReader, _ blocks: [(Int, Int)]) -> Bool {
        var v4 = 0, v6 = 0
        let picks = blocks.count <= 3 ? Array(blocks.indices) : [0, blocks.count / 2, blocks.count - 1]
        for i in picks {
            let (si, bi) = blocks[i]
            guard si >= 0, let ci = archive.opened(si).columnIndex(named: name),
                  let codes = try? archive.opened(si).addressCodes(block: bi, column: ci) else { continue }
            v4 += codes.v4Count
            v6 += codes.entryCount - 1 - codes.v4Count
        }
        return v6 * 4 <= v4 + v6
    }

    init() {}

    /// The union of the blocks' ranges of column `name`; nil when some block holding values of
    /// it has no index that says (a block without the column, or with only NULLs, adds nothing).
    private static func bound(_ name: String, address: Bool, _ archive: ArchiveReader, _ blocks: [(Int, Int)]) -> ColumnBounds? {
        var lo = UInt64.max, hi = UInt64.min
        var aLo = IPAddress(high: .max, low: .max), aHi = IPAddress(high: 0, low: 0)
        var any = false
        var columnIndex: [Int: Int?] = [:]
        for (si, bi) in blocks {
            guard si >= 0 else { return nil }
            let seg = archive.opened(si)
            let ci: Int? = columnIndex[si] ?? {
                let c = seg.columnIndex(named: name)
                columnIndex[si] = .some(c)
                return c
            }()
            guard let ci else { continue }  // the segment has no such column: NULLs
            switch seg.blockBounds(bi, column: ci) {
            case .absent:
                continue
            case .unknown:
                return nil
            case .int(let r):
                guard !address else { return nil }
                lo = min(lo, r.lowerBound)
                hi = max(hi, r.upperBound)
                any = true
            case .address(let a, let b):
                guard address else { return nil }
                aLo = min(aLo, a)
                aHi = max(aHi, b)
                any = true
            }
        }
        guard any else { return nil }
        return address ? .address(min: aLo, max: aHi) : .int(lo...hi)
    }
}

/// Numbers for the IPv6 addresses of a query's address keys, the same in every worker (so key
/// words stay equal for equal keys across workers and can be merged and partitioned as words).
/// IPv6 is a few percent of flow-log addresses: each worker looks its IPv6 values up in a cache
/// of its own first (`Aggregator.addressCode`) and takes this lock only for ones new to it.
final class AddressInterner: @unchecked Sendable {
    private let lock = Monitor()
    /// Each address's number + 1.
    private let ids = AddressCodeMap()
    /// The addresses by number, `count` of them.
    private(set) var list: UnsafeMutablePointer<IPAddress>
    private var capacity = 64
    private var count = 0

    init() { list = .allocate(capacity: capacity) }

    deinit { list.deallocate() }

    /// The number of `a`, given on first sight; nil past 2^32 addresses.
    func id(_ a: IPAddress) -> UInt32? {
        lock.withLock { () -> UInt32? in
            let known = ids.find(a)
            if known != 0 { return UInt32(known - 1) }
            guard count < Int(UInt32.max) else { return nil }
            if count == capacity {
                let grown = UnsafeMutablePointer<IPAddress>.allocate(capacity: capacity * 2)
                grown.initialize(from: list, count: count)
                list.deallocate()
                list = grown
                capacity *= 2
            }
            let id = UInt32(count)
            ids.insert(a, UInt64(id) + 1)
            list[count] = a
            count += 1
            return id
        }
    }

    /// The addresses by number, for reading keys once no more are added: after the scan, whose
    /// threads have been joined (the buffer moves when it grows). Not locked: it is read per
    /// group when address keys are sorted or printed.
    var addresses: UnsafePointer<IPAddress> { UnsafePointer(list) }
}

/// A hash map from addresses to nonzero words, open-addressed with a multiply hash: the
/// interner's and each worker's map of IPv6 codes, looked up per distinct IPv6 address of a
/// block (a `Dictionary`, hashing with SipHash, made a half-IPv6 archive's pairs 40% slower).
final class AddressCodeMap {
    private var keys: UnsafeMutablePointer<IPAddress>
    /// 0: an empty slot.
    private var values: UnsafeMutablePointer<UInt64>
    private var mask = 1023
    private(set) var count = 0

    init() {
        keys = .allocate(capacity: mask + 1)
        values = .allocate(capacity: mask + 1)
        values.initialize(repeating: 0, count: mask + 1)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    @inline(__always)
    private func slot(_ a: IPAddress) -> Int {
        let h = (a.high &* 0x9E37_79B9_7F4A_7C15 ^ a.low) &* 0xC4CE_B9FE_1A85_EC53
        return Int(truncatingIfNeeded: h ^ (h &>> 29)) & mask
    }

    /// The word of `a`, or 0.
    @inline(__always)
    func find(_ a: IPAddress) -> UInt64 {
        var s = slot(a)
        while values[s] != 0 {
            if keys[s] == a { return values[s] }
            s = (s &+ 1) & mask
        }
        return 0
    }

    /// Adds `a` (not present) with word `v` (nonzero).
    func insert(_ a: IPAddress, _ v: UInt64) {
        if (count + 1) * 2 > mask + 1 { grow() }
        var s = slot(a)
        while values[s] != 0 { s = (s &+ 1) & mask }
        keys[s] = a
        values[s] = v
        count += 1
    }

    private func grow() {
        let oldKeys = keys, oldValues = values, oldSize = mask + 1
        mask = oldSize * 2 - 1
        keys = .allocate(capacity: mask + 1)
        values = .allocate(capacity: mask + 1)
        values.initialize(repeating: 0, count: mask + 1)
        for i in 0..<oldSize where oldValues[i] != 0 {
            var s = slot(oldKeys[i])
            while values[s] != 0 { s = (s &+ 1) & mask }
            keys[s] = oldKeys[i]
            values[s] = oldValues[i]
        }
        oldKeys.deallocate()
        oldValues.deallocate()
    }
}

/// How an address key is kept: as its two words, each in the bits its range needs, or (when
/// the range spans IPv4 and IPv6) as one 33-bit code: an IPv4 address's 32 bits, or bit 32 set
/// over the query's number for an IPv6 address (`AddressInterner`). Either way equal addresses
/// have equal bits, so grouping never reads them back.
struct AddressKey {
    let high: KeyField
    let low: KeyField
    /// Whether kept as a code (in `high`; `low` unused), numbered by the layout's bounds'
    /// interner. No reference to it here: a result's cell writers copy this per cell, and a
    /// retain there was a tenth of a query's time.
    let interned: Bool

    static let v6Flag: UInt64 = 1 << 32

    /// Whether words `high`, `low` are an IPv4(-mapped) address.
    @inline(__always)
    static func isIPv4(_ high: UInt64, _ low: UInt64) -> Bool { high == 0 && low &>> 32 == 0xFFFF }

    /// The address stored in `key`; `v6` is the interner's `addresses` when `interned`.
    @inline(__always)
    func read(_ key: UnsafePointer<UInt64>, _ v6: UnsafePointer<IPAddress>?) -> IPAddress {
        guard interned else { return IPAddress(high: high.read(key), low: low.read(key)) }
        let c = high.read(key)
        if c & Self.v6Flag == 0 { return IPAddress(ipv4: UInt32(truncatingIfNeeded: c)) }
        return v6.unsafelyUnwrapped[Int(c & 0xFFFF_FFFF)]
    }
}

/// How one GROUP BY key is held in a group's key words.
enum KeyPart {
    /// An integer column: one value word.
    case int(slot: Int)
    /// An address column (a VARCHAR to SQL, grouped on its 128-bit value): two value words.
    case address(slot: Int)
    /// A text column: one value word, the worker's `StringTable` id of the text (32 bits).
    case text(slot: Int)
    /// A bigint or timestamp expression computed a batch at a time: one value word.
    case vector(VectorExpr, tag: UInt8)
    /// Anything else, evaluated per row and packed: three value words (tag, a, b).
    case computed(CExpr)
}

/// The key words of a group: first one bit per key saying "this key is NULL", then each key's
/// value words packed into as few bits as the key can need, in key order (a field does not
/// straddle two words). Equal keys have equal words, so grouping compares and hashes words and
/// never looks at a value's type.
///
/// Why packed: a query of millions of groups spends most of its time faulting in and missing
/// on the group table's memory (the seed query's four keys were seven words a group: null
/// bits, numpackets, two words per address, the port). A column key whose range the block
/// indexes bound takes the bits of that range (an IPv4 address 32, a port 16, numpackets a
/// few more), a text id 32, a computed key's tag 8; the seed query's keys fit in two words.
struct KeyLayout {
    let parts: [KeyPart]
    /// Per key, per value word: where it is kept (an interned address: one field, its code).
    let fields: [[KeyField]]
    /// Per key: how an address key is kept (nil for other keys).
    let addresses: [AddressKey?]
    let width: Int

    init(_ keys: [CExpr], bounds: KeyBounds = .none) {
        var parts: [KeyPart] = [], fields: [[KeyField]] = [], addresses: [AddressKey?] = []
        var bit = keys.count  // null bits first
        /// A field of `bits` bits (0...64) holding values from `base` on.
        func place(_ bits: Int, base: UInt64) -> KeyField {
            if bits == 0 { return KeyField(word: 0, shift: 0, mask: 0, base: base) }
            if (bit & 63) + bits > 64 { bit = (bit + 63) & ~63 }
            let f = KeyField(word: bit >> 6, shift: UInt64(bit & 63), mask: bits == 64 ? .max : (UInt64(1) << UInt64(bits)) - 1, base: base)
            bit += bits
            return f
        }
        /// Bits for the values `lo...hi`.
        func bits(_ lo: UInt64, _ hi: UInt64) -> Int { 64 - (hi &- lo).leadingZeroBitCount }
        for k in keys {
            let p: KeyPart
            var f: [KeyField] = []
            var address: AddressKey? = nil
            switch k {
            case .column(let slot, .string):
                p = .text(slot: slot)
                f = [place(32, base: 0)]
            case .column(let slot, .address):
                p = .address(slot: slot)
                if case .address(let lo, let hi)? = bounds.bySlot[slot], lo.high == hi.high {
                    // One high word (IPv4's, 0): only the low words' range is stored.
                    f = [place(0, base: lo.high), place(bits(lo.low, hi.low), base: lo.low)]
                    address = AddressKey(high: f[0], low: f[1], interned: false)
                } else if bounds.interner != nil && bounds.internable.contains(slot) {
                    f = [place(33, base: 0)]
                    address = AddressKey(high: f[0], low: .constantZero, interned: true)
                } else if case .address(let lo, let hi)? = bounds.bySlot[slot] {
                    // Both words: the high word in the bits of its range (IPv4's 0 up to the
                    // largest IPv6 prefix met: 46 bits for 2a03:2880::/32), so that with its
                    // NULL bit a lone address key takes two words, not three.
                    f = [place(bits(lo.high, hi.high), base: lo.high), place(64, base: 0)]
                    address = AddressKey(high: f[0], low: f[1], interned: false)
                } else {
                    f = [place(64, base: 0), place(64, base: 0)]
                    address = AddressKey(high: f[0], low: f[1], interned: false)
                }
            case .column(let slot, _):
                p = .int(slot: slot)
                if case .int(let r)? = bounds.bySlot[slot] {
                    f = [place(bits(r.lowerBound, r.upperBound), base: r.lowerBound)]
                } else {
                    f = [place(64, base: 0)]
                }
            default:
                if let (v, tag) = VectorExpr.compile(k) {
                    p = .vector(v, tag: tag)
                    f = [place(64, base: 0)]
                } else {
                    p = .computed(k)
                    f = [place(8, base: 0), place(64, base: 0), place(64, base: 0)]
                }
            }
            parts.append(p)
            fields.append(f)
            addresses.append(address)
        }
        self.parts = parts
        self.fields = fields
        self.addresses = addresses
        // A global aggregate (no GROUP BY) still has one word, always 0: one group.
        width = max(1, (bit + 63) >> 6)
    }

    /// Writes a computed key's packed value (not NULL) into its three fields (`fields` of a
    /// `.computed` part); returns the bits beyond the fields (see `KeyField.write`).
    @inline(__always)
    static func writeComputed(_ p: PackedScalar, _ fields: [KeyField], _ key: UnsafeMutablePointer<UInt64>) -> UInt64 {
        fields[0].write(UInt64(p.tag), key) | fields[1].write(p.a, key) | fields[2].write(p.b, key)
    }

    /// Whether key k is NULL in `key`.
    @inline(__always)
    static func isNull(_ k: Int, _ key: UnsafePointer<UInt64>) -> Bool { (key[k >> 6] &>> UInt64(k & 63)) & 1 == 1 }

    /// Marks key k NULL in `key` (its value bits stay zero).
    @inline(__always)
    static func setNull(_ k: Int, _ key: UnsafeMutablePointer<UInt64>) { key[k >> 6] |= UInt64(1) &<< UInt64(k & 63) }

    /// The error for a key value outside the range its column's block indexes gave: the layout
    /// was made from those indexes, so an archive whose index disagrees with its data.
    static var outOfRange: QueryRuntimeError {
        QueryRuntimeError(description: "a GROUP BY value lies outside the range its column's block indexes give: the archive's indexes disagree with its data (run `flowarc verify`)")
    }
}

/// How one aggregate is computed. The common ones keep their state in per-aggregate arrays
/// indexed by group and are updated a batch of rows at a time; the rest keep an `AggState`.
enum AggKind {
    case countStar
    /// count(column): rows where the column is not NULL.
    case countColumn(slot: Int, kind: FieldKind)
    /// count(expression) of a vector expression: rows where it is not NULL (count_if(x) is
    /// count(CASE WHEN x THEN 1 END)).
    case countExpr(VectorExpr)
    /// sum or avg of a bigint expression: a 128-bit sum (exact, no intermediate overflow) and a count.
    case sum(VectorExpr)
    /// min or max of a bigint or timestamp expression.
    case extreme(VectorExpr, tag: UInt8, isMax: Bool)
    case generic(index: Int)

    static func plan(_ specs: [AggregateSpec]) -> [AggKind] {
        var generic = 0
        return specs.map { spec in
            switch (spec.function, spec.argument) {
            case (.countStar, _):
                return .countStar
            case (.count, .column(let slot, let kind)?):
                return .countColumn(slot: slot, kind: kind)
            case (.count, let a?):
                if let (v, _) = VectorExpr.compile(a) { return .countExpr(v) }
            case (.sum, let a?), (.avg, let a?):
                if let (v, tag) = VectorExpr.compile(a), tag == VectorExpr.bigint { return .sum(v) }
            case (.min, let a?), (.max, let a?):
                if let (v, tag) = VectorExpr.compile(a) { return .extreme(v, tag: tag, isMax: spec.function == .max) }
            default:
                break
            }
            generic += 1
            return .generic(index: generic - 1)
        }
    }
}

/// One worker's grouped aggregation: rows go in a batch at a time (keys built column by column
/// into key words, groups found by hash, aggregates updated column by column); at the end the
/// workers' aggregators are merged into one, which then answers key and aggregate values per
/// group for HAVING, ORDER BY and the output.
final class Aggregator {
    static let batch = 1024
    /// Per row of the block being aggregated by `SmallDomain`: its keys' combined code.
    private var combined = RawVector<UInt32>(capacity: 1 << 16)
    /// Per computed key (by its place in the layout): its value per dictionary code of the
    /// current block's address column (`buildKeys`), nil where not computed yet.
    private var keyMemos: [Int: [PackedScalar?]] = [:]
    /// Per interned address key (by its place in the layout): the codes of the current block's
    /// IPv6 dictionary entries (entry v4Count + 1 + i at i), `.max` where not looked up yet.
    private var addressMemos: [Int: [UInt64]] = [:]

    let layout: KeyLayout
    /// The bounds the layout packs column keys by; aggregators made from this one's groups
    /// (`collapsed`) take them too, so that equal keys keep equal words.
    let bounds: KeyBounds
    let specs: [AggregateSpec]
    let kinds: [AggKind]
    let genericCount: Int
    let strings: StringTable
    let table: GroupTable
    /// Per aggregate: rows counted (count), values summed (sum/avg) or seen (min/max).
    private var counts: [RawVector<Int64>] = []
    private var sums: [RawVector<Int128>?] = []
    private var extremes: [RawVector<Int64>?] = []
    /// Group g's generic states at g*genericCount ..< (g+1)*genericCount.
    private var generic: UnsafeMutablePointer<AggState>
    private var genericCapacity: Int
    /// Groups whose states exist (the table may be ahead within a batch).
    private(set) var stateCount = 0

    /// Whether blocks may be aggregated by dictionary code first (no generic aggregate).
    private let byCodeAllowed: Bool
    /// Per-code states of the block being aggregated by code.
    private let local = LocalStates()
    private let localCodes: UnsafeMutablePointer<Int32>
    /// Per-row path under owner partitioning: the batch's rows this worker owns.
    private let ownSelection: UnsafeMutablePointer<Int32>
    /// Per key: a `.vector` key's values and NULL flags for the block, by row (`smallDomain`);
    /// and its runs of equal values: each row's run (1, 2, ...), each run's value and NULL flag.
    private var vectorValues: [RawVector<UInt64>] = []
    private var vectorNulls: [RawVector<UInt8>] = []
    private var runCodes: [RawVector<UInt32>] = []
    private var runValues: [RawVector<UInt64>] = []
    private var runNulls: [RawVector<UInt8>] = []
    /// Blocks in a row whose `.vector` keys took too many values for `SmallDomain`; past a few,
    /// the keys are no longer computed ahead (they are computed again, per batch, on the
    /// per-row path).
    private var vectorDomainMisses = 0

    // Scratch for one batch.
    private let keyWords: UnsafeMutablePointer<UInt64>
    private let groupIDs: UnsafeMutablePointer<Int32>
    private let hashes: UnsafeMutablePointer<UInt64>
    private let ints: UnsafeMutablePointer<Int64>
    private let nulls: UnsafeMutablePointer<UInt8>

    /// The subquery rows of a join, for keys and arguments that read them.
    let joined: JoinedRows?

    // Owner partitioning (see `GroupExchange`): nil when this aggregator owns every group.
    private var exchange: GroupExchange? = nil
    private var worker = 0
    /// Workers sharing the groups (1: no partitioning); read in loops without touching `exchange`.
    private var parts = 1
    /// Records on their way to each other worker.
    private var outboxes: [RawVector<UInt64>] = []
    /// Words per record: key, hash, states.
    let recordWords: Int
    /// Scratch for rows of a batch that other workers own.
    private let foreignSel: UnsafeMutablePointer<Int32>
    private let foreignKeys: UnsafeMutablePointer<UInt64>
    private let foreignHashes: UnsafeMutablePointer<UInt64>
    private let records: UnsafeMutablePointer<UInt64>

    /// `strings` and `kinds` are given only by `collapsed`: its groups' text ids are those of
    /// the aggregator it collapses, and its kinds are how those states were kept.
    init(keys: [CExpr], aggregates: [AggregateSpec], bounds: KeyBounds = .none, joined: JoinedRows? = nil, strings: StringTable? = nil,
         kinds given: [AggKind]? = nil) {
        self.joined = joined
        self.strings = strings ?? StringTable()
        self.bounds = bounds
        layout = KeyLayout(keys, bounds: bounds)
        specs = aggregates
        kinds = given ?? AggKind.plan(aggregates)
        genericCount = kinds.reduce(0) { if case .generic = $1 { return $0 + 1 }; return $0 }
        byCodeAllowed = genericCount == 0
        localCodes = .allocate(capacity: Self.batch)
        ownSelection = .allocate(capacity: Self.batch)
        table = GroupTable(width: layout.width)
        for k in kinds {
            counts.append(RawVector())
            if case .sum = k { sums.append(RawVector()) } else { sums.append(nil) }
            if case .extreme = k { extremes.append(RawVector()) } else { extremes.append(nil) }
        }
        genericCapacity = max(1, 256 * genericCount)
        generic = .allocate(capacity: genericCapacity)
        keyWords = .allocate(capacity: Self.batch * layout.width)
        groupIDs = .allocate(capacity: Self.batch)
        hashes = .allocate(capacity: Self.batch)
        ints = .allocate(capacity: Self.batch)
        nulls = .allocate(capacity: Self.batch)
        recordWords = layout.width + 1 + kinds.reduce(0) { $0 + Self.stateWords($1) }
        foreignSel = .allocate(capacity: Self.batch)
        foreignKeys = .allocate(capacity: Self.batch * layout.width)
        foreignHashes = .allocate(capacity: Self.batch)
        records = .allocate(capacity: Self.batch * recordWords)
    }

    deinit {
        generic.deinitialize(count: stateCount * genericCount)
        generic.deallocate()
        keyWords.deallocate()
        groupIDs.deallocate()
        hashes.deallocate()
        localCodes.deallocate()
        ownSelection.deallocate()
        ints.deallocate()
        nulls.deallocate()
        foreignSel.deallocate()
        foreignKeys.deallocate()
        foreignHashes.deallocate()
        records.deallocate()
        ownerMask?.deallocate()
    }

    // MARK: owner partitioning

    /// Whether the workers should own shares of the groups (see `GroupExchange`): GROUP BY one
    /// address column with aggregates of fixed-size states. Blocks are then aggregated by
    /// dictionary code, so what travels between workers is a block's distinct addresses with
    /// their partial states, and the groups are many (the tables' merge is what it saves).
    /// Other keys go row by row: sending half the rows to another worker cost more than it
    /// saved (an hourly sum over 50 groups 133 -> 220 ms), so those keep merging tables.
    /// (Keys of plain words are required in any case: text ids are local to a worker.)
    static func partitionable(keys: [CExpr], aggregates: [AggregateSpec]) -> Bool {
        guard keys.count == 1, case .address = KeyLayout(keys).parts[0] else { return false }
        return AggKind.plan(aggregates).allSatisfy { if case .generic = $0 { return false }; return true }
    }

    /// Makes this the aggregator of `worker`, owning only its share of the groups: by the hash
    /// of the whole key, or with `byKeys` by that of the first `byKeys` keys alone (every group
    /// with the same first keys then has one owner; see `ownsByLeadingKeys`).
    func partition(_ exchange: GroupExchange, worker: Int, byKeys: Int? = nil) {
        self.exchange = exchange
        self.worker = worker
        parts = exchange.parts
        outboxes = (0..<exchange.parts).map { _ in RawVector(capacity: GroupExchange.bufferWords) }
        if let byKeys {
            // The leading keys' bits: their null bits and their fields.
            let mask = UnsafeMutablePointer<UInt64>.allocate(capacity: layout.width)
            mask.initialize(repeating: 0, count: layout.width)
            for k in 0..<byKeys {
                mask[k >> 6] |= UInt64(1) << UInt64(k & 63)
                for f in layout.fields[k] { mask[f.word] |= f.mask &<< f.shift }
            }
            ownerMask = mask
        }
    }

    /// Whether owner partitioning by the first `keyCount` keys keeps the workers' loads even:
    /// when one of those keys has many values (an address, an integer of a wide range). GROUP
    /// BY protocol, count(DISTINCT dstport) would give one worker most of the rows.
    func ownsByLeadingKeys(_ keyCount: Int) -> Bool {
        keyCount > 0 && (0..<keyCount).contains { k in
            switch layout.parts[k] {
            case .address: return true
            case .int: return layout.fields[k][0].mask >= 0xFFF
            default: return false
            }
        }
    }

    /// With owner partitioning by leading keys: per key word, the bits of those keys.
    private var ownerMask: UnsafeMutablePointer<UInt64>? = nil

    /// The worker owning the group of key words `key`, whose hash is `h`.
    @inline(__always)
    private func owner(_ key: UnsafePointer<UInt64>, _ h: UInt64) -> Int {
        guard let mask = ownerMask else { return GroupExchange.owner(h, parts: parts) }
        // A multiply per word rather than the table's hash: this runs for every row, and only
        // the bits the owner is taken from (40..<56) need to depend on the whole key.
        var x: UInt64 = 0
        for i in 0..<layout.width { x = (x ^ (key[i] & mask[i])) &* 0x9E37_79B9_7F4A_7C15 }
        return GroupExchange.owner(x ^ (x &>> 23), parts: parts)
    }

    /// Words of aggregate state a record carries: count; count and a 128-bit sum; count and an
    /// extreme.
    static func stateWords(_ kind: AggKind) -> Int {
        switch kind {
        case .countStar, .countColumn, .countExpr: return 1
        case .sum: return 3
        case .extreme: return 2
        case .generic: return 0
        }
    }

    /// Appends the `m` records at `records` to their owners' outboxes (the key's hash is at word
    /// `layout.width` of each), sending full ones. Owner by owner, so that each outbox is
    /// fetched once per batch rather than once per record.
    private func route(_ m: Int) {
        guard m > 0, let exchange else { return }
        let rw = recordWords, w = layout.width, parts = parts
        for to in 0..<parts where to != worker {
            let box = outboxes[to]
            for i in 0..<m where owner(records + i * rw, records[i * rw + w]) == to {
                box.append(copying: records + i * rw, count: rw)
            }
            if box.count >= GroupExchange.bufferWords {
                exchange.send(box, to: to)
                outboxes[to] = exchange.buffer()
            }
        }
    }

    /// Sends what the outboxes hold (at the end of the scan).
    func flushOutboxes() {
        guard let exchange else { return }
        for to in outboxes.indices where outboxes[to].count > 0 {
            exchange.send(outboxes[to], to: to)
            outboxes[to] = RawVector(capacity: 16)
        }
    }

    /// Adds the records other workers sent to this one into its groups.
    func drainInbox() {
        guard let exchange else { return }
        for buffer in exchange.receive(worker) {
            fold(buffer)
            exchange.recycle(buffer)
        }
    }

    private func fold(_ buffer: RawVector<UInt64>) {
        let rw = recordWords, w = layout.width
        let n = buffer.count / rw
        var start = 0
        while start < n {
            let m = min(Self.batch, n - start)
            for i in 0..<m {
                let r = buffer.base + (start + i) * rw
                (keyWords + i * w).update(from: r, count: w)
                hashes[i] = r[w]
            }
            probe(m)
            // Aggregate by aggregate, record by record (no enum payload copied per record).
            var at = w + 1
            for (j, kind) in kinds.enumerated() {
                let count = counts[j].base
                let r = buffer.base + start * rw
                switch kind {
                case .countStar, .countColumn, .countExpr:
                    for i in 0..<m { count[Int(groupIDs[i])] &+= Int64(bitPattern: r[i * rw + at]) }
                case .sum:
                    let sum = sums[j].unsafelyUnwrapped.base
                    for i in 0..<m {
                        let g = Int(groupIDs[i]), q = r + i * rw + at
                        sum[g] &+= Int128(_low: q[1], _high: Int64(bitPattern: q[2]))
                        count[g] &+= Int64(bitPattern: q[0])
                    }
                case .extreme(_, _, let isMax):
                    let best = extremes[j].unsafelyUnwrapped.base
                    for i in 0..<m {
                        let g = Int(groupIDs[i]), q = r + i * rw + at
                        let c = Int64(bitPattern: q[0])
                        if c > 0 {
                            let x = Int64(bitPattern: q[1])
                            if count[g] == 0 || (isMax ? x > best[g] : x < best[g]) { best[g] = x }
                            count[g] &+= c
                        }
                    }
                case .generic:
                    break
                }
                at += Self.stateWords(kind)
            }
            start += m
        }
    }

    /// Per-row path: of the batch's `m` rows (keys in `keyWords`, hashes in `hashes`), keeps
    /// those this worker owns at the front (keys, hashes and `sel` compacted into `ownSel`) and
    /// sends the others as one-row records. Returns how many rows it kept.
    private func keepOwnRows(_ b: BlockData, _ sel: UnsafePointer<Int32>, _ m: Int, _ ownSel: UnsafeMutablePointer<Int32>) throws -> Int {
        guard parts > 1 else { return m }
        let w = layout.width, me = worker
        var own = 0, foreign = 0
        for i in 0..<m {
            if owner(keyWords + i * w, hashes[i]) == me {
                if own != i {
                    (keyWords + own * w).update(from: keyWords + i * w, count: w)
                    hashes[own] = hashes[i]
                }
                ownSel[own] = sel[i]
                own += 1
            } else {
                (foreignKeys + foreign * w).update(from: keyWords + i * w, count: w)
                foreignHashes[foreign] = hashes[i]
                foreignSel[foreign] = sel[i]
                foreign += 1
            }
        }
        guard foreign > 0 else { return own }
        // The foreign rows' records: key and hash, then each aggregate's state for one row.
        let rw = recordWords
        for i in 0..<foreign {
            let r = records + i * rw
            r.update(from: foreignKeys + i * w, count: w)
            r[w] = foreignHashes[i]
        }
        var at = w + 1
        for (j, kind) in kinds.enumerated() {
            switch kind {
            case .countStar:
                for i in 0..<foreign { records[i * rw + at] = 1 }
            case .countColumn(let slot, let fieldKind):
                let v = b.views[slot]
                for i in 0..<foreign {
                    let r = Int(foreignSel[i])
                    let isNull = fieldKind == .string ? v.codes.unsafelyUnwrapped[r] == 0 : (v.nulls.map { $0[r] == 1 } ?? false)
                    records[i * rw + at] = isNull ? 0 : 1
                }
            case .countExpr(let e):
                try e.evaluate(b, foreignSel, foreign, ints, nulls)
                for i in 0..<foreign { records[i * rw + at] = UInt64(nulls[i] ^ 1) }
            case .sum(let e):
                try e.evaluate(b, foreignSel, foreign, ints, nulls)
                for i in 0..<foreign {
                    let present = nulls[i] == 0
                    let x = Int128(present ? ints[i] : 0)
                    records[i * rw + at] = present ? 1 : 0
                    records[i * rw + at + 1] = x._low
                    records[i * rw + at + 2] = UInt64(bitPattern: x._high)
                }
            case .extreme(let e, _, _):
                try e.evaluate(b, foreignSel, foreign, ints, nulls)
                for i in 0..<foreign {
                    records[i * rw + at] = nulls[i] == 0 ? 1 : 0
                    records[i * rw + at + 1] = UInt64(bitPattern: ints[i])
                }
            case .generic:
                preconditionFailure("owner partitioning runs only without generic aggregates")
            }
            _ = j
            at += Self.stateWords(kind)
        }
        route(foreign)
        return own
    }

    /// Adds groups `groups` of another aggregator, which this one does not have, after this
    /// one's: keys and states copied, nothing looked up (the table is left unindexed).
    func appendSelected(_ o: Aggregator, _ groups: [Int32]) {
        precondition(genericCount == 0, "generic states are not copied")
        guard !groups.isEmpty else { return }
        table.appendUnindexed(o.table, groups)
        for j in kinds.indices {
            for g in groups {
                counts[j].append(o.counts[j][Int(g)])
                sums[j]?.append(o.sums[j].unsafelyUnwrapped[Int(g)])
                extremes[j]?.append(o.extremes[j].unsafelyUnwrapped[Int(g)])
            }
        }
        stateCount = table.count
    }

    /// Adds another worker's groups, which this one does not have (owner partitioning), after
    /// this one's: their keys and states are copied, nothing is looked up.
    func appendDisjoint(_ o: Aggregator) {
        precondition(genericCount == 0, "generic states are not copied")
        let n = o.table.count
        guard n > 0 else { return }
        table.appendUnindexed(o.table)
        for j in kinds.indices {
            counts[j].append(copying: o.counts[j].base, count: n)
            if let s = sums[j] { s.append(copying: o.sums[j].unsafelyUnwrapped.base, count: n) }
            if let x = extremes[j] {
                x.append(copying: o.extremes[j].unsafelyUnwrapped.base, count: n)
            }
        }
        stateCount = table.count
    }

    var groupCount: Int { table.count }

    /// Aggregates rows `sel[0..<n]` of block `b`, each joined to subquery row `joinRows[i]`.
    func consume(_ b: BlockData, _ sel: UnsafePointer<Int32>, _ n: Int, joinRows: UnsafePointer<Int32>? = nil) throws {
        strings.beginBlock(b)
        keyMemos.removeAll(keepingCapacity: true)
        addressMemos.removeAll(keepingCapacity: true)
        if layout.parts.isEmpty {
            // A global aggregate (no GROUP BY): one group, no keys to build, hash or look up.
            ensureGlobalGroup()
            // Every row of the block (a selection is ascending, so its first and last say so).
            if joinRows == nil, n > 0, n == b.rows, sel[0] == 0, sel[n - 1] == Int32(truncatingIfNeeded: n - 1) {
                consumeWholeBlock(b, n)
                if !doneWhole.contains(false) { return }
            } else {
                for j in doneWhole.indices { doneWhole[j] = false }
            }
            groupIDs.update(repeating: 0, count: Self.batch)
            var start = 0
            while start < n {
                let m = min(Self.batch, n - start)
                try update(b, sel + start, m, joinRows.map { $0 + start }, global: true)
                start += m
            }
            return
        }
        if joinRows == nil, byCodeAllowed, layout.parts.count == 1 {
            let f = layout.fields[0], w = layout.width
            switch layout.parts[0] {
            case .address(let slot):
                // By code when the block has few distinct addresses for its rows, or when the
                // rows were never expanded (nothing else reads them).
                if let codes = b.addressCodes[slot], codes.entryCount <= 2 * n || b.views[slot].high == nil {
                    let entries = codes.entries, address = layout.addresses[0].unsafelyUnwrapped
                    try codes.codes.withUnsafeBufferPointer { c in
                        try consumeByCode(b, sel, n, codes: c.baseAddress!, entries: codes.entryCount) { code, k in
                            for i in 0..<w { k[i] = 0 }
                            if code == 0 { k[0] = 1; return 0 }
                            // Read where the chunk keeps the dictionary (not expanded for this).
                            let a = entries.entry(code)
                            return writeAddress(address, a.high, a.low, k)
                        }
                    }
                    return
                }
            case .text(let slot):
                let dictionary = b.strings[slot].unsafelyUnwrapped.dictionary
                if dictionary.count + 1 <= 2 * n {
                    try consumeByCode(b, sel, n, codes: b.views[slot].codes.unsafelyUnwrapped, entries: dictionary.count + 1) { code, k in
                        for i in 0..<w { k[i] = 0 }
                        if code == 0 { k[0] = 1; return 0 }
                        return f[0].write(UInt64(strings.id(slot: slot, code: code, dictionary)), k)
                    }
                    return
                }
            case .computed:
                if let (slot, p) = perCodeKeys[0], let column = b.strings[slot] {
                    // A function of one text column (substr(interfaceid, 1, 6), lower(action)):
                    // computed once per dictionary code a selected row holds (so an error is a
                    // row's own), then the rows aggregated by code as for the column itself.
                    let codes = b.views[slot].codes.unsafelyUnwrapped
                    let entries = column.dictionary.count + 1
                    codeKeys.removeAll(keepingCapacity: true)
                    codeKeys.append(contentsOf: repeatElement(nil, count: entries))
                    var c = EvalContext(block: b)
                    for i in 0..<n {
                        let code = Int(codes[Int(sel[i])])
                        if codeKeys[code] != nil { continue }
                        c.parameter = code == 0 ? .null : .text(slot: slot, code: UInt32(code))
                        codeKeys[code] = strings.pack(try Evaluator.eval(p, c), c)
                    }
                    try codeKeys.withUnsafeBufferPointer { known in
                        try consumeByCode(b, sel, n, codes: codes, entries: entries) { code, k in
                            for i in 0..<w { k[i] = 0 }
                            let packed = known[code].unsafelyUnwrapped
                            if packed.tag == 0 { k[0] = 1; return 0 }
                            return KeyLayout.writeComputed(packed, f, k)
                        }
                    }
                    return
                }
                guard let (branch, results) = constantCases[0] else { break }
                // A CASE of constants: the branch number is the code (0 for NULL), so the rows
                // are aggregated in a few counters and only those reach the group table.
                combined.reserve(b.rows)
                let codes = combined.base
                var start = 0
                while start < n {
                    let m = min(Self.batch, n - start)
                    try branch.evaluate(b, sel + start, m, ints, nulls)
                    for i in 0..<m { codes[Int(sel[start + i])] = nulls[i] != 0 ? 0 : UInt32(truncatingIfNeeded: ints[i]) &+ 1 }
                    start += m
                }
                let packed = results.map { strings.pack($0, EvalContext(block: b)) }
                try consumeByCode(b, sel, n, codes: codes, entries: results.count + 1) { code, k in
                    for i in 0..<w { k[i] = 0 }
                    if code == 0 { k[0] = 1; return 0 }
                    let p = packed[code - 1]
                    return KeyLayout.writeComputed(p, f, k)
                }
                return
            default:
                break
            }
        }
        if joinRows == nil, byCodeAllowed, let domain = try smallDomain(b, sel, n) {
            // Keys of few values together in this block (GROUP BY action, protocol; a port below
            // 1024): the rows are counted into a dense array by the keys' combined code, and only
            // the codes met go through the group table, once per block instead of once per row.
            let codes = domain.combinedCodes(b, sel, n, into: &combined)
            try consumeByCode(b, sel, n, codes: codes, entries: domain.entries) { code, k in
                domain.writeKey(code, k, self, b)
            }
            return
        }
        var start = 0
        while start < n {
            let m = min(Self.batch, n - start)
            let s = sel + start
            let j = joinRows.map { $0 + start }
            try buildKeys(b, s, m, j)
            let w = layout.width
            for i in 0..<m { hashes[i] = GroupTable.hash(keyWords + i * w, w) }
            if exchange != nil {
                let own = try keepOwnRows(b, s, m, ownSelection)
                probe(own)
                try update(b, ownSelection, own, nil)
            } else {
                probe(m)
                try update(b, s, m, j)
            }
            start += m
        }
    }

    /// The block's `SmallDomain`, if its keys take few values together. A `.vector` key
    /// (`date_trunc('hour', from_unixtime(start))`, `start / 60`) is computed first for the
    /// block's rows: in a block ordered by start it comes in a few runs of equal values (each
    /// run then a code), or else it may take few values (coded by value), and the rows are then
    /// counted by code instead of each being hashed and looked up (bytes per hour).
    private func smallDomain(_ b: BlockData, _ sel: UnsafePointer<Int32>, _ n: Int) throws -> SmallDomain? {
        var views: [Int: SlotView] = [:]
        var runs: [Int: SmallDomain.Runs] = [:]
        for (k, part) in layout.parts.enumerated() {
            switch part {
            case .computed:
                return nil
            case .vector(let e, _):
                guard vectorDomainMisses < 3, n > 0 else { return nil }
                if vectorValues.count != layout.parts.count {
                    vectorValues = layout.parts.map { _ in RawVector<UInt64>() }
                    vectorNulls = layout.parts.map { _ in RawVector<UInt8>() }
                    runCodes = layout.parts.map { _ in RawVector<UInt32>() }
                    runValues = layout.parts.map { _ in RawVector<UInt64>() }
                    runNulls = layout.parts.map { _ in RawVector<UInt8>() }
                }
                let keyValues = vectorValues[k], flags = vectorNulls[k]
                keyValues.reserve(b.rows)
                flags.reserve(b.rows)
                let v = keyValues.base, f = flags.base
                var start = 0
                while start < n {
                    let m = min(Self.batch, n - start)
                    try e.evaluate(b, sel + start, m, ints, nulls)
                    for i in 0..<m {
                        let r = Int(sel[start + i])
                        v[r] = UInt64(bitPattern: ints[i])
                        f[r] = nulls[i]
                    }
                    start += m
                }
                views[k] = SlotView(values: v, nulls: f)
                // The runs, in selection order; given up past one run in 16 rows.
                let codes = runCodes[k], values = runValues[k], runFlags = runNulls[k]
                codes.reserve(b.rows)
                values.removeAll()
                runFlags.removeAll()
                values.append(0)  // run numbers start at 1
                runFlags.append(0)
                let c = codes.base
                var count = 0
                var last = -1
                for i in 0..<n {
                    let r = Int(sel[i])
                    if last < 0 || f[r] != f[last] || (f[r] == 0 && v[r] != v[last]) {
                        count += 1
                        if count > n / 16 { break }
                        values.append(f[r] == 0 ? v[r] : 0)
                        runFlags.append(f[r])
                    }
                    c[r] = UInt32(truncatingIfNeeded: count)
                    last = r
                }
                if count <= n / 16 {
                    runs[k] = SmallDomain.Runs(codes: c, values: values.base, nulls: runFlags.base, count: count)
                }
            default:
                break
            }
        }
        let domain = SmallDomain(layout, b, sel, n, vectorViews: views, vectorRuns: runs)
        if !views.isEmpty { vectorDomainMisses = domain == nil ? vectorDomainMisses + 1 : 0 }
        return domain
    }

    /// GROUP BY one dictionary-coded column (an address column stored with a block dictionary,
    /// or a text column) with only column-wise aggregates: the block's rows are aggregated by
    /// code in small arrays that stay in cache, and only the block's distinct codes reach the
    /// hash table (a top-talkers query over millions of addresses then probes the big table
    /// once per address and block, not once per row). `key` writes the key words of a code and
    /// returns the bits of its values beyond their fields (see `KeyField.write`).
    private func consumeByCode(_ b: BlockData, _ sel: UnsafePointer<Int32>, _ n: Int, codes: UnsafePointer<UInt32>, entries: Int,
                               key: (Int, UnsafeMutablePointer<UInt64>) -> UInt64) throws {
        let seen = local.reset(entries, kinds)
        // Every row of the block selected (no WHERE, or all passed): rows are read directly,
        // without the selection vector (`sel` rises strictly, so its last entry tells).
        let everyRow = n > 0 && n == b.rows && sel[n - 1] == Int32(truncatingIfNeeded: n - 1)
        // Few codes (GROUP BY action, protocol): most rows add to the same few counters, and
        // each add waits for the one before it to the same place; four copies of the counters,
        // taken in turn, let four adds run at once (action x protocol 70 -> 57 ms).
        if everyRow && entries <= LocalStates.laneLimit / 4 {
            let l = local.laneCounts(entries)
            let e1 = entries, e2 = 2 &* entries, e3 = 3 &* entries
            var r = 0
            while r &+ 4 <= n {
                l[Int(codes[r])] &+= 1
                l[e1 &+ Int(codes[r &+ 1])] &+= 1
                l[e2 &+ Int(codes[r &+ 2])] &+= 1
                l[e3 &+ Int(codes[r &+ 3])] &+= 1
                r &+= 4
            }
            while r < n { seen[Int(codes[r])] &+= 1; r &+= 1 }
            for c in 0..<entries {
                seen[c] &+= Int32(truncatingIfNeeded: l[c] &+ l[e1 &+ c] &+ l[e2 &+ c] &+ l[e3 &+ c])
                l[c] = 0; l[e1 &+ c] = 0; l[e2 &+ c] = 0; l[e3 &+ c] = 0
            }
        } else if everyRow {
            for r in 0..<n { seen[Int(codes[r])] &+= 1 }
        } else {
            for i in 0..<n { seen[Int(codes[Int(sel[i])])] &+= 1 }
        }
        // The sums take four copies too where one code holds a quarter of the rows or more (with
        // the rows spread over hundreds of codes, the copies only cost their index arithmetic).
        var lanes = false
        if everyRow && entries <= LocalStates.laneLimit {
            var most: Int32 = 0
            for c in 0..<entries { most = max(most, seen[c]) }
            lanes = Int(most) >= n / 4
        }
        for (j, kind) in kinds.enumerated() {
            let count = local.counts[j].base
            switch kind {
            case .countStar:
                break  // `seen` is the count
            case .countColumn(let slot, let fieldKind):
                let v = b.views[slot]
                for i in 0..<n {
                    let r = Int(sel[i])
                    let isNull = fieldKind == .string ? v.codes.unsafelyUnwrapped[r] == 0 : (v.nulls.map { $0[r] == 1 } ?? false)
                    if !isNull { count[Int(codes[r])] &+= 1 }
                }
            case .countExpr(let e):
                var start = 0
                while start < n {
                    let m = min(Self.batch, n - start)
                    try e.evaluate(b, sel + start, m, ints, nulls)
                    for i in 0..<m { count[Int(codes[Int(sel[start + i])])] &+= Int64(nulls[i] ^ 1) }
                    start += m
                }
            case .sum(.column(let slot)) where everyRow:
                // sum(column) over every row: straight from the column, a NULL adding 0.
                let v = b.views[slot]
                let values = v.values.unsafelyUnwrapped
                let sum = local.sums[j].base
                if lanes {
                    // Four copies of the sums and counts, as for `seen` above.
                    let ls = local.laneSums(entries), lc = local.laneCounts(entries)
                    var r = 0
                    if let nl = v.nulls {
                        while r < n {
                            let lane = (r & 3) &* entries
                            let c = lane &+ Int(codes[r]), present = Int64(nl[r] ^ 1)
                            ls[c] &+= Int128(Int64(bitPattern: values[r]) & (0 &- present))
                            lc[c] &+= present
                            r &+= 1
                        }
                    } else {
                        while r < n {
                            let c = (r & 3) &* entries &+ Int(codes[r])
                            ls[c] &+= Int128(Int64(bitPattern: values[r]))
                            lc[c] &+= 1
                            r &+= 1
                        }
                    }
                    let e1 = entries, e2 = 2 &* entries, e3 = 3 &* entries
                    for c in 0..<entries {
                        sum[c] &+= ls[c] &+ ls[e1 &+ c] &+ ls[e2 &+ c] &+ ls[e3 &+ c]
                        count[c] &+= lc[c] &+ lc[e1 &+ c] &+ lc[e2 &+ c] &+ lc[e3 &+ c]
                        ls[c] = 0; ls[e1 &+ c] = 0; ls[e2 &+ c] = 0; ls[e3 &+ c] = 0
                        lc[c] = 0; lc[e1 &+ c] = 0; lc[e2 &+ c] = 0; lc[e3 &+ c] = 0
                    }
                } else if let nl = v.nulls {
                    for r in 0..<n {
                        let c = Int(codes[r]), present = Int64(nl[r] ^ 1)
                        sum[c] &+= Int128(Int64(bitPattern: values[r]) & (0 &- present))
                        count[c] &+= present
                    }
                } else {
                    // No NULL: each code's count is its row count, copied once after the sums
                    // rather than incremented per row beside them.
                    for r in 0..<n { sum[Int(codes[r])] &+= Int128(Int64(bitPattern: values[r])) }
                    for c in 0..<entries { count[c] = Int64(seen[c]) }
                }
            case .sum(let e), .extreme(let e, _, _):
                var start = 0
                while start < n {
                    let m = min(Self.batch, n - start)
                    try e.evaluate(b, sel + start, m, ints, nulls)
                    if case .extreme(_, _, let isMax) = kind {
                        let best = local.extremes[j].base
                        for i in 0..<m where nulls[i] == 0 {
                            let c = Int(codes[Int(sel[start + i])]), x = ints[i]
                            if count[c] == 0 || (isMax ? x > best[c] : x < best[c]) { best[c] = x }
                            count[c] &+= 1
                        }
                    } else {
                        // Without a branch per row: a NULL adds 0 to the sum and to the count.
                        let sum = local.sums[j].base
                        for i in 0..<m {
                            let c = Int(codes[Int(sel[start + i])])
                            let present = Int64(nulls[i] ^ 1)
                            sum[c] &+= Int128(ints[i] & (0 &- present))
                            count[c] &+= present
                        }
                    }
                    start += m
                }
            case .generic:
                preconditionFailure("consumeByCode runs only without generic aggregates")
            }
        }
        // The block's distinct codes into the table, then their states into the groups'.
        let w = layout.width
        var outside: UInt64 = 0
        var code = 0
        while code < entries {
            var m = 0
            var foreign = 0
            let parts = parts, me = worker
            while code < entries && m < Self.batch && foreign < Self.batch {
                if seen[code] > 0 {
                    let k = keyWords + m * w
                    outside |= key(code, k)
                    let h = GroupTable.hash(k, w)
                    // With several workers, another worker's group travels as a record with its
                    // states for this block. The key is written both ways and kept as one without
                    // a branch on the owner: which worker owns a key is a coin toss, and branching
                    // on it mispredicted every other key.
                    localCodes[m] = Int32(code)
                    hashes[m] = h
                    if parts > 1 {
                        let r = records + foreign * recordWords
                        for i in 0..<w { r[i] = k[i] }
                        r[w] = h
                        foreignSel[foreign] = Int32(code)
                        let isForeign = owner(k, h) != me ? 1 : 0
                        foreign += isForeign
                        m += 1 - isForeign
                    } else {
                        m += 1
                    }
                }
                code += 1
            }
            if foreign > 0 {
                // The foreign codes' states, aggregate by aggregate.
                let rw = recordWords
                var at = w + 1
                for (j, kind) in kinds.enumerated() {
                    let lc = local.counts[j].base
                    switch kind {
                    case .countStar:
                        for i in 0..<foreign { records[i * rw + at] = UInt64(seen[Int(foreignSel[i])]) }
                    case .countColumn, .countExpr:
                        for i in 0..<foreign { records[i * rw + at] = UInt64(bitPattern: lc[Int(foreignSel[i])]) }
                    case .sum:
                        let ls = local.sums[j].base
                        for i in 0..<foreign {
                            let c = Int(foreignSel[i]), q = records + i * rw + at
                            q[0] = UInt64(bitPattern: lc[c])
                            q[1] = ls[c]._low
                            q[2] = UInt64(bitPattern: ls[c]._high)
                        }
                    case .extreme:
                        let lx = local.extremes[j].base
                        for i in 0..<foreign {
                            let c = Int(foreignSel[i]), q = records + i * rw + at
                            q[0] = UInt64(bitPattern: lc[c])
                            q[1] = UInt64(bitPattern: lx[c])
                        }
                    case .generic:
                        break
                    }
                    at += Self.stateWords(kind)
                }
                local.clear(foreignSel, foreign, kinds)
            }
            route(foreign)
            probe(m)
            for (j, kind) in kinds.enumerated() {
                let lc = local.counts[j].base, gc = counts[j].base
                // The groups' states are spread over megabytes: each update's lines are
                // requested `ahead` updates early, so the misses overlap.
                let ahead = 8
                switch kind {
                case .countStar:
                    for i in 0..<m {
                        if i + ahead < m { flowarc_prefetch(gc + Int(groupIDs[i + ahead])) }
                        gc[Int(groupIDs[i])] &+= Int64(seen[Int(localCodes[i])])
                    }
                case .countColumn, .countExpr:
                    for i in 0..<m {
                        if i + ahead < m { flowarc_prefetch(gc + Int(groupIDs[i + ahead])) }
                        gc[Int(groupIDs[i])] &+= lc[Int(localCodes[i])]
                    }
                case .sum:
                    let gs = sums[j].unsafelyUnwrapped.base, ls = local.sums[j].base
                    for i in 0..<m {
                        if i + ahead < m {
                            let a = Int(groupIDs[i + ahead])
                            flowarc_prefetch(gs + a)
                            flowarc_prefetch(gc + a)
                        }
                        let g = Int(groupIDs[i]), c = Int(localCodes[i])
                        gs[g] &+= ls[c]
                        gc[g] &+= lc[c]
                    }
                case .extreme(_, _, let isMax):
                    let best = extremes[j].unsafelyUnwrapped.base, lx = local.extremes[j].base
                    for i in 0..<m {
                        let g = Int(groupIDs[i]), c = Int(localCodes[i])
                        if lc[c] > 0 {
                            let x = lx[c]
                            if gc[g] == 0 || (isMax ? x > best[g] : x < best[g]) { best[g] = x }
                            gc[g] &+= lc[c]
                        }
                    }
                case .generic:
                    break
                }
            }
            local.clear(localCodes, m, kinds)
        }
        local.inUse = false
        if outside != 0 { throw KeyLayout.outOfRange }
    }

    /// Finds (or adds) the groups of the batch's `m` keys in `keyWords`, hashed in `hashes`,
    /// into `groupIDs`, and makes states for new groups. Probes run with the loads of later
    /// keys already under way: a table of millions of groups misses the caches on nearly every
    /// probe, and overlapping those misses is most of the speed of grouping.
    private func probe(_ m: Int) {
        let w = layout.width
        let slotAhead = 16, keyAhead = 8
        for i in 0..<min(m, slotAhead) { table.prefetchSlot(hashes[i]) }
        for i in 0..<m {
            if i + slotAhead < m { table.prefetchSlot(hashes[i + slotAhead]) }
            if i + keyAhead < m { table.prefetchKey(hashes[i + keyAhead]) }
            groupIDs[i] = Int32(truncatingIfNeeded: table.findOrInsert(keyWords + i * w, hashes[i]))
        }
        growStates()
    }

    /// For a global aggregate (no GROUP BY) of count(*) and min/max of integer columns, with at
    /// least one min/max: per aggregate, the column and direction of a min/max (nil for
    /// count(*)). A block every row of which is aggregated then needs only its indexes: an
    /// intRange index holds the least and greatest non-null value of its chunk (Formats/
    /// ARCHIVE.md, "1: intRange"), so `SELECT min(starttime), max(endtime)` reads no chunk.
    private(set) lazy var indexExtremes: [IndexExtreme?]? = {
        guard layout.parts.isEmpty, joined == nil else { return nil }
        var out: [IndexExtreme?] = []
        for kind in kinds {
            switch kind {
            case .countStar: out.append(nil)
            case .extreme(.column(let slot), let tag, let isMax) where tag == VectorExpr.bigint:
                out.append(IndexExtreme(slot: slot, isMax: isMax, seconds: false))
            case .extreme(.fromUnixtime(.column(let slot)), let tag, let isMax) where tag == VectorExpr.timestamp:
                // min(from_unixtime(starttime)): the conversion keeps the order.
                out.append(IndexExtreme(slot: slot, isMax: isMax, seconds: true))
            default: return nil
            }
        }
        return out.contains { $0 != nil } ? out : nil
    }()

    struct IndexExtreme {
        let slot: Int
        let isMax: Bool
        /// from_unixtime of the column: the value in milliseconds.
        let seconds: Bool
    }

    /// Adds a block of `rows` rows whose min/max aggregates take `values` (per aggregate of
    /// `indexExtremes`: the block's least or greatest value, nil where the column has none).
    func addIndexedBlock(rows: Int, _ values: [Int64?]) {
        ensureGlobalGroup()
        for (j, kind) in kinds.enumerated() {
            switch kind {
            case .countStar:
                counts[j][0] &+= Int64(rows)
            case .extreme(_, _, let isMax):
                if let x = values[j] { addExtreme(j, x, count: 1, isMax: isMax) }
            default:
                preconditionFailure("addIndexedBlock for an aggregate indexExtremes does not cover")
            }
        }
    }

    /// Whether every aggregate is count(*) and there is no GROUP BY: rows need only be counted.
    var countsOnly: Bool {
        layout.parts.isEmpty && joined == nil && kinds.allSatisfy { if case .countStar = $0 { return true }; return false }
    }

    /// Counts `n` more rows into the one group of a `countsOnly` aggregate.
    func addRows(_ n: Int) {
        precondition(countsOnly)
        ensureGlobalGroup()
        for j in kinds.indices { counts[j][0] &+= Int64(n) }
    }

    /// Adds a group for the empty key (a global aggregate over no rows still returns one row).
    func ensureGlobalGroup() {
        guard table.count == 0 else { return }
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: layout.width) { k in
            k.initialize(repeating: 0)
            _ = table.findOrInsert(k.baseAddress!)
        }
        growStates()
    }

    /// This worker's codes of the IPv6 addresses it has met (see `AddressKey`): the query's
    /// interner is locked only for addresses new to the worker.
    private let v6Codes = AddressCodeMap()

    /// Stores the address of words `high`, `low` into `key` as `a` keeps it; returns the bits
    /// beyond its fields (see `KeyField.write`).
    @inline(__always)
    func writeAddress(_ a: AddressKey, _ high: UInt64, _ low: UInt64, _ key: UnsafeMutablePointer<UInt64>) -> UInt64 {
        guard a.interned else { return a.high.write(high, key) | a.low.write(low, key) }
        return a.high.write(addressCode(high, low), key)
    }

    /// The code an interned address key keeps for the address of words `high`, `low`.
    @inline(__always)
    func addressCode(_ high: UInt64, _ low: UInt64) -> UInt64 {
        AddressKey.isIPv4(high, low) ? low & 0xFFFF_FFFF : v6Code(IPAddress(high: high, low: low))
    }

    @inline(never)
    private func v6Code(_ address: IPAddress) -> UInt64 {
        let known = v6Codes.find(address)
        if known != 0 { return known }
        // Past 2^32 IPv6 addresses in one query: a code no field holds, reported as an error.
        guard let id = bounds.interner.unsafelyUnwrapped.id(address) else { return .max }
        let c = AddressKey.v6Flag | UInt64(id)
        v6Codes.insert(address, c)
        return c
    }

    private func buildKeys(_ b: BlockData, _ sel: UnsafePointer<Int32>, _ m: Int, _ joinRows: UnsafePointer<Int32>?) throws {
        let w = layout.width
        let kw = keyWords
        kw.update(repeating: 0, count: m * w)
        for (k, part) in layout.parts.enumerated() {
            let fields = layout.fields[k]
            let f = fields[0]
            let nullWord = k >> 6
            let bit = UInt64(1) << UInt64(k & 63)
            // Bits of values beyond their fields (see `KeyField.write`), checked once per key.
            var outside: UInt64 = 0
            switch part {
            case .int(let slot):
                let v = b.views[slot]
                let values = v.values.unsafelyUnwrapped
                if let nl = v.nulls {
                    for i in 0..<m {
                        let r = Int(sel[i])
                        if nl[r] == 1 { kw[i * w + nullWord] |= bit } else { outside |= f.write(values[r], kw + i * w) }
                    }
                } else {
                    for i in 0..<m { outside |= f.write(values[Int(sel[i])], kw + i * w) }
                }
                if outside != 0 { throw KeyLayout.outOfRange }
            case .address(let slot):
                let v = b.views[slot]
                let address = layout.addresses[k].unsafelyUnwrapped
                if address.interned, let c = b.addressCodes[slot] {
                    // From the block dictionary: an IPv4 entry's 32 bits, an IPv6 entry's number
                    // looked up once per block (a dual-stack VPC's IPv6 rows would otherwise look
                    // each row up in the worker's table).
                    let v4 = c.v4Count
                    var memo = addressMemos.removeValue(forKey: k) ?? [UInt64](repeating: .max, count: c.entryCount - 1 - v4)
                    defer { addressMemos[k] = memo }
                    c.codes.withUnsafeBufferPointer { codes in
                        c.high.withUnsafeBufferPointer { hi in
                            c.low.withUnsafeBufferPointer { lo in
                                memo.withUnsafeMutableBufferPointer { v6 in
                                    for i in 0..<m {
                                        let code = Int(codes[Int(sel[i])])
                                        if code == 0 { kw[i * w + nullWord] |= bit; continue }
                                        if code <= v4 { outside |= f.write(addressCode(hi[code], lo[code]), kw + i * w); continue }
                                        var x = v6[code - v4 - 1]
                                        if x == .max {
                                            x = addressCode(hi[code], lo[code])
                                            v6[code - v4 - 1] = x
                                        }
                                        outside |= f.write(x, kw + i * w)
                                    }
                                }
                            }
                        }
                    }
                    if outside != 0 { throw KeyLayout.outOfRange }
                    continue
                }
                if v.high == nil, let c = b.addressCodes[slot] {
                    // Not expanded to rows: straight from the block dictionary.
                    c.codes.withUnsafeBufferPointer { codes in
                        c.high.withUnsafeBufferPointer { hi in
                            c.low.withUnsafeBufferPointer { lo in
                                for i in 0..<m {
                                    let code = Int(codes[Int(sel[i])])
                                    if code == 0 { kw[i * w + nullWord] |= bit; continue }
                                    outside |= writeAddress(address, hi[code], lo[code], kw + i * w)
                                }
                            }
                        }
                    }
                    if outside != 0 { throw KeyLayout.outOfRange }
                    continue
                }
                let hi = v.high.unsafelyUnwrapped, lo = v.low.unsafelyUnwrapped
                let nl = v.nulls
                for i in 0..<m {
                    let r = Int(sel[i])
                    if let nl, nl[r] == 1 { kw[i * w + nullWord] |= bit; continue }
                    outside |= writeAddress(address, hi[r], lo[r], kw + i * w)
                }
                if outside != 0 { throw KeyLayout.outOfRange }
            case .text(let slot):
                let codes = b.views[slot].codes.unsafelyUnwrapped
                let dictionary = b.strings[slot].unsafelyUnwrapped.dictionary
                // `StringTable.id` inlined: this runs once per row, the table lookup without the
                // array-of-arrays access.
                strings.remaps[slot].withUnsafeMutableBufferPointer { remap in
                    for i in 0..<m {
                        let code = Int(codes[Int(sel[i])])
                        if code == 0 { kw[i * w + nullWord] |= bit; continue }
                        var id = remap[code]
                        if id == 0 {
                            id = dictionary.value(UInt32(code)).withUnsafeBytes { strings.dictionary.intern($0) }
                            remap[code] = id
                        }
                        _ = f.write(UInt64(id), kw + i * w)
                    }
                }
            case .vector(let e, _):
                try e.evaluate(b, sel, m, ints, nulls)
                for i in 0..<m {
                    if nulls[i] != 0 { kw[i * w + nullWord] |= bit } else { _ = f.write(UInt64(bitPattern: ints[i]), kw + i * w) }
                }
            case .computed(let e):
                var c = EvalContext(block: b)
                c.joined = joined
                /// Row i's key value, packed (tag 0: NULL), into this key's words.
                func put(_ i: Int, _ p: PackedScalar) {
                    if p.tag == 0 { kw[i * w + nullWord] |= bit; return }
                    _ = KeyLayout.writeComputed(p, fields, kw + i * w)
                }
                if let (branch, results) = constantCases[k] {
                    // CASE WHEN ... THEN 'web' ... ELSE 'other' END: each row's branch number by
                    // column kernels, then that branch's constant (4.7 s -> 0.2 s over 20 M rows
                    // evaluated per row).
                    try branch.evaluate(b, sel, m, ints, nulls)
                    let packed = results.map { strings.pack($0, c) }
                    for i in 0..<m { put(i, nulls[i] != 0 ? PackedScalar(tag: 0, a: 0, b: 0) : packed[Int(ints[i])]) }
                    continue
                }
                if joinRows == nil, case .dateFormat(let x, let fmt) = e, let (vx, tag) = VectorExpr.compile(x),
                   tag == VectorExpr.timestamp {
                    // date_format of a timestamp the vectors compute: formatted once per run of
                    // equal timestamps (blocks are in start order, so runs are long), not per row.
                    try vx.evaluate(b, sel, m, ints, nulls)
                    var last: Int64? = nil
                    var packed = PackedScalar(tag: 0, a: 0, b: 0)
                    for i in 0..<m {
                        if nulls[i] != 0 { put(i, PackedScalar(tag: 0, a: 0, b: 0)); continue }
                        if ints[i] != last {
                            last = ints[i]
                            packed = strings.pack(.string(DateFunctions.format(ints[i], fmt)), c)
                        }
                        put(i, packed)
                    }
                    continue
                }
                if joinRows == nil, let slot = PerCode.onlySlot(e), let p = PerCode.substituting(e, slot, .parameter, mayFail: true) {
                    // A function of one text or address column (coalesce(instance_id, 'none'),
                    // lower(action), a /24 by regexp_replace(srcaddr, ...)): computed once per
                    // entry of the block's dictionary, the values kept for the block's later
                    // batches (an address dictionary can hold tens of thousands of entries).
                    func byEntry(_ codes: UnsafePointer<UInt32>, entries: Int, _ value: (Int) -> Scalar) throws {
                        var memo = keyMemos.removeValue(forKey: k) ?? [PackedScalar?](repeating: nil, count: entries)
                        defer { keyMemos[k] = memo }
                        for i in 0..<m {
                            let code = Int(codes[Int(sel[i])])
                            if let known = memo[code] { put(i, known); continue }
                            c.parameter = code == 0 ? .null : value(code)
                            let packed = strings.pack(try Evaluator.eval(p, c), c)
                            memo[code] = packed
                            put(i, packed)
                        }
                    }
                    if let column = b.strings[slot] {
                        try byEntry(b.views[slot].codes.unsafelyUnwrapped, entries: column.dictionary.count + 1) {
                            .text(slot: slot, code: UInt32($0))
                        }
                        continue
                    }
                    if let codes = b.addressCodes[slot] {
                        let high = codes.high, low = codes.low
                        try codes.codes.withUnsafeBufferPointer { rowCodes in
                            try byEntry(rowCodes.baseAddress!, entries: codes.entryCount + 1) { .addr(IPAddress(high: high[$0], low: low[$0])) }
                        }
                        continue
                    }
                }
                for i in 0..<m {
                    c.row = Int(sel[i])
                    if let joinRows { c.joinRow = Int(joinRows[i]) }
                    put(i, strings.pack(try Evaluator.eval(e, c), c))
                }
            }
        }
    }

    /// Makes states for groups the table added since the last call.
    private func growStates() {
        let n = table.count
        guard n > stateCount else { return }
        let added = n - stateCount
        for j in kinds.indices {
            _ = counts[j].append(repeating: 0, count: added)
            _ = sums[j]?.append(repeating: 0, count: added)
            _ = extremes[j]?.append(repeating: 0, count: added)
        }
        if genericCount > 0 {
            if n * genericCount > genericCapacity {
                var cap = genericCapacity
                while cap < n * genericCount { cap *= 2 }
                let fresh = UnsafeMutablePointer<AggState>.allocate(capacity: cap)
                fresh.moveInitialize(from: generic, count: stateCount * genericCount)
                generic.deallocate()
                generic = fresh
                genericCapacity = cap
            }
            (generic + stateCount * genericCount).initialize(repeating: AggState(), count: added * genericCount)
        }
        stateCount = n
    }

    /// `global`: every row is in group 0 (no GROUP BY). Counts, sums and extremes then run in
    /// registers: `sum[gid[i]] += x` with every `gid[i]` 0 was a load and a store of one word
    /// per row, each waiting for the one before (half of `SELECT sum(numbytes)`).
    private func update(_ b: BlockData, _ sel: UnsafePointer<Int32>, _ m: Int, _ joinRows: UnsafePointer<Int32>?,
                        global: Bool = false) throws {
        let gid = groupIDs
        for (j, kind) in kinds.enumerated() {
            let count = counts[j].base
            if global, try doneWhole[j] || updateGlobal(j, kind, b, sel, m) { continue }
            switch kind {
            case .countStar:
                for i in 0..<m { count[Int(gid[i])] &+= 1 }
            case .countColumn(let slot, let fieldKind):
                let v = b.views[slot]
                if fieldKind == .string {
                    let codes = v.codes.unsafelyUnwrapped
                    for i in 0..<m where codes[Int(sel[i])] != 0 { count[Int(gid[i])] &+= 1 }
                } else if let nl = v.nulls {
                    for i in 0..<m where nl[Int(sel[i])] == 0 { count[Int(gid[i])] &+= 1 }
                } else {
                    for i in 0..<m { count[Int(gid[i])] &+= 1 }
                }
            case .countExpr(let e):
                try e.evaluate(b, sel, m, ints, nulls)
                for i in 0..<m { count[Int(gid[i])] &+= Int64(nulls[i] ^ 1) }
            case .sum(let e):
                try e.evaluate(b, sel, m, ints, nulls)
                let sum = sums[j].unsafelyUnwrapped.base
                for i in 0..<m where nulls[i] == 0 {
                    let g = Int(gid[i])
                    sum[g] &+= Int128(ints[i])
                    count[g] &+= 1
                }
            case .extreme(let e, _, let isMax):
                try e.evaluate(b, sel, m, ints, nulls)
                let best = extremes[j].unsafelyUnwrapped.base
                for i in 0..<m where nulls[i] == 0 {
                    let g = Int(gid[i])
                    let x = ints[i]
                    if count[g] == 0 || (isMax ? x > best[g] : x < best[g]) { best[g] = x }
                    count[g] &+= 1
                }
            case .generic(let gi):
                var c = EvalContext(block: b)
                c.joined = joined
                let spec = specs[j]
                if joinRows == nil, let (v, tag) = genericVectors[j] {
                    try updateGeneric(spec, gi, v, tag, b, sel, m, &c)
                    continue
                }
                for i in 0..<m {
                    c.row = Int(sel[i])
                    if let joinRows { c.joinRow = Int(joinRows[i]) }
                    try generic[Int(gid[i]) * genericCount + gi].update(spec, c, strings)
                }
            }
        }
    }

    /// `update` of aggregate `j` in the one group of a global aggregate, when its kind allows;
    /// false otherwise.
    private func updateGlobal(_ j: Int, _ kind: AggKind, _ b: BlockData, _ sel: UnsafePointer<Int32>, _ m: Int) throws -> Bool {
        let count = counts[j].base
        switch kind {
        case .countStar:
            count[0] &+= Int64(m)
        case .countExpr(let e):
            try e.evaluate(b, sel, m, ints, nulls)
            var c = 0
            for i in 0..<m { c &+= Int(nulls[i] ^ 1) }
            count[0] &+= Int64(c)
        case .sum(let e):
            try e.evaluate(b, sel, m, ints, nulls)
            let (total, c) = Self.maskedSum(UnsafeRawPointer(ints).assumingMemoryBound(to: UInt64.self), nulls, m, signed: true)
            sums[j].unsafelyUnwrapped.base[0] &+= total
            count[0] &+= Int64(c)
        case .extreme(let e, _, let isMax):
            try e.evaluate(b, sel, m, ints, nulls)
            let (best, c) = Self.maskedExtreme(ints, nulls, m, isMax: isMax)
            addExtreme(j, best, count: c, isMax: isMax)
        default:
            return false
        }
        return true
    }

    /// Folds `c` values whose least or greatest is `best` into aggregate `j`'s one group.
    @inline(__always)
    private func addExtreme(_ j: Int, _ best: Int64, count c: Int, isMax: Bool) {
        guard c > 0 else { return }
        let count = counts[j].base
        let stored = extremes[j].unsafelyUnwrapped.base
        if count[0] == 0 || (isMax ? best > stored[0] : best < stored[0]) { stored[0] = best }
        count[0] &+= Int64(c)
    }

    /// The exact sum of the `n` (at most 2^20) values at `v` whose null flag is 0, and how many
    /// they are. Each value is split into its high 32 bits (arithmetic shift when `signed`) and
    /// its low 32, summed apart in 64-bit lanes that cannot overflow for 2^20 values: exact,
    /// and the loops vectorize (a 128-bit add per row does not, and `present ? x : 0` compiled
    /// to a branch per row).
    @inline(__always)
    static func maskedSum(_ v: UnsafePointer<UInt64>, _ nulls: UnsafePointer<UInt8>?, _ n: Int, signed: Bool) -> (Int128, Int) {
        precondition(n <= 1 << 20)
        var high: UInt64 = 0, low: UInt64 = 0, nullCount = 0
        if let nulls {
            for i in 0..<n {
                let x = v[i] & (UInt64(nulls[i]) &- 1)
                high &+= signed ? UInt64(bitPattern: Int64(bitPattern: x) &>> 32) : x &>> 32
                low &+= x & 0xFFFF_FFFF
                nullCount &+= Int(nulls[i])
            }
        } else {
            for i in 0..<n {
                let x = v[i]
                high &+= signed ? UInt64(bitPattern: Int64(bitPattern: x) &>> 32) : x &>> 32
                low &+= x & 0xFFFF_FFFF
            }
        }
        let top = signed ? Int128(Int64(bitPattern: high)) : Int128(high)
        return (top &<< 32 &+ Int128(low), n &- nullCount)
    }

    /// The least (or greatest) of the `n` values at `v` whose null flag is 0, and how many
    /// they are (0: `best` means nothing). Null rows take the identity of the fold instead of
    /// a branch.
    @inline(__always)
    static func maskedExtreme(_ v: UnsafePointer<Int64>, _ nulls: UnsafePointer<UInt8>?, _ n: Int, isMax: Bool) -> (Int64, Int) {
        var best = isMax ? Int64.min : Int64.max
        let identity = best
        var nullCount = 0
        if let nulls {
            for i in 0..<n {
                let keep = Int64(nulls[i]) &- 1
                let x = (v[i] & keep) | (identity & ~keep)
                best = isMax ? Swift.max(best, x) : Swift.min(best, x)
                nullCount &+= Int(nulls[i])
            }
        } else {
            for i in 0..<n { best = isMax ? Swift.max(best, v[i]) : Swift.min(best, v[i]) }
        }
        return (best, n &- nullCount)
    }

    /// A global aggregate over every row of block `b` (`n` rows, no join): count(*), and
    /// count, sum, avg, min and max of integer columns, straight from the decoded arrays (no
    /// selection gathered into a batch). Marks what it did in `doneWhole`.
    private func consumeWholeBlock(_ b: BlockData, _ n: Int) {
        for (j, kind) in kinds.enumerated() {
            doneWhole[j] = true
            switch kind {
            case .countStar:
                counts[j][0] &+= Int64(n)
            case .countColumn(let slot, let fieldKind) where fieldKind != .string && fieldKind != .address:
                guard let nl = b.views[slot].nulls else { counts[j][0] &+= Int64(n); continue }
                var nullCount = 0
                for i in 0..<n { nullCount &+= Int(nl[i]) }
                counts[j][0] &+= Int64(n &- nullCount)
            case .sum(.column(let slot)):
                guard let v = b.views[slot].values else { doneWhole[j] = false; continue }
                let (total, c) = Self.maskedSum(v, b.views[slot].nulls, n, signed: false)
                sums[j].unsafelyUnwrapped.base[0] &+= total
                counts[j][0] &+= Int64(c)
            case .extreme(.column(let slot), _, let isMax):
                guard let v = b.views[slot].values else { doneWhole[j] = false; continue }
                let (best, c) = Self.maskedExtreme(UnsafeRawPointer(v).assumingMemoryBound(to: Int64.self), b.views[slot].nulls, n,
                                                   isMax: isMax)
                addExtreme(j, best, count: c, isMax: isMax)
            default:
                doneWhole[j] = false
            }
        }
    }

    /// Per key of the layout: for a computed key that is a CASE whose results are all constants
    /// and whose conditions are column kernels (`VectorCondition`), the branch each row takes
    /// (0, 1, ... in order, the ELSE last; NULL with no ELSE) as a vector expression, and the
    /// constants by branch.
    private lazy var constantCases: [(VectorExpr, [Scalar])?] = layout.parts.map { part in
        guard case .computed(.caseWhen(let whens, let otherwise)) = part else { return nil }
        var branches: [(VectorCondition, VectorExpr)] = [], results: [Scalar] = []
        for (condition, result) in whens {
            guard case .constant(let value) = result, let v = VectorCondition.compile(condition) else { return nil }
            branches.append((v, .constant(Int64(results.count))))
            results.append(value)
        }
        var last: VectorExpr? = nil
        if let otherwise {
            guard case .constant(let value) = otherwise else { return nil }
            last = .constant(Int64(results.count))
            results.append(value)
        }
        return (.choose(branches, otherwise: last), results)
    }

    /// Per key of the layout: for a computed key that is a function of one text or address
    /// column alone, that column's slot and the function of `.parameter` (see `PerCode`).
    private lazy var perCodeKeys: [(Int, CExpr)?] = layout.parts.map { part in
        guard joined == nil, case .computed(let e) = part, let slot = PerCode.onlySlot(e),
              let p = PerCode.substituting(e, slot, .parameter, mayFail: true) else { return nil }
        return (slot, p)
    }
    /// The current block's key per dictionary code (see `perCodeKeys`), nil where not computed.
    private var codeKeys: [PackedScalar?] = []

    /// Per aggregate kept as a generic state whose numeric input the vectors compute (the
    /// ordering value of max_by/min_by, the argument of a variance or approx_percentile): that
    /// expression and its result tag. nil elsewhere.
    private lazy var genericVectors: [(VectorExpr, UInt8)?] = specs.indices.map { j in
        guard case .generic = kinds[j] else { return nil }
        let spec = specs[j]
        switch spec.function {
        case .maxBy, .minBy:
            // The argument is read only for rows that may win, so it must be one that cannot
            // fail (a column): the row evaluator would have computed it for every row.
            guard case .column? = spec.argument, let by = spec.by else { return nil }
            return VectorExpr.compile(by)
        case .varianceSample, .variancePopulation, .stddevSample, .stddevPopulation, .approxPercentile:
            guard let a = spec.argument, let (v, tag) = VectorExpr.compile(a), tag == VectorExpr.bigint else { return nil }
            return (v, tag)
        default:
            return nil
        }
    }

    /// `update` of generic aggregate `gi` (see `genericVectors`) from its input computed a batch
    /// at a time: the same states, updated in the same order, as `AggState.update` per row
    /// (which walked the expression tree for each row: max_by over 20 M rows 516 ms).
    private func updateGeneric(_ spec: AggregateSpec, _ gi: Int, _ v: VectorExpr, _ tag: UInt8, _ b: BlockData,
                               _ sel: UnsafePointer<Int32>, _ m: Int, _ c: inout EvalContext) throws {
        try v.evaluate(b, sel, m, ints, nulls)
        let gid = groupIDs
        let packedTag: UInt8 = tag == VectorExpr.timestamp ? 7 : tag == VectorExpr.date ? 8 : 1
        switch spec.function {
        case .maxBy, .minBy:
            let isMax = spec.function == .maxBy
            for i in 0..<m where nulls[i] == 0 {
                let st = generic + (Int(gid[i]) * genericCount + gi)
                let y = ints[i]
                if let kept = st.pointee.bestBy {
                    // A row whose ordering value is strictly worse cannot win: only counted.
                    let best = Int64(bitPattern: kept.a)
                    if isMax ? y < best : y > best { st.pointee.count += 1; continue }
                }
                c.row = Int(sel[i])
                let x = strings.pack(try Evaluator.eval(spec.argument!, c), c)
                let packedY = PackedScalar(tag: packedTag, a: UInt64(bitPattern: y), b: 0)
                st.pointee.count += 1
                if st.pointee.bestBy == nil || AggState.better(packedY, x, than: st.pointee.bestBy!, st.pointee.bestPacked!, spec.function, strings) {
                    st.pointee.bestBy = packedY
                    st.pointee.bestPacked = x
                }
            }
        case .approxPercentile:
            // (bigint arguments only: see `genericVectors`.)
            for i in 0..<m where nulls[i] == 0 {
                let st = generic + (Int(gid[i]) * genericCount + gi)
                if st.pointee.numbers == nil { st.pointee.numbers = [] }
                st.pointee.numbers!.append(ints[i])
            }
        default:
            // Variances: Welford's update, as `AggState.update` does it.
            for i in 0..<m where nulls[i] == 0 {
                let st = generic + (Int(gid[i]) * genericCount + gi)
                let x = Double(ints[i])
                st.pointee.count += 1
                let delta = x - st.pointee.mean
                st.pointee.mean += delta / Double(st.pointee.count)
                st.pointee.m2 += delta * (x - st.pointee.mean)
            }
        }
    }

    /// Per aggregate: done for the current block by `consumeWholeBlock`.
    private lazy var doneWhole = [Bool](repeating: false, count: kinds.count)

    // MARK: merging workers

    /// Adds another worker's groups and states into this one; with `share`, only the groups in
    /// that share (see `computeShares`).
    func merge(_ o: Aggregator, share: Int? = nil) {
        var idMap = [UInt32](repeating: 0, count: o.strings.dictionary.count + 1)
        func mapID(_ id: UInt64) -> UInt64 {
            let i = Int(id)
            if idMap[i] == 0 {
                idMap[i] = o.strings.dictionary.value(UInt32(i)).withUnsafeBytes { strings.dictionary.intern($0) }
            }
            return UInt64(idMap[i])
        }
        let remap: (PackedScalar) -> PackedScalar = { p in
            var q = p
            if q.tag == 6 { q.a = mapID(q.a) }
            return q
        }
        let w = layout.width
        // Text ids change on the way in, and with them the hash; other keys keep theirs.
        let remapsKeys = layout.parts.contains { if case .text = $0 { return true }; if case .computed = $0 { return true }; return false }
        // The groups taken in this batch, by their number in `o`.
        var src = [Int](repeating: 0, count: Self.batch)
        var next = 0
        while next < o.table.count {
            // A batch at a time, probing with prefetches as `consume` does.
            var m = 0
            while m < Self.batch && next < o.table.count {
                let g = next
                next += 1
                if let share, o.shares[g] != UInt8(truncatingIfNeeded: share) { continue }
                src[m] = g
                let key = keyWords + m * w
                key.update(from: o.table.keys.base + g * w, count: w)
                if remapsKeys {
                    for (k, part) in layout.parts.enumerated() {
                        let f = layout.fields[k]
                        switch part {
                        case .text:
                            let id = f[0].read(key)
                            if id != 0 { f[0].clear(key); _ = f[0].write(mapID(id), key) }
                        case .computed:
                            if f[0].read(key) == 6 { let id = f[1].read(key); f[1].clear(key); _ = f[1].write(mapID(id), key) }
                        default: break
                        }
                    }
                    hashes[m] = GroupTable.hash(key, w)
                } else {
                    hashes[m] = o.table.hash(of: g)
                }
                m += 1
            }
            probe(m)
            for (j, kind) in kinds.enumerated() {
                let counts = counts[j].base, theirCounts = o.counts[j].base
                switch kind {
                case .sum:
                    let sums = sums[j].unsafelyUnwrapped.base, theirs = o.sums[j].unsafelyUnwrapped.base
                    for i in 0..<m {
                        let g = src[i], into = Int(groupIDs[i])
                        sums[into] &+= theirs[g]
                        counts[into] &+= theirCounts[g]
                    }
                case .extreme(_, _, let isMax):
                    let best = extremes[j].unsafelyUnwrapped.base, theirs = o.extremes[j].unsafelyUnwrapped.base
                    for i in 0..<m {
                        let g = src[i], into = Int(groupIDs[i])
                        let oc = theirCounts[g]
                        if oc > 0 {
                            let x = theirs[g]
                            if counts[into] == 0 || (isMax ? x > best[into] : x < best[into]) { best[into] = x }
                        }
                        counts[into] &+= oc
                    }
                case .generic(let gi):
                    for i in 0..<m {
                        let g = src[i], into = Int(groupIDs[i])
                        generic[into * genericCount + gi].merge(o.generic[g * o.genericCount + gi], specs[j].function, strings, remap)
                        counts[into] &+= theirCounts[g]
                    }
                case .countStar, .countColumn, .countExpr:
                    for i in 0..<m { counts[Int(groupIDs[i])] &+= theirCounts[src[i]] }
                }
            }
        }
    }

    /// Per group, the share of `parts` it falls in when the groups of (keys, DISTINCT argument)
    /// are collapsed in parallel (see `SharedScan.collapse`), read by `merge(_:share:)`.
    private(set) var shares: [UInt8] = []
    /// How many groups fall in each share.
    private(set) var shareCounts: [Int] = []

    /// Sets `shares`: by a group's first `keyCount` keys alone (so that each share's collapsed
    /// groups are whole and the shares' are disjoint), or by the whole key when there are none.
    /// Only for keys of plain words (no text ids, which differ between workers).
    func computeShares(keyCount: Int, parts: Int) {
        let w = layout.width, n = table.count
        var out = [UInt8](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: parts)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: w) { k in
            let key = k.baseAddress!
            for g in 0..<n {
                let p: Int
                if keyCount == 0 {
                    p = GroupExchange.owner(table.hash(of: g), parts: parts)
                } else {
                    key.update(from: table.keys.base + g * w, count: w)
                    // The other keys' null bits and words cleared: equal first keys, equal words.
                    for i in keyCount..<layout.parts.count {
                        key[i >> 6] &= ~(UInt64(1) << UInt64(i & 63))
                        for f in layout.fields[i] { f.clear(key) }
                    }
                    p = GroupExchange.owner(GroupTable.hash(key, w), parts: parts)
                }
                out[g] = UInt8(truncatingIfNeeded: p)
                counts[p] += 1
            }
        }
        shares = out
        shareCounts = counts
    }

    /// Whether every key is held as plain words, equal for equal values in every worker (no
    /// text ids, which are a worker's own).
    var keysArePlainWords: Bool {
        layout.parts.allSatisfy { part in
            switch part {
            case .int, .address, .vector: return true
            case .text, .computed: return false
            }
        }
    }

    // MARK: DISTINCT by regrouping

    /// The query's groups, made from this aggregator's groups of (GROUP BY keys, DISTINCT
    /// argument) of `r` (see `DistinctRegroup`): `keys` and `aggregates` are the query's. Each
    /// group here with the argument not NULL counts its value once into count(DISTINCT),
    /// sum(DISTINCT) and avg(DISTINCT); the other aggregates' states are merged as another
    /// worker's would be. Text ids stay valid: the result shares this aggregator's strings.
    func collapsed(_ r: DistinctRegroup, keys: [CExpr], aggregates: [AggregateSpec]) -> Aggregator {
        let x = r.keyCount
        let xIsBigint: Bool
        switch layout.parts[x] {
        case .int: xIsBigint = true
        case .vector(_, let tag): xIsBigint = tag == VectorExpr.bigint
        default: xIsBigint = false
        }
        var outSpecs: [AggregateSpec] = [], outKinds: [AggKind] = []
        var generics = 0
        for (j, spec) in aggregates.enumerated() {
            if let i = r.innerIndex[j] {
                outSpecs.append(specs[i])
                if case .generic = kinds[i] {
                    outKinds.append(.generic(index: generics))
                    generics += 1
                } else {
                    outKinds.append(kinds[i])
                }
            } else if spec.function == .countDistinct || spec.function == .countDistinctRows {
                // The distinct values counted in the count array, as count(*) keeps rows.
                outSpecs.append(AggregateSpec(function: .countStar, argument: nil, type: .bigint))
                outKinds.append(.countStar)
            } else {
                outSpecs.append(AggregateSpec(function: spec.function == .sumDistinct ? .sum : .avg, argument: spec.argument, type: spec.type))
                if xIsBigint {
                    outKinds.append(.sum(.constant(0)))  // summed here, never evaluated
                } else {
                    outKinds.append(.generic(index: generics))
                    generics += 1
                }
            }
        }
        let out = Aggregator(keys: keys, aggregates: outSpecs, bounds: bounds, strings: strings, kinds: outKinds)
        let w = layout.width, ow = out.layout.width
        let identity: (PackedScalar) -> PackedScalar = { $0 }
        var start = 0
        while start < table.count {
            let m = min(Self.batch, table.count - start)
            for i in 0..<m {
                let g = start + i
                let key = out.keyWords + i * ow
                key.update(repeating: 0, count: ow)
                for k in 0..<x {
                    if isNullKey(k, g) {
                        key[k >> 6] |= 1 << UInt64(k & 63)
                    } else {
                        // The same key under the same bounds: the same fields, but the words
                        // around them differ (the argument's key is gone), so field by field.
                        let from = UnsafePointer(table.keys.base + g * w)
                        for (f, o) in zip(layout.fields[k], out.layout.fields[k]) { _ = o.write(f.read(from), key) }
                    }
                }
                out.hashes[i] = GroupTable.hash(key, ow)
            }
            out.probe(m)
            let into = out.groupIDs
            for (j, kind) in outKinds.enumerated() {
                let oc = out.counts[j].base
                guard let i = r.innerIndex[j] else {
                    // Over distinct values: one per group here whose argument is not NULL
                    // (or any, for the distinct rows, where NULL is a value too).
                    let withNull = aggregates[j].function == .countDistinctRows
                    for t in 0..<m where withNull || !isNullKey(x, start + t) {
                        let o = Int(into[t]), g = start + t
                        switch kind {
                        case .countStar:
                            oc[o] &+= 1
                        case .sum:
                            out.sums[j].unsafelyUnwrapped[o] &+= Int128(Int64(bitPattern: keyWord(x, g)))
                            oc[o] &+= 1
                        case .generic(let og):
                            switch keyScalar(x, g) {
                            case .int(let v): out.generic[o * out.genericCount + og].add(.int(v))
                            case .double(let d): out.generic[o * out.genericCount + og].add(.double(d))
                            default: break
                            }
                        default:
                            break
                        }
                    }
                    continue
                }
                let ic = counts[i].base
                switch kind {
                case .sum:
                    let os = out.sums[j].unsafelyUnwrapped.base, mine = sums[i].unsafelyUnwrapped.base
                    for t in 0..<m {
                        let o = Int(into[t])
                        os[o] &+= mine[start + t]
                        oc[o] &+= ic[start + t]
                    }
                case .extreme(_, _, let isMax):
                    let best = out.extremes[j].unsafelyUnwrapped.base, mine = extremes[i].unsafelyUnwrapped.base
                    for t in 0..<m {
                        let o = Int(into[t]), c = ic[start + t]
                        if c > 0 {
                            let v = mine[start + t]
                            if oc[o] == 0 || (isMax ? v > best[o] : v < best[o]) { best[o] = v }
                        }
                        oc[o] &+= c
                    }
                case .generic(let og):
                    guard case .generic(let ig) = kinds[i] else { break }
                    for t in 0..<m {
                        let o = Int(into[t])
                        out.generic[o * out.genericCount + og].merge(generic[(start + t) * genericCount + ig], specs[i].function, strings, identity)
                        oc[o] &+= ic[start + t]
                    }
                case .countStar, .countColumn, .countExpr:
                    for t in 0..<m { oc[Int(into[t])] &+= ic[start + t] }
                }
            }
            start += m
        }
        return out
    }

    // MARK: results per group

    func isNullKey(_ k: Int, _ g: Int) -> Bool {
        (table.keys[g * layout.width + (k >> 6)] >> UInt64(k & 63)) & 1 == 1
    }

    /// The address of address key k of group g.
    func keyAddress(_ k: Int, _ g: Int) -> IPAddress {
        layout.addresses[k].unsafelyUnwrapped.read(table.keys.base + g * layout.width, bounds.interner?.addresses)
    }

    /// Value word i of key k of group g (not of an address key: `keyAddress`).
    func keyWord(_ k: Int, _ g: Int, _ i: Int = 0) -> UInt64 {
        layout.fields[k][i].read(table.keys.base + g * layout.width)
    }

    /// Key `k` of group `g` for expression evaluation (text as an interned id: no String).
    func keyScalar(_ k: Int, _ g: Int) -> Scalar {
        if isNullKey(k, g) { return .null }
        switch layout.parts[k] {
        case .int: return .int(Int64(bitPattern: keyWord(k, g)))
        case .address: return .addr(keyAddress(k, g))
        case .text: return .interned(UInt32(keyWord(k, g)))
        case .vector(_, let tag):
            let x = Int64(bitPattern: keyWord(k, g))
            return VectorExpr.scalar(x, tag: tag)
        case .computed:
            let p = PackedScalar(tag: UInt8(keyWord(k, g)), a: keyWord(k, g, 1), b: keyWord(k, g, 2))
            if p.tag == 6 { return .interned(UInt32(p.a)) }
            return strings.unpackScalar(p)
        }
    }

    /// Count of aggregate j for group g (count, count(*)), or the rows that fed it.
    func count(_ j: Int, _ g: Int) -> Int64 { counts[j][g] }

    /// Calls `body(g, key)` for every group g whose aggregate j is not NULL, `key` ordering as
    /// the value does (the value's bits with the sign flipped); false, calling nothing, when
    /// aggregate j is not an integer count, sum or extreme. A sum beyond bigint throws, as the
    /// sort column would.
    func forEachOrderKey(_ j: Int, _ body: (Int, UInt64) throws -> Void) throws -> Bool {
        let n = groupCount, count = counts[j].base
        let flip: UInt64 = 1 << 63
        switch kinds[j] {
        case .countStar, .countColumn, .countExpr:
            for g in 0..<n { try body(g, UInt64(bitPattern: count[g]) ^ flip) }
        case .sum where specs[j].function == .sum:
            let sum = sums[j].unsafelyUnwrapped.base
            for g in 0..<n where count[g] != 0 {
                guard let x = Int64(exactly: sum[g]) else { throw QueryRuntimeError(description: "bigint overflow in sum") }
                try body(g, UInt64(bitPattern: x) ^ flip)
            }
        case .extreme:
            let best = extremes[j].unsafelyUnwrapped.base
            for g in 0..<n where count[g] != 0 { try body(g, UInt64(bitPattern: best[g]) ^ flip) }
        default:
            return false
        }
        return true
    }

    /// The exact sum of aggregate j (a sum or avg) for group g.
    func sum(_ j: Int, _ g: Int) -> Int128 { sums[j]![g] }

    func extreme(_ j: Int, _ g: Int) -> Int64 { extremes[j]![g] }

    func aggregateValue(_ j: Int, _ g: Int) throws -> Value {
        switch kinds[j] {
        case .countStar, .countColumn, .countExpr:
            return .int(counts[j][g])
        case .sum:
            let n = counts[j][g]
            if n == 0 { return .null }
            let s = sums[j]![g]
            if specs[j].function == .avg { return .double(Double(s) / Double(n)) }
            guard let v = Int64(exactly: s) else { throw QueryRuntimeError(description: "bigint overflow in sum") }
            return .int(v)
        case .extreme(_, let tag, _):
            if counts[j][g] == 0 { return .null }
            let x = extremes[j]![g]
            return tag == VectorExpr.timestamp ? .timestamp(x) : tag == VectorExpr.date ? .date(x) : .int(x)
        case .generic(let gi):
            return try generic[g * genericCount + gi].result(specs[j], strings)
        }
    }
}

/// Per-code aggregate states for one block (see `Aggregator.consumeByCode`), reused from block
/// to block.
///
/// The states are zero on entry to a block: `consumeByCode` sets the codes it used back to zero
/// as it finishes with them, so only states never used before are zeroed here. (Zeroing every
/// block's states, a block of 40,000 distinct addresses 1.1 MB, was a tenth of top talkers.)
final class LocalStates {
    private(set) var seen = RawVector<Int32>()
    private(set) var counts: [RawVector<Int64>] = []
    private(set) var sums: [RawVector<Int128>] = []
    private(set) var extremes: [RawVector<Int64>] = []
    /// Set while a block is consumed: a block left unfinished (an error) left states behind.
    var inUse = false

    /// Makes `entries` zero states for each aggregate; returns the rows-per-code counts.
    func reset(_ entries: Int, _ kinds: [AggKind]) -> UnsafeMutablePointer<Int32> {
        if counts.count != kinds.count || inUse {
            seen = RawVector()
            lanesOfCounts = RawVector()
            lanesOfSums = RawVector()
            counts = kinds.map { _ in RawVector() }
            sums = kinds.map { _ in RawVector() }
            extremes = kinds.map { _ in RawVector() }
        }
        inUse = true
        func grow<T: BitwiseCopyable & FixedWidthInteger>(_ v: RawVector<T>) {
            if v.count < entries { _ = v.append(repeating: 0, count: entries - v.count) }
        }
        grow(seen)
        for (j, k) in kinds.enumerated() {
            grow(counts[j])
            if case .sum = k { grow(sums[j]) }
            if case .extreme = k { grow(extremes[j]) }
        }
        return seen.base
    }

    /// Blocks of at most this many codes are counted and summed in four copies (see
    /// `Aggregator.consumeByCode`).
    static let laneLimit = 1024
    private var lanesOfCounts = RawVector<Int64>()
    private var lanesOfSums = RawVector<Int128>()

    /// `4 × entries` counters, all zero; the caller sets them back to zero after use.
    func laneCounts(_ entries: Int) -> UnsafeMutablePointer<Int64> {
        if lanesOfCounts.count < 4 * entries { _ = lanesOfCounts.append(repeating: 0, count: 4 * entries - lanesOfCounts.count) }
        return lanesOfCounts.base
    }

    /// `4 × entries` sums, all zero; the caller sets them back to zero after use.
    func laneSums(_ entries: Int) -> UnsafeMutablePointer<Int128> {
        if lanesOfSums.count < 4 * entries { _ = lanesOfSums.append(repeating: 0, count: 4 * entries - lanesOfSums.count) }
        return lanesOfSums.base
    }

    /// Sets the states of codes `codes[0..<n]` back to zero.
    func clear(_ codes: UnsafePointer<Int32>, _ n: Int, _ kinds: [AggKind]) {
        let s = seen.base
        for i in 0..<n { s[Int(codes[i])] = 0 }
        for (j, k) in kinds.enumerated() {
            let c = counts[j].base
            for i in 0..<n { c[Int(codes[i])] = 0 }
            if case .sum = k { let x = sums[j].base; for i in 0..<n { x[Int(codes[i])] = 0 } }
            if case .extreme = k { let x = extremes[j].base; for i in 0..<n { x[Int(codes[i])] = 0 } }
        }
    }
}

/// The keys of a GROUP BY as one small integer per row, for a block where together they take few
/// values: each key's code (a text key's dictionary code, an address key's dictionary code, an
/// integer key's offset from the block's least value; 0 for NULL) times the product of the
/// domains before it. Used when every key is a column and the product of the domains is at most
/// twice the rows: a dense array that size is cheaper than hashing every row.
struct SmallDomain {
    enum Part {
        case text(slot: Int)
        case address(slot: Int)
        /// Values `least ... least + domain - 2` as codes 1 ... domain - 1.
        case int(slot: Int, least: UInt64)
        /// A computed key's values for the block's rows (`Aggregator.smallDomain`), coded as `int`.
        case values(SlotView, least: UInt64)
        /// A computed key coded by its runs of equal values.
        case runs(Runs)

        /// The values of an `int` or `values` part (the column's view, or the computed one).
        func view(_ b: BlockData) -> SlotView? {
            switch self {
            case .int(let slot, _): return b.views[slot]
            case .values(let v, _): return v
            default: return nil
            }
        }
    }

    /// A key's runs of equal values over a block's selected rows: `codes[r]` is row r's run
    /// (1 ... count), `values[c]` and `nulls[c]` run c's value. Two runs may hold the same value;
    /// they are then two codes of one group, which the group table joins.
    struct Runs {
        let codes: UnsafePointer<UInt32>
        let values: UnsafePointer<UInt64>
        let nulls: UnsafePointer<UInt8>
        let count: Int
    }
    let parts: [(Part, domain: Int)]
    let entries: Int
    let everyRow: Bool

    /// `vectorViews`: the values of the `.vector` keys, by key index (others refuse).
    init?(_ layout: KeyLayout, _ b: BlockData, _ sel: UnsafePointer<Int32>, _ n: Int, vectorViews: [Int: SlotView] = [:],
          vectorRuns: [Int: Runs] = [:]) {
        guard n > 0 else { return nil }
        let limit = 2 * n
        // Every row of the block selected: loops read the columns directly (and vectorize).
        let everyRow = n == b.rows && sel[n - 1] == Int32(truncatingIfNeeded: n - 1)
        self.everyRow = everyRow
        var parts: [(Part, domain: Int)] = []
        var entries = 1
        /// Multiplies `entries` by a key's domain; false when the product passes the limit.
        func fits(_ domain: Int) -> Bool {
            let (product, overflow) = entries.multipliedReportingOverflow(by: domain)
            entries = product
            return !overflow && product <= limit
        }
        // First the dictionary keys, whose domains are known without reading rows: a key of
        // many values (an address of tens of thousands in the block) or a computed key refuses
        // before any integer key's values are scanned for their range.
        for part in layout.parts {
            switch part {
            case .text(let slot):
                guard let column = b.strings[slot], fits(column.dictionary.count + 1) else { return nil }
                parts.append((.text(slot: slot), column.dictionary.count + 1))
            case .address(let slot):
                guard let codes = b.addressCodes[slot], fits(codes.entryCount + 1) else { return nil }
                parts.append((.address(slot: slot), codes.entryCount + 1))
            case .int(let slot):
                parts.append((.int(slot: slot, least: 0), 0))  // its range below
            case .vector:
                if let runs = vectorRuns[parts.count] {
                    guard fits(runs.count + 1) else { return nil }
                    parts.append((.runs(runs), runs.count + 1))
                    continue
                }
                guard let view = vectorViews[parts.count] else { return nil }
                parts.append((.values(view, least: 0), 0))  // its range below
            case .computed:
                return nil
            }
        }
        for k in parts.indices {
            guard let view = parts[k].0.view(b) else { continue }
            guard let (lo, hi) = Self.range(view, sel, n, everyRow: everyRow), hi &- lo < UInt64(limit) else { return nil }
            let domain = Int(hi &- lo) + 2
            guard fits(domain) else { return nil }
            switch parts[k].0 {
            case .int(let slot, _): parts[k] = (.int(slot: slot, least: lo), domain)
            default: parts[k] = (.values(view, least: lo), domain)
            }
        }
        self.parts = parts
        self.entries = entries
    }

    /// The least and greatest value of an integer column over the selected rows, NULLs aside
    /// ((0, 0) when all are NULL); nil when the slot has no values.
    static func range(_ v: SlotView, _ sel: UnsafePointer<Int32>, _ n: Int, everyRow: Bool) -> (UInt64, UInt64)? {
        guard let values = v.values else { return nil }
        var lo = UInt64.max, hi = UInt64.min
        if let nl = v.nulls, everyRow {
            // Without a branch: a NULL row's value is replaced by one that changes nothing.
            for r in 0..<n {
                let isNull = UInt64(nl[r] & 1) &* UInt64.max
                lo = min(lo, values[r] | isNull)
                hi = max(hi, values[r] & ~isNull)
            }
        } else if let nl = v.nulls {
            for i in 0..<n { let r = Int(sel[i]); if nl[r] == 0 { lo = min(lo, values[r]); hi = max(hi, values[r]) } }
        } else if everyRow {
            for r in 0..<n { lo = min(lo, values[r]); hi = max(hi, values[r]) }
        } else {
            for i in 0..<n { let x = values[Int(sel[i])]; lo = min(lo, x); hi = max(hi, x) }
        }
        return lo > hi ? (0, 0) : (lo, hi)
    }

    /// Row r's combined code at `into[r]` for every selected row r.
    func combinedCodes(_ b: BlockData, _ sel: UnsafePointer<Int32>, _ n: Int, into out: inout RawVector<UInt32>) -> UnsafePointer<UInt32> {
        out.reserve(b.rows)
        let c = out.base
        let everyRow = everyRow
        /// c[r] += code(r) * stride for every selected row r.
        @inline(__always) func add(_ stride: UInt32, _ code: (Int) -> UInt32) {
            if everyRow {
                for r in 0..<n { c[r] &+= code(r) &* stride }
            } else {
                for i in 0..<n { let r = Int(sel[i]); c[r] &+= code(r) &* stride }
            }
        }
        if everyRow { c.update(repeating: 0, count: n) } else { for i in 0..<n { c[Int(sel[i])] = 0 } }
        var stride: UInt32 = 1
        for (part, domain) in parts {
            switch part {
            case .text(let slot):
                let codes = b.views[slot].codes.unsafelyUnwrapped
                add(stride) { codes[$0] }
            case .address(let slot):
                b.addressCodes[slot]!.codes.withUnsafeBufferPointer { codes in
                    let p = codes.baseAddress!
                    add(stride) { p[$0] }
                }
            case .runs(let runs):
                let codes = runs.codes
                add(stride) { codes[$0] }
            case .int(_, let least), .values(_, let least):
                let v = part.view(b).unsafelyUnwrapped
                let values = v.values.unsafelyUnwrapped
                if let nl = v.nulls {
                    // A NULL's code is 0: the mask is all ones for a value, zero for NULL.
                    add(stride) { UInt32(truncatingIfNeeded: values[$0] &- least &+ 1) & (UInt32(nl[$0]) &- 1) }
                } else {
                    add(stride) { UInt32(truncatingIfNeeded: values[$0] &- least &+ 1) }
                }
            }
            stride &*= UInt32(domain)
        }
        return UnsafePointer(c)
    }

    /// The key words of combined code `code`, as `Aggregator.buildKeys` writes them for a row;
    /// returns the bits of values beyond their fields (0 when all fit; see `KeyField.write`).
    func writeKey(_ code: Int, _ k: UnsafeMutablePointer<UInt64>, _ agg: Aggregator, _ b: BlockData) -> UInt64 {
        let layout = agg.layout
        for i in 0..<layout.width { k[i] = 0 }
        var rest = code
        var outside: UInt64 = 0
        for (index, (part, domain)) in parts.enumerated() {
            let c = rest % domain
            rest /= domain
            let f = layout.fields[index]
            if case .runs(let runs) = part {
                if runs.nulls[c] != 0 { KeyLayout.setNull(index, k) } else { outside |= f[0].write(runs.values[c], k) }
                continue
            }
            if c == 0 {
                KeyLayout.setNull(index, k)
                continue
            }
            switch part {
            case .text(let slot):
                outside |= f[0].write(UInt64(agg.strings.id(slot: slot, code: c, b.strings[slot].unsafelyUnwrapped.dictionary)), k)
            case .address(let slot):
                let a = b.addressCodes[slot]!.entries.entry(c)
                outside |= agg.writeAddress(layout.addresses[index].unsafelyUnwrapped, a.high, a.low, k)
            case .int(_, let least), .values(_, let least):
                outside |= f[0].write(least &+ UInt64(c - 1), k)
            case .runs:
                break  // above
            }
        }
        return outside
    }
}
