import FlowSupport

/// Why a compressed stream could not be decoded. Every return code of zlib, ISA-L and lz4 that
/// signals a failure maps to one of these (the compress-nio pattern: a struct wrapping a private
/// enum so cases can be added without breaking callers).
public struct CodecError: Error, CustomStringConvertible, Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        case truncated
        case corruptData(String)
        case badChecksum
        case trailingGarbage(offset: Int64)
        case unsupportedMethod
        case needsDictionary
        case outOfMemory
        case internalState(String)
        case outputSizeMismatch(expected: Int, actual: Int)
        case io(SysError)
    }

    let kind: Kind

    public static let truncated = CodecError(kind: .truncated)
    public static let badChecksum = CodecError(kind: .badChecksum)
    public static let unsupportedMethod = CodecError(kind: .unsupportedMethod)
    public static let needsDictionary = CodecError(kind: .needsDictionary)
    public static let outOfMemory = CodecError(kind: .outOfMemory)
    public static func corruptData(_ reason: String) -> CodecError { CodecError(kind: .corruptData(reason)) }
    public static func trailingGarbage(at offset: Int64) -> CodecError { CodecError(kind: .trailingGarbage(offset: offset)) }
    public static func internalState(_ reason: String) -> CodecError { CodecError(kind: .internalState(reason)) }
    public static func outputSizeMismatch(expected: Int, actual: Int) -> CodecError {
        CodecError(kind: .outputSizeMismatch(expected: expected, actual: actual))
    }
    public static func io(_ e: SysError) -> CodecError { CodecError(kind: .io(e)) }

    public var isTruncation: Bool { kind == .truncated }

    public var description: String {
        switch kind {
        case .truncated: return "unexpected end of file (truncated gzip stream)"
        case .corruptData(let why): return "corrupt compressed data (\(why))"
        case .badChecksum: return "gzip checksum mismatch (corrupt data)"
        case .trailingGarbage(let off): return "trailing garbage after the last gzip member at byte \(off)"
        case .unsupportedMethod: return "unsupported compression method (not deflate)"
        case .needsDictionary: return "stream needs a preset dictionary (not a gzip file)"
        case .outOfMemory: return "out of memory in the decompressor"
        case .internalState(let why): return "decompressor error (\(why))"
        case .outputSizeMismatch(let e, let a): return "decompressed \(a) bytes where \(e) were expected"
        case .io(let e): return e.description
        }
    }
}
