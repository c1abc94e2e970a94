import FlowCodecs
import FlowSupport
import Glibc
@testable import FlowGen

/// A fresh directory under /tmp, removed by `cleanup()`.
struct TempDir {
    let path: String

    init(_ name: String) throws {
        path = "/tmp/flowgen-tests-\(getpid())-\(name)"
        TempDir.removeTree(path)
        try Sys.makeDirectories(path)
    }

    func cleanup() { TempDir.removeTree(path) }

    static func removeTree(_ path: String) {
        guard let st = try? Sys.status(path) else { return }
        if st.kind == .directory {
            for name in (try? Sys.listDirectory(path)) ?? [] { removeTree(path + "/" + name) }
            _ = rmdir(path)
        } else {
            try? Sys.remove(path)
        }
    }

    /// All regular files below the directory, as paths relative to it, sorted.
    func files() throws -> [String] {
        var out: [String] = []
        func walk(_ rel: String) throws {
            let full = rel.isEmpty ? path : path + "/" + rel
            for name in try Sys.listDirectory(full) {
                let child = rel.isEmpty ? name : rel + "/" + name
                if try Sys.status(path + "/" + child).kind == .directory { try walk(child) } else { out.append(child) }
            }
        }
        try walk("")
        return out.sorted()
    }
}

/// The decoded text of a `.log.gz` or `.log` file.
func decodedText(_ path: String) throws -> String {
    let stream = DecodedStream(file: try ReadableFile(path: path), inflater: .zlib)
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
        if n == 0 { break }
        bytes.append(contentsOf: buffer[..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// A parsed file: the header fields and the records' fields (split on single spaces).
struct ParsedLog {
    var text: String
    var header: [String]
    var rows: [[Substring]]

    init(path: String) throws {
        text = try decodedText(path)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        precondition(lines.last == "", "no final newline")
        lines.removeLast()
        header = lines.first.map { $0.split(separator: " ", omittingEmptySubsequences: false).map(String.init) } ?? []
        rows = lines.dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: false) }
    }

    func column(_ name: String) -> Int { header.firstIndex(of: name)! }
}

func generate(_ dir: TempDir, _ options: GeneratorOptions) throws -> GenerationSummary {
    try FlowGenerator.generate(into: dir.path, options: options)
}
