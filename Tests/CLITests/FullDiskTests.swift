import Foundation
import Testing

/// A full disk: the run stops with a clear message and a non-zero exit, and the archive stays as
/// it was (nothing half-written is visible). Needs a small tmpfs, so it runs only where this
/// process may mount one (root, as on CI machines); elsewhere it is skipped, not faked.
@Suite struct FullDiskTests {
    static let mountPoint = "/tmp/flowarc-full-disk-\(getpid())"

    static func mountSmallDisk() -> Bool {
        try? FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard let r = try? CLI.runProgram("/bin/mount", ["-t", "tmpfs", "-o", "size=1M", "tmpfs", mountPoint]) else { return false }
        return r.status == 0
    }

    @Test("ingest onto a full disk: exit 1, 'no space left on device', the archive still verifies")
    func fullDisk() throws {
        guard getuid() == 0, Self.mountSmallDisk() else {
            print("skipping: cannot mount a tmpfs here")
            return
        }
        defer {
            _ = try? CLI.runProgram("/bin/umount", [Self.mountPoint])
            try? FileManager.default.removeItem(atPath: Self.mountPoint)
        }
        let scratch = NSTemporaryDirectory() + "flowarc-full-disk-logs-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let gen = try CLI.run(["generate", "--out", scratch, "--records", "100000", "--files", "2", "--quiet"])
        #expect(gen.status == 0, "\(gen)")
        let archive = Self.mountPoint + "/a.arc"
        let r = try CLI.run(["ingest", archive, scratch])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("no space left on device"), "\(r)")
        #expect(!r.stderr.contains("Fatal error"))
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: archive + "/segments")) ?? []
        #expect(leftovers.isEmpty, "a half-written segment was left behind: \(leftovers)")
        let v = try CLI.run(["verify", archive])
        #expect(v.status == 0, "\(v)")
    }
}
