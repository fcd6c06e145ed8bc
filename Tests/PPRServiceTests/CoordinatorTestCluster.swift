// A whole cluster in one process for the coordinator tests: a seeded random graph file, one real LMDB
// fingerprint store per shard (indexed at version 1), shard servers on real NNG ipc:// sockets, and a
// coordinator with its client front. Until the worker role is merged, the shard servers answer the two
// worker methods the query path uses (Combine, WorkerHealth) straight from the store.
import Foundation
import PPRCore
import PPRService
import PPRStorage
import PPRWire

/// Graph, stores, shard servers, coordinator and a client, cleaned up by `close()`.
final class CoordinatorTestCluster: @unchecked Sendable {
    static let walk = WalkParameters(restartProbability: 0.15, walksPerVertex: 32, maxWalkLength: 60, seed: 7)

    let directory: String
    let loaded: LoadedGraph
    let config: ServiceConfig
    let stores: [FingerprintStore]
    /// Safety (`@unchecked Sendable`): mutated only by the test body, one call at a time.
    private var shardServers: [WireServer?]
    let coordinator: Coordinator
    let front: CoordinatorServer
    let client: WireClient

    init(shardCount: Int = 3, vertexCount: Int = 300, activate: Bool = true, combineMillis: Int = 2_000) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pw-coord-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let graphPath = "\(directory)/graph.pwg"
        try GraphFile.write(Self.randomGraph(vertexCount: vertexCount, seed: 42), to: graphPath)
        loaded = try GraphFile.load(graphPath)
        var config = try ServiceConfig.local(graph: graphPath, dataDirectory: directory, shardCount: shardCount)
        config.coordinator.listen = "inproc://coordinator-\(UUID().uuidString)"
        config.coordinator.concurrency = 4
        config.deadlines.combineMillis = combineMillis
        config.deadlines.controlMillis = combineMillis
        self.config = config
        var stores: [FingerprintStore] = []
        for (s, shard) in config.shards.enumerated() {
            let store = try FingerprintStore(directory: shard.replicas[0].dataDir, mapSizeBytes: 1 << 26)
            var builder = IndexBuilder(
                graph: loaded.graph, graphChecksum: loaded.checksum, parameters: Self.walk, shardIndex: s,
                shardCount: shardCount, threadCount: 1)
            builder.requestedVersion = 1
            _ = try builder.build(into: store)
            if activate { try store.activate(1) }
            stores.append(store)
        }
        self.stores = stores
        shardServers = Array(repeating: nil, count: shardCount)
        coordinator = try Coordinator(config: config, graph: loaded)
        front = try CoordinatorServer(coordinator)
        client = try WireClient(dialing: front.url)
        for s in 0..<shardCount { try startShard(s) }
    }

    func close() {
        client.close()
        front.close()
        for server in shardServers { server?.close() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts (or restarts) shard `s`'s server on its configured URL.
    func startShard(_ s: Int) throws {
        let store = stores[s]
        let (shardCount, vertexCount, checksum) = (config.shards.count, loaded.graph.vertexCount, loaded.checksum)
        shardServers[s] = try WireServer(listeningOn: config.shards[s].replicas[0].url, contexts: 2) { request in
            Self.serveShard(request, store: store, shard: s, shardCount: shardCount, vertexCount: vertexCount,
                checksum: checksum)
        }
    }

    /// Stops shard `s`'s server (its store stays open).
    func stopShard(_ s: Int) {
        shardServers[s]?.close()
        shardServers[s] = nil
    }

    /// Sends a request to the coordinator's front.
    func call(_ request: WireRequest) async throws(WireError) -> WireResponse {
        try await client.call(request, deadline: .seconds(30))
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
                builder.addEdge(from: UInt64(1000 + 3 * i), to: UInt64(1000 + 3 * Int(random.next() % UInt64(vertexCount))))
            }
        }
        builder.addEdge(from: 1000, to: 1000)
        for i in 0..<vertexCount { builder.addEdge(from: UInt64(1000 + 3 * ((i + 1) % vertexCount)), to: UInt64(1000 + 3 * i)) }
        return try builder.build().graph
    }

    /// The two worker methods the coordinator's query and status paths use, answered from `store`.
    private static func serveShard(
        _ request: WireRequest, store: FingerprintStore, shard: Int, shardCount: Int, vertexCount: Int,
        checksum: UInt64
    ) -> WireResponse {
        do {
            switch request {
            case .combine(let combine):
                let reader = try store.reader(
                    version: UInt32(combine.indexVersion), expecting: checksum,
                    restartProbability: walk.restartProbability)
                let sums = try combine.frontiers.map { frontier in
                    var dense = [Double](repeating: 0, count: vertexCount)
                    try reader.accumulate(frontier, into: &dense)
                    let nonZero = dense.indices.filter { dense[$0] != 0 }
                    return PartialSum(vertices: nonZero.map { VertexIndex($0) }, scores: nonZero.map { dense[$0] })
                }
                return .combine(CombineResponse(partialSums: sums, indexVersion: combine.indexVersion))
            case .workerHealth:
                let manifest = try store.activeManifest().map {
                    ManifestSummary(
                        graphChecksum: $0.graphChecksum, walk: $0.walkParameters,
                        encodingVersion: Int($0.encodingVersion), fingerprintCount: $0.fingerprintCount,
                        indexVersion: UInt64($0.version))
                }
                return .workerHealth(
                    WorkerHealth(shards: [ShardID(shard)], activeVersion: manifest?.indexVersion ?? 0, manifest: manifest))
            default:
                return .failure(WireError(.unimplemented, "\(request.method) is not served by the test shard"))
            }
        } catch {
            return .failure(WireError(.failedPrecondition, "\(error)"))
        }
    }
}
