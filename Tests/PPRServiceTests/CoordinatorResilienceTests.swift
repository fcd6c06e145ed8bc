import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

@Suite struct CoordinatorResilienceTests {
    @Test func stoppedWorkerIsUnavailableNamingTheShardThenRecovers() async throws {
        // 1.5 s: room for the live shard to answer on a loaded machine (the stopped one never does).
        try await withTestCluster(combineMillis: 1_500) { cluster in
            let query = WireRequest.query(QueryRequest(sources: [QuerySource(VertexID(1003))], topK: 5))
            _ = try queryResponse(try await cluster.call(query))
            await cluster.stopShard(1)
            let error = await #expect(throws: WireError.self) { try await cluster.call(query) }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("shard 1") == true)
            #expect(error?.message.contains(cluster.config.shards[1].replicas[0].url) == true)
            #expect(error?.message.contains("1500 ms") == true)

            try cluster.startShard(1)
            // Wait until the coordinator has reconnected (NNG redials with backoff), then query once.
            var reachable = false
            for _ in 0..<100 where !reachable {
                guard case .clusterStatus(let status) = try await cluster.call(.clusterStatus(ClusterStatusRequest()))
                else { break }
                reachable = status.shards[1].state == .serving
            }
            #expect(reachable)
            _ = try queryResponse(try await cluster.call(query))
        }
    }

    @Test func garbageAndTruncatedRequestsGetErrorRepliesAndServingGoesOn() async throws {
        try await withTestCluster(shardCount: 2) { cluster in
            let garbage = try await cluster.client.callRaw([0xFF, 0x13, 0x37, 0x00, 0x42], deadline: .seconds(60))
            #expect(garbage.response.failure?.code == .invalidArgument)

            let request = WireRequestEnvelope(
                requestID: 9, request: .query(QueryRequest(sources: [QuerySource(VertexID(1003))], topK: 3)))
            let bytes = WireCodec.encode(request)
            let truncated = try await cluster.client.callRaw(Array(bytes.dropLast(3)), deadline: .seconds(60))
            #expect(truncated.response.failure?.code == .invalidArgument)

            let whole = try await cluster.client.callRaw(bytes, deadline: .seconds(60))
            guard case .query(let answer) = whole.response else {
                Issue.record("expected a query reply, got \(whole.response)")
                return
            }
            #expect(answer.results.count == 3)
        }
    }

    @Test func workerMethodsAreRefusedByTheCoordinator() async throws {
        try await withTestCluster(shardCount: 1) { cluster in
            let error = await #expect(throws: WireError.self) {
                try await cluster.call(.workerHealth(WorkerHealthRequest()))
            }
            #expect(error?.code == .unimplemented)
        }
    }

    @Test func clusterStatusDescribesShardsGraphAndVersion() async throws {
        try await withTestCluster(shardCount: 3) { cluster in
            await cluster.stopShard(2)
            guard case .clusterStatus(let status) = try await cluster.call(.clusterStatus(ClusterStatusRequest()))
            else {
                Issue.record("expected a cluster status")
                return
            }
            #expect(status.activeIndexVersion == 1)
            #expect(status.coordinatorVersion == "0.1.0")
            #expect(status.graph?.vertexCount == cluster.loaded.graph.vertexCount)
            #expect(status.graph?.edgeCount == cluster.loaded.graph.edgeCount)
            #expect(status.graph?.checksum == cluster.loaded.checksum)
            #expect(status.shards.map(\.shard) == [ShardID(0), ShardID(1), ShardID(2)])
            #expect(status.shards.map(\.state) == [.serving, .serving, .unreachable])
            #expect(status.shards[0].workerURL == cluster.config.shards[0].replicas[0].url)
            #expect(status.shards[0].activeVersion == 1)
            #expect(status.shards[0].manifest?.walk == CoordinatorTestCluster.walk)
            #expect(status.shards[0].manifest?.graphChecksum == cluster.loaded.checksum)
            #expect(status.shards[2].detail.contains("shard 2"))
        }
    }

    @Test func restartedCoordinatorAdoptsTheWorkersCommonVersion() async throws {
        try await withTestCluster(shardCount: 2) { cluster in
            // The cluster's coordinator was told version 1; a fresh one learns it from the workers.
            let fresh = try Coordinator(config: cluster.config, graph: cluster.loaded)
            defer { fresh.close() }
            #expect(await fresh.activeIndexVersion() == nil)
            #expect(await fresh.adoptWorkersVersion() == 1)
            let answers = try await fresh.answer([QueryRequest(sources: [QuerySource(VertexID(1003))])])
            #expect(answers.first?.indexVersion == 1)
        }
    }
}
