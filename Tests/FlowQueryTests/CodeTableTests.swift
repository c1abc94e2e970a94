import Testing
@testable import FlowQuery

/// `VectorFilter.apply` ANDs a per-entry truth table into a row mask by each row's code; when the
/// true entries form one run it compares code ranges instead of looking the table up. Both ways
/// must give what the lookup gives, for every shape of table.
@Suite struct CodeTableTests {
    func reference(_ table: [UInt8], _ codes: [UInt32], _ mask: [UInt8]) -> [UInt8] {
        zip(codes, mask).map { code, m in m & table[Int(code)] }
    }

    func applied(_ table: [UInt8], _ codes: [UInt32], _ mask: [UInt8]) -> [UInt8] {
        var m = mask
        codes.withUnsafeBufferPointer { c in
            m.withUnsafeMutableBufferPointer { VectorFilter.apply(table, c.baseAddress!, $0, codes.count) }
        }
        return m
    }

    @Test func runAndScatteredTablesMatchTheLookup() {
        var rng = SystemRandomNumberGenerator()
        let entries = 40
        let codes = (0..<1000).map { _ in UInt32.random(in: 0..<UInt32(entries), using: &rng) }
        let mask = (0..<1000).map { _ in UInt8.random(in: 0...1, using: &rng) }
        var tables: [[UInt8]] = [
            [UInt8](repeating: 0, count: entries),                        // nothing passes
            [0] + [UInt8](repeating: 1, count: entries - 1),              // every non-null entry
            (0..<entries).map { $0 == 7 ? 1 : 0 },                        // one entry (equality)
            (0..<entries).map { $0 >= 1 && $0 <= 3 ? 1 : 0 },             // a run at the start
            (0..<entries).map { $0 >= 30 ? 1 : 0 },                       // a run to the end
            (0..<entries).map { $0 == 0 || $0 == 39 ? 1 : 0 },            // both ends: not a run
            (0..<entries).map { ($0 >= 5 && $0 <= 9) || $0 == 20 ? 1 : 0 }, // two runs
        ]
        for _ in 0..<50 { tables.append((0..<entries).map { _ in UInt8.random(in: 0...1, using: &rng) }) }
        for t in tables {
            #expect(applied(t, codes, mask) == reference(t, codes, mask), "\(t)")
        }
    }
}
