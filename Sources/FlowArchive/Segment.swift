import FlowCodecs
import FlowLog
import FlowSupport

/// A column in a segment's schema.
public struct SchemaColumn: Sendable, Equatable {
    public var name: String
    public var type: ColumnType
}

/// Where a column chunk is and how to decode it (one directory entry).
public struct ChunkEntry: Sendable {
    public var column: Int
    public var offset: UInt64
    public var compressedLength: UInt32
    public var rawLength: UInt32
    public var encoding: UInt8
    public var width: UInt8
    public var flags: UInt8
    public var nullCount: UInt32
    public var crc: UInt32
    private var storedIndex: StoredIndex

    /// An index as written, or as read: its bytes in the segment directory, decoded only when a
    /// reader asks (opening an archive of millions of records would otherwise decode every
    /// block's Bloom filters and port bitmaps, most of which a query never looks at).
    ///
    /// A read entry holds only where its index is, no reference to the segment's mappings: an
    /// archive's directories hold about 10,000 entries, and with three references each, making,
    /// copying and freeing them was ~5% of a one-statement `flowarc query` process.
    enum StoredIndex: Sendable {
        case decoded(ColumnIndex)
        /// Its bytes in the segment directory (a 1.1 index keeps its body in the data area).
        case encoded(Range<Int>)
    }

    /// Where the writer put the index's body in the data area (format 1.1), if it has one, and
    /// the checksums its entry keeps (`ColumnIndex.bodyChecksums`).
    var body: (offset: UInt64, length: UInt32, checksums: [UInt32])? = nil

    public init(column: Int, offset: UInt64, compressedLength: UInt32, rawLength: UInt32, encoding: UInt8,
                width: UInt8, flags: UInt8, nullCount: UInt32, crc: UInt32, index: ColumnIndex) {
        self.column = column
        self.offset = offset
        self.compressedLength = compressedLength
        self.rawLength = rawLength
        self.encoding = encoding
        self.width = width
        self.flags = flags
        self.nullCount = nullCount
        self.crc = crc
        storedIndex = .decoded(index)
    }

    init(column: Int, offset: UInt64, compressedLength: UInt32, rawLength: UInt32, encoding: UInt8,
         width: UInt8, flags: UInt8, nullCount: UInt32, crc: UInt32, encodedIndex: StoredIndex) {
        self.init(column: column, offset: offset, compressedLength: compressedLength, rawLength: rawLength,
                  encoding: encoding, width: width, flags: flags, nullCount: nullCount, crc: crc, index: .none)
        storedIndex = encodedIndex
    }

    /// The block index of an entry the writer made (a reader's entries decode through their
    /// segment: `SegmentReader.decodeIndex(_:)`).
    var index: ColumnIndex {
        guard case .decoded(let i) = storedIndex else { preconditionFailure("a read entry's index is decoded by its segment") }
        return i
    }

    /// What the index says about the range of the block's values, read from its fixed head
    /// only: an address index's filter (in the data area, 64 KB, checked by CRC when decoded) is
    /// not touched.
    func bounds(directory: MappedRegion) -> ColumnBounds {
        switch storedIndex {
        case .decoded(let i):
            return i.bounds
        case .encoded(let range):
            var r = ByteReader(Array(directory.bytes[range]), context: "index")
            return (try? ColumnIndex.readBounds(&r)) ?? .unknown
        }
    }

    /// The index, from the segment's directory and data area when it was read from a file.
    func decodeIndex(directory: MappedRegion, data: MappedRegion, file: ReadableFile, context: String) throws -> ColumnIndex {
        switch storedIndex {
        case .decoded(let i):
            return i
        case .encoded(let range):
            var r = ByteReader(Array(directory.bytes[range]), context: context)
            return try ColumnIndex.read(&r, data: data, file: file)
        }
    }
}

/// Bytes of decoded block indexes that segment readers may keep, process-wide: every index of
/// an archive of about a hundred million records (a 20-million-record archive's address filters
/// and port bitmaps are ~56 MB; a statement decodes only those of the columns it filters on),
/// bounded whatever the archive's size. Once it is spent, indexes are decoded per use as before.
enum IndexCacheBudget {
    static let limit = 256 << 20
    private static let lock = Monitor()
    nonisolated(unsafe) private static var used = 0

    /// Whether `bytes` more may be kept (and, if so, counts them).
    static func take(_ bytes: Int) -> Bool {
        lock.withLock {
            guard used + bytes <= limit else { return false }
            used += bytes
            return true
        }
    }

    /// Returns `bytes` taken before (a reader's cache freed with it).
    static func give(_ bytes: Int) {
        lock.withLock { used -= bytes }
    }
}

/// A block as the directory describes it.
public struct BlockEntry: Sendable {
    public var rows: Int
    public var chunks: [ChunkEntry]

    public func chunk(forColumn c: Int) -> ChunkEntry? { chunks.first { $0.column == c } }
}

