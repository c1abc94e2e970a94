// The syntax tree of a query. Every node is a value type and carries the source position of the
// text it came from, for binder errors ("unknown column 'sourceadress' at line 2, column 8").
//
// Equality and hashing are *structural*: they ignore source positions (and whether a name was
// quoted), so `sum(numbytes)` in a SELECT list equals `sum(numbytes)` in ORDER BY, as Trino
// compares expressions when matching them against GROUP BY.

/// One SQL statement. Only queries exist today; EXPLAIN / SHOW would be further cases.
public enum Statement: Sendable, Hashable {
    case query(Query)

    /// Where the statement starts (its SELECT keyword).
    public var position: SourcePosition {
        switch self {
        case .query(let q): return q.position
        }
    }

    public var query: Query {
        switch self {
        case .query(let q): return q
        }
    }
}

/// `SELECT [DISTINCT] items [FROM relation] [WHERE e] [GROUP BY ...] [HAVING e] [ORDER BY ...] [LIMIT n]`
public struct Query: Sendable, Hashable {
    /// `SELECT DISTINCT` (`SELECT ALL` is the default and is not recorded).
    public var distinct: Bool
    public var selectItems: [SelectItem]
    /// nil for `SELECT 1` without FROM. A comma-separated FROM list becomes CROSS joins.
    public var from: Relation?
    public var whereClause: Expr?
    /// GROUP BY keys. A key that is a bare integer literal (`GROUP BY 1`) is an ordinal referring
    /// to the n-th select item (Trino semantics); see `Expr.ordinal`.
    public var groupBy: [Expr]
    public var having: Expr?
    /// ORDER BY keys; a bare integer literal key is an ordinal as for GROUP BY.
    public var orderBy: [OrderItem]
    /// `LIMIT n` (n ≥ 0). `LIMIT ALL` and no LIMIT are both nil.
    public var limit: Int64?
    /// The position of the SELECT keyword.
    public var position: SourcePosition
    /// `UNION | INTERSECT | EXCEPT [ALL | DISTINCT] SELECT ...` after this SELECT, applied left
    /// to right (the parser nests INTERSECT, which binds tighter, inside the operand it
    /// belongs to); ORDER BY and LIMIT then order and cut the whole result.
    public var setOperations: [SetOperation] = []

    public init(distinct: Bool = false, selectItems: [SelectItem], from: Relation? = nil,
                whereClause: Expr? = nil, groupBy: [Expr] = [], having: Expr? = nil,
                orderBy: [OrderItem] = [], limit: Int64? = nil,
                position: SourcePosition = SourcePosition(line: 1, column: 1)) {
        self.distinct = distinct
        self.selectItems = selectItems
        self.from = from
        self.whereClause = whereClause
        self.groupBy = groupBy
        self.having = having
        self.orderBy = orderBy
        self.limit = limit
        self.position = position
    }

    public static func == (a: Query, b: Query) -> Bool {
        a.distinct == b.distinct && a.selectItems == b.selectItems && a.from == b.from
            && a.whereClause == b.whereClause && a.groupBy == b.groupBy && a.having == b.having
            && a.orderBy == b.orderBy && a.limit == b.limit && a.setOperations == b.setOperations
    }

    public func hash(into h: inout Hasher) {
        h.combine(distinct)
        h.combine(selectItems)
        h.combine(from)
        h.combine(whereClause)
        h.combine(groupBy)
        h.combine(having)
        h.combine(orderBy)
        h.combine(limit)
        h.combine(setOperations)
    }

    /// This query's first SELECT alone (no UNION, ORDER BY or LIMIT).
    var firstSelect: Query {
        var q = self
        q.setOperations = []
        q.orderBy = []
        q.limit = nil
        return q
    }
}

