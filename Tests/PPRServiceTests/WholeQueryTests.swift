// Single queries answered whole by a worker process that serves every shard (CombineRequest.whole_query):
// one request per query instead of one per shard, the worker's checks of every field, and the shard-by-shard
// fallback when the process no longer serves what its health said. That the answers equal the in-process
// engine's is checked by CoordinatorQueryTests (run with `oneWorker`). Real workers, LMDB and NNG (the
// seeded 3-shard test cluster).
import PPRCore
import PPRStorage
import PPRWire
import Testing

@testable import PPRService

@Suite struct WholeQueryTests {
    /// A valid whole query for the test cluster (3 shards), asked of shard 0 with shards 1 and 2.
    static func validQuery() -> WholeQuery {
        WholeQuery(
            sources: [WeightedVertex(vertex: 10, weight: 1)],
            parameters: QueryParameters(
                eps: 2e-4, maxLevels: 20, k: 10, sampleBelow: 2e-4, lowDegreeFactor: 0.1, smoothingSteps: 3),
            coShards: [1, 2])
    }

    static func ask(_ cluster: CoordinatorTestCluster, _ query: WholeQuery, version: UInt64 = 1)
        async throws(WireError) -> CombineResponse
    {
        guard
            case .combine(let combined) = try await cluster.coordinator.callShard(
                ShardID(0), .combine(CombineRequest(indexVersion: version, frontiers: [], wholeQuery: query)),
                deadline: .seconds(60))
        else { throw WireError(.internal, "expected a combine reply") }
        return combined
    }

    /// Expects `response` to be the in-process engine's answer for source `id` at top `k` with the default
    /// preset (ids, scores within 1e-12, fingerprints, error estimate within 1e-9 relative).
    static func expectInProcessAnswer(
        _ response: QueryResponse, source id: UInt64, k: Int, cluster: CoordinatorTestCluster,
        reference: FingerprintStoreReader
    ) throws {
        let graph = cluster.loaded.graph
        var engine = DecompositionQuery(graph: graph)
        let expected = try engine.run(
            Personalization(source: try #require(graph.index(of: VertexID(id)))),
            parameters: AccuracyPreset.default.parameters(k: k), fingerprints: reference)
        expectSameAnswer(response.results, expected.top.map { RankedVertex(graph.id(of: $0.vertex), score: $0.score) })
        #expect(response.fingerprintsUsed == expected.metadata.fingerprintsUsed)
        #expect(abs(response.errorEstimate - expected.metadata.errorEstimate) <= 1e-9 * response.errorEstimate)
    }

    /// One process serving every shard gets one combine request per query (on the group's first shard),
    /// whose reply is the top list; the answer is the in-process engine's.
    @Test func oneProcessAnswersEachQueryInOneRequest() async throws {
        try await withTestCluster(oneWorker: true) { cluster in
            #expect(cluster.coordinator.shards.processGroups() == BatchProcessGroupTests.everyShard)
            let before = try await BatchProcessGroupTests.combineCounts(cluster)
            let readBefore = try await BatchProcessGroupTests.healthCounts(cluster, \.fingerprintsRead)
            let reference = try cluster.referenceSource()
            for id in [1003, 1150, 1201, 1402] as [UInt64] {
                let response = try queryResponse(
                    try await cluster.call(.query(QueryRequest(sources: [QuerySource(VertexID(id))], topK: 12))))
                try Self.expectInProcessAnswer(response, source: id, k: 12, cluster: cluster, reference: reference)
            }
            let after = try await BatchProcessGroupTests.combineCounts(cluster)
            #expect(zip(after, before).map { $0 - $1 } == [4, 0, 0], "combines per shard: \(before) -> \(after)")
            // Each shard still counts the fingerprints of its own part of the frontiers.
            let readAfter = try await BatchProcessGroupTests.healthCounts(cluster, \.fingerprintsRead)
            #expect(zip(readAfter, readBefore).allSatisfy { $0 > $1 }, "read per shard: \(readBefore) -> \(readAfter)")
            // The worker's reply itself: the top list only, no partial sums.
            let combined = try await Self.ask(cluster, Self.validQuery())
            #expect(combined.partialSums.isEmpty)
            let answer = try #require(combined.wholeAnswer)
            #expect(answer.vertices.count == 10)
            #expect(zip(answer.scores, answer.scores.dropFirst()).allSatisfy { $0 >= $1 })
            #expect(answer.errorEstimate > 0)
        }
    }

    /// The worker checks every field of a whole query (co-shards, sources, weights, knobs, excluded
    /// vertices, the version); anything wrong is INVALID_ARGUMENT naming it, and the worker keeps serving.
    @Test func workersRangeCheckWholeQueries() async throws {
        try await withTestCluster(oneWorker: true) { cluster in
            let n = cluster.loaded.graph.vertexCount
            func changed(_ change: (inout WholeQuery) -> Void) -> WholeQuery {
                var query = Self.validQuery()
                change(&query)
                return query
            }
            let cases: [(WholeQuery, String)] = [
                (changed { $0.coShards = [1] }, "names every other shard of the cluster (2), not 1"),
                (changed { $0.coShards = [1, 1] }, "co-shard 1 must be another shard"),
                (changed { $0.coShards = [0, 2] }, "co-shard 0 must be another shard"),
                (changed { $0.coShards = [1, 4_000_000_000] }, "co-shard 4000000000 must"),
                (changed { $0.sources = [] }, "has 1 ... \(n) sources, not 0"),
                (changed { $0.sources = [WeightedVertex(vertex: VertexIndex(n), weight: 1)] }, "vertex index \(n) out"),
                (changed { $0.sources = [WeightedVertex(vertex: 1, weight: .nan)] }, "whole query:"),
                (changed { $0.sources = [WeightedVertex(vertex: 1, weight: -1)] }, "whole query:"),
                (
                    changed { $0.parameters.exclusions.vertices = [4_000_000_000] },
                    "excluded vertex index 4000000000 out of range"
                ),
                (changed { $0.parameters.eps = -1 }, "eps"), (changed { $0.parameters.eps = .infinity }, "eps"),
                (changed { $0.parameters.maxLevels = 1 << 30 }, "levels"), (changed { $0.parameters.k = 0 }, "k"),
                (changed { $0.parameters.k = 1 << 30 }, "k"),
                (changed { $0.parameters.smoothingSteps = 9 }, "smoothing-steps"),
                (changed { $0.parameters.refineCandidates = 1 << 30 }, "refine-candidates"),
                (changed { $0.parameters.sampleBelow = 2 }, "sample-below"),
                (changed { $0.parameters.lowDegreeFactor = -1 }, "low-degree"),
            ]
            for (query, named) in cases {
                let error = await #expect(throws: WireError.self) { try await Self.ask(cluster, query) }
                #expect(error?.code == .invalidArgument, "\(query) should be refused naming \(named)")
                #expect(error?.message.contains(named) == true, "\(String(describing: error)) should name \(named)")
            }
            let badVersion = await #expect(throws: WireError.self) {
                try await Self.ask(cluster, Self.validQuery(), version: 0)
            }
            #expect(badVersion?.code == .invalidArgument)
            let valid = try await Self.ask(cluster, Self.validQuery())
            #expect(valid.wholeAnswer?.vertices.count == 10)
        }
    }