/// What a finished segment is, for the manifest.
public struct SegmentSummary: Sendable {
    public var fileSize: UInt64
    public var records: UInt64
    public var blocks: UInt32
    public var minStart: Int64?
    public var maxEnd: Int64?
    public var directoryCRC: UInt32
    /// max(start) and min(end) over the segment (not in the manifest: they decide its bits 2, 3).
    public var maxStart: Int64? = nil
    public var minEnd: Int64? = nil
}

/// Writes one segment file: header, column chunks as blocks arrive, then the directory (schema,
/// block entries with their indexes) and the fixed trailer. Metadata goes last so a segment is
/// written in one pass (as Parquet does); the file is fsynced before it is committed.
public final class SegmentWriter {
    public let path: String
    private let file: WritableFile
    private var offset: UInt64 = 0
    private var schema: [SchemaColumn] = []
    private var schemaIndex: [String: Int] = [:]
    private var blocks: [BlockEntry] = []
    private var records: UInt64 = 0
    private var minStart: Int64? = nil
    private var maxEnd: Int64? = nil
    private var maxStart: Int64? = nil
    private var minEnd: Int64? = nil

    public init(path: String) throws {
        self.path = path
        file = try WritableFile(creating: path)
        var w = ByteWriter(capacity: 8)
        w.writeInteger(ArchiveFormat.segmentMagic)
        w.writeInteger(ArchiveFormat.majorVersion)
        w.writeInteger(ArchiveFormat.minorVersion)
        try file.write(w.bytes)
        offset = UInt64(w.count)
    }

    public var blockCount: Int { blocks.count }
    public var recordCount: UInt64 { records }

    public func append(_ block: EncodedBlock) throws {
        var entries: [ChunkEntry] = []
        for col in block.columns {
            let ci: Int
            if let i = schemaIndex[col.name] {
                ci = i
                guard schema[i].type == col.type else {
                    throw ArchiveError("column \(col.name) changes type within a segment")
                }
            } else {
                ci = schema.count
                schema.append(SchemaColumn(name: col.name, type: col.type))
                schemaIndex[col.name] = ci
            }
            try file.write(col.chunk.compressed)
            entries.append(ChunkEntry(column: ci, offset: offset, compressedLength: UInt32(col.chunk.compressed.count),
                                      rawLength: col.chunk.rawLength, encoding: col.chunk.encoding.rawValue,
                                      width: col.chunk.width, flags: col.chunk.flags, nullCount: col.chunk.nullCount,
                                      crc: col.chunk.crc, index: col.index))
            offset += UInt64(col.chunk.compressed.count)
        }
        // Format 1.1: Bloom filters and port bitmaps after the block's chunks, so the directory
        // (read whole by every query) holds only their Min/Max and where they are.
        for k in entries.indices {
            guard let body = entries[k].index.body else { continue }
            try file.write(body)
            entries[k].body = (offset, UInt32(body.count), entries[k].index.bodyChecksums(body))
            offset += UInt64(body.count)
        }
        blocks.append(BlockEntry(rows: block.rows, chunks: entries))
        records += UInt64(block.rows)
        if let s = block.minStart { minStart = min(minStart ?? s, s) }
        if let e = block.maxEnd { maxEnd = max(maxEnd ?? e, e) }
        if let s = block.maxStart { maxStart = max(maxStart ?? s, s) }
        if let e = block.minEnd { minEnd = min(minEnd ?? e, e) }
    }

    /// Writes the directory and trailer and fsyncs the file.
    public func finish() throws -> SegmentSummary {
        var d = ByteWriter(capacity: 1 << 16)
        d.writeInteger(UInt32(schema.count))
        for c in schema {
            d.writeInteger(c.type.rawValue)
            d.writeInteger(UInt8(0))
            let name = Array(c.name.utf8)
            d.writeInteger(UInt16(name.count))
            d.writeBytes(name)
        }
        d.writeInteger(UInt32(blocks.count))
        for b in blocks {
            d.writeInteger(UInt32(b.rows))
            d.writeInteger(UInt32(b.chunks.count))
            for e in b.chunks {
                d.writeInteger(UInt32(e.column))
                d.writeInteger(e.offset)
                d.writeInteger(e.compressedLength)
                d.writeInteger(e.rawLength)
                d.writeInteger(e.encoding)
                d.writeInteger(e.width)
                d.writeInteger(e.flags)
                d.writeInteger(UInt8(0))
                d.writeInteger(e.nullCount)
                d.writeInteger(e.crc)
                if let body = e.body {
                    e.index.writeRef(to: &d, offset: body.offset, length: body.length, checksums: body.checksums)
                } else {
                    e.index.write(to: &d)
                }
            }
        }
        let crc = CRC32.checksum(d.bytes)
        var t = ByteWriter(capacity: 24)
        t.writeInteger(offset)                 // directory offset
        t.writeInteger(UInt32(d.count))        // directory length
        t.writeInteger(crc)                    // directory CRC-32
        t.writeInteger(ArchiveFormat.majorVersion)
        t.writeInteger(ArchiveFormat.minorVersion)
        t.writeInteger(ArchiveFormat.segmentMagic)
        try file.write(d.bytes)
        try file.write(t.bytes)
        try file.sync()
        file.close()
        let size = offset + UInt64(d.count) + UInt64(t.count)
        return SegmentSummary(fileSize: size, records: records, blocks: UInt32(blocks.count),
                              minStart: minStart, maxEnd: maxEnd, directoryCRC: crc, maxStart: maxStart, minEnd: minEnd)
    }
}

