/// How a field's value is stored. The record text of every field is a string; these are the
/// types its text must parse as (a field that does not parse rejects the line).
public enum FieldKind: UInt8, Sendable, CaseIterable {
    /// Unsigned integer, at most 255 (protocol, version, traffic-path).
    case uint8 = 1
    /// Unsigned integer, at most 65 535 (ports, tcp-flags).
    case uint16 = 2
    /// Unsigned integer, at most 2^63 - 1 (packets, bytes, packets-lost-*): AWS documents them as
    /// INT_64 and Athena's DDL as bigint, so a larger value is not a count but damage.
    case uint64 = 4
    /// Unix seconds (start, end), stored signed 64-bit.
    case time = 5
    /// IPv4 or IPv6 address.
    case address = 6
    /// Opaque text, dictionary-encoded.
    case string = 7

    public var isInteger: Bool { self != .address && self != .string }

    /// The largest value a field of this kind may hold.
    public var maxValue: UInt64 {
        switch self {
        case .uint8: return 255
        case .uint16: return 65_535
        case .uint64, .time: return UInt64(Int64.max)
        default: return UInt64.max
        }
    }
}

/// One known flow log field: its name in the header line (the `${field-id}`), the version that
/// introduced it, and its kind. Source: ../shared/FLOWLOGS.md §3 and §10.
public struct FieldSpec: Sendable, Equatable {
    public let name: String
    public let version: Int
    public let kind: FieldKind
    /// The Athena column name in AWS's documented DDL (hyphens become underscores; `end` etc. stay).
    public var athenaName: String { name.replacingOccurrences(of: "-", with: "_") }
}

private extension String {
    func replacingOccurrences(of a: Character, with b: Character) -> String {
        String(map { $0 == a ? b : $0 })
    }
}

