// Resolution of a submitted job: the one place where a job's defaults are applied and its parameters
// checked. The result (`ResolvedJob`) is what the ledger stores and the job runs, so a queued job runs
// after a restart with the parameters it was accepted with, whatever the configuration says then.
import PPRCore
import PPRWire

extension JobSettings {
    /// `spec` with every default filled in, or INVALID_ARGUMENT naming the first bad parameter.
    func resolve(_ spec: JobSpec) throws(WireError) -> ResolvedJob {
        switch spec {
        case .index(let p): .index(try resolveIndex(p))
        case .batchQuery(let p): .batchQuery(try resolveBatchQuery(p))
        case .evaluate(let p): .evaluate(try resolveEvaluate(p))
        case .export(let p): .export(try resolveExport(p))
        }
    }

    private func resolveIndex(_ p: IndexJobParams) throws(WireError) -> ResolvedIndexJob {
        let walk = WalkParameters(
            restartProbability: p.restartProbability ?? index.alpha, walksPerVertex: p.walksPerVertex ?? index.walks,
            maxWalkLength: p.maxWalkLength ?? index.maxLength, seed: p.seed ?? index.seed)
        do { try walk.validate() } catch { throw WireError(.invalidArgument, "index job: \(error)") }
        let threads = p.threads ?? index.threads
        let maxThreads = WorkerShard.maxIndexThreads
        try Self.check(threads >= 0 && threads <= maxThreads, "threads", threads, "0 ... \(maxThreads) (0 = all cores)")
        return ResolvedIndexJob(walk: walk, threads: threads)
    }

    private func resolveBatchQuery(_ p: BatchQueryJobParams) throws(WireError) -> ResolvedBatchQueryJob {
        let query = try resolveQuery(topK: p.topK, eps: p.eps, maxLevels: p.maxLevels, accuracy: p.accuracy)
        // Resolved inside the job directory (refused if they escape it); the record keeps the real paths.
        let (files, input, output) = (jobFiles, p.inputPath, p.outputPath)
        let inputPath = try JobFiles.wire { () throws(JobFilesError) in try files.resolveInput(input) }
        let outputPath = try JobFiles.wire { () throws(JobFilesError) in try files.resolveOutput(output) }
        guard outputPath != inputPath else {
            throw WireError(.invalidArgument, "invalid output_path \(output): same file as input_path")
        }
        return ResolvedBatchQueryJob(
            inputPath: inputPath, outputPath: outputPath, query: query, excludeSources: p.excludeSources,
            excludeOutNeighbors: p.excludeOutNeighbors)
    }

    private func resolveEvaluate(_ p: EvaluateJobParams) throws(WireError) -> ResolvedEvaluateJob {
        let samples = p.sampleCount ?? ResolvedEvaluateJob.defaultSampleCount
        let maxSamples = ResolvedEvaluateJob.maxSampleCount
        try Self.check(samples >= 1 && samples <= maxSamples, "sample_count", samples, "1 ... \(maxSamples)")
        let query = try resolveQuery(topK: p.topK, eps: p.eps, maxLevels: p.maxLevels, accuracy: p.accuracy)
        return ResolvedEvaluateJob(
            sampleCount: samples, seed: p.seed ?? ResolvedEvaluateJob.defaultSeed, query: query)
    }

    private func resolveExport(_ p: ExportJobParams) throws(WireError) -> ResolvedExportJob {
        let topK = p.topK ?? ResolvedExportJob.defaultTopK
        let maxTopK = ResolvedQuery.maxTopK
        try Self.check(topK >= 1 && topK <= maxTopK, "top_k", topK, "1 ... \(maxTopK)")
        let name = p.accuracy.isEmpty ? AccuracyPreset.default.rawValue : p.accuracy
        guard let accuracy = AccuracyPreset(name: name) else {
            throw Self.invalid("accuracy", name, AccuracyPreset.names)
        }
        let (files, sources, output) = (jobFiles, p.sourcesPath, p.outputPath)
        var sourcesPath: String?
        if !sources.isEmpty {
            sourcesPath = try JobFiles.wire { () throws(JobFilesError) in
                try files.resolveInput(sources, name: "sources_path")
            }
        }
        let outputPath = try JobFiles.wire { () throws(JobFilesError) in try files.resolveOutputDirectory(output) }
        return ResolvedExportJob(outputPath: outputPath, topK: topK, sourcesPath: sourcesPath, accuracy: accuracy)
    }

    /// The query knobs of a batch-query or evaluate job. A named accuracy preset supplies the knobs the job
    /// leaves out (its sampling knobs travel with each query's `accuracy`); otherwise the configured
    /// defaults do. Checked against the same limits as the query path (ResolvedQuery), so an accepted job
    /// cannot fail on every query.
    private func resolveQuery(
        topK: Int?, eps: Double?, maxLevels: Int?, accuracy: String?
    ) throws(WireError) -> ResolvedJobQuery {
        var preset: AccuracyPreset?
        if let accuracy {
            guard let named = AccuracyPreset(name: accuracy) else {
                throw WireError(
                    .invalidArgument, "invalid accuracy '\(accuracy.prefix(64))': expected \(AccuracyPreset.names)")
            }
            preset = named
        }
        let resolved = ResolvedJobQuery(
            topK: topK ?? query.topK, eps: eps ?? preset?.eps ?? query.eps,
            maxLevels: maxLevels ?? preset?.maxLevels ?? query.maxLevels, accuracy: preset)
        let (maxTopK, maxLevelsLimit) = (ResolvedQuery.maxTopK, ResolvedQuery.maxLevelsLimit)
        try Self.check(resolved.topK >= 1 && resolved.topK <= maxTopK, "top_k", resolved.topK, "1 ... \(maxTopK)")
        try Self.check(resolved.eps.isFinite && resolved.eps >= 0, "eps", resolved.eps, "a finite number >= 0")
        try Self.check(
            resolved.maxLevels >= 0 && resolved.maxLevels <= maxLevelsLimit, "max_levels", resolved.maxLevels,
            "0 ... \(maxLevelsLimit)")
        return resolved
    }

    private static func check(_ ok: Bool, _ name: String, _ value: Any, _ expected: String) throws(WireError) {
        guard ok else { throw invalid(name, value, expected) }
    }

    private static func invalid(_ name: String, _ value: Any, _ expected: String) -> WireError {
        WireError(.invalidArgument, "invalid \(name) \(value): expected \(expected)")
    }
}
