/// UNION, INTERSECT and EXCEPT over rows held in memory, with the semantics of Trino (and
/// standard SQL): rows are equal when every value is (NULL equals NULL here, unlike in `=`);
/// DISTINCT gives each row once, in the order it first appears; ALL counts copies as a multiset.
enum SetOperations {
    static func apply(_ kind: SetOperation.Kind, all: Bool, _ left: [[Value]], _ right: [[Value]]) -> [[Value]] {
        switch kind {
        case .union:
            return all ? left + right : distinct(left + right)
        case .intersect, .except:
            let keepMatched = kind == .intersect
            if all { return matchingCopies(left, right, keepMatched: keepMatched) }
            let present = Set(right)
            return distinct(left).filter { present.contains($0) == keepMatched }
        }
    }

    /// The left rows, each matched against a copy of it on the right that it then uses up: those
    /// matched (INTERSECT ALL: min(m, n) copies of a row that the sides have m and n times) or
    /// those not (EXCEPT ALL: max(m - n, 0) copies).
    static func matchingCopies(_ left: [[Value]], _ right: [[Value]], keepMatched: Bool) -> [[Value]] {
        var copies: [[Value]: Int] = [:]
        copies.reserveCapacity(right.count)
        for row in right { copies[row, default: 0] += 1 }
        return left.filter { row in
            guard let n = copies[row], n > 0 else { return !keepMatched }
            copies[row] = n - 1
            return keepMatched
        }
    }

    static func distinct(_ rows: [[Value]]) -> [[Value]] {
        var seen = Set<[Value]>()
        seen.reserveCapacity(rows.count)
        return rows.filter { seen.insert($0).inserted }
    }
}
