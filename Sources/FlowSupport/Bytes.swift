// Little-endian byte writing and bounds-checked reading, in the manner of swift-nio's ByteBuffer:
// every multi-byte access names its endianness (the archive format is little-endian throughout),
// and every read checks bounds and throws instead of trapping on hostile input.

#if _endian(big)
#error("flowarc's archive code assumes a little-endian host")
#endif

/// An append-only byte buffer with explicit little-endian writers. The generic writes are
/// `@inlinable`, so that callers in other modules get them specialised (see `ByteReader`).
public struct ByteWriter: Sendable {
    @usableFromInline var storage: [UInt8]

    public var bytes: [UInt8] { storage }

    public init(capacity: Int = 256) {
        storage = []
        storage.reserveCapacity(capacity)
    }

    public var count: Int { storage.count }

    @inlinable
    public mutating func writeInteger<T: FixedWidthInteger>(_ value: T, endianness: Endianness = .little) {
        let v = endianness == .little ? value.littleEndian : value.bigEndian
        withUnsafeBytes(of: v) { storage.append(contentsOf: $0) }
    }

    @inlinable
    public mutating func writeBytes<C: Collection>(_ data: C) where C.Element == UInt8 {
        storage.append(contentsOf: data)
    }

    @inlinable
    public mutating func writeBytes(_ data: UnsafeRawBufferPointer) {
        storage.append(contentsOf: data)
    }

    /// A UTF-8 string prefixed by its byte length as a little-endian UInt32.
    public mutating func writeLengthPrefixedString(_ s: String) {
        let utf8 = Array(s.utf8)
        writeInteger(UInt32(utf8.count))
        storage.append(contentsOf: utf8)
    }

    public mutating func writeZeros(_ n: Int) {
        storage.append(contentsOf: repeatElement(0, count: n))
    }

    /// Overwrites an integer written earlier (for lengths known only afterwards).
    @inlinable
    public mutating func setInteger<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { src in
            for i in 0..<src.count { storage[offset + i] = src[i] }
        }
    }

    public mutating func reserveCapacity(_ n: Int) { storage.reserveCapacity(n) }
}

public enum Endianness: Sendable { case little, big }

/// Thrown by `ByteReader` when a structure would run past the end of its bytes.
public struct TruncatedError: Error, CustomStringConvertible, Sendable {
    public let context: String
    public let offset: Int
    public let needed: Int
    public let available: Int
    public var description: String {
        "\(context): truncated (needed \(needed) bytes at offset \(offset), \(available) available)"
    }

    @inlinable
    public init(context: String, offset: Int, needed: Int, available: Int) {
        self.context = context
        self.offset = offset
        self.needed = needed
        self.available = available
    }
}

/// A bounds-checked little-endian reader over an owned byte array. The reads are `@inlinable`:
/// called from other modules, an unspecialised generic read looks up type metadata on every
/// call (it showed as a third of the time to open an archive).
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    @usableFromInline var position: Int
    public let end: Int
    public var context: String

    public init(_ bytes: [UInt8], context: String = "data") {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
        self.context = context
    }

    public init(_ bytes: [UInt8], range: Range<Int>, context: String) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
        self.context = context
    }

    public var offset: Int { position }

    public var remaining: Int { end - position }

    @inlinable
    func check(_ n: Int) throws {
        if n < 0 || n > end - position {
            throw TruncatedError(context: context, offset: position, needed: n, available: end - position)
        }
    }

    @inlinable
    public mutating func readInteger<T: FixedWidthInteger>(
        endianness: Endianness = .little, as: T.Type = T.self
    ) throws -> T {
        let size = MemoryLayout<T>.size
        try check(size)
        let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: position, as: T.self) }
        position += size
        return endianness == .little ? T(littleEndian: v) : T(bigEndian: v)
    }

    @inlinable
    public mutating func readBytes(_ n: Int) throws -> ArraySlice<UInt8> {
        try check(n)
        defer { position += n }
        return bytes[position..<position + n]
    }

    @inlinable
    public mutating func readRange(_ n: Int) throws -> Range<Int> {
        try check(n)
        defer { position += n }
        return position..<position + n
    }

    @inlinable
    public mutating func skip(_ n: Int) throws {
        try check(n)
        position += n
    }

    public mutating func readLengthPrefixedString(maxLength: Int = 1 << 20) throws -> String {
        let n = Int(try readInteger(as: UInt32.self))
        if n > maxLength { throw TruncatedError(context: context + " (string length)", offset: offset, needed: n, available: maxLength) }
        let slice = try readBytes(n)
        return String(decoding: slice, as: UTF8.self)
    }
}

/// A bounds-checked reader, as `ByteReader`, over memory it does not own (a file mapping):
/// whoever made the reader keeps that memory alive and unchanged while it reads.
public struct RawByteReader {
    public let bytes: UnsafeRawBufferPointer
    @usableFromInline var position = 0
    public var context: String

    public init(_ bytes: UnsafeRawBufferPointer, context: String) {
        self.bytes = bytes
        self.context = context
    }

    public var offset: Int { position }

    public var remaining: Int { bytes.count - position }

    @inlinable
    func check(_ n: Int) throws {
        if n < 0 || n > bytes.count - position {
            throw TruncatedError(context: context, offset: position, needed: n, available: bytes.count - position)
        }
    }

    @inlinable
    public mutating func readInteger<T: FixedWidthInteger>(endianness: Endianness = .little, as: T.Type = T.self) throws -> T {
        try check(MemoryLayout<T>.size)
        let v = bytes.loadUnaligned(fromByteOffset: position, as: T.self)
        position += MemoryLayout<T>.size
        return endianness == .little ? T(littleEndian: v) : T(bigEndian: v)
    }

    @inlinable
    public mutating func readBytes(_ n: Int) throws -> UnsafeRawBufferPointer {
        try check(n)
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + n])
    }

    @inlinable
    public mutating func readRange(_ n: Int) throws -> Range<Int> {
        try check(n)
        defer { position += n }
        return position..<position + n
    }

    public mutating func skip(_ n: Int) throws {
        try check(n)
        position += n
    }

    /// A u32 LE length, then that many bytes of UTF-8.
    public mutating func readLengthPrefixedString(maxLength: Int = 1 << 20) throws -> String {
        let n = Int(try readInteger(as: UInt32.self))
        if n > maxLength { throw TruncatedError(context: context + " (string length)", offset: position, needed: n, available: maxLength) }
        return String(decoding: try readBytes(n), as: UTF8.self)
    }
}