/// Reads a segment file: checks header and trailer, loads the directory (schema and every block's
/// chunk entries and indexes) in one read, and reads column chunks on demand with pread.
public final class SegmentReader: @unchecked Sendable {
    public let path: String
    public let schema: [SchemaColumn]
    public let blocks: [BlockEntry]
    public let fileSize: Int64
    public let directoryCRC: UInt32
    private let file: ReadableFile
    private let schemaIndex: [String: Int]
    /// The data area (`0 ..< Dir_Offset`, every chunk: checked when the directory is parsed),
    /// mapped read-only. Chunks are checked and decompressed where the page cache holds them:
    /// reading them with pread copied every compressed byte a query touched once more (a
    /// tenth of a selective query's time). Committed segments are never rewritten, so the
    /// mapping cannot lose its file (see `MappedRegion`).
    private let data: MappedRegion
    /// The directory, where the entries' block indexes are (decoded on demand).
    private let directory: MappedRegion

    public init(path: String) throws {
        self.path = path
        let file = try ReadableFile(path: path)
        self.file = file
        let fileSize = try file.size()
        self.fileSize = fileSize
        let minSize = Int64(ArchiveFormat.segmentHeaderSize + ArchiveFormat.segmentTrailerSize)
        guard fileSize >= minSize else { throw ArchiveError.corrupt(path, "segment is \(fileSize) bytes, shorter than header and trailer") }
        var head = [UInt8](repeating: 0, count: ArchiveFormat.segmentHeaderSize)
        _ = try head.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
        var h = ByteReader(head, context: path)
        guard try h.readInteger(as: UInt32.self) == ArchiveFormat.segmentMagic else {
            throw ArchiveError.corrupt(path, "not a flowarc segment (bad magic)")
        }
        let major: UInt16 = try h.readInteger()
        guard major <= ArchiveFormat.majorVersion else {
            throw ArchiveError("\(path): written by a newer flowarc (segment format version \(major)); this flowarc reads version \(ArchiveFormat.majorVersion)")
        }
        var tail = [UInt8](repeating: 0, count: ArchiveFormat.segmentTrailerSize)
        _ = try tail.withUnsafeMutableBytes { try file.read(into: $0, at: fileSize - Int64(ArchiveFormat.segmentTrailerSize)) }
        var t = ByteReader(tail, context: path + " trailer")
        let dirOffset: UInt64 = try t.readInteger()
        let dirLength = Int(try t.readInteger(as: UInt32.self))
        let dirCRC: UInt32 = try t.readInteger()
        let tMajor: UInt16 = try t.readInteger()
        _ = try t.readInteger(as: UInt16.self)
        guard try t.readInteger(as: UInt32.self) == ArchiveFormat.segmentMagic else {
            throw ArchiveError.corrupt(path, "trailer magic missing (truncated or unfinished segment)")
        }
        guard tMajor <= ArchiveFormat.majorVersion else {
            throw ArchiveError("\(path): written by a newer flowarc (segment format version \(tMajor))")
        }
        // Neither version byte is under a checksum: the two copies must agree.
        guard major >= 1, tMajor == major else {
            throw ArchiveError.corrupt(path, "header says format version \(major), trailer \(tMajor)")
        }
        // The trailer has no checksum of its own: check its numbers without overflowing.
        let (dirEnd, o1) = dirOffset.addingReportingOverflow(UInt64(dirLength))
        let (fileEnd, o2) = dirEnd.addingReportingOverflow(UInt64(ArchiveFormat.segmentTrailerSize))
        guard dirLength <= ArchiveFormat.maxDirectory, !o1, !o2,
              dirOffset >= UInt64(ArchiveFormat.segmentHeaderSize), fileEnd == UInt64(fileSize) else {
            throw ArchiveError.corrupt(path, "directory position does not match the file size")
        }
        // Mapped, not read: the directory holds every block's indexes (tens of MB for a large
        // segment), and opening is the fixed cost of every query. Page-cache pages are mapped
        // in place; only the checksum and the entries' fields are read here.
        let dir = try file.map(offset: Int64(dirOffset), count: dirLength)
        guard CRC32.checksum(dir.bytes) == dirCRC else { throw ArchiveError.corrupt(path, "directory checksum mismatch") }
        directoryCRC = dirCRC
        let data = try file.map(offset: 0, count: Int(dirOffset))
        self.data = data
        directory = dir
        do {
            (self.schema, self.blocks) = try Self.parseDirectory(dir, path: path, dirOffset: dirOffset)
        } catch let e as TruncatedError {
            throw ArchiveError.corrupt(path, e.description)
        }
        var si: [String: Int] = [:]
        for (i, c) in schema.enumerated() { si[c.name] = i }
        schemaIndex = si
    }

