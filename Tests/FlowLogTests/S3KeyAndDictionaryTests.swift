import FlowSupport
import Testing
@testable import FlowLog

@Suite struct S3KeyInfoTests {
    @Test func defaultLayout() {
        let p = "s3://my-bucket/prefix/AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/"
            + "123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz"
        let info = S3KeyInfo.parse(path: p)
        #expect(info.key == "AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/"
                + "123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz")
        #expect(info.account == "123456789012")
        #expect(info.region == "us-east-1")
        #expect(info.date == "2018/06/20")
        #expect(info.flowLogID == "fl-1234abcd")
    }

    @Test func realKeyFromStrickos() {
        let p = "AWSLogs/034496339141/vpcflowlogs/us-east-1/2019/06/05/"
            + "034496339141_vpcflowlogs_us-east-1_fl-093a2bd1f31cac72f_20190605T0835Z_8246457e.log.gz"
        #expect(S3KeyInfo.parse(path: p) == S3KeyInfo(key: p, account: "034496339141", region: "us-east-1",
                                                      date: "2019/06/05", flowLogID: "fl-093a2bd1f31cac72f"))
    }

    @Test func hiveLayout() {
        let p = "/data/bucket/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/"
            + "year=2024/month=01/day=05/111122223333_vpcflowlogs_eu-west-1_fl-0aa1a90b428bc0321_20240105T2355Z_b522ac4a.log.gz"
        let info = S3KeyInfo.parse(path: p)
        #expect(info.key == String(p.dropFirst("/data/bucket/".count)))
        #expect(info.account == "111122223333")
        #expect(info.region == "eu-west-1")
        #expect(info.date == "2024/01/05")
        #expect(info.flowLogID == "fl-0aa1a90b428bc0321")
    }

    @Test func hiveHourlyLayout() {
        let p = "AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=ap-southeast-2/"
            + "year=2023/month=12/day=31/hour=23/111122223333_vpcflowlogs_ap-southeast-2_fl-1234abcd_20231231T2355Z_00aa11bb.log.gz"
        let info = S3KeyInfo.parse(path: p)
        #expect(info.account == "111122223333" && info.region == "ap-southeast-2" && info.date == "2023/12/31")
    }

    @Test func hourlyLayout() {
        let p = "bucket/AWSLogs/123456789012/vpcflowlogs/us-west-2/2024/02/29/13/"
            + "123456789012_vpcflowlogs_us-west-2_fl-1234abcd_20240229T1305Z_fe123456.log.gz"
        let info = S3KeyInfo.parse(path: p)
        #expect(info.key == String(p.dropFirst("bucket/".count)))
        #expect(info.account == "123456789012")
        #expect(info.region == "us-west-2")
        #expect(info.date == "2024/02/29")
        #expect(info.flowLogID == "fl-1234abcd")
    }

    @Test func folderWinsOverFileName() {
        // A file copied under another day's folder: the folder is the partition.
        let p = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/03/01/"
            + "999999999999_vpcflowlogs_eu-north-1_fl-1234abcd_20240229T2355Z_fe123456.log.gz"
        let info = S3KeyInfo.parse(path: p)
        #expect(info.account == "123456789012" && info.region == "us-east-1" && info.date == "2024/03/01")
        #expect(info.flowLogID == "fl-1234abcd")
    }

    @Test func fileNameFallbackOutsideAWSLogs() {
        let info = S3KeyInfo.parse(path: "/tmp/downloads/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz")
        #expect(info.key == nil)
        #expect(info.account == "123456789012")
        #expect(info.region == "us-east-1")
        #expect(info.date == "2018/06/20")
        #expect(info.flowLogID == "fl-1234abcd")
        let bare = S3KeyInfo.parse(path: "869065819144_vpcflowlogs_us-east-1_fl-0aa1a90b428bc0321_20181004T2115Z_b522ac4a.log.gz")
        #expect(bare == S3KeyInfo(key: nil, account: "869065819144", region: "us-east-1", date: "2018/10/04",
                                  flowLogID: "fl-0aa1a90b428bc0321"))
    }

    @Test(arguments: [
        "/var/log/flows/vpc_flow_in.log",
        "flows.log.gz",
        "",
        "/",
        "AWSLogs",
        "AWSLogs/123456789012/cloudtrail/us-east-1/2024/01/05/x.json.gz",
        "AWSLogs/123456789012/vpcflowlogs/us-east-1/24/1/5/x.log.gz",
        "a_b_c_d_e_f.log",
        "123456789012_vpcflowlogs_us-east-1_notfl_20180620T1620Z_fe123456.log.gz",
    ])
    func pathsWithoutLayout(_ path: String) {
        let info = S3KeyInfo.parse(path: path)
        #expect(info.account == nil && info.region == nil && info.date == nil && info.flowLogID == nil)
        if !path.contains("AWSLogs") { #expect(info.key == nil) }
    }
}

@Suite struct ByteDictionaryTests {
    @Test func codesInFirstSeenOrder() {
        var d = ByteDictionary()
        #expect(d.count == 0)
        #expect(d.intern("ACCEPT") == 1)
        #expect(d.intern("REJECT") == 2)
        #expect(d.intern("ACCEPT") == 1)
        #expect(d.intern("-") == 3)
        #expect(d.intern([UInt8]("REJECT".utf8)) == 2)
        let bytes = Array("OK".utf8)
        #expect(bytes.withUnsafeBytes { d.intern($0) } == 4)
        #expect(d.count == 4)
        #expect(d.string(1) == "ACCEPT" && d.string(2) == "REJECT" && d.string(3) == "-" && d.string(4) == "OK")
        #expect(Array(d.value(2)) == Array("REJECT".utf8))
        #expect(d.arena == Array("ACCEPTREJECT-OK".utf8))
        #expect(d.offsets == [0, 6, 12, 13, 15])
    }

