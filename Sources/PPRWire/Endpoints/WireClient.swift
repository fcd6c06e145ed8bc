// WireClient: a typed NNG req endpoint. Each call opens its own req context on the shared socket,
// so calls run concurrently; the dial is non-blocking, so a client may start before its server.
import NNG
import Synchronization

/// Calls a `ppr.v1` server at one URL.
public final class WireClient: Sendable {
    /// The URL dialled.
    public let url: String
    private let socket: Socket  // owned; closed by close()
    private let nextRequestID = Atomic<UInt64>(1)

    /// Dials `url` in the background (`tcp://`, `ipc://`, `inproc://`).
    public init(dialing url: String, maxResponseBytes: Int = 256 << 20) throws(WireError) {
        self.url = url
        do {
            let socket = try Socket(.req0)
            self.socket = socket
            try socket.setReceiveMaxSize(bytes: maxResponseBytes)
            try socket.setReconnectTimes(min: .milliseconds(50), max: .seconds(2))
            try socket.dial(url)
        } catch {
            throw WireError(.invalidArgument, "cannot dial \(url): \(error)")
        }
    }

    deinit { close() }

    /// Closes the connection; calls in flight fail with UNAVAILABLE. Idempotent.
    public func close() { socket.close() }

    /// Sends `request` and waits at most `deadline` for the reply.
    ///
    /// - Returns: the reply body (never `.failure`).
    /// - Throws: the server's `WireError`; DEADLINE_EXCEEDED when no reply came in time (the server is
    ///   down, slow or dropped the request), UNAVAILABLE when the client is closed, CANCELLED when the
    ///   task is, INVALID_ARGUMENT/INTERNAL for replies that do not decode or do not match.
    public func call(_ request: WireRequest, deadline: Duration) async throws(WireError) -> WireResponse {
        let id = nextRequestID.add(1, ordering: .relaxed).oldValue
        let bytes = WireCodec.encode(WireRequestEnvelope(requestID: id, request: request))
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
        let replyBytes: [UInt8]
        do {
            let context = try socket.makeContext()
            defer { context.close() }
            try await context.send(try Message(bytes), timeout: deadline)
            replyBytes = try await context.receive(timeout: max(.zero, end - clock.now)).bytes
        } catch {
            throw mapTransportError(error, method: name(method), deadline: deadline)
        }
        do {
            return try WireCodec.decodeResponse(replyBytes)
        } catch {
            throw WireError(.internal, "reply from \(url) to \(name(method)): \(error)")
        }
    }

    private func name(_ method: WireMethod?) -> String { method.map { "\($0)" } ?? "raw request" }

    private func mapTransportError(_ error: NNGError, method: String, deadline: Duration) -> WireError {
        switch error.code {
        case .timedOut: WireError(.deadlineExceeded, "no reply from \(url) to \(method) within \(deadline)")
        case .cancelled: WireError(.cancelled, "\(method) to \(url) cancelled")
        case .closed: WireError(.unavailable, "client for \(url) is closed")
        default: WireError(.unavailable, "\(method) to \(url) failed: \(error)")
        }
    }
}