    /// Separate worker processes are asked shard by shard (one request to each shard per query).
    @Test func separateProcessesAreAskedShardByShard() async throws {
        try await withTestCluster { cluster in
            let before = try await BatchProcessGroupTests.combineCounts(cluster)
            let request = QueryRequest(sources: [QuerySource(VertexID(1003))], topK: 12)
            #expect(try queryResponse(try await cluster.call(.query(request))).results.count == 12)
            let after = try await BatchProcessGroupTests.combineCounts(cluster)
            #expect(zip(after, before).map { $0 - $1 } == [1, 1, 1], "combines per shard: \(before) -> \(after)")
        }
    }

    /// A worker process older than whole queries: its decoder skips the unknown field, so it combines the
    /// request's (empty) frontiers and its reply has no whole answer. Emulated by a proxy that drops the field
    /// before the real worker reads it. The coordinator must notice and ask shard by shard, with the
    /// in-process engine's answer.
    @Test func aWorkerOlderThanWholeQueriesIsAskedShardByShard() async throws {
        try await withTestCluster(oneWorker: true) { cluster in
            try await cluster.putWorkerBehindProxy { request in
                guard case .combine(var combine) = request, combine.wholeQuery != nil else { return request }
                combine.wholeQuery = nil
                return .combine(combine)
            }
            let reply = try await Self.ask(cluster, Self.validQuery())
            #expect(reply.wholeAnswer == nil && reply.partialSums.isEmpty, "the proxy's worker answered whole")
            #expect(cluster.coordinator.shards.processGroups() == BatchProcessGroupTests.everyShard)
            let before = try await BatchProcessGroupTests.combineCounts(cluster)
            let response = try queryResponse(
                try await cluster.call(.query(QueryRequest(sources: [QuerySource(VertexID(1003))], topK: 12))))
            try Self.expectInProcessAnswer(
                response, source: 1003, k: 12, cluster: cluster, reference: try cluster.referenceSource())
            let after = try await BatchProcessGroupTests.combineCounts(cluster)
            // Shard 0 got the whole query (combined as no frontier) and its part; the others their parts.
            #expect(zip(after, before).map { $0 - $1 } == [2, 1, 1], "combines per shard: \(before) -> \(after)")
        }
    }

    /// A process whose health said it serves every shard, redeployed as one process per shard: its whole
    /// query is refused (the co-shards are not served there) and the coordinator asks shard by shard, with
    /// the in-process engine's answer.
    @Test func aProcessThatNoLongerServesEveryShardIsAskedShardByShard() async throws {
        try await withTestCluster(healthProbeMillis: 60_000, oneWorker: true) { cluster in
            try await cluster.splitWorker()
            let error = await #expect(throws: WireError.self) { try await Self.ask(cluster, Self.validQuery()) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("co-shard 1 is not served by this worker process") == true)
            // The coordinator has not probed the new processes yet: it still groups, and falls back.
            #expect(cluster.coordinator.shards.processGroups() == BatchProcessGroupTests.everyShard)
            let response = try queryResponse(
                try await cluster.call(.query(QueryRequest(sources: [QuerySource(VertexID(1003))], topK: 12))))
            try Self.expectInProcessAnswer(
                response, source: 1003, k: 12, cluster: cluster, reference: try cluster.referenceSource())
        }
    }
}
