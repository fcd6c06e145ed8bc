// Worker: a worker process (DESIGN §3): loads the graph file once, opens one FingerprintStore per owned
// shard (the configured replica's data directory) and serves each shard on that replica's URL with a
// WireServer. Shutdown closes the servers first (no new requests), then stops running builds (their
// versions are marked failed; the active versions are untouched).
import Dispatch
import Logging
import PPRCore
import PPRStorage
import PPRWire
import Synchronization

/// How a worker process serves, beyond the config file.
public struct WorkerOptions: Sendable {
    /// Requests each shard serves at once (NNG rep contexts).
    public var contexts: Int
    /// Reported in health replies.
    public var workerVersion: String
    /// Every request of every shard passes through it (metrics; drained on graceful shutdown).
    public var gate: RequestGate
    /// Helper threads a single-query combine may borrow while it is the shard's only combine and a core of
    /// the process is idle (`IdleCores`; 0 = none).
    public var combineHelpers: Int

    /// Options with `contexts` serving loops per shard.
    public init(
        contexts: Int = 8, workerVersion: String = "unknown", gate: RequestGate = RequestGate(role: "worker"),
        combineHelpers: Int = 1
    ) {
        self.contexts = contexts
        self.workerVersion = workerVersion
        self.gate = gate
        self.combineHelpers = combineHelpers
    }

    /// Options of a worker of the cluster `config` describes: `combineHelpers` is `coordinator.queryHelpers`
    /// (one key for every query step's helpers, so a separate worker process lends as `powerwalkd local` does).
    public init(
        config: ServiceConfig, contexts: Int = 8, workerVersion: String = "unknown",
        gate: RequestGate = RequestGate(role: "worker")
    ) {
        self.init(
            contexts: contexts, workerVersion: workerVersion, gate: gate,
            combineHelpers: config.coordinator.queryHelpers)
    }
}

/// A running worker: one or more shards, each served at its replica's URL.
public final class Worker: Sendable {
    /// The shards served, in the order asked for.
    public let shards: [WorkerShard]
    /// The URL each shard listens on (as bound: a `tcp://…:0` gets its port), parallel to `shards`.
    public let urls: [String]
    /// Owned; closed by `shutdown`.
    private let servers: [WireServer]
    private let logger: Logger

    /// Loads the graph, opens the stores and starts serving `shardNumbers` as replica `replica` of `config`.
    public init(
        config: ServiceConfig, shards shardNumbers: [Int], replica: Int = 0, options: WorkerOptions = .init(),
        logger: Logger = Logger(label: "powerwalk.worker")
    ) throws(WorkerError) {
        try Self.check(config: config, shards: shardNumbers, replica: replica)
        let loaded: LoadedGraph
        do { loaded = try GraphFile.load(config.graph) } catch { throw .graph(error) }
        guard loaded.graph.vertexCount >= config.shards.count else {
            throw .graphTooSmall(
                path: config.graph, vertexCount: loaded.graph.vertexCount, shardCount: config.shards.count)
        }
        var shards: [WorkerShard] = []
        var servers: [WireServer] = []
        let siblings = ProcessShards()
        do throws(WorkerError) {
            for number in shardNumbers {
                let replicaConfig = config.shards[number].replicas[replica]
                let shard = try Self.openShard(
                    number, replicaConfig, config: config, graph: loaded, options: options, siblings: siblings,
                    logger: logger)
                let server: WireServer
                do {
                    server = try WireServer(
                        listeningOn: replicaConfig.url, contexts: options.contexts,
                        maxRequestBytes: config.limits.maxRequestBytes, tls: config.security?.workerServerTLS,
                        maxConnections: config.limits.maxConnections,
                        idleTimeout: .milliseconds(config.limits.idleConnectionMillis),
                        onListenerEvent: ListenerEventReport.observer(
                            role: "worker", url: replicaConfig.url, logger: logger),
                        handler: Self.gatedHandler(shard, gate: options.gate))
                } catch {
                    throw WorkerError.listen(shard: number, error)
                }
                shards.append(shard)
                servers.append(server)
                logger.info(
                    "worker serving",
                    metadata: [
                        "shard": "\(number)", "url": "\(server.url)", "dataDir": "\(replicaConfig.dataDir)",
                        "graph": "\(config.graph)", "vertices": "\(loaded.graph.vertexCount)",
                    ])
            }
        } catch {
            for server in servers { server.close() }
            throw error
        }
        self.shards = shards
        self.servers = servers
        self.urls = servers.map(\.url)
        self.logger = logger
        // A process serving every shard answers whole queries (WorkerShard+WholeQuery), whose steps read the
        // transpose's pull slices: lay them out now, in the background, not inside the first query's deadline
        // (seconds at R-MAT scale 22). `powerwalkd local`'s coordinator lays out the same shared copy.
        if shardNumbers.count == config.shards.count {
            DispatchQueue.global(qos: .utility).async {
                _ = ProcessGraphs.inEdges.value(of: loaded.graph, checksum: loaded.checksum).slices
            }
        }
    }

