internal import CNNG

/// A failed nng call: the nng error code, the C function that failed and `nng_strerror`'s text.
public struct NNGError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An nng error number; open, so codes this wrapper does not name still round-trip.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// The operation did not finish before its deadline (`NNG_ETIMEDOUT`).
        public static let timedOut = Code(NNG_ETIMEDOUT)
        /// The socket or context was closed (`NNG_ECLOSED`).
        public static let closed = Code(NNG_ECLOSED)
        /// The operation was cancelled, e.g. by task cancellation (`NNG_ECANCELED`).
        public static let cancelled = Code(NNG_ECANCELED)
        /// An argument (URL, option value) was invalid (`NNG_EINVAL`).
        public static let invalid = Code(NNG_EINVAL)
        /// The address is already in use (`NNG_EADDRINUSE`).
        public static let addressInUse = Code(NNG_EADDRINUSE)
        /// The address could not be parsed or resolved (`NNG_EADDRINVAL`).
        public static let addressInvalid = Code(NNG_EADDRINVAL)
        /// The remote refused the connection (`NNG_ECONNREFUSED`).
        public static let connectionRefused = Code(NNG_ECONNREFUSED)
        /// The operation is not valid in the protocol's current state (`NNG_ESTATE`).
        public static let incorrectState = Code(NNG_ESTATE)
        /// Out of memory (`NNG_ENOMEM`).
        public static let noMemory = Code(NNG_ENOMEM)
        /// A message was larger than allowed (`NNG_EMSGSIZE`).
        public static let messageTooLarge = Code(NNG_EMSGSIZE)
        /// Not supported by this protocol or transport (`NNG_ENOTSUP`).
        public static let notSupported = Code(NNG_ENOTSUP)
        /// A file or entry does not exist (`NNG_ENOENT`).
        public static let notFound = Code(NNG_ENOENT)
        /// A TLS handshake or cryptographic operation failed (`NNG_ECRYPTO`).
        public static let cryptoFailure = Code(NNG_ECRYPTO)
        /// The peer could not be authenticated, e.g. its certificate did not verify (`NNG_EPEERAUTH`).
        public static let peerAuthentication = Code(NNG_EPEERAUTH)
        /// The peer closed the connection (`NNG_ECONNSHUT`).
        public static let connectionShutdown = Code(NNG_ECONNSHUT)

        private init(_ value: nng_errno_enum) { rawValue = Int32(bitPattern: value.rawValue) }

        public var description: String { String(cString: nng_strerror(rawValue)) }
    }

    /// What went wrong.
    public let code: Code
    /// The nng function that reported it, e.g. `nng_dial`.
    public let operation: String
    /// `nng_strerror(code)`.
    public let message: String

    /// Makes an error for `code` raised by `operation`.
    public init(code: Code, operation: String) {
        self.code = code
        self.operation = operation
        self.message = code.description
    }

    public var description: String { "\(operation): \(message) (nng error \(code.rawValue))" }
}

/// The single choke point for nng return codes: 0 is success, anything else throws naming the call.
@inline(__always)
func check(_ rc: CInt, _ operation: StaticString) throws(NNGError) {
    guard rc != 0 else { return }
    throw NNGError(code: NNGError.Code(rawValue: rc), operation: String(describing: operation))
}

/// nng's millisecond duration for an optional Swift deadline (`nil` = wait forever).
func nngDuration(_ duration: Duration?) -> nng_duration {
    guard let duration else { return nng_duration(NNG_DURATION_INFINITE) }
    let (seconds, attoseconds) = duration.components
    guard seconds >= 0 else { return 0 }
    let millis = seconds.multipliedReportingOverflow(by: 1000).partialValue + attoseconds / 1_000_000_000_000_000
    return nng_duration(clamping: millis)
}
