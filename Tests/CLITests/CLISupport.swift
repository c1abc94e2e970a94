// Runs the built `flowarc` executable as a user would.
import Foundation
import Testing

/// Where the `flowarc` binary is: `FLOWARC_BIN` if set; else the one built next to this test
/// bundle (same scratch path as the tests); else `<package>/.build/debug/flowarc`; else the
/// newest `<package>/.build*/debug/flowarc`.
enum CLI {
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // CLISupport.swift, CLITests, Tests
        return url.path
    }()

    static let binary: String? = locate()

    static func locate() -> String? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["FLOWARC_BIN"], !env.isEmpty { return env }
        if let exe = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let sibling = (exe as NSString).deletingLastPathComponent + "/flowarc"
            if fm.isExecutableFile(atPath: sibling) { return sibling }
        }
        let preferred = packageRoot + "/.build/debug/flowarc"
        if fm.isExecutableFile(atPath: preferred) { return preferred }
        let candidates = ((try? fm.contentsOfDirectory(atPath: packageRoot)) ?? [])
            .filter { $0.hasPrefix(".build") }
            .map { packageRoot + "/" + $0 + "/debug/flowarc" }
            .filter { fm.isExecutableFile(atPath: $0) }
        func mtime(_ p: String) -> Date { ((try? fm.attributesOfItem(atPath: p))?[.modificationDate] as? Date) ?? .distantPast }
        return candidates.max { mtime($0) < mtime($1) }
    }

    struct Result: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }

        /// The standard output parsed as a JSON object.
        func json() throws -> [String: Any] {
            let obj = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
            guard let dict = obj as? [String: Any] else { throw CLIError("not a JSON object: \(stdout)") }
            return dict
        }
    }

    /// Runs `flowarc args...`, feeding `stdin` (if any) to its standard input.
    static func run(_ args: [String], stdin: [UInt8]? = nil, cwd: String? = nil) throws -> Result {
        let bin = try #require(binary, "flowarc binary not found: set FLOWARC_BIN or run `swift build` first (searched next to the test bundle and under \(packageRoot)/.build*/debug)")
        return try runProgram(bin, args, stdin: stdin, cwd: cwd)
    }

    static func runProgram(_ exe: String, _ args: [String], stdin: [UInt8]? = nil, cwd: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "dumb"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input = Pipe()
        p.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try p.run()
        let group = DispatchGroup()
        let errBox = DataBox()
        let errHandle = err.fileHandleForReading
        DispatchQueue.global().async(group: group) { errBox.set(errHandle.readDataToEndOfFile()) }
        if let stdin {
            let writer = input.fileHandleForWriting
            let data = Data(stdin)
            DispatchQueue.global().async(group: group) {
                writer.write(data)
                try? writer.close()
            }
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errBox.get(), as: UTF8.self))
    }
}

final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A directory under /tmp with a unique name; removed by `remove()`.
final class Scratch {
    let path: String

    init(_ label: String) throws {
        path = "/tmp/flowarc-cli-test-\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func sub(_ p: String) -> String { path + "/" + p }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func write(_ p: String, _ text: String) throws { try write(p, bytes: Array(text.utf8)) }

    func write(_ p: String, bytes: [UInt8]) throws {
        let full = p.hasPrefix("/") ? p : sub(p)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
    }

    func read(_ p: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: p.hasPrefix("/") ? p : sub(p))))
    }

    /// Every file under `dir` whose name ends with `suffix`, sorted.
    func files(under dir: String, suffix: String) -> [String] {
        let full = dir.hasPrefix("/") ? dir : sub(dir)
        let e = FileManager.default.enumerator(atPath: full)
        var out: [String] = []
        while let p = e?.nextObject() as? String { if p.hasSuffix(suffix) { out.append(full + "/" + p) } }
        return out.sorted()
    }
}

/// Number values of a JSON object, whatever type JSONSerialization chose.
func int(_ v: Any?) -> Int? {
    if let n = v as? NSNumber { return n.intValue }
    if let i = v as? Int { return i }
    return nil
}

/// Lines of decoded text of a gzip file (via gzip -dc) or a plain file.
func decodedLineCount(_ path: String) throws -> Int {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let text: [UInt8]
    if bytes.starts(with: [0x1f, 0x8b]) {
        text = Array(try CLI.runProgram("/usr/bin/gzip", ["-dc", path]).stdout.utf8)
    } else {
        text = bytes
    }
    return text.filter { $0 == 0x0A }.count
}
