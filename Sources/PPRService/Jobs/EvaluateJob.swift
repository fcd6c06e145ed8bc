// Evaluate job (DESIGN §3): accuracy of the live index against exact PPR on sampled sources.
//
// Sources are drawn uniformly (distinct) among all vertices with a WalkSeed stream seeded by the job's
// seed (logged), so a re-run samples the same sources. Each is answered through the live query path
// (`context.answer`, batches of `evaluateBatchSize`) with top_k = max(100, k) and the alpha of the
// active index, as its workers' manifests record it (whatever the configuration or the job history say);
// exact PPR comes from PowerIteration on `context.graph` with that alpha, off the cooperative pool.
// The result is the mean over sources of precision@10, precision@100 and the restricted L1 defined in
// EvaluationMetrics. Progress = sources done; cancel is checked between batches.
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
        var start = 0
        let size = max(1, handle.settings.evaluateBatchSize)
        while start < sources.count {
            try handle.checkCancelled()
            let batch = Array(sources[start..<min(sources.count, start + size)])
            let requests = batch.map { source in
                QueryRequest(
                    sources: [QuerySource(graph.id(of: source))], topK: listLength, eps: job.query.eps,
                    maxLevels: job.query.maxLevels, restartProbability: alpha, accuracy: job.query.accuracy?.rawValue)
            }
            let responses = try await handle.context.answer(requests)
            guard responses.count == batch.count else {
                throw WireError(.internal, "\(responses.count) answers to \(batch.count) queries")
            }
            for (source, response) in zip(batch, responses) {
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
            }
            start += batch.count
            await handle.progress(start, of: sources.count)
        }
        try handle.checkCancelled()
        let count = Double(sources.count)
        return JobResult(
            precisionAt10: sum.precisionAt10 / count, precisionAt100: sum.precisionAt100 / count,
            l1Error: sum.l1 / count, queriesAnswered: sources.count)
    }
}