    private static func parseDirectory(_ dir: MappedRegion, path: String, dirOffset: UInt64) throws -> ([SchemaColumn], [BlockEntry]) {
        let dirLength = dir.bytes.count
        // One string for every entry's error context: built per entry, it was an allocation
        // for each of an archive's ~10,000 chunks, on the path of every query's start.
        let directoryContext = path + " directory"
        var r = RawByteReader(dir.bytes, context: directoryContext)
        let columnCount = Int(try r.readInteger(as: UInt32.self))
        guard columnCount <= ArchiveFormat.maxColumns else { throw ArchiveError.corrupt(path, "\(columnCount) columns") }
        var schema: [SchemaColumn] = []
        for _ in 0..<columnCount {
            let typeRaw: UInt8 = try r.readInteger()
            guard try r.readInteger(as: UInt8.self) == 0 else { throw ArchiveError.corrupt(path, "reserved byte of a schema entry is not zero") }
            let nameLen = Int(try r.readInteger(as: UInt16.self))
            let name = String(decoding: try r.readBytes(nameLen), as: UTF8.self)
            guard let type = ColumnType(rawValue: typeRaw) else {
                throw ArchiveError("\(path): column \(name) has type \(typeRaw), unknown to this flowarc version")
            }
            schema.append(SchemaColumn(name: name, type: type))
        }
        let blockCount = Int(try r.readInteger(as: UInt32.self))
        guard blockCount <= dirLength else { throw ArchiveError.corrupt(path, "block count \(blockCount)") }
        var blocks: [BlockEntry] = []
        blocks.reserveCapacity(blockCount)
        for _ in 0..<blockCount {
            let rows = Int(try r.readInteger(as: UInt32.self))
            guard rows <= ArchiveFormat.maxBlockRows else { throw ArchiveError.corrupt(path, "block of \(rows) rows") }
            let n = Int(try r.readInteger(as: UInt32.self))
            guard n <= columnCount else { throw ArchiveError.corrupt(path, "block with \(n) chunks") }
            var chunks: [ChunkEntry] = []
            for _ in 0..<n {
                let column = Int(try r.readInteger(as: UInt32.self))
                guard column < columnCount else { throw ArchiveError.corrupt(path, "chunk of column \(column)") }
                let off: UInt64 = try r.readInteger()
                let clen: UInt32 = try r.readInteger()
                let rlen: UInt32 = try r.readInteger()
                let enc: UInt8 = try r.readInteger()
                let width: UInt8 = try r.readInteger()
                let flags: UInt8 = try r.readInteger()
                guard try r.readInteger(as: UInt8.self) == 0 else { throw ArchiveError.corrupt(path, "reserved byte of a chunk entry is not zero") }
                let nulls: UInt32 = try r.readInteger()
                let crc: UInt32 = try r.readInteger()
                // The index is decoded when asked for; here only its extent is checked.
                let indexStart = r.offset
                _ = try r.readInteger(as: UInt8.self)
                let indexLength = Int(try r.readInteger(as: UInt32.self))
                _ = try r.readRange(indexLength)
                let index = ChunkEntry.StoredIndex.encoded(indexStart..<r.offset)
                let (chunkEnd, overflow) = off.addingReportingOverflow(UInt64(clen))
                guard !overflow, off >= UInt64(ArchiveFormat.segmentHeaderSize), chunkEnd <= dirOffset,
                      Int(rlen) <= ArchiveFormat.maxRawChunk else {
                    throw ArchiveError.corrupt(path, "chunk outside the data area")
                }
                chunks.append(ChunkEntry(column: column, offset: off, compressedLength: clen, rawLength: rlen, encoding: enc,
                                         width: width, flags: flags, nullCount: nulls, crc: crc, encodedIndex: index))
            }
            blocks.append(BlockEntry(rows: rows, chunks: chunks))
        }
        guard r.remaining == 0 else { throw ArchiveError.corrupt(path, "\(r.remaining) unexpected bytes after the last block entry") }
        return (schema, blocks)
    }

    public func columnIndex(named name: String) -> Int? { schemaIndex[name] }

    /// Decoded block indexes, by `block * schema.count + column` (see `blockIndex`).
    private var indexCache: [Int: ColumnIndex] = [:]
    private var indexCacheBytes = 0
    private let indexLock = Monitor()

    deinit { IndexCacheBudget.give(indexCacheBytes) }

    /// What this reader has already checked, by block, column and part (`chunkPart` for a
    /// chunk or a page table, a page's index for a page). A committed segment is never
    /// rewritten, so stored bytes are checked the first time a reader decodes them, not in every
    /// statement of a session that reads them again (the checksum was 15% of a CIDR count over
    /// every block).
    private struct CheckKey: Hashable { let block: Int, column: Int, part: Int }
    private static let chunkPart = -1
    private var checkedSums = Set<CheckKey>()
    /// Address dictionary chunks whose codes were all found within their dictionary (checked
    /// once, as the checksum: a range filter then reads the codes once per statement, not twice).
    private var checkedCodes = Set<CheckKey>()
    private let checkLock = Monitor()

