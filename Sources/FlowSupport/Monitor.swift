#if canImport(Glibc)
import Glibc
#endif

/// A mutex with one condition variable (pthread), for the ingest pipeline's work queues.
/// `Synchronization.Mutex` has no condition variable, and workers need to sleep until work arrives.
public final class Monitor: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    public init() {
        mutex = .allocate(capacity: 1)
        cond = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        cond.deallocate()
    }

    public func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits on the condition; call only inside `withLock`.
    public func wait() { pthread_cond_wait(cond, mutex) }

    /// Waits at most `nanos`; call only inside `withLock`.
    public func wait(nanos: UInt64) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let total = UInt64(ts.tv_nsec) + nanos
        ts.tv_sec += Int(total / 1_000_000_000)
        ts.tv_nsec = Int(total % 1_000_000_000)
        pthread_cond_timedwait(cond, mutex, &ts)
    }

    public func broadcast() { pthread_cond_broadcast(cond) }
}

/// Runs `count` threads of `body(index)` and waits for all of them (pthreads, not the cooperative
/// pool: workers block on I/O and on each other, which tasks must not do).
public func runThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    // The last worker runs on the calling thread, which would only wait otherwise.
    guard count > 1 else {
        if count == 1 { body(0) }
        return
    }
    let group = WorkerThreads.shared.start(count - 1, body)
    body(count - 1)
    WorkerThreads.shared.wait(group)
}

/// The threads `runThreads` runs workers on, kept for the process: creating and joining a thread
/// per call cost ~50 µs, a fifth of a one-hour count's statement. A call hands its workers to
/// idle threads and creates more when too few are idle, so calls may nest (a worker may run
/// workers of its own) and no call waits for a thread to come free.
final class WorkerThreads: @unchecked Sendable {
    static let shared = WorkerThreads()

    /// The workers of one call still running.
    final class Group: @unchecked Sendable {
        var remaining: Int
        init(_ n: Int) { remaining = n }
    }

    private struct Task {
        let body: @Sendable (Int) -> Void
        let index: Int
        let group: Group
    }

    private let monitor = Monitor()
    private var tasks: [Task] = []
    /// Threads not running a task (waiting for one, or created and about to).
    private var idle = 0

    /// Queues workers 0..<n of `body`.
    func start(_ n: Int, _ body: @escaping @Sendable (Int) -> Void) -> Group {
        let group = Group(n)
        let spawn: Int = monitor.withLock {
            for i in 0..<n { tasks.append(Task(body: body, index: i, group: group)) }
            // Every queued task needs an idle thread that will take it.
            let missing = max(0, tasks.count - idle)
            idle += missing
            monitor.broadcast()
            return missing
        }
        for _ in 0..<spawn { spawnThread() }
        return group
    }

    /// Returns when every worker of `group` has returned.
    func wait(_ group: Group) {
        monitor.withLock { while group.remaining > 0 { monitor.wait() } }
    }

    private func spawnThread() {
        final class Box: @unchecked Sendable {
            let pool: WorkerThreads
            init(_ pool: WorkerThreads) { self.pool = pool }
        }
        let box = Unmanaged.passRetained(Box(self)).toOpaque()
        var tid = pthread_t()
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setstacksize(&attr, 8 << 20)
        let rc = pthread_create(&tid, &attr, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.pool.serve()
            return nil
        }, box)
        pthread_attr_destroy(&attr)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(tid)
    }

    private func serve() {
        while true {
            // The task (its closure and what that holds, such as an archive's lock) is let go
            // before the caller is told it finished, as a joined thread's would be.
            let group = runOne()
            monitor.withLock {
                group.remaining -= 1
                idle += 1
                monitor.broadcast()
            }
        }
    }

    @inline(never)
    private func runOne() -> Group {
        let task: Task = monitor.withLock {
            while tasks.isEmpty { monitor.wait() }
            idle -= 1
            return tasks.removeFirst()
        }
        task.body(task.index)
        return task.group
    }
}

/// Starts a detached thread running `body`.
public func detachThread(_ body: @escaping @Sendable () -> Void) {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var tid = pthread_t()
    let rc = pthread_create(&tid, nil, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
    }, box)
    precondition(rc == 0, "pthread_create failed: \(rc)")
    pthread_detach(tid)
}
