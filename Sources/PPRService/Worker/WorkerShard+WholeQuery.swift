// WorkerShard+WholeQuery: a worker process that serves every shard of the cluster answers a query whole
// (issue 6). The coordinator's usual path sends each shard its part of the query's frontier, gets back
// every shard's dense partial sum (8 bytes per vertex: 656 KB per shard on soc-Slashdot0902), adds them,
// steps and cuts the top k. When one process holds all the shards, that is two encodes, two decodes,
// two thread hand-offs per side and a merge for nothing: the process can run the in-process engine's
// query (`DecompositionQuery`: expand, combine, steps, top k) over its shards' fingerprints and send the
// top list. See QueryExecutor for when the coordinator asks for it.
//
// Every field is range-checked before use (sources, weights, knobs through `QueryParameters.validate`,
// excluded vertices, co-shards: all the other shards of the cluster, each served here with the version).
import PPRCore
import PPRStorage
import PPRWire
import Synchronization

extension WorkerShard {
    /// Answers a whole-query CombineRequest from the pinned version.
    func combineWhole(_ request: CombineRequest, _ query: WholeQuery) async throws(WireError) -> CombineResponse {
        let received = ContinuousClock.now
        defer { QueryPhases.process.record(.wholeQuery, since: received) }
        let version = try storeVersion(request.indexVersion)
        let vertexCount = graph.graph.vertexCount
        guard query.coShards.count == shardCount - 1 else {
            throw WireError(
                .invalidArgument,
                "\(id): a whole query names every other shard of the cluster (\(shardCount - 1)), not "
                    + "\(query.coShards.count)")
        }
        guard !query.sources.isEmpty, query.sources.count <= vertexCount else {
            throw WireError(
                .invalidArgument, "\(id): a whole query has 1 ... \(vertexCount) sources, not \(query.sources.count)")
        }
        if let bad = query.sources.first(where: { Int($0.vertex) >= vertexCount }) {
            throw WireError(.invalidArgument, "\(id): whole query: vertex index \(bad.vertex) out of range")
        }
        if let bad = query.parameters.exclusions.vertices.first(where: { Int($0) >= vertexCount }) {
            throw WireError(.invalidArgument, "\(id): whole query: excluded vertex index \(bad) out of range")
        }
        let personalization: Personalization
        do {
            personalization = try Personalization(query.sources.map { ($0.vertex, $0.weight) })
        } catch {
            throw WireError(.invalidArgument, "\(id): whole query: \(error)")
        }
        let reader = try await reader(of: version)
        do {
            try query.parameters.validate(restartProbability: reader.manifest.restartProbability)
        } catch {
            throw WireError(.invalidArgument, "\(id): whole query: \(error)")
        }
        let coShards = try await coShardParts(query.coShards, version: version)
        markRead(version)
        for (sibling, _) in coShards { sibling.markRead(version) }
        // One combine thread per shard part, plus helpers while this is the shard's only query in flight.
        let alone = combinesInFlight.add(1, ordering: .relaxed).newValue == 1
        defer { combinesInFlight.subtract(1, ordering: .relaxed) }
        let readers = ([reader] + coShards.map(\.1)).sorted { $0.manifest.shardIndex < $1.manifest.shardIndex }.map {
            var tuned = $0
            tuned.combineThreads = alone ? 1 + combineHelpers : 1
            tuned.combineCores = .process
            return tuned
        }
        let source = ShardGroupFingerprints(readers: readers, shardCount: shardCount)
        let parameters = query.parameters
        let pool = wholeScratch
        let result = try await blocking(executor) {
            try IdleCores.process.working {
                try pool.withQuery { engine in
                    try engine.run(personalization, parameters: parameters, fingerprints: source)
                }
            }
        }
        combineRequests.add(1, ordering: .relaxed)
        // Each shard counts its own part of the frontier, as if it had been asked alone.
        for shard in [self] + coShards.map(\.0) {
            let read = source.read.counts[shard.id.rawValue]
            shard.countRead(entries: read, fingerprints: read)
        }
        let statistics = result.metadata.expansion
        return CombineResponse(
            partialSums: [], indexVersion: request.indexVersion, fingerprintsRead: result.metadata.fingerprintsUsed,
            wholeAnswer: WholeAnswer(
                vertices: result.top.map(\.vertex), scores: result.top.map(\.score),
                frontierSize: statistics.frontierSize, flowPushed: statistics.flowPushed,
                verticesExpanded: statistics.verticesExpanded, levels: statistics.levels,
                errorEstimate: result.metadata.errorEstimate))
    }
}

