/// A wire status code (proto `ppr.v1.ErrorCode`; numbers as gRPC's).
///
/// Open, so a code added by a newer peer still decodes and is passed on.
public struct WireErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Success; never carried by a `WireError`.
    public static let ok = WireErrorCode(rawValue: 0)
    /// The caller (or a deadline on its behalf) cancelled the work.
    public static let cancelled = WireErrorCode(rawValue: 1)
    /// An error with no better code.
    public static let unknown = WireErrorCode(rawValue: 2)
    /// A parameter is out of range or a request does not decode; the message names it.
    public static let invalidArgument = WireErrorCode(rawValue: 3)
    /// The deadline passed before an answer came.
    public static let deadlineExceeded = WireErrorCode(rawValue: 4)
    /// A named vertex, job or version does not exist.
    public static let notFound = WireErrorCode(rawValue: 5)
    /// The thing to create exists already.
    public static let alreadyExists = WireErrorCode(rawValue: 6)
    /// The caller is authenticated but its role may not call this method (e.g. a `query` token
    /// submitting a job).
    public static let permissionDenied = WireErrorCode(rawValue: 7)
    /// A size or quota limit was hit (e.g. a request over the server's byte limit).
    public static let resourceExhausted = WireErrorCode(rawValue: 8)
    /// The system is not in a state to do this (e.g. no index version is active).
    public static let failedPrecondition = WireErrorCode(rawValue: 9)
    /// The server does not implement this method.
    public static let unimplemented = WireErrorCode(rawValue: 12)
    /// A broken invariant on the server.
    public static let `internal` = WireErrorCode(rawValue: 13)
    /// A peer (worker, coordinator) could not be reached or did not answer in time.
    public static let unavailable = WireErrorCode(rawValue: 14)
    /// The request carried no valid credentials (no token, or an unknown one, where one is required).
    public static let unauthenticated = WireErrorCode(rawValue: 16)

    public var description: String {
        switch self {
        case .ok: "OK"
        case .cancelled: "CANCELLED"
        case .unknown: "UNKNOWN"
        case .invalidArgument: "INVALID_ARGUMENT"
        case .deadlineExceeded: "DEADLINE_EXCEEDED"
        case .notFound: "NOT_FOUND"
        case .alreadyExists: "ALREADY_EXISTS"
        case .permissionDenied: "PERMISSION_DENIED"
        case .resourceExhausted: "RESOURCE_EXHAUSTED"
        case .failedPrecondition: "FAILED_PRECONDITION"
        case .unimplemented: "UNIMPLEMENTED"
        case .internal: "INTERNAL"
        case .unavailable: "UNAVAILABLE"
        case .unauthenticated: "UNAUTHENTICATED"
        default: "CODE_\(rawValue)"
        }
    }
}

/// A failure as it crosses the wire: a code a program acts on, a message a person reads.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public var code: WireErrorCode
    /// Names the argument, vertex, job or shard at fault.
    public var message: String

    /// Makes an error.
    public init(_ code: WireErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

/// Bytes that are not a valid `ppr.v1.Envelope` (or not the kind expected), with the reason.
public struct WireDecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Why decoding failed, e.g. "not a protobuf Envelope (37 bytes)".
    public var reason: String

    /// Makes a decode error.
    public init(_ reason: String) { self.reason = reason }

    public var description: String { "undecodable message: \(reason)" }
}
