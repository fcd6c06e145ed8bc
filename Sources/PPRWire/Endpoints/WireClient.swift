// WireClient: a typed NNG req endpoint. Each call opens its own req context on the shared socket,
// so calls run concurrently; the dial is non-blocking, so a client may start before its server.
// A fail-fast client (pwctl) instead makes its first connection attempt up front and reports a
// refused connection at once ("nothing listens at URL") instead of waiting for the deadline.
// The background dialer is watched (`DialerWatchdog`): nng 1.5.2 can stop redialling for good after a
// connection fails during negotiation, and the watchdog restarts it.
import NNG
import Synchronization

/// Calls a `ppr.v1` server at one URL.
public final class WireClient: Sendable {
    /// The URL dialled.
    public let url: String
    private let socket: Socket  // owned; closed by close()
    private let nextRequestID = Atomic<UInt64>(1)
    /// Sent in every request envelope (the front's bearer token); never logged.
    private let token: String?
    /// A fail-fast client's first connection attempt: its error, if it failed. `nil` for others.
    private let firstDial: Task<WireError?, Never>?
    /// Set by the first call that reads `firstDial`'s outcome, so a failure is reported only once
    /// (later calls use the background redial).
    private let firstDialReported = Atomic<Bool>(false)
    /// Restarts the background dialer if it stops redialling.
    private let dialerWatch = DialerWatch()

    /// Dials `url` (`tcp://`, `tls+tcp://`, `ipc://`, `inproc://`).
    ///
    /// - Parameters:
    ///   - tls: certificates for a `tls+tcp://` URL (required for one, refused for any other scheme).
    ///   - token: a bearer token sent with every request.
    ///   - failFast: make the first connection attempt now and fail the first call at once with
    ///     UNAVAILABLE ("nothing listens at URL", or the TLS failure) if it fails; later calls wait
    ///     for the background redial. Without it the dial is in the background from the start, so
    ///     the server may start after the client.
    public init(
        dialing url: String, maxResponseBytes: Int = 256 << 20, tls: WireTLS? = nil, token: String? = nil,
        failFast: Bool = false
    ) throws(WireError) {
        self.url = url
        self.token = token
        if let problem = WireURL.problem(with: url) {
            throw WireError(.invalidArgument, "cannot dial \(url): \(problem)")
        }
        guard (tls != nil) == WireTLS.isTLS(url) else {
            throw WireError(
                .invalidArgument,
                tls == nil
                    ? "cannot dial \(url): a tls+tcp:// URL needs certificates (a CA file at least)"
                    : "cannot dial \(url): TLS is configured, so the URL must be tls+tcp://")
        }
        let tlsConfiguration = try tls?.configuration(server: false)
        let socket: Socket
        do {
            socket = try Socket(.req0)
            try socket.setReceiveMaxSize(bytes: maxResponseBytes)
            try socket.setReconnectTimes(min: .milliseconds(50), max: .seconds(2))
            if !failFast { dialerWatch.watch(try socket.dial(url, tls: tlsConfiguration)) }
        } catch {
            throw WireError(.invalidArgument, "cannot dial \(url): \(error)")
        }
        self.socket = socket
        firstDial =
            failFast ? Task { [dialerWatch] in await Self.dialFirst(socket, url, tlsConfiguration, dialerWatch) } : nil
    }

    /// The first connection attempt of a fail-fast client; on failure, starts the background redial.
    private static func dialFirst(
        _ socket: Socket, _ url: String, _ tls: TLSConfiguration?, _ watch: DialerWatch
    ) async -> WireError? {
        do {
            watch.watch(try await socket.dialFirstAttempt(url, tls: tls))
            return nil
        } catch {
            if let dialer = try? socket.dial(url, tls: tls) { watch.watch(dialer) }
            switch error.code {
            case .connectionRefused, .notFound: return WireError(.unavailable, "nothing listens at \(url)")
            case .cryptoFailure, .peerAuthentication, .connectionShutdown, .closed:
                return WireError(.unavailable, "TLS connection to \(url) failed (certificate refused?): \(error)")
            default: return WireError(.unavailable, "cannot connect to \(url): \(error)")
            }
        }
    }