/// `UNION | INTERSECT | EXCEPT [ALL | DISTINCT] SELECT ...`
public struct SetOperation: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// The rows of both sides.
        case union = "UNION"
        /// The rows of the left side that the right side has too.
        case intersect = "INTERSECT"
        /// The rows of the left side that the right side lacks.
        case except = "EXCEPT"
    }

    public var kind: Kind
    /// ALL keeps duplicates (as a multiset: INTERSECT ALL keeps a row as often as both sides
    /// have it, EXCEPT ALL as often as the left has it more than the right); else DISTINCT.
    public var all: Bool
    public var query: Query
    public var position: SourcePosition

    public init(_ kind: Kind = .union, all: Bool, query: Query, position: SourcePosition) {
        self.kind = kind
        self.all = all
        self.query = query
        self.position = position
    }

    public static func == (a: SetOperation, b: SetOperation) -> Bool { a.kind == b.kind && a.all == b.all && a.query == b.query }
    public func hash(into h: inout Hasher) { h.combine(kind); h.combine(all); h.combine(query) }
}

/// A name: `sourceaddress` (unquoted, folded to lowercase) or `"MyColumn"` (quoted, case kept).
public struct Identifier: Sendable, Hashable, CustomStringConvertible {
    /// The name: lowercase if it was written unquoted, exactly as written if quoted.
    public var name: String
    /// Whether it was written in double quotes (only affects printing).
    public var quoted: Bool
    public var position: SourcePosition

    public init(_ name: String, quoted: Bool = false, position: SourcePosition = SourcePosition(line: 1, column: 1)) {
        self.name = name
        self.quoted = quoted
        self.position = position
    }

    /// Equal names are equal identifiers, however they were written: `foo` == `"foo"`.
    public static func == (a: Identifier, b: Identifier) -> Bool { a.name == b.name }
    public func hash(into h: inout Hasher) { h.combine(name) }
}

/// Dotted name parts: `vpcflow`, `"irworkshopgluedatabase"."irworkshopgluetablevpcflow"`,
/// `top_n.sourceaddress`, `"db"."t".numbytes`. Never empty.
public struct QualifiedName: Sendable, Hashable, CustomStringConvertible {
    public var parts: [Identifier]

    public init(_ parts: [Identifier]) {
        precondition(!parts.isEmpty, "a qualified name has at least one part")
        self.parts = parts
    }

    /// `QualifiedName("db", "t")`: unquoted parts (lowercase them yourself).
    public init(_ names: String...) {
        self.init(names.map { Identifier($0) })
    }

    /// The last part: the column of a column reference, the table of a table name.
    public var name: Identifier { parts[parts.count - 1] }
    /// All parts but the last (the table of `t.c`, the database of `db.t`).
    public var qualifier: [Identifier] { Array(parts.dropLast()) }
    public var position: SourcePosition { parts[0].position }
}

/// One item of a SELECT list.
public struct SelectItem: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `*`
        case wildcard
        /// `t.*`, `"db"."t".*`
        case qualifiedWildcard(QualifiedName)
        /// `expr [AS alias]`
        case expression(Expr, alias: Identifier?)
    }

    public var kind: Kind
    public var position: SourcePosition

    public init(_ kind: Kind, position: SourcePosition = SourcePosition(line: 1, column: 1)) {
        self.kind = kind
        self.position = position
    }

    public static func == (a: SelectItem, b: SelectItem) -> Bool { a.kind == b.kind }
    public func hash(into h: inout Hasher) { h.combine(kind) }
}

/// One ORDER BY key.
public struct OrderItem: Sendable, Hashable {
    public var expression: Expr
    /// ASC (the default) or DESC.
    public var ascending: Bool
    /// NULLS FIRST. Trino's default is NULLS LAST for both directions, so false unless written.
    public var nullsFirst: Bool

    public init(_ expression: Expr, ascending: Bool = true, nullsFirst: Bool = false) {
        self.expression = expression
        self.ascending = ascending
        self.nullsFirst = nullsFirst
    }

    public var position: SourcePosition { expression.position }
}

/// What a FROM clause reads.
public struct Relation: Sendable, Hashable {
    public indirect enum Kind: Sendable, Hashable {
        /// `vpcflow`, `"db"."table" [AS] t`
        case table(QualifiedName, alias: Identifier?)
        /// `(SELECT ...) [AS] top_n`
        case subquery(Query, alias: Identifier?)
        /// `left JOIN right ON condition`; `condition` is nil only for CROSS joins.
        case join(JoinType, left: Relation, right: Relation, on: Expr?)
    }

