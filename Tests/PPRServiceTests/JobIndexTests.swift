import Foundation
import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

/// Index jobs against a real Worker serving two shards (called in-process, as the coordinator would over NNG).
@Suite struct JobIndexTests {
    func worker(_ fixture: JobFixture) throws -> Worker {
        let shards = (0..<2).map { i in
            ShardConfig(replicas: [
                ReplicaConfig(url: "inproc://jobs-\(UUID().uuidString)", dataDir: fixture.sandbox.path("shard\(i)"))
            ])
        }
        let config = ServiceConfig(graph: fixture.sandbox.path("graph.pwg"), shards: shards)
        return try Worker(config: config, shards: [0, 1])
    }

    @Test func anIndexJobBuildsAndActivatesANewVersionOnEveryShard() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let worker = try worker(fixture)
        let context = JobEngineContext(engine: fixture.engine, worker: worker)
        var settings = fixture.settings()
        settings.pollInterval = .milliseconds(20)
        let runner = JobRunner(ledger: fixture.ledger, context: context, settings: settings)
        try await runner.start()

        let first = try await runner.submit(.index(IndexJobParams(walksPerVertex: 4)))
        let built = try await runner.waitUntilFinished(id: first.id)
        #expect(built.state == .succeeded, "\(String(describing: built.error))")
        let version = try #require(built.result?.indexVersion)
        #expect(version >= 1)
        #expect(await context.activeIndexVersion() == version)
        #expect(built.progressTotal == 300 && built.progressDone == 300)  // vertices of both shards
        for shard in worker.shards {
            guard case .workerHealth(let health) = await shard.handle(.workerHealth(WorkerHealthRequest())) else {
                Issue.record("no health from \(shard.id)")
                continue
            }
            #expect(health.activeVersion == version)
        }

        let second = try await runner.submit(.index(IndexJobParams(walksPerVertex: 4, seed: 9)))
        let rebuilt = try await runner.waitUntilFinished(id: second.id)
        #expect(rebuilt.state == .succeeded)
        #expect(try #require(rebuilt.result?.indexVersion) > version)  // numbers are never reused
        #expect(await context.activeIndexVersion() == rebuilt.result?.indexVersion)
        await worker.shutdown()
    }

    @Test func aCancelledIndexJobLeavesTheActiveVersionUntouched() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let worker = try worker(fixture)
        let context = JobEngineContext(engine: fixture.engine, worker: worker)
        let runner = JobRunner(ledger: fixture.ledger, context: context, settings: fixture.settings())
        try await runner.start()
        try await context.setActiveIndexVersion(0)
        // Long walks on 300 vertices: the build is still running when the cancel arrives, or just done;
        // either way the job must not activate anything once it is cancelled.
        let job = try await runner.submit(.index(IndexJobParams(walksPerVertex: 20_000, maxWalkLength: 1000)))
        while try await runner.get(id: job.id).state == .queued { await Task.yield() }
        let cancelled = try await runner.cancel(id: job.id)
        #expect(cancelled.state == .cancelled)
        #expect(await context.activeIndexVersion() == 0)
        for shard in worker.shards {
            guard case .workerHealth(let health) = await shard.handle(.workerHealth(WorkerHealthRequest())) else {
                Issue.record("no health from \(shard.id)")
                continue
            }
            #expect(health.activeVersion == 0)
        }
        await worker.shutdown()
    }
}
