import FlowCodecs
import FlowSupport

/// What to generate. The same options always produce byte-identical files.
public struct GeneratorOptions: Sendable {
    /// Total records (lines other than headers) over all files; exact.
    public var records: Int
    /// Number of delivered objects (`.log.gz`, or `.log` when `gzip` is false).
    public var files: Int
    public var seed: UInt64
    public var format: FlowFormat
    /// The accounts that own the ENIs (and the S3 prefixes); files go round-robin to accounts.
    public var accounts: [String]
    public var region: String
    /// Epoch seconds of the first record (the first file's records end right after it).
    public var startTime: Int64
    /// Seconds spanned by the records (at least 600 is used).
    public var duration: Int64
    /// true writes `.log.gz` (gzip, `gzipLevel`), false plain `.log`.
    public var gzip: Bool
    /// Fraction of the OK records of instances that are IPv6 (`type` = `IPv6`).
    public var ipv6Fraction: Double
    /// zlib level for `.log.gz` files (1 = fastest, 9 = smallest). The default is 1: deflate
    /// dominates the run time (20 M v5 records: ~16 s at level 1, ~55 s at level 6 on 2 cores),
    /// and level-6 files are only ~25 % smaller.
    public var gzipLevel: Int32
    /// Files written in parallel; 0 = one per online processor. Does not change the output.
    public var threads: Int

    public init(
        records: Int = 100_000, files: Int = 4, seed: UInt64 = 1, format: FlowFormat = .v5,
        accounts: [String] = ["123456789012"], region: String = "us-east-1",
        startTime: Int64 = 1_699_920_000, duration: Int64 = 259_200, gzip: Bool = true,
        ipv6Fraction: Double = 0.02, gzipLevel: Int32 = 1, threads: Int = 0
    ) {
        self.records = records
        self.files = files
        self.seed = seed
        self.format = format
        self.accounts = accounts
        self.region = region
        self.startTime = startTime
        self.duration = duration
        self.gzip = gzip
        self.ipv6Fraction = ipv6Fraction
        self.gzipLevel = gzipLevel
        self.threads = threads
    }
}

/// The planted cryptomining incident, as a hunt should find it.
public struct IncidentDescription: Sendable, Equatable {
    /// `instance-id` of the two mining instances.
    public var minerInstanceIDs: [String]
    /// Their `interface-id`.
    public var minerInterfaceIDs: [String]
    /// Their private IPv4 addresses (`srcaddr` of their egress records).
    public var minerSourceAddresses: [String]
    /// The mining pools (`dstaddr` of egress records, `srcaddr` of the ingress return records).
    public var poolAddresses: [String]
    /// The stratum ports used: 3333, 4444, 14444, 45700.
    public var poolPorts: [UInt16]
    /// The public resolver the miners send unusually many UDP/53 flows to.
    public var resolverAddress: String
    /// Number of incident records written (stratum and DNS, both directions).
    public var records: Int
    /// Smallest `start` and largest `end` of the incident records (epoch seconds); the planned
    /// window when no incident record was written.
    public var start: Int64
    public var end: Int64
}

public struct GenerationSummary: Sendable {
    /// Paths of the files written, in delivery-time order.
    public var files: [String]
    public var records: Int
    /// Total size of the files written.
    public var bytesWritten: Int64
    public var incident: IncidentDescription
}

public struct GeneratorError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum FlowGenerator {
    /// Writes the files under `directory` in the AWS S3 layout
    /// (`AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/<name>.log.gz`) and describes them.
    public static func generate(into directory: String, options: GeneratorOptions) throws -> GenerationSummary {
        try validate(options)
        var options = options
        options.duration = max(options.duration, 600)
        let fleet = Fleet.build(options: options)
        let plans = planFiles(directory: directory, options: options, fleet: fleet)
        for dir in Set(plans.map { Sys.directoryName(of: $0.path) }).sorted() {
            try Sys.makeDirectories(dir)
        }

        // Largest files first, so that the threads finish together.
        let order = plans.indices.sorted { (plans[$0].records, $1) > (plans[$1].records, $0) }
        let results = ResultBox(order: order)
        let workers = min(plans.count, options.threads > 0 ? options.threads : Sys.onlineProcessors)
        let context = WriterContext(fleet: fleet, options: options)
        runThreads(workers) { _ in
            while let index = results.nextIndex() {
                do {
                    let result = try writeFile(plans[index], context: context)
                    results.store(index, result)
                } catch {
                    results.fail(error)
                }
            }
        }
        if let error = results.error { throw error }

        var bytes: Int64 = 0
        var incidentStart = Int64.max
        var incidentEnd = Int64.min
        var incidentRecords = 0
        for r in results.results {
            guard let r else { throw GeneratorError("internal error: a file was not written") }
            bytes += r.bytes
            incidentStart = min(incidentStart, r.incidentStart)
            incidentEnd = max(incidentEnd, r.incidentEnd)
            incidentRecords += r.incidentRecords
        }
        if incidentRecords == 0 {
            let mid = options.startTime + options.duration / 2
            incidentStart = mid - 7200
            incidentEnd = mid + 7200
        }
        let plan = fleet.incident
        let incident = IncidentDescription(
            minerInstanceIDs: plan.minerENIs.map { fleet.string(fleet.enis[$0].instanceID) },
            minerInterfaceIDs: plan.minerENIs.map { fleet.string(fleet.enis[$0].interfaceID) },
            minerSourceAddresses: plan.minerENIs.map { IPv4.string(fleet.enis[$0].ipv4) },
            poolAddresses: plan.pools.map(IPv4.string),
            poolPorts: IncidentPlan.stratumPorts,
            resolverAddress: IPv4.string(plan.resolver),
            records: incidentRecords, start: incidentStart, end: incidentEnd)
        return GenerationSummary(files: plans.map(\.path), records: options.records, bytesWritten: bytes, incident: incident)
    }