    public var kind: Kind
    /// The table name, the subquery's '(' or, for a join, the first word of its JOIN keyword
    /// (`LEFT` of `LEFT OUTER JOIN`), or the comma of `FROM a, b`.
    public var position: SourcePosition

    public init(_ kind: Kind, position: SourcePosition = SourcePosition(line: 1, column: 1)) {
        self.kind = kind
        self.position = position
    }

    /// The alias of a table or subquery.
    public var alias: Identifier? {
        switch kind {
        case .table(_, let alias), .subquery(_, let alias): return alias
        case .join: return nil
        }
    }

    public static func == (a: Relation, b: Relation) -> Bool { a.kind == b.kind }
    public func hash(into h: inout Hasher) { h.combine(kind) }
}

public enum JoinType: String, Sendable, Hashable {
    /// `JOIN`, `INNER JOIN`
    case inner
    /// `LEFT [OUTER] JOIN`
    case left
    /// `RIGHT [OUTER] JOIN`
    case right
    /// `FULL [OUTER] JOIN`
    case full
    /// `CROSS JOIN`, and `FROM a, b`
    case cross
}

/// An expression.
public struct Expr: Sendable, Hashable {
    public indirect enum Kind: Sendable, Hashable {
        case literal(Literal)
        /// A column: `sourceaddress`, `vpcflow.sourceaddress`, `"db"."t".numbytes`. The binder
        /// decides which prefix names a table.
        case column(QualifiedName)
        /// `NOT e`, `-e`, `+e`.
        case unary(UnaryOperator, Expr)
        /// `a AND b AND ...`: two or more terms, none of them itself an AND (chains and nested
        /// ANDs are flattened, as AND is associative).
        case and([Expr])
        /// `a OR b OR ...`: two or more terms, none of them itself an OR.
        case or([Expr])
        /// Arithmetic, `||` and comparisons.
        case binary(BinaryOperator, Expr, Expr)
        /// `e [NOT] BETWEEN low AND high`
        case between(Expr, low: Expr, high: Expr, negated: Bool)
        /// `e [NOT] IN (a, b, ...)`; the list is never empty.
        case inList(Expr, [Expr], negated: Bool)
        /// `e [NOT] IN (SELECT ...)`
        case inSubquery(Expr, Query, negated: Bool)
        /// `e [NOT] LIKE pattern [ESCAPE escape]`
        case like(Expr, pattern: Expr, escape: Expr?, negated: Bool)
        /// `e IS [NOT] NULL`
        case isNull(Expr, negated: Bool)
        /// `a IS [NOT] DISTINCT FROM b`
        case isDistinctFrom(Expr, Expr, negated: Bool)
        /// `f(args)`, `f(DISTINCT args)`, `count(*)`.
        case function(FunctionCall)
        /// `CAST(e AS type)`, or `TRY_CAST(e AS type)` when `isTry`.
        case cast(Expr, to: SQLType, isTry: Bool)
        /// `CASE [operand] WHEN ... THEN ... [ELSE ...] END`
        case caseWhen(CaseExpression)
        /// A scalar subquery: `(SELECT max(numbytes) FROM vpcflow)`.
        case subquery(Query)
        /// `EXISTS (SELECT ...)`
        case exists(Query)
        /// `e[index]`
        case subscripted(Expr, index: Expr)
        /// `CURRENT_DATE`, `CURRENT_TIMESTAMP`, `CURRENT_TIMESTAMP(3)`, ...
        case currentTime(CurrentTimeFunction, precision: Int?)
    }

    public var kind: Kind
    /// The most useful point to report: the operator of a binary or predicate expression (`=`,
    /// `LIKE`, `BETWEEN`, `IN`, `IS`; the first `AND` / `OR` of a chain), the first token
    /// otherwise. `start` is the leftmost.
    public var position: SourcePosition

    public init(_ kind: Kind, position: SourcePosition = SourcePosition(line: 1, column: 1)) {
        self.kind = kind
        self.position = position
    }

    public static func == (a: Expr, b: Expr) -> Bool { a.kind == b.kind }
    public func hash(into h: inout Hasher) { h.combine(kind) }

