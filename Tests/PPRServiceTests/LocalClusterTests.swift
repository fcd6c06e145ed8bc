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
        let query = QueryRequest(sources: [QuerySource(VertexID(1003))], topK: 5)

        let first = try await LocalCluster(config: config)
        let client = try CoordinatorClient(connectingTo: first.url, deadline: .seconds(60))
        let params = IndexJobParams(walksPerVertex: 8, maxWalkLength: 40, seed: 5, threads: 1)
        let submitted = try await client.submit(.index(params))
        let indexed = try await client.awaitJob(submitted, every: .milliseconds(50), within: .seconds(60))
        #expect(indexed.state == .succeeded)
        let before = try await client.query(query)
        #expect(before.results.count == 5)
        client.close()
        await first.shutdown()

        // A restart on the same directory serves the same version with the same answer, no new index.
        let second = try await LocalCluster(config: config)
        let again = try CoordinatorClient(connectingTo: second.url, deadline: .seconds(60))
        let after = try await again.query(query)
        #expect(after.results == before.results)
        #expect(after.indexVersion == before.indexVersion)
        again.close()
        await second.shutdown()
    }
}
