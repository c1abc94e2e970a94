import FlowLog
import Testing
@testable import FlowArchive

/// `CodePlanes` compares an address dictionary chunk's codes where the chunk keeps them (byte
/// planes of 1, 2 or 4 bytes) and expands them to 32 bits only when asked: checked here, in
/// every layout the format allows, against the codes written.
@Suite struct CodePlanesTests {
    /// `codes` laid out as the format stores them (little-endian, byte planes when shuffled).
    static func layout(_ codes: [UInt32], width: Int, shuffled: Bool) -> [UInt8] {
        let n = codes.count
        var out = [UInt8](repeating: 0, count: n * width)
        for (i, c) in codes.enumerated() {
            for j in 0..<width {
                let byte = UInt8(truncatingIfNeeded: c >> (8 * UInt32(j)))
                if shuffled { out[j * n + i] = byte } else { out[i * width + j] = byte }
            }
        }
        return out
    }

    @Test(arguments: [(1, false), (2, true), (2, false), (4, true), (4, false)])
    func runsAndExpansionMatchTheCodesWritten(width: Int, shuffled: Bool) {
        var rng = SeededRandom(seed: UInt64(width * 2 + (shuffled ? 1 : 0)))
        let largest = UInt32(width == 1 ? 255 : width == 2 ? 65_535 : 1_000_000)
        for rows in [0, 1, 7, 31, 1000, 65_536] {
            let codes = (0..<rows).map { _ in Bool.random(using: &rng) && rows > 31 ? UInt32.random(in: 0...9, using: &rng)
                                                                              : UInt32.random(in: 0...largest, using: &rng) }
            let bytes = Self.layout(codes, width: width, shuffled: shuffled).withUnsafeBytes { OwnedBytes(copying: $0) }
            let planes = CodePlanes(owner: bytes, base: UnsafeRawPointer(bytes.bytes.baseAddress!), rows: rows, width: width,
                                    shuffled: shuffled)
            #expect(planes.largest() == (codes.max() ?? 0))
            for _ in 0..<12 {
                let lo = UInt32.random(in: 0...min(largest, 12), using: &rng)
                let span = Bool.random(using: &rng) ? UInt32.random(in: 0...5, using: &rng) : UInt32.random(in: 0...largest, using: &rng)
                for negated in [false, true] {
                    var m = [UInt8](repeating: 1, count: rows)
                    m.withUnsafeMutableBufferPointer { if rows > 0 { planes.andRun(lo: lo, span: span, negated: negated, $0.baseAddress!) } }
                    let want = codes.map { c -> UInt8 in
                        let inRun = c >= lo && UInt64(c) <= UInt64(lo) + UInt64(span)
                        return (negated ? !inRun && c != 0 : inRun) ? 1 : 0
                    }
                    #expect(m == want, "rows \(rows) run \(lo)+\(span) negated \(negated)")
                }
            }
            #expect(planes.codes == codes)
            #expect(planes.codes == codes, "the cached expansion")
        }
    }
}
