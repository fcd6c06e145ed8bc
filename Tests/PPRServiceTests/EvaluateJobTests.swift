// The evaluate job on the seeded test cluster: it measures the live index against exact PPR with the
// alpha the index was built with, which it reads from the workers' manifests.
import Foundation
import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

@Suite struct EvaluateJobTests {
    /// Submits `spec` to `coordinator` and polls until the job ends (bounded: 60 s).
    static func run(_ spec: JobSpec, on coordinator: Coordinator) async throws -> JobRecord {
        guard case .job(let submitted) = await coordinator.handle(.submitJob(SubmitJobRequest(spec))) else {
            throw WireError(.internal, "expected a job record")
        }
        for _ in 0..<1_200 {
            guard case .job(let record) = await coordinator.handle(.getJob(GetJobRequest(id: submitted.id))) else {
                break
            }
            if record.state != .queued, record.state != .running { return record }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw WireError(.internal, "job \(submitted.id) did not finish")
    }

    @Test func anEvaluateJobMeasuresAgainstExactPPRWithTheAlphaOfTheActiveIndex() async throws {
        // The default graph (300 vertices, seed 42), as the other cluster tests running beside this one use:
        // workers in one process share block expansions (SharedBlockExpansions), keyed by graph.
        let cluster = try CoordinatorTestCluster(shardCount: 2)
        var fresh: Coordinator?
        do {
            // The index is built with alpha 0.3; the configuration says 0.15.
            let walk = WalkParameters(restartProbability: 0.3, walksPerVertex: 64, maxWalkLength: 60, seed: 7)
            _ = try await cluster.index(walk: walk)
            #expect(cluster.config.index.alpha == PPRDefaults.restartProbability)
            // A coordinator with a fresh ledger (no job history to tell the alpha) adopts the workers' index.
            var config = cluster.config
            config.coordinator.dataDir = cluster.directory + "/coordinator-fresh"
            let coordinator = try Coordinator(
                config: config, graph: cluster.loaded, ledger: try JobLedger(directory: config.coordinator.dataDir))
            fresh = coordinator
            try await coordinator.start()

            let record = try await Self.run(.evaluate(EvaluateJobParams(sampleCount: 20, seed: 3)), on: coordinator)
            #expect(record.state == .succeeded, "\(String(describing: record.error))")
            let result = try #require(record.result)
            #expect(result.queriesAnswered == 20)
            // Against exact PPR with alpha 0.3 the index's answers agree closely.
            #expect(try #require(result.precisionAt10) >= 0.9)
            #expect(try #require(result.l1Error) < 0.2)
        } catch {
            await fresh?.shutdown()
            await cluster.close()
            throw error
        }
        await fresh?.shutdown()
        await cluster.close()
    }
}
