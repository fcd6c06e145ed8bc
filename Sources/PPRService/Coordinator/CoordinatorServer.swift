// CoordinatorServer: the coordinator on its NNG REP socket (config.coordinator.listen).
import Logging
import PPRWire

/// Serves a `Coordinator` to clients until closed.
public final class CoordinatorServer: Sendable {
    /// The coordinator served.
    public let coordinator: Coordinator
    /// Every client request passes through it (metrics; drained on graceful shutdown).
    public let gate: RequestGate
    private let server: WireServer  // owned; closed by close()

    /// Listens on `coordinator.config.coordinator.listen` (or `url`) with the configured concurrency and limits.
    public init(
        _ coordinator: Coordinator, listeningOn url: String? = nil, gate: RequestGate = RequestGate(role: "front")
    ) throws(WireError) {
        self.coordinator = coordinator
        self.gate = gate
        let config = coordinator.config
        server = try WireServer(
            listeningOn: url ?? config.coordinator.listen, contexts: config.coordinator.concurrency,
            maxRequestBytes: config.limits.maxRequestBytes
        ) { [coordinator, gate] request in
            await gate.handle(request) { await coordinator.handle($0) }
        }
        coordinator.logger.info("coordinator listening", metadata: ["url": "\(server.url)"])
    }

    /// The URL actually bound (with the chosen port for `tcp://…:0`).
    public var url: String { server.url }

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
}
