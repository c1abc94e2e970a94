import Testing
@testable import FlowLog

@Suite struct FieldCatalogTests {
    /// Every v2–v8 and Transit Gateway field from FLOWLOGS.md is in the catalog with its version and kind.
    @Test func catalogHasEveryDocumentedField() {
        var problems: [String] = []
        for (name, version, kind) in RefFields.table {
            guard let fid = FieldCatalog.id(of: name) else { problems.append("\(name) missing"); continue }
            let spec = FieldCatalog.spec(fid)
            if spec.name != name { problems.append("\(name): id \(fid) names \(spec.name)") }
            if spec.version != version { problems.append("\(name): version \(spec.version), documented \(version)") }
            let expected: FieldKind
            switch kind {
            case .u8: expected = .uint8
            case .u16: expected = .uint16
            case .u64: expected = .uint64
            case .time: expected = .time
            case .address: expected = .address
            case .string: expected = .string
            }
            if spec.kind != expected { problems.append("\(name): kind \(spec.kind), expected \(expected)") }
        }
        #expect(problems.isEmpty, "\(problems)")
        #expect(FieldCatalog.fields.count == RefFields.table.count)
        #expect(Set(FieldCatalog.fields.map(\.name)).count == FieldCatalog.fields.count, "duplicate names")
        #expect(FieldCatalog.id(of: "Version") == nil)
        #expect(FieldCatalog.id(of: "account_id") == nil)
        #expect(FieldCatalog.id(of: "") == nil)
    }

    @Test func lookupByBytesMatchesLookupByName() {
        for spec in FieldCatalog.fields {
            let bytes = Array(spec.name.utf8)
            #expect(bytes.withUnsafeBytes { FieldCatalog.id(ofBytes: $0) } == FieldCatalog.id(of: spec.name))
        }
        let unknown = Array("x-not-a-field".utf8)
        #expect(unknown.withUnsafeBytes { FieldCatalog.id(ofBytes: $0) } == nil)
    }

    @Test func defaultFormats() {
        #expect(FieldCatalog.defaultFormat == Formats.v2)
        #expect(FieldMapping.defaultV2.names == Formats.v2)
        #expect(FieldMapping.defaultV2.fieldIDs == Formats.v2.map { FieldCatalog.id(of: $0)! })
        #expect(Formats.tgw36.count == 36)
        #expect(Formats.ecs39.count == 39 && Formats.v8Forty.count == 40 && Formats.v5All.count == 29)
        #expect(FieldCatalog.spec(FieldCatalog.srcaddr).name == "srcaddr")
        #expect(FieldCatalog.spec(FieldCatalog.end).name == "end")
        #expect(FieldCatalog.spec(id("tcp-flags")).athenaName == "tcp_flags")
    }
}

@Suite struct FieldMappingTests {
    @Test(arguments: [
        ("${version} ${srcaddr}", ["version", "srcaddr"]),
        ("version srcaddr", ["version", "srcaddr"]),
        ("version,srcaddr", ["version", "srcaddr"]),
        ("version, srcaddr ,dstaddr", ["version", "srcaddr", "dstaddr"]),
        ("  ${version}\t${account-id}  ", ["version", "account-id"]),
        ("${instance-id} ${interface-id} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${pkt-dstaddr}",
         ["instance-id", "interface-id", "srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr"]),
        ("version srcaddr x-future-field", ["version", "srcaddr", "x-future-field"]),
        ("srcaddr", ["srcaddr"]),
    ])
    func parsesUserFormats(_ text: String, _ names: [String]) throws {
        let m = try FieldMapping.parse(userFormat: text)
        #expect(m.names == names)
        #expect(m.count == names.count)
        #expect(m.fieldIDs == names.map { FieldCatalog.id(of: $0) ?? -1 })
        #expect(m.description == names.joined(separator: " "))
    }

    @Test func awsLogFormatStrings() throws {
        let ir = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} "
            + "${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${type} "
            + "${pkt-srcaddr} ${pkt-dstaddr} ${region} ${az-id} ${sublocation-type} ${sublocation-id} ${pkt-src-aws-service} "
            + "${pkt-dst-aws-service} ${flow-direction} ${traffic-path}"
        #expect(try FieldMapping.parse(userFormat: ir).names == Formats.v5All)
        #expect(try FieldMapping.parse(userFormat: Formats.tgw36.joined(separator: " ")).names == Formats.tgw36)
        #expect(try FieldMapping.parse(userFormat: Formats.tgwPath17.joined(separator: ",")).names == Formats.tgwPath17)
        #expect(try FieldMapping.parse(userFormat: Formats.v2.joined(separator: " ")) == .defaultV2)
    }

    @Test(arguments: [
        "version srcaddr version",          // duplicate
        "${srcaddr},${srcaddr}",            // duplicate in ${} form
        "foo bar",                          // no known field
        "x-one",                            // no known field
        "",                                 // empty
        "   ,, ",                           // only separators
        "Version srcaddr",                  // uppercase is not a field name
        "version src_addr",                 // underscore (Athena style) is not a field name
        "version $srcaddr",                 // garbage
        "${version srcaddr}",               // unbalanced ${
        "version 1abc",                     // starts with a digit
        "version -",                        // a hyphen alone
        "version;srcaddr",                  // wrong separator
        "{version}",
    ])
    func rejectsBadUserFormats(_ text: String) {
        #expect(throws: FormatSpecError.self) { try FieldMapping.parse(userFormat: text) }
    }

    @Test func errorMessagesSayWhatIsWrong() {
        func message(_ t: String) -> String {
            do { _ = try FieldMapping.parse(userFormat: t); return "no error" } catch { return "\(error)" }
        }
        #expect(message("version srcaddr version").contains("'version' is listed twice"))
        #expect(message("foo bar").contains("none of the fields"))
        #expect(message("").contains("empty"))
        #expect(message("version Bad").contains("'Bad' is not a field name"))
    }
}
