/// Assembling an archive block from parsed chunks in one copy.
///
/// The ingester's consumer decides, in file order, which rows of which parsed chunks make each
/// block. It used to copy those rows into the block's columns straight away (on the one thread
/// that holds the consumer role), and the encoder then copied them a second time to order the
/// block by start time (`TimeOrder`): together 18-20% of a one-thread ingest profile. Now the
/// consumer only lists the rows (`BlockPieces`: a store and a row range per chunk part, with the
/// rows' source and partitions) and the encoding worker copies every column once, straight from
/// the parsers' buffers into time order (~14% of the profile; whole runs on ten files: 2% less
/// CPU at one thread, 4-6% at two, where the consumer's copy had been serial; peak RSS 5 MB
/// lower). The parsers' stores stay out of the pool until every block holding rows of them is
/// assembled.
public struct BlockPieces: Sendable {
    /// Rows `range` of a parsed chunk, from source file `sourceID` with `partitionValues`
    /// (account, region, date: `FieldCatalog.derived` order).
    public struct Piece: Sendable {
        public let store: ColumnStore
        public let range: Range<Int>
        public let sourceID: UInt64
        public let partitionValues: [String?]
    }

    public private(set) var pieces: [Piece] = []
    public private(set) var rowCount = 0

    public init() {}

    /// Adds rows `range` of `store` (filled by `RecordParser.parseInPlace`). The store is held
    /// (see `ColumnStore.hold`) until `release` is called on these pieces.
    public mutating func append(_ store: ColumnStore, range: Range<Int>, sourceID: UInt64, partitionValues: [String?]) {
        guard !range.isEmpty else { return }
        precondition(range.lowerBound >= 0 && range.upperBound <= store.rows, "rows outside the chunk")
        store.hold()
        pieces.append(Piece(store: store, range: range, sourceID: sourceID, partitionValues: partitionValues))
        rowCount += range.count
    }

    /// Lets go of the stores: each goes back to `pool` once nothing else holds it.
    public func release(to pool: ColumnStorePool) {
        for p in pieces where p.store.letGo() { pool.recycle(p.store) }
    }

    /// The block's columns, each made when the encoder asks for it (see `BlockColumns`): the
    /// ingester's encoding worker reads them this way. The pieces' stores must stay held until
    /// the columns are no longer used.
    public func columns() -> AssembledColumns { AssembledColumns(self) }

    /// The block: the rows of every piece, ordered by start time (stable on the pieces' order,
    /// nulls last; see `TimeOrder`). A column exists when some piece's chunk has the field; rows
    /// whose chunk lacks it are null. Dictionaries list values in order of first appearance in
    /// the pieces' order, so the block equals appending the pieces' rows one after another and
    /// then ordering them by start (the tests hold it to that plain reorder), value for value
    /// and code for code. These are the columns of `columns()`, all made.
    public func assemble() -> RecordBatch {
        var out = RecordBatch()
        out.rowCount = rowCount
        guard rowCount > 0 else { return out }
        let c = columns()
        for id in FieldCatalog.fields.indices where c.has(id) {
            switch FieldCatalog.fields[id].kind {
            case .string: out.strings[id] = c.string(id)
            case .address: out.addresses[id] = c.address(id)
            default: out.ints[id] = c.int(id)
            }
        }
        for (k, name) in c.extraNames.enumerated() { out.extras.append((name, c.extra(k))) }
        for k in 0..<3 { out.partitions[k] = c.partition(k) }
        out.sourceIDs = c.sourceIDColumn()
        return out
    }

    /// The permutation (new row -> old row, old rows numbered through the pieces in order) that
    /// orders the block by start, or nil when it is in order already or has no start column.
    fileprivate func timeOrder() -> [Int32]? {
        let id = FieldCatalog.start
        guard pieces.contains(where: { $0.store.used[id] }) else { return nil }
        var start = IntColumn()
        start.reserveCapacity(rowCount)
        for p in pieces {
            if p.store.used[id] {
                start.append(values: p.store.values[id]!, nulls: p.store.nulls[id]!, range: p.range)
            } else {
                start.appendNulls(p.range.count)
            }
        }
        return TimeOrder.permutation(start)
    }
}

/// A block's columns made from its pieces one at a time, each straight into start-time order
/// (`BlockPieces.columns()`).
public final class AssembledColumns: BlockColumns {
    private let pieces: [BlockPieces.Piece]
    private let scatter: Scatter
    public let rowCount: Int
    public let extraNames: [String]

