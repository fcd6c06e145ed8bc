internal import CNNG

/// One nng message, uniquely owned.
///
/// `~Copyable` so that exactly one owner frees it: `Context.send` consumes the message and hands it to
/// nng only when the send succeeds; on failure (and whenever a `Message` simply goes out of scope)
/// `deinit` frees it.
public struct Message: ~Copyable, @unchecked Sendable {
    // Safety: `handle` is owned by this value alone (no copies exist); nng messages are not bound to
    // a thread, so moving the owner between tasks is safe. Freed in deinit unless `release()` ran.
    private let handle: OpaquePointer

    /// Takes ownership of an `nng_msg*` that nng handed to us (a received message).
    init(adopting handle: OpaquePointer) {
        self.handle = handle
    }

    /// A message of `byteCount` bytes filled by `initialize`, which must write every byte.
    ///
    /// Lets encoders write straight into the message body instead of building an array first.
    public init(
        byteCount: Int, initializingWith initialize: (UnsafeMutableRawBufferPointer) -> Void
    ) throws(NNGError) {
        precondition(byteCount >= 0, "a message cannot have a negative size")
        var raw: OpaquePointer?
        try check(nng_msg_alloc(&raw, byteCount), "nng_msg_alloc")
        // Safety: nng_msg_alloc succeeded, so raw is a message whose body has byteCount bytes.
        let handle = raw!
        initialize(UnsafeMutableRawBufferPointer(start: nng_msg_body(handle), count: byteCount))
        self.handle = handle
    }

    /// A message holding a copy of `bytes`.
    public init(_ bytes: [UInt8]) throws(NNGError) {
        try self.init(byteCount: bytes.count) { body in
            bytes.withUnsafeBytes { source in body.copyMemory(from: source) }
        }
    }

    deinit { nng_msg_free(handle) }

    /// The id of the connection (pipe) a received message came in on; 0 for a message built locally.
    public var connectionID: UInt32 { UInt32(bitPattern: nng_pipe_id(nng_msg_get_pipe(handle))) }

    /// Body length in bytes.
    public var count: Int { nng_msg_len(handle) }

    /// A copy of the body.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Borrowed, read-only access to the body; the buffer must not escape `body`.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        // Safety: the body pointer is valid for nng_msg_len bytes while self (the owner) is borrowed.
        try body(UnsafeRawBufferPointer(start: nng_msg_body(handle), count: nng_msg_len(handle)))
    }

    /// Gives up ownership without freeing; the caller now owns the `nng_msg*`.
    consuming func release() -> OpaquePointer {
        let handle = self.handle
        discard self
        return handle
    }
}
