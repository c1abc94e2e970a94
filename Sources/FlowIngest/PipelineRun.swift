import FlowArchive
import FlowCodecs
import FlowLog
import FlowSupport

/// The threads of one ingest run and the queues between them.
///
/// Every worker does whatever is most urgent, in this order: encode a sealed block (LZ4), take
/// the consumer role (assemble parsed chunks into blocks, in file order), take the writer role
/// (append encoded blocks to the segment, commit), parse a chunk, inflate the next window of the
/// file it owns, or open the next file. Chunks of one large file are parsed by all workers while
/// its owner keeps inflating, so one huge file does not leave cores idle.
///
/// Memory is bounded by `budget` bytes (`textInFlightPerThread` per thread) of decoded text in
/// flight (queued, being parsed, or parsed and waiting for its turn), plus at most `2 × threads`
/// sealed blocks waiting to be written. The one exception to the budget is the chunk the consumer
/// needs next, which is always produced, so the pipeline cannot deadlock. Files after the one
/// being assembled may hold at most half the budget: when they could fill all of it (files larger
/// than the budget), the current file's owner was held to one chunk at a time, in step with the
/// consumer, and two threads used 1.5 cores (now 1.7; 2.8 -> 3.4 M records/s, measured).
final class PipelineRun: @unchecked Sendable {
    struct ChunkTask {
        var file: Int
        var chunk: Int
        var text: [UInt8]
        var mapping: FieldMapping
        /// Set when the file broke off after this chunk's text (the partial last line was dropped).
        var droppedPartialLine = false
    }

    struct ChunkResult {
        var parsed: ParsedChunk
        var text: [UInt8]
        var mapping: FieldMapping
        var droppedPartialLine: Bool
    }

    struct FileEnd {
        var chunks: Int
        var error: String?
        var opened: Bool
        var rawBytes: Int64
        var rawChecksum: UInt32
    }

    enum WriterItem {
        case block(EncodedBlock)
        case commit([SourceRecord])
    }

    struct Stats {
        var filesDone = 0
        var failures: [FileFailure] = []
        var lines: UInt64 = 0
        var records: UInt64 = 0
        var rejected: UInt64 = 0
        var headerLines: UInt64 = 0
        var blankLines: UInt64 = 0
        var rawBytes: UInt64 = 0
        var commits = 0
        var firstRejects: [String] = []
    }

    let options: IngestOptions
    let files: [PlannedFile]
    let writer: ArchiveWriter
    let rejects: WritableFile?
    let monitor = Monitor()
    let budget: Int
    let maxPendingBlocks: Int

    // State guarded by `monitor`.
    var nextFileToStart = 0
    var parseQueue: [ChunkTask] = []
    var parseHead = 0
    var ready: [Int: [Int: ChunkResult]] = [:]
    var produced: [Int: Int] = [:]
    var fileEnds: [Int: FileEnd] = [:]
    var seqFile = 0
    var seqChunk = 0
    var consuming = false
    var inflight = 0
    /// `inflight` by file: text of files after the one being assembled is capped at half the
    /// budget, so the current file always has room to run ahead of the consumer.
    var inflightByFile: [Int: Int] = [:]
    var encodeQueue: [(seq: Int, pieces: BlockPieces)] = []
    var writerItems: [Int: WriterItem] = [:]
    var pendingBlocks = 0
    var nextSeq = 0
    var nextWriteSeq = 0
    var writing = false
    var consumedAll = false
    var fatal: String? = nil
    var stats = Stats()
    var decodedSoFar: UInt64 = 0

    // Consumer-role state (only the thread holding the role touches it).
    var block = BlockPieces()
    var fileMapping: FieldMapping
    var fileLineBase = 0
    var fileCounts = (lines: 0, records: 0, rejected: 0, headers: 0, blanks: 0)
    var pendingSources: [SourceRecord] = []
    var recordsSinceCommit = 0
    /// Column buffers shared by every parser of the run (see `ColumnStorePool`).
    let stores = ColumnStorePool()
    lazy var consumerParser = RecordParser(pool: stores)

    // Writer-role state.
    var segment: (id: UInt32, writer: SegmentWriter)? = nil

    init(options: IngestOptions, files: [PlannedFile], writer: ArchiveWriter, rejects: WritableFile?) {
        self.options = options
        self.files = files
        self.writer = writer
        self.rejects = rejects
        let threads = max(1, options.threads)
        budget = threads * max(options.textInFlightPerThread, 2 * options.chunkBytes)
        maxPendingBlocks = max(2, threads * 2)
        fileMapping = options.defaultMapping
    }

