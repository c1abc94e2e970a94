import FlowSupport

/// A committed segment, as the manifest lists it.
public struct SegmentRecord: Sendable, Equatable {
    public var id: UInt32
    public var fileSize: UInt64
    public var records: UInt64
    public var blocks: UInt32
    public var minStart: Int64?
    public var maxEnd: Int64?
    public var directoryCRC: UInt32
    /// `Present` bit 2 (format 2.2): every `start` in the segment is at most `maxEnd`, which then
    /// bounds both time columns from above.
    public var maxEndBoundsStart = false
    /// `Present` bit 3 (format 2.2): every `end` is at least `minStart`, which then bounds both
    /// time columns from below.
    public var minStartBoundsEnd = false
    public var fileName: String { ArchiveFormat.segmentFileName(id) }

    public init(id: UInt32, fileSize: UInt64, records: UInt64, blocks: UInt32, minStart: Int64?, maxEnd: Int64?,
                directoryCRC: UInt32, maxEndBoundsStart: Bool = false, minStartBoundsEnd: Bool = false) {
        self.id = id; self.fileSize = fileSize; self.records = records; self.blocks = blocks
        self.minStart = minStart; self.maxEnd = maxEnd; self.directoryCRC = directoryCRC
        self.maxEndBoundsStart = maxEndBoundsStart; self.minStartBoundsEnd = minStartBoundsEnd
    }

    /// The record of a segment just written.
    public init(_ s: SegmentSummary, id: UInt32) {
        self.init(id: id, fileSize: s.fileSize, records: s.records, blocks: s.blocks, minStart: s.minStart, maxEnd: s.maxEnd,
                  directoryCRC: s.directoryCRC,
                  maxEndBoundsStart: s.maxStart != nil && s.maxEnd != nil && s.maxStart! <= s.maxEnd!,
                  minStartBoundsEnd: s.minEnd != nil && s.minStart != nil && s.minEnd! >= s.minStart!)
    }

    /// The values every non-null `start` of the segment lies within, as far as this record
    /// tells (nil: it does not tell). Real flow logs have start <= end on every row, so a
    /// segment's records usually bound both columns on both sides; a segment with a row where
    /// start > end bounds `start` from below and `end` from above only.
    public var startRange: ClosedRange<Int64>? {
        guard let lo = minStart else { return nil }
        let hi = maxEndBoundsStart ? maxEnd ?? .max : .max
        return lo <= hi ? lo...hi : nil
    }

    /// The values every non-null `end` of the segment lies within (see `startRange`).
    public var endRange: ClosedRange<Int64>? {
        guard let hi = maxEnd else { return nil }
        let lo = minStartBoundsEnd ? minStart ?? .min : .min
        return lo <= hi ? lo...hi : nil
    }
}

/// An input file the archive holds (or tried to hold), with its line accounting:
/// `lines == records + rejected + headerLines + blankLines`.
public struct SourceRecord: Sendable, Equatable {
    public enum Status: UInt8, Sendable {
        case ok = 0
        /// The file was corrupt or truncated; the records decoded before the damage are stored.
        case damaged = 1
    }
    public var id: UInt32
    /// The S3 key (from `AWSLogs/` on), or else the absolute path of the file (`-` for standard input).
    public var key: String
    public var size: UInt64
    public var modifiedNanos: Int64
    /// CRC-32 of the file's raw bytes.
    public var checksum: UInt32
    public var segment: UInt32
    public var lines: UInt64
    public var records: UInt64
    public var rejected: UInt64
    public var headerLines: UInt64
    public var blankLines: UInt64
    public var status: Status
    public var error: String

    public init(id: UInt32, key: String, size: UInt64, modifiedNanos: Int64, checksum: UInt32, segment: UInt32,
                lines: UInt64, records: UInt64, rejected: UInt64, headerLines: UInt64, blankLines: UInt64,
                status: Status, error: String) {
        self.id = id; self.key = key; self.size = size; self.modifiedNanos = modifiedNanos; self.checksum = checksum
        self.segment = segment; self.lines = lines; self.records = records; self.rejected = rejected
        self.headerLines = headerLines; self.blankLines = blankLines; self.status = status; self.error = error
    }
}

