import Foundation
import Logging
import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

/// Walk parameters of the worker tests' indexes.
let workerWalk = WalkParameters(restartProbability: 0.15, walksPerVertex: 8, maxWalkLength: 40, seed: 5)

/// A random directed graph (seeded) with dangling vertices and self-loops; ids are `10 * index`.
func workerTestGraph(vertexCount: Int, seed: UInt64) throws -> CSRGraph {
    var rng = WalkSeed(rawState: seed)
    var builder = GraphBuilder()
    for v in 0..<UInt64(vertexCount) {
        let degree = v % 7 == 3 ? 0 : Int(rng.next() % 5) + 1
        for _ in 0..<degree { builder.addEdge(from: v * 10, to: (rng.next() % UInt64(vertexCount)) * 10) }
        if degree == 0 { builder.addEdge(from: (v + 1) % UInt64(vertexCount) * 10, to: v * 10) }
    }
    return try builder.build().graph
}

// Replies that must come are awaited up to 60 s: the whole suite runs in parallel on 2 cores, and while its
// first clusters start the process is saturated for seconds (a 10 s deadline failed there once in CI).

/// A temp directory with the graph file and one store per shard, a worker serving `shards` of a
/// `shardCount`-shard config over unique inproc URLs, and a client per served shard; all closed and removed
/// afterwards.
func withWorker<R>(
    graph: CSRGraph, shardCount: Int = 1, serving shards: [Int]? = nil,
    _ body: (Worker, [WireClient], _ checksum: UInt64) async throws -> R
) async throws -> R {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pw-worker-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let checksum = try GraphFile.write(graph, to: "\(directory)/graph.pwg")
    let tag = UInt64.random(in: 0...UInt64.max)
    var config = ServiceConfig(
        graph: "\(directory)/graph.pwg",
        shards: (0..<shardCount).map { i in
            ShardConfig(replicas: [
                ReplicaConfig(url: "inproc://worker-\(tag)-\(i)", dataDir: "\(directory)/shard-\(i)")
            ])
        })
    config.limits.mapSizeBytes = 1 << 30
    var logger = Logger(label: "powerwalk.worker.test")
    logger.logLevel = .warning
    let worker = try Worker(config: config, shards: shards ?? Array(0..<shardCount), logger: logger)
    let clients = try worker.urls.map { try WireClient(dialing: $0) }
    do {
        let result = try await body(worker, clients, checksum)
        for client in clients { client.close() }
        await worker.shutdown()
        return result
    } catch {
        for client in clients { client.close() }
        await worker.shutdown()
        throw error
    }
}

/// `withWorker` over `shardCount` shards, with version 1 of the index built and activated on each; `body`
/// runs once per shard, in shard order, with that shard's client.
func withIndexedShards(
    graph: CSRGraph, shardCount: Int, _ body: (_ shard: Int, WireClient) async throws -> Void
) async throws {
    try await withWorker(graph: graph, shardCount: shardCount) { _, clients, checksum in
        for (shard, client) in clients.enumerated() {
            _ = try await buildIndex(client, version: 1, checksum: checksum)
            _ = try await client.call(.activateVersion(ActivateVersionRequest(version: 1)), deadline: .seconds(60))
            try await body(shard, client)
        }
    }
}

/// Starts an index task of `version` and polls until it ends (at most 2 minutes).
func buildIndex(
    _ client: WireClient, version: UInt64, checksum: UInt64, walk: WalkParameters = workerWalk, threads: Int = 1
) async throws -> IndexTaskStatus {
    let request = IndexTaskRequest(version: version, walk: walk, threads: threads, graphChecksum: checksum)
    guard case .indexTask = try await client.call(.startIndexTask(request), deadline: .seconds(60)) else {
        throw WireError(.internal, "startIndexTask did not answer with a status")
    }
    return try await waitForTask(client, version: version)
}

/// Polls getIndexTask until the task of `version` is no longer running.
func waitForTask(_ client: WireClient, version: UInt64) async throws -> IndexTaskStatus {
    for _ in 0..<6000 {
        let reply = try await client.call(.getIndexTask(GetIndexTaskRequest(version: version)), deadline: .seconds(60))
        guard case .indexTask(let status) = reply else { throw WireError(.internal, "unexpected reply \(reply)") }
        if status.state != .running { return status }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw WireError(.deadlineExceeded, "index task \(version) still running after 2 minutes")
}

/// The error a call fails with (nil when it succeeds).
func callError(_ client: WireClient, _ request: WireRequest) async -> WireError? {
    do {
        _ = try await client.call(request, deadline: .seconds(60))
        return nil
    } catch {
        return error
    }
}

/// The independent partial sum: fingerprints walked afresh with PPRCore's walker, summed densely by hand.
func handSum(_ frontier: [WeightedVertex], graph: CSRGraph, walk: WalkParameters = workerWalk) -> [Double] {
    var walker = FingerprintWalker(graph: graph, parameters: walk)
    var dense = [Double](repeating: 0, count: graph.vertexCount)
    for entry in frontier {
        let fingerprint = walker.fingerprint(of: entry.vertex)
        for (x, count) in zip(fingerprint.vertices, fingerprint.visitCounts) {
            dense[Int(x)] += entry.weight * walk.restartProbability * Double(count) / Double(walk.walksPerVertex)
        }
    }
    return dense
}