public enum FieldCatalog {
    /// Every field of VPC flow log versions 2 to 8 (in AWS's table order), then the Transit Gateway
    /// flow log fields (version 6). Indices into this array are the stable "known field ids".
    public static let fields: [FieldSpec] = [
        // v2: the default format
        FieldSpec(name: "version", version: 2, kind: .uint8),
        FieldSpec(name: "account-id", version: 2, kind: .string),
        FieldSpec(name: "interface-id", version: 2, kind: .string),
        FieldSpec(name: "srcaddr", version: 2, kind: .address),
        FieldSpec(name: "dstaddr", version: 2, kind: .address),
        FieldSpec(name: "srcport", version: 2, kind: .uint16),
        FieldSpec(name: "dstport", version: 2, kind: .uint16),
        FieldSpec(name: "protocol", version: 2, kind: .uint8),
        FieldSpec(name: "packets", version: 2, kind: .uint64),
        FieldSpec(name: "bytes", version: 2, kind: .uint64),
        FieldSpec(name: "start", version: 2, kind: .time),
        FieldSpec(name: "end", version: 2, kind: .time),
        FieldSpec(name: "action", version: 2, kind: .string),
        FieldSpec(name: "log-status", version: 2, kind: .string),
        // v3
        FieldSpec(name: "vpc-id", version: 3, kind: .string),
        FieldSpec(name: "subnet-id", version: 3, kind: .string),
        FieldSpec(name: "instance-id", version: 3, kind: .string),
        FieldSpec(name: "tcp-flags", version: 3, kind: .uint16),
        FieldSpec(name: "type", version: 3, kind: .string),
        FieldSpec(name: "pkt-srcaddr", version: 3, kind: .address),
        FieldSpec(name: "pkt-dstaddr", version: 3, kind: .address),
        // v4
        FieldSpec(name: "region", version: 4, kind: .string),
        FieldSpec(name: "az-id", version: 4, kind: .string),
        FieldSpec(name: "sublocation-type", version: 4, kind: .string),
        FieldSpec(name: "sublocation-id", version: 4, kind: .string),
        // v5
        FieldSpec(name: "pkt-src-aws-service", version: 5, kind: .string),
        FieldSpec(name: "pkt-dst-aws-service", version: 5, kind: .string),
        FieldSpec(name: "flow-direction", version: 5, kind: .string),
        FieldSpec(name: "traffic-path", version: 5, kind: .uint8),
        // v7: ECS
        FieldSpec(name: "ecs-cluster-arn", version: 7, kind: .string),
        FieldSpec(name: "ecs-cluster-name", version: 7, kind: .string),
        FieldSpec(name: "ecs-container-instance-arn", version: 7, kind: .string),
        FieldSpec(name: "ecs-container-instance-id", version: 7, kind: .string),
        FieldSpec(name: "ecs-container-id", version: 7, kind: .string),
        FieldSpec(name: "ecs-second-container-id", version: 7, kind: .string),
        FieldSpec(name: "ecs-service-name", version: 7, kind: .string),
        FieldSpec(name: "ecs-task-definition-arn", version: 7, kind: .string),
        FieldSpec(name: "ecs-task-arn", version: 7, kind: .string),
        FieldSpec(name: "ecs-task-id", version: 7, kind: .string),
        // v8
        FieldSpec(name: "reject-reason", version: 8, kind: .string),
        // Transit Gateway flow logs (v6 fields; srcaddr etc. are shared with VPC flow logs)
        FieldSpec(name: "resource-type", version: 6, kind: .string),
        FieldSpec(name: "tgw-id", version: 6, kind: .string),
        FieldSpec(name: "tgw-attachment-id", version: 6, kind: .string),
        FieldSpec(name: "tgw-src-vpc-account-id", version: 6, kind: .string),
        FieldSpec(name: "tgw-dst-vpc-account-id", version: 6, kind: .string),
        FieldSpec(name: "tgw-src-vpc-id", version: 6, kind: .string),
        FieldSpec(name: "tgw-dst-vpc-id", version: 6, kind: .string),
        FieldSpec(name: "tgw-src-subnet-id", version: 6, kind: .string),
        FieldSpec(name: "tgw-dst-subnet-id", version: 6, kind: .string),
        FieldSpec(name: "tgw-src-eni", version: 6, kind: .string),
        FieldSpec(name: "tgw-dst-eni", version: 6, kind: .string),
        FieldSpec(name: "tgw-src-az-id", version: 6, kind: .string),
        FieldSpec(name: "tgw-dst-az-id", version: 6, kind: .string),
        FieldSpec(name: "tgw-pair-attachment-id", version: 6, kind: .string),
        FieldSpec(name: "packets-lost-no-route", version: 6, kind: .uint64),
        FieldSpec(name: "packets-lost-blackhole", version: 6, kind: .uint64),
        FieldSpec(name: "packets-lost-mtu-exceeded", version: 6, kind: .uint64),
        FieldSpec(name: "packets-lost-ttl-expired", version: 6, kind: .uint64),
    ]

    /// Columns flowarc adds to every record from where it came from (not in the log text).
    public static let derived: [FieldSpec] = [
        FieldSpec(name: "account_partition", version: 0, kind: .string),
        FieldSpec(name: "region_partition", version: 0, kind: .string),
        FieldSpec(name: "date_partition", version: 0, kind: .string),
    ]

    /// The default (version 2) format, used for files without a header line.
    public static let defaultFormat: [String] = [
        "version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
        "protocol", "packets", "bytes", "start", "end", "action", "log-status",
    ]

    private static let byName: [String: Int] = {
        var d: [String: Int] = [:]
        for (i, f) in fields.enumerated() { d[f.name] = i }
        return d
    }()

    public static func id(of name: String) -> Int? { byName[name] }

    /// Looks a header token up without building a String unless it could be a field name.
    public static func id(ofBytes token: UnsafeRawBufferPointer) -> Int? {
        if token.count == 0 || token.count > 40 { return nil }
        return byName[String(decoding: token, as: UTF8.self)]
    }

    public static func spec(_ id: Int) -> FieldSpec { fields[id] }

    public static let srcaddr = id(of: "srcaddr")!
    public static let dstaddr = id(of: "dstaddr")!
    public static let start = id(of: "start")!
    public static let end = id(of: "end")!
}
