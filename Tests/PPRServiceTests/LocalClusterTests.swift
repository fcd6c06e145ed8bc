import Foundation
import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

@Suite struct LocalClusterTests {
    @Test func allInOneIndexesServesAndKeepsItsVersionAcrossARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pw-local-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let graphPath = "\(directory)/graph.pwg"
        try GraphFile.write(CoordinatorTestCluster.randomGraph(vertexCount: 120, seed: 3), to: graphPath)
        var config = try ServiceConfig.local(
            graph: graphPath, dataDirectory: "\(directory)/data", shardCount: 2, listen: "tcp://127.0.0.1:0", threads: 1
        )
        config.limits.mapSizeBytes = 1 << 28
        #expect(config.shards[1].replicas[0].url.hasSuffix("/data/shard-1.ipc"))
        #expect(config.coordinator.dataDir.hasSuffix("/data/coordinator"))
        #expect(config.coordinator.jobFilesDirectory.hasSuffix("/data/jobs"))  // --job-files-dir's default
        let custom = try ServiceConfig.local(
            graph: graphPath, dataDirectory: "\(directory)/data", shardCount: 2, jobFilesDirectory: "/srv/jobs")
        #expect(custom.coordinator.jobFilesDirectory == "/srv/jobs")
        #expect(throws: LocalClusterError.self) {
            try ServiceConfig.local(graph: graphPath, dataDirectory: directory, shardCount: 1, jobFilesDirectory: "")
        }
        let query = WireRequest.query(QueryRequest(sources: [QuerySource(VertexID(1003))], topK: 5))

        let first = try await LocalCluster(config: config)
        let client = try WireClient(dialing: first.url)
        let params = IndexJobParams(walksPerVertex: 8, maxWalkLength: 40, seed: 5, threads: 1)
        guard
            case .job(let job) = try await client.call(
                .submitJob(SubmitJobRequest(.index(params))), deadline: .seconds(10))
        else { throw WireError(.internal, "expected a job record") }
        var state = JobState.queued
        for _ in 0..<600 where state != .succeeded && state != .failed {
            try await Task.sleep(for: .milliseconds(50))
            guard
                case .job(let record) = try await client.call(
                    .getJob(GetJobRequest(id: job.id)), deadline: .seconds(10))
            else { break }
            state = record.state
        }
        #expect(state == .succeeded)
        guard case .query(let before) = try await client.call(query, deadline: .seconds(10)) else {
            throw WireError(.internal, "expected a query reply")
        }
        #expect(before.results.count == 5)
        client.close()
        await first.shutdown()

        // A restart on the same directory serves the same version with the same answer, no new index.
        let second = try await LocalCluster(config: config)
        let again = try WireClient(dialing: second.url)
        guard case .query(let after) = try await again.call(query, deadline: .seconds(10)) else {
            throw WireError(.internal, "expected a query reply")
        }
        #expect(after.results == before.results)
        #expect(after.indexVersion == before.indexVersion)
        again.close()
        await second.shutdown()
    }
}
