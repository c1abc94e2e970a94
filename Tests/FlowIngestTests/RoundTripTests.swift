// Round trips: ingest real sample files and generated logs, read every block back, and compare
// every field of every record with an independent parse of the original text.
import Foundation
import Testing

import FlowArchive
import FlowGen
import FlowIngest
import FlowLog
import FlowSupport

@Suite struct RoundTripTests {
    /// Sample files that have a header line or use the default version 2 format, copied under
    /// names that the directory walk accepts, with the records SOURCES.md says they hold.
    static let defaultOrHeaderSamples: [(sample: String, name: String, records: Int?)] = [
        ("FoxIO-LLC_LogSlash__vpc_flow_in.log", "a01-foxio.log", 50),
        ("elastic_beats__accept-reject-traffic.log", "a02-accept-reject.log", 4),
        ("elastic_beats__bad.log", "a03-bad.log", 0),
        ("elastic_beats__custom-nat-gateway.log", "a04-nat-gateway.log", 2),
        ("elastic_beats__tcp-flag-sequence-skip-data.log", "a05-skip-data.log", 2),
        ("elastic_integrations__test-extra-samples.log", "a06-extra-samples.log", 7),
        ("elastic_integrations__test-tcp-flag-sequence.log", "a07-tcp-flag-sequence.log", 3),
        ("elastic_integrations__test-with-message-field.log", "a08-message-field.log", 0),
        ("grafana_lambda-promtail__vpcflowlog.log.gz", "a09-grafana.log.gz", 3),
        ("m-mizutani_aws-vpcflowlogs-parquet__sample1.log", "a10-sample1.log", 2),
        ("m-mizutani_aws-vpcflowlogs-parquet__sample2.log.gz", "a11-sample2.log.gz", 2),
        ("open-telemetry_opentelemetry-collector-contrib__valid_tgw_flow_log.log", "a12-otel-tgw.log", 1),
        ("open-telemetry_opentelemetry-collector-contrib__valid_vpc_flow_log.log", "a13-otel-vpc.log", 1),
        ("open-telemetry_opentelemetry-collector-contrib__valid_vpc_flow_log_ecs.log", "a14-otel-ecs.log", 1),
        ("opensearch-project_opensearch-catalog__raw.log", "a15-opensearch-raw.log", 775),
        ("optionalg_cloudfwd__cloudwatchlogs_vpcflowlog_lambdaprocessed.sample", "a16-cloudfwd-cwl.txt", 360),
        ("optionalg_cloudfwd__vpc-flow-log.sample", "a17-cloudfwd.log", 10),
    ]

    static let transitGatewayDefault = """
        version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id \
        tgw-src-vpc-id tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni tgw-dst-eni tgw-src-az-id \
        tgw-dst-az-id tgw-pair-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end \
        log-status type packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded packets-lost-ttl-expired \
        tcp-flags region flow-direction pkt-src-aws-service pkt-dst-aws-service
        """
    static let v5Fields = """
        version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action \
        log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type \
        sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path
        """
    static let ecsFields = v5Fields + """
         ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id ecs-container-id \
        ecs-second-container-id ecs-service-name ecs-task-definition-arn ecs-task-arn ecs-task-id
        """

    /// Header-less samples in a custom format, with the `--fields` list that describes them.
    static let customSamples: [(sample: String, fields: String, records: Int)] = [
        ("elastic_beats__custom-transit-gateway.log",
         "version interface-id account-id vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol tcp-flags type pkt-srcaddr pkt-dstaddr action log-status", 1),
        ("elastic_integrations__test-v5-all-fields.log", v5Fields, 1),
        ("elastic_integrations__test-ecs-samples.log", ecsFields, 10),
        ("elastic_integrations__test-v8-samples.log", ecsFields + " reject-reason", 1),
        ("elastic_integrations__test-tgw-samples.log", transitGatewayDefault, 10),
    ]