    /// Checks `bytes` against `crc` unless this reader already has for `key`; `what` names them
    /// in the error.
    private func checkOnce(_ key: CheckKey, _ bytes: UnsafeRawBufferPointer, _ crc: UInt32, _ what: String) throws {
        if checkLock.withLock({ checkedSums.contains(key) }) { return }
        guard CRC32.checksum(bytes) == crc else { throw ArchiveError.corrupt(path, "\(what): checksum mismatch") }
        checkLock.withLock { _ = checkedSums.insert(key) }
    }

    /// A chunk's stored bytes in the mapping (not checked).
    private func storedSlice(_ e: ChunkEntry, block: Int) throws -> UnsafeRawBufferPointer {
        guard e.offset + UInt64(e.compressedLength) <= UInt64(data.bytes.count) else {
            throw ArchiveError.corrupt(path, "block \(block) column \(schema[e.column].name): chunk runs past the data area")
        }
        return UnsafeRawBufferPointer(rebasing: data.bytes[Int(e.offset)..<Int(e.offset) + Int(e.compressedLength)])
    }

    /// The index of `column` in block `block`, or nil when the block has no chunk of it (the
    /// column is then all NULL there). Decoded once per reader and kept while the process-wide
    /// budget (`IndexCacheBudget`) allows: pruning asks for the same indexes in every statement
    /// of a session, and decoding them (a body's checksum, a filter copied out of the mapping,
    /// a port bitmap decompressed) was most of a selective statement's time (a rare address:
    /// 25 MB of Bloom filters checked and copied per statement).
    /// The block index of one of this segment's entries (`verify` calls it to report one that
    /// does not decode).
    public func decodeIndex(_ e: ChunkEntry) throws -> ColumnIndex {
        try e.decodeIndex(directory: directory, data: data, file: file, context: path + " directory")
    }

    /// The range of block `block`'s values of column `column` by its index: `absent` when the
    /// block has none (no chunk of the column, or only NULLs), `unknown` when its index does
    /// not say. A decoded index is read from the cache; otherwise only the index's head.
    public func blockBounds(_ block: Int, column: Int) -> ColumnBounds {
        guard let chunk = blocks[block].chunk(forColumn: column), Int(chunk.nullCount) < blocks[block].rows else { return .absent }
        let key = block &* max(1, schema.count) &+ column
        if let cached = indexLock.withLock({ indexCache[key] }) { return cached.bounds }
        return chunk.bounds(directory: directory)
    }

    public func blockIndex(_ block: Int, column: Int) -> ColumnIndex? {
        let key = block &* max(1, schema.count) &+ column
        if let cached = indexLock.withLock({ indexCache[key] }) { return cached }
        guard let chunk = blocks[block].chunk(forColumn: column) else { return nil }
        // An index whose bytes do not decode (possible only when a writer erred, since the
        // directory's checksum held) reads as no index: the block is then never skipped, which
        // is always a correct answer. `verify` reports it (`decodeIndex(_:)`).
        let index = (try? decodeIndex(chunk)) ?? .none
        let bytes = index.byteSize
        if IndexCacheBudget.take(bytes) {
            let kept = indexLock.withLock { () -> Bool in
                guard indexCache[key] == nil else { return false }  // another thread kept it first
                indexCache[key] = index
                indexCacheBytes += bytes
                return true
            }
            if !kept { IndexCacheBudget.give(bytes) }
        }
        return index
    }

    /// Bytes before the directory (header, chunks and, from format 1.1, index bodies).
    public var dataAreaSize: Int { data.bytes.count }

    /// A chunk's stored bytes in the mapping, checked against its CRC the first time.
    private func storedBytes(_ e: ChunkEntry, block: Int) throws -> UnsafeRawBufferPointer {
        let stored = try storedSlice(e, block: block)
        try checkOnce(CheckKey(block: block, column: e.column, part: Self.chunkPart), stored, e.crc,
                      "block \(block) column \(schema[e.column].name)")
        return stored
    }

    /// A page of a paged integer chunk (encoding 8), as its page entry describes it.
    public struct Page: Sendable {
        /// Where the page's stored bytes lie within the chunk's stored bytes.
        let offset: Int
        let storedLength: Int
        let rawLength: Int
        let encoding: ColumnEncoding
        let width: Int
        let flags: UInt8
        public let nullCount: Int
        let crc: UInt32
        /// Smallest and largest non-null value of the page (both 0 when every row is null).
        public let min: UInt64
        public let max: UInt64
        public let firstRow: Int
        public let rows: Int
    }

