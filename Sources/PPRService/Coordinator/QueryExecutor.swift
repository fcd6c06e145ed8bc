// QueryExecutor: the coordinator's query path (DESIGN §2, Query and Batch).
//
// A batch of queries shares one decomposition round: every query is expanded on the coordinator (which
// maps the graph), each frontier is split by owning shard, and ONE CombineRequest per shard carries all
// the batch's frontiers, pinned to the active index version so an answer never mixes versions. The
// shards' partial sums are merged per query with the pushed mass, normalised once, and cut to top-k
// after exclusions. A single query is a batch of one.
//
// Blocking: expansion and merging are CPU work proportional to the batch, so they run on a Dispatch
// queue (not the cooperative pool); only the fan-out awaits on the pool, and NNG does that waiting.
import Dispatch
import PPRCore
import PPRWire

/// The index version queries read, and the walk parameters it was built with.
public struct ActiveIndex: Equatable, Sendable {
    /// Cluster-wide index version number.
    public var version: UInt64
    /// Alpha, R, Lmax and seed of the version (from the workers' manifests).
    public var walk: WalkParameters
    /// Makes a record.
    public init(version: UInt64, walk: WalkParameters) {
        self.version = version
        self.walk = walk
    }
}

/// Answers batches of queries through the shards.
final class QueryExecutor: Sendable {
    let graph: CSRGraph
    private let partition: Partition
    private let defaults: QueryDefaults
    private let shards: ShardPool
    private let combineDeadline: Duration
    private let scratch: ScratchPool
    private let queue = DispatchQueue(label: "powerwalk.coordinator.query", attributes: .concurrent)

    init(graph: CSRGraph, config: ServiceConfig, shards: ShardPool) {
        self.graph = graph
        partition = config.partition
        defaults = config.query
        self.shards = shards
        combineDeadline = .milliseconds(config.deadlines.combineMillis)
        scratch = ScratchPool(graph: graph, capacity: min(4, config.coordinator.concurrency))
    }

    /// Answers `requests` against `index`; `responses[i]` answers `requests[i]`.
    ///
    /// - Throws: the first invalid query's error (nothing is sent then), or the first shard failure.
    func answer(_ requests: [QueryRequest], index: ActiveIndex) async throws(WireError) -> [QueryResponse] {
        let clock = ContinuousClock()
        let started = clock.now
        let batched = requests.count > 1
        var resolved: [ResolvedQuery] = []
        resolved.reserveCapacity(requests.count)
        for (position, request) in requests.enumerated() {
            resolved.append(
                try ResolvedQuery(
                    request, graph: graph, defaults: defaults, alpha: index.walk.restartProbability,
                    index: batched ? position : nil))
        }
        let queries = resolved
        guard !queries.isEmpty else { return [] }
        let alpha = index.walk.restartProbability
        let (pool, partition) = (scratch, partition)
        let expansions = try await offPool {
            () throws(WireError) -> [Expansion] in
            try pool.withScratch { scratch throws(WireError) in
                try queries.map { query throws(WireError) in try scratch.expand(query, alpha: alpha) }
            }
        }
        let sums = try await combine(expansions.map { $0.frontier(partitionedBy: partition) }, version: index.version)
        let results = try await offPool {
            () throws(WireError) -> [[ScoredVertex]] in
            try pool.withScratch { scratch throws(WireError) in
                var results: [[ScoredVertex]] = []
                for (i, query) in queries.enumerated() {
                    let partials = sums.indices.compactMap { s in sums[s].map { (ShardID(s), $0[i]) } }
                    results.append(
                        try scratch.merge(
                            pushed: expansions[i].pushed, partials: partials, topK: query.topK,
                            excluded: query.excluded))
                }
                return results
            }
        }
        let elapsed = clock.now - started
        return zip(expansions, results).map { expansion, top in
            QueryResponse(
                results: top.map { RankedVertex(graph.id(of: $0.vertex), score: $0.score) },
                fingerprintsUsed: expansion.statistics.frontierSize, flowPushed: expansion.statistics.flowPushed,
                verticesExpanded: expansion.statistics.verticesExpanded, levels: expansion.statistics.levels,
                elapsed: elapsed, indexVersion: index.version)
        }
    }

    /// Sends each shard its part of every frontier; `result[s]` is shard `s`'s partial sums (one per
    /// query), or nil when the shard had nothing to combine and was not called.
    private func combine(_ frontiers: [[[WeightedVertex]]], version: UInt64) async throws(WireError)
        -> [[PartialSum]?]
    {
        let shardCount = partition.shardCount
        let perShard = (0..<shardCount).map { s in frontiers.map { $0[s] } }
        let needed = perShard.map { parts in parts.contains { !$0.isEmpty } }
        var results = [[PartialSum]?](repeating: nil, count: shardCount)
        let calls = (0..<shardCount).filter { needed[$0] }
        guard !calls.isEmpty else { return results }
        let outcomes = await withTaskGroup(of: (Int, Result<WireResponse, WireError>).self) { group in
            for s in calls {
                let request = WireRequest.combine(CombineRequest(indexVersion: version, frontiers: perShard[s]))
                group.addTask {
                    // Result first, tuple second: see ShardPool.result for the -O miscompile this avoids.
                    let result = await self.shards.result(ShardID(s), request, deadline: self.combineDeadline)
                    return (s, result)
                }
            }
            var outcomes: [(Int, Result<WireResponse, WireError>)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }
        }
        for (s, outcome) in outcomes {
            let response: WireResponse
            switch outcome {
            case .success(let r): response = r
            case .failure(let error): throw error
            }
            guard case .combine(let combined) = response else {
                throw WireError(.internal, "\(ShardID(s)) answered Combine with a \(response) reply")
            }
            guard combined.indexVersion == version else {
                throw WireError(
                    .unavailable, "\(ShardID(s)) answered from index version \(combined.indexVersion), not \(version)")
            }
            guard combined.partialSums.count == frontiers.count else {
                throw WireError(
                    .internal,
                    "\(ShardID(s)) returned \(combined.partialSums.count) partial sums for \(frontiers.count) frontiers"
                )
            }
            results[s] = combined.partialSums
        }
        return results
    }

    /// Runs CPU work on the query queue and awaits its result.
    private func offPool<T: Sendable>(_ work: @escaping @Sendable () throws(WireError) -> T) async throws(WireError)
        -> T
    {
        let result: Result<T, WireError> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(WireError) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
