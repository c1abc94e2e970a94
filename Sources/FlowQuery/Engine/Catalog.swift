import FlowLog

/// The SQL type of a column or expression, as Athena (Trino) sees it.
public enum ValueType: Sendable, Equatable, CustomStringConvertible {
    case bigint
    case double
    case varchar
    case boolean
    case ipaddress
    case timestamp
    /// Days since 1970-01-01 (Trino's DATE).
    case date
    case array(ElementType)
    case unknown  // NULL literal

    public enum ElementType: Sendable, Equatable { case bigint, varchar, ipaddress, timestamp, double, boolean }

    public var description: String {
        switch self {
        case .bigint: return "bigint"
        case .double: return "double"
        case .varchar: return "varchar"
        case .boolean: return "boolean"
        case .ipaddress: return "ipaddress"
        case .timestamp: return "timestamp"
        case .date: return "date"
        case .array(let e): return "array(\(e))"
        case .unknown: return "unknown"
        }
    }
}

/// Where a table column's values come from in the archive.
public struct ColumnDef: Sendable, Equatable {
    /// The column's name in the archive (`srcaddr`, `$source`, `date_partition`, ...).
    public let archiveName: String
    public let kind: FieldKind
    /// The type Athena gives it. Address columns are VARCHAR in Athena's flow log tables (their
    /// text form is what LIKE and string comparison see), stored here as 128-bit addresses.
    public var type: ValueType {
        switch kind {
        case .string, .address: return .varchar
        default: return .bigint
        }
    }
}

/// The column names a query may use. Three naming schemes answer at once: the AWS field names
/// (`"flow-direction"`, quoted because of the hyphen), the Athena DDL names from AWS's
/// documentation (`srcaddr`, `log_status`, `flow_direction`, ...), and the names of the AWS
/// Security Analytics Bootstrap and incident-response workshop tables (`sourceaddress`,
/// `numpackets`, `starttime`, `logstatus`, `pkt_src_aws_service`, ...), plus the partition
/// columns `date_partition` ('YYYY/MM/DD'), `region_partition` and `account_partition` (also
/// under the names of AWS's Athena tables: `date` as a DATE, `dt` as 'YYYY-MM-DD', `day`, `accid`).
public enum Catalog {
    /// Bootstrap / workshop names (awslabs/aws-security-analytics-bootstrap
    /// `create_vpcflowlog_table.sql`; aws-samples/aws-incident-response-playbooks-workshop
    /// `workshop_stack.py`), mapped to field names.
    static let analyticsNames: [String: String] = [
        "account": "account-id", "interfaceid": "interface-id", "sourceaddress": "srcaddr",
        "destinationaddress": "dstaddr", "sourceport": "srcport", "destinationport": "dstport",
        "numpackets": "packets", "numbytes": "bytes", "starttime": "start", "endtime": "end",
        "logstatus": "log-status", "vpcid": "vpc-id", "subnetid": "subnet-id", "instanceid": "instance-id",
        "tcpflags": "tcp-flags", "pktsrcaddr": "pkt-srcaddr", "pktdstaddr": "pkt-dstaddr", "azid": "az-id",
        "sublocationtype": "sublocation-type", "sublocationid": "sublocation-id",
        "pktsrcawsservice": "pkt-src-aws-service", "pktdstawsservice": "pkt-dst-aws-service",
        "flowdirection": "flow-direction", "trafficpath": "traffic-path",
    ]

    static let columns: [String: ColumnDef] = {
        var d: [String: ColumnDef] = [:]
        for f in FieldCatalog.fields {
            let def = ColumnDef(archiveName: f.name, kind: f.kind)
            d[f.name] = def                                   // "flow-direction"
            d[f.name.replacingHyphens()] = def                // flow_direction (Athena DDL)
        }
        for (alias, field) in analyticsNames { d[alias] = ColumnDef(archiveName: field, kind: FieldCatalog.spec(FieldCatalog.id(of: field)!).kind) }
        for f in FieldCatalog.derived { d[f.name] = ColumnDef(archiveName: f.name, kind: .string) }
        // The partition columns of AWS's partition-projection table for flow logs (Athena
        // documentation: `PARTITIONED BY (accid string, region string, day string)`, day as
        // 'yyyy/MM/dd'); its region is the S3 key's, which is the records' region.
        d["accid"] = d["account_partition"]
        d["day"] = d["date_partition"]
        return d
    }()