    /// `2023-11-14T00:00:00Z` for an epoch second.
    public static func iso8601(epochSeconds: Int64) -> String {
        CivilTime(epochSeconds: epochSeconds).iso8601
    }

    static func validate(_ o: GeneratorOptions) throws {
        if o.records < 0 { throw GeneratorError("records must be ≥ 0 (got \(o.records))") }
        if o.files < 1 { throw GeneratorError("files must be ≥ 1 (got \(o.files))") }
        if o.accounts.isEmpty { throw GeneratorError("at least one account is needed") }
        for a in o.accounts where a.isEmpty || a.contains(where: { $0 == " " || $0 == "/" || $0 == "_" }) {
            throw GeneratorError("invalid account id '\(a)'")
        }
        if o.region.isEmpty || o.region.contains(where: { $0 == " " || $0 == "/" || $0 == "_" }) {
            throw GeneratorError("invalid region '\(o.region)'")
        }
        if !(o.ipv6Fraction >= 0 && o.ipv6Fraction <= 1) {
            throw GeneratorError("ipv6Fraction must be within 0...1 (got \(o.ipv6Fraction))")
        }
        if o.duration < 0 { throw GeneratorError("duration must be ≥ 0") }
        if !(1...9).contains(o.gzipLevel) { throw GeneratorError("gzipLevel must be within 1...9") }
    }
}

// MARK: - Planning

struct FilePlan: Sendable {
    var index: Int
    var path: String
    var account: Int
    /// Delivery time (file name and folders); records end in the 10 minutes before it.
    var time: Int64
    var records: Int
    var incidentRecords: Int
    /// Ordinal of this file's first incident record (keeps the rotation over connections going).
    var incidentBase: Int
}

extension FlowGenerator {
    static func planFiles(directory: String, options o: GeneratorOptions, fleet: Fleet) -> [FilePlan] {
        var rng = Xoshiro256(seed: o.seed, stream: 1)
        let k = o.files
        let flowLogIDs = o.accounts.map { _ in "fl-0" + rng.hex(16) }

        // Sizes vary ±20 % around the mean and add up exactly.
        let weights = (0..<k).map { _ in 80 + rng.below(41) }
        let total = weights.reduce(0, +)
        var sizes = weights.map { Int((Int64(o.records) * Int64($0)) / Int64(total)) }
        var left = o.records - sizes.reduce(0, +)
        var i = 0
        while left > 0 { sizes[i % k] += 1; left -= 1; i += 1 }

        // Delivery times spread evenly from startTime + 10 min to startTime + duration, at 5-minute marks.
        let span = o.duration - 600
        let times: [Int64] = (0..<k).map { i in
            let raw = o.startTime + 600 + (k == 1 ? span / 2 : span * Int64(i) / Int64(k - 1))
            return raw - ((raw % 300) + 300) % 300
        }

        var root = directory
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        var plans: [FilePlan] = []
        var names = Set<String>()
        for i in 0..<k {
            let account = i % o.accounts.count
            let civil = CivilTime(epochSeconds: times[i])
            let folder = "\(root)/AWSLogs/\(o.accounts[account])/vpcflowlogs/\(o.region)/"
                + "\(CivilTime.pad(civil.year, 4))/\(CivilTime.pad(civil.month, 2))/\(CivilTime.pad(civil.day, 2))"
            var path: String
            repeat {
                path = "\(folder)/\(o.accounts[account])_vpcflowlogs_\(o.region)_\(flowLogIDs[account])_"
                    + "\(civil.fileStamp)_\(rng.hex(8)).log" + (o.gzip ? ".gz" : "")
            } while !names.insert(path).inserted
            plans.append(FilePlan(index: i, path: path, account: account, time: times[i], records: sizes[i],
                                  incidentRecords: 0, incidentBase: 0))
        }

        // The incident: files of account 0 whose records lie within ±2 h of the middle of the
        // range; if there are none, the account-0 file closest to the middle.
        let mid = o.startTime + o.duration / 2
        var eligible = plans.filter { $0.account == 0 && $0.time - 600 >= mid - 7200 && $0.time <= mid + 7200 }.map(\.index)
        if eligible.isEmpty {
            // Ties go to the later file, so the incident follows some ordinary traffic.
            var best = 0
            for p in plans where p.account == 0 && abs(p.time - 300 - mid) <= abs(plans[best].time - 300 - mid) {
                best = p.index
            }
            eligible = [best]
        }
        let capacity = eligible.reduce(0) { $0 + plans[$1].records }
        let wanted = o.records * 3 / 400  // 0.75 %
        let incidentTotal = min(capacity / 2, max(o.records >= 200 ? 12 : 0, wanted))
        var assigned = 0
        for (n, idx) in eligible.enumerated() {
            let share = n == eligible.count - 1
                ? incidentTotal - assigned
                : Int(Int64(incidentTotal) * Int64(plans[idx].records) / Int64(max(1, capacity)))
            plans[idx].incidentRecords = min(share, plans[idx].records)
            plans[idx].incidentBase = assigned
            assigned += plans[idx].incidentRecords
        }
        return plans
    }
}

