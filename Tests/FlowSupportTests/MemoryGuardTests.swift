import FlowSupport
import Testing

/// `--memory-limit` sizes as users write them, and the measure the guard holds them to.
@Suite struct MemoryGuardTests {
    static let gib: Int64 = 1 << 30

    @Test(arguments: [
        ("512M", 512 << 20), ("512m", 512 << 20), ("8G", 8 << 30), ("8GiB", 8 << 30), ("8gb", 8 << 30),
        ("1.5G", 3 << 29), ("64K", 64 << 10), ("2T", 2 << 40), ("1000000", 1_000_000), ("50%", 8 << 30), ("100%", 16 << 30),
    ] as [(String, Int64)])
    func sizes(_ text: String, _ bytes: Int64) {
        #expect(MemorySize(text, available: 16 * Self.gib)?.bytes == bytes, "\(text)")
    }

    @Test(arguments: ["", "G", "-1G", "0", "0%", "101%", "abc", "5Q", "1e30", "1..5G", "nan", "inf"])
    func notSizes(_ text: String) {
        #expect(MemorySize(text, available: 16 * Self.gib) == nil, "\(text)")
    }

    @Test func anonymousMemoryIsMeasuredAndGrowsWithWhatIsWritten() throws {
        // 64 MiB written (not just reserved): the measure must see it. The measure is the whole
        // process's, and other tests run in it at the same time and free memory of their own
        // (once, 30 MiB between the two readings), so up to five tries; a measure that does not
        // see written memory fails all of them.
        let n = 64 << 20
        var seen: [String] = []
        for _ in 0..<5 {
            let before = try #require(MemoryGuard.anonymousResidentBytes())
            #expect(before > 0)
            let p = UnsafeMutablePointer<UInt8>.allocate(capacity: n)
            defer { p.deallocate() }
            p.initialize(repeating: 1, count: n)
            let after = try #require(MemoryGuard.anonymousResidentBytes())
            #expect(MemoryGuard.availableToProcess() >= after)
            if after - before >= Int64(n) * 3 / 4 { return }
            seen.append("\(before) -> \(after)")
        }
        Issue.record("64 MiB written, the measure grew too little in every try: \(seen)")
    }

    @Test func theLimitIsLookedForWhereEitherCgroupLayoutKeepsIt() {
        let roots = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
        #expect(MemoryGuard.cgroupLimitFiles("0::/\n") == roots)
        #expect(MemoryGuard.cgroupLimitFiles("0::/system.slice/job.service\n")
                == roots + ["/sys/fs/cgroup/system.slice/job.service/memory.max"])
        #expect(MemoryGuard.cgroupLimitFiles("9:name=systemd:/\n4:memory:/process_api/84fc\n3:cpu,cpuacct:/x\n0::/\n")
                == roots + ["/sys/fs/cgroup/memory/process_api/84fc/memory.limit_in_bytes"])
        #expect(MemoryGuard.cgroupLimitFiles("") == roots)
    }
}
