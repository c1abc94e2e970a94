import FlowSupport

/// An archive directory: `MANIFEST`, `segments/*.fseg`, and `LOCK` (held by a writer).
public enum Archive {
    public static func manifestPath(_ dir: String) -> String { dir + "/" + ArchiveFormat.manifestName }
    public static func segmentPath(_ dir: String, _ id: UInt32) -> String {
        dir + "/" + ArchiveFormat.segmentsDirectory + "/" + ArchiveFormat.segmentFileName(id)
    }

    /// Reads the manifest of an existing archive.
    public static func readManifest(_ dir: String) throws -> Manifest {
        let path = manifestPath(dir)
        let bytes: [UInt8]
        do { bytes = try Sys.readFile(path) } catch let e as SysError {
            if e.isNotFound {
                if !Sys.exists(dir) { throw ArchiveError("\(dir): no such archive (the directory does not exist)") }
                throw ArchiveError("\(dir): not a flowarc archive (no \(ArchiveFormat.manifestName))")
            }
            throw ArchiveError(e.description)
        }
        return try Manifest.decode(bytes, path: path)
    }
}

/// Opens an archive for reading: the manifest as committed when it was opened, and its segments.
public final class ArchiveReader: @unchecked Sendable {
    public let path: String
    public let manifest: Manifest
    public let segments: [SegmentReader]

    public init(path: String) throws {
        self.path = path
        manifest = try Archive.readManifest(path)
        // Segments are opened in parallel: opening reads and checks each one's directory (a few
        // MB for a segment of millions of records), the fixed cost of every query.
        let list = manifest.segments
        let opened = OpenedSegments(list.count)
        let threads = max(1, min(Sys.onlineProcessors, list.count))
        runThreads(threads) { t in
            var i = t
            while i < list.count {
                let s = list[i]
                let p = Archive.segmentPath(path, s.id)
                let result: Result<SegmentReader, any Error>
                do {
                    let reader = try SegmentReader(path: p)
                    if UInt64(reader.fileSize) == s.fileSize, reader.directoryCRC == s.directoryCRC {
                        result = .success(reader)
                    } else {
                        result = .failure(ArchiveError.corrupt(p, "segment does not match the manifest (size or directory checksum differs)"))
                    }
                } catch let e as SysError {
                    result = .failure(ArchiveError("\(path): segment \(s.fileName) listed in the manifest cannot be read: \(e)"))
                } catch {
                    result = .failure(error)
                }
                opened.set(i, result)
                i += threads
            }
        }
        // The first failure in manifest order, as a sequential open would report it.
        segments = try opened.results.map { try $0!.get() }
    }
}

/// Segment readers opened by several threads, each slot written once.
private final class OpenedSegments: @unchecked Sendable {
    private let monitor = Monitor()
    private var slots: [Result<SegmentReader, any Error>?]

    init(_ n: Int) { slots = Array(repeating: nil, count: n) }

    func set(_ i: Int, _ r: Result<SegmentReader, any Error>) { monitor.withLock { slots[i] = r } }

    var results: [Result<SegmentReader, any Error>?] { monitor.withLock { slots } }
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
            next.segments.append(SegmentRecord(id: segmentID, fileSize: summary.fileSize, records: summary.records,
                                               blocks: summary.blocks, minStart: summary.minStart, maxEnd: summary.maxEnd,
                                               directoryCRC: summary.directoryCRC))
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
