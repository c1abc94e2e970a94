import FlowSupport
import Testing

/// `runThreads` runs its workers on threads the process keeps. It must still behave as if each
/// call had threads of its own: every worker runs once and all run at the same time (workers
/// wait on each other), calls may nest, and what a worker's closure holds is let go before the
/// call returns (an ingest's archive lock was still held by a kept thread when the next ingest
/// of the same archive began).
@Suite struct WorkerThreadsTests {
    final class Counter: @unchecked Sendable {
        let monitor = Monitor()
        var arrived = 0
        var ran: [Int] = []
    }

    /// Every worker waits until all `count` have arrived (up to 10 s): this passes only if they
    /// run at the same time.
    static func barrierRun(_ count: Int) -> (ran: [Int], allMet: Bool) {
        let c = Counter()
        let met = Counter()
        runThreads(count) { i in
            c.monitor.withLock {
                c.arrived += 1
                c.ran.append(i)
                c.monitor.broadcast()
                let deadline = Sys.monotonicNanos() + 10_000_000_000
                while c.arrived < count && Sys.monotonicNanos() < deadline { c.monitor.wait(nanos: 50_000_000) }
                if c.arrived == count { met.monitor.withLock { met.arrived += 1 } }
            }
        }
        return (c.ran.sorted(), met.arrived == count)
    }

    @Test func everyWorkerRunsOnceAndAllAtOnce() {
        for count in [1, 2, 3, 8, 2, 5] {
            let r = Self.barrierRun(count)
            #expect(r.ran == Array(0..<count))
            #expect(r.allMet, "\(count) workers did not all run at the same time")
        }
    }

    @Test func callsNest() {
        let c = Counter()
        runThreads(3) { outer in
            runThreads(3) { inner in
                let r = WorkerThreadsTests.barrierRun(2)
                c.monitor.withLock { if r.allMet { c.ran.append(outer * 10 + inner) } }
            }
        }
        #expect(c.ran.sorted() == [0, 1, 2, 10, 11, 12, 20, 21, 22])
    }

    final class Held: @unchecked Sendable {
        let onRelease: @Sendable () -> Void
        init(_ onRelease: @escaping @Sendable () -> Void) { self.onRelease = onRelease }
        deinit { onRelease() }
    }

    @Test func whatWorkersHoldIsReleasedBeforeTheCallReturns() {
        for _ in 0..<200 {
            let released = Counter()
            do {
                let held = Held { released.monitor.withLock { released.arrived += 1 } }
                runThreads(2) { _ in _ = held.onRelease }
            }
            #expect(released.monitor.withLock { released.arrived } == 1)
        }
    }
}
