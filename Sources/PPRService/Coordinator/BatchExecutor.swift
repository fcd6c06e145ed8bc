// BatchExecutor: the shared decomposition of a batch (issue 7; DESIGN §2 Batch).
//
// A batch (the inline BatchQuery request, the batch-query and export jobs) is answered in blocks of up
// to `blockSize` queries with the same eps and levels. For each block the coordinator sends every shard
// the block's personalizations (block mode of Combine, a few bytes per query). Every worker expands the
// whole block on the graph it maps, vertex-major (BlockDecomposition: one row of Float/Double per vertex
// over the block's queries, rows pushed only where some query's flow exceeds eps), decodes each
// fingerprint of the frontier vertices it owns once per block, adds it into all the block's queries as
// one dense vector operation per entry, adds the pushed mass of the vertices it owns, and answers per
// query its exact mass and its entries above a pruning threshold (FingerprintStoreReader+Block). The
// coordinator adds the shards' vectors, normalises by the sum of the masses, and cuts the top k after
// exclusions. Only partial sums cross the network; shards and blocks run in parallel
// (`blocksInFlight` blocks at once, so each worker keeps both cores of a 2-core host busy).
//
// One request per worker process: shards that every replica's health reports served by one process
// (`ShardConnections.processGroups`, e.g. all shards of `powerwalkd local`) get each block once, sent to the
// group's first shard with the others as co-shards (`BlockCombine.coShards`). The process sums the group's
// fingerprints into one accumulator and steps, bounds and prunes that share once, as one shard owning
// all the group's vertices: the steps, the row passes and the replies are not repeated per shard
// (measured on soc-Slashdot0902 with 2 shards, README "Shared decomposition": about half the time per
// source). A process that refuses its co-shards (INVALID_ARGUMENT: it was redeployed with other shards, or
// a co-shard lacks the version) gets the block again shard by shard.
//
// Accuracy: the expansion and the sums are those of a single query up to rounding (Float sums). Each
// reply leaves out values below a ratio of a lower bound on the query's (k + excluded)-th score, the
// ratio set by the number of replies (`BlockPruning`): a top vertex is always found, a score lacks at most
// replies * ratio * theta, and a reply that holds the whole answer is the top list itself.
// Steps of the PPR equation (`QueryParameters.smoothingSteps`, sent as the block's smoothing steps, so a
// block holds queries with the same steps): each shard steps its own share before pruning; the step is
// linear, so the merge below is unchanged. The error estimate is the unstepped one (spread of the
// fingerprint sums) times `ErrorEstimate.smoothingFactor`, from the shards' summed frontier moments.
// Memory: per worker, `blocksInFlight` block buffers of `vertexCount * blockSize * 8` bytes (blockSize from
// BlockDecomposition.capacity: whole 16-query tiles within 256 MiB, 64 up to 419k vertices, at least 16);
// on the coordinator, the replies of the blocks in flight. With steps, each combine call also holds one
// more set of 64 bytes per vertex, and each worker process the transposed graph (BlockEquationStep). None
// of it grows with the batch's length.
import PPRCore
import PPRStorage
import PPRWire

/// Answers batches of queries with the shared decomposition.
final class BatchExecutor: Sendable {
    /// Blocks sent at once (per batch).
    static let blocksInFlight = 3

    let graph: CSRGraph
    private let partition: Partition
    private let defaults: QueryDefaults
    private let shards: ShardConnections
    private let deadline: Duration
    /// Queries per block.
    let blockSize: Int
    /// The prune ratio asked for (`BlockPruning.ratio` sets each block's from it and its replies; 0: unpruned).
    private let pruneRatio: Double
    /// The graph's reciprocity (`InEdges.reciprocity`), for the estimate's smoothing factor.
    private let reciprocity: Double
    private let cpu = BlockingQueue(label: "powerwalk.coordinator.batch", concurrent: true)

