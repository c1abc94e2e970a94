import FlowSupport

/// Owner-partitioned aggregation across the workers of a scan. Every group belongs to one
/// worker, chosen by its key's hash; a worker aggregates its own groups in its own table and
/// sends each group it meets that another worker owns, with the states it has for it so far,
/// to that worker as a record. The workers' tables then hold disjoint groups: at the end they
/// are concatenated, not merged.
///
/// Why: merging the workers' tables was serial and probed one table of millions of groups per
/// group of the other (86 of a top-talkers query's 230 ms), and each worker's table held most of
/// the groups. Now each table holds its share, and the work of the merge is spread over the
/// scan. The records of a block are its distinct keys (the block is aggregated by dictionary
/// code first) or, on the per-row path, its rows.
///
/// A record is `layout.width` key words, the key's hash, then each aggregate's state words
/// (`Aggregator.stateWords`). Records travel in buffers of about `bufferWords` words.
final class GroupExchange: @unchecked Sendable {
    let parts: Int
    static let bufferWords = 1 << 15
    private let monitor = Monitor()
    private var inboxes: [[RawVector<UInt64>]]

    init(parts: Int) {
        self.parts = parts
        inboxes = Array(repeating: [], count: parts)
    }

    /// The worker that owns the group whose key hashes to `h`: bits 40..<56 scaled to
    /// `0..<parts` by a multiply (a division per key showed in profiles). The table's slot
    /// index uses the low bits and its tag the high 32; these leave both nearly intact.
    @inline(__always)
    static func owner(_ h: UInt64, parts: Int) -> Int {
        Int(truncatingIfNeeded: (((h >> 40) & 0xFFFF) &* UInt64(truncatingIfNeeded: parts)) >> 16)
    }

    /// Buffers whose records were folded, for senders to fill again: a fresh 256 KiB buffer per
    /// send was a page fault (and the kernel clearing the page) per 4 KiB of records.
    private var spare: [RawVector<UInt64>] = []

    /// An empty buffer, a spare one when there is one.
    func buffer() -> RawVector<UInt64> {
        monitor.withLock { spare.popLast() } ?? RawVector(capacity: Self.bufferWords)
    }

    /// Takes back a buffer whose records were folded.
    func recycle(_ buffer: RawVector<UInt64>) {
        buffer.removeAll()
        monitor.withLock { spare.append(buffer) }
    }

    func send(_ buffer: RawVector<UInt64>, to worker: Int) {
        monitor.withLock { inboxes[worker].append(buffer) }
    }

    /// The buffers sent to `worker` since it last asked.
    func receive(_ worker: Int) -> [RawVector<UInt64>] {
        monitor.withLock {
            let b = inboxes[worker]
            inboxes[worker] = []
            return b
        }
    }
}