    /// The page table of a paged chunk, checked: the table against `Chunk_CRC` (the first time
    /// this reader reads it), and every length, count and code against what holds it.
    public func pages(_ e: ChunkEntry, block: Int) throws -> [Page] {
        let name = schema[e.column].name
        func corrupt(_ what: String) -> ArchiveError { ArchiveError.corrupt(path, "block \(block) column \(name): \(what)") }
        let stored = try storedSlice(e, block: block)
        var r = RawByteReader(stored, context: "\(path): block \(block) column \(name)")
        let rows = blocks[block].rows
        do {
            let pageRows = Int(try r.readInteger(as: UInt32.self))
            let count = Int(try r.readInteger(as: UInt32.self))
            guard pageRows >= 1, count == (rows + pageRows - 1) / pageRows else {
                throw corrupt("a page table of \(count) pages of \(pageRows) rows does not cover \(rows) rows")
            }
            guard count <= (stored.count - 8) / ArchiveFormat.pageEntrySize else { throw corrupt("page table does not fit") }
            let tableLength = 8 + count * ArchiveFormat.pageEntrySize
            try checkOnce(CheckKey(block: block, column: e.column, part: Self.chunkPart), UnsafeRawBufferPointer(rebasing: stored[0..<tableLength]),
                          e.crc, "block \(block) column \(name)")
            var table: [Page] = []
            table.reserveCapacity(count)
            var offset = tableLength
            for k in 0..<count {
                let storedLength = Int(try r.readInteger(as: UInt32.self))
                let rawLength = Int(try r.readInteger(as: UInt32.self))
                let enc = try r.readInteger(as: UInt8.self), width = try r.readInteger(as: UInt8.self)
                let flags = try r.readInteger(as: UInt8.self), reserved = try r.readInteger(as: UInt8.self)
                let nullCount = Int(try r.readInteger(as: UInt32.self))
                let crc = try r.readInteger(as: UInt32.self)
                let lo = try r.readInteger(as: UInt64.self), hi = try r.readInteger(as: UInt64.self)
                let firstRow = k * pageRows, pageRowCount = Swift.min(pageRows, rows - firstRow)
                guard let encoding = ColumnEncoding(rawValue: enc), encoding == .frameOfReference || encoding == .delta else {
                    throw corrupt("page \(k) uses encoding \(enc), not an integer encoding")
                }
                guard reserved == 0, flags & ~ChunkFlags.known == 0 else { throw corrupt("page \(k) has unknown flags or a reserved byte set") }
                guard nullCount <= pageRowCount, rawLength <= ArchiveFormat.maxRawChunk, storedLength <= stored.count - offset else {
                    throw corrupt("page \(k) entry does not fit its chunk")
                }
                table.append(Page(offset: offset, storedLength: storedLength, rawLength: rawLength, encoding: encoding, width: Int(width),
                                  flags: flags, nullCount: nullCount, crc: crc, min: lo, max: hi, firstRow: firstRow, rows: pageRowCount))
                offset += storedLength
            }
            guard offset == stored.count else { throw corrupt("\(stored.count - offset) bytes after the last page") }
            return table
        } catch let err as TruncatedError {
            throw ArchiveError.corrupt(path, err.description)
        }
    }

    /// Page `k` of a paged chunk, decoded (its checksum checked the first time this reader reads it).
    public func pageInts(_ e: ChunkEntry, block: Int, page k: Int, _ page: Page) throws -> IntColumn {
        try decodingPage(e, block: block, page: k, page) { try ColumnCodec.decodeInts($0) }
    }

    /// Page `k` of a paged chunk decoded into `out[0..<page.rows]`; returns its null bytes (nil
    /// when no row is null) and their count.
    public func pageInts(_ e: ChunkEntry, block: Int, page k: Int, _ page: Page,
                         into out: UnsafeMutablePointer<UInt64>) throws -> (nulls: [UInt8]?, nullCount: Int) {
        try decodingPage(e, block: block, page: k, page) { try ColumnCodec.decodeInts($0, into: out) }
    }

    /// Runs `decode` on page `k`'s raw bytes (its checksum checked the first time this reader
    /// reads it; stored as literals, copied, else decompressed), with corruption errors named.
    private func decodingPage<R>(_ e: ChunkEntry, block: Int, page k: Int, _ page: Page,
                                 _ decode: (ColumnCodec.RawChunk) throws -> R) throws -> R {
        let name = schema[e.column].name
        let context = "\(path): block \(block) column \(name) page \(k)"
        let start = Int(e.offset) + page.offset
        let stored = UnsafeRawBufferPointer(rebasing: data.bytes[start..<start + page.storedLength])
        try checkOnce(CheckKey(block: block, column: e.column, part: k), stored, page.crc, "block \(block) column \(name) page \(k)")
        do {
            let raw = try [UInt8](unsafeUninitializedCapacity: page.rawLength) { buf, n in
                try LZ4.decompress(stored, into: UnsafeMutableRawBufferPointer(buf))
                n = buf.count
            }
            return try decode(ColumnCodec.RawChunk(bytes: raw, rows: page.rows, encoding: page.encoding, width: page.width,
                                                   flags: page.flags, context: context))
        } catch let err as ArchiveError {
            throw err
        } catch let err as TruncatedError {
            throw ArchiveError.corrupt(path, err.description)
        } catch {
            throw ArchiveError.corrupt(path, "block \(block) column \(name) page \(k): \(error)")
        }
    }

