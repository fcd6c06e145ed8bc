// QueryExecutor: the coordinator's query path (DESIGN §2, Query and Batch).
//
// A batch of queries is answered in rounds: queries are expanded on the coordinator (which maps the
// graph) until their frontiers reach `limits.combineEntries`, each frontier is split by owning shard, and
// one CombineRequest per shard carries all the frontiers of the round, pinned to the active index version
// so an answer never mixes versions. The shards' partial sums are merged per query with the pushed mass,
// normalised once, and cut to top-k after exclusions. A single query is a batch of one.
//
// Blocking: expansion and merging are CPU work proportional to the batch, so they run on a Dispatch
// queue (not the cooperative pool); only the fan-out awaits on the pool, and NNG does that waiting.
//
// Replies are whole partial sums, never pruned as block replies are: the answer must not change. A shard
// that leaves out an entry below its threshold can leave out a part of a top vertex's score whose other
// parts another shard sent (an exact score then needs a second round), and the error estimate's spread,
// `sum_u sqrt(sum_s c_s(u))`, cannot be rebuilt from per-shard statistics (`sqrt` is not additive; the block
// path's `sum_s` of per-shard spreads is up to `sqrt(shards)` larger). Single-frontier replies are dense
// instead when the shard's sum added at least as many fingerprint entries as the graph has vertices
// (`CombineRequest.denseReplies`): 8 bytes per vertex, no ids.
//
// Whole queries: when one worker process serves every shard (every replica's last health says so, as in
// `powerwalkd local`), each query goes to it in one request (`WholeQuery`) and it answers the top list
// itself: expand, combine, steps, top k, the in-process engine's code over all its shards. No dense partial
// sums are encoded, sent, decoded and merged, and the query makes fewer thread hops. Measured through the
// front on soc-Slashdot0902 (README, "Through the front"; three alternating pairs): the 1-client p50 fell
// by 11-34 % and the 8-client throughput rose by 35-50 %. A process that refuses (INVALID_ARGUMENT: it no
// longer serves every shard), or answers without a whole answer (a worker older than whole queries), gets
// the query split by shard as above.
import Dispatch
import PPRCore
import PPRWire
import Synchronization

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
    private let shards: ShardConnections
    private let combineDeadline: Duration
    /// Frontier entries one combine round may carry (`limits.combineEntries`): bounds a worker's work and
    /// the message sizes per request, so large batches take several rounds instead of one huge request.
    private let combineEntryBudget: Int
    /// Whether the workers' dense replies come as floats (`coordinator.replyPrecision`).
    private let floatReplies: Bool
    private let scratch: ScratchPool
    private let cpu = BlockingQueue(label: "powerwalk.coordinator.query", concurrent: true)
    /// Rounds being answered now (expanding, combining or merging).
    private let inFlight = RoundCount()
    /// The graph's transpose, for the PPR-equation steps after the merge (`AnswerSmoothing`).
    private let inEdges: InEdges
    /// The graph's reciprocity (`InEdges.reciprocity`; the batch path's estimate needs it too).
    var reciprocity: Double { inEdges.reciprocity }
    /// Threads of each step (the answer does not depend on the count): like the expand's, a helper borrowed
    /// only while this is the only round in flight, but without asking the host (see `init`); or always
    /// (`coordinator.stepHelpers`).
    let stepThreads: PushThreads

    /// `cores`: the process's cores; the query threads count themselves busy in it (`ScratchPool`), and a
    /// query's expand borrows `coordinator.queryHelpers` helpers from it while it is the only round in flight.
    /// `checksum`: the graph file's, to share its transpose with the process's workers (`ProcessGraphs`).
    init(
        graph: CSRGraph, checksum: UInt64? = nil, config: ServiceConfig, shards: ShardConnections,
        cores: IdleCores = .process
    ) {
        self.graph = graph
        partition = config.partition
        defaults = config.query
        self.shards = shards
        combineDeadline = .milliseconds(config.deadlines.combineMillis)
        combineEntryBudget = config.limits.combineEntries
        floatReplies = config.coordinator.replyPrecision == .float
        let threads = cores.pushThreads(count: 1 + config.coordinator.queryHelpers) { [inFlight] in
            inFlight.value.load(ordering: .relaxed) <= 1
        }
        scratch = ScratchPool(
            graph: graph, threads: threads, cores: cores, capacity: min(4, config.coordinator.concurrency))
        // The steps run right after the shards reply, when the host still counts the workers' threads as
        // runnable: asked, it refused every loan there (1-client merge 3.1 ms, with the loans 2.1 ms; 8
        // clients no slower, since a loan needs this round to be the only one in flight).
        switch config.coordinator.stepHelpers {
        case .idle:
            stepThreads = cores.pushThreads(count: 1 + config.coordinator.queryHelpers, askingHost: false) {
                [inFlight] in inFlight.value.load(ordering: .relaxed) <= 1
            }
        case .always:
            stepThreads = cores.unconditionalPushThreads(count: 1 + config.coordinator.queryHelpers)
        }
        inEdges = checksum.map { ProcessGraphs.inEdges.value(of: graph, checksum: $0) } ?? InEdges(graph: graph)
        // The coordinator steps every answer split by shard (a whole query steps on its worker; in
        // `powerwalkd local` both read this one copy): lay out the pull's slices now, not in the first query.
        _ = inEdges.slices
    }

    /// Answers `requests` against `index`; `responses[i]` answers `requests[i]`.
    ///
    /// - Throws: the first invalid query's error (nothing is sent then), or the first shard failure.
    func answer(_ requests: [QueryRequest], index: ActiveIndex) async throws(WireError) -> [QueryResponse] {
        let started = ContinuousClock.now
        let resolved = try WireError.mapping { () throws(QueryRequestError) in
            try ResolvedQuery.all(requests, graph: graph, defaults: defaults, alpha: index.walk.restartProbability)
        }
        if let group = wholeGroup() {
            do {
                var responses: [QueryResponse] = []
                for query in resolved {
                    // nil: a worker older than whole queries answered with partial sums; split them.
                    guard let response = try await answerWhole(query, group: group, index: index, started: started)
                    else { break }
                    responses.append(response)
                }
                if responses.count == resolved.count { return responses }
            } catch  where error.code == .invalidArgument {
                // The process was redeployed with fewer shards, or a shard lacks the version there: ask the
                // shards one by one (a query that is itself invalid fails the same way below).
            }
        }
        var responses: [QueryResponse] = []
        responses.reserveCapacity(resolved.count)
        var next = 0
        while next < resolved.count {
            let group = try await answerGroup(resolved[next...], index: index, started: started)
            responses += group
            next += group.count
        }
        return responses
    }

    /// Answers a prefix of `queries` in one round: queries are expanded until their frontiers reach
    /// `combineEntryBudget` (at least one query), combined on the shards, merged. Returns its responses.
    private func answerGroup(
        _ queries: ArraySlice<ResolvedQuery>, index: ActiveIndex, started: ContinuousClock.Instant
    ) async throws(WireError) -> [QueryResponse] {
        inFlight.value.add(1, ordering: .relaxed)
        defer { inFlight.value.subtract(1, ordering: .relaxed) }
        let walk = index.walk
        let (pool, partition) = (scratch, partition)
        let budget = combineEntryBudget
        let phases = QueryPhases.process
        let queued = ContinuousClock.now
        let expansions = try await cpu.run {
            () throws(WireError) -> [Expansion] in
            let start = phases.record(.expandWait, since: queued)
            defer { phases.record(.expand, since: start) }
            return try pool.withScratch { scratch throws(WireError) in
                var expansions: [Expansion] = []
                var entries = 0
                // Queries join the round until their frontiers reach the budget, so a round exceeds it by at
                // most one query's frontier (and an expansion is never computed twice).
                for query in queries where entries < budget {
                    let expansion = try scratch.expand(query, walk: walk)
                    entries += expansion.frontier.count
                    expansions.append(expansion)
                }
                return expansions
            }
        }
        let group = Array(queries.prefix(expansions.count))
        let sent = ContinuousClock.now
        let sums = try await combine(expansions.map { $0.frontier(partitionedBy: partition) }, version: index.version)
        let merging = phases.record(.shards, since: sent)
        let (inEdges, stepThreads) = (inEdges, stepThreads)
        let results = try await cpu.run {
            () throws(WireError) -> [(top: [ScoredVertex], errorEstimate: Double)] in
            let start = phases.record(.mergeWait, since: merging)
            defer { phases.record(.merge, since: start) }
            return try pool.withScratch { scratch throws(WireError) in
                var results: [(top: [ScoredVertex], errorEstimate: Double)] = []
                for (i, query) in group.enumerated() {
                    let partials = sums.indices.compactMap { s in sums[s].map { (ShardID(s), $0[i]) } }
                    results.append(
                        try scratch.merge(
                            pushed: expansions[i].pushed, partials: partials, topK: query.topK,
                            excluded: query.excluded, statistics: expansions[i].statistics, walk: index.walk,
                            smoothing: AnswerSmoothing(
                                steps: query.smoothingSteps, personalization: query.personalization,
                                alpha: walk.restartProbability, inEdges: inEdges, threads: stepThreads,
                                refineCandidates: query.refineCandidates)))
                }
                return results
            }
        }
        let elapsed = ContinuousClock.now - started
        return zip(expansions, results).map { expansion, result in
            QueryResponse(
                results: result.top.map { RankedVertex(graph.id(of: $0.vertex), score: $0.score) },
                fingerprintsUsed: expansion.statistics.frontierSize, flowPushed: expansion.statistics.flowPushed,
                verticesExpanded: expansion.statistics.verticesExpanded, levels: expansion.statistics.levels,
                elapsed: elapsed, indexVersion: index.version, errorEstimate: result.errorEstimate)
        }
    }

    /// The shards when one worker process serves them all (every replica's last health says so,
    /// `ShardConnections.processGroups`), addressed shard first; nil otherwise.
    private func wholeGroup() -> [ShardID]? {
        let groups = shards.processGroups()
        guard groups.count == 1, groups[0].count == partition.shardCount else { return nil }
        return groups[0]
    }

    /// Answers `query` in one request to the process serving every shard (`WholeQuery`): it expands,
    /// combines all its shards' fingerprints, steps and returns the top list, as the in-process engine does.
    /// The reply is checked as any worker reply: ids in range, scores finite and >= 0, at most k of them. Nil
    /// when the reply has no whole answer: a worker that predates whole queries ignores the field and
    /// combines the request's (empty) frontiers, so the query must be split by shard.
    private func answerWhole(
        _ query: ResolvedQuery, group: [ShardID], index: ActiveIndex, started: ContinuousClock.Instant
    ) async throws(WireError) -> QueryResponse? {
        inFlight.value.add(1, ordering: .relaxed)
        defer { inFlight.value.subtract(1, ordering: .relaxed) }
        let sent = ContinuousClock.now
        // The exclusions go resolved (the worker need not know the query's flags).
        var knobs = query.parameters
        knobs.exclusions = Exclusions(vertices: query.excluded.vertices)
        let whole = WholeQuery(
            sources: query.personalization.entries, parameters: knobs, coShards: group.dropFirst().map(\.rawValue))
        let response = try await shards.call(
            group[0], .combine(CombineRequest(indexVersion: index.version, frontiers: [], wholeQuery: whole)),
            deadline: combineDeadline * Self.wholeDeadlineFactor)
        QueryPhases.process.record(.whole, since: sent)
        guard case .combine(let combined) = response else {
            throw WireError(.internal, "\(group[0]) answered a whole query with a \(response) reply")
        }
        guard let answer = combined.wholeAnswer else { return nil }
        guard combined.indexVersion == index.version else {
            throw WireError(
                .unavailable, "\(group[0]) answered from index version \(combined.indexVersion), not \(index.version)")
        }
        guard answer.vertices.count <= query.topK,
            answer.vertices.allSatisfy({ Int($0) < graph.vertexCount }),
            answer.scores.allSatisfy({ $0.isFinite && $0 >= 0 }), answer.errorEstimate.isFinite,
            answer.errorEstimate >= 0, answer.flowPushed.isFinite
        else {
            throw WireError(
                .internal, "\(group[0]) returned an invalid whole answer (\(answer.vertices.count) entries)")
        }
        return QueryResponse(
            results: zip(answer.vertices, answer.scores).map { RankedVertex(graph.id(of: $0), score: $1) },
            fingerprintsUsed: answer.frontierSize, flowPushed: answer.flowPushed,
            verticesExpanded: answer.verticesExpanded, levels: answer.levels,
            elapsed: ContinuousClock.now - started, indexVersion: index.version, errorEstimate: answer.errorEstimate)
    }

    /// A whole query's deadline in combine deadlines: it does the expand, the combine and the steps, which a
    /// query split over the shards does in three phases of which only the combine has a deadline.
    static let wholeDeadlineFactor = 3

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
        let requests = calls.map { [floatReplies] s in
            (
                ShardID(s),
                WireRequest.combine(
                    CombineRequest(
                        indexVersion: version, frontiers: perShard[s], denseReplies: true, floatReplies: floatReplies))
            )
        }
        let outcomes = await shards.fanOut(requests, deadline: combineDeadline).map { ($0.0.rawValue, $0.1) }
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
}

/// The rounds a `QueryExecutor` is answering now (a class: its expand threads' gate reads it).
private final class RoundCount: Sendable {
    let value = Atomic<Int>(0)
}