    fileprivate init(_ block: BlockPieces) {
        pieces = block.pieces
        rowCount = block.rowCount
        scatter = Scatter(pieces: block.pieces, order: block.rowCount > 0 ? block.timeOrder() : nil)
        var names: [String] = []
        for p in block.pieces { for name in p.store.extraNames where !names.contains(name) { names.append(name) } }
        extraNames = names
    }

    deinit { scatter.deallocate() }

    public func has(_ id: Int) -> Bool { pieces.contains { $0.store.used[id] } }

    public func int(_ id: Int) -> IntColumn? {
        precondition(FieldCatalog.fields[id].kind != .string && FieldCatalog.fields[id].kind != .address)
        guard has(id) else { return nil }
        return scatter.ints { s in s.used[id] ? (s.values[id]!, s.nulls[id]!) : nil }
    }

    public func address(_ id: Int) -> AddressColumn? {
        precondition(FieldCatalog.fields[id].kind == .address)
        guard has(id) else { return nil }
        return scatter.addresses { s in s.used[id] ? (s.high[id]!, s.low[id]!, s.nulls[id]!) : nil }
    }

    public func string(_ id: Int) -> StringColumn? {
        precondition(FieldCatalog.fields[id].kind == .string)
        guard has(id) else { return nil }
        return scatter.strings { s in s.used[id] ? (UnsafePointer(s.codes[id]!), s.dictionaries[id]) : nil }
    }

    public func extra(_ k: Int) -> StringColumn {
        let name = extraNames[k]
        return scatter.strings { s in
            s.extraNames.firstIndex(of: name).map { k in (UnsafePointer(s.extraCodes[k]), s.extraDictionaries[k]) }
        }
    }

    public func partition(_ k: Int) -> StringColumn? {
        guard pieces.contains(where: { $0.partitionValues[k] != nil }) else { return nil }
        var dictionary = ByteDictionary()
        let codes = pieces.map { p in
            p.partitionValues[k].map { v in Array(v.utf8).withUnsafeBytes { dictionary.intern($0) } } ?? 0
        }
        return StringColumn(codes: scatter.constants(codes), dictionary: dictionary)
    }

    public func sourceIDColumn() -> IntColumn? {
        guard rowCount > 0 else { return nil }
        return IntColumn(values: scatter.constants(pieces.map(\.sourceID)), nulls: nil, nullCount: 0)
    }
}

/// Where each row of the pieces goes in the block, and the kernels that copy a column there.
/// Each piece's rows are read in order from its store and written to their places in the block
/// (a scatter): the source pointer and a text column's code translation stay fixed through a
/// piece, where gathering in block order looked both up per row (measured: that gather cost
/// more than the plain reorder it replaced, this scatter less). Null flags are written only for
/// null rows, after a plain copy of the values: a flag written per row at a random place was
/// most of the scatter's time. Raw memory confined to this type: the source
/// pointers are the stores' buffers (alive while the pieces hold them), `target` its own.
private struct Scatter {
    let n: Int
    let pieces: [BlockPieces.Piece]
    /// The first row of each piece, numbering the rows through the pieces in order.
    let first: [Int]
    /// The block row of each row so numbered; nil when the rows stay in that order.
    let target: UnsafeMutablePointer<Int32>?

    init(pieces: [BlockPieces.Piece], order: [Int32]?) {
        self.pieces = pieces
        var first: [Int] = []
        var g = 0
        for p in pieces { first.append(g); g += p.range.count }
        self.first = first
        n = g
        if let order {
            precondition(order.count == n)
            let t = UnsafeMutablePointer<Int32>.allocate(capacity: n)
            for i in 0..<n { t[Int(order[i])] = Int32(truncatingIfNeeded: i) }
            target = t
        } else {
            target = nil
        }
    }

    func deallocate() { target?.deallocate() }

    /// Calls `body(to, from)` for every row of piece `k`: its block row and its store row.
    @inline(__always)
    private func forEachRow(_ k: Int, _ body: (Int, Int) -> Void) {
        let range = pieces[k].range
        let g = first[k] &- range.lowerBound
        if let target {
            for r in range { body(Int(target[g &+ r]), r) }
        } else {
            for r in range { body(g &+ r, r) }
        }
    }

