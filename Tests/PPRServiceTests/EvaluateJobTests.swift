// The evaluate job on the seeded test cluster: it measures the live index against exact PPR with the
// alpha the index was built with, which it reads from the workers' manifests, and reports the queries'
// own error estimates beside the measured error.
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
            let l1 = try #require(result.l1Error)
            #expect(l1 < 0.2)
            // The result says which alpha it evaluated: the manifests'.
            #expect(result.restartProbability == 0.3)
            // The queries' own error estimates, beside the measured error.
            let mean = try #require(result.meanErrorEstimate)
            let largest = try #require(result.maxErrorEstimate)
            #expect(mean > 0 && mean < 0.05 && largest >= mean, "estimate mean \(mean), max \(largest)")

            // No expansion (T = 0: the answer is the fingerprint of R = 64 walks) has a large error; the mean
            // estimate is within a factor 2 of the measured one (measured here: 0.4495 and 0.4521).
            let coarse = try await Self.run(
                .evaluate(EvaluateJobParams(sampleCount: 20, seed: 3, maxLevels: 0)), on: coordinator)
            #expect(coarse.state == .succeeded, "\(String(describing: coarse.error))")
            let coarseL1 = try #require(coarse.result?.l1Error)
            let coarseMean = try #require(coarse.result?.meanErrorEstimate)
            #expect(coarseL1 > 10 * l1)
            #expect(coarseMean > coarseL1 / 2 && coarseMean < coarseL1 * 2, "estimate \(coarseMean), L1 \(coarseL1)")
            #expect(try #require(coarse.result?.maxErrorEstimate) >= coarseMean)
        } catch {
            await fresh?.shutdown()
            await cluster.close()
            throw error
        }
        await fresh?.shutdown()
        await cluster.close()
    }
}