/// The archive's catalog: which segments are committed and which sources they hold. It is
/// replaced atomically (write, fsync, rename) on every commit; a segment file not listed here
/// does not exist for readers.
public struct Manifest: Sendable, Equatable {
    public var generation: UInt64 = 0
    public var nextSegmentID: UInt32 = 1
    public var segments: [SegmentRecord] = []
    public var sources: [SourceRecord] = []
    /// The format version of the writer that last committed the manifest (a new manifest: this
    /// flowarc's). Segments keep their own: an archive appended to over time holds several.
    public var writtenMajor: UInt16 = ArchiveFormat.majorVersion
    public var writtenMinor: UInt16 = ArchiveFormat.minorVersion

    public init() {}

    public var records: UInt64 { segments.reduce(0) { $0 + $1.records } }
    public var rejectedLines: UInt64 { sources.reduce(0) { $0 + $1.rejected } }
    public var nextSourceID: UInt32 { (sources.map(\.id).max() ?? 0) + 1 }

    public func encode() -> [UInt8] {
        var w = ByteWriter(capacity: 4096 + sources.count * 128)
        w.writeInteger(ArchiveFormat.manifestMagic)
        w.writeInteger(ArchiveFormat.majorVersion)
        w.writeInteger(ArchiveFormat.minorVersion)
        w.writeInteger(generation)
        w.writeInteger(nextSegmentID)
        w.writeInteger(UInt32(segments.count))
        for s in segments {
            w.writeInteger(s.id)
            w.writeInteger(s.fileSize)
            w.writeInteger(s.records)
            w.writeInteger(s.blocks)
            w.writeInteger(UInt8((s.minStart != nil ? 1 : 0) | (s.maxEnd != nil ? 2 : 0) | (s.maxEndBoundsStart ? 4 : 0)
                | (s.minStartBoundsEnd ? 8 : 0)))
            w.writeInteger(s.minStart ?? 0)
            w.writeInteger(s.maxEnd ?? 0)
            w.writeInteger(s.directoryCRC)
        }
        w.writeInteger(UInt32(sources.count))
        for s in sources {
            w.writeInteger(s.id)
            w.writeLengthPrefixedString(s.key)
            w.writeInteger(s.size)
            w.writeInteger(s.modifiedNanos)
            w.writeInteger(s.checksum)
            w.writeInteger(s.segment)
            w.writeInteger(s.lines)
            w.writeInteger(s.records)
            w.writeInteger(s.rejected)
            w.writeInteger(s.headerLines)
            w.writeInteger(s.blankLines)
            w.writeInteger(s.status.rawValue)
            w.writeLengthPrefixedString(s.error)
        }
        w.writeInteger(CRC32.checksum(w.bytes))
        return w.bytes
    }

    /// The manifest in `bytes`. With `sources: false` the source records are not decoded (the
    /// checksum still covers them): a query needs the segment list only, and an archive of
    /// months of 5-minute deliveries lists tens of thousands of sources (30,000 of them took
    /// 14 ms to decode, twice a selective query's whole time).
    public static func decode(_ bytes: [UInt8], path: String, sources decodeSources: Bool = true) throws -> Manifest {
        try bytes.withUnsafeBytes { try decode(raw: $0, path: path, sources: decodeSources) }
    }

