// ProbeServer: the per-process HTTP listener (`metrics.listen`) for Prometheus and Kubernetes:
//   GET /metrics  Prometheus text format (version 0.0.4) of every metric of the process
//   GET /healthz  200 "ok" while the process runs (liveness)
//   GET /readyz   200 "ready", or 503 with a one-line reason (readiness; the role decides)
// Anything else is 404 (unknown path) or 405 (not GET/HEAD). Kept deliberately small, on SwiftNIO's
// HTTP/1.1 codec: one request per connection (the reply closes it), the request head limited to
// `maxHeadBytes` and a body refused, an idle connection closed after `requestTimeout` and every
// connection after `connectionLifetime`, and at most `maxConnections` connections at once (more are
// closed on accept).
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// What the probe endpoints answer; the role (coordinator, worker, local) provides it.
public struct ProbeHandlers: Sendable {
    /// The /metrics body (Prometheus text).
    public var metrics: @Sendable () async -> String
    /// The /readyz answer: ready, or the reason not.
    public var readiness: @Sendable () async -> (ready: Bool, reason: String)

    /// Makes the handlers.
    public init(
        metrics: @escaping @Sendable () async -> String,
        readiness: @escaping @Sendable () async -> (ready: Bool, reason: String)
    ) {
        self.metrics = metrics
        self.readiness = readiness
    }
}

/// Serves /metrics, /healthz and /readyz on one TCP address until shut down.
public final class ProbeServer: Sendable {
    /// Largest request head (request line and headers) read, in bytes.
    public static let maxHeadBytes = 8 << 10
    /// Connections served at once; more are closed as soon as they are accepted.
    public static let maxConnections = 64
    /// A connection must have sent its request within this time (no read for this long closes it).
    public static let requestTimeout: TimeAmount = .seconds(5)
    /// A connection is closed this long after it was accepted, whatever it is doing (slow senders and
    /// readers included); a probe answer takes well under a second.
    public static let connectionLifetime: TimeAmount = .seconds(15)

    /// The address bound, `host:port` (the chosen port for port 0).
    public let address: String
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup

    /// Listens on `listen` (`HOST:PORT`; port 0 picks a free one).
    public init(listen: String, handlers: ProbeHandlers, logger: Logger) async throws(ProbeServerError) {
        guard let (host, port) = Self.split(listen) else { throw .badAddress(listen) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let open = Atomic<Int>(0)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard open.add(1, ordering: .relaxed).newValue <= Self.maxConnections else {
                    open.subtract(1, ordering: .relaxed)
                    return channel.close()
                }
                let deadline = channel.eventLoop.scheduleTask(in: Self.connectionLifetime) {
                    channel.close(promise: nil)
                }
                channel.closeFuture.whenComplete { _ in
                    deadline.cancel()
                    open.subtract(1, ordering: .relaxed)
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        IdleStateHandler(readTimeout: Self.requestTimeout))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: false, withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ProbeHTTPHandler(handlers: handlers))
                }
            }
            .childChannelOption(.maxMessagesPerRead, value: 1)
        do {
            channel = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw .cannotListen(listen, "\(error)")
        }
        self.group = group
        let bound = channel.localAddress?.port ?? port
        address = "\(host):\(bound)"
        logger.info("probe and metrics listener", metadata: ["address": "\(address)"])
    }

    /// Stops listening and closes every connection. Call once.
    public func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// `HOST:PORT` → (host, port); `[::1]:9464` for IPv6.
    static func split(_ listen: String) -> (String, Int)? {
        guard let colon = listen.lastIndex(of: ":") else { return nil }
        var host = String(listen[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port)
        else { return nil }
        return (host, port)
    }
}

/// Why the probe listener cannot start.
public enum ProbeServerError: Error, Equatable, Sendable, CustomStringConvertible {
    case badAddress(String)
    case cannotListen(String, String)

    public var description: String {
        switch self {
        case .badAddress(let text): "metrics.listen: '\(text)' is not HOST:PORT (e.g. 127.0.0.1:9464)"
        case .cannotListen(let address, let why): "metrics.listen: cannot listen on \(address): \(why)"
        }
    }
}

/// One request per connection: read the head (bounded), answer, close.
private final class ProbeHTTPHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handlers: ProbeHandlers
    // Only touched on the channel's event loop.
    private nonisolated(unsafe) var head: HTTPRequestHead?
    private nonisolated(unsafe) var answered = false

    init(handlers: ProbeHandlers) { self.handlers = handlers }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            let headBytes =
                requestHead.uri.utf8.count
                + requestHead.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
            if headBytes > ProbeServer.maxHeadBytes {
                reply(context, .init(status: .requestHeaderFieldsTooLarge, body: "request head too large\n"))
            }
        case .body:
            reply(context, .init(status: .payloadTooLarge, body: "no request body is accepted\n"))
        case .end:
            guard !answered, let head else { return }
            answered = true
            respond(context, to: head)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func respond(_ context: ChannelHandlerContext, to head: HTTPRequestHead) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard head.method == .GET || head.method == .HEAD else {
            write(context, .init(status: .methodNotAllowed, body: "only GET is served\n"), head: head)
            return
        }
        let handlers = self.handlers
        let work: @Sendable () async -> ProbeReply
        switch path {
        case "/healthz":
            write(context, .init(status: .ok, body: "ok\n"), head: head)
            return
        case "/metrics":
            work = { ProbeReply(status: .ok, body: await handlers.metrics(), contentType: "text/plain; version=0.0.4") }
        case "/readyz":
            work = {
                let (ready, reason) = await handlers.readiness()
                return ProbeReply(status: ready ? .ok : .serviceUnavailable, body: reason + "\n")
            }
        default:
            write(
                context, .init(status: .notFound, body: "not found: serves /metrics, /healthz, /readyz\n"), head: head)
            return
        }
        let loop = context.eventLoop
        let promise = loop.makePromise(of: ProbeReply.self)
        promise.completeWithTask(work)
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        promise.futureResult.whenSuccess { reply in
            let (handler, context) = bound.value
            handler.write(context, reply, head: head)
        }
    }

    private func reply(_ context: ChannelHandlerContext, _ reply: ProbeReply) {
        guard !answered else { return }
        answered = true
        write(context, reply, head: head)
    }

    private func write(_ context: ChannelHandlerContext, _ reply: ProbeReply, head: HTTPRequestHead?) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: reply.contentType)
        headers.add(name: "Content-Length", value: "\(reply.body.utf8.count)")
        headers.add(name: "Connection", value: "close")
        let version = head?.version ?? .http1_1
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: reply.status, headers: headers))),
            promise: nil)
        if head?.method != .HEAD {
            let buffer = context.channel.allocator.buffer(string: reply.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// A complete response.
private struct ProbeReply: Sendable {
    var status: HTTPResponseStatus
    var body: String
    var contentType = "text/plain; charset=utf-8"
}
