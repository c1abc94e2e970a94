import FlowSupport
import Testing
@testable import FlowQuery

/// The selection kernel (`SharedScan.selection`) turns a filter's per-row bytes into the indexes
/// of the passing rows. It takes three paths by density (a 64-row stretch with no row, with at
/// most 16, with more) and two for the rows after the last whole stretch; every mix of them must
/// give the rows a plain loop gives, in order.
@Suite struct SelectionTests {
    static func reference(_ mask: [UInt8], _ rows: Int) -> [Int32] {
        (0..<rows).filter { mask[$0] != 0 }.map { Int32($0) }
    }

    static func kernel(_ mask: [UInt8], _ rows: Int) -> [Int32] {
        var sel = [Int32](repeating: -1, count: max(1, rows))
        let n = mask.withUnsafeBufferPointer { m in
            sel.withUnsafeMutableBufferPointer { s in SharedScan.selection(m, rows, into: s) }
        }
        return Array(sel[0..<n])
    }

    @Test("densities from none to every row, lengths around the stretch sizes",
          arguments: [0.0, 0.0001, 0.02, 0.2, 0.26, 0.5, 0.9, 1.0])
    func matchesAPlainLoop(_ density: Double) {
        var random = SplitMix64(seed: UInt64(density * 1_000_000) + 7)
        for rows in [0, 1, 7, 8, 9, 63, 64, 65, 127, 128, 129, 200, 1000, 65_536] {
            let mask = (0..<rows).map { _ in Double(random.next() % 1_000_000) / 1_000_000 < density ? UInt8(1) : 0 }
            #expect(Self.kernel(mask, rows) == Self.reference(mask, rows), "rows \(rows), density \(density)")
        }
    }

    /// Stretches of each kind next to each other: 16 and 17 passing rows (either side of the
    /// sparse/dense choice), a stretch passing only its first or last row, then an empty one.
    @Test func stretchesOfEveryKindSideBySide() {
        var mask: [UInt8] = []
        for passing in [16, 17, 0, 64, 1] {
            var stretch = [UInt8](repeating: 0, count: 64)
            for k in 0..<passing { stretch[(k * 37) % 64] = 1 }
            mask += stretch
        }
        var last = [UInt8](repeating: 0, count: 64); last[63] = 1
        mask += last + [1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1]
        // Only a prefix of the mask counts.
        for rows in [mask.count, mask.count - 1, 64 * 3 + 5] {
            #expect(Self.kernel(mask, rows) == Self.reference(mask, rows), "rows \(rows)")
        }
    }
}
