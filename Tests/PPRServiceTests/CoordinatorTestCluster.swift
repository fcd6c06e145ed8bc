// A whole cluster in one process for the coordinator tests: a seeded random graph file, one real
// `Worker` per shard (real LMDB stores, real NNG ipc:// sockets), and a coordinator with its job ledger
// and client front. The index is built through the job runner (an index job), as an operator would.
import Foundation
import PPRCore
import PPRService
import PPRStorage
import PPRWire

/// Graph, workers, coordinator and a client, cleaned up by `close()`.
final class CoordinatorTestCluster: @unchecked Sendable {
    static let walk = WalkParameters(restartProbability: 0.15, walksPerVertex: 32, maxWalkLength: 60, seed: 7)

    let directory: String
    let loaded: LoadedGraph
    let config: ServiceConfig
    /// `workers[s][r]` serves replica `r` of shard `s` (with `oneWorker`, `workers[0][0]` serves every shard
    /// until `splitWorker`).
    /// Safety (`@unchecked Sendable`): mutated only by the test body, one call at a time.
    private var workers: [[Worker?]]
    let coordinator: Coordinator
    let front: CoordinatorServer
    /// The front, for raw requests (`call`, `callRaw`).
    let client: WireClient
    /// The front, through the typed client pwctl uses.
    let typedClient: CoordinatorClient
    /// Servers standing in for the workers' URLs, and their clients of the workers (`putWorkerBehindProxy`).
    private var proxies: [WireServer] = []
    private var proxyClients: [WireClient] = []

    init(
        shardCount: Int = 3, replicas: Int = 1, vertexCount: Int = 300, combineMillis: Int = 2_000,
        combineEntries: Int? = nil, healthProbeMillis: Int = 500, queryHelpers: Int? = nil,
        stepHelpers: StepHelperPolicy = .idle, replyPrecision: ReplyPrecision = .double, oneWorker: Bool = false
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pw-coord-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let graphPath = "\(directory)/graph.pwg"
        try GraphFile.write(Self.randomGraph(vertexCount: vertexCount, seed: 42), to: graphPath)
        loaded = try GraphFile.load(graphPath)
        var config = try ServiceConfig.local(graph: graphPath, dataDirectory: directory, shardCount: shardCount)
        if replicas > 1 {
            let directory = directory
            config.shards = (0..<shardCount).map { s in
                ShardConfig(
                    replicas: (0..<replicas).map { r in
                        ReplicaConfig(
                            url: "ipc://\(directory)/shard-\(s)-\(r).ipc", dataDir: "\(directory)/shard-\(s)-\(r)")
                    })
            }
        }
        config.deadlines.healthProbeMillis = healthProbeMillis
        config.coordinator.listen = "inproc://coordinator-\(UUID().uuidString)"
        config.coordinator.concurrency = 4
        config.deadlines.combineMillis = combineMillis
        config.deadlines.controlMillis = combineMillis
        config.limits.mapSizeBytes = 1 << 28
        if let combineEntries { config.limits.combineEntries = combineEntries }
        if let queryHelpers { config.coordinator.queryHelpers = queryHelpers }
        config.coordinator.stepHelpers = stepHelpers
        config.coordinator.replyPrecision = replyPrecision
        self.config = config
        workers = Array(repeating: Array(repeating: nil, count: replicas), count: shardCount)
        coordinator = try Coordinator(
            config: config, graph: loaded, ledger: try JobLedger(directory: config.coordinator.dataDir))
        front = try CoordinatorServer(coordinator)
        client = try WireClient(dialing: front.url)
        typedClient = try CoordinatorClient(connectingTo: front.url)
        if oneWorker {
            // One worker process serving every shard, as `powerwalkd local` does.
            workers[0][0] = try Worker(
                config: config, shards: Array(0..<shardCount), options: WorkerOptions(config: config))
        } else {
            for s in 0..<shardCount { try startShard(s) }
        }
    }

    /// Replaces the worker serving every shard (`oneWorker`) by one worker per shard on the same URLs and
    /// stores, as an operator who redeploys the shards separately.
    func splitWorker() async throws {
        await workers[0][0]?.shutdown()
        workers[0][0] = nil
        for s in workers.indices { try startShard(s) }
    }