    init(
        graph: CSRGraph, config: ServiceConfig, shards: ShardConnections,
        pruneRatio: Double = BlockPruning.defaultRatio,
        reciprocity: Double? = nil
    ) {
        self.reciprocity = reciprocity ?? InEdges(graph: graph).reciprocity
        self.graph = graph
        partition = config.partition
        defaults = config.query
        self.shards = shards
        deadline = Self.blockDeadline(combineMillis: config.deadlines.combineMillis, edgeCount: graph.edgeCount)
        blockSize = BlockDecomposition.capacity(vertexCount: graph.vertexCount)
        self.pruneRatio = pruneRatio
    }

    /// Graph edges per step of the block deadline (see `blockDeadline`).
    static let deadlineEdgesPerStep = 1 << 21

    /// The deadline of one block request. A block does the work of up to 64 queries on each worker:
    /// fifteen combine deadlines (30 s by default; a loaded 2-core host can take seconds per block), once
    /// per 2 Mi edges of the graph, because a query's push and frontier grow with the graph: on R-MAT
    /// scale 20 (16 M edges) blocks of 34 queries took over 30 s on the loaded shared host and every batch
    /// and export job failed (README "Scale"). Graphs of up to 2 Mi edges keep the 30 s.
    static func blockDeadline(combineMillis: Int, edgeCount: Int) -> Duration {
        let steps = max(1, (edgeCount + deadlineEdgesPerStep - 1) / deadlineEdgesPerStep)
        return .milliseconds(combineMillis) * 15 * steps
    }

    /// Answers `requests` against `index`; `responses[i]` answers `requests[i]`.
    ///
    /// - Throws: the first invalid query's error (nothing is sent then), or the first shard failure.
    func answer(_ requests: [QueryRequest], index: ActiveIndex) async throws(WireError) -> [QueryResponse] {
        let started = ContinuousClock.now
        let resolved = try WireError.mapping { () throws(QueryRequestError) in
            try ResolvedQuery.all(requests, graph: graph, defaults: defaults, alpha: index.walk.restartProbability)
        }
        // A block's coordinator holds the shards' pruned shares, not the whole vector a refinement pulls from.
        if let position = resolved.firstIndex(where: { $0.refineCandidates > 0 }) {
            throw WireError(
                .invalidArgument,
                "query \(position): refine_candidates applies to single queries; a batch is answered by the shared "
                    + "decomposition, which does not refine (send the query alone, or leave refine_candidates unset)")
        }
        // Blocks: consecutive queries with the same expansion knobs, at most blockSize each.
        var blocks: [[Int]] = []
        for (i, query) in resolved.enumerated() {
            if let last = blocks.last, last.count < blockSize, Self.sameExpansion(resolved[last[0]], query) {
                blocks[blocks.count - 1].append(i)
            } else {
                blocks.append([i])
            }
        }
        var responses = [QueryResponse?](repeating: nil, count: resolved.count)
        // A sliding window of `blocksInFlight` blocks: the next block starts as soon as one ends.
        let failure: WireError? = await withTaskGroup(of: (Int, Result<[QueryResponse], WireError>).self) { group in
            var next = 0
            func launch() {
                let b = next
                let queries = blocks[b].map { resolved[$0] }
                group.addTask { (b, await self.answerBlock(queries, index: index, started: started)) }
                next += 1
            }
            while next < min(blocks.count, Self.blocksInFlight) { launch() }
            for await (b, outcome) in group {
                switch outcome {
                case .success(let answers):
                    for (position, answer) in zip(blocks[b], answers) { responses[position] = answer }
                    if next < blocks.count { launch() }
                case .failure(let error):
                    group.cancelAll()
                    return error
                }
            }
            return nil
        }
        if let failure { throw failure }
        return responses.map { $0! }
    }

    /// Whether two queries expand with the same knobs (and so may share a block).
    private static func sameExpansion(_ a: ResolvedQuery, _ b: ResolvedQuery) -> Bool {
        a.eps == b.eps && a.maxLevels == b.maxLevels && a.sampleBelow == b.sampleBelow
            && a.lowDegreeFactor == b.lowDegreeFactor && a.parameters.smoothingSteps == b.parameters.smoothingSteps
    }