/// The fingerprints of several shards of one index version as one source: a frontier is split by owning
/// shard and each part added by its shard's reader, in ascending shard order, into the same accumulator.
/// It counts each shard's frontier vertices (`read`), so the work is reported per shard as when each shard
/// is asked for its part.
struct ShardGroupFingerprints: FingerprintSource {
    /// Readers of one version, ascending by shard.
    let readers: [FingerprintStoreReader]
    let shardCount: Int
    /// Frontier vertices combined so far, by shard number.
    let read: ShardTally

    init(readers: [FingerprintStoreReader], shardCount: Int) {
        self.readers = readers
        self.shardCount = shardCount
        read = ShardTally(shardCount: shardCount)
    }

    var walkParameters: WalkParameters { readers[0].walkParameters }

    func accumulate(_ frontier: [WeightedVertex], into accumulator: inout [Double]) throws {
        var entries = 0
        try accumulate(frontier, into: &accumulator, entries: &entries)
    }

    func accumulate(_ frontier: [WeightedVertex], into accumulator: inout [Double], entries: inout Int) throws {
        let partition = Partition(shardCount: shardCount)
        var parts = [[WeightedVertex]](repeating: [], count: shardCount)
        for entry in frontier { parts[partition.shard(of: entry.vertex).rawValue].append(entry) }
        for reader in readers {
            let shard = reader.manifest.shardIndex
            try reader.accumulate(parts[shard], into: &accumulator, entries: &entries)
            read.add(parts[shard].count, shard: shard)
        }
    }
}

/// Counts by shard number, written by the one request that owns it (`@unchecked Sendable`: the request's
/// blocking closure writes it and the request reads it after that closure returned).
final class ShardTally: @unchecked Sendable {
    private(set) var counts: [Int]
    init(shardCount: Int) { counts = [Int](repeating: 0, count: shardCount) }
    func add(_ count: Int, shard: Int) { counts[shard] += count }
}

/// `DecompositionQuery` scratch (`O(n)`: the expansion vectors, the accumulator, the steps' vectors) for
/// whole queries on the shard's graph, reused across requests (at most `idleLimit` kept).
final class WholeQueryPool: Sendable {
    static let idleLimit = 4
    private let idle = IdlePool<Engine>(limit: idleLimit)
    private let graph: LoadedGraph
    /// Helpers a query's expand and steps borrow from the process's idle cores (the worker's combine helpers,
    /// `coordinator.queryHelpers`).
    private let helpers: Int

    /// One query's engine; used by one request at a time (`@unchecked Sendable`: handed out and taken back
    /// under the pool's mutex, which orders the accesses of successive users).
    final class Engine: @unchecked Sendable {
        var query: DecompositionQuery
        init(_ query: DecompositionQuery) { self.query = query }
    }

    init(graph: LoadedGraph, helpers: Int) {
        self.graph = graph
        self.helpers = helpers
    }

    /// Runs `body` with an engine (pooled, or new): its expand and steps borrow `helpers` from the process's
    /// idle cores, and its steps read the process's transpose of the graph (`ProcessGraphs`).
    func withQuery<R>(_ body: (inout DecompositionQuery) throws -> R) throws -> R {
        let engine = idle.take {
            Engine(
                DecompositionQuery(
                    graph: graph.graph,
                    pushThreads: IdleCores.process.pushThreads(count: 1 + helpers, askingHost: false),
                    inEdges: ProcessGraphs.inEdges.value(of: graph.graph, checksum: graph.checksum)))
        }
        defer { idle.give(engine) }
        return try body(&engine.query)
    }
}
