/// A failure reported by zlib while decompressing, or a stream that ended too early.
///
/// Follows the wrapper convention of this package: an open result code, the operation that
/// failed and a human-readable message (zlib's own `msg` when it gave one).
public struct GzipError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A zlib result code (`Z_*`); open so that codes we do not name still round-trip.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32

        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// `Z_STREAM_ERROR`: inconsistent stream state (a bug, not bad input).
        public static let streamError = Code(rawValue: -2)
        /// `Z_DATA_ERROR`: the input is not valid gzip/zlib data (corrupt or wrong format).
        public static let dataError = Code(rawValue: -3)
        /// `Z_MEM_ERROR`: zlib could not allocate memory.
        public static let memoryError = Code(rawValue: -4)
        /// `Z_BUF_ERROR`: no progress possible; at end of input this means the data is truncated.
        public static let bufferError = Code(rawValue: -5)
        /// `Z_VERSION_ERROR`: the linked zlib is incompatible with the headers.
        public static let versionError = Code(rawValue: -6)

        public var description: String {
            switch self {
            case .streamError: "Z_STREAM_ERROR"
            case .dataError: "Z_DATA_ERROR"
            case .memoryError: "Z_MEM_ERROR"
            case .bufferError: "Z_BUF_ERROR"
            case .versionError: "Z_VERSION_ERROR"
            default: "zlib code \(rawValue)"
            }
        }
    }

    /// What zlib (or this wrapper) reported.
    public let code: Code
    /// The call or step that failed, e.g. `inflate` or `finish`.
    public let operation: String
    /// Why, in words.
    public let message: String

    /// Creates an error; `message` should say what is wrong with the data when that is known.
    public init(code: Code, operation: String, message: String) {
        self.code = code
        self.operation = operation
        self.message = message
    }

    /// True when the compressed stream stopped before its end marker (a cut-off file).
    public var isTruncation: Bool { code == .bufferError && operation == "finish" }

    public var description: String { "\(operation) failed (\(code)): \(message)" }
}
