// Blocks of the shared decomposition sent once per worker process (BlockCombine.coShards): the grouping the
// coordinator learns from the workers' health, the answers it gives, the worker's checks of co-shards, and
// the shard-by-shard fallback when a process no longer serves what its health said. Real workers, LMDB and
// NNG (the seeded 3-shard test cluster).
import PPRCore
import PPRStorage
import PPRWire
import Testing

@testable import PPRService

@Suite struct BatchProcessGroupTests {
    static let everyShard = [[ShardID(0), ShardID(1), ShardID(2)]]
    static let shardByShard = [[ShardID(0)], [ShardID(1)], [ShardID(2)]]

    /// Unpruned block answers of `cluster` for 20 queries, each against its single query (same ids within
    /// Float ties, scores within 1e-5 of the top score, the same fingerprints counted). `sameEstimate`: the
    /// error estimate too (within Float rounding), as when every shard answers in one reply.
    static func expectBlocksEqualSingleQueries(
        _ cluster: CoordinatorTestCluster, sameEstimate: Bool = false
    ) async throws {
        let graph = cluster.loaded.graph
        let executor = BatchExecutor(
            graph: graph, config: cluster.config, shards: cluster.coordinator.shards, pruneRatio: 0)
        let queries = (0..<20).map { i in
            QueryRequest(sources: [QuerySource(graph.id(of: VertexIndex((i * 13 + 1) % graph.vertexCount)))], topK: 15)
        }
        let blocked = try await executor.answer(
            queries, index: ActiveIndex(version: 1, walk: CoordinatorTestCluster.walk))
        #expect(blocked.count == queries.count)
        for (query, answer) in zip(queries, blocked) {
            let single = try queryResponse(try await cluster.call(.query(query)))
            expectSameAnswer(answer.results, single.results, tolerance: 1e-5 * (single.results.first?.score ?? 0))
            #expect(answer.fingerprintsUsed == single.fingerprintsUsed)
            if sameEstimate {
                #expect(abs(answer.errorEstimate - single.errorEstimate) <= 1e-3 * single.errorEstimate)
            }
        }
    }

    /// Shard `s`'s health, asked through the coordinator's connections.
    static func health(_ cluster: CoordinatorTestCluster, shard s: Int) async throws -> WorkerHealth {
        guard
            case .workerHealth(let health) = try await cluster.coordinator.callShard(
                ShardID(s), .workerHealth(WorkerHealthRequest()), deadline: .seconds(60))
        else { throw WireError(.internal, "expected a health reply") }
        return health
    }

    /// A health counter of each of the 3 shards (e.g. `\.combineRequests`, `\.fingerprintsRead`).
    static func healthCounts(_ cluster: CoordinatorTestCluster, _ counter: KeyPath<WorkerHealth, Int>)
        async throws -> [Int]
    {
        var counts: [Int] = []
        for s in 0..<3 { counts.append(try await health(cluster, shard: s)[keyPath: counter]) }
        return counts
    }

    /// Combine requests each shard has answered (its worker's health counter).
    static func combineCounts(_ cluster: CoordinatorTestCluster) async throws -> [Int] {
        try await healthCounts(cluster, \.combineRequests)
    }

    /// One worker process serving every shard (as `powerwalkd local`): its health names them all, the
    /// coordinator groups them, each block goes to shard 0 alone, and the answers are the single queries'.
    @Test func oneProcessGetsEachBlockOnce() async throws {
        try await withTestCluster(oneWorker: true) { cluster in
            #expect(try await Self.health(cluster, shard: 1).shards == [ShardID(1), ShardID(0), ShardID(2)])
            #expect(cluster.coordinator.shards.processGroups() == Self.everyShard)
            let graph = cluster.loaded.graph
            let executor = BatchExecutor(
                graph: graph, config: cluster.config, shards: cluster.coordinator.shards, pruneRatio: 0)
            let before = try await Self.combineCounts(cluster)
            let queries = (0..<20).map { QueryRequest(sources: [QuerySource(graph.id(of: VertexIndex($0)))], topK: 5) }
            _ = try await executor.answer(queries, index: ActiveIndex(version: 1, walk: CoordinatorTestCluster.walk))
            let after = try await Self.combineCounts(cluster)
            #expect(zip(after, before).map { $0 - $1 } == [1, 0, 0], "combines per shard: \(before) -> \(after)")
            try await Self.expectBlocksEqualSingleQueries(cluster, sameEstimate: true)
        }
    }

