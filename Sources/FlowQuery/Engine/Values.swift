import FlowLog
import FlowSupport

/// A result value, as printed and compared after execution (strings exist only here, once per
/// result row, never per scanned row).
public enum Value: Hashable, Sendable, Comparable, CustomStringConvertible {
    case null
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case string(String)
    case ip(IPAddress)
    /// Milliseconds since the epoch, UTC (Trino's `timestamp(3)`).
    case timestamp(Int64)
    /// Days since 1970-01-01 (Trino's DATE).
    case date(Int64)
    case array([Value])

    public var isNull: Bool { if case .null = self { return true }; return false }

    /// The text form Trino prints.
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .int(let v): return String(v)
        case .double(let d): return Value.formatDouble(d)
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return s
        case .ip(let a): return a.description
        case .timestamp(let ms): return Value.formatTimestamp(ms)
        case .date(let days): return Value.formatDate(days)
        case .array(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }

    static func formatDouble(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) + ".0" }
        return String(d)
    }

    static func formatTimestamp(_ ms: Int64) -> String {
        let secs = DateFunctions.floorDiv(ms, 1000)
        let frac = Int(ms - secs * 1000)
        let c = UTCTime.civil(secs)
        func p(_ v: Int, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        return "\(p(c.year, 4))-\(p(c.month, 2))-\(p(c.day, 2)) \(p(c.hour, 2)):\(p(c.minute, 2)):\(p(c.second, 2)).\(p(frac, 3))"
    }

    /// `YYYY-MM-DD`, as Trino prints a DATE.
    static func formatDate(_ days: Int64) -> String {
        String(formatTimestamp(days &* 86_400_000).prefix { $0 != " " })
    }

    private var rank: Int {
        switch self {
        case .null: return 9
        case .bool: return 0
        case .int, .double: return 1
        case .string: return 2
        case .ip: return 3
        case .timestamp: return 4
        case .date: return 6
        case .array: return 5
        }
    }

    /// Ordering for ORDER BY and min/max: numbers numerically, text bytewise (UTF-8, as Trino's
    /// varchar), addresses as 128-bit values (Trino's IPADDRESS), NULL after everything.
    public static func < (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y
        case (.int(let x), .double(let y)): return Double(x) < y
        case (.double(let x), .int(let y)): return x < Double(y)
        case (.double(let x), .double(let y)): return x < y
        case (.string(let x), .string(let y)): return x.utf8.lexicographicallyPrecedes(y.utf8)
        case (.ip(let x), .ip(let y)): return x < y
        case (.timestamp(let x), .timestamp(let y)): return x < y
        case (.date(let x), .date(let y)): return x < y
        case (.bool(let x), .bool(let y)): return !x && y
        case (.array(let x), .array(let y)): return x.lexicographicallyPrecedes(y)
        default: return a.rank < b.rank
        }
    }
}

/// A value while a row is evaluated. Text read from the archive stays a reference to its
/// block dictionary entry, and address columns stay 128-bit values whose text form is made only
/// when an operation (LIKE, ordering as text) needs it.
enum Scalar {
    case null
    case int(Int64)
    case double(Double)
    case bool(Bool)
    /// An IPADDRESS value.
    case ip(IPAddress)
    /// A VARCHAR whose text is an address's text form (an address column read as Athena's string).
    case addr(IPAddress)
    /// A VARCHAR in a block dictionary: the column slot and the code.
    case text(slot: Int, code: UInt32)
    /// A VARCHAR constant (or the result of a function).
    case string(String)
    /// A VARCHAR group key after aggregation: an id in the aggregator's `StringTable`.
    case interned(UInt32)
    case timestamp(Int64)
    /// Days since 1970-01-01.
    case date(Int64)

    var isNull: Bool { if case .null = self { return true }; return false }
}