    /// The column a (lowercased, unless quoted) name refers to.
    /// `event_date`: the UTC day of `start` as 'YYYY-MM-DD'. Not an AWS column: AWS's own "Daily
    /// Transfer Report on Top 10 Internal IPs" demo query (Security Analytics Bootstrap and the
    /// incident-response workshop) groups by it, but no published DDL defines it, so Athena
    /// rejects that query. flowarc defines it so the query runs as written, meaning what its
    /// name says: the day the flow started.
    public static let eventDate = "event_date"

    /// `date`: the delivery day in the file's S3 key (`date_partition`) as a DATE, the partition
    /// column of the table in AWS's Athena documentation (`PARTITIONED BY (\`date\` date)`, one
    /// partition per `.../YYYY/MM/DD/` prefix), whose example queries filter on it (`WHERE date >
    /// current_date - interval '7' day`) and read it (`day_of_week(date)`). NULL for a file
    /// outside that layout.
    public static let partitionDate = "date"

    /// `dt`: the delivery day in the file's S3 key as text 'YYYY-MM-DD', the partition column of
    /// the flow-log table in earlier editions of AWS's Athena documentation (`PARTITIONED BY (dt
    /// string)`, `ADD PARTITION (dt='YYYY-MM-dd') location '.../YYYY/MM/dd'`), whose example
    /// query reads it as `day_of_week(from_iso8601_timestamp(dt))`. NULL outside that layout.
    public static let partitionDashedDate = "dt"

    public static func column(_ name: String) -> ColumnDef? { columns[name] ?? columns[name.lowercased()] }

    /// Every name, for "did you mean" suggestions and `SELECT *` (one name per column).
    public static var allNames: [String] { Array(columns.keys) }

    /// The columns `SELECT *` returns, named as the bootstrap table names them (the schema most
    /// analysts' saved queries use), then the fields that table does not have, then partitions.
    public static let starColumns: [(name: String, def: ColumnDef)] = {
        var out: [(String, ColumnDef)] = []
        let bootstrapOrder = ["version", "account", "interfaceid", "sourceaddress", "destinationaddress", "sourceport",
                              "destinationport", "protocol", "numpackets", "numbytes", "starttime", "endtime", "action",
                              "logstatus", "vpcid", "subnetid", "instanceid", "tcpflags", "type", "pktsrcaddr", "pktdstaddr",
                              "region", "azid", "sublocationtype", "sublocationid", "pktsrcawsservice", "pktdstawsservice",
                              "flowdirection", "trafficpath"]
        var used = Set<String>()
        for n in bootstrapOrder { let c = columns[n]!; out.append((n, c)); used.insert(c.archiveName) }
        for f in FieldCatalog.fields where !used.contains(f.name) {
            out.append((f.name.replacingHyphens(), columns[f.name]!))
        }
        for f in ["date_partition", "region_partition", "account_partition"] { out.append((f, columns[f]!)) }
        return out
    }()

    /// Up to three known names closest to `name` (edit distance), for error messages.
    public static func suggestions(for name: String) -> [String] {
        let scored = allNames.map { ($0, editDistance(name, $0)) }.filter { $0.1 <= max(2, name.count / 3) }
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(3).map(\.0)
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var prev = Array(0...y.count)
        var cur = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            cur[0] = i
            for j in 1...y.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[y.count]
    }
}

extension String {
    func replacingHyphens() -> String { String(map { $0 == "-" ? "_" : $0 }) }
}
