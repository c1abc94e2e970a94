import FlowSupport

/// An archive directory: `MANIFEST`, `segments/*.fseg`, and `LOCK` (held by a writer).
public enum Archive {
    public static func manifestPath(_ dir: String) -> String { dir + "/" + ArchiveFormat.manifestName }
    public static func segmentPath(_ dir: String, _ id: UInt32) -> String {
        dir + "/" + ArchiveFormat.segmentsDirectory + "/" + ArchiveFormat.segmentFileName(id)
    }

    /// Reads the manifest of an existing archive.
    public static func readManifest(_ dir: String) throws -> Manifest {
        try Manifest.decode(try readManifestBytes(dir), path: manifestPath(dir))
    }

    static func readManifestBytes(_ dir: String) throws -> [UInt8] {
        do { return try Sys.readFile(manifestPath(dir)) } catch let e as SysError { throw manifestError(dir, e) }
    }

    /// The manifest of archive `dir`, opened for reading.
    static func openManifest(_ dir: String) throws -> ReadableFile {
        do { return try ReadableFile(path: manifestPath(dir)) } catch let e as SysError { throw manifestError(dir, e) }
    }

    private static func manifestError(_ dir: String, _ e: SysError) -> ArchiveError {
        if e.isNotFound {
            if !Sys.exists(dir) { return ArchiveError("\(dir): no such archive (the directory does not exist)") }
            return ArchiveError("\(dir): not a flowarc archive (no \(ArchiveFormat.manifestName))")
        }
        return ArchiveError(e.description)
    }
}

/// Opens an archive for reading: the manifest as committed when it was opened, and its segments
/// as they are needed. Opening reads and checks the manifest's segment list only; a segment is
/// opened (trailer, directory and its checksum, against the manifest) the first time a reader
/// asks for it, so a query over one day of an archive of months opens that day's segments, and
/// the manifest's source records are decoded only when asked for (`manifest`, `withSourceSummaries`).
public final class ArchiveReader: @unchecked Sendable {
    public let path: String
    /// The committed segments as the manifest lists them, opened or not.
    public let segmentRecords: [SegmentRecord]
    /// The manifest's bytes (checksum verified), for its source records on first use: read
    /// into memory, or mapped when large (see `init`).
    private let manifestBytes: [UInt8]
    private let manifestMapping: MappedRegion?
    private let monitor = Monitor()
    private var opened: [Result<SegmentReader, any Error>?]
    private var decoded: Manifest?
    private var summaries: [SourceSummary]?

    public init(path: String) throws {
        self.path = path
        // A manifest of months of 5-minute deliveries lists tens of thousands of sources (6.5 MB
        // for 30,000): read into fresh memory, its pages were zeroed, copied and faulted in for
        // every query (5.4 ms of CPU). Mapped, only the checksum reads it. A writer replaces
        // the file by renaming a new one over it, so the mapped one never changes.
        let file = Archive.manifestPath(path)
        let handle = try Archive.openManifest(path)
        do {
            let size = Int(try handle.size())
            if size >= 1 << 20 {
                manifestMapping = try handle.map(offset: 0, count: size)
                manifestBytes = []
            } else {
                var bytes = [UInt8](repeating: 0, count: size)
                let got = try bytes.withUnsafeMutableBytes { try handle.read(into: $0, at: 0) }
                manifestMapping = nil
                manifestBytes = Array(bytes[0..<got])
            }
        } catch let e as SysError {
            throw ArchiveError(e.description)
        }
        segmentRecords = try Self.withBytes(manifestMapping, manifestBytes) {
            try Manifest.decode(raw: $0, path: file, sources: false).segments
        }
        opened = Array(repeating: nil, count: segmentRecords.count)
    }

    /// The whole manifest, source records included (decoded once).
    public var manifest: Manifest {
        get throws {
            try monitor.withLock {
                if let decoded { return decoded }
                let m = try Self.withBytes(manifestMapping, manifestBytes) { try Manifest.decode(raw: $0, path: Archive.manifestPath(path)) }
                decoded = m
                return m
            }
        }
    }

    /// Calls `body` with the source records' ids, keys, segments and record counts (see
    /// `SourceSummary`; walked once and kept) and the manifest's bytes their key ranges index.
    public func withSourceSummaries<R>(_ body: ([SourceSummary], UnsafeRawBufferPointer) throws -> R) throws -> R {
        let list = try monitor.withLock {
            if let summaries { return summaries }
            let s = try Self.withBytes(manifestMapping, manifestBytes) { try Manifest.sourceSummaries($0, path: Archive.manifestPath(path)) }
            summaries = s
            return s
        }
        return try Self.withBytes(manifestMapping, manifestBytes) { try body(list, $0) }
    }

    private static func withBytes<R>(_ mapping: MappedRegion?, _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if let mapping { return try body(mapping.bytes) }
        return try bytes.withUnsafeBytes(body)
    }

    /// Every segment, opened.
    public var segments: [SegmentReader] {
        get throws { try open(Array(segmentRecords.indices)) }
    }