    @Test("every sample with a header or in the default format comes back field by field")
    func samplesWithHeaderOrDefaultFormat() throws {
        let tmp = try TempDir("samples")
        defer { tmp.remove() }
        let input = tmp.sub("in")
        for s in Self.defaultOrHeaderSamples { try Files.copy(Files.samples + "/" + s.sample, input + "/" + s.name) }
        let arc = tmp.sub("arc")
        let summary = try ingest(arc, [input])
        #expect(summary.failures.isEmpty)
        #expect(summary.inputProblems.isEmpty)
        #expect(summary.filesIngested == Self.defaultOrHeaderSamples.count)

        // Reference: the files in walk order, each parsed on its own.
        let paths = Files.walk(input)
        #expect(paths.count == Self.defaultOrHeaderSamples.count)
        var expected: [RefRecord] = []
        var refs: [String: RefFile] = [:]
        for p in paths {
            let ref = Reference.parse(try Files.decodedText(p), path: p)
            refs[p] = ref
            expected += ref.records
        }
        // The reference agrees with the record counts SOURCES.md gives.
        for s in Self.defaultOrHeaderSamples {
            if let n = s.records { #expect(refs[input + "/" + s.name]?.records.count == n, "\(s.sample)") }
        }

        let contents = try ArchiveContents(arc)
        let problems = compareRecords(contents, expected, keyOf: { $0 })
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")

        // Per-file accounting in the manifest equals the reference's.
        for p in paths {
            let ref = refs[p]!
            let src = try #require(contents.source(keySuffix: "/" + (p as NSString).lastPathComponent), "no source for \(p)")
            #expect(src.lines == UInt64(ref.lines), "\(p) lines")
            #expect(src.records == UInt64(ref.records.count), "\(p) records")
            #expect(src.rejected == UInt64(ref.rejects.count), "\(p) rejected")
            #expect(src.headerLines == UInt64(ref.headerLines), "\(p) headers")
            #expect(src.blankLines == UInt64(ref.blankLines), "\(p) blank")
            #expect(src.status == .ok)
        }
        #expect(checkAccounting(contents.manifest).isEmpty)
        #expect(summary.records == UInt64(expected.count))
        #expect(summary.lines == summary.records + summary.rejected + summary.headerLines + summary.blankLines)
        #expect(contents.manifest.records == UInt64(expected.count))
    }

    @Test("header-less samples in a custom format, read with --fields", arguments: customSamples.indices)
    func customFormatSamples(_ index: Int) throws {
        let s = Self.customSamples[index]
        let tmp = try TempDir("custom\(index)")
        defer { tmp.remove() }
        let file = tmp.sub("in/sample.log")
        try Files.copy(Files.samples + "/" + s.sample, file)
        let mapping = try FieldMapping.parse(userFormat: s.fields)
        let names = s.fields.split(separator: " ").map(String.init)
        #expect(mapping.names == names)
        let arc = tmp.sub("arc")
        let summary = try ingest(arc, [file]) { $0.defaultMapping = mapping }
        #expect(summary.failures.isEmpty)

        let ref = Reference.parse(try Files.read(file), path: file, defaultNames: names)
        #expect(ref.records.count == s.records, "\(s.sample): reference parse")
        #expect(ref.rejects.isEmpty, "\(s.sample): \(ref.rejects)")
        let contents = try ArchiveContents(arc)
        let problems = compareRecords(contents, ref.records, keyOf: { _ in Sys.absolutePath(file) })
        #expect(problems.isEmpty, "\(s.sample):\n\(problems.joined(separator: "\n"))")
        #expect(summary.records == UInt64(s.records))
        #expect(summary.rejected == 0)
    }

    @Test("generated logs (v2, v5, v8; IPv6, NODATA, SKIPDATA) come back field by field",
          arguments: [FlowFormat.v2, .v5, .v8])
    func generatedLogs(_ format: FlowFormat) throws {
        let tmp = try TempDir("gen-\(format)")
        defer { tmp.remove() }
        var g = GeneratorOptions(records: 12_000, files: 3, seed: 11, format: format)
        g.ipv6Fraction = 0.25
        g.threads = 2
        let gen = try FlowGenerator.generate(into: tmp.sub("logs"), options: g)
        let arc = tmp.sub("arc")
        let summary = try ingest(arc, [tmp.sub("logs")]) {
            $0.blockRows = 5_000
            $0.segmentRecords = 3_000  // a segment per file
        }
        #expect(summary.failures.isEmpty)
        #expect(summary.records == 12_000)
        #expect(summary.rejected == 0)
        #expect(summary.headerLines == 3)

        let paths = Files.walk(tmp.sub("logs"))
        #expect(paths == gen.files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        var expected: [RefRecord] = []
        for p in paths { expected += Reference.parse(try Files.decodedText(p), path: p).records }
        #expect(expected.count == 12_000)
        // The data exercises what it should.
        let srcIndex = expected[0].names.firstIndex(of: "srcaddr")!
        let statusIndex = expected[0].names.firstIndex(of: "log-status")!
        #expect(expected.contains { $0.values[srcIndex]?.contains(":") == true }, "no IPv6 address generated")
        #expect(expected.contains { $0.values[statusIndex] == "NODATA" && $0.values[srcIndex] == nil })
        #expect(expected.contains { $0.values[statusIndex] == "SKIPDATA" })

        let contents = try ArchiveContents(arc)
        #expect(contents.batches.count >= 3)
        let problems = compareRecords(contents, expected, keyOf: { p in
            let r = p.range(of: "/AWSLogs/")!
            return String(p[p.index(after: r.lowerBound)...])
        })
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(checkAccounting(contents.manifest).isEmpty)

        // One segment per file (segmentRecords is below every file's size); each source names
        // the segment that holds its records.
        let m = contents.manifest
        #expect(m.segments.count == 3)
        #expect(m.segments.reduce(0) { $0 + $1.records } == 12_000)
        for (i, src) in m.sources.enumerated() where i < m.segments.count {
            #expect(src.segment == m.segments[i].id)
            #expect(src.records == m.segments[i].records)
        }
        // The time range is that of the records.
        let startIndex = expected[0].names.firstIndex(of: "start")!
        let endIndex = expected[0].names.firstIndex(of: "end")!
        let minStart = expected.compactMap { $0.values[startIndex].flatMap { Int64($0) } }.min()
        let maxEnd = expected.compactMap { $0.values[endIndex].flatMap { Int64($0) } }.max()
        #expect(m.segments.compactMap(\.minStart).min() == minStart)
        #expect(m.segments.compactMap(\.maxEnd).max() == maxEnd)
    }

    @Test("a field a header names that flowarc does not know is kept as text, across files of one block")
    func unknownHeaderField() throws {
        let tmp = try TempDir("unknown-field")
        defer { tmp.remove() }
        let h = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
        try Files.write(tmp.sub("in/a.log"), """
            \(h) future-field
            2 123456789012 eni-0a 10.0.0.1 10.0.0.2 443 50000 6 10 840 1700000000 1700000060 ACCEPT OK alpha
            2 123456789012 eni-0a 10.0.0.1 2001:db8::1 443 50001 6 10 840 1700000000 1700000060 ACCEPT OK -
            2 123456789012 eni-0b - - - - - - - 1700000000 1700000060 - NODATA beta

            """)
        try Files.write(tmp.sub("in/b.log"), """
            2 123456789012 eni-0c 10.0.0.3 10.0.0.4 443 50002 6 10 840 1700000000 1700000060 ACCEPT OK
            \(h) other-field future-field
            2 123456789012 eni-0d 10.0.0.5 10.0.0.6 443 50003 6 10 840 1700000000 1700000060 REJECT OK x1 gamma

            """)
        try Files.write(tmp.sub("in/c.log"), """
            2 123456789012 eni-0e 10.0.0.7 10.0.0.8 443 50004 6 10 840 1700000000 1700000060 ACCEPT OK

            """)
        let arc = tmp.sub("arc")
        let summary = try ingest(arc, [tmp.sub("in")])
        #expect(summary.records == 6)
        #expect(summary.rejected == 0)
        var expected: [RefRecord] = []
        for p in Files.walk(tmp.sub("in")) { expected += Reference.parse(try Files.read(p), path: p).records }
        #expect(expected.count == 6)
        let contents = try ArchiveContents(arc)
        #expect(contents.batches.count == 1)
        let problems = compareRecords(contents, expected, keyOf: { $0 })
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        // Rows of files without the field are null in it.
        let b = try #require(contents.batches.first)
        let k = try #require(b.extraIndex("future-field"))
        #expect((0..<b.rowCount).map { b.extras[k].column.value($0) } == ["alpha", nil, "beta", nil, "gamma", nil])
        let o = try #require(b.extraIndex("other-field"))
        #expect((0..<b.rowCount).map { b.extras[o].column.value($0) } == [nil, nil, nil, nil, "x1", nil])
    }
}