    /// Waits (at most `deadline`) for the first connection attempt; throws its failure to one caller.
    private func awaitFirstDial(within deadline: Duration) async throws(WireError) {
        guard let firstDial, !firstDialReported.load(ordering: .relaxed) else { return }
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<WireError??, Never>) in
            let once = Mutex<CheckedContinuation<WireError??, Never>?>(continuation)
            let resume = { @Sendable (value: WireError??) in
                once.withLock { pending in
                    pending?.resume(returning: value)
                    pending = nil
                }
            }
            Task { resume(.some(await firstDial.value)) }
            Task {
                try? await Task.sleep(for: deadline); resume(.none)
            }
        }
        guard case .some(let failure) = outcome else {
            throw WireError(.deadlineExceeded, "no connection to \(url) within \(WireURL.milliseconds(deadline))")
        }
        if let failure, !firstDialReported.exchange(true, ordering: .relaxed) { throw failure }
        firstDialReported.store(true, ordering: .relaxed)
    }

    deinit { close() }

    /// Closes the connection; calls in flight fail with UNAVAILABLE. Idempotent.
    public func close() {
        dialerWatch.stop()
        socket.close()
    }

    /// Times the dialer watchdog restarted the background dialer.
    public var dialerRestarts: Int { dialerWatch.restarts }

    /// Sends `request` and waits at most `deadline` for the reply.
    ///
    /// - Returns: the reply body (never `.failure`).
    /// - Throws: the server's `WireError`; DEADLINE_EXCEEDED when no reply came in time (the server is
    ///   down, slow or dropped the request), UNAVAILABLE when the client is closed, CANCELLED when the
    ///   task is, INVALID_ARGUMENT/INTERNAL for replies that do not decode or do not match.
    public func call(_ request: WireRequest, deadline: Duration) async throws(WireError) -> WireResponse {
        let id = nextRequestID.add(1, ordering: .relaxed).oldValue
        let bytes = WireCodec.encode(WireRequestEnvelope(requestID: id, request: request, token: token))
        let reply = try await exchange(bytes, method: request.method, deadline: deadline)
        if case .failure(let error) = reply.response { throw error }
        guard reply.requestID == id else {
            throw WireError(.internal, "reply from \(url) answers request \(reply.requestID), not \(id)")
        }
        return reply.response
    }

    /// Sends arbitrary bytes as a request and decodes whatever reply comes (tests, diagnostics).
    package func callRaw(_ bytes: [UInt8], deadline: Duration) async throws(WireError) -> WireResponseEnvelope {
        try await exchange(bytes, method: nil, deadline: deadline)
    }

    private func exchange(
        _ bytes: [UInt8], method: WireMethod?, deadline: Duration
    ) async throws(WireError) -> WireResponseEnvelope {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        try await awaitFirstDial(within: deadline)
        let reply: Message
        do {
            let context = try socket.makeContext()
            defer { context.close() }
            try await context.send(try Message(bytes), timeout: max(.zero, end - clock.now))
            reply = try await context.receive(timeout: max(.zero, end - clock.now))
        } catch {
            throw mapTransportError(error, method: name(method), deadline: deadline)
        }
        do {
            // Decoded from the message body itself (a combine reply is hundreds of kilobytes).
            return try reply.withUnsafeBytes { (body) throws(WireDecodeError) in try WireCodec.decodeResponse(body) }
        } catch {
            throw WireError(.internal, "reply from \(url) to \(name(method)): \(error)")
        }
    }

    private func name(_ method: WireMethod?) -> String { method.map { "\($0)" } ?? "raw request" }

    private func mapTransportError(_ error: NNGError, method: String, deadline: Duration) -> WireError {
        switch error.code {
        case .timedOut:
            WireError(.deadlineExceeded, "no reply from \(url) to \(method) within \(WireURL.milliseconds(deadline))")
        case .cancelled: WireError(.cancelled, "\(method) to \(url) cancelled")
        case .closed: WireError(.unavailable, "client for \(url) is closed")
        default: WireError(.unavailable, "\(method) to \(url) failed: \(error)")
        }
    }
}

/// The watchdog of a client's background dialer, checking once a second until the client closes.
private final class DialerWatch: Sendable {
    private struct State {
        var watchdog: DialerWatchdog?
        var task: Task<Void, Never>?
        var stopped = false
    }
    private let state = Mutex(State())

    /// Watches `dialer` from now on (unless the client has closed).
    func watch(_ dialer: Dialer) {
        state.withLock { state in
            guard !state.stopped else { return }
            state.task?.cancel()
            let watchdog = DialerWatchdog(dialer: dialer)
            state.watchdog = watchdog
            state.task = Task { await watchdog.run(every: .seconds(1)) }
        }
    }

    func stop() {
        state.withLock { state in
            state.stopped = true
            state.task?.cancel()
            state.task = nil
        }
    }

    var restarts: Int { state.withLock { $0.watchdog?.restarts ?? 0 } }
}
