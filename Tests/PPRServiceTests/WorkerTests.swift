import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

@Suite struct WorkerTests {
    @Test func anIndexBuiltThroughTheWireIsCombinedLikeTheHandSum() async throws {
        let graph = try workerTestGraph(vertexCount: 700, seed: 1)
        try await withWorker(graph: graph, shardCount: 2) { worker, clients, checksum in
            #expect(worker.urls.count == 2)
            for (shard, client) in clients.enumerated() {
                let status = try await buildIndex(client, version: 1, checksum: checksum)
                let owned = (700 - shard + 1) / 2
                #expect(
                    status == IndexTaskStatus(version: 1, state: .succeeded, progressDone: owned, progressTotal: owned))
                let activated = try await client.call(
                    .activateVersion(ActivateVersionRequest(version: 1)), deadline: .seconds(60))
                #expect(activated == .activateVersion(ActivateVersionResponse(activeVersion: 1, previousVersion: 0)))

                let frontiers: [[WeightedVertex]] = [
                    [WeightedVertex(vertex: VertexIndex(shard), weight: 1)],
                    stride(from: shard, to: 700, by: 34).map { WeightedVertex(vertex: VertexIndex($0), weight: 0.01) },
                    [],
                ]
                let reply = try await client.call(
                    .combine(CombineRequest(indexVersion: 1, frontiers: frontiers)), deadline: .seconds(60))
                guard case .combine(let response) = reply else { Issue.record("reply \(reply)"); return }
                #expect(response.indexVersion == 1)
                #expect(response.fingerprintsRead == frontiers[1].count)  // frontier 0's vertex is in frontier 1
                #expect(response.partialSums.count == 3)
                #expect(response.partialSums[2].vertices.isEmpty)
                for (frontier, sum) in zip(frontiers, response.partialSums) {
                    let dense = handSum(frontier, graph: graph)
                    #expect(sum.vertices == dense.indices.filter { dense[$0] != 0 }.map { VertexIndex($0) })
                    for (x, score) in zip(sum.vertices, sum.scores) {
                        #expect(abs(score - dense[Int(x)]) <= 1e-12 * dense[Int(x)])
                    }
                }
            }
        }
    }

    @Test func healthReportsTheActiveVersionItsManifestAndCounters() async throws {
        let graph = try workerTestGraph(vertexCount: 300, seed: 2)
        try await withWorker(graph: graph) { _, clients, checksum in
            let client = clients[0]
            guard case .workerHealth(let before) = try await client.call(.workerHealth(.init()), deadline: .seconds(60))
            else { Issue.record("no health"); return }
            #expect(before.shards == [ShardID(0)])
            #expect(before.activeVersion == 0 && before.manifest == nil && before.indexTask == nil)

            _ = try await buildIndex(client, version: 3, checksum: checksum)
            _ = try await client.call(.activateVersion(ActivateVersionRequest(version: 3)), deadline: .seconds(60))
            let combine = CombineRequest(indexVersion: 3, frontiers: [[WeightedVertex(vertex: 5, weight: 1)]])
            _ = try await client.call(.combine(combine), deadline: .seconds(60))
            guard case .workerHealth(let after) = try await client.call(.workerHealth(.init()), deadline: .seconds(60))
            else { Issue.record("no health"); return }
            #expect(after.activeVersion == 3)
            #expect(
                after.manifest
                    == ManifestSummary(
                        graphChecksum: checksum, walk: workerWalk, encodingVersion: 1, fingerprintCount: 300,
                        indexVersion: 3))
            #expect(after.combineRequests == 1 && after.fingerprintsRead == 1)
            #expect(after.indexTask?.state == .succeeded && after.indexTask?.version == 3)
            #expect(after.uptime > .zero)
        }
    }

    @Test func combineOnAnUnknownOrIncompleteVersionIsAFailedPrecondition() async throws {
        let graph = try workerTestGraph(vertexCount: 300, seed: 3)
        try await withWorker(graph: graph, shardCount: 2, serving: [1]) { _, clients, checksum in
            let client = clients[0]
            let frontier = [[WeightedVertex(vertex: 1, weight: 1)]]
            let none = await callError(client, .combine(CombineRequest(indexVersion: 1, frontiers: frontier)))
            #expect(none?.code == .failedPrecondition)
            #expect(none?.message.contains("shard 1") == true && none?.message.contains("version 1") == true)

            _ = try await buildIndex(client, version: 1, checksum: checksum)  // complete, not active: still served
            let ok = await callError(client, .combine(CombineRequest(indexVersion: 1, frontiers: frontier)))
            #expect(ok == nil)
            let unknown = await callError(client, .combine(CombineRequest(indexVersion: 9, frontiers: frontier)))
            #expect(unknown?.code == .failedPrecondition)
            #expect(unknown?.message.contains("version 9") == true)
            let notOwned = await callError(
                client, .combine(CombineRequest(indexVersion: 1, frontiers: [[WeightedVertex(vertex: 2, weight: 1)]])))
            #expect(notOwned?.code == .invalidArgument)
            #expect(notOwned?.message.contains("vertex index 2") == true)
            let nan = await callError(
                client,
                .combine(CombineRequest(indexVersion: 1, frontiers: [[WeightedVertex(vertex: 1, weight: .nan)]])))
            #expect(nan?.code == .invalidArgument)
            let zero = await callError(client, .combine(CombineRequest(indexVersion: 0, frontiers: frontier)))
            #expect(zero?.code == .invalidArgument)
        }
    }

    @Test func garbageBytesGetAnErrorReplyAndTheWorkerKeepsServing() async throws {
        let graph = try workerTestGraph(vertexCount: 100, seed: 4)
        try await withWorker(graph: graph) { _, clients, _ in
            let reply = try await clients[0].callRaw([0xFF, 0x00, 0x13, 0x37, 0x42], deadline: .seconds(60))
            #expect(reply.response.failure?.code == .invalidArgument)
            let health = try await clients[0].call(.workerHealth(.init()), deadline: .seconds(60))
            guard case .workerHealth(let report) = health else { Issue.record("reply \(health)"); return }
            #expect(report.shards == [ShardID(0)])
            let query = await callError(clients[0], .query(QueryRequest(sources: [QuerySource(VertexID(10))])))
            #expect(query?.code == .unimplemented)
        }
    }
}