    /// Moves the worker serving every shard (`oneWorker`) behind a proxy, as a worker process of another
    /// version: the worker restarts listening on other URLs (same stores), and a real NNG server on each
    /// shard's configured URL hands every request to it through `rewrite` (how that version would read it)
    /// and passes its replies back unchanged.
    func putWorkerBehindProxy(rewrite: @escaping @Sendable (WireRequest) -> WireRequest) async throws {
        await workers[0][0]?.shutdown()
        var behind = config
        let tag = UUID().uuidString
        for s in behind.shards.indices { behind.shards[s].replicas[0].url = "inproc://behind-\(tag)-\(s)" }
        workers[0][0] = try Worker(
            config: behind, shards: Array(behind.shards.indices), options: WorkerOptions(config: behind))
        for s in config.shards.indices {
            let worker = try WireClient(dialing: behind.shards[s].replicas[0].url)
            proxyClients.append(worker)
            proxies.append(
                try WireServer(listeningOn: config.shards[s].replicas[0].url) { request in
                    do throws(WireError) {
                        return try await worker.call(rewrite(request), deadline: .seconds(60))
                    } catch {
                        return .failure(error)
                    }
                })
        }
    }

    /// Builds and activates an index through an index job (with `walk`, default `Self.walk`); returns the version.
    func index(walk: WalkParameters = walk) async throws -> UInt64 {
        try await coordinator.start()
        let params = IndexJobParams(
            walksPerVertex: walk.walksPerVertex, maxWalkLength: walk.maxWalkLength,
            restartProbability: walk.restartProbability, seed: walk.seed, threads: 1)
        let submitted = try await typedClient.submit(.index(params))
        let record = try await typedClient.awaitJob(submitted, every: .milliseconds(50), within: .seconds(30))
        guard record.state == .succeeded else {
            throw WireError(.internal, "index job ended \(record.state): \(String(describing: record.error))")
        }
        return record.result?.indexVersion ?? 0
    }

    func close() async {
        client.close()
        typedClient.close()
        await front.shutdown()
        for proxy in proxies { await proxy.shutdown() }
        for proxyClient in proxyClients { proxyClient.close() }
        for worker in workers.joined() { await worker?.shutdown() }
        workers = []
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts (or restarts) every replica of shard `s` on its configured URL.
    func startShard(_ s: Int) throws {
        for r in workers[s].indices { try startReplica(s, r) }
    }

    /// Stops every replica of shard `s` and closes their stores.
    func stopShard(_ s: Int) async {
        for r in workers[s].indices { await stopReplica(s, r) }
    }

    /// Starts (or restarts) replica `r` of shard `s`.
    func startReplica(_ s: Int, _ r: Int) throws {
        workers[s][r] = try Worker(
            config: config, shards: [s], replica: r,
            options: WorkerOptions(config: config))
    }

    /// Stops replica `r` of shard `s` and closes its store.
    func stopReplica(_ s: Int, _ r: Int) async {
        await workers[s][r]?.shutdown()
        workers[s][r] = nil
    }

    /// Sends a request to the coordinator's front. The deadline is long because the suite's start can starve the
    /// cooperative pool for over 20 s on a 2-core host (see `NNGTestSupport.call`).
    func call(_ request: WireRequest) async throws(WireError) -> WireResponse {
        try await client.call(request, deadline: .seconds(60))
    }

    /// The in-process engine's answer: one store of the whole graph (one shard), same walk parameters.
    func referenceSource() throws -> FingerprintStoreReader {
        let store = try FingerprintStore(directory: "\(directory)/reference", mapSizeBytes: 1 << 26)
        _ = try IndexBuilder(
            graph: loaded.graph, graphChecksum: loaded.checksum, parameters: Self.walk, threadCount: 1
        ).build(into: store)
        guard let built = try store.versions().first else { throw WireError(.internal, "reference store is empty") }
        try store.activate(built.version)
        return try store.reader(expecting: loaded.checksum, restartProbability: Self.walk.restartProbability)
    }

    /// A directed graph with a few dangling vertices and a self-loop; external ids are 1000 + 3i.
    static func randomGraph(vertexCount: Int, seed: UInt64) throws -> CSRGraph {
        var random = WalkSeed(globalSeed: seed, vertex: 0)
        var builder = GraphBuilder()
        for i in 0..<vertexCount where i % 37 != 5 {
            let degree = 1 + Int(random.next() % 6)
            for _ in 0..<degree {
                builder.addEdge(
                    from: UInt64(1000 + 3 * i), to: UInt64(1000 + 3 * Int(random.next() % UInt64(vertexCount))))
            }
        }
        builder.addEdge(from: 1000, to: 1000)
        for i in 0..<vertexCount {
            builder.addEdge(from: UInt64(1000 + 3 * ((i + 1) % vertexCount)), to: UInt64(1000 + 3 * i))
        }
        return try builder.build().graph
    }
}