    /// Where the expression's text starts (the position of its leftmost token).
    public var start: SourcePosition {
        switch kind {
        case .and(let terms), .or(let terms):
            return terms.first?.start ?? position
        case .binary(_, let l, _), .between(let l, _, _, _), .inList(let l, _, _),
             .inSubquery(let l, _, _), .like(let l, _, _, _), .isNull(let l, _),
             .isDistinctFrom(let l, _, _), .subscripted(let l, _):
            return l.start
        default:
            return position
        }
    }

    /// The terms of a top-level AND, or `[self]`: `a AND (b OR c)` → `[a, b OR c]`.
    public var conjuncts: [Expr] {
        if case .and(let terms) = kind { return terms }
        return [self]
    }

    /// The terms of a top-level OR, or `[self]`.
    public var disjuncts: [Expr] {
        if case .or(let terms) = kind { return terms }
        return [self]
    }

    /// `a AND b AND ...` with nested ANDs flattened; a single term is returned as is.
    public static func conjunction(_ terms: [Expr], position: SourcePosition? = nil) -> Expr {
        let flat = terms.flatMap(\.conjuncts)
        precondition(!flat.isEmpty, "a conjunction needs at least one term")
        if flat.count == 1 { return flat[0] }
        return Expr(.and(flat), position: position ?? flat[0].position)
    }

    /// `a OR b OR ...` with nested ORs flattened; a single term is returned as is.
    public static func disjunction(_ terms: [Expr], position: SourcePosition? = nil) -> Expr {
        let flat = terms.flatMap(\.disjuncts)
        precondition(!flat.isEmpty, "a disjunction needs at least one term")
        if flat.count == 1 { return flat[0] }
        return Expr(.or(flat), position: position ?? flat[0].position)
    }

    /// n if this is a bare integer literal: as a GROUP BY / ORDER BY key it means the n-th select item.
    public var ordinal: Int64? {
        if case .literal(.integer(let n)) = kind { return n }
        return nil
    }
}

public enum UnaryOperator: String, Sendable, Hashable {
    case not = "NOT"
    case negate = "-"
    case plus = "+"
}

/// Arithmetic, concatenation and comparison operators (AND and OR are `Expr.Kind.and` / `.or`).
public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "<>"  // also written !=
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case concat = "||"
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case modulo = "%"

    /// The SQL spelling.
    public var symbol: String { rawValue }

    public var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return true
        default: return false
        }
    }

    public var isArithmetic: Bool {
        switch self {
        case .add, .subtract, .multiply, .divide, .modulo: return true
        default: return false
        }
    }
}

/// A function call `name([DISTINCT] args)` or `name(*)`.
public struct FunctionCall: Sendable, Hashable {
    /// The function name, lowercase unless quoted.
    public var name: Identifier
    public var arguments: [Expr]
    /// `count(DISTINCT x)`, `array_agg(DISTINCT(x))`.
    public var distinct: Bool
    /// `count(*)` (then `arguments` is empty).
    public var isStar: Bool
    /// `agg(x) FILTER (WHERE condition)`: the rows the aggregate reads.
    public var filter: Expr?
    /// `f(...) OVER (PARTITION BY ... ORDER BY ...)`: a window function.
    public var window: WindowSpec?

    public init(_ name: Identifier, arguments: [Expr] = [], distinct: Bool = false, isStar: Bool = false, filter: Expr? = nil) {
        self.name = name
        self.arguments = arguments
        self.distinct = distinct
        self.isStar = isStar
        self.filter = filter
    }
}

/// The window of `OVER (PARTITION BY p, ... ORDER BY o, ...)` (the default frame: the whole
/// partition without ORDER BY, else from its start to the current row and its peers).
public struct WindowSpec: Sendable, Hashable {
    public var partitionBy: [Expr]
    public var orderBy: [OrderItem]
    /// `ROWS BETWEEN start AND end` (`ROWS start`: up to the current row); nil is the default
    /// frame (the whole partition, or with ORDER BY its rows up to the current one's last peer).
    public var frame: WindowFrame?