    /// `decode` of a manifest in memory the caller keeps alive (a mapping of the file).
    public static func decode(raw bytes: UnsafeRawBufferPointer, path: String, sources decodeSources: Bool = true) throws -> Manifest {
        guard bytes.count >= 12 else { throw ArchiveError.corrupt(path, "manifest is \(bytes.count) bytes") }
        let body = bytes.count - 4
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: body, as: UInt32.self))
        let covered = UnsafeRawBufferPointer(rebasing: bytes[0..<body])
        var r = RawByteReader(covered, context: path)
        guard try r.readInteger(as: UInt32.self) == ArchiveFormat.manifestMagic else {
            throw ArchiveError.corrupt(path, "not a flowarc manifest (bad magic)")
        }
        let major: UInt16 = try r.readInteger()
        guard major <= ArchiveFormat.majorVersion else {
            throw ArchiveError("\(path): the archive was written by a newer flowarc (format version \(major)); this flowarc reads version \(ArchiveFormat.majorVersion)")
        }
        guard CRC32.checksum(covered) == stored else { throw ArchiveError.corrupt(path, "manifest checksum mismatch") }
        let minor: UInt16 = try r.readInteger()
        var m = Manifest()
        m.writtenMajor = major
        m.writtenMinor = minor
        do {
            m.generation = try r.readInteger()
            m.nextSegmentID = try r.readInteger()
            let nseg = Int(try r.readInteger(as: UInt32.self))
            guard nseg <= r.remaining / 40 else { throw ArchiveError.corrupt(path, "segment count \(nseg)") }
            for _ in 0..<nseg {
                let id: UInt32 = try r.readInteger()
                let size: UInt64 = try r.readInteger()
                let recs: UInt64 = try r.readInteger()
                let blocks: UInt32 = try r.readInteger()
                let present: UInt8 = try r.readInteger()
                let minS: Int64 = try r.readInteger()
                let maxE: Int64 = try r.readInteger()
                let crc: UInt32 = try r.readInteger()
                m.segments.append(SegmentRecord(id: id, fileSize: size, records: recs, blocks: blocks,
                                                minStart: present & 1 != 0 ? minS : nil,
                                                maxEnd: present & 2 != 0 ? maxE : nil, directoryCRC: crc,
                                                maxEndBoundsStart: present & 6 == 6, minStartBoundsEnd: present & 9 == 9))
            }
            let nsrc = Int(try r.readInteger(as: UInt32.self))
            guard nsrc <= r.remaining / 60 else { throw ArchiveError.corrupt(path, "source count \(nsrc)") }
            guard decodeSources else { return m }
            for _ in 0..<nsrc {
                let id: UInt32 = try r.readInteger()
                let key = try r.readLengthPrefixedString()
                let size: UInt64 = try r.readInteger()
                let mtime: Int64 = try r.readInteger()
                let sum: UInt32 = try r.readInteger()
                let seg: UInt32 = try r.readInteger()
                let lines: UInt64 = try r.readInteger()
                let recs: UInt64 = try r.readInteger()
                let rej: UInt64 = try r.readInteger()
                let hdr: UInt64 = try r.readInteger()
                let blank: UInt64 = try r.readInteger()
                let st: UInt8 = try r.readInteger()
                let err = try r.readLengthPrefixedString()
                m.sources.append(SourceRecord(id: id, key: key, size: size, modifiedNanos: mtime, checksum: sum, segment: seg,
                                              lines: lines, records: recs, rejected: rej, headerLines: hdr, blankLines: blank,
                                              status: SourceRecord.Status(rawValue: st) ?? .damaged, error: err))
            }
        } catch let e as TruncatedError {
            throw ArchiveError.corrupt(path, e.description)
        }
        return m
    }
}

/// What a query needs of a source record to relate rows to their file: its id, where the bytes
/// of its key lie in the manifest (not decoded into a `String`), the segment holding its rows
/// and how many.
public struct SourceSummary: Sendable {
    public var id: UInt32
    public var key: Range<Int>
    public var segment: UInt32
    public var records: UInt64
}

extension Manifest {
    /// The source records of the manifest in `bytes`, whose checksum the caller has checked,
    /// walked without decoding their strings: tens of thousands of them in a few milliseconds.
    public static func sourceSummaries(_ bytes: UnsafeRawBufferPointer, path: String) throws -> [SourceSummary] {
        var r = RawByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<max(0, bytes.count - 4)]), context: path)
        do {
            try r.skip(20)
            let nseg = Int(try r.readInteger(as: UInt32.self))
            guard nseg <= r.remaining / 45 else { throw ArchiveError.corrupt(path, "segment count \(nseg)") }
            try r.skip(nseg * 45)
            let nsrc = Int(try r.readInteger(as: UInt32.self))
            guard nsrc <= r.remaining / 60 else { throw ArchiveError.corrupt(path, "source count \(nsrc)") }
            var out: [SourceSummary] = []
            out.reserveCapacity(nsrc)
            for _ in 0..<nsrc {
                let id: UInt32 = try r.readInteger()
                let keyLength = Int(try r.readInteger(as: UInt32.self))
                guard keyLength <= 1 << 20 else { throw ArchiveError.corrupt(path, "source key of \(keyLength) bytes") }
                let key = try r.readRange(keyLength)
                try r.skip(8 + 8 + 4)  // size, modification time, checksum
                let segment: UInt32 = try r.readInteger()
                try r.skip(8)  // lines
                let records: UInt64 = try r.readInteger()
                try r.skip(8 + 8 + 8 + 1)  // rejected, header and blank lines, status
                let errorLength = Int(try r.readInteger(as: UInt32.self))
                guard errorLength <= 1 << 20 else { throw ArchiveError.corrupt(path, "source error of \(errorLength) bytes") }
                try r.skip(errorLength)
                out.append(SourceSummary(id: id, key: key, segment: segment, records: records))
            }
            return out
        } catch let e as TruncatedError {
            throw ArchiveError.corrupt(path, e.description)
        }
    }
}