    /// Opens the segments at `indices` (manifest order) that are not open yet, in parallel, and
    /// returns the readers of `indices`. A segment that fails to open fails the call, the first
    /// such in manifest order, as a sequential open would report it; the failure is kept, so
    /// asking again reports it again.
    @discardableResult
    public func open(_ indices: [Int]) throws -> [SegmentReader] {
        let missing = monitor.withLock { indices.filter { opened[$0] == nil } }
        if !missing.isEmpty {
            // In parallel: opening reads and checks each one's directory (a few hundred KB for a
            // segment of millions of records), the fixed cost of every query.
            let threads = max(1, min(Sys.onlineProcessors, missing.count))
            runThreads(threads) { t in
                var k = t
                while k < missing.count {
                    let result = self.openSegment(missing[k])
                    self.monitor.withLock { if self.opened[missing[k]] == nil { self.opened[missing[k]] = result } }
                    k += threads
                }
            }
        }
        let results = monitor.withLock { indices.map { opened[$0]! } }
        return try results.map { try $0.get() }
    }

    /// The reader of segment `i`, which `open` has opened.
    public func opened(_ i: Int) -> SegmentReader {
        let r = monitor.withLock { opened[i] }
        guard case .success(let reader)? = r else { preconditionFailure("segment \(i) read before it was opened") }
        return reader
    }

    private func openSegment(_ i: Int) -> Result<SegmentReader, any Error> {
        let s = segmentRecords[i]
        let p = Archive.segmentPath(path, s.id)
        do {
            let reader = try SegmentReader(path: p)
            guard UInt64(reader.fileSize) == s.fileSize, reader.directoryCRC == s.directoryCRC else {
                return .failure(ArchiveError.corrupt(p, "segment does not match the manifest (size or directory checksum differs)"))
            }
            return .success(reader)
        } catch let e as SysError {
            return .failure(ArchiveError("\(path): segment \(s.fileName) listed in the manifest cannot be read: \(e)"))
        } catch {
            return .failure(error)
        }
    }
}

/// The writing side: holds the archive lock, hands out new segment files, and commits them with
/// the sources they complete. Commit = fsync the segment, rename it into place, then replace the
/// manifest atomically. A crash at any point leaves the previous manifest, which does not name
/// the new segment; the next writer deletes such orphans.
public final class ArchiveWriter {
    public let path: String
    public private(set) var manifest: Manifest
    private let lock: FileLock

    public init(path: String, create: Bool = true) throws {
        self.path = path
        if !Sys.exists(Archive.manifestPath(path)) {
            guard create else { throw ArchiveError("\(path): not a flowarc archive") }
            if Sys.exists(path), let st = try? Sys.status(path), st.kind != .directory {
                throw ArchiveError("\(path): exists and is not a directory")
            }
            try Sys.makeDirectories(path + "/" + ArchiveFormat.segmentsDirectory)
        }
        do {
            lock = try FileLock(path: path + "/" + ArchiveFormat.lockName)
        } catch let e as SysError {
            if e.errno == 11 /* EWOULDBLOCK */ { throw ArchiveError("\(path): another flowarc process is writing this archive") }
            throw ArchiveError(e.description)
        }
        if Sys.exists(Archive.manifestPath(path)) {
            manifest = try Archive.readManifest(path)
        } else {
            manifest = Manifest()
            try Sys.writeFileAtomically(Archive.manifestPath(path), manifest.encode())
        }
        try removeOrphans()
    }

    /// Deletes segment files (and temporaries) that no committed manifest names.
    private func removeOrphans() throws {
        let dir = path + "/" + ArchiveFormat.segmentsDirectory
        let committed = Set(manifest.segments.map(\.fileName))
        for name in (try? Sys.listDirectory(dir)) ?? [] where !committed.contains(name) {
            if name.hasSuffix(".fseg") || name.hasSuffix(".tmp") { try? Sys.remove(dir + "/" + name) }
        }
        for name in (try? Sys.listDirectory(path)) ?? [] where name.hasSuffix(".tmp") {
            try? Sys.remove(path + "/" + name)
        }
    }

    /// Starts a new segment file under a temporary name; returns its id.
    public func beginSegment() throws -> (id: UInt32, writer: SegmentWriter) {
        let id = manifest.nextSegmentID
        manifest.nextSegmentID += 1
        let writer = try SegmentWriter(path: Archive.segmentPath(path, id) + ".tmp")
        return (id, writer)
    }

    /// Makes a finished segment and its sources part of the archive, atomically.
    public func commit(segmentID: UInt32, summary: SegmentSummary?, sources: [SourceRecord]) throws {
        var next = manifest
        if let summary {
            let final = Archive.segmentPath(path, segmentID)
            try Sys.rename(final + ".tmp", final)
            try Sys.syncDirectory(path + "/" + ArchiveFormat.segmentsDirectory)
            next.segments.append(SegmentRecord(summary, id: segmentID))
        }
        next.sources.append(contentsOf: sources)
        next.generation += 1
        try Sys.writeFileAtomically(Archive.manifestPath(path), next.encode())
        manifest = next
    }

    /// Drops an unfinished segment (nothing was committed from it).
    public func abandon(segmentID: UInt32) {
        try? Sys.remove(Archive.segmentPath(path, segmentID) + ".tmp")
    }
}
