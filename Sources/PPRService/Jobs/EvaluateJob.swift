// Evaluate job (DESIGN §3): accuracy of the live index against exact PPR on sampled sources.
//
// Sources are drawn uniformly (distinct) among all vertices with a WalkSeed stream seeded by the job's
// seed (logged), so a re-run samples the same sources. Each is answered as an online query is, through
// the live single-query path (`context.answer` with one query, `evaluateBatchSize` of them at once), with
// top_k = max(100, k) and the alpha of the active index, as its workers' manifests record it (whatever
// the configuration or the job history say); exact PPR comes from PowerIteration on `context.graph` with
// that alpha, off the cooperative pool.
// The result is the mean over sources of precision@10, precision@100 and the restricted L1 defined in
// EvaluationMetrics, the alpha evaluated, and the mean and largest `error_estimate` the queries carried
// (the engine's estimate of the whole-vector L1, which the restricted L1 bounds from below), so users see
// how the estimate compares with the truth. Progress = sources done; cancel is checked between rounds.
import Logging
import PPRCore
import PPRStorage
import PPRWire

/// One run of an evaluate job.
struct EvaluateJob {
    let job: ResolvedEvaluateJob
    let handle: JobHandle

    func run() async throws(WireError) -> JobResult {
        let graph = handle.context.graph.graph
        guard graph.vertexCount > 0 else { throw WireError(.failedPrecondition, "the graph has no vertices") }
        let alpha = try await handle.context.activeIndexManifest().walk.restartProbability
        let seed = job.seed
        let sources = EvaluationMetrics.sample(count: job.sampleCount, vertexCount: graph.vertexCount, seed: seed)
        let listLength = max(100, job.query.topK)
        handle.logger.info(
            "job \(handle.id): evaluating \(sources.count) sources (seed \(seed), alpha \(alpha), list \(listLength))")
        await handle.progress(0, of: sources.count)
        var sum = SourceAccuracy(precisionAt10: 0, precisionAt100: 0, l1: 0)
        var estimates = EstimateSummary()
        var start = 0
        let size = max(1, handle.settings.evaluateBatchSize)
        while start < sources.count {
            try handle.checkCancelled()
            let round = Array(sources[start..<min(sources.count, start + size)])
            let requests = round.map { source in
                QueryRequest(
                    sources: [QuerySource(graph.id(of: source))], topK: listLength, eps: job.query.eps,
                    maxLevels: job.query.maxLevels, restartProbability: alpha, accuracy: job.query.accuracy?.rawValue)
            }
            let responses = try await answerEach(requests)
            for (source, response) in zip(round, responses) {
                let returned = response.results.compactMap { entry in
                    graph.index(of: entry.vertex).map { ScoredVertex(vertex: $0, score: entry.score) }
                }
                let accuracy = try await handle.cpu.run { () throws(WireError) -> SourceAccuracy in
                    let exact: PowerIteration.Result
                    do {
                        exact = try PowerIteration.solve(
                            graph: graph, personalization: Personalization(source: source), restartProbability: alpha)
                    } catch {
                        throw WireError(.internal, "exact PPR of vertex \(graph.id(of: source)): \(error)")
                    }
                    return EvaluationMetrics.measure(returned: returned, exact: exact.scores, listLength: listLength)
                }
                sum.precisionAt10 += accuracy.precisionAt10
                sum.precisionAt100 += accuracy.precisionAt100
                sum.l1 += accuracy.l1
                estimates.add(response.errorEstimate)
            }
            start += round.count
            await handle.progress(start, of: sources.count)
        }
        try handle.checkCancelled()
        let count = Double(sources.count)
        return JobResult(
            precisionAt10: sum.precisionAt10 / count, precisionAt100: sum.precisionAt100 / count,
            l1Error: sum.l1 / count, queriesAnswered: sources.count, restartProbability: alpha,
            meanErrorEstimate: estimates.mean, maxErrorEstimate: estimates.max)
    }

    /// Each request answered on its own (the online query path, which carries `error_estimate`), all at
    /// once; responses in request order. The first failure fails the job.
    private func answerEach(_ requests: [QueryRequest]) async throws(WireError) -> [QueryResponse] {
        let context = handle.context
        let outcomes = await withTaskGroup(of: (Int, Result<QueryResponse, WireError>).self) { group in
            for (position, request) in requests.enumerated() {
                group.addTask {
                    do throws(WireError) {
                        let responses = try await context.answer([request])
                        guard responses.count == 1, let response = responses.first else {
                            throw WireError(.internal, "\(responses.count) answers to 1 query")
                        }
                        return (position, .success(response))
                    } catch {
                        return (position, .failure(error))
                    }
                }
            }
            var outcomes: [(Int, Result<QueryResponse, WireError>)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var responses: [QueryResponse] = []
        responses.reserveCapacity(outcomes.count)
        for outcome in outcomes { responses.append(try outcome.get()) }
        return responses
    }
}

/// Mean and largest of the queries' error estimates, summed in source order (bit-stable).
private struct EstimateSummary {
    private var sum = 0.0
    private var count = 0
    private(set) var max: Double?

    mutating func add(_ estimate: Double) {
        sum += estimate
        count += 1
        max = Swift.max(max ?? estimate, estimate)
    }

    var mean: Double? { count == 0 ? nil : sum / Double(count) }
}