    func execute() throws {
        let threads = max(1, options.threads)
        let progress = options.progress ? ProgressReporter(run: self) : nil
        progress?.start()
        runThreads(threads) { [self] w in worker(w) }
        progress?.stop()
        if let fatal {
            if let seg = segment { writer.abandon(segmentID: seg.id) }
            throw IngestError(description: fatal)
        }
    }

    // MARK: the worker loop

    enum Action {
        case exit
        case encode(Int, BlockPieces)
        case consume
        case write
        case parse(ChunkTask)
        case inflate
        case open(Int)
    }

    final class OwnedFile {
        let index: Int
        let stream: DecodedStream?
        var chunk = 0
        var carry: [UInt8] = []
        var mapping: FieldMapping
        var finished = false
        init(index: Int, stream: DecodedStream?, mapping: FieldMapping) {
            self.index = index; self.stream = stream; self.mapping = mapping
        }
    }

    private func popParse() -> ChunkTask {
        let t = parseQueue[parseHead]
        parseHead += 1
        if parseHead > 64 && parseHead * 2 > parseQueue.count {
            parseQueue.removeFirst(parseHead)
            parseHead = 0
        }
        return t
    }

    private func nextReadyLocked() -> Bool {
        if seqFile >= files.count { return !consumedAll }
        if ready[seqFile]?[seqChunk] != nil { return true }
        if let end = fileEnds[seqFile], end.chunks == seqChunk { return true }
        return false
    }

    private func worker(_ w: Int) {
        var parser = RecordParser(pool: stores)
        var owned: OwnedFile? = nil
        while true {
            let action: Action = monitor.withLock {
                while true {
                    if fatal != nil { return .exit }
                    if consumedAll && nextWriteSeq == nextSeq && encodeQueue.isEmpty && !writing && !consuming { return .exit }
                    if !encodeQueue.isEmpty {
                        let e = encodeQueue.removeFirst()
                        return .encode(e.seq, e.pieces)
                    }
                    if !writing && writerItems[nextWriteSeq] != nil { writing = true; return .write }
                    if !consuming && pendingBlocks < maxPendingBlocks && nextReadyLocked() { consuming = true; return .consume }
                    let queued = parseQueue.count - parseHead
                    if queued > 0 && (owned == nil || queued >= options.threads) { return .parse(popParse()) }
                    let ahead = inflight - (inflightByFile[seqFile] ?? 0)
                    if let o = owned {
                        let needed = seqFile == o.index && (produced[o.index] ?? 0) == seqChunk
                        let room = o.index == seqFile ? inflight < budget : inflight < budget && ahead < budget / 2
                        if room || needed { return .inflate }
                        if queued > 0 { return .parse(popParse()) }
                    } else if nextFileToStart < files.count
                                && ((inflight < budget && ahead < budget / 2) || seqFile == nextFileToStart) {
                        nextFileToStart += 1
                        return .open(nextFileToStart - 1)
                    } else if queued > 0 {
                        return .parse(popParse())
                    }
                    monitor.wait()
                }
            }
            switch action {
            case .exit:
                monitor.withLock { monitor.broadcast() }
                return
            case .encode(let seq, let pieces):
                // Each column is made from the parsed chunks and encoded before the next (see
                // `BlockColumns`); the chunks' stores go back to the pool after the last.
                let encoded = BlockEncoder.encode(pieces.columns())
                pieces.release(to: stores)
                monitor.withLock {
                    writerItems[seq] = .block(encoded)
                    monitor.broadcast()
                }
            case .consume:
                consume()
            case .write:
                write()
            case .parse(let task):
                let parsed = task.text.withUnsafeBytes { parser.parseInPlace($0, mapping: task.mapping) }
                monitor.withLock {
                    ready[task.file, default: [:]][task.chunk] = ChunkResult(parsed: parsed, text: task.text, mapping: task.mapping,
                                                                             droppedPartialLine: task.droppedPartialLine)
                    monitor.broadcast()
                }
            case .open(let index):
                owned = open(index)
            case .inflate:
                if let o = owned {
                    inflate(o, &parser)
                    if o.finished { owned = nil }
                }
            }
        }
    }

    private func fail(_ message: String) {
        monitor.withLock {
            if fatal == nil { fatal = message }
            monitor.broadcast()
        }
    }

