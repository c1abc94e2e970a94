/// The columns of one archive block as the block encoder reads them: one at a time. A block
/// assembled from parsed chunks (`BlockPieces.columns()`) makes each column when it is asked
/// for, so the encoder reads it while it is still in the core's cache, instead of every column
/// being made first and then read back from memory (a block of 65,536 v5 rows is ~14 MB in
/// columns, more than the caches hold). A `RecordBatch` hands out the columns it holds.
///
/// Ids are `FieldCatalog` ids; each field is asked for by its kind only. A column that is nil
/// has no row with the field (the encoder then stores nothing for it).
public protocol BlockColumns {
    var rowCount: Int { get }
    /// Which fields have a column (some row's format has the field).
    func has(_ id: Int) -> Bool
    func int(_ id: Int) -> IntColumn?
    func address(_ id: Int) -> AddressColumn?
    func string(_ id: Int) -> StringColumn?
    /// `account_partition`, `region_partition`, `date_partition` (`FieldCatalog.derived` order).
    func partition(_ k: Int) -> StringColumn?
    /// Fields that flowarc does not know, by name, in order of first appearance.
    var extraNames: [String] { get }
    func extra(_ k: Int) -> StringColumn
    /// The archive's id of each row's source file.
    func sourceIDColumn() -> IntColumn?
}

extension RecordBatch: BlockColumns {
    public func has(_ id: Int) -> Bool { ints[id] != nil || addresses[id] != nil || strings[id] != nil }
    public func int(_ id: Int) -> IntColumn? { ints[id] }
    public func address(_ id: Int) -> AddressColumn? { addresses[id] }
    public func string(_ id: Int) -> StringColumn? { strings[id] }
    public func partition(_ k: Int) -> StringColumn? { partitions[k] }
    public var extraNames: [String] { extras.map(\.name) }
    public func extra(_ k: Int) -> StringColumn { extras[k].column }
    public func sourceIDColumn() -> IntColumn? { sourceIDs }
}