/// Startup refusals name the shard, replica or file at fault.
@Suite struct WorkerStartupTests {
    func config(graph: String) -> ServiceConfig {
        ServiceConfig(
            graph: graph,
            shards: [
                ShardConfig(replicas: [
                    ReplicaConfig(
                        url: "inproc://startup-\(UInt64.random(in: 0...UInt64.max))", dataDir: "/nonexistent/s0")
                ])
            ])
    }

    @Test func badShardsReplicasAndGraphsAreRefused() {
        let missing = config(graph: "/nonexistent/graph.pwg")
        #expect(throws: WorkerError.self) { try Worker(config: missing, shards: [1]) }
        do {
            _ = try Worker(config: missing, shards: [3])
            Issue.record("the worker started")
        } catch {
            #expect(error.description == "shard 3 does not exist: the config has shards 0..<1")
        }
        do {
            _ = try Worker(config: missing, shards: [0], replica: 2)
            Issue.record("the worker started")
        } catch {
            #expect(error.description.contains("replica 2 of shard 0"))
        }
        do {
            _ = try Worker(config: missing, shards: [0, 0])
            Issue.record("the worker started")
        } catch {
            #expect(error.description.contains("more than once"))
        }
        do {
            _ = try Worker(config: missing, shards: [0])
            Issue.record("the worker started")
        } catch {
            #expect(error.description.contains("/nonexistent/graph.pwg"))
        }
    }
}
