// WireServer: a typed NNG rep endpoint. N rep contexts each loop receive → decode → handle → reply,
// so N requests are served at once; nothing blocks the cooperative pool (NNG's aio callbacks do the
// waiting). A request that does not decode gets an INVALID_ARGUMENT reply and the loop goes on.
//
// Size limit: requests up to `maxRequestBytes` are handled. Larger ones up to twice the limit get a
// RESOURCE_EXHAUSTED reply. Beyond that, NNG's receive limit (NNG_OPT_RECVMAXSZ) drops them on tcp
// and ipc without reading them whole (the connection is closed; the caller sees its deadline pass),
// and inproc, which NNG does not limit, gets the RESOURCE_EXHAUSTED reply.
import NNG
import Synchronization

/// Serves `ppr.v1` requests on one URL with a handler.
public final class WireServer: Sendable {
    /// Answers one decoded request; a `.failure(WireError)` becomes an error reply.
    public typealias Handler = @Sendable (WireRequest) async -> WireResponse
    /// Decides, before the handler runs, whether a request with this method and token may proceed;
    /// returns the error to reply with when it may not. Runs on every request: keep it cheap.
    public typealias Authorizer = @Sendable (WireMethod, _ token: String?) -> WireError?
    /// What the listener watchdog did: nng 1.5.2 listeners can stop accepting after a connection fails
    /// during negotiation (see `ListenerWatchdog`); the watchdog finds that and listens again.
    public enum ListenerEvent: Sendable, Equatable {
        /// The listener had stopped accepting and was restarted (its connections were closed; clients redial).
        case restarted
        /// The listener had stopped accepting and listening again failed (why); the watchdog retries.
        case restartFailed(String)
    }
    /// Hears the watchdog's `ListenerEvent`s (for logs and metrics).
    public typealias ListenerObserver = @Sendable (ListenerEvent) -> Void

    /// The URL actually bound (for `tcp://…:0`, with the chosen port).
    public let url: String
    /// Largest request handled, in bytes.
    public let maxRequestBytes: Int
    private let socket: Socket  // owned; closed by close()
    /// Watches the listener of a tcp, tls+tcp or ipc URL (nil for other schemes).
    private let watchdog: ListenerWatchdog?
    private let loops = Mutex<[Task<Void, Never>]>([])

    /// Listens on `url` and starts `contexts` serving loops.
    ///
    /// - Parameters:
    ///   - tls: certificates for a `tls+tcp://` URL (required for one, refused for any other scheme).
    ///   - maxConnections: connections held at once (`nil` = no cap). At the cap, a new connection
    ///     replaces the longest-silent one that awaits no reply (or is closed if all await one). With the
    ///     receive limit (2 × `maxRequestBytes`) this bounds the memory that partly sent requests can
    ///     hold: `maxConnections` × 2 × `maxRequestBytes`.
    ///   - idleTimeout: a connection that awaits no reply and has been silent this long (no complete
    ///     request, no reply) is closed: the receive deadline of a partly sent request. Clients redial
    ///     by themselves. Needs `maxConnections`; `nil` = never.
    ///   - authorize: checked for every decoded request before `handler`.
    ///   - listenerCheck: how often the listener watchdog looks for a stopped listener.
    ///   - onListenerEvent: hears each restart the watchdog makes (for logs and metrics).
    public init(
        listeningOn url: String, contexts: Int = 4, maxRequestBytes: Int = 16 << 20, tls: WireTLS? = nil,
        maxConnections: Int? = nil, idleTimeout: Duration? = nil, authorize: Authorizer? = nil,
        listenerCheck: Duration = .seconds(1), onListenerEvent: ListenerObserver? = nil,
        handler: @escaping Handler
    ) throws(WireError) {
        precondition(contexts >= 1, "a server needs at least one context")
        precondition(maxRequestBytes >= 1, "the request size limit must be positive")
        self.maxRequestBytes = maxRequestBytes
        if let problem = WireURL.problem(with: url) {
            throw WireError(.invalidArgument, "cannot listen on \(url): \(problem)")
        }
        guard (tls != nil) == WireTLS.isTLS(url) else {
            throw WireError(
                .invalidArgument,
                tls == nil
                    ? "cannot listen on \(url): a tls+tcp:// URL needs certificates"
                    : "cannot listen on \(url): TLS is configured, so the URL must be tls+tcp://")
        }
        let tlsConfiguration = try tls?.configuration(server: true)
        do {
            let socket = try Socket(.rep0)
            self.socket = socket
            let (doubled, overflow) = maxRequestBytes.multipliedReportingOverflow(by: 2)
            try socket.setReceiveMaxSize(bytes: overflow ? 0 : doubled)
            if maxConnections != nil || idleTimeout != nil || tls?.requirePeerCertificate == true {
                try socket.limitConnections(
                    to: maxConnections ?? .max, requireVerifiedPeer: tls?.requirePeerCertificate == true)
            }
            let listener = try socket.openListener(url, tls: tlsConfiguration)
            self.url = listener.url
            let watchdog = ListenerWatchdog.applies(to: url) ? ListenerWatchdog(listener: listener) : nil
            self.watchdog = watchdog
            let serving = try (0..<contexts).map { _ in try socket.makeContext() }
            loops.withLock { loops in
                loops = serving.map { context in
                    Task { await Self.serve(context, limit: maxRequestBytes, authorize: authorize, handler: handler) }
                }
                if let idleTimeout {
                    loops.append(Task { await Self.closeSilentConnections(socket, after: idleTimeout) })
                }
                if let watchdog {
                    loops.append(
                        Task {
                            await watchdog.run(every: listenerCheck) { verdict in
                                switch verdict {
                                case .restarted: onListenerEvent?(.restarted)
                                case .restartFailed(let why): onListenerEvent?(.restartFailed(why))
                                case .quiet, .accepting: break
                                }
                            }
                        })
                }
            }
        } catch {
            throw WireError(.unavailable, "cannot listen on \(url): \(error)")
        }
    }

