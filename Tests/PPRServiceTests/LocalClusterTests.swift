import Foundation
import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

@Suite struct LocalClusterTests {
    /// A fresh temporary directory holding `graph.pwg`, a random graph; the caller removes the directory.
    private static func sandbox(vertexCount: Int, seed: UInt64) throws -> (directory: String, graphPath: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pw-local-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let graphPath = "\(directory)/graph.pwg"
        do {
            try GraphFile.write(CoordinatorTestCluster.randomGraph(vertexCount: vertexCount, seed: seed), to: graphPath)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        return (directory, graphPath)
    }

    @Test func allInOneIndexesServesAndKeepsItsVersionAcrossARestart() async throws {
        let (directory, graphPath) = try Self.sandbox(vertexCount: 120, seed: 3)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var config = try ServiceConfig.local(
            graph: graphPath, dataDirectory: "\(directory)/data", shardCount: 2, listen: "tcp://127.0.0.1:0", threads: 1
        )
        config.limits.mapSizeBytes = 1 << 28
        // inproc by default, named after the (absolute) data directory.
        #expect(config.shards[1].replicas[0].url.hasPrefix("inproc://powerwalk-local/"))
        #expect(config.shards[1].replicas[0].url.hasSuffix("/data/shard-1"))
        let ipc = try ServiceConfig.local(
            graph: graphPath, dataDirectory: "\(directory)/data", shardCount: 2, shardTransport: .ipc)
        #expect(ipc.shards[1].replicas[0].url.hasPrefix("ipc:///"))
        #expect(ipc.shards[1].replicas[0].url.hasSuffix("/data/shard-1.ipc"))
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

    @Test func inprocAndIPCShardsAnswerAlikeAndTwoInprocClustersDoNotCollide() async throws {
        let (directory, graphPath) = try Self.sandbox(vertexCount: 150, seed: 11)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Three clusters at once in this process: two on inproc (different data directories), one on ipc.
        let transports: [(String, ShardTransport)] = [("a", .inproc), ("b", .inproc), ("c", .ipc)]
        var clusters: [LocalCluster] = []
        for (name, transport) in transports {
            var config = try ServiceConfig.local(
                graph: graphPath, dataDirectory: "\(directory)/\(name)", shardCount: 2, listen: "tcp://127.0.0.1:0",
                threads: 1, shardTransport: transport)
            config.limits.mapSizeBytes = 1 << 28
            clusters.append(try await LocalCluster(config: config))
        }
        #expect(Set(clusters.flatMap(\.worker.urls)).count == 6)
        #expect(clusters[0].worker.urls.allSatisfy { $0.hasPrefix("inproc://") })
        #expect(clusters[2].worker.urls.allSatisfy { $0.hasPrefix("ipc://") })
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/a/shard-0.ipc"))
        #expect(FileManager.default.fileExists(atPath: "\(directory)/c/shard-0.ipc"))

        let params = IndexJobParams(walksPerVertex: 8, maxWalkLength: 40, seed: 5, threads: 1)
        let queries = [
            QueryRequest(sources: [QuerySource(VertexID(1003))], topK: 10),
            QueryRequest(sources: [QuerySource(VertexID(1006)), QuerySource(VertexID(1042), weight: 3)], topK: 25),
        ]
        var answers: [[[RankedVertex]]] = []
        for cluster in clusters {
            let client = try CoordinatorClient(connectingTo: cluster.url, deadline: .seconds(60))
            let submitted = try await client.submit(.index(params))
            let indexed = try await client.awaitJob(submitted, every: .milliseconds(50), within: .seconds(60))
            #expect(indexed.state == .succeeded)
            var results: [[RankedVertex]] = []
            for query in queries { results.append(try await client.query(query).results) }
            answers.append(results)
            client.close()
        }
        #expect(answers[0].allSatisfy { !$0.isEmpty })
        // Same ids, same scores (the transport carries the same doubles).
        #expect(answers[1] == answers[0])
        #expect(answers[2] == answers[0])
        for cluster in clusters { await cluster.shutdown() }
    }

    @Test func aShardOnInprocRefusesARequestOverItsLimit() async throws {
        let (directory, graphPath) = try Self.sandbox(vertexCount: 60, seed: 4)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A data directory with a space and a path longer than a unix socket's (108 bytes), which ipc:// could
        // not bind; an inproc name has no such limit.
        let long = "\(directory)/a data directory \(String(repeating: "x", count: 120))"
        var config = try ServiceConfig.local(
            graph: graphPath, dataDirectory: long, shardCount: 1, listen: "tcp://127.0.0.1:0", threads: 1)
        config.limits.mapSizeBytes = 1 << 28
        config.limits.maxRequestBytes = 4096
        let cluster = try await LocalCluster(config: config)
        let shardURL = cluster.worker.urls[0]
        #expect(shardURL.hasPrefix("inproc://"))
        let client = try WireClient(dialing: shardURL)
        // NNG does not limit inproc receives: even far beyond twice the limit (where tcp and ipc drop the
        // connection), the worker itself answers RESOURCE_EXHAUSTED, before decoding anything.
        for size in [5000, 64 << 10, 4 << 20] {
            let reply = try await client.callRaw([UInt8](repeating: 0xFF, count: size), deadline: .seconds(60))
            #expect(reply.response.failure?.code == .resourceExhausted, "\(size) bytes: \(reply)")
            #expect(reply.response.failure?.message.contains("limit of 4096 bytes") == true)
        }
        // The shard goes on serving requests under the limit.
        let health = try await client.call(.workerHealth(WorkerHealthRequest()), deadline: .seconds(60))
        guard case .workerHealth(let status) = health else {
            Issue.record("unexpected reply \(health)")
            return
        }
        #expect(status.shards == [ShardID(0)])
        client.close()
        await cluster.shutdown()
    }
}
