/// Which field each space-separated position of a record holds. It comes from a file's header
/// line, from `--fields`, or is the default version 2 format.
public struct FieldMapping: Equatable, Sendable, CustomStringConvertible {
    public let names: [String]
    /// For each position: a `FieldCatalog` id, or -1 for a field flowarc does not know.
    public let fieldIDs: [Int]

    public init(names: [String]) {
        self.names = names
        self.fieldIDs = names.map { FieldCatalog.id(of: $0) ?? -1 }
    }

    public static let defaultV2 = FieldMapping(names: FieldCatalog.defaultFormat)

    public var count: Int { names.count }
    public var description: String { names.joined(separator: " ") }

    /// Parses a `--fields` value: names separated by spaces or commas, `${name}` accepted.
    public static func parse(userFormat text: String) throws -> FieldMapping {
        var names: [String] = []
        for raw in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }) {
            var s = Substring(raw)
            if s.hasPrefix("${") && s.hasSuffix("}") { s = s.dropFirst(2).dropLast() }
            names.append(String(s))
        }
        guard !names.isEmpty else { throw FormatSpecError("the field list is empty") }
        var seen = Set<String>()
        for n in names {
            guard isPlausibleFieldName(Array(n.utf8)) else { throw FormatSpecError("'\(n)' is not a field name") }
            guard seen.insert(n).inserted else { throw FormatSpecError("field '\(n)' is listed twice") }
        }
        let known = names.filter { FieldCatalog.id(of: $0) != nil }
        if known.isEmpty {
            throw FormatSpecError("none of the fields is a VPC flow log field (e.g. version account-id interface-id srcaddr ...)")
        }
        return FieldMapping(names: names)
    }

    /// Field names are lowercase letters, digits and hyphens, starting with a letter.
    static func isPlausibleFieldName<C: Collection>(_ token: C) -> Bool where C.Element == UInt8 {
        guard let first = token.first, first >= 0x61 && first <= 0x7A else { return false }
        for c in token where !((c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D) { return false }
        return true
    }
}

public struct FormatSpecError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = "invalid field list: " + d }
}
