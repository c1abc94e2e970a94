// Every Glibc call flowarc makes lives in this file (the swift-system way): thin wrappers that
// retry on EINTR in one place and turn a failing call into a `SysError` that carries errno.
#if canImport(Glibc)
import Glibc
#else
#error("flowarc targets Linux (Glibc)")
#endif

/// A failed system call, with the operation, the path it was about and the errno it set.
public struct SysError: Error, CustomStringConvertible, Equatable, Sendable {
    public let operation: String
    public let path: String
    public let errno: Int32

    public init(_ operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        switch errno {
        case 0: return "\(path): \(operation)"  // not from the system: `operation` says it all
        case ENOSPC: return "\(path): \(operation) failed: no space left on device"
        default: return "\(path): \(operation) failed: \(reason)"
        }
    }

    public var isNotFound: Bool { errno == ENOENT }
}

/// Retries a system call that failed with EINTR; all wrappers below go through here.
@inline(__always)
func retryingOnInterrupt<T: BinaryInteger>(_ call: () -> T) -> (T, Int32) {
    while true {
        let result = call()
        if result < 0 {
            let err = Glibc.errno
            if err == EINTR { continue }
            return (result, err)
        }
        return (result, 0)
    }
}

/// What `stat` says of a path.
public struct FileStatus: Sendable, Equatable {
    public enum Kind: Sendable { case regular, directory, other }
    public let kind: Kind
    public let size: Int64
    /// Modification time, nanoseconds since the epoch.
    public let modifiedNanos: Int64
    /// The file itself, whatever path reached it (symbolic links followed): device and inode.
    public var identity: FileIdentity = FileIdentity(device: 0, inode: 0)
}

/// A file or directory as the kernel knows it: two paths with the same identity are one file.
public struct FileIdentity: Sendable, Hashable {
    public let device: UInt64
    public let inode: UInt64
}

public enum Sys {
    public static func status(_ path: String) throws -> FileStatus {
        var st = stat()
        let (rc, err) = retryingOnInterrupt { stat(path, &st) }
        if rc != 0 { throw SysError("stat", path: path, errno: err) }
        let mode = st.st_mode & S_IFMT
        let kind: FileStatus.Kind = mode == S_IFREG ? .regular : (mode == S_IFDIR ? .directory : .other)
        let nanos = Int64(st.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(st.st_mtim.tv_nsec)
        return FileStatus(kind: kind, size: Int64(st.st_size), modifiedNanos: nanos,
                          identity: FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino)))
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The entries of a directory, without "." and "..", sorted bytewise so that runs are deterministic.
    public static func listDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw SysError("opendir", path: path, errno: Glibc.errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            names.append(name)
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    public static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 {
            let err = Glibc.errno
            if err == EEXIST, (try? status(path))?.kind == .directory { return }
            throw SysError("mkdir", path: path, errno: err)
        }
    }

    /// `mkdir -p`.
    public static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += part
            try makeDirectory(prefix)
            prefix += "/"
        }
    }

    /// Atomically replaces `to` with `from` (POSIX rename).
    public static func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 { throw SysError("rename", path: to, errno: Glibc.errno) }
    }

    public static func remove(_ path: String) throws {
        if unlink(path) != 0 { throw SysError("unlink", path: path, errno: Glibc.errno) }
    }

    /// fsyncs a directory so that renames and creations in it are durable.
    public static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw SysError("open", path: path, errno: Glibc.errno) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw SysError("fsync", path: path, errno: Glibc.errno) }
    }

    /// Reads a whole (small) file: manifests, segment footers, test fixtures.
    public static func readFile(_ path: String, acceptStreams: Bool = false) throws -> [UInt8] {
        let file = try ReadableFile(path: path, acceptStreams: acceptStreams)
        if file.isStream { return try file.readToEnd() }
        let size = Int(try file.size())
        var out = [UInt8](repeating: 0, count: size)
        let got = try out.withUnsafeMutableBytes { (buf) throws -> Int in
            try file.read(into: buf, at: 0)
        }
        if got < size { out.removeLast(size - got) }
        return out
    }

    /// Writes a file durably: a temporary name, fsync, rename, fsync of the directory.
    public static func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws {
        let tmp = path + ".tmp"
        let file = try WritableFile(creating: tmp)
        try bytes.withUnsafeBytes { (b) throws in try file.write(b) }
        try file.sync()
        file.close()
        try rename(tmp, path)
        try syncDirectory(directoryName(of: path))
    }

    public static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// Read once: the commands' `--threads` defaults are evaluated each time the argument parser
    /// makes an instance, and each read was a file opened and read in `/sys` (five per query).
    public static let onlineProcessors: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    public static var isStandardErrorTerminal: Bool { isatty(2) == 1 }
    public static var isStandardOutputTerminal: Bool { isatty(1) == 1 }
    public static var isStandardInputTerminal: Bool { isatty(0) == 1 }

    /// Monotonic clock in nanoseconds.
    public static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    public static func writeStandardError(_ text: String) {
        var t = text
        t.withUTF8 { buf in
            var off = 0
            while off < buf.count {
                let (n, _) = retryingOnInterrupt { Glibc.write(2, buf.baseAddress! + off, buf.count - off) }
                if n <= 0 { return }
                off += n
            }
        }
    }

    /// Writes bytes to standard output (large results: one buffer, no String).
    public static func writeStandardOutput(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeStandardOutput($0) }
    }

    /// Writes all of `buf` to standard output, or throws: a result cut short by a full disk
    /// must not pass for a complete one.
    public static func writeStandardOutput(_ buf: UnsafeRawBufferPointer) throws {
        var off = 0
        while off < buf.count {
            let (n, err) = retryingOnInterrupt { Glibc.write(1, buf.baseAddress! + off, buf.count - off) }
            if n < 0 { throw SysError("write", path: "standard output", errno: err) }
            if n == 0 { throw SysError("write", path: "standard output", errno: EIO) }
            off += n
        }
    }

    /// Peak resident set size of this process, in bytes (from getrusage).
    public static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}

