// Batch-query job (DESIGN §3): a file of sources in, top-k per source out.
//
// The input is parsed and checked whole first (BatchQueryInput). Queries then go through the live
// query path (`context.answer`) in batches of `batchSize`, each answered in blocks of the shared
// decomposition (BatchExecutor).
// A query with an unknown vertex (or another per-query error) gets an error line and the job goes on:
// unknown ids are caught locally before sending; if the coordinator still refuses a batch with
// NOT_FOUND or INVALID_ARGUMENT, that batch is re-asked one query at a time to find the culprits.
// Any other error (a shard down, alpha mismatch) fails the job. Cancel is checked between batches.
// Output: see BatchQueryOutput (temp file, fsync, rename; removed on failure or cancel).
import Logging
import PPRCore
import PPRStorage
import PPRWire

/// One run of a batch-query job.
struct BatchQueryJob {
    let job: ResolvedBatchQueryJob
    let handle: JobHandle

    func run() async throws(WireError) -> JobResult {
        let (input, files) = (job.inputPath, handle.settings.jobFiles)
        let queries = try await handle.cpu.run { () throws(WireError) in
            try BatchQueryInput.parse(path: input, files: files)
        }
        let total = queries.count
        handle.logger.info("job \(handle.id): \(total) queries from \(input)")
        await handle.progress(0, of: total)
        let (output, id) = (job.outputPath, handle.id)
        let file = try JobFiles.wire { () throws(JobFilesError) in try files.createOutput(output, job: id) }
        var answered = 0
        do throws(WireError) {
            var start = 0
            let size = handle.settings.roundSize(
                preferred: handle.settings.batchSize, topK: job.query.topK,
                vertexCount: handle.context.graph.graph.vertexCount)
            while start < total {
                try handle.checkCancelled()
                let batch = Array(queries[start..<min(total, start + size)])
                var text = ""
                for (query, outcome) in zip(batch, try await answer(batch)) {
                    switch outcome {
                    case .success(let response):
                        text += BatchQueryOutput.line(
                            query, results: response.results, errorEstimate: response.errorEstimate)
                        answered += 1
                    case .failure(let error):
                        text += BatchQueryOutput.line(query, error: error)
                    }
                }
                try JobFiles.wire { () throws(JobFilesError) in try file.write(text) }
                start += batch.count
                await handle.progress(start, of: total)
            }
            try handle.checkCancelled()  // a cancel during the last batch still leaves no output
            try await handle.cpu.run { () throws(WireError) in
                try JobFiles.wire { () throws(JobFilesError) in try file.commit() }
            }
        } catch {
            file.discard()
            throw error
        }
        return JobResult(outputPath: job.outputPath, queriesAnswered: answered)
    }

    /// The answer or the per-query error of each query, in order.
    private func answer(_ batch: [BatchQueryLine]) async throws(WireError) -> [Result<QueryResponse, WireError>] {
        let graph = handle.context.graph.graph
        // Unknown ids are refused here, before anything is sent; the other queries go to the query path.
        let refusals: [WireError?] = batch.map { query in
            query.sources.first { graph.index(of: $0.vertex) == nil }.map { missing in
                // The query path's own error, so the line reads as `pwctl query` would (one message).
                WireError(from: QueryRequestError.unknownVertex(missing.vertex, role: .source))
            }
        }
        let sent = zip(batch, refusals).compactMap { query, refusal in refusal == nil ? request(query) : nil }
        let answers = try await answerEach(sent)
        var next = 0  // answers[next] belongs to the next query without a refusal (one answer per sent query)
        return refusals.map { refusal in
            if let refusal { return .failure(refusal) }
            next += 1
            return answers[next - 1]
        }
    }

    /// One outcome per request, in order: the batch answered at once, or, when the query path refuses it
    /// with a per-query error, one query at a time to find the culprits.
    private func answerEach(_ requests: [QueryRequest]) async throws(WireError) -> [Result<QueryResponse, WireError>] {
        guard !requests.isEmpty else { return [] }
        do throws(WireError) {
            let responses = try await handle.context.answer(requests)
            guard responses.count == requests.count else {
                throw WireError(.internal, "\(responses.count) answers to \(requests.count) queries")
            }
            return responses.map { .success($0) }
        } catch let error where Self.isPerQuery(error) {
            var outcomes: [Result<QueryResponse, WireError>] = []
            outcomes.reserveCapacity(requests.count)
            for request in requests {
                try handle.checkCancelled()
                do throws(WireError) {
                    let responses = try await handle.context.answer([request])
                    outcomes.append(.success(responses.first ?? QueryResponse(results: [])))
                } catch let error where Self.isPerQuery(error) {
                    outcomes.append(.failure(error))
                }
            }
            return outcomes
        }
    }

    private func request(_ query: BatchQueryLine) -> QueryRequest {
        QueryRequest(
            sources: query.sources, topK: job.query.topK, eps: job.query.eps, maxLevels: job.query.maxLevels,
            excludeSources: job.excludeSources, excludeOutNeighbors: job.excludeOutNeighbors,
            accuracy: job.query.accuracy?.rawValue)
    }

    /// Errors that belong to one query, not to the cluster.
    private static func isPerQuery(_ error: WireError) -> Bool {
        error.code == .notFound || error.code == .invalidArgument
    }
}
