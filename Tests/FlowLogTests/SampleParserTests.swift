import FlowSupport
import Foundation
import Testing
@testable import FlowLog

/// One sample file, the field list it starts with, and what SOURCES.md (or the synthetic file's
/// own construction) says it holds.
struct SampleCase: Sendable, CustomTestStringConvertible {
    var file: String
    var initial: [String]
    var records: Int
    var rejects: Int
    var headers: Int
    var blanks: Int
    var lines: Int
    var testDescription: String { file }
}

private let fixtureCases: [SampleCase] = [
    // Apache-2.0 copies.
    SampleCase(file: "opensearch-project_opensearch-catalog__raw.log", initial: Formats.v2,
               records: 775, rejects: 0, headers: 0, blanks: 0, lines: 775),
    SampleCase(file: "optionalg_cloudfwd__cloudwatchlogs_vpcflowlog_lambdaprocessed.sample", initial: Formats.v2,
               records: 360, rejects: 0, headers: 0, blanks: 0, lines: 360),
    SampleCase(file: "optionalg_cloudfwd__vpc-flow-log.sample", initial: Formats.v2,
               records: 10, rejects: 0, headers: 0, blanks: 0, lines: 10),
    SampleCase(file: "open-telemetry_opentelemetry-collector-contrib__valid_vpc_flow_log.log", initial: Formats.v2,
               records: 1, rejects: 0, headers: 1, blanks: 0, lines: 2),
    SampleCase(file: "open-telemetry_opentelemetry-collector-contrib__valid_vpc_flow_log_ecs.log", initial: Formats.v2,
               records: 1, rejects: 0, headers: 1, blanks: 0, lines: 2),
    SampleCase(file: "open-telemetry_opentelemetry-collector-contrib__valid_tgw_flow_log.log", initial: Formats.v2,
               records: 1, rejects: 0, headers: 1, blanks: 0, lines: 2),
    // Synthetic stand-ins.
    SampleCase(file: "synthetic_v2-header-accept-reject.log", initial: Formats.v2,
               records: 4, rejects: 0, headers: 1, blanks: 0, lines: 5),
    SampleCase(file: "synthetic_v2-header-two-records.log", initial: Formats.v2,
               records: 2, rejects: 0, headers: 1, blanks: 0, lines: 3),
    SampleCase(file: "synthetic_not-a-flow-log.log", initial: Formats.v2,
               records: 0, rejects: 1, headers: 0, blanks: 0, lines: 1),
    SampleCase(file: "synthetic_nat-custom-no-version.log", initial: Formats.v2,
               records: 2, rejects: 0, headers: 1, blanks: 0, lines: 3),
    SampleCase(file: "synthetic_tgw-path-17-fields.log", initial: Formats.tgwPath17,
               records: 2, rejects: 0, headers: 0, blanks: 0, lines: 2),
    SampleCase(file: "synthetic_v3-skipdata-blank-second-header.log", initial: Formats.v2,
               records: 2, rejects: 0, headers: 2, blanks: 1, lines: 5),
    SampleCase(file: "synthetic_v3-header-before-every-record.log", initial: Formats.v2,
               records: 3, rejects: 0, headers: 3, blanks: 0, lines: 6),
    SampleCase(file: "synthetic_v2-extra-no-final-newline.log", initial: Formats.v2,
               records: 7, rejects: 0, headers: 0, blanks: 0, lines: 7),
    SampleCase(file: "synthetic_ecs-39-fields.log", initial: Formats.ecs39,
               records: 3, rejects: 0, headers: 0, blanks: 0, lines: 3),
    SampleCase(file: "synthetic_v8-reject-reason.log", initial: Formats.v8Forty,
               records: 2, rejects: 0, headers: 0, blanks: 0, lines: 2),
    SampleCase(file: "synthetic_tgw-36-default.log", initial: Formats.tgw36,
               records: 3, rejects: 0, headers: 0, blanks: 0, lines: 3),
    SampleCase(file: "synthetic_v5-all-fields.log", initial: Formats.v5All,
               records: 1, rejects: 0, headers: 0, blanks: 0, lines: 1),
    SampleCase(file: "synthetic_json-wrapped.log", initial: Formats.v2,
               records: 0, rejects: 1, headers: 0, blanks: 0, lines: 1),
    SampleCase(file: "synthetic_v2-hand-edited.log", initial: Formats.v2,
               records: 12, rejects: 0, headers: 0, blanks: 0, lines: 12),
]

