import FlowArchive
import FlowCodecs
import FlowLog
import FlowSupport

/// Options of one ingest run.
public struct IngestOptions: Sendable {
    public var archivePath: String
    public var inputs: [String]
    public var threads: Int = Sys.onlineProcessors
    public var inflater: InflaterKind = .isal
    /// The field list for files without a header line (default: the version 2 format).
    public var defaultMapping: FieldMapping = .defaultV2
    public var force = false
    public var rejectsPath: String? = nil
    public var blockRows = ArchiveFormat.defaultBlockRows
    /// A segment is committed at the first file boundary after this many records.
    public var segmentRecords = 4_000_000
    /// Decoded text is cut into chunks of about this size for parsing. Small enough that a
    /// chunk's text and its parsed columns (about the same size again) stay in the core's L2
    /// cache from parse to assembly: with 4 MiB chunks both went through L3 or memory, which
    /// cost more than the per-chunk work that smaller chunks repeat (dictionaries, plans).
    public var chunkBytes = 512 << 10
    /// Decoded text in flight per thread (queued, being parsed, or parsed and waiting for its
    /// turn). Independent of the chunk size: the consumer assembles chunks in file order, so a
    /// worker inflating a later file must be able to run this far ahead of it; with 3 chunks of
    /// 512 KiB per thread it stalled and two threads used 1.3 cores instead of 1.6 (measured).
    public var textInFlightPerThread = 12 << 20
    public var progress = false

    public init(archivePath: String, inputs: [String]) {
        self.archivePath = archivePath
        self.inputs = inputs
    }
}

/// A file that failed to read or decode.
public struct FileFailure: Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    /// Records read before the failure are stored (the file is listed as damaged).
    public var recordsKept: Int
    public var description: String {
        recordsKept > 0 ? "\(path): \(reason) (the \(recordsKept) records before the damage are stored)" : "\(path): \(reason)"
    }
}

/// What an ingest run did.
public struct IngestSummary: Sendable {
    public var filesPlanned = 0
    public var filesIngested = 0
    public var filesSkipped = 0
    public var filesIgnored = 0
    public var failures: [FileFailure] = []
    public var inputProblems: [InputProblem] = []
    public var warnings: [String] = []
    public var lines: UInt64 = 0
    public var records: UInt64 = 0
    public var rejected: UInt64 = 0
    public var headerLines: UInt64 = 0
    public var blankLines: UInt64 = 0
    public var inputBytes: UInt64 = 0
    public var decodedBytes: UInt64 = 0
    public var archiveBytesAdded: UInt64 = 0
    public var segmentsCommitted = 0
    public var seconds: Double = 0
    public var peakResidentBytes = 0
    public var firstRejects: [String] = []

    public var hadErrors: Bool { !failures.isEmpty || !inputProblems.isEmpty }
}

/// A fatal condition that stops the run (the archive cannot be written).
public struct IngestError: Error, CustomStringConvertible {
    public let description: String
}

public enum Ingest {
    /// Runs an ingest. Files are taken in path order and parsed in parallel; their records are
    /// assembled in that order, so the same inputs always give the same archive bytes.
    public static func run(_ options: IngestOptions) throws -> IngestSummary {
        let t0 = Sys.monotonicNanos()
        Sys.tuneAllocatorForLargeBuffers()
        let writer: ArchiveWriter
        do { writer = try ArchiveWriter(path: options.archivePath) } catch {
            throw IngestError(description: "\(error)")
        }
        var summary = IngestSummary()
        let (found, problems, ignored) = SourceDiscovery.discover(options.inputs)
        summary.inputProblems = problems
        summary.filesIgnored = ignored
        summary.filesPlanned = found.count

        // Skip what the archive already holds (same key, size and modification time).
        var latest: [String: SourceRecord] = [:]
        for s in writer.manifest.sources { latest[s.key] = s }
        var files: [PlannedFile] = []
        var nextID = writer.manifest.nextSourceID
        for var f in found {
            if !options.force, !f.isStandardInput, let old = latest[f.key] {
                if old.size == UInt64(f.size) && old.modifiedNanos == f.modifiedNanos {
                    summary.filesSkipped += 1
                    continue
                }
                summary.warnings.append("\(f.path): changed since it was ingested (\(old.size) → \(f.size) bytes); ingesting it again, the records of the earlier copy stay in the archive")
            }
            f.sourceID = nextID
            nextID += 1
            files.append(f)
        }

        var rejectsFile: WritableFile? = nil
        if let rp = options.rejectsPath {
            do { rejectsFile = try WritableFile(creating: rp) } catch {
                throw IngestError(description: "cannot write the rejects file: \(error)")
            }
        }
        let bytesBefore = writer.manifest.segments.reduce(0) { $0 + $1.fileSize }
        let run = PipelineRun(options: options, files: files, writer: writer, rejects: rejectsFile)
        try run.execute()
        rejectsFile?.close()

        summary.filesIngested = run.stats.filesDone
        summary.failures = run.stats.failures
        summary.lines = run.stats.lines
        summary.records = run.stats.records
        summary.rejected = run.stats.rejected
        summary.headerLines = run.stats.headerLines
        summary.blankLines = run.stats.blankLines
        summary.inputBytes = run.stats.rawBytes
        summary.decodedBytes = run.decodedSoFar
        summary.segmentsCommitted = run.stats.commits
        summary.firstRejects = run.stats.firstRejects
        summary.archiveBytesAdded = writer.manifest.segments.reduce(0) { $0 + $1.fileSize } - bytesBefore
        summary.seconds = Double(Sys.monotonicNanos() - t0) / 1e9
        summary.peakResidentBytes = Sys.peakResidentBytes()
        return summary
    }
}