/// A file open for reading; the descriptor is closed when the owner goes away.
/// A read-only private mapping of part of a file, unmapped when the last reference goes. The
/// file must not be truncated while mapped (reading past its end would fault); flowarc maps
/// only committed segments, which are never rewritten.
public final class MappedRegion: @unchecked Sendable {
    public let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer
    private let length: Int

    init(base: UnsafeMutableRawPointer, length: Int, bytes: UnsafeRawBufferPointer) {
        self.base = base
        self.length = length
        self.bytes = bytes
    }

    deinit { munmap(base, length) }
}

public final class ReadableFile: @unchecked Sendable {
    public let path: String
    let fd: Int32

    /// Opens a regular file; with `acceptStreams`, also a pipe or character device (read to
    /// its end, as `flowarc query -f <(...)` needs). Opened without blocking, so a FIFO where a
    /// file should be (a damaged archive, a hostile input) is refused instead of waiting
    /// forever for a writer; reads then block as usual.
    public init(path: String, acceptStreams: Bool = false) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 { throw SysError("open", path: path, errno: Glibc.errno) }
        var st = stat()
        if fstat(fd, &st) != 0 {
            let err = Glibc.errno
            close(fd)
            throw SysError("fstat", path: path, errno: err)
        }
        let kind = st.st_mode & S_IFMT
        if kind == S_IFDIR || (kind != S_IFREG && !acceptStreams) {
            close(fd)
            throw SysError(kind == S_IFDIR ? "is a directory, not a file" : "is not a regular file", path: path, errno: 0)
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        self.fd = fd
        self.path = path
        isStream = kind != S_IFREG
    }

    /// A pipe or device (see `acceptStreams`), or standard input: read to its end, not by size.
    public let isStream: Bool

    /// Standard input, for `flowarc ingest -`.
    public init(standardInput: ()) {
        self.fd = 0
        self.path = "-"
        isStream = true
    }

    deinit { if fd > 2 { close(fd) } }

    public func size() throws -> Int64 {
        var st = stat()
        if fstat(fd, &st) != 0 { throw SysError("fstat", path: path, errno: Glibc.errno) }
        return Int64(st.st_size)
    }

    /// Everything from the current position to the end.
    public func readToEnd() throws -> [UInt8] {
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try buf.withUnsafeMutableBytes { try read(into: $0) }
            if n == 0 { return bytes }
            bytes.append(contentsOf: buf[..<n])
        }
    }

    /// Reads up to `buffer.count` bytes at the current position; 0 means end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let (n, err) = retryingOnInterrupt { Glibc.read(fd, base, buffer.count) }
        if n < 0 { throw SysError("read", path: path, errno: err) }
        return n
    }

    /// Maps `count` bytes from `offset` read-only (page-cache pages, no copy).
    public func map(offset: Int64, count: Int) throws -> MappedRegion {
        let page = Int64(sysconf(Int32(_SC_PAGESIZE)))
        let start = offset / page * page
        let delta = Int(offset - start)
        let length = max(1, count + delta)
        guard let p = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, off_t(start)), p != MAP_FAILED else {
            throw SysError("mmap", path: path, errno: Glibc.errno)
        }
        return MappedRegion(base: p, length: length, bytes: UnsafeRawBufferPointer(start: p + delta, count: count))
    }

    /// Fills `buffer` from `offset` (pread), stopping early only at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let (n, err) = retryingOnInterrupt { pread(fd, base + done, buffer.count - done, off_t(offset) + off_t(done)) }
            if n < 0 { throw SysError("pread", path: path, errno: err) }
            if n == 0 { break }
            done += n
        }
        return done
    }
}

