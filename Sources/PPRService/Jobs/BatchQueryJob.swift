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
    let params: BatchQueryJobParams
    let handle: JobHandle

    func run() async throws(WireError) -> JobResult {
        let (input, files) = (params.inputPath, handle.settings.jobFiles)
        let queries = try await handle.cpu.run { () throws(WireError) in
            try BatchQueryInput.parse(path: input, files: files)
        }
        let total = queries.count
        handle.logger.info("job \(handle.id): \(total) queries from \(input)")
        await handle.progress(0, of: total)
        let (output, id) = (params.outputPath, handle.id)
        let file = try JobFiles.wire { () throws(JobFilesError) in try files.createOutput(output, job: id) }
        var answered = 0
        do throws(WireError) {
            var start = 0
            let size = handle.settings.roundSize(
                preferred: handle.settings.batchSize, topK: params.topK ?? handle.settings.query.topK,
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
        return JobResult(outputPath: params.outputPath, queriesAnswered: answered)
    }

    /// The answer or the per-query error of each query, in order.
    private func answer(_ batch: [BatchQueryLine]) async throws(WireError) -> [Result<QueryResponse, WireError>] {
        let graph = handle.context.graph.graph
        var outcomes = [Result<QueryResponse, WireError>?](repeating: nil, count: batch.count)
        var pending: [(index: Int, request: QueryRequest)] = []
        for (index, query) in batch.enumerated() {
            if let missing = query.sources.first(where: { graph.index(of: $0.vertex) == nil }) {
                // The query path's own error, so the line reads as `pwctl query` would (one message).
                let error = QueryRequestError.unknownVertex(missing.vertex, role: .source)
                outcomes[index] = .failure(WireError(from: error))
            } else {
                pending.append((index, request(query)))
            }
        }
        if !pending.isEmpty {
            do throws(WireError) {
                let responses = try await handle.context.answer(pending.map(\.request))
                guard responses.count == pending.count else {
                    throw WireError(.internal, "\(responses.count) answers to \(pending.count) queries")
                }
                for (entry, response) in zip(pending, responses) { outcomes[entry.index] = .success(response) }
            } catch let error where Self.isPerQuery(error) {
                for entry in pending {
                    try handle.checkCancelled()
                    do throws(WireError) {
                        let responses = try await handle.context.answer([entry.request])
                        outcomes[entry.index] = .success(responses.first ?? QueryResponse(results: []))
                    } catch let error where Self.isPerQuery(error) {
                        outcomes[entry.index] = .failure(error)
                    }
                }
            }
        }
        return outcomes.map { $0! }
    }

    private func request(_ query: BatchQueryLine) -> QueryRequest {
        QueryRequest(
            sources: query.sources, topK: params.topK, eps: params.eps, maxLevels: params.maxLevels,
            excludeSources: params.excludeSources, excludeOutNeighbors: params.excludeOutNeighbors,
            accuracy: params.accuracy)
    }

    /// Errors that belong to one query, not to the cluster.
    private static func isPerQuery(_ error: WireError) -> Bool {
        error.code == .notFound || error.code == .invalidArgument
    }
}