    /// Values of every length from 0 to 40 (each hash path: byte by byte, two 4-byte words, whole
    /// 8-byte words with an overlapping last one), values that differ in one byte anywhere, a
    /// dictionary made with room reserved for fewer values than it gets: every value keeps one
    /// code, and codes follow first sight.
    @Test func valuesOfEveryLengthAndReservedRoom() {
        var values: [[UInt8]] = []
        for n in 0...40 {
            let base = (0..<n).map { UInt8(0x61 + $0 % 26) }
            values.append(base)
            for i in 0..<n { var v = base; v[i] ^= 0x20; values.append(v) }
        }
        for reserved in [0, 10, values.count] {
            var d = reserved == 0 ? ByteDictionary() : ByteDictionary(reservingCapacity: reserved, bytes: reserved * 8)
            for (k, v) in values.enumerated() { #expect(d.intern(v) == UInt32(k + 1), "\(v)") }
            for (k, v) in values.enumerated().reversed() { #expect(d.intern(v) == UInt32(k + 1)) }
            #expect(d.count == values.count)
            let rebuilt = ByteDictionary(arena: d.arena, offsets: d.offsets)
            var copy = rebuilt
            for (k, v) in values.enumerated() { #expect(copy.intern(v) == UInt32(k + 1)) }
        }
    }

    @Test func emptyValue() {
        var d = ByteDictionary()
        #expect(d.intern("") == 1)
        #expect(d.intern("a") == 2)
        #expect(d.intern("") == 1)
        #expect(d.intern([UInt8]()) == 1)
        #expect(d.string(1) == "")
        #expect(d.value(1).isEmpty)
        var e = ByteDictionary()
        #expect(e.intern("x") == 1)
        #expect(e.intern("") == 2)
        #expect(e.intern("") == 2)
        #expect(e.count == 2)
    }

    @Test func prefixesAndBinaryValuesAreDistinct() {
        var d = ByteDictionary()
        let values: [[UInt8]] = [[], [0], [0, 0], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0], [1], [1, 0],
                                 Array("eni-0123456789abcdef0".utf8), Array("eni-0123456789abcdef1".utf8),
                                 Array("eni-0123456789abcdef".utf8), [0xFF, 0xFE], Array("é".utf8)]
        for (i, v) in values.enumerated() { #expect(d.intern(v) == UInt32(i + 1)) }
        for (i, v) in values.enumerated() { #expect(d.intern(v) == UInt32(i + 1)); #expect(Array(d.value(UInt32(i + 1))) == v) }
    }

    /// A dictionary built over existing values (as the parser hands its tables on, and as an
    /// archive reader rebuilds them) keeps the codes and finds every value, whatever its size.
    @Test func initFromArenaAndOffsets() throws {
        @Sendable func check(_ n: Int) -> String? {
            var arena: [UInt8] = []
            var offsets: [UInt32] = [0]
            for i in 0..<n {
                arena += Array("v\(i)".utf8)
                offsets.append(UInt32(arena.count))
            }
            var d = ByteDictionary(arena: arena, offsets: offsets)
            if d.count != n { return "\(n): count \(d.count)" }
            for i in 0..<n where d.intern("v\(i)") != UInt32(i + 1) || d.string(UInt32(i + 1)) != "v\(i)" {
                return "\(n): value v\(i) has another code"
            }
            if d.intern("new value") != UInt32(n + 1) { return "\(n): a new value does not get the next code" }
            return nil
        }
        for n in [1, 2, 31, 32, 33, 63, 64] { #expect(check(n) == nil) }
        // Above 64 values (more than the first table holds), in one guarded run: a hang stops here.
        let big = withDeadline(seconds: 3) { [65, 1000, 70_000].compactMap { check($0) } }
        let problems = try #require(big, "ByteDictionary(arena:offsets:) with 65 values did not finish within 3 s")
        #expect(problems.isEmpty, "\(problems)")
    }

    /// 100 000 values through many table growths, checked against a Swift Dictionary.
    @Test func manyValuesAgainstReference() {
        var d = ByteDictionary()
        var reference: [[UInt8]: UInt32] = [:]
        var order: [[UInt8]] = []
        var rng = SplitMix64(seed: 100_000)
        var wrong: [String] = []
        for i in 0..<100_000 {
            let v: [UInt8] = i % 3 == 0
                ? Array("eni-\(String(i, radix: 16))".utf8)
                : (0..<rng.below(24)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let code = d.intern(v)
            if let known = reference[v] {
                if code != known { wrong.append("repeat \(v): \(code) != \(known)") }
            } else {
                order.append(v)
                reference[v] = UInt32(order.count)
                if code != UInt32(order.count) { wrong.append("new \(v): \(code) != \(order.count)") }
            }
            // Repeats of earlier values keep their code.
            if i % 7 == 0 {
                let old = order[rng.below(order.count)]
                if d.intern(old) != reference[old]! { wrong.append("old \(old) changed code") }
            }
        }
        #expect(d.count == order.count)
        for (i, v) in order.enumerated() {
            if Array(d.value(UInt32(i + 1))) != v { wrong.append("value(\(i + 1))") }
            if d.intern(v) != UInt32(i + 1) { wrong.append("final intern \(i + 1)") }
        }
        #expect(d.count == order.count)
        #expect(order.count > 90_000)
        #expect(wrong.isEmpty, "\(wrong.count) wrong: \(wrong.prefix(5))")
    }
}