/// A file open for writing (created or truncated).
public final class WritableFile: @unchecked Sendable {
    public let path: String
    private var fd: Int32

    public init(creating path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw SysError("open", path: path, errno: Glibc.errno) }
        self.fd = fd
        self.path = path
    }

    /// Appends to a file, creating it if needed.
    public init(appendingTo path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd < 0 { throw SysError("open", path: path, errno: Glibc.errno) }
        self.fd = fd
        self.path = path
    }

    deinit { close() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        var off = 0
        while off < bytes.count {
            let (n, err) = retryingOnInterrupt { Glibc.write(fd, base + off, bytes.count - off) }
            if n < 0 { throw SysError("write", path: path, errno: err) }
            off += n
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { (b) throws in try write(b) }
    }

    public func sync() throws {
        if fsync(fd) != 0 { throw SysError("fsync", path: path, errno: Glibc.errno) }
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }
}

/// An exclusive advisory lock (flock) on a file, held until the owner goes away, so that two
/// ingest runs never write one archive at the same time.
public final class FileLock: @unchecked Sendable {
    private let fd: Int32

    /// Takes the lock without waiting; throws EWOULDBLOCK when another process holds it.
    public init(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw SysError("open", path: path, errno: Glibc.errno) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = Glibc.errno
            close(fd)
            throw SysError("lock", path: path, errno: err)
        }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

extension Sys {
    /// Keeps freed buffers in the process instead of handing them back to the kernel: ingest
    /// allocates and frees multi-megabyte column buffers all the time, and without this each one
    /// is a fresh mmap whose pages fault in (and are zeroed) again (measured: 12% of ingest time).
    public static func tuneAllocatorForLargeBuffers() {
        _ = glibc_mallopt(-3 /* M_MMAP_THRESHOLD */, 32 << 20)
        _ = glibc_mallopt(-1 /* M_TRIM_THRESHOLD */, 1 << 30)
        // One arena: a worker thread's arena is a chain of 64 MiB heaps, and glibc unmaps a heap
        // as soon as it is empty, whatever the trim threshold, so the 4 MiB text buffers the
        // inflater fills were faulted in afresh chunk after chunk (73% of ingest's page faults,
        // about 8% of its CPU time). Allocations here are few and large, so one lock is cheap.
        _ = glibc_mallopt(-8 /* M_ARENA_MAX */, 1)
    }

    /// Asks the kernel to back `bytes` at `start` with transparent huge pages (2 MiB) where this
    /// machine leaves them to `madvise` (Debian's default): a query's group tables of millions
    /// of groups then fault in 512 times fewer pages (a cold seed query touched 500 MB in 125,000
    /// faults, half a second of system time). Only whole 2 MiB stretches inside the range are
    /// affected; small ranges are left alone. Failure is harmless and ignored.
    public static func adviseHugePages(_ start: UnsafeMutableRawPointer, bytes: Int) {
        let huge = 2 << 20
        guard bytes >= 2 * huge else { return }
        let page = 4096
        let from = (Int(bitPattern: start) + page - 1) & ~(page - 1)
        let to = (Int(bitPattern: start) + bytes) & ~(page - 1)
        guard to > from, let p = UnsafeMutableRawPointer(bitPattern: from) else { return }
        _ = madvise(p, to - from, 14 /* MADV_HUGEPAGE */)
    }

    /// `path` made absolute against the current directory (no symlink resolution).
    public static func absolutePath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buf = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buf, buf.count) != nil else { return path }
        let cwd = buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var p = Substring(path)
        while p.hasPrefix("./") { p = p.dropFirst(2) }
        return cwd == "/" ? "/" + p : cwd + "/" + p
    }
}

/// glibc's `mallopt` (declared in <malloc.h>, which the Glibc module does not import).
@_silgen_name("mallopt")
private func glibc_mallopt(_ parameter: Int32, _ value: Int32) -> Int32