    public init(partitionBy: [Expr] = [], orderBy: [OrderItem] = [], frame: WindowFrame? = nil) {
        self.partitionBy = partitionBy
        self.orderBy = orderBy
        self.frame = frame
    }
}

/// A ROWS frame: rows counted from the current one, within its partition.
public struct WindowFrame: Sendable, Hashable {
    public enum Bound: Sendable, Hashable {
        case unboundedPreceding, preceding(Int64), currentRow, following(Int64), unboundedFollowing

        /// Where the bound lies, for checking a frame's order: 0 ... 4 from first to last.
        var rank: Int {
            switch self {
            case .unboundedPreceding: return 0
            case .preceding: return 1
            case .currentRow: return 2
            case .following: return 3
            case .unboundedFollowing: return 4
            }
        }

        public var description: String {
            switch self {
            case .unboundedPreceding: return "UNBOUNDED PRECEDING"
            case .preceding(let n): return "\(n) PRECEDING"
            case .currentRow: return "CURRENT ROW"
            case .following(let n): return "\(n) FOLLOWING"
            case .unboundedFollowing: return "UNBOUNDED FOLLOWING"
            }
        }
    }
    public var start: Bound
    public var end: Bound

    public init(start: Bound, end: Bound) {
        self.start = start
        self.end = end
    }
}

/// `CASE [operand] WHEN w THEN t ... [ELSE e] END`. With an operand (`CASE x WHEN 1 THEN ...`)
/// each `when.condition` is a value compared with the operand; without, it is a boolean.
public struct CaseExpression: Sendable, Hashable {
    public var operand: Expr?
    public var whenClauses: [WhenClause]
    public var elseResult: Expr?

    public init(operand: Expr? = nil, whenClauses: [WhenClause], elseResult: Expr? = nil) {
        self.operand = operand
        self.whenClauses = whenClauses
        self.elseResult = elseResult
    }
}

public struct WhenClause: Sendable, Hashable {
    public var condition: Expr
    public var result: Expr

    public init(_ condition: Expr, then result: Expr) {
        self.condition = condition
        self.result = result
    }
}

public enum CurrentTimeFunction: String, Sendable, Hashable {
    case currentDate = "CURRENT_DATE"
    case currentTime = "CURRENT_TIME"
    case currentTimestamp = "CURRENT_TIMESTAMP"
    case localTime = "LOCALTIME"
    case localTimestamp = "LOCALTIMESTAMP"
}

/// A constant.
public enum Literal: Sendable, Hashable {
    case null
    case boolean(Bool)
    /// An integer literal (Trino: INTEGER if it fits in 32 bits, else BIGINT). A minus sign
    /// directly before a number is folded in: `-30` is `.integer(-30)`.
    case integer(Int64)
    /// `1.5`, `1.`, `.5`, `-0.25`: Trino's DECIMAL literal, kept as written (with a folded sign).
    case decimal(String)
    /// `1e3`, `2.5E-2`: Trino's DOUBLE literal.
    case double(Double)
    case string(String)
    /// `IPADDRESS '10.0.0.0'`, `TIMESTAMP '2020-07-01 00:00:00'`, `DATE '2020-07-01'`, ...: a
    /// type name followed by a string. The string is not validated here.
    case typed(SQLType, String)
    /// `INTERVAL '1' DAY`, `INTERVAL '1-2' YEAR TO MONTH`
    case interval(IntervalLiteral)
}

public struct IntervalLiteral: Sendable, Hashable {
    /// The quoted value, as written: `'1'`, `'1-2'`, `'1 02:00:00'`.
    public var value: String
    /// `INTERVAL -'1' DAY`
    public var negative: Bool
    public var from: IntervalField
    public var to: IntervalField?

    public init(_ value: String, negative: Bool = false, from: IntervalField, to: IntervalField? = nil) {
        self.value = value
        self.negative = negative
        self.from = from
        self.to = to
    }
}

public enum IntervalField: String, Sendable, Hashable, CaseIterable {
    case year = "YEAR"
    case month = "MONTH"
    case day = "DAY"
    case hour = "HOUR"
    case minute = "MINUTE"
    case second = "SECOND"
}
