// NNG: a thin, safe Swift wrapper over nng 1.5.2 (req0/rep0 sockets, contexts, messages).
//
// Note on blocking: no call here blocks a thread of Swift's cooperative pool. Sends and receives go
// through `nng_aio` whose completion callbacks (on nng's own threads) resume continuations; dial is
// non-blocking (`NNG_FLAG_NONBLOCK`), so a client may start before its server. The C types never
// leave this module (`internal import CNNG`); every nng return code goes through `check(_:_:)`.
internal import CNNG
import Glibc
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
    /// The listeners and dialers opened, kept (with their TLS configurations) for the life of the socket.
    private let listeners = Mutex<[Listener]>([])
    private let dialers = Mutex<[Dialer]>([])
    /// The connection cap, when `limitConnections` was called.
    private let connectionGate = Mutex<ConnectionGate?>(nil)

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

    /// Listens on `url` (`tcp://host:port`, `tls+tcp://host:port`, `ipc://path`, `inproc://name`) and
    /// returns the bound URL.
    ///
    /// For `tcp://…:0` and `tls+tcp://…:0` the returned URL carries the port the kernel chose. A
    /// `tls+tcp://` URL needs `tls` (a `.server` configuration); other schemes ignore it.
    @discardableResult
    public func listen(_ url: String, tls: TLSConfiguration? = nil) throws(NNGError) -> String {
        try openListener(url, tls: tls).url
    }

    /// Listens on `url` as `listen` does and returns the listener, for its statistics and `restart`
    /// (see `ListenerWatchdog`). The socket keeps it; closing the socket closes it.
    public func openListener(_ url: String, tls: TLSConfiguration? = nil) throws(NNGError) -> Listener {
        let listener = try Listener(socket: handle, url: url, tls: url.hasPrefix("tls+") ? tls : nil)
        listeners.withLock { $0.append(listener) }
        return listener
    }

    /// Dials `url` without waiting: the connection is made (and remade) in the background, so the
    /// listener may start later. Requests sent meanwhile wait for it (bounded by their deadlines).
    /// A `tls+tcp://` URL needs `tls` (a `.client` configuration). Returns the dialer (for `DialerWatchdog`).
    @discardableResult
    public func dial(_ url: String, tls: TLSConfiguration? = nil) throws(NNGError) -> Dialer {
        let dialer = try Dialer.start(socket: handle, url: url, tls: tls)
        return keep(Dialer(socket: handle, url: url, tls: tls, handle: dialer))
    }

    /// Dials `url` and waits for the first connection attempt (for TLS, including the handshake),
    /// so that "nothing listens there" (`.connectionRefused`) or a refused certificate is reported at
    /// once. After a successful first attempt the connection is remade in the background as with
    /// `dial`; after a failed one nothing is dialled (call `dial` for background retries).
    ///
    /// The blocking connect runs on a thread of its own, never on the cooperative pool. An unreachable
    /// host can keep that attempt waiting for the kernel's connect timeout: callers bound their wait.
    /// Returns the dialer, which goes on redialling in the background.
    @discardableResult
    public func dialFirstAttempt(_ url: String, tls: TLSConfiguration? = nil) async throws(NNGError) -> Dialer {
        let dialer = try Dialer.make(socket: handle, url: url, tls: tls)
        let rc = await withCheckedContinuation { (continuation: CheckedContinuation<CInt, Never>) in
            let job = Unmanaged.passRetained(BlockingDial(dialer: dialer, continuation: continuation)).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(
                &thread, nil,
                { arg in
                    // Safety: arg is the retained BlockingDial passed below; taken (released) exactly once.
                    let job = Unmanaged<BlockingDial>.fromOpaque(arg!).takeRetainedValue()
                    job.continuation.resume(returning: nng_dialer_start(job.dialer, 0))
                    return nil
                }, job)
            if created == 0 {
                pthread_detach(thread)
            } else {
                Unmanaged<BlockingDial>.fromOpaque(job).release()
                continuation.resume(returning: CInt(NNG_ENOMEM.rawValue))
            }
        }
        if rc != 0 { nng_dialer_close(dialer) }
        try check(rc, "nng_dialer_start")
        return keep(Dialer(socket: handle, url: url, tls: tls, handle: dialer))
    }

    /// Keeps `dialer` (and its TLS configuration; nng holds its own reference too) as long as the socket.
    private func keep(_ dialer: Dialer) -> Dialer {
        dialers.withLock { $0.append(dialer) }
        return dialer
    }

    /// Caps the connections this socket accepts and, optionally, refuses peers whose TLS certificate
    /// did not verify. Call before `listen`; at most once per socket.
    ///
    /// When a connection arrives at the cap, the connection that has been silent longest and is not
    /// waiting for a reply (see `connectionBusy`) is closed to make room; when every connection is
    /// waiting for a reply, the new one is closed instead. Either way the memory held by partly received
    /// messages is at most `maxConnections` × the receive size limit, and a client cannot keep others
    /// out by holding idle connections. `requireVerifiedPeer` is a second check behind a TLS
    /// configuration with `.required` peers: a connection whose `NNG_OPT_TLS_VERIFIED` is false is closed.
    public func limitConnections(to maxConnections: Int, requireVerifiedPeer: Bool) throws(NNGError) {
        precondition(maxConnections >= 1, "a socket must accept at least one connection")
        // Retained for the life of the process: nng may run a pipe callback after nng_close returns
        // (pipes are reaped asynchronously), so the gate is never freed. One small object per server.
        let gate = Unmanaged.passRetained(ConnectionGate(max: maxConnections, requireVerified: requireVerifiedPeer))
        let callback: nng_pipe_cb = { pipe, event, arg in
            // Safety: arg is the gate retained above, never released.
            let gate = Unmanaged<ConnectionGate>.fromOpaque(arg!).takeUnretainedValue()
            switch event {
            case NNG_PIPE_EV_ADD_PRE:
                gate.admit(pipe)
            case NNG_PIPE_EV_REM_POST:
                gate.remove(pipe)
            default:
                break
            }
        }
        let arg = gate.toOpaque()
        try check(nng_pipe_notify(handle, NNG_PIPE_EV_ADD_PRE, callback, arg), "nng_pipe_notify")
        try check(nng_pipe_notify(handle, NNG_PIPE_EV_REM_POST, callback, arg), "nng_pipe_notify")
        connectionGate.withLock { $0 = gate.takeUnretainedValue() }
    }

    /// Records that a request arrived on connection `id` (`Message.connectionID`): it is busy (never
    /// closed for silence or to make room) until `connectionAnswered`. No-op without `limitConnections`.
    public func connectionBusy(_ id: UInt32) {
        connectionGate.withLock { $0 }?.busy(id)
    }

    /// Records that the reply to a request of connection `id` was sent (or dropped).
    public func connectionAnswered(_ id: UInt32) {
        connectionGate.withLock { $0 }?.answered(id)
    }

    /// Closes every connection that is not waiting for a reply and has been silent (no complete request
    /// received, no reply sent) for longer than `silence`, counting from when it connected. This is the
    /// receive deadline of a partly sent message. Returns how many were closed.
    @discardableResult
    public func closeSilentConnections(olderThan silence: Duration) -> Int {
        connectionGate.withLock { $0 }?.closeSilent(olderThan: UInt64(nngDuration(silence))) ?? 0
    }

    /// Connections open now, and connections the cap closed so far (refused on arrival, evicted to make
    /// room, unverified, or silent too long); (0, 0) without `limitConnections`.
    public var connectionCounts: (open: Int, refused: Int) {
        connectionGate.withLock { gate in gate.map { ($0.openCount, $0.refusedCount) } ?? (0, 0) }
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

/// A first dial attempt handed to its own thread.
private final class BlockingDial: @unchecked Sendable {
    // Safety: immutable; used by exactly one thread after creation.
    let dialer: nng_dialer
    let continuation: CheckedContinuation<CInt, Never>
    init(dialer: nng_dialer, continuation: CheckedContinuation<CInt, Never>) {
        self.dialer = dialer
        self.continuation = continuation
    }
}

/// Admits connections up to a cap (and, optionally, only TLS-verified peers), tracks when each was
/// last active and whether it awaits a reply, and closes silent ones; runs on nng's threads and callers'.
final class ConnectionGate: Sendable {
    /// One admitted connection.
    private struct Entry {
        var pipe: nng_pipe
        /// `nng_clock()` milliseconds of the connect, the last request received or the last reply sent.
        var lastActivity: UInt64
        /// Requests received and not yet answered.
        var busy: Int = 0
    }

    private let max: Int
    private let requireVerified: Bool
    /// The admitted connections that are still open, by pipe id.
    private let open = Mutex<[UInt32: Entry]>([:])
    private let refused = Atomic<Int>(0)

    init(max: Int, requireVerified: Bool) {
        self.max = max
        self.requireVerified = requireVerified
    }

    /// Admits `pipe` (closing the longest-silent idle connection when at the cap) or closes it.
    func admit(_ pipe: nng_pipe) {
        if requireVerified {
            var verified = false
            guard nng_pipe_get_bool(pipe, NNG_OPT_TLS_VERIFIED, &verified) == 0, verified else {
                refused.add(1, ordering: .relaxed)
                nng_pipe_close(pipe)
                return
            }
        }
        let id = UInt32(bitPattern: nng_pipe_id(pipe))
        let now = UInt64(nng_clock())
        let (admitted, evicted) = open.withLock { open -> (Bool, nng_pipe?) in
            var evicted: nng_pipe?
            if open.count >= max {
                guard
                    let victim = open.filter({ $0.value.busy == 0 }).min(by: {
                        $0.value.lastActivity < $1.value.lastActivity
                    })
                else { return (false, nil) }
                evicted = open.removeValue(forKey: victim.key)?.pipe
            }
            open[id] = Entry(pipe: pipe, lastActivity: now)
            return (true, evicted)
        }
        if let evicted {
            refused.add(1, ordering: .relaxed)
            nng_pipe_close(evicted)
        }
        if !admitted {
            refused.add(1, ordering: .relaxed)
            nng_pipe_close(pipe)
        }
    }

    /// Forgets a closed pipe (a refused or evicted one is already gone).
    func remove(_ pipe: nng_pipe) {
        let id = UInt32(bitPattern: nng_pipe_id(pipe))
        _ = open.withLock { $0.removeValue(forKey: id) }
    }

    func busy(_ id: UInt32) {
        let now = UInt64(nng_clock())
        open.withLock { open in
            open[id]?.busy += 1
            open[id]?.lastActivity = now
        }
    }

    func answered(_ id: UInt32) {
        let now = UInt64(nng_clock())
        open.withLock { open in
            guard var entry = open[id] else { return }
            entry.busy = Swift.max(0, entry.busy - 1)
            entry.lastActivity = now
            open[id] = entry
        }
    }

    /// Closes the idle connections silent for more than `milliseconds`; returns how many.
    func closeSilent(olderThan milliseconds: UInt64) -> Int {
        let now = UInt64(nng_clock())
        let silent = open.withLock { open -> [nng_pipe] in
            let ids = open.filter { $0.value.busy == 0 && now &- $0.value.lastActivity > milliseconds }.map(\.key)
            return ids.compactMap { open.removeValue(forKey: $0)?.pipe }
        }
        for pipe in silent { nng_pipe_close(pipe) }
        return silent.count
    }

    var openCount: Int { open.withLock { $0.count } }
    var refusedCount: Int { refused.load(ordering: .relaxed) }
}