    /// The decompressed raw bytes of a chunk, after checking its CRC.
    public func rawChunk(_ e: ChunkEntry, block: Int) throws -> [UInt8] {
        let name = schema[e.column].name
        guard e.encoding != ColumnEncoding.paged.rawValue else {
            throw ArchiveError("\(path): block \(block) column \(name) is stored in pages: read it with ints(block:column:)")
        }
        // Both buffers are filled completely before use (a short read or an LZ4 block that
        // does not decode to exactly `rawLength` bytes is an error), so they are not zeroed
        // first: zeroing was a pass over every byte a query reads, twice.
        let compressed = try storedBytes(e, block: block)
        do {
            return try [UInt8](unsafeUninitializedCapacity: Int(e.rawLength)) { buf, n in
                // (A chunk stored as literals, see ColumnCodec.finish, is copied, not decompressed.)
                try LZ4.decompress(compressed, into: UnsafeMutableRawBufferPointer(buf))
                n = buf.count  // LZ4.decompress throws unless it wrote exactly this many bytes
            }
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError.corrupt(path, "block \(block) column \(name): \(error)")
        }
    }

    /// The chunk's encoding, after checking it and the flags are known to this version.
    @discardableResult
    private func checkEncoding(_ e: ChunkEntry, _ block: Int) throws -> ColumnEncoding {
        guard let enc = ColumnEncoding(rawValue: e.encoding) else {
            throw ArchiveError("\(path): block \(block) column \(schema[e.column].name) uses encoding \(e.encoding), unknown to this flowarc version")
        }
        guard e.flags & ~ChunkFlags.known == 0 else {
            throw ArchiveError("\(path): block \(block) column \(schema[e.column].name) has unknown flags \(e.flags)")
        }
        return enc
    }

    private func decodeContext(_ e: ChunkEntry, _ block: Int) throws -> ColumnCodec.RawChunk {
        let raw = try rawChunk(e, block: block)
        let enc = try checkEncoding(e, block)
        return ColumnCodec.RawChunk(bytes: raw, rows: blocks[block].rows, encoding: enc, width: Int(e.width), flags: e.flags,
                                    context: "\(path): block \(block) column \(schema[e.column].name)")
    }

    public func ints(block: Int, column: Int) throws -> IntColumn {
        guard let e = blocks[block].chunk(forColumn: column) else {
            var c = IntColumn(); c.appendNulls(blocks[block].rows); return c
        }
        if e.encoding == ColumnEncoding.paged.rawValue {
            // Every page decoded straight into its rows of the block's column.
            let table = try pages(e, block: block)
            let rows = blocks[block].rows
            var nulls: [UInt8]? = nil
            var nullCount = 0
            let values = try [UInt64](unsafeUninitializedCapacity: rows) { out, n in
                for (k, page) in table.enumerated() {
                    let (pageNulls, pageNullCount) = try decodingPage(e, block: block, page: k, page) {
                        try ColumnCodec.decodeInts($0, into: out.baseAddress! + page.firstRow)
                    }
                    if let pageNulls, pageNullCount > 0 {
                        if nulls == nil { nulls = [UInt8](repeating: 0, count: rows) }
                        nulls!.withUnsafeMutableBufferPointer { all in
                            pageNulls.withUnsafeBufferPointer { (all.baseAddress! + page.firstRow).update(from: $0.baseAddress!, count: page.rows) }
                        }
                        nullCount += pageNullCount
                    }
                }
                n = rows
            }
            return IntColumn(values: values, nulls: nulls, nullCount: nullCount)
        }
        do { return try ColumnCodec.decodeInts(try decodeContext(e, block)) } catch let err as TruncatedError {
            throw ArchiveError.corrupt(path, err.description)
        }
    }

    /// Rows `sel[0..<n]` of an integer column (see `ColumnCodec.decodeIntsSelected`): the
    /// NULLs among them, or nil when the column must be read whole with `ints` (no chunk in the
    /// block, or delta-encoded).
    public func intsSelected(block: Int, column: Int, _ sel: UnsafePointer<Int32>, _ n: Int,
                             values: inout [UInt64], nulls: inout [UInt8]) throws -> Int? {
        if let e = blocks[block].chunk(forColumn: column), e.encoding == ColumnEncoding.paged.rawValue {
            // Only the pages that hold selected rows are read (a rare address reads one or two of eight).
            let rows = blocks[block].rows
            if values.count != rows { values = [UInt64](repeating: 0, count: rows) }
            if nulls.count != rows { nulls = [UInt8](repeating: 0, count: rows) }
            let table = try pages(e, block: block)
            var nullCount = 0, i = 0
            while i < n {
                let k = Int(sel[i]) / table[0].rows  // every page but the last has Page_Rows rows
                let page = table[k]
                var m = 0  // the selected rows in this page
                while i + m < n && Int(sel[i + m]) < page.firstRow + page.rows { m += 1 }
                nullCount += try decodingPage(e, block: block, page: k, page) { c in
                    if let count = try ColumnCodec.decodeIntsSelected(c, sel + i, m, values: &values, nulls: &nulls,
                                                                      firstRow: page.firstRow, blockRows: rows) {
                        return count
                    }
                    // A delta page: decoded whole, its selected rows taken.
                    let whole = try ColumnCodec.decodeInts(c)
                    var count = 0
                    for s in 0..<m {
                        let r = Int(sel[i + s]), j = r - page.firstRow
                        let isNull = whole.nulls.map { $0[j] == 1 } ?? false
                        values[r] = whole.values[j]
                        nulls[r] = isNull ? 1 : 0
                        if isNull { count += 1 }
                    }
                    return count
                }
                i += m
            }
            return nullCount
        }
        guard let e = blocks[block].chunk(forColumn: column),
              e.encoding == ColumnEncoding.frameOfReference.rawValue else { return nil }
        do {
            return try ColumnCodec.decodeIntsSelected(try decodeContext(e, block), sel, n, values: &values, nulls: &nulls)
        } catch let err as TruncatedError {
            throw ArchiveError.corrupt(path, err.description)
        }
    }