    /// Connections open now and connections refused so far (by the cap or an unverified peer).
    public var connectionCounts: (open: Int, refused: Int) { socket.connectionCounts }

    /// Times the listener watchdog restarted the listener (failed attempts included).
    public var listenerRestarts: Int { watchdog?.restarts ?? 0 }

    /// Why nothing accepts connections at `url` (the listener stopped and listening again failed; the
    /// watchdog retries every check), or nil while it listens. For readiness probes.
    public var listenerProblem: String? {
        guard let watchdog, !watchdog.isListening else { return nil }
        return "the listener on \(url) stopped accepting connections and could not listen again (retrying)"
    }

    deinit { close() }

    /// Stops serving without waiting: the loops are cancelled now and the socket is closed once they
    /// have returned. Idempotent. Use `shutdown()` where the caller must know the URL is free again.
    public func close() {
        let stopping = stopLoops()
        let socket = self.socket
        Task.detached { await Self.closeSocket(socket, after: stopping) }
    }

    /// Stops serving and returns once every loop has ended and the socket is closed (the URL can be
    /// bound again). Handlers still running are cancelled and awaited. Idempotent.
    public func shutdown() async {
        await Self.closeSocket(socket, after: stopLoops())
    }

    /// Cancels the serving loops (their pending receive or send is cancelled through its aio).
    private func stopLoops() -> [Task<Void, Never>] {
        loops.withLock { loops in
            let stopping = loops
            loops.removeAll()
            for loop in stopping { loop.cancel() }
            return stopping
        }
    }

    /// Closes the socket only after the loops have returned. Closing it under a context that is still
    /// inside `nng_ctx_send` can abort the process in nng 1.5.2 (a mutex of the freed context is used),
    /// so the order matters.
    private static func closeSocket(_ socket: Socket, after loops: [Task<Void, Never>]) async {
        for loop in loops { await loop.value }
        socket.close()
    }

    /// Every quarter of `timeout` (at least every second), closes the connections silent for longer.
    private static func closeSilentConnections(_ socket: Socket, after timeout: Duration) async {
        let period = min(max(timeout / 4, .milliseconds(10)), .seconds(1))
        while !Task.isCancelled {
            do { try await Task.sleep(for: period) } catch { return }
            socket.closeSilentConnections(olderThan: timeout)
        }
    }

    private static func serve(_ context: Context, limit: Int, authorize: Authorizer?, handler: Handler) async {
        while !Task.isCancelled {
            let decoded: Decoded
            let connection: UInt32
            do {
                let message = try await context.receive()
                connection = message.connectionID
                // Decoded from the message body itself: no copy of the request bytes first.
                decoded = message.withUnsafeBytes { decode($0, limit: limit) }
            } catch {
                if error.code == .closed || error.code == .cancelled { return }
                continue  // e.g. a protocol state error on one request; the context stays usable
            }
            context.socket.connectionBusy(connection)
            defer { context.socket.connectionAnswered(connection) }
            let reply: WireResponseEnvelope
            switch decoded {
            case .request(let envelope): reply = await respond(to: envelope, authorize: authorize, handler: handler)
            case .refused(let refusal): reply = refusal
            }
            do {
                try await context.send(try WireCodec.encodeMessage(reply))
            } catch {
                if error.code == .closed || error.code == .cancelled { return }
            }
        }
    }

    /// A received request: decoded, or refused with the reply naming why.
    enum Decoded {
        case request(WireRequestEnvelope)
        case refused(WireResponseEnvelope)
    }

    /// The request in `bytes`, or the error reply naming what was wrong (too large, does not decode).
    static func decode(_ bytes: UnsafeRawBufferPointer, limit: Int) -> Decoded {
        guard bytes.count <= limit else {
            let error = WireError(
                .resourceExhausted, "request of \(bytes.count) bytes exceeds the server's limit of \(limit) bytes")
            return .refused(WireResponseEnvelope(method: nil, requestID: 0, response: .failure(error)))
        }
        do {
            return .request(try WireCodec.decodeRequest(bytes))
        } catch {
            return .refused(
                WireResponseEnvelope(
                    method: nil, requestID: 0, response: .failure(WireError(.invalidArgument, error.description))))
        }
    }

    /// The reply to one decoded request: handler output, or the authorizer's refusal.
    static func respond(
        to envelope: WireRequestEnvelope, authorize: Authorizer? = nil, handler: Handler
    ) async -> WireResponseEnvelope {
        if let authorize, let refusal = authorize(envelope.request.method, envelope.token) {
            return WireResponseEnvelope(
                method: envelope.request.method, requestID: envelope.requestID, response: .failure(refusal))
        }
        let response = await handler(envelope.request)
        return WireResponseEnvelope(method: envelope.request.method, requestID: envelope.requestID, response: response)
    }
}
