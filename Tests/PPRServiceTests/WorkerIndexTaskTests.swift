import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

/// Index tasks and activation over the wire: cancel, refusals, idempotent retries, version retention.
@Suite struct WorkerIndexTaskTests {
    /// Enough walks that a one-thread build of a 20000-vertex graph runs for seconds, not milliseconds.
    let slowWalk = WalkParameters(restartProbability: 0.15, walksPerVertex: 2000, maxWalkLength: 100, seed: 9)

    @Test func aCancelledBuildEndsCancelledAndLeavesTheActiveVersionServing() async throws {
        let graph = try workerTestGraph(vertexCount: 20_000, seed: 5)
        try await withWorker(graph: graph) { _, clients, checksum in
            let client = clients[0]
            #expect(try await buildIndex(client, version: 1, checksum: checksum).state == .succeeded)
            _ = try await client.call(.activateVersion(ActivateVersionRequest(version: 1)), deadline: .seconds(60))

            let slow = IndexTaskRequest(version: 2, walk: slowWalk, threads: 1, graphChecksum: checksum)
            let started = try await client.call(.startIndexTask(slow), deadline: .seconds(60))
            #expect(started == .indexTask(IndexTaskStatus(version: 2, state: .running, progressTotal: 20_000)))
            // A second task while one runs: the same version answers its status, another is refused.
            guard case .indexTask(let again) = try await client.call(.startIndexTask(slow), deadline: .seconds(60))
            else { Issue.record("no status"); return }
            #expect(again.version == 2 && again.state == .running)
            var other = slow
            other.version = 3
            #expect(await callError(client, .startIndexTask(other))?.code == .failedPrecondition)

            _ = try await client.call(.cancelIndexTask(CancelIndexTaskRequest(version: 2)), deadline: .seconds(60))
            let ended = try await waitForTask(client, version: 2)
            #expect(ended.state == .cancelled)
            #expect(ended.error?.code == .cancelled)
            #expect(ended.progressDone < ended.progressTotal)

            guard case .workerHealth(let health) = try await client.call(.workerHealth(.init()), deadline: .seconds(60))
            else { Issue.record("no health"); return }
            #expect(health.activeVersion == 1)
            let frontier = [[WeightedVertex(vertex: 7, weight: 1)]]
            #expect(await callError(client, .combine(CombineRequest(indexVersion: 1, frontiers: frontier))) == nil)
            let cancelledVersion = await callError(
                client, .combine(CombineRequest(indexVersion: 2, frontiers: frontier)))
            #expect(cancelledVersion?.code == .failedPrecondition)
            #expect(
                await callError(client, .activateVersion(ActivateVersionRequest(version: 2)))?.code
                    == .failedPrecondition)
        }
    }

    @Test func shutdownStopsARunningBuild() async throws {
        let graph = try workerTestGraph(vertexCount: 20_000, seed: 6)
        try await withWorker(graph: graph) { worker, clients, checksum in
            let slow = IndexTaskRequest(version: 1, walk: slowWalk, threads: 1, graphChecksum: checksum)
            _ = try await clients[0].call(.startIndexTask(slow), deadline: .seconds(60))
            await worker.shutdown()  // returns only once the build has stopped
            #expect(worker.shards[0].indexTaskStatus?.state == .cancelled)
        }
    }

    @Test func startRefusesBadParametersAnotherGraphAndUsedNumbers() async throws {
        let graph = try workerTestGraph(vertexCount: 400, seed: 7)
        try await withWorker(graph: graph) { _, clients, checksum in
            let client = clients[0]
            func start(
                _ version: UInt64, _ walk: WalkParameters = workerWalk, threads: Int = 1, checksum sum: UInt64? = nil
            )
                async -> WireError?
            {
                await callError(
                    client,
                    .startIndexTask(
                        IndexTaskRequest(version: version, walk: walk, threads: threads, graphChecksum: sum ?? checksum)
                    ))
            }
            let otherGraph = await start(1, checksum: checksum ^ 1)
            #expect(otherGraph?.code == .failedPrecondition)
            #expect(otherGraph?.message.contains("checksum") == true)
            var badWalk = workerWalk
            badWalk.restartProbability = 1.5
            #expect(await start(1, badWalk)?.message.contains("alpha") == true)
            #expect(await start(1, threads: 5000)?.code == .invalidArgument)  // negative counts clamp to 0 on the wire
            #expect(await start(0)?.code == .invalidArgument)
            #expect(await start(UInt64(UInt32.max) + 1)?.code == .invalidArgument)

            #expect(try await buildIndex(client, version: 5, checksum: checksum).state == .succeeded)
            // A retry of a finished version answers its status; a reused number is refused (a free lower
            // number is accepted: WorkerAttackTests).
            guard
                case .indexTask(let retry) = try await client.call(
                    .startIndexTask(
                        IndexTaskRequest(version: 5, walk: workerWalk, threads: 1, graphChecksum: checksum)),
                    deadline: .seconds(60))
            else { Issue.record("no status"); return }
            #expect(retry.state == .succeeded && retry.progressDone == 400)
            var otherSeed = workerWalk
            otherSeed.seed = 99
            #expect(await start(5, otherSeed)?.code == .alreadyExists)
            let unknown = await callError(client, .getIndexTask(GetIndexTaskRequest(version: 8)))
            #expect(unknown?.code == .notFound)
            #expect(await callError(client, .cancelIndexTask(CancelIndexTaskRequest(version: 8)))?.code == .notFound)
        }
    }

    @Test func activationKeepsThePreviousVersionAndDeletesOlderOnes() async throws {
        let graph = try workerTestGraph(vertexCount: 300, seed: 8)
        try await withWorker(graph: graph) { _, clients, checksum in
            let client = clients[0]
            var replies: [WireResponse] = []
            for version in UInt64(1)...3 {
                _ = try await buildIndex(client, version: version, checksum: checksum)
                replies.append(
                    try await client.call(
                        .activateVersion(ActivateVersionRequest(version: version)), deadline: .seconds(60)))
            }
            #expect(
                replies
                    == [1, 2, 3].map {
                        .activateVersion(ActivateVersionResponse(activeVersion: $0, previousVersion: $0 - 1))
                    })
            let frontier = [[WeightedVertex(vertex: 0, weight: 1)]]
            #expect(
                await callError(client, .combine(CombineRequest(indexVersion: 1, frontiers: frontier)))?.code
                    == .failedPrecondition)
            #expect(await callError(client, .combine(CombineRequest(indexVersion: 2, frontiers: frontier))) == nil)
            // Rollback to the kept version.
            let back = try await client.call(
                .activateVersion(ActivateVersionRequest(version: 2)), deadline: .seconds(60))
            #expect(back == .activateVersion(ActivateVersionResponse(activeVersion: 2, previousVersion: 3)))
            // A deleted version cannot be activated: refused before the store changes.
            #expect(
                await callError(client, .activateVersion(ActivateVersionRequest(version: 1)))?.code
                    == .failedPrecondition)
        }
    }
}
