import FlowArchive
import FlowLog
import FlowSupport

/// An input file the run will read.
public struct PlannedFile: Sendable {
    public var path: String
    /// The key the archive records it under: the S3 key from `AWSLogs/` on, else the absolute path.
    public var key: String
    public var size: Int64
    public var modifiedNanos: Int64
    public var s3: S3KeyInfo
    public var sourceID: UInt32 = 0
    public var isStandardInput: Bool { path == "-" }
    /// `account_partition`, `region_partition`, `date_partition`.
    public var partitionValues: [String?] { [s3.account, s3.region, s3.date] }
}

/// A path that could not be used, and why.
public struct InputProblem: Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Finds the files behind the inputs a user named: files as given, directories walked
/// recursively (any depth) for flow log files, `-` for standard input.
public enum SourceDiscovery {
    /// Names in a directory walk that are taken as flow log files.
    public static func looksLikeFlowLog(_ name: String) -> Bool {
        if name.hasPrefix(".") { return false }
        return name.hasSuffix(".log.gz") || name.hasSuffix(".log") || name.hasSuffix(".gz") || name.hasSuffix(".txt")
    }

    public static func discover(_ inputs: [String]) -> (files: [PlannedFile], problems: [InputProblem], ignored: Int) {
        var files: [PlannedFile] = []
        var problems: [InputProblem] = []
        var ignored = 0
        // Files and directories by identity: a symbolic link back up the tree (`sub/loop -> ..`)
        // or a second path to a file must not read it again (a loop read one file 33 times, two
        // loops walked 2^64 paths).
        var seenFiles = Set<FileIdentity>()
        var walked = Set<FileIdentity>()

        func add(_ path: String, _ st: FileStatus) {
            let abs = Sys.absolutePath(path)
            guard seenFiles.insert(st.identity).inserted else { return }
            let s3 = S3KeyInfo.parse(path: abs)
            files.append(PlannedFile(path: path, key: s3.key ?? abs, size: st.size, modifiedNanos: st.modifiedNanos, s3: s3))
        }

        func walk(_ dir: String, depth: Int) {
            if depth > 64 { problems.append(InputProblem(path: dir, reason: "directory nesting deeper than 64 levels")); return }
            let names: [String]
            do { names = try Sys.listDirectory(dir) } catch {
                problems.append(InputProblem(path: dir, reason: "\(error)".replacingPrefix(dir + ": ")))
                return
            }
            for name in names {
                let p = dir.hasSuffix("/") ? dir + name : dir + "/" + name
                guard let st = try? Sys.status(p) else {
                    problems.append(InputProblem(path: p, reason: "cannot stat"))
                    continue
                }
                switch st.kind {
                case .directory:
                    // A directory met again (through a symbolic link) was or is being walked.
                    if walked.insert(st.identity).inserted { walk(p, depth: depth + 1) }
                case .regular:
                    if looksLikeFlowLog(name) { add(p, st) } else { ignored += 1 }
                case .other: ignored += 1
                }
            }
        }

        for input in inputs {
            if input == "-" {
                files.append(PlannedFile(path: "-", key: "-", size: 0, modifiedNanos: 0, s3: S3KeyInfo()))
                continue
            }
            let st: FileStatus
            do { st = try Sys.status(input) } catch let e as SysError {
                problems.append(InputProblem(path: input, reason: e.isNotFound ? "no such file or directory" : e.description))
                continue
            } catch {
                problems.append(InputProblem(path: input, reason: "\(error)"))
                continue
            }
            switch st.kind {
            case .directory:
                if walked.insert(st.identity).inserted { walk(input, depth: 0) }
            case .regular: add(input, st)
            case .other: problems.append(InputProblem(path: input, reason: "not a regular file or directory"))
            }
        }
        return (files, problems, ignored)
    }
}

extension String {
    func replacingPrefix(_ p: String) -> String { hasPrefix(p) ? String(dropFirst(p.count)) : self }
}
