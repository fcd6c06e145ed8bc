internal import CNNG

/// An `nng_ctx`: an independent protocol state machine on a shared socket.
///
/// On a rep socket each context receives one request and sends its reply, so N contexts serve N
/// requests at once. On a req socket each context carries one outstanding request, so concurrent
/// callers each use their own context. A context runs one operation at a time (a precondition).
public final class Context: @unchecked Sendable {
    // Safety: nng contexts are thread-safe handles; `io` serialises operations (one at a time).
    private let handle: nng_ctx  // owned; closed by close() or deinit
    private let io: AsyncIO
    /// Kept so the socket outlives its contexts.
    public let socket: Socket

    init(socket: Socket) throws(NNGError) {
        var ctx = nng_ctx()
        try check(socket.withOpenSocket { nng_ctx_open(&ctx, socket.handle) }, "nng_ctx_open")
        self.handle = ctx
        self.socket = socket
        do { self.io = try AsyncIO() } catch {
            nng_ctx_close(ctx)
            throw error
        }
    }

    deinit { close() }

    /// Sends `message`; nng owns it once the send succeeds, otherwise it is freed here.
    ///
    /// - Parameter timeout: deadline for the send; `nil` waits without one.
    public func send(_ message: consuming Message, timeout: Duration? = nil) async throws(NNGError) {
        io.setMessage(message.release())
        let rc = await io.run(timeout: timeout) { aio in
            socket.withOpenSocket { nng_ctx_send(handle, aio) }
        }
        if rc != 0, let unsent = io.takeMessage() {
            _ = Message(adopting: unsent)  // nng left the message with us; its deinit frees it
        }
        try check(rc, "nng_ctx_send")
    }

    /// Receives the next message (on a req context: the reply to the last request).
    ///
    /// - Parameter timeout: deadline for the receive; `nil` waits without one.
    ///   Expiry throws `NNGError` with code `.timedOut`.
    public func receive(timeout: Duration? = nil) async throws(NNGError) -> Message {
        let rc = await io.run(timeout: timeout) { aio in
            socket.withOpenSocket { nng_ctx_recv(handle, aio) }
        }
        try check(rc, "nng_ctx_recv")
        guard let raw = io.takeMessage() else {
            throw NNGError(code: .incorrectState, operation: "nng_ctx_recv")
        }
        return Message(adopting: raw)
    }

    /// Closes the context; a pending operation completes with `.closed`. Idempotent.
    public func close() {
        // NNG_ECLOSED on a second close (or after the socket's) is expected and harmless.
        _ = socket.withOpenSocket { nng_ctx_close(handle) }
    }
}
