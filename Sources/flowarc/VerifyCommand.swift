import ArgumentParser
import FlowArchive
import FlowSupport

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every checksum, column and index of an archive.",
        discussion: """
            Reads the whole archive: the manifest checksum; each segment's header, trailer and directory checksum; the checksum and encoding of every column chunk; and that every block index agrees with the block's data (an index that wrongly says "not here" would silently drop rows from query results). It also checks that record counts agree and that every source's lines add up (lines = records + rejected + header + blank).

            Exit status 0 when all is well, 1 with the problems listed otherwise.
            """)

    @OptionGroup var target: ArchiveOptions

    func run() throws {
        let report: Verifier.Report
        do { report = try Verifier.verify(target.archive) } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        if report.problems.isEmpty {
            print("ok: \(report.segments) segments, \(report.chunks) column chunks, \(Human.count(report.records)) records, \(report.sources) sources verified")
            return
        }
        for p in report.problems.prefix(20) { printError(p) }
        if report.problems.count > 20 { printError("... and \(report.problems.count - 20) more problems") }
        printError("verify failed: \(report.problems.count) problems")
        throw ExitCode.failure
    }
}
