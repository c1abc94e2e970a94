/// A type named in `CAST(x AS type)` or a typed literal (`IPADDRESS '10.0.0.0'`).
///
/// Accepted spellings (case-insensitive): BOOLEAN, TINYINT, SMALLINT, INTEGER / INT, BIGINT, REAL,
/// DOUBLE / DOUBLE PRECISION, DECIMAL[(p[, s])], VARCHAR[(n)], CHAR[(n)], VARBINARY, JSON, UUID,
/// DATE, TIME[(p)] [WITH TIME ZONE], TIMESTAMP[(p)] [WITH[OUT] TIME ZONE], IPADDRESS, IPPREFIX,
/// ARRAY(t), MAP(k, v).
public indirect enum SQLType: Sendable, Hashable, CustomStringConvertible {
    case boolean
    case tinyint
    case smallint
    case integer
    case bigint
    case real
    case double
    case decimal(precision: Int?, scale: Int?)
    case varchar(length: Int?)
    case char(length: Int?)
    case varbinary
    case json
    case uuid
    case date
    case time(precision: Int?, withTimeZone: Bool)
    case timestamp(precision: Int?, withTimeZone: Bool)
    case ipaddress
    case ipprefix
    case array(SQLType)
    case map(SQLType, SQLType)

    /// Canonical spelling: `BIGINT`, `VARCHAR(10)`, `TIMESTAMP(3) WITH TIME ZONE`, `ARRAY(VARCHAR)`.
    public var description: String {
        func params(_ values: Int?...) -> String {
            let present = values.compactMap { $0 }
            return present.isEmpty ? "" : "(" + present.map(String.init).joined(separator: ", ") + ")"
        }
        switch self {
        case .boolean: return "BOOLEAN"
        case .tinyint: return "TINYINT"
        case .smallint: return "SMALLINT"
        case .integer: return "INTEGER"
        case .bigint: return "BIGINT"
        case .real: return "REAL"
        case .double: return "DOUBLE"
        case .decimal(let p, let s): return "DECIMAL" + params(p, p == nil ? nil : s)
        case .varchar(let n): return "VARCHAR" + params(n)
        case .char(let n): return "CHAR" + params(n)
        case .varbinary: return "VARBINARY"
        case .json: return "JSON"
        case .uuid: return "UUID"
        case .date: return "DATE"
        case .time(let p, let tz): return "TIME" + params(p) + (tz ? " WITH TIME ZONE" : "")
        case .timestamp(let p, let tz): return "TIMESTAMP" + params(p) + (tz ? " WITH TIME ZONE" : "")
        case .ipaddress: return "IPADDRESS"
        case .ipprefix: return "IPPREFIX"
        case .array(let t): return "ARRAY(\(t))"
        case .map(let k, let v): return "MAP(\(k), \(v))"
        }
    }

    /// The type a bare (unparameterised) name denotes, for typed literals and CAST.
    static func simple(_ lowercaseName: String) -> SQLType? {
        switch lowercaseName {
        case "boolean": return .boolean
        case "tinyint": return .tinyint
        case "smallint": return .smallint
        case "integer", "int": return .integer
        case "bigint": return .bigint
        case "real": return .real
        case "double": return .double
        case "decimal": return .decimal(precision: nil, scale: nil)
        case "varchar": return .varchar(length: nil)
        case "char": return .char(length: nil)
        case "varbinary": return .varbinary
        case "json": return .json
        case "uuid": return .uuid
        case "date": return .date
        case "time": return .time(precision: nil, withTimeZone: false)
        case "timestamp": return .timestamp(precision: nil, withTimeZone: false)
        case "ipaddress": return .ipaddress
        case "ipprefix": return .ipprefix
        default: return nil
        }
    }

    /// Hints for names other dialects use.
    static func suggestion(for lowercaseName: String) -> String? {
        switch lowercaseName {
        case "string", "text": return "did you mean VARCHAR?"
        case "long", "int64", "int8": return "did you mean BIGINT?"
        case "int4", "int32": return "did you mean INTEGER?"
        case "float", "float8", "float64", "number", "numeric": return "did you mean DOUBLE (or DECIMAL)?"
        case "bool": return "did you mean BOOLEAN?"
        case "datetime": return "did you mean TIMESTAMP?"
        case "inet", "ip": return "did you mean IPADDRESS?"
        case "cidr": return "did you mean IPPREFIX?"
        default: return nil
        }
    }
}
