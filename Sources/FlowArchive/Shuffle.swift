/// Byte transposition of fixed-width values ("byte shuffle", as in Blosc and Parquet's
/// BYTE_STREAM_SPLIT): the low bytes of all values, then the next bytes, and so on. Addresses and
/// counters have slowly varying high bytes, which LZ4 then compresses far better.
enum Shuffle {
    static func shuffle(_ src: UnsafeRawBufferPointer, width: Int, into out: inout [UInt8]) {
        let n = src.count / width
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: src.count))
        out.withUnsafeMutableBytes { dst in
            let d = dst.baseAddress! + start
            for b in 0..<width {
                let row = d + b * n
                for i in 0..<n { row.storeBytes(of: src[i * width + b], toByteOffset: i, as: UInt8.self) }
            }
        }
    }

    static func unshuffle(_ src: UnsafeRawBufferPointer, width: Int, into dst: UnsafeMutableRawBufferPointer) {
        let n = src.count / width
        for b in 0..<width {
            let rowBase = b * n
            for i in 0..<n { dst[i * width + b] = src[rowBase + i] }
        }
    }
}
