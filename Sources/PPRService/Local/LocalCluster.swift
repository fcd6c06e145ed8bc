// LocalCluster: the all-in-one mode (DESIGN §3): N shards and a coordinator in ONE process.
//
// Why threads/tasks in one process rather than N+1 child processes: there is one process to start and
// stop (SIGTERM stops everything, and no orphan worker can outlive a crashed parent); the graph is
// loaded once for all shards (one `Worker` serves every shard) plus once for the coordinator, instead of
// N+1 times; and nothing about the code paths above the transport changes: the shards listen on NNG
// inproc:// names (or, with `ShardTransport.ipc`, ipc:// sockets under the data directory) and the
// coordinator dials them through NNG exactly as in a cluster, with the same encoding, size limits and
// deadlines, so what runs on a laptop is what runs on many hosts. inproc hands the message over without a
// kernel copy and leaves no socket file another local user could dial.
import Foundation
import Logging
import PPRWire

/// A running all-in-one cluster: one worker serving every shard, and the coordinator's front.
public final class LocalCluster: Sendable {
    /// The in-memory configuration (see `ServiceConfig.local`).
    public let config: ServiceConfig
    /// Serves all shards, each on its own URL (inproc:// or ipc://, `ServiceConfig.local`).
    public let worker: Worker
    /// The coordinator and its client front.
    public let front: CoordinatorServer

    /// Starts the shards, then the coordinator (with its job ledger in `config.coordinator.dataDir`).
    ///
    /// - Throws: `LocalClusterError` for a data directory that cannot be made; the worker's, the
    ///   ledger's or the coordinator's error otherwise (what has started is stopped again).
    public init(
        config: ServiceConfig, softwareVersion: String = "0.1.0",
        logger: Logger = Logger(label: "powerwalk.local", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws {
        let workerGate = RequestGate(role: "worker")
        let directory = (config.coordinator.dataDir as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw LocalClusterError.cannotCreateDirectory(path: directory, reason: "\(error)")
        }
        let worker = try Worker(
            config: config, shards: Array(config.shards.indices),
            options: WorkerOptions(
                config: config, contexts: max(2, config.coordinator.concurrency / 2), workerVersion: softwareVersion,
                gate: workerGate),
            logger: logger)
        do {
            let coordinator = try Coordinator.open(config: config, softwareVersion: softwareVersion, logger: logger)
            let front = try CoordinatorServer(coordinator)
            try await coordinator.start()
            self.front = front
        } catch {
            await worker.shutdown()
            throw error
        }
        self.config = config
        self.worker = worker
    }

    /// The URL clients call (as bound).
    public var url: String { front.url }

    /// Stops the front and the job runner, then the shards (running builds are cancelled).
    public func shutdown() async {
        await front.shutdown()
        await worker.shutdown()
    }

    /// Graceful stop: the front refuses new requests and its requests in flight get up to `grace` to
    /// answer (the shards keep serving them meanwhile); then as `shutdown()`. Returns the number of
    /// front requests cancelled because they had not answered within `grace`.
    @discardableResult
    public func shutdown(grace: Duration) async -> Int {
        let unanswered = await front.shutdown(grace: grace)
        await worker.shutdown()
        return unanswered
    }
}
