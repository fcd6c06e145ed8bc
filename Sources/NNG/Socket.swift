// NNG: a thin, safe Swift wrapper over nng 1.5.2 (req0/rep0 sockets, contexts, messages).
//
// Note on blocking: no call here blocks a thread of Swift's cooperative pool. Sends and receives go
// through `nng_aio` whose completion callbacks (on nng's own threads) resume continuations; dial is
// non-blocking (`NNG_FLAG_NONBLOCK`), so a client may start before its server. The C types never
// leave this module (`internal import CNNG`); every nng return code goes through `check(_:_:)`.
internal import CNNG
import Synchronization

/// An nng socket speaking req0 or rep0.
public final class Socket: @unchecked Sendable {
    /// The scalability protocol of a socket.
    public enum Kind: Sendable {
        /// Request side: sends requests, receives replies (with resend and reconnect).
        case req0
        /// Reply side: receives requests, sends one reply to each.
        case rep0
    }

    // Safety: nng sockets are thread-safe; `handle` is immutable and `closed` sits in a Mutex.
    let handle: nng_socket  // owned; closed by close() or deinit
    /// True once closed. Held while a context operation is handed to nng and while the socket closes:
    /// nng 1.5.2 aborts (a mutex of a freed context) when `nng_close` runs during `nng_ctx_send`, so the
    /// two never overlap. Hand-offs are short (the waiting happens later, in the aio).
    private let closed = Mutex<Bool>(false)

    /// Opens a socket of the given protocol.
    public init(_ kind: Kind) throws(NNGError) {
        var socket = nng_socket()
        switch kind {
        case .req0: try check(nng_req0_open(&socket), "nng_req0_open")
        case .rep0: try check(nng_rep0_open(&socket), "nng_rep0_open")
        }
        handle = socket
    }

    deinit { close() }

    /// Listens on `url` (`tcp://host:port`, `ipc://path`, `inproc://name`) and returns the bound URL.
    ///
    /// For `tcp://…:0` the returned URL carries the port the kernel chose.
    @discardableResult
    public func listen(_ url: String) throws(NNGError) -> String {
        var listener = nng_listener()
        try check(nng_listen(handle, url, &listener, 0), "nng_listen")
        guard url.hasPrefix("tcp"), url.hasSuffix(":0") else { return url }
        var port: CInt = 0
        try check(nng_listener_get_int(listener, NNG_OPT_TCP_BOUND_PORT, &port), "nng_listener_get_int")
        return String(url.dropLast()) + String(port)
    }

    /// Dials `url` without waiting: the connection is made (and remade) in the background, so the
    /// listener may start later. Requests sent meanwhile wait for it (bounded by their deadlines).
    public func dial(_ url: String) throws(NNGError) {
        try check(nng_dial(handle, url, nil, CInt(NNG_FLAG_NONBLOCK)), "nng_dial")
    }

    /// Largest message the socket accepts, in bytes (`NNG_OPT_RECVMAXSZ`; 0 = no limit).
    ///
    /// Enforced by stream transports (tcp, ipc): a larger message is dropped and its connection
    /// closed. The in-process transport does not enforce it.
    public func setReceiveMaxSize(bytes: Int) throws(NNGError) {
        precondition(bytes >= 0, "a size limit cannot be negative")
        try check(nng_socket_set_size(handle, NNG_OPT_RECVMAXSZ, bytes), "nng_socket_set_size")
    }

    /// Wait between reconnect attempts: starts at `min`, doubles up to `max`.
    public func setReconnectTimes(min: Duration, max: Duration) throws(NNGError) {
        try check(nng_socket_set_ms(handle, NNG_OPT_RECONNMINT, nngDuration(min)), "nng_socket_set_ms")
        try check(nng_socket_set_ms(handle, NNG_OPT_RECONNMAXT, nngDuration(max)), "nng_socket_set_ms")
    }


    /// Opens a context on this socket (see `Context`).
    public func makeContext() throws(NNGError) -> Context {
        try Context(socket: self)
    }

    /// Closes the socket and its contexts; pending operations complete with `.closed`. Idempotent.
    public func close() {
        closed.withLock { closed in
            guard !closed else { return }
            closed = true
            _ = nng_close(handle)
        }
    }

    /// Runs `body` (a call that hands an operation on one of this socket's contexts to nng) so that it
    /// never overlaps `close()`. After a close, nng itself refuses the operation with NNG_ECLOSED.
    func withOpenSocket<R>(_ body: () -> R) -> R {
        closed.withLock { _ in body() }
    }
}
