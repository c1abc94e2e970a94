import FlowLog

/// The subquery side of a join, hashed on its key columns, and the step that turns the archive
/// rows of a block that passed WHERE into joined rows (archive row, subquery row).
final class JoinTable: @unchecked Sendable {
    /// A join key value. Numbers that are whole compare as integers (`1 = 1.0`); an address
    /// column meets the subquery's text as the address that text canonically spells.
    enum Key: Hashable {
        case int(Int64), double(Double), text(String), address(IPAddress), ip(IPAddress), timestamp(Int64), bool(Bool)

        /// The key of a subquery value (nil for NULL, which equals nothing).
        init?(_ v: Value, address: Bool) {
            switch v {
            case .null, .array: return nil
            case .int(let x): self = .int(x)
            case .double(let d): self = Int64(exactly: d).map { .int($0) } ?? .double(d)
            case .string(let s):
                if address {
                    // A text that is not an address's canonical form equals no address column value.
                    guard let a = Array(s.utf8).withUnsafeBytes({ IPAddress.parse($0) }), a.description == s else { return nil }
                    self = .address(a)
                } else {
                    self = .text(s)
                }
            case .ip(let a): self = .ip(a)
            case .timestamp(let t): self = .timestamp(t)
            case .date(let d): self = .timestamp(d &* 86_400_000)  // a DATE meets a TIMESTAMP at midnight
            case .bool(let b): self = .bool(b)
            }
        }

        /// The key of an archive-side value.
        init?(_ s: Scalar, address: Bool, _ c: EvalContext) {
            switch s {
            case .null: return nil
            case .int(let x): self = .int(x)
            case .double(let d): self = Int64(exactly: d).map { .int($0) } ?? .double(d)
            case .addr(let a): self = address ? .address(a) : .text(a.description)
            case .ip(let a): self = .ip(a)
            case .timestamp(let t): self = .timestamp(t)
            case .date(let d): self = .timestamp(d &* 86_400_000)
            case .bool(let b): self = .bool(b)
            case .text, .string, .interned: self = .text(Evaluator.textValue(s, c))
            }
        }
    }

    let plan: JoinPlan
    /// One key column (the usual case) or several.
    private var single: [Key: [Int32]] = [:]
    private var multi: [[Key]: [Int32]] = [:]
    private let everyRow: [Int32]

    init(_ plan: JoinPlan) {
        self.plan = plan
        everyRow = (0..<plan.rows.rows.count).map { Int32($0) }
        guard !plan.joinedKeys.isEmpty else { return }
        rows: for (ri, row) in plan.rows.rows.enumerated() {
            var key: [Key] = []
            for (k, col) in plan.joinedKeys.enumerated() {
                guard let jk = Key(row[col], address: plan.addressKeys[k]) else { continue rows }
                key.append(jk)
            }
            if key.count == 1 { single[key[0], default: []].append(Int32(ri)) } else { multi[key, default: []].append(Int32(ri)) }
        }
    }

    /// The subquery rows an archive row may join (before the rest of ON is checked).
    private func candidates(_ c: EvalContext) throws -> [Int32] {
        if plan.joinedKeys.isEmpty { return everyRow }
        if plan.archiveKeys.count == 1 {
            guard let k = Key(try Evaluator.eval(plan.archiveKeys[0], c), address: plan.addressKeys[0], c) else { return [] }
            return single[k] ?? []
        }
        var key: [Key] = []
        for (i, e) in plan.archiveKeys.enumerated() {
            guard let k = Key(try Evaluator.eval(e, c), address: plan.addressKeys[i], c) else { return [] }
            key.append(k)
        }
        return multi[key] ?? []
    }

    /// Joins the block rows `p.selection[0..<n]`, writing the joined rows to `p.joinedSelection`
    /// and `p.joinedRows` (each followed by one spare entry); returns how many there are.
    func expand(_ b: BlockData, _ p: Partial, _ n: Int) throws -> Int {
        p.joinedSelection.removeAll(keepingCapacity: true)
        p.joinedRows.removeAll(keepingCapacity: true)
        var c = EvalContext(block: b)
        c.joined = plan.rows
        func passesPostFilter() throws -> Bool {
            guard let f = plan.postFilter else { return true }
            if case .bool(true) = try Evaluator.eval(f, c) { return true }
            return false
        }
        for i in 0..<n {
            let r = p.selection[i]
            c.row = Int(r)
            c.joinRow = -1
            var matched = false
            for m in try candidates(c) {
                c.joinRow = Int(m)
                if let on = plan.onResidual {
                    guard case .bool(true) = try Evaluator.eval(on, c) else { continue }
                }
                matched = true
                if try passesPostFilter() {
                    p.joinedSelection.append(r)
                    p.joinedRows.append(m)
                }
            }
            if !matched && plan.kind == .left {
                c.joinRow = -1  // the subquery's columns are NULL
                if try passesPostFilter() {
                    p.joinedSelection.append(r)
                    p.joinedRows.append(-1)
                }
            }
        }
        let count = p.joinedSelection.count
        p.joinedSelection.append(0)
        p.joinedRows.append(-1)
        return count
    }
}