    // MARK: reading files

    private func open(_ index: Int) -> OwnedFile {
        let f = files[index]
        do {
            let file = f.isStandardInput ? ReadableFile(standardInput: ()) : try ReadableFile(path: f.path)
            let inputBuffer = f.isStandardInput ? 1 << 20 : Int(min(1 << 20, max(4096, f.size)))
            return OwnedFile(index: index, stream: DecodedStream(file: file, inflater: options.inflater, inputBufferSize: inputBuffer),
                             mapping: options.defaultMapping)
        } catch {
            let o = OwnedFile(index: index, stream: nil, mapping: options.defaultMapping)
            let reason = (error as? SysError).map { e in e.description.replacingPrefix(f.path + ": ") } ?? "\(error)"
            finishFile(o, error: reason)
            return o
        }
    }

    private func finishFile(_ o: OwnedFile, error: String?) {
        o.finished = true
        monitor.withLock {
            fileEnds[o.index] = FileEnd(chunks: o.chunk, error: error, opened: o.stream != nil,
                                        rawBytes: o.stream?.rawBytesRead ?? 0, rawChecksum: o.stream?.rawChecksum ?? 0)
            monitor.broadcast()
        }
    }

    private static let maxLine = 64 << 20

    /// Reads the next window of an owned file and queues it as a chunk of whole lines.
    private func inflate(_ o: OwnedFile, _ parser: inout RecordParser) {
        guard let stream = o.stream else { return }
        var buf = o.carry
        o.carry = []
        var eof = false
        var failure: String? = nil
        // Small files get small buffers: a quiet VPC delivers many files of a few hundred bytes.
        let f = files[o.index]
        let hint = f.isStandardInput ? options.chunkBytes : Int(min(Int64(options.chunkBytes), max(65_536, f.size * 16)))
        var want = hint
        while true {
            // Read straight into uninitialized capacity: zero-filling 4 MiB per chunk showed up in profiles.
            let start = buf.count
            var readError: (any Error)? = nil
            var got = 0
            var ended = false
            let grown = [UInt8](unsafeUninitializedCapacity: start + want) { out, initialized in
                if start > 0 { _ = out.initialize(fromContentsOf: buf) }
                // Fill the window: a short read means the end of the file or damage right after
                // (the stream returns the bytes before an error first), so read until either shows.
                do {
                    while got < want {
                        let n = try stream.read(into: UnsafeMutableRawBufferPointer(
                            UnsafeMutableBufferPointer(rebasing: out[(start + got)..<(start + want)])))
                        if n == 0 { ended = true; break }
                        got += n
                    }
                } catch {
                    readError = error
                }
                initialized = start + got
            }
            buf = grown
            if let readError {
                eof = true
                failure = "\(readError)"
            } else if ended {
                eof = true
            }
            if eof { break }
            if buf.lastIndex(of: 0x0A) != nil { break }
            if buf.count > PipelineRun.maxLine { failure = "a line longer than 64 MiB"; eof = true; break }
            want = buf.count  // no newline yet: read more
        }
        var dropped = false
        if !eof, let nl = buf.lastIndex(of: 0x0A) {
            o.carry = Array(buf[(nl + 1)...])
            buf.removeLast(buf.count - nl - 1)
        } else if failure != nil, let last = buf.last, last != 0x0A, !buf.isEmpty {
            // The file broke off inside a line: that partial line is not a record.
            let nl = buf.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            buf.removeLast(buf.count - nl)
            dropped = true
        }
        var mapping = o.mapping
        if o.chunk == 0 {
            // The header (the first line of every S3 object) decides the mapping of later chunks.
            let firstEnd = buf.firstIndex(of: 0x0A) ?? buf.count
            let head = buf[..<firstEnd].withUnsafeBytes { parser.parse($0, mapping: o.mapping) }
            o.mapping = head.endMapping
            mapping = options.defaultMapping
        }
        let task = ChunkTask(file: o.index, chunk: o.chunk, text: buf, mapping: mapping, droppedPartialLine: dropped)
        o.chunk += 1
        monitor.withLock {
            inflight += task.text.count
            inflightByFile[o.index, default: 0] += task.text.count
            decodedSoFar += UInt64(task.text.count)
            parseQueue.append(task)
            produced[o.index] = o.chunk
            monitor.broadcast()
        }
        if eof { finishFile(o, error: failure) }
    }

    // MARK: the consumer role

