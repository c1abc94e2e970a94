import FlowSupport

/// Constants of the flowarc archive format, version 2.2 (specified in Formats/ARCHIVE.md).
public enum ArchiveFormat {
    /// Format major version written by this code. A reader refuses a higher major version.
    public static let majorVersion: UInt16 = 2
    public static let minorVersion: UInt16 = 2

    /// "FARC": first four bytes of a segment file and last four of its footer.
    public static let segmentMagic: UInt32 = 0x4352_4146
    /// "FAMF": first four bytes of the manifest.
    public static let manifestMagic: UInt32 = 0x464D_4146

    public static let segmentHeaderSize = 8
    public static let segmentTrailerSize = 24

    public static let manifestName = "MANIFEST"
    public static let segmentsDirectory = "segments"
    public static let lockName = "LOCK"

    /// Decoder limits: a reader rejects structures beyond these.
    public static let maxBlockRows = 1 << 20
    public static let maxColumns = 4096
    public static let maxRawChunk = 1 << 30
    public static let maxDirectory = 1 << 30

    public static let defaultBlockRows = 65_536
    /// Rows per page of a paged integer chunk (encoding 8): a block of 65,536 rows keeps each
    /// integer column in 8 pages, each compressed on its own and described by its own min/max.
    public static let defaultPageRows = 8_192
    /// Bytes of one page entry in a paged chunk's page table.
    public static let pageEntrySize = 36

    public static func segmentFileName(_ id: UInt32) -> String {
        let digits = String(id)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".fseg"
    }
}

/// How a column's values are typed in the archive.
public enum ColumnType: UInt8, Sendable {
    case uint8 = 1, uint16 = 2, uint64 = 4, time = 5, address = 6, string = 7

    public var isInteger: Bool { self != .address && self != .string }
}

/// How a column chunk's raw bytes are laid out (before LZ4).
public enum ColumnEncoding: UInt8, Sendable {
    /// Integers minus a base (the minimum), at a fixed byte width.
    case frameOfReference = 1
    /// Zigzag differences between consecutive integers, at a fixed byte width.
    case delta = 2
    /// IPv4 addresses as 4 bytes each.
    case ipv4 = 3
    /// Addresses as 16 bytes each (IPv4 as IPv4-mapped IPv6).
    case ipv6 = 4
    /// A dictionary of distinct values and a code per row (0 = null).
    case dictionary = 5
    /// Sorted distinct addresses (IPv4 ones as 4 bytes, then IPv6 ones as 16) and a code per row.
    case addressDictionary = 6
    /// An address column that mostly repeats another one of the same block (pkt-srcaddr is
    /// srcaddr on most records): the rows that differ, and their values as a nested chunk.
    case addressSameAs = 7
    /// (2.0) An integer column in pages of rows, each page a chunk of encoding 1 or 2 with its
    /// own length, checksum, null count and min/max: a reader decompresses only the pages it
    /// needs and skips or counts pages by their min/max.
    case paged = 8
}

/// Flag bits of a column chunk.
public enum ChunkFlags {
    /// Fixed-width values are stored byte-transposed (all first bytes, then all second bytes, ...).
    public static let shuffled: UInt8 = 0x01
    /// The raw data starts with a validity bitmap.
    public static let validity: UInt8 = 0x02
    public static let known: UInt8 = 0x03
}

/// Why an archive could not be read or written.
public struct ArchiveError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    static func corrupt(_ path: String, _ what: String) -> ArchiveError {
        ArchiveError("\(path): corrupt archive: \(what)")
    }
}