    /// Why a shard's listener accepts nothing (it stopped and could not listen again), one line per shard.
    var listenerProblems: [String] { servers.compactMap(\.listenerProblem) }

    /// Stops serving, then cancels running builds and waits until they have stopped. Idempotent.
    public func shutdown() async {
        for server in servers { await server.shutdown() }
        for shard in shards { await shard.stopBuilds() }
        logger.info("worker stopped", metadata: ["shards": "\(shards.map(\.id.rawValue))"])
    }

    // MARK: Private

    private static func check(config: ServiceConfig, shards: [Int], replica: Int) throws(WorkerError) {
        guard !shards.isEmpty else { throw .noShards }
        var seen: Set<Int> = []
        for shard in shards {
            guard shard >= 0, shard < config.shards.count else {
                throw .noSuchShard(shard, shardCount: config.shards.count)
            }
            guard seen.insert(shard).inserted else { throw .duplicateShard(shard) }
            let replicas = config.shards[shard].replicas.count
            guard replica >= 0, replica < replicas else {
                throw .noSuchReplica(replica, shard: shard, replicaCount: replicas)
            }
        }
    }

    /// Opens a shard's store and checks that its active index (if any) is this shard's and this graph's.
    private static func openShard(
        _ number: Int, _ replica: ReplicaConfig, config: ServiceConfig, graph: LoadedGraph, options: WorkerOptions,
        siblings: ProcessShards, logger: Logger
    ) throws(WorkerError) -> WorkerShard {
        let store: FingerprintStore
        let active: StoreManifest?
        do {
            store = try FingerprintStore(
                directory: replica.dataDir, mapSizeBytes: config.limits.mapSizeBytes,
                residentBudgetBytes: config.limits.residentFingerprintBytes)
            active = try store.activeManifest()
        } catch {
            throw .store(shard: number, error)
        }
        if let active {
            guard active.shardIndex == number, active.shardCount == config.shards.count else {
                throw .wrongShardStore(
                    shard: number, directory: replica.dataDir, storedShard: active.shardIndex,
                    storedShardCount: active.shardCount, shardCount: config.shards.count)
            }
            if active.graphChecksum != graph.checksum || active.vertexCount != graph.graph.vertexCount {
                // Not fatal: a new index for the new graph fixes it; until then combines are refused.
                logger.warning(
                    "the active index was built for another graph; combines will be refused until a new index",
                    metadata: ["shard": "\(number)", "dataDir": "\(replica.dataDir)", "version": "\(active.version)"])
            }
        }
        return WorkerShard(
            id: ShardID(number), shardCount: config.shards.count, graph: graph, store: store,
            workerVersion: options.workerVersion, logger: logger, maxCombineFrontiers: config.limits.combineEntries,
            combineHelpers: options.combineHelpers, siblings: siblings)
    }
}

/// The shards one worker process serves, by number: a block combine may name co-shards of the process
/// (`BlockCombine.coShards`). Held weakly, so the registry keeps no shard (and no store) alive.
final class ProcessShards: Sendable {
    private struct Entry {
        weak var shard: WorkerShard?
    }
    private let shards = Mutex<[Int: Entry]>([:])

    init() {}

    func add(_ shard: WorkerShard) { shards.withLock { $0[shard.id.rawValue] = Entry(shard: shard) } }

    /// Shard `number` when this process serves it.
    func shard(_ number: Int) -> WorkerShard? { shards.withLock { $0[number]?.shard } }

    /// The shards served, ascending.
    var numbers: [Int] { shards.withLock { $0.filter { $0.value.shard != nil }.keys.sorted() } }
}