    private func consume() {
        while true {
            enum Next { case chunk(ChunkResult), fileEnd(FileEnd), allDone, none }
            let next: Next = monitor.withLock {
                if seqFile >= files.count { return consumedAll ? .none : .allDone }
                if pendingBlocks >= maxPendingBlocks { return .none }
                if let r = ready[seqFile]?.removeValue(forKey: seqChunk) {
                    seqChunk += 1
                    return .chunk(r)
                }
                if let end = fileEnds[seqFile], end.chunks == seqChunk { return .fileEnd(end) }
                return .none
            }
            switch next {
            case .none:
                monitor.withLock { consuming = false; monitor.broadcast() }
                return
            case .chunk(let r):
                consumeChunk(r)
                monitor.withLock {
                    inflight -= r.text.count
                    inflightByFile[seqFile, default: 0] -= r.text.count
                    monitor.broadcast()
                }
            case .fileEnd(let end):
                completeFile(end)
                monitor.withLock {
                    ready[seqFile] = nil
                    produced[seqFile] = nil
                    inflightByFile[seqFile] = nil
                    fileEnds[seqFile] = nil
                    seqFile += 1
                    seqChunk = 0
                    monitor.broadcast()
                }
            case .allDone:
                sealBlock()
                pushCommit()
                monitor.withLock { consumedAll = true; consuming = false; monitor.broadcast() }
                return
            }
        }
    }

    private func consumeChunk(_ r: ChunkResult) {
        var parsed = r.parsed
        if r.mapping != fileMapping {
            // A header in an earlier chunk changed the field list: parse this one again with it.
            if let stale = parsed.columns { stores.recycle(stale) }
            parsed = r.text.withUnsafeBytes { consumerParser.parseInPlace($0, mapping: fileMapping) }
        }
        fileMapping = parsed.endMapping
        let file = files[seqFile]
        if !parsed.rejects.isEmpty {
            var out = ""
            for var rej in parsed.rejects {
                rej.line += fileLineBase
                out += "\(file.path)\t\(rej.line)\t\(rej.reason)\t\(rej.text)\n"
                if stats.firstRejects.count < 10 { stats.firstRejects.append("\(file.path):\(rej.line): \(rej.reason)") }
            }
            if let rejects {
                do { try rejects.write(Array(out.utf8)) } catch { fail("cannot write the rejects file: \(error)") }
            }
        }
        var lines = parsed.lines
        var rejected = parsed.rejects.count
        if r.droppedPartialLine {
            lines += 1
            rejected += 1
            let line = fileLineBase + parsed.lines + 1
            let msg = "incomplete last line where the file is damaged"
            if stats.firstRejects.count < 10 { stats.firstRejects.append("\(file.path):\(line): \(msg)") }
            if let rejects { try? rejects.write(Array("\(file.path)\t\(line)\t\(msg)\t\n".utf8)) }
        }
        fileLineBase += parsed.lines
        fileCounts.lines += lines
        fileCounts.records += parsed.records
        fileCounts.rejected += rejected
        fileCounts.headers += parsed.headerLines
        fileCounts.blanks += parsed.blankLines

        let rows = parsed.records
        if let store = parsed.columns {
            // Held while its rows are split between blocks: a block sealed on the way may be
            // assembled (and let go of the store) before the rest is listed.
            store.hold()
            var start = 0
            while start < rows {
                let take = min(rows - start, options.blockRows - block.rowCount)
                block.append(store, range: start..<start + take, sourceID: UInt64(file.sourceID), partitionValues: file.partitionValues)
                start += take
                if block.rowCount >= options.blockRows { sealBlock() }
            }
            if store.letGo() { stores.recycle(store) }
        }
        recordsSinceCommit += rows
    }