/// The third-party files in /work/shared/samples with the counts SOURCES.md gives.
private let sharedSampleCases: [SampleCase] = {
    func c(_ f: String, _ initial: [String], _ rec: Int, _ rej: Int, _ hdr: Int, _ blank: Int, _ lines: Int) -> SampleCase {
        SampleCase(file: f, initial: initial, records: rec, rejects: rej, headers: hdr, blanks: blank, lines: lines)
    }
    return [
        c("FoxIO-LLC_LogSlash__vpc_flow_in.log", Formats.v2, 50, 0, 0, 0, 50),
        c("elastic_beats__accept-reject-traffic.log", Formats.v2, 4, 0, 1, 0, 5),
        c("elastic_beats__bad.log", Formats.v2, 0, 1, 0, 0, 1),
        c("elastic_beats__custom-nat-gateway.log", Formats.v2, 2, 0, 1, 0, 3),
        c("elastic_beats__custom-transit-gateway.log", Formats.tgwPath17, 1, 0, 0, 0, 1),
        c("elastic_beats__tcp-flag-sequence-skip-data.log", Formats.v2, 2, 0, 2, 1, 5),
        c("elastic_integrations__test-ecs-samples.log", Formats.ecs39, 10, 0, 0, 0, 10),
        c("elastic_integrations__test-extra-samples.log", Formats.v2, 7, 0, 0, 0, 7),
        c("elastic_integrations__test-tcp-flag-sequence.log", Formats.v2, 3, 0, 3, 0, 6),
        c("elastic_integrations__test-tgw-samples.log", Formats.tgw36, 10, 0, 0, 0, 10),
        c("elastic_integrations__test-v5-all-fields.log", Formats.v5All, 1, 0, 0, 0, 1),
        c("elastic_integrations__test-v8-samples.log", Formats.v8Forty, 1, 0, 0, 0, 1),
        c("elastic_integrations__test-with-message-field.log", Formats.v2, 0, 1, 0, 0, 1),
        c("m-mizutani_aws-vpcflowlogs-parquet__sample1.log", Formats.v2, 2, 0, 1, 0, 3),
        c("open-telemetry_opentelemetry-collector-contrib__valid_tgw_flow_log.log", Formats.v2, 1, 0, 1, 0, 2),
        c("open-telemetry_opentelemetry-collector-contrib__valid_vpc_flow_log.log", Formats.v2, 1, 0, 1, 0, 2),
        c("open-telemetry_opentelemetry-collector-contrib__valid_vpc_flow_log_ecs.log", Formats.v2, 1, 0, 1, 0, 2),
        c("opensearch-project_opensearch-catalog__raw.log", Formats.v2, 775, 0, 0, 0, 775),
        c("optionalg_cloudfwd__cloudwatchlogs_vpcflowlog_lambdaprocessed.sample", Formats.v2, 360, 0, 0, 0, 360),
        c("optionalg_cloudfwd__vpc-flow-log.sample", Formats.v2, 10, 0, 0, 0, 10),
    ]
}()

private let sharedSamplesDirectory = "/work/shared/samples"

private func checkSample(_ bytes: [UInt8], _ c: SampleCase, sourceLocation: SourceLocation = #_sourceLocation) {
    let chunk = parseBytes(bytes, mapping: FieldMapping(names: c.initial))
    let ref = referenceParse(bytes, initial: c.initial)
    // The reference itself must agree with what the file is documented to hold.
    #expect(ref.records.count == c.records && ref.rejectLines.count == c.rejects && ref.headers == c.headers
            && ref.blanks == c.blanks && ref.lines == c.lines, "reference disagrees with the documented counts",
            sourceLocation: sourceLocation)
    #expect(chunk.records == c.records, sourceLocation: sourceLocation)
    #expect(chunk.rejects.count == c.rejects, "\(chunk.rejects)", sourceLocation: sourceLocation)
    #expect(chunk.headerLines == c.headers, sourceLocation: sourceLocation)
    #expect(chunk.blankLines == c.blanks, sourceLocation: sourceLocation)
    #expect(chunk.lines == c.lines, sourceLocation: sourceLocation)
    #expect(chunk.bytes == bytes.count, sourceLocation: sourceLocation)
    #expect(chunk.startMapping.names == c.initial, sourceLocation: sourceLocation)
    #expect(chunk.endMapping.names == ref.finalNames, sourceLocation: sourceLocation)
    expectMatchesReference(chunk, ref, c.file, sourceLocation: sourceLocation)
}

@Suite struct SampleParserTests {
    @Test(arguments: fixtureCases)
    func fixtureMatchesReference(_ c: SampleCase) throws {
        checkSample(try Fixtures.bytes(c.file), c)
    }

