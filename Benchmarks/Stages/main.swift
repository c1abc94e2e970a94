// flowarc-stages: the ingest pipeline's stages one at a time, on one core, on one file held in
// memory, so that a change to one stage can be measured without the rest of the machine's noise
// (whole ingest runs on the shared 2-core host vary by +-5% CPU; a stage looped in memory, taken
// at its best of several rounds, by about 1%). Not a test and not a target check: the targets are
// checked on whole runs by ingest_bench.py.
//
//   swift build -c release --product flowarc-stages
//   .build/release/flowarc-stages FILE.log.gz [--rounds 5]
//
// Stages, each in nanoseconds per record (best round):
//   inflate   ISA-L igzip, the whole file into memory
//   parse     RecordParser.parseInPlace over 512 KiB chunks of whole lines (the ingester's size)
//   assemble  BlockPieces.assemble: the parsed chunks' rows into 65,536-row blocks in start order
//   encode    BlockEncoder.encode: column encodings, indexes, Bloom filters, LZ4, checksums
// and then assemble + encode as the ingester runs them: each column made and encoded before the
// next (`BlockPieces.columns()`), which reads each column while it is still in cache.
import FlowArchive
import FlowCodecs
import FlowLog
import FlowSupport

@main
struct Stages {
    static func main() throws {
        var args = Array(CommandLine.arguments.dropFirst())
        var rounds = 5
        if let i = args.firstIndex(of: "--rounds"), i + 1 < args.count, let r = Int(args[i + 1]) {
            rounds = max(1, r)
            args.removeSubrange(i...(i + 1))
        }
        guard let path = args.first else {
            print("usage: flowarc-stages FILE.log.gz [--rounds N]")
            return
        }
        let text = try inflateAll(path)
        // Timed into one reused window, as the ingester inflates a window at a time (a buffer
        // growing to the whole file measured page faults and copies more than inflation).
        var window = [UInt8](repeating: 0, count: 512 << 10)
        let inflate = try best(rounds) {
            let stream = DecodedStream(file: try ReadableFile(path: path), inflater: .isal)
            var total = 0
            while true {
                let got = try window.withUnsafeMutableBytes { try stream.read(into: $0) }
                if got == 0 { break }
                total += got
            }
            precondition(total == text.count)
        }
        let chunks = splitLines(text, chunkBytes: 512 << 10)
        let pool = ColumnStorePool()
        var parsed: [ParsedChunk] = []
        var records = 0
        let parse = best(rounds) {
            for p in parsed { if let s = p.columns { pool.recycle(s) } }
            parsed = []
            var parser = RecordParser(pool: pool)
            var mapping = FieldMapping.defaultV2
            records = 0
            for chunk in chunks {
                let out = chunk.withUnsafeBytes { parser.parseInPlace($0, mapping: mapping) }
                mapping = out.endMapping
                records += out.records
                parsed.append(out)
            }
        }
        var blocks: [RecordBatch] = []
        let assemble = best(rounds) {
            blocks = []
            forEachBlock(parsed) { blocks.append($0.assemble()) }
        }
        var archiveBytes = 0
        let encode = best(rounds) {
            archiveBytes = 0
            for b in blocks { archiveBytes += BlockEncoder.encode(b).columns.reduce(0) { $0 + $1.chunk.compressed.count } }
        }
        // What the ingester does: each column made from the chunks and encoded before the next.
        var fusedBytes = 0
        let fused = best(rounds) {
            fusedBytes = 0
            forEachBlock(parsed) { fusedBytes += BlockEncoder.encode($0.columns()).columns.reduce(0) { $0 + $1.chunk.compressed.count } }
        }
        precondition(fusedBytes == archiveBytes, "column-at-a-time encoding made other bytes")
        let n = Double(max(records, 1))
        print("file      \(path)")
        print("records   \(records) (\(text.count / max(records, 1)) bytes of text each), \(blocks.count) blocks, best of \(rounds) rounds")
        var total = 0.0
        for (name, seconds) in [("inflate", inflate), ("parse", parse), ("assemble", assemble), ("encode", encode)] {
            let ns = seconds * 1e9 / n
            total += ns
            print(name + String(repeating: " ", count: 10 - name.count) + "\(format1(ns)) ns/record")
        }
        print("total     \(format1(total)) ns/record = \(format1(1e3 / total)) M records per CPU-second (before I/O, queues and writing)")
        print("assemble+encode column by column (as the ingester does): \(format1(fused * 1e9 / n)) ns/record")
        print("encoded   \(archiveBytes) bytes of compressed column data (\(format1(Double(archiveBytes) / n)) per record)")
    }

    /// The parsed chunks' rows cut into blocks of the ingester's size, as its consumer cuts them.
    static func forEachBlock(_ parsed: [ParsedChunk], _ body: (BlockPieces) -> Void) {
        var pieces = BlockPieces()
        for p in parsed {
            guard let store = p.columns else { continue }
            var start = 0
            while start < p.records {
                let take = min(p.records - start, ArchiveFormat.defaultBlockRows - pieces.rowCount)
                pieces.append(store, range: start..<start + take, sourceID: 1, partitionValues: ["123456789012", "us-east-1", "2023/11/14"])
                start += take
                if pieces.rowCount == ArchiveFormat.defaultBlockRows { body(pieces); pieces = BlockPieces() }
            }
        }
        if pieces.rowCount > 0 { body(pieces) }
    }

    static func format1(_ x: Double) -> String {
        let tenths = Int((x * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// The best (smallest) wall time of `rounds` runs of `body`, in seconds.
    static func best(_ rounds: Int, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<rounds {
            let t0 = Sys.monotonicNanos()
            try body()
            best = min(best, Double(Sys.monotonicNanos() - t0) / 1e9)
        }
        return best
    }

    /// The whole decoded file.
    static func inflateAll(_ path: String) throws -> [UInt8] {
        let file = try ReadableFile(path: path)
        let stream = DecodedStream(file: file, inflater: .isal)
        var capacity = 1 << 24
        var out: [UInt8] = []
        while true {
            var ended = false
            let start = out.count
            out = try [UInt8](unsafeUninitializedCapacity: capacity) { b, c in
                if start > 0 { _ = b.initialize(fromContentsOf: out) }
                var got = start
                while got < capacity {
                    let n = try stream.read(into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: b[got..<capacity])))
                    if n == 0 { ended = true; break }
                    got += n
                }
                c = got
            }
            if ended { return out }
            capacity *= 2
        }
    }

    /// Chunks of about `chunkBytes`, each ending at a line end.
    static func splitLines(_ text: [UInt8], chunkBytes: Int) -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        var start = 0
        while start < text.count {
            var end = min(text.count, start + chunkBytes)
            while end < text.count && text[end - 1] != 0x0A { end += 1 }
            chunks.append(Array(text[start..<end]))
            start = end
        }
        return chunks
    }
}