    /// With one reply holding the whole answer, the default (pruned) batch path sends each query's top list
    /// alone, and the batch answers are the single queries' (ids within Float ties, scores within 1e-5 of
    /// the top score), exclusions included.
    @Test func oneProcessRepliesWithTheTopListOnly() async throws {
        try await withTestCluster(oneWorker: true) { cluster in
            let graph = cluster.loaded.graph
            var queries = (0..<30).map { i in
                QueryRequest(
                    sources: [QuerySource(graph.id(of: VertexIndex((i * 17 + 4) % graph.vertexCount)))], topK: 10)
            }
            queries.append(QueryRequest(sources: [QuerySource(VertexID(1003))], topK: 10, excludeSources: true))
            queries.append(QueryRequest(sources: [QuerySource(VertexID(1000))], topK: 10, excludeOutNeighbors: true))
            guard case .batchQuery(let batch) = try await cluster.call(.batchQuery(BatchQueryRequest(queries: queries)))
            else { throw WireError(.internal, "expected a batch reply") }
            for (query, batched) in zip(queries, batch.responses) {
                let single = try queryResponse(try await cluster.call(.query(query)))
                expectSameAnswer(batched.results, single.results, tolerance: 1e-5 * (single.results.first?.score ?? 0))
            }
            // The worker's reply to such a block: the 5 candidates of each query (no ties on this graph).
            let block = BlockCombine(
                queries: (0..<8).map {
                    BlockQuery(sources: [WeightedVertex(vertex: VertexIndex($0), weight: 1)], candidates: 5)
                },
                eps: 2e-4, maxLevels: 20, pruneRatio: 1, smoothingSteps: 2, coShards: [1, 2])
            guard
                case .combine(let combined) = try await cluster.coordinator.callShard(
                    ShardID(0), .combine(CombineRequest(indexVersion: 1, frontiers: [], block: block)),
                    deadline: .seconds(60))
            else { throw WireError(.internal, "expected a combine reply") }
            #expect(combined.blockResults.map(\.vertices.count) == [Int](repeating: 5, count: 8))
        }
    }

    /// Separate worker processes report only their own shard: no grouping, and the answers are the same.
    @Test func separateProcessesAreAskedShardByShard() async throws {
        try await withTestCluster { cluster in
            #expect(cluster.coordinator.shards.processGroups() == Self.shardByShard)
            try await Self.expectBlocksEqualSingleQueries(cluster)
        }
    }

    /// The worker checks every co-shard: another shard of the cluster, named once, served by its process
    /// with the pinned version; anything else is INVALID_ARGUMENT and the worker keeps serving.
    @Test func workersRangeCheckCoShards() async throws {
        try await withTestCluster(oneWorker: true) { cluster in
            let query = BlockQuery(sources: [WeightedVertex(vertex: 1, weight: 1)], candidates: 5)
            func ask(_ coShards: [Int], version: UInt64 = 1) async throws(WireError) -> WireResponse {
                let block = BlockCombine(queries: [query], eps: 1e-4, maxLevels: 5, pruneRatio: 0, coShards: coShards)
                return try await cluster.coordinator.callShard(
                    ShardID(0), .combine(CombineRequest(indexVersion: version, frontiers: [], block: block)),
                    deadline: .seconds(60))
            }
            let cases: [([Int], String)] = [
                ([0], "co-shard 0 must be another shard"), ([3], "co-shard 3 must be another shard"),
                ([4_000_000_000], "co-shard 4000000000 must"), ([1, 1], "co-shard 1 must be another shard"),
                ([1, 2, 1], "3 co-shards in a cluster of 3 shards"),
            ]
            for (coShards, named) in cases {
                let error = await #expect(throws: WireError.self) { try await ask(coShards) }
                #expect(error?.code == .invalidArgument)
                #expect(error?.message.contains(named) == true, "\(String(describing: error)) should name \(named)")
            }
            guard case .combine(let combined) = try await ask([2, 1]) else {
                throw WireError(.internal, "expected a combine reply")
            }
            #expect(combined.blockResults.count == 1)
        }
    }

    /// A process whose health said it serves every shard, redeployed as one process per shard: its grouped
    /// block is refused (the co-shards are not served there) and the coordinator asks shard by shard, with
    /// the same answers.
    @Test func aProcessThatNoLongerServesItsCoShardsIsAskedShardByShard() async throws {
        try await withTestCluster(healthProbeMillis: 60_000, oneWorker: true) { cluster in
            #expect(cluster.coordinator.shards.processGroups() == Self.everyShard)
            try await cluster.splitWorker()
            let block = BlockCombine(
                queries: [BlockQuery(sources: [WeightedVertex(vertex: 1, weight: 1)], candidates: 5)], eps: 1e-4,
                maxLevels: 5, pruneRatio: 0, coShards: [1])
            let error = await #expect(throws: WireError.self) {
                try await cluster.coordinator.callShard(
                    ShardID(0), .combine(CombineRequest(indexVersion: 1, frontiers: [], block: block)),
                    deadline: .seconds(60))
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("co-shard 1 is not served by this worker process") == true)
            // The coordinator has not probed the new processes yet: it still groups, and falls back.
            #expect(cluster.coordinator.shards.processGroups() == Self.everyShard)
            try await Self.expectBlocksEqualSingleQueries(cluster)
        }
    }
}
