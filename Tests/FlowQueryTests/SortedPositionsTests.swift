@testable import FlowQuery
import Testing

/// ORDER BY ... LIMIT over rows of values keeps the best `limit` in a bounded heap: the same
/// positions, in the same order, as the full sort's first `limit`, ties and NULLs included.
@Suite struct SortedPositionsTests {
    @Test(arguments: [0, 1, 2, 7, 50, 249, 250, 999])
    func boundedHeapIsThePrefixOfTheFullSort(_ limit: Int) {
        var rng = SystemRandomNumberGenerator()
        for round in 0..<20 {
            let keys: [[Value]] = (0..<1000).map { _ in
                [Int.random(in: 0..<10, using: &rng) == 0 ? .null : .int(Int64.random(in: 0..<30, using: &rng)),
                 .string(["a", "b", "c"].randomElement(using: &rng)!)]
            }
            let specs = [QueryPlan.Order(expr: .constant(.null), ascending: round % 2 == 0, nullsFirst: round % 3 == 0),
                         QueryPlan.Order(expr: .constant(.null), ascending: round % 5 != 0, nullsFirst: false)]
            let full = SharedScan.sortedPositions(keys, specs)
            let top = SharedScan.sortedPositions(keys, specs, limit: limit)
            #expect(Array(top.prefix(limit)) == Array(full.prefix(limit)), "limit \(limit), round \(round)")
        }
    }
}