    /// The dictionary and codes of an address column in a block, when the block stores it
    /// dictionary-encoded; nil for other encodings (read those with `addresses`).
    public func addressCodes(block: Int, column: Int) throws -> AddressCodes? {
        guard let e = blocks[block].chunk(forColumn: column), e.encoding == ColumnEncoding.addressDictionary.rawValue else { return nil }
        do {
            try checkEncoding(e, block)
            let context = "\(path): block \(block) column \(schema[e.column].name)"
            // The codes are read where they lie: in the mapping for a chunk stored as literals,
            // else in a buffer the chunk is decompressed into.
            let stored = try storedBytes(e, block: block)
            let raw: UnsafeRawBufferPointer, owner: AnyObject
            if let at = LZ4.literalRun(stored, rawLength: Int(e.rawLength)) {
                raw = UnsafeRawBufferPointer(rebasing: stored[at...])
                owner = data
            } else {
                let buffer = OwnedBytes(count: Int(e.rawLength))
                let target = UnsafeMutableRawBufferPointer(rebasing: buffer.bytes[0..<Int(e.rawLength)])
                do { try LZ4.decompress(stored, into: target) } catch {
                    throw ArchiveError.corrupt(path, "\(context): \(error)")
                }
                raw = UnsafeRawBufferPointer(target)
                owner = buffer
            }
            let key = CheckKey(block: block, column: e.column, part: Self.chunkPart)
            let checked = checkLock.withLock { checkedCodes.contains(key) }
            let codes = try ColumnCodec.decodeAddressCodes(raw, owner: owner, rows: blocks[block].rows, encoding: .addressDictionary,
                                                           width: Int(e.width), flags: e.flags, context: context, codesChecked: checked)
            // (Entries found out of order are checked again next time: they are then compared
            // one by one, never binary-searched.)
            if !checked && codes.ascending { checkLock.withLock { _ = checkedCodes.insert(key) } }
            return codes
        } catch let err as TruncatedError {
            throw ArchiveError.corrupt(path, "block \(block) column \(schema[column].name): \(err.description)")
        }
    }

    public func addresses(block: Int, column: Int) throws -> AddressColumn {
        guard let e = blocks[block].chunk(forColumn: column) else {
            var c = AddressColumn(); c.appendNulls(blocks[block].rows); return c
        }
        do {
            let ctx = try decodeContext(e, block)
            if ctx.encoding == .addressSameAs {
                let refName = try ColumnCodec.sameAsReference(ctx)
                guard let ref = columnIndex(named: refName), ref != column, schema[ref].type == .address,
                      blocks[block].chunk(forColumn: ref).map({ $0.encoding != ColumnEncoding.addressSameAs.rawValue }) ?? true else {
                    throw ArchiveError.corrupt(path, "block \(block) column \(schema[column].name) refers to column '\(refName)', which is not a plain address column")
                }
                return try ColumnCodec.decodeAddresses(ctx, sameAs: try addresses(block: block, column: ref))
            }
            return try ColumnCodec.decodeAddresses(ctx)
        } catch let err as TruncatedError {
            throw ArchiveError.corrupt(path, err.description)
        }
    }

    public func strings(block: Int, column: Int) throws -> StringColumn {
        guard let e = blocks[block].chunk(forColumn: column) else {
            var c = StringColumn(); c.appendNulls(blocks[block].rows); return c
        }
        do { return try ColumnCodec.decodeStrings(try decodeContext(e, block)) } catch let err as TruncatedError {
            throw ArchiveError.corrupt(path, err.description)
        }
    }

    /// Every column of a block as a `RecordBatch` (round-trip tests, verify, export).
    public func batch(block: Int) throws -> RecordBatch {
        var b = RecordBatch()
        b.rowCount = blocks[block].rows
        for (ci, col) in schema.enumerated() {
            if let id = FieldCatalog.id(of: col.name) {
                let kind = FieldCatalog.fields[id].kind
                switch kind {
                case .address: b.addresses[id] = try addresses(block: block, column: ci)
                case .string: b.strings[id] = try strings(block: block, column: ci)
                default: b.ints[id] = try ints(block: block, column: ci)
                }
            } else if let p = FieldCatalog.derived.firstIndex(where: { $0.name == col.name }) {
                b.partitions[p] = try strings(block: block, column: ci)
            } else if col.name == DerivedColumn.source {
                b.sourceIDs = try ints(block: block, column: ci)
            } else if col.type == .string {
                let k = b.ensureExtra(col.name)
                b.extras[k].column = try strings(block: block, column: ci)
            }
        }
        return b
    }
}
