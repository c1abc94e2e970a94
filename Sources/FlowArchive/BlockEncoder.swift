import FlowLog

/// One column of an encoded block: where it goes in the segment schema, its chunk and its index.
public struct EncodedColumn: Sendable {
    public var name: String
    public var type: ColumnType
    public var chunk: EncodedChunk
    public var index: ColumnIndex
}

/// A block encoded and compressed, ready for a segment file.
public struct EncodedBlock: Sendable {
    public var rows: Int
    public var columns: [EncodedColumn]
    /// min(start) and max(end) of the block's records (for the manifest's time range), and
    /// max(start) and min(end) (whether those bound the other column too).
    public var minStart: Int64?
    public var maxEnd: Int64?
    public var maxStart: Int64? = nil
    public var minEnd: Int64? = nil
}

/// Names of the columns flowarc adds to every record.
public enum DerivedColumn {
    public static let source = "$source"
}

public enum BlockEncoder {
    static let portFields: Set<String> = ["srcport", "dstport"]
    /// Packet-level addresses equal the ENI-level ones except behind NAT gateways, TGWs and EKS pods.
    static let sameAsReference: [String: String] = ["pkt-srcaddr": "srcaddr", "pkt-dstaddr": "dstaddr"]

    static func columnType(_ kind: FieldKind) -> ColumnType { ColumnType(rawValue: kind.rawValue)! }

    /// Encodes every present column of `block` (a `RecordBatch` must be padded to `rowCount`).
    /// Columns that are null in every row are left out: a reader treats a missing column as all
    /// null. Integer columns of more than `pageRows` rows are stored in pages (encoding 8).
    /// Columns are asked for one at a time and encoded before the next is made (see
    /// `BlockColumns`); only srcaddr and dstaddr are kept, for the columns stored as repeating them.
    public static func encode(_ block: some BlockColumns, pageRows: Int = ArchiveFormat.defaultPageRows) -> EncodedBlock {
        var cols: [EncodedColumn] = []
        var minStart: Int64? = nil, maxEnd: Int64? = nil, maxStart: Int64? = nil, minEnd: Int64? = nil
        // Address columns that others repeat, and their dictionaries and indexes, by field id
        // (pkt-srcaddr repeats srcaddr on most rows).
        var references: [Int: (column: AddressColumn, dictionary: AddressDictionary, index: ColumnIndex)] = [:]
        for (id, spec) in FieldCatalog.fields.enumerated() where block.has(id) {
            switch spec.kind {
            case .address:
                guard let c = block.address(id), c.nullCount < c.count else { continue }
                var chunk: EncodedChunk? = nil
                var index: ColumnIndex? = nil
                if let refName = sameAsReference[spec.name], let refID = FieldCatalog.id(of: refName),
                   let ref = references[refID] {
                    chunk = ColumnCodec.encode(c, sameAs: ref.column, referenceName: refName)
                    if chunk != nil {
                        // Stored as "same as": only the index needs the distinct values.
                        let entries = AddressDictionary.entries(of: c, sameAs: ref.column, referenceDictionary: ref.dictionary)
                        index = entries == ref.dictionary.entries ? ref.index : ColumnIndex.build(entries: entries)
                    }
                }
                if chunk == nil || index == nil {
                    let d = AddressDictionary(c)
                    let built = ColumnIndex.build(d)
                    if referenceIDs.contains(id) { references[id] = (c, d, built) }
                    if chunk == nil { chunk = ColumnCodec.encode(c, dictionary: d) }
                    index = built
                }
                cols.append(EncodedColumn(name: spec.name, type: .address, chunk: chunk!, index: index!))
            case .string:
                guard let c = block.string(id), c.dictionary.count > 0 else { continue }
                cols.append(EncodedColumn(name: spec.name, type: .string, chunk: ColumnCodec.encode(c), index: .none))
            default:
                guard let c = block.int(id), c.nullCount < c.count else { continue }
                let (chunk, index) = ColumnCodec.encodeIndexed(c, isPort: portFields.contains(spec.name), pageRows: pageRows)
                cols.append(EncodedColumn(name: spec.name, type: columnType(spec.kind), chunk: chunk, index: index))
                if id == FieldCatalog.start, let r = index.intRange { (minStart, maxStart) = (Int64(r.min), Int64(r.max)) }
                if id == FieldCatalog.end, let r = index.intRange { (minEnd, maxEnd) = (Int64(r.min), Int64(r.max)) }
            }
        }
        for (p, spec) in FieldCatalog.derived.enumerated() {
            guard let c = block.partition(p), c.dictionary.count > 0 else { continue }
            cols.append(EncodedColumn(name: spec.name, type: .string, chunk: ColumnCodec.encode(c), index: .none))
        }
        for (k, name) in block.extraNames.enumerated() {
            let c = block.extra(k)
            guard c.dictionary.count > 0 else { continue }
            cols.append(EncodedColumn(name: name, type: .string, chunk: ColumnCodec.encode(c), index: .none))
        }
        if let s = block.sourceIDColumn(), s.nullCount < s.count {
            let (chunk, index) = ColumnCodec.encodeIndexed(s, isPort: false, pageRows: pageRows)
            cols.append(EncodedColumn(name: DerivedColumn.source, type: .uint64, chunk: chunk, index: index))
        }
        return EncodedBlock(rows: block.rowCount, columns: cols, minStart: minStart, maxEnd: maxEnd, maxStart: maxStart, minEnd: minEnd)
    }

    /// The fields some other column may be stored as repeating (`sameAsReference`'s values).
    static let referenceIDs = Set(sameAsReference.values.compactMap { FieldCatalog.id(of: $0) })
}