    /// One block through every shard, merged.
    private func answerBlock(
        _ queries: [ResolvedQuery], index: ActiveIndex, started: ContinuousClock.Instant
    ) async -> Result<[QueryResponse], WireError> {
        let block = BlockCombine(
            queries: queries.map {
                BlockQuery(sources: $0.personalization.entries, candidates: $0.topK + $0.excluded.vertices.count)
            },
            eps: queries[0].eps, maxLevels: queries[0].maxLevels, sampleBelow: queries[0].sampleBelow,
            lowDegreeFactor: queries[0].lowDegreeFactor, pruneRatio: 0,
            smoothingSteps: queries[0].parameters.smoothingSteps)
        // One request per worker process when the processes' health says which shards they serve together;
        // a process that refuses its co-shards (INVALID_ARGUMENT: restarted with other shards, a co-shard
        // without the version) gets the block shard by shard.
        let groups = shards.processGroups()
        var asked = await ask(block, groups: groups, queryCount: queries.count, version: index.version)
        if case .failure(let error) = asked, error.code == .invalidArgument, groups.contains(where: { $0.count > 1 }) {
            let alone = (0..<partition.shardCount).map { [ShardID($0)] }
            asked = await ask(block, groups: alone, queryCount: queries.count, version: index.version)
        }
        let replies: [[BlockResult]]
        switch asked {
        case .success(let results): replies = results
        case .failure(let error): return .failure(error)
        }
        let graph = self.graph
        let version = index.version
        let walk = index.walk
        let replied = replies
        let reciprocity = reciprocity
        do {
            let responses = try await cpu.run { () throws(WireError) -> [QueryResponse] in
                var responses: [QueryResponse] = []
                responses.reserveCapacity(queries.count)
                for (q, query) in queries.enumerated() {
                    let parts = replied.map { $0[q] }
                    let top = try Self.merge(parts, vertexCount: graph.vertexCount, query: query)
                    let first = parts[0]
                    let estimate = Self.errorEstimate(
                        parts, walk: walk, steps: query.smoothingSteps, reciprocity: reciprocity)
                    responses.append(
                        QueryResponse(
                            results: top.map { RankedVertex(graph.id(of: $0.vertex), score: $0.score) },
                            fingerprintsUsed: parts.reduce(0) { $0 + $1.frontierSize }, flowPushed: first.flowPushed,
                            verticesExpanded: first.verticesExpanded, levels: first.levels,
                            elapsed: ContinuousClock.now - started, indexVersion: version, errorEstimate: estimate))
                }
                return responses
            }
            return .success(responses)
        } catch {
            return .failure(error)
        }
    }

    /// Sends `block` to each group's first shard, naming the others as co-shards, pruned at the ratio for
    /// that many replies (`BlockPruning`); `result[g]` is group `g`'s share per query.
    private func ask(_ block: BlockCombine, groups: [[ShardID]], queryCount: Int, version: UInt64) async
        -> Result<[[BlockResult]], WireError>
    {
        let requests = groups.map { group in
            var grouped = block
            grouped.coShards = group.dropFirst().map(\.rawValue)
            grouped.pruneRatio = BlockPruning.ratio(pruneRatio, replies: groups.count)
            return (group[0], WireRequest.combine(CombineRequest(indexVersion: version, frontiers: [], block: grouped)))
        }
        var replies: [[BlockResult]] = []
        for (shard, outcome) in await shards.fanOut(requests, deadline: deadline) {
            switch outcome {
            case .failure(let error): return .failure(error)
            case .success(.combine(let combined)):
                guard combined.indexVersion == version else {
                    return .failure(
                        WireError(
                            .unavailable,
                            "\(shard) answered from index version \(combined.indexVersion), not \(version)"))
                }
                guard combined.blockResults.count == queryCount else {
                    return .failure(
                        WireError(
                            .internal,
                            "\(shard) returned \(combined.blockResults.count) block results for \(queryCount) queries"))
                }
                replies.append(combined.blockResults)
            case .success(let other):
                return .failure(WireError(.internal, "\(shard) answered Combine with a \(other) reply"))
            }
        }
        return .success(replies)
    }

