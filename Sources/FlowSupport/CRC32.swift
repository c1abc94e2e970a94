import CISAL

/// CRC-32 as used by gzip and zlib (ISO-HDLC, reflected polynomial 0xEDB88320), computed with
/// ISA-L's carry-less-multiply kernel. Every checksum in the archive format is this one.
public enum CRC32 {
    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return seed }
        return crc32_gzip_refl(seed, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    }

    public static func checksum(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }

    public static func checksum(_ bytes: ArraySlice<UInt8>, seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }
}
