// CoordinatorServer: the coordinator on its NNG REP socket (config.coordinator.listen): TLS with the
// process certificate when `security` is set (client certificates when `clientCaFile` is), the
// tokens of `security.tokensFile`, the connection cap and the reply-size cap, all checked before a
// request reaches the coordinator.
import Foundation
import Logging
import PPRCore
import PPRStorage
import PPRWire

/// Serves a `Coordinator` to clients until closed.
public final class CoordinatorServer: Sendable {
    /// The coordinator served.
    public let coordinator: Coordinator
    /// Every client request passes through it (metrics; drained on graceful shutdown).
    public let gate: RequestGate
    private let server: WireServer  // owned; closed by close()

    /// Listens on `coordinator.config.coordinator.listen` (or `url`) with the configured concurrency,
    /// limits and security; every request passes through `gate` (in-flight count, drain on shutdown).
    public init(
        _ coordinator: Coordinator, listeningOn url: String? = nil, gate: RequestGate = RequestGate(role: "front")
    ) throws(WireError) {
        self.coordinator = coordinator
        self.gate = gate
        let config = coordinator.config
        var tokens: FrontTokens?
        if let path = config.security?.tokensFile {
            do { tokens = try FrontTokens(path: path) } catch { throw WireError(from: error) }
        }
        let vertexCount = coordinator.graph.graph.vertexCount
        let defaultTopK = config.query.topK
        let maxReplyEntries = config.limits.maxReplyEntries
        var authorize: WireServer.Authorizer?
        if let tokens {
            authorize = { method, token in tokens.authorize(method, token: token).map { WireError(from: $0) } }
        }
        let handler: WireServer.Handler = { [coordinator, gate] request in
            await gate.handle(request) { request in
                if let refusal = Self.checkReplySize(
                    request, vertexCount: vertexCount, defaultTopK: defaultTopK, limit: maxReplyEntries)
                {
                    return .failure(WireError(from: refusal))
                }
                return await coordinator.handle(request)
            }
        }
        let listenURL = url ?? config.coordinator.listen
        server = try WireServer(
            listeningOn: listenURL, contexts: config.coordinator.concurrency,
            maxRequestBytes: config.limits.maxFrontRequestBytes, tls: config.security?.frontServerTLS,
            maxConnections: config.limits.maxConnections,
            idleTimeout: .milliseconds(config.limits.idleConnectionMillis), authorize: authorize,
            onListenerEvent: ListenerEventReport.observer(role: "front", url: listenURL, logger: coordinator.logger),
            handler: handler)
        if let security = config.security, let clientCA = security.clientCaFile,
            let a = FileManager.default.contents(atPath: clientCA),
            a == FileManager.default.contents(atPath: security.caFile)
        {
            coordinator.logger.warning(
                "security.clientCaFile is the cluster CA: every client certificate can also open the workers' ports; use a separate client CA (deploy/tls/make-certs.sh)"
            )
        }
        coordinator.logger.info(
            "coordinator listening",
            metadata: [
                "url": "\(server.url)", "tls": "\(config.security != nil)",
                "clientCertificates": "\(config.security?.clientCaFile != nil)", "tokens": "\(tokens != nil)",
            ])
    }

    /// The URL actually bound (with the chosen port for `tcp://…:0`).
    public var url: String { server.url }

    /// The coordinator's readiness (`Coordinator.readiness`), and not ready while the front's listener
    /// cannot listen (`WireServer.listenerProblem`).
    public func readiness() async -> Readiness {
        if let problem = server.listenerProblem { return .notReady(problem) }
        return await coordinator.readiness()
    }

    /// Connections open now and connections refused so far (cap, unverified client certificate).
    public var connectionCounts: (open: Int, refused: Int) { server.connectionCounts }

    /// Stops serving and closes the shard connections (the job runner keeps its state). Idempotent.
    public func close() {
        server.close()
        coordinator.close()
    }

    /// Stops serving, then stops the job runner and closes the shard connections.
    public func shutdown() async {
        await server.shutdown()
        await coordinator.shutdown()
    }

    /// RESOURCE_EXHAUSTED when a batch could return more ranked vertices than `limit`
    /// (`limits.maxReplyEntries`): the sum over its queries of min(top_k, vertex count). Costs one
    /// pass over the decoded batch, before any query runs.
    static func checkReplySize(
        _ request: WireRequest, vertexCount: Int, defaultTopK: Int, limit: Int
    ) -> FrontAccessError? {
        guard case .batchQuery(let batch) = request else { return nil }
        var entries = 0
        for query in batch.queries {
            entries += min(max(query.topK ?? defaultTopK, 0), vertexCount)
            if entries > limit { return .replyTooLarge(queries: batch.queries.count, limit: limit) }
        }
        return nil
    }
}
