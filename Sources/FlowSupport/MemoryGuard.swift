#if canImport(Glibc)
import Glibc
#endif

/// A limit on the memory a query may take, and the watch that holds it.
///
/// A GROUP BY over months of flows can have more groups than the machine has memory for (every
/// source, destination and port pair of a year). Left alone, the kernel's out-of-memory killer
/// ends the process without a word, or the machine swaps for minutes first. Instead a thread
/// reads the process's anonymous resident memory (its heap and mappings, not the archive's file
/// pages, which the kernel can drop) every few milliseconds, and past the limit the process
/// stops itself with a message that says what happened and what to change. Results are written
/// only after a statement has finished (and take little memory to write), so a query stopped
/// while it computes has printed nothing of that statement.
public enum MemoryGuard {
    /// How often the watch reads the process's memory. Growth is bounded by how fast the kernel
    /// can hand out pages (a few GB/s), so the limit is overshot by at most some tens of MB.
    static let pollNanos = 5_000_000

    /// Starts the watch (once per process; later calls change nothing). `message` is printed to
    /// standard error before the process exits with status 1.
    public static func start(limitBytes: Int64, message: @escaping @Sendable (_ used: Int64) -> String) {
        guard limitBytes > 0, state.claim() else { return }
        detachThread {
            while true {
                var ts = timespec(tv_sec: 0, tv_nsec: pollNanos)
                nanosleep(&ts, nil)
                enforce(limitBytes, message)
            }
        }
    }

    /// Checks once, now (at the end of a statement, so that one too short for the watch to see
    /// is held to the same limit).
    public static func enforce(_ limitBytes: Int64, _ message: (_ used: Int64) -> String) {
        guard limitBytes > 0, let used = anonymousResidentBytes(), used > limitBytes else { return }
        Sys.writeStandardError("flowarc: " + message(used) + "\n")
        _exit(1)
    }

    /// The process's resident memory that is not file pages: `/proc/self/statm` resident minus
    /// shared, in bytes; nil where it cannot be read.
    public static func anonymousResidentBytes() -> Int64? {
        let fd = statm.fd
        guard fd >= 0 else { return nil }
        var buf = [UInt8](repeating: 0, count: 128)
        // One pread on a descriptor kept open: a few microseconds, where opening the file each
        // time cost tens (measurable after a 0.2 ms statement).
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        // "size resident shared text lib data dt", in pages.
        let fields = buf[0..<n].split(separator: 0x20)
        guard fields.count >= 3, let resident = decimal(fields[1]), let shared = decimal(fields[2]) else { return nil }
        return max(0, resident - shared) * Int64(sysconf(Int32(_SC_PAGESIZE)))
    }

    private static func decimal(_ s: ArraySlice<UInt8>) -> Int64? {
        var v: Int64 = 0
        for c in s {
            guard c >= 0x30 && c <= 0x39 else { return c == 0x0A && !s.isEmpty ? v : nil }
            v = v * 10 + Int64(c - 0x30)
        }
        return s.isEmpty ? nil : v
    }

    /// The machine's physical memory, or the memory limit of the process's control group when
    /// one is set and smaller (a container's share), in bytes. Both cgroup layouts are read:
    /// v2 (`memory.max` of the group `/proc/self/cgroup` names, or of the namespace's root) and
    /// v1 (`memory.limit_in_bytes` of the memory controller's group); "max" and the v1 "no
    /// limit" value are larger than the machine and so change nothing.
    public static func availableToProcess() -> Int64 {
        let physical = Int64(sysconf(Int32(_SC_PHYS_PAGES))) * Int64(sysconf(Int32(_SC_PAGESIZE)))
        let groups = (try? Sys.readFile("/proc/self/cgroup")).map { String(decoding: $0, as: UTF8.self) } ?? ""
        var limit = physical
        for path in cgroupLimitFiles(groups) {
            guard let bytes = try? Sys.readFile(path), let value = decimal(bytes[...].split(separator: 0x0A).first ?? []),
                  value > 0 else { continue }
            limit = min(limit, value)
        }
        return limit
    }

    /// The files that may hold the process's memory limit, given `/proc/self/cgroup`.
    public static func cgroupLimitFiles(_ procSelfCgroup: String) -> [String] {
        var files = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
        for line in procSelfCgroup.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[2] != "/" else { continue }
            if parts[0] == "0" && parts[1].isEmpty { files.append("/sys/fs/cgroup\(parts[2])/memory.max") }
            if parts[1].split(separator: ",").contains("memory") {
                files.append("/sys/fs/cgroup/memory\(parts[2])/memory.limit_in_bytes")
            }
        }
        return files
    }

    private final class StatmFile: Sendable {
        let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
    }
    private static let statm = StatmFile()

    private final class Once: @unchecked Sendable {
        private let lock = Monitor()
        private var started = false
        func claim() -> Bool { lock.withLock { defer { started = true }; return !started } }
    }
    private static let state = Once()
}

/// A memory size as a user writes it: bytes with an optional K, M, G or T suffix (powers of
/// 1024, an optional trailing B or iB: 512M, 8GiB, 1.5G), or a percentage of the memory
/// available to the process (75%).
public struct MemorySize: Sendable, Equatable {
    public let bytes: Int64

    /// Parses `text`; `available` is what a percentage is of.
    public init?(_ text: String, available: Int64) {
        var t = Substring(text.lowercased())
        if t.hasSuffix("%") {
            guard let p = Double(t.dropLast()), p > 0, p <= 100 else { return nil }
            bytes = Int64(Double(available) * p / 100)
            return
        }
        if t.hasSuffix("ib") { t = t.dropLast(2) } else if t.hasSuffix("b") { t = t.dropLast() }
        var scale: Double = 1
        if let unit = t.last, let power = ["k": 1, "m": 2, "g": 3, "t": 4][String(unit)] {
            scale = Double(Int64(1) << (10 * power))
            t = t.dropLast()
        }
        guard let number = Double(t), number.isFinite, number > 0, number * scale < 9e18 else { return nil }
        bytes = Int64(number * scale)
        guard bytes > 0 else { return nil }
    }
}