    /// An integer column; a null row's value is stored as 0 (the parser leaves stale values there).
    func ints(_ source: (ColumnStore) -> (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt8>)?) -> IntColumn {
        var flags = NullFlags(n)
        var nullCount = 0
        let values = [UInt64](unsafeUninitializedCapacity: n) { out, c in
            for k in pieces.indices {
                let range = pieces[k].range
                guard let (v, nn) = source(pieces[k].store) else {
                    flags.mark { f in forEachRow(k) { to, _ in out[to] = 0; f[to] = 1 } }
                    nullCount &+= range.count
                    continue
                }
                forEachRow(k) { to, from in out[to] = v[from] }
                let pieceNulls = countNulls(nn, range)
                if pieceNulls > 0 {
                    // Null rows are few (NODATA, SKIPDATA, fields a version lacks): fixed up
                    // after the plain copy, rather than a flag written for every row.
                    flags.mark { f in
                        forEachRow(k) { to, from in
                            if nn[from] != 0 { out[to] = 0; f[to] = 1 }
                        }
                    }
                    nullCount &+= pieceNulls
                }
            }
            c = n
        }
        return IntColumn(values: values, nulls: flags.flags, nullCount: nullCount)
    }

    /// An address column (both halves zero in null rows).
    func addresses(_ source: (ColumnStore) -> (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt8>)?) -> AddressColumn {
        var flags = NullFlags(n)
        var nullCount = 0
        var low = [UInt64](repeating: 0, count: n)
        let high = [UInt64](unsafeUninitializedCapacity: n) { hi, c in
            low.withUnsafeMutableBufferPointer { lo in
                for k in pieces.indices {
                    let range = pieces[k].range
                    guard let (h, l, nn) = source(pieces[k].store) else {
                        flags.mark { f in forEachRow(k) { to, _ in hi[to] = 0; f[to] = 1 } }
                        nullCount &+= range.count
                        continue
                    }
                    forEachRow(k) { to, from in hi[to] = h[from]; lo[to] = l[from] }
                    let pieceNulls = countNulls(nn, range)
                    if pieceNulls > 0 {
                        flags.mark { f in
                            forEachRow(k) { to, from in
                                if nn[from] != 0 { hi[to] = 0; lo[to] = 0; f[to] = 1 }
                            }
                        }
                        nullCount &+= pieceNulls
                    }
                }
            }
            c = n
        }
        return AddressColumn(high: high, low: low, nulls: flags.flags, nullCount: nullCount)
    }

    /// A text column: each piece's chunk codes translated into one block dictionary, pieces in
    /// order and rows in order within each, so the dictionary lists values in order of first
    /// appearance (as appending the pieces did).
    func strings(_ source: (ColumnStore) -> (UnsafePointer<UInt32>, InternTable)?) -> StringColumn {
        var dictionary = ByteDictionary()
        var map: [UInt32] = []
        let unmapped = UInt32.max
        let codes = [UInt32](unsafeUninitializedCapacity: n) { out, c in
            for k in pieces.indices {
                guard let (src, table) = source(pieces[k].store) else {
                    forEachRow(k) { to, _ in out[to] = 0 }
                    continue
                }
                map.removeAll(keepingCapacity: true)
                map.append(0)
                map.append(contentsOf: repeatElement(unmapped, count: table.count))
                map.withUnsafeMutableBufferPointer { m in
                    forEachRow(k) { to, from in
                        let code = Int(src[from])
                        var mapped = m[code]
                        if mapped == unmapped {
                            mapped = dictionary.intern(table.bytes(of: UInt32(code)))
                            m[code] = mapped
                        }
                        out[to] = mapped
                    }
                }
            }
            c = n
        }
        return StringColumn(codes: codes, dictionary: dictionary)
    }

    /// A column holding `perPiece[k]` in every row of piece k.
    func constants<T>(_ perPiece: [T]) -> [T] {
        if let first = perPiece.first, perPiece.count == 1 { return [T](repeating: first, count: n) }
        return [T](unsafeUninitializedCapacity: n) { out, c in
            for k in pieces.indices {
                let v = perPiece[k]
                forEachRow(k) { to, _ in (out.baseAddress! + to).initialize(to: v) }
            }
            c = n
        }
    }
}

/// A column's null flags, made (all zero) when its first null row is marked.
private struct NullFlags {
    let rows: Int
    private(set) var flags: [UInt8]? = nil

    init(_ rows: Int) { self.rows = rows }

    /// Runs `body` on the flags, making them first if there are none yet.
    mutating func mark(_ body: (UnsafeMutableBufferPointer<UInt8>) -> Void) {
        if flags == nil { flags = [UInt8](repeating: 0, count: rows) }
        flags!.withUnsafeMutableBufferPointer { body($0) }
    }
}