    /// The query's `error_estimate` (`ErrorEstimate`) from the shards' replies. The spread of the whole
    /// answer is `sum_u sqrt(c(u))` with `c(u)` summed over shards; a shard only knows its own part, so
    /// the shards' spreads are added: `sum_s sqrt(c_s(u))` is at least `sqrt(c(u))` and at most
    /// `sqrt(shards)` times it (a vertex whose sum comes from one shard counts once), so the block
    /// estimate is never below the single-query one and equals it on one shard. A process group's reply
    /// counts as one shard (its spread is over the group's summed sums): with every shard in one process,
    /// as in `powerwalkd local`, the estimate is the single query's. Replies that are not
    /// finite or are negative give no estimate (0), like an answer without a frontier. After `steps` steps
    /// of the PPR equation it is scaled by `ErrorEstimate.smoothingFactor`, from the shards' summed frontier
    /// moments (the single query's factor: its frontier is the sum of the shards' fingerprint sums).
    static func errorEstimate(_ parts: [BlockResult], walk: WalkParameters, steps: Int, reciprocity: Double) -> Double {
        var spread = 0.0
        var mass = 0.0
        for part in parts {
            guard part.frontierSpread.isFinite, part.frontierSpread >= 0, part.mass.isFinite, part.mass >= 0 else {
                return 0
            }
            spread += part.frontierSpread
            mass += part.mass
        }
        guard let first = parts.first else { return 0 }
        var statistics = Expansion.Statistics()
        statistics.sampledFrontierFlow = first.sampledFrontierFlow
        statistics.frontierSecondMoment = first.frontierSecondMoment
        guard statistics.sampledFrontierFlow.isFinite, statistics.frontierSecondMoment.isFinite else { return 0 }
        let estimate = ErrorEstimate.l1(spread: spread, statistics: statistics, walk: walk, totalMass: mass)
        let moment = parts.reduce(0) { $0 + $1.frontierMoment }
        let frontierMass = parts.reduce(0) { $0 + $1.frontierMass }
        return estimate
            * ErrorEstimate.smoothingFactor(
                steps: steps, alpha: walk.restartProbability, frontierMoment: moment, frontierMass: frontierMass,
                reciprocity: reciprocity)
    }

    /// The sum of two sparse vectors sorted by vertex (sorted by vertex).
    static func merged(_ a: [WeightedVertex], _ b: [WeightedVertex]) -> [WeightedVertex] {
        var out: [WeightedVertex] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0
        var j = 0
        while i < a.count, j < b.count {
            if a[i].vertex == b[j].vertex {
                out.append(WeightedVertex(vertex: a[i].vertex, weight: a[i].weight + b[j].weight))
                i += 1
                j += 1
            } else if a[i].vertex < b[j].vertex {
                out.append(a[i])
                i += 1
            } else {
                out.append(b[j])
                j += 1
            }
        }
        out += a[i...]
        out += b[j...]
        return out
    }

    /// Adds the shards' vectors, normalises by the total mass, and returns the top k after exclusions.
    /// Worker replies are checked (vertex in range, score finite and >= 0): a bad reply is an error.
    static func merge(_ parts: [BlockResult], vertexCount: Int, query: ResolvedQuery) throws(WireError)
        -> [ScoredVertex]
    {
        var total = 0.0
        var entries: [WeightedVertex] = []
        for (s, part) in parts.enumerated() {
            guard part.mass.isFinite, part.mass >= 0 else {
                throw WireError(.internal, "block reply \(s) (of \(parts.count)) has an invalid mass \(part.mass)")
            }
            total += part.mass
            var previous = -1
            var incoming: [WeightedVertex] = []
            incoming.reserveCapacity(part.vertices.count)
            for (vertex, score) in zip(part.vertices, part.scores) {
                guard Int(vertex) < vertexCount, Int(vertex) > previous, score.isFinite, score >= 0 else {
                    throw WireError(
                        .internal,
                        "block reply \(s) (of \(parts.count)) has an invalid entry (vertex index \(vertex), score "
                            + "\(score))")
                }
                previous = Int(vertex)
                incoming.append(WeightedVertex(vertex: vertex, weight: Double(score)))
            }
            entries = entries.isEmpty ? incoming : Self.merged(entries, incoming)
        }
        guard total > 0 else { return [] }
        let scale = 1 / total
        for i in entries.indices { entries[i].weight *= scale }
        return TopK.select(entries, k: query.topK, excluding: query.excluded)
    }
}