// MARK: - Writing

struct FileResult: Sendable {
    var bytes: Int64
    var incidentRecords: Int
    var incidentStart: Int64
    var incidentEnd: Int64
}

final class ResultBox: @unchecked Sendable {
    private let monitor = Monitor()
    private var next = 0
    private let order: [Int]
    private(set) var results: [FileResult?]
    private(set) var error: (any Error)?

    init(order: [Int]) {
        self.order = order
        results = Array(repeating: nil, count: order.count)
    }

    /// The next file to write, in `order`; nil when all are taken or one failed.
    func nextIndex() -> Int? {
        monitor.withLock {
            if next >= order.count || error != nil { return nil }
            next += 1
            return order[next - 1]
        }
    }

    func store(_ index: Int, _ result: FileResult) { monitor.withLock { results[index] = result } }
    func fail(_ e: any Error) { monitor.withLock { if error == nil { error = e } } }
}

struct WriterContext: Sendable {
    let fleet: Fleet
    let options: GeneratorOptions
}

private enum Sink {
    case gzip(GzipWriter)
    case plain(WritableFile)

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        switch self {
        case .gzip(let w): try w.write(bytes)
        case .plain(let f): try f.write(bytes)
        }
    }

    func finish() throws {
        switch self {
        case .gzip(let w): try w.finish()
        case .plain(let f): f.close()
        }
    }
}

extension FlowGenerator {
    static func writeFile(_ plan: FilePlan, context: WriterContext) throws -> FileResult {
        let o = context.options
        let sink: Sink = o.gzip
            ? .gzip(try GzipWriter(path: plan.path, level: o.gzipLevel))
            : .plain(try WritableFile(creating: plan.path))
        var out = ByteOut(capacity: 1 << 20)
        defer { out.deallocate() }
        out.append(o.format.fieldNames.joined(separator: " "))
        out.byte(10)

        let fields = o.format.fields
        var result = FileResult(bytes: 0, incidentRecords: 0, incidentStart: .max, incidentEnd: .min)
        try context.fleet.arena.withUnsafeBufferPointer { arenaBuffer in
            try fields.withUnsafeBufferPointer { fieldBuffer in
                var maker = RecordMaker(
                    fleet: context.fleet, options: o, plan: plan,
                    rng: Xoshiro256(seed: o.seed, stream: 0x1000 + UInt64(plan.index)))
                let line = LineWriter(
                    fields: fieldBuffer, arena: arenaBuffer.baseAddress!, fleet: context.fleet,
                    version: UInt64(o.format.version))
                var record = Record()
                var remaining = plan.records
                var incidentLeft = plan.incidentRecords
                var incidentOrdinal = plan.incidentBase
                while remaining > 0 {
                    // Selection sampling: exactly `incidentRecords` of the lines, spread at random.
                    if incidentLeft > 0 && maker.rng.below(remaining) < incidentLeft {
                        maker.makeIncident(&record, ordinal: incidentOrdinal)
                        incidentOrdinal += 1
                        incidentLeft -= 1
                        result.incidentRecords += 1
                        result.incidentStart = min(result.incidentStart, record.start)
                        result.incidentEnd = max(result.incidentEnd, record.end)
                    } else {
                        maker.makeOrdinary(&record)
                    }
                    line.write(record, to: &out)
                    remaining -= 1
                    if out.count >= out.flushThreshold {
                        try sink.write(out.bytes)
                        out.count = 0
                    }
                }
            }
        }
        if out.count > 0 { try sink.write(out.bytes) }
        try sink.finish()
        result.bytes = try Sys.status(plan.path).size
        return result
    }
}