    private func completeFile(_ end: FileEnd) {
        let f = files[seqFile]
        if end.opened {
            let record = SourceRecord(
                // The size is what stat said (what the next run compares with), also for a file
                // that broke off early; the checksum covers the bytes actually read.
                id: f.sourceID, key: f.key, size: UInt64(f.isStandardInput ? end.rawBytes : f.size), modifiedNanos: f.modifiedNanos,
                checksum: end.rawChecksum, segment: 0, lines: UInt64(fileCounts.lines), records: UInt64(fileCounts.records),
                rejected: UInt64(fileCounts.rejected), headerLines: UInt64(fileCounts.headers),
                blankLines: UInt64(fileCounts.blanks), status: end.error == nil ? .ok : .damaged, error: end.error ?? "")
            pendingSources.append(record)
        }
        monitor.withLock {
            stats.filesDone += 1
            stats.lines += UInt64(fileCounts.lines)
            stats.records += UInt64(fileCounts.records)
            stats.rejected += UInt64(fileCounts.rejected)
            stats.headerLines += UInt64(fileCounts.headers)
            stats.blankLines += UInt64(fileCounts.blanks)
            stats.rawBytes += UInt64(end.rawBytes)
            if let e = end.error { stats.failures.append(FileFailure(path: f.path, reason: e, recordsKept: fileCounts.records)) }
        }
        fileMapping = options.defaultMapping
        fileLineBase = 0
        fileCounts = (0, 0, 0, 0, 0)
        if recordsSinceCommit >= options.segmentRecords {
            sealBlock()
            pushCommit()
        }
    }

    private func sealBlock() {
        guard block.rowCount > 0 else { return }
        let b = block
        block = BlockPieces()
        monitor.withLock {
            encodeQueue.append((nextSeq, b))
            nextSeq += 1
            pendingBlocks += 1
            monitor.broadcast()
        }
    }

    private func pushCommit() {
        let sources = pendingSources
        pendingSources = []
        recordsSinceCommit = 0
        monitor.withLock {
            writerItems[nextSeq] = .commit(sources)
            nextSeq += 1
            monitor.broadcast()
        }
    }

    // MARK: the writer role

    private func write() {
        while true {
            let item: WriterItem? = monitor.withLock {
                guard let it = writerItems.removeValue(forKey: nextWriteSeq) else {
                    writing = false
                    monitor.broadcast()
                    return nil
                }
                nextWriteSeq += 1
                return it
            }
            guard let item else { return }
            do {
                switch item {
                case .block(let b):
                    if segment == nil { segment = try writer.beginSegment() }
                    try segment!.writer.append(b)
                    monitor.withLock { pendingBlocks -= 1; monitor.broadcast() }
                case .commit(var sources):
                    if let seg = segment {
                        let summary = try seg.writer.finish()
                        for i in sources.indices where sources[i].records > 0 { sources[i].segment = seg.id }
                        try writer.commit(segmentID: seg.id, summary: summary, sources: sources)
                        segment = nil
                        monitor.withLock { stats.commits += 1 }
                    } else if !sources.isEmpty {
                        // Files without records (empty, or every line rejected) are recorded too.
                        try writer.commit(segmentID: 0, summary: nil, sources: sources)
                    }
                }
            } catch {
                monitor.withLock { writing = false }
                fail("writing the archive failed: \(error)")
                return
            }
        }
    }
}

/// Prints a progress line on standard error while the run goes (only on a terminal).
final class ProgressReporter: @unchecked Sendable {
    weak var run: PipelineRun?
    let monitor = Monitor()
    var stopped = false
    let totalBytes: Int64
    let t0 = Sys.monotonicNanos()

    init(run: PipelineRun) {
        self.run = run
        totalBytes = run.files.reduce(0) { $0 + $1.size }
    }

    private let done = Monitor()
    private var finished = false

    func start() {
        let runRef = run
        let total = totalBytes
        let start = t0
        detachThread { [self] in
            while true {
                let stop: Bool = monitor.withLock {
                    if !stopped { monitor.wait(nanos: 500_000_000) }
                    return stopped
                }
                if stop { break }
                guard let r = runRef else { break }
                let (files, records, raw, decoded) = r.monitor.withLock {
                    (r.stats.filesDone, r.stats.records, r.stats.rawBytes, r.decodedSoFar)
                }
                let secs = Double(Sys.monotonicNanos() - start) / 1e9
                let mbps = Double(decoded) / 1e6 / max(secs, 0.001)
                var eta = ""
                if total > 0 && raw > 0 {
                    let remaining = secs * (Double(total) / Double(raw) - 1)
                    eta = "  ETA \(Int(max(0, remaining)))s"
                }
                Sys.writeStandardError("\r\u{1B}[K  files \(files)/\(r.files.count)  records \(records)  \(Int(mbps)) MB/s\(eta)")
            }
            Sys.writeStandardError("\r\u{1B}[K")
            done.withLock { finished = true; done.broadcast() }
        }
    }

    func stop() {
        monitor.withLock { stopped = true; monitor.broadcast() }
        done.withLock { while !finished { done.wait() } }
    }
}