    @Test func everyFixtureFileHasACase() throws {
        let listed = Set(fixtureCases.map(\.file))
        let present = Set(try Fixtures.names())
        #expect(present == listed)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: sharedSamplesDirectory)))
    func everySharedSampleMatchesReference() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: sharedSamplesDirectory)
            .filter { $0.hasSuffix(".log") || $0.hasSuffix(".sample") }.sorted()
        #expect(Set(files) == Set(sharedSampleCases.map(\.file)), "a shared sample has no expected counts")
        for c in sharedSampleCases where files.contains(c.file) {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sharedSamplesDirectory + "/" + c.file)))
            checkSample(bytes, c)
        }
    }

    @Test func fixtureCopiesAreByteIdenticalToTheSharedSamples() throws {
        for c in fixtureCases where !c.file.hasPrefix("synthetic_") {
            let path = sharedSamplesDirectory + "/" + c.file
            guard FileManager.default.fileExists(atPath: path) else { continue }
            #expect(try Fixtures.bytes(c.file) == [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), "\(c.file)")
        }
    }

    /// Real data properties SOURCES.md states for the opensearch capture.
    @Test func opensearchCaptureDistribution() throws {
        let chunk = parseBytes(try Fixtures.bytes("opensearch-project_opensearch-catalog__raw.log"))
        let n = chunk.records
        #expect(n == 775)
        let noData = (0..<n).filter { chunk.text("log-status", $0) == "NODATA" }
        #expect(noData.count == 404)
        #expect((0..<n).filter { chunk.text("log-status", $0) == "OK" && chunk.text("action", $0) == "ACCEPT" }.count == 371)
        #expect(Set((0..<n).compactMap { chunk.text("interface-id", $0) }).count == 6)
        #expect(Set((0..<n).compactMap { chunk.text("protocol", $0) }) == ["1", "6", "17"])
        // NODATA rows: every traffic field null, start/end kept.
        for r in noData {
            for f in ["srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "action"] {
                #expect(chunk.text(f, r) == nil, "row \(r) \(f)")
            }
            #expect(chunk.text("start", r) != nil && chunk.text("end", r) != nil)
        }
        // Records are not sorted by start: 247 decreases.
        let starts = (0..<n).map { UInt64(chunk.text("start", $0)!)! }
        #expect(zip(starts, starts.dropFirst()).filter { $0 > $1 }.count == 247)
        let ends = (0..<n).map { UInt64(chunk.text("end", $0)!)! }
        #expect(ends.max()! - starts.min()! == 317)  // "spans 317 s"
        let spreads = zip(starts, ends).map { $1 - $0 }
        #expect(spreads.min() == 0 && spreads.max() == 72)
    }

    @Test func cloudfwdCaptureDistribution() throws {
        let chunk = parseBytes(try Fixtures.bytes("optionalg_cloudfwd__cloudwatchlogs_vpcflowlog_lambdaprocessed.sample"))
        #expect(chunk.records == 360)
        #expect((0..<360).filter { chunk.text("action", $0) == "ACCEPT" }.count == 350)
        #expect((0..<360).filter { chunk.text("action", $0) == "REJECT" }.count == 10)
        // Leading-zero account id in the other cloudfwd file is kept as text.
        let small = parseBytes(try Fixtures.bytes("optionalg_cloudfwd__vpc-flow-log.sample"))
        #expect(small.text("account-id", 0) == "063605715280")
        #expect(small.text("srcport", 0) == "0" && small.text("protocol", 0) == "1")
    }

    /// All fixtures concatenated into one text (each headerless one given a header line, as when
    /// files are concatenated), parsed whole and then in chunks cut at arbitrary line boundaries
    /// with the end mapping of one chunk carried into the next.
    @Test func concatenatedFixturesInChunks() throws {
        var all: [UInt8] = []
        for c in fixtureCases {
            var bytes = try Fixtures.bytes(c.file)
            if bytes.last != 0x0A { bytes.append(0x0A) }
            all += Array((c.initial.joined(separator: " ") + "\n").utf8) + bytes
        }
        let whole = parseBytes(all)
        let ref = referenceParse(all, initial: Formats.v2)
        expectMatchesReference(whole, ref, "concatenation")
        #expect(whole.records == fixtureCases.map(\.records).reduce(0, +))
        #expect(whole.rejects.count == fixtureCases.map(\.rejects).reduce(0, +))

        // Line starts, to cut at.
        var lineStarts = [0]
        for (i, b) in all.enumerated() where b == 0x0A && i + 1 < all.count { lineStarts.append(i + 1) }
        var rng = SplitMix64(seed: 0xC0FFEE)
        var parser = RecordParser()  // one parser reused across chunks, as a worker does
        for _ in 0..<5 {
            var cuts = Set<Int>()
            for _ in 0..<rng.below(12) + 1 { cuts.insert(lineStarts[rng.below(lineStarts.count)]) }
            let bounds = ([0] + cuts.sorted().filter { $0 > 0 } + [all.count])
            var mapping = FieldMapping.defaultV2
            var total = 0
            var done: [(ParsedChunk, RefResult)] = []
            for k in 0..<(bounds.count - 1) {
                let slice = Array(all[bounds[k]..<bounds[k + 1]])
                let chunk = slice.withUnsafeBytes { parser.parse($0, mapping: mapping) }
                let sliceRef = referenceParse(slice, initial: mapping.names)
                expectMatchesReference(chunk, sliceRef, "chunk \(k) at byte \(bounds[k])")
                #expect(chunk.endMapping.names == sliceRef.finalNames)
                mapping = chunk.endMapping
                total += chunk.records
                done.append((chunk, sliceRef))
            }
            #expect(total == whole.records)
            // Earlier chunks are unaffected by the parser's reuse of its buffers for later ones.
            if let (first, firstRef) = done.first { expectMatchesReference(first, firstRef, "first chunk after reuse") }
        }
    }
}
