/// Punctuation and operators.
enum Symbol: Sendable, Equatable {
    case leftParen, rightParen, leftBracket, rightBracket
    case comma, dot, semicolon
    case star, plus, minus, slash, percent, concat
    case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
    case arrow        // ->  (lambdas; rejected by the parser)
    case doubleColon  // ::  (PostgreSQL casts; rejected by the parser)
}

/// Words with a meaning somewhere in the grammar. Unquoted identifiers are matched against these
/// after folding to lowercase; only the `isReserved` ones are unusable as bare names (Trino's list).
enum Keyword: String, Sendable, CaseIterable {
    // Reserved in Trino.
    case alter, and, `as`, between, by, `case`, cast, constraint, create, cross, cube
    case current_catalog, current_date, current_path, current_role, current_schema
    case current_time, current_timestamp, current_user
    case deallocate, delete, describe, distinct, drop, `else`, end, escape, except, execute
    case exists, extract, `false`, `for`, from, full, group, grouping, having, `in`, inner
    case insert, intersect, into, `is`, join
    case json_array, json_exists, json_object, json_query, json_table, json_value
    case left, like, listagg, localtime, localtimestamp, natural, normalize, not, null, on, or
    case order, outer, prepare, recursive, right, rollup, select, skip, table, then, trim
    case `true`, uescape, union, unnest, using, values, when, `where`, with

    // Not reserved: only meaningful in context, otherwise ordinary names.
    case all, any, some, asc, desc, nulls, first, last, limit, offset, fetch, window, over
    case filter, ignore, respect, interval, year, month, day, hour, minute, second, to, at
    case lateral, tablesample, try_cast, sets, array, show, explain, update, merge, call
    case precision, without, zone, time, timestamp

    var isReserved: Bool {
        switch self {
        case .all, .any, .some, .asc, .desc, .nulls, .first, .last, .limit, .offset, .fetch,
             .window, .over, .filter, .ignore, .respect, .interval, .year, .month, .day, .hour,
             .minute, .second, .to, .at, .lateral, .tablesample, .try_cast, .sets, .array, .show,
             .explain, .update, .merge, .call, .precision, .without, .zone, .time, .timestamp:
            return false
        default:
            return true
        }
    }

    /// Clause words that end a select item or table reference, so they are never taken as an
    /// implicit alias (`FROM t LIMIT 10` is not `t AS limit`).
    var endsImplicitAlias: Bool {
        isReserved || self == .limit || self == .offset || self == .fetch || self == .window
            || self == .tablesample
    }

    static let byName: [String: Keyword] = {
        var d: [String: Keyword] = [:]
        for k in Keyword.allCases { d[k.rawValue] = k }
        return d
    }()
}

struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        /// Unquoted name or keyword; `text` is folded to lowercase.
        case identifier
        /// `"Name"`; `text` is the name with `""` unescaped, case preserved.
        case quotedIdentifier
        /// `'text'`; `text` is the value with `''` unescaped.
        case string
        /// Numeric literals; `text` is the spelling.
        case integer, decimal, double
        case symbol(Symbol)
        case endOfInput
    }

    var kind: Kind
    var text: String
    /// For `.identifier` tokens that spell a keyword.
    var keyword: Keyword?
    /// Position of the first character.
    var start: SourcePosition
    /// Position of the last character (`start` for the end-of-input token).
    var last: SourcePosition
    /// Byte range in the source, for quoting the token as written.
    var startOffset: Int
    var endOffset: Int

    func isSymbol(_ s: Symbol) -> Bool { kind == .symbol(s) }

    /// An unquoted reserved word (cannot be a bare name).
    var isReservedWord: Bool { keyword?.isReserved ?? false }

    /// Usable as a name: any quoted identifier, or an unquoted one that is not reserved.
    var isName: Bool {
        switch kind {
        case .quotedIdentifier: return true
        case .identifier: return !isReservedWord
        default: return false
        }
    }
}
