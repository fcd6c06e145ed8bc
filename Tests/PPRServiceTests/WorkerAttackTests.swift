// Requests a worker cannot attribute to its coordinator (anyone who reaches the port, without the
// cluster's mutual TLS): each attack of issue 8 must fail safely, with a typed error and no trap, and never
// cost the coordinator its active version.
import Foundation
import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

@Suite struct WorkerAttackTests {
    private static let maximum = UInt64(FingerprintStore.maxVersion)

    private func start(_ client: WireClient, _ version: UInt64, checksum: UInt64) async -> WireError? {
        await callError(
            client,
            .startIndexTask(IndexTaskRequest(version: version, walk: workerWalk, threads: 1, graphChecksum: checksum)))
    }

    private func activate(_ client: WireClient, _ version: UInt64) async throws -> WireResponse {
        try await client.call(.activateVersion(ActivateVersionRequest(version: version)), deadline: .seconds(60))
    }

    @Test func outOfRangeVersionNumbersAreRefusedAndTheWorkerKeepsServing() async throws {
        let graph = try workerTestGraph(vertexCount: 200, seed: 21)
        try await withWorker(graph: graph) { _, clients, checksum in
            let client = clients[0]
            // START_INDEX_TASK version=4294967295 trapped in FingerprintStore.beginVersion (version + 1).
            for version in [UInt64(UInt32.max), UInt64(UInt32.max) - 1, Self.maximum + 1, UInt64.max, 0] {
                let error = await start(client, version, checksum: checksum)
                #expect(error?.code == .invalidArgument, "start \(version): \(String(describing: error))")
                #expect(error?.message.contains("expected 1 ... \(Self.maximum)") == true)
                let activation = await callError(client, .activateVersion(ActivateVersionRequest(version: version)))
                #expect(activation?.code == .invalidArgument, "activate \(version)")
                #expect(
                    await callError(client, .getIndexTask(GetIndexTaskRequest(version: version)))?.code
                        == .invalidArgument)
                #expect(
                    await callError(client, .cancelIndexTask(CancelIndexTaskRequest(version: version)))?.code
                        == .invalidArgument)
                let combine = CombineRequest(indexVersion: version, frontiers: [[WeightedVertex(vertex: 0, weight: 1)]])
                #expect(await callError(client, .combine(combine))?.code == .invalidArgument)
            }
            // The highest number builds (its next-free counter does not overflow), and does not lock out
            // later builds: a free lower number is still accepted.
            #expect(try await buildIndex(client, version: Self.maximum, checksum: checksum).state == .succeeded)
            #expect(try await buildIndex(client, version: 3, checksum: checksum).state == .succeeded)
            #expect(await start(client, Self.maximum, checksum: checksum) == nil)  // a retry: its status
            guard
                case .workerHealth = try await client.call(.workerHealth(WorkerHealthRequest()), deadline: .seconds(60))
            else { Issue.record("no health"); return }
        }
    }

    @Test func activationOfAnythingButACompleteVersionChangesAndDeletesNothing() async throws {
        let graph = try workerTestGraph(vertexCount: 300, seed: 22)
        try await withWorker(graph: graph) { _, clients, checksum in
            let client = clients[0]
            for version in UInt64(1)...2 {
                _ = try await buildIndex(client, version: version, checksum: checksum)
                _ = try await activate(client, version)
            }
            // Unknown, never built, and failed (cancelled) versions are refused before the store changes.
            #expect(
                await callError(client, .activateVersion(ActivateVersionRequest(version: 99)))?.code
                    == .failedPrecondition)
            // Long enough (seconds in release) that the activation below reaches the worker while it builds,
            // even on a loaded machine; the cancel stops it at the next chunk.
            var longWalk = workerWalk
            longWalk.walksPerVertex = 20_000
            _ = try await client.call(
                .startIndexTask(IndexTaskRequest(version: 7, walk: longWalk, threads: 1, graphChecksum: checksum)),
                deadline: .seconds(60))
            #expect(
                await callError(client, .activateVersion(ActivateVersionRequest(version: 7)))?.code
                    == .failedPrecondition)
            _ = try await client.call(.cancelIndexTask(CancelIndexTaskRequest(version: 7)), deadline: .seconds(60))
            _ = try await waitForTask(client, version: 7)
            #expect(
                await callError(client, .activateVersion(ActivateVersionRequest(version: 7)))?.code
                    == .failedPrecondition)
            guard
                case .workerHealth(let health) = try await client.call(
                    .workerHealth(WorkerHealthRequest()), deadline: .seconds(60))
            else { Issue.record("no health"); return }
            #expect(health.activeVersion == 2)
            let frontier = [[WeightedVertex(vertex: 0, weight: 1)]]
            for kept in UInt64(1)...2 {  // active and previous both kept
                #expect(
                    await callError(client, .combine(CombineRequest(indexVersion: kept, frontiers: frontier))) == nil)
            }
        }
    }

    /// `batch`: the coordinator reads version 1 through batch blocks only (block combines pin it too).
    @Test(arguments: [false, true])
    func anOutsidersBuildAndActivateTwiceKeepsTheVersionTheCoordinatorReads(batch: Bool) async throws {
        let graph = try workerTestGraph(vertexCount: 300, seed: 23)
        try await withWorker(graph: graph) { _, clients, checksum in
            let client = clients[0]
            _ = try await buildIndex(client, version: 1, checksum: checksum)
            _ = try await activate(client, 1)
            let frontier = [[WeightedVertex(vertex: 0, weight: 1)]]
            let block = BlockCombine(
                queries: [BlockQuery(sources: [WeightedVertex(vertex: 0, weight: 1)], candidates: 5)], eps: 1e-4,
                maxLevels: 5, pruneRatio: 0)
            // The coordinator serves queries from version 1 (every combine pins it).
            let pinned =
                batch
                ? CombineRequest(indexVersion: 1, frontiers: [], block: block)
                : CombineRequest(indexVersion: 1, frontiers: frontier)
            #expect(await callError(client, .combine(pinned)) == nil)
            // The outsider: START_INDEX_TASK + ACTIVATE_VERSION, twice (this used to delete version 1).
            for version in UInt64(2)...3 {
                #expect(try await buildIndex(client, version: version, checksum: checksum).state == .succeeded)
                _ = try await activate(client, version)
            }
            #expect(await callError(client, .combine(CombineRequest(indexVersion: 1, frontiers: frontier))) == nil)
            // The coordinator can switch its workers back: its version is still complete.
            guard case .activateVersion(let back) = try await activate(client, 1) else {
                Issue.record("no activation reply")
                return
            }
            #expect(back.activeVersion == 1 && back.previousVersion == 3)
        }
    }

    @Test func badCombineRequestsAreRefusedWithTypedErrors() async throws {
        let graph = try workerTestGraph(vertexCount: 200, seed: 24)
        try await withWorker(graph: graph) { _, clients, checksum in
            let client = clients[0]
            _ = try await buildIndex(client, version: 1, checksum: checksum)
            func combine(_ frontiers: [[WeightedVertex]]) async -> WireError? {
                await callError(client, .combine(CombineRequest(indexVersion: 1, frontiers: frontiers)))
            }
            let cases: [([[WeightedVertex]], String)] = [
                ([[WeightedVertex(vertex: 0, weight: .nan)]], "not a finite number"),
                ([[WeightedVertex(vertex: 0, weight: .infinity)]], "not a finite number"),
                ([[WeightedVertex(vertex: 0, weight: -1)]], "not a finite number >= 0"),
                ([[WeightedVertex(vertex: 200, weight: 1)]], "beyond the graph's 200 vertices"),
                ([[WeightedVertex(vertex: .max, weight: 1)]], "beyond the graph's 200 vertices"),
                (Array(repeating: [], count: Limits().combineEntries + 1), "limits.combineEntries"),
            ]
            for (frontiers, message) in cases {
                let error = await combine(frontiers)
                #expect(error?.code == .invalidArgument, "\(message): \(String(describing: error))")
                #expect(error?.message.contains(message) == true, "\(String(describing: error)) lacks \(message)")
            }
            #expect(await combine([[WeightedVertex(vertex: 0, weight: 1)], []]) == nil)  // still serving
        }
    }

    @Test func theCoordinatorsNextVersionIgnoresAWorkerHoldingAHugeVersion() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let shards = (0..<2).map { i in
            ShardConfig(replicas: [
                ReplicaConfig(url: "inproc://attack-\(UUID().uuidString)", dataDir: fixture.sandbox.path("shard\(i)"))
            ])
        }
        let worker = try Worker(
            config: ServiceConfig(graph: fixture.sandbox.path("graph.pwg"), shards: shards), shards: [0, 1])
        let context = JobEngineContext(engine: fixture.engine, worker: worker)
        // An outsider builds and activates the highest number on shard 1 (this used to lock out every job).
        let huge = IndexTaskRequest(
            version: Self.maximum, walk: workerWalk, threads: 1, graphChecksum: fixture.engine.graph.checksum)
        _ = await worker.shards[1].handle(.startIndexTask(huge))
        for _ in 0..<6000 {
            guard
                case .indexTask(let status) = await worker.shards[1].handle(
                    .getIndexTask(GetIndexTaskRequest(version: Self.maximum))),
                status.state == .running
            else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(
            await worker.shards[1].handle(.activateVersion(ActivateVersionRequest(version: Self.maximum))).failure
                == nil)

        var settings = fixture.settings()
        settings.pollInterval = .milliseconds(20)
        let runner = JobRunner(ledger: fixture.ledger, context: context, settings: settings)
        try await runner.start()
        for round in 1...2 {
            let job = try await runner.submit(.index(IndexJobParams(walksPerVertex: 4)))
            let done = try await runner.waitUntilFinished(id: job.id)
            #expect(done.state == .succeeded, "round \(round): \(String(describing: done.error))")
            #expect(try #require(done.result?.indexVersion) < 100)
            #expect(await context.activeIndexVersion() == done.result?.indexVersion)
        }
        await worker.shutdown()
    }
}
