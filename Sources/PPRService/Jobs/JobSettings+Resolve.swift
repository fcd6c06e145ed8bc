// Resolution of a submitted job: the one place where a job's defaults are applied and its parameters
// checked. The result (`ResolvedJob`) is what the ledger stores and the job runs, so a queued job runs
// after a restart with the parameters it was accepted with, whatever the configuration says then.
import PPRCore
import PPRWire

extension JobSettings {
    /// `spec` with every default filled in, or INVALID_ARGUMENT naming the first bad parameter.
    func resolve(_ spec: JobSpec) throws(JobSpecError) -> ResolvedJob {
        switch spec {
        case .index(let p): .index(try resolveIndex(p))
        case .batchQuery(let p): .batchQuery(try resolveBatchQuery(p))
        case .evaluate(let p): .evaluate(try resolveEvaluate(p))
        case .export(let p): .export(try resolveExport(p))
        }
    }

    private func resolveIndex(_ p: IndexJobParams) throws(JobSpecError) -> ResolvedIndexJob {
        let walk = WalkParameters(
            restartProbability: p.restartProbability ?? index.alpha, walksPerVertex: p.walksPerVertex ?? index.walks,
            maxWalkLength: p.maxWalkLength ?? index.maxLength, seed: p.seed ?? index.seed)
        do throws(ParameterError) { try walk.validate() } catch { throw .indexWalk(error.description) }
        let threads = p.threads ?? index.threads
        let allowed = EngineLimits.indexThreads
        try Self.check(allowed.contains(threads), "threads", threads, "\(EngineLimits.text(allowed)) (0 = all cores)")
        return ResolvedIndexJob(walk: walk, threads: threads)
    }

    private func resolveBatchQuery(_ p: BatchQueryJobParams) throws(JobSpecError) -> ResolvedBatchQueryJob {
        let query = try resolveQuery(topK: p.topK, eps: p.eps, maxLevels: p.maxLevels, accuracy: p.accuracy)
        // Resolved inside the job directory (refused if they escape it); the record keeps the real paths.
        let (files, input, output) = (jobFiles, p.inputPath, p.outputPath)
        let (inputPath, outputPath): (String, String)
        do throws(JobFilesError) {
            inputPath = try files.resolveInput(input)
            outputPath = try files.resolveOutput(output)
        } catch { throw .files(error) }
        guard outputPath != inputPath else { throw .outputIsInput(output) }
        return ResolvedBatchQueryJob(
            inputPath: inputPath, outputPath: outputPath, query: query, excludeSources: p.excludeSources,
            excludeOutNeighbors: p.excludeOutNeighbors)
    }

    private func resolveEvaluate(_ p: EvaluateJobParams) throws(JobSpecError) -> ResolvedEvaluateJob {
        let samples = p.sampleCount ?? ResolvedEvaluateJob.defaultSampleCount
        let allowed = EngineLimits.evaluateSamples
        try Self.check(allowed.contains(samples), "sample_count", samples, EngineLimits.text(allowed))
        let query = try resolveQuery(topK: p.topK, eps: p.eps, maxLevels: p.maxLevels, accuracy: p.accuracy)
        return ResolvedEvaluateJob(
            sampleCount: samples, seed: p.seed ?? ResolvedEvaluateJob.defaultSeed, query: query)
    }

    private func resolveExport(_ p: ExportJobParams) throws(JobSpecError) -> ResolvedExportJob {
        let topK = p.topK ?? ResolvedExportJob.defaultTopK
        try Self.check(EngineLimits.topK.contains(topK), "top_k", topK, EngineLimits.text(EngineLimits.topK))
        // No preset named: the configured one (`query.accuracy`), as for single queries and batch jobs.
        let accuracy = try p.accuracy.isEmpty ? query.accuracy : Self.preset(named: p.accuracy)
        let (files, sources, output) = (jobFiles, p.sourcesPath, p.outputPath)
        var sourcesPath: String?
        let outputPath: String
        do throws(JobFilesError) {
            if !sources.isEmpty { sourcesPath = try files.resolveInput(sources, name: "sources_path") }
            outputPath = try files.resolveOutputDirectory(output)
        } catch { throw .files(error) }
        return ResolvedExportJob(outputPath: outputPath, topK: topK, sourcesPath: sourcesPath, accuracy: accuracy)
    }

    /// The query knobs of a batch-query or evaluate job. A named accuracy preset supplies the knobs the job
    /// leaves out (its sampling knobs travel with each query's `accuracy`); otherwise the configured
    /// defaults do. Checked against the same limits as the query path (ResolvedQuery), so an accepted job
    /// cannot fail on every query.
    private func resolveQuery(
        topK: Int?, eps: Double?, maxLevels: Int?, accuracy: String?
    ) throws(JobSpecError) -> ResolvedJobQuery {
        let preset = try accuracy.map { name throws(JobSpecError) in try Self.preset(named: name) }
        let resolved = ResolvedJobQuery(
            topK: topK ?? query.topK, eps: eps ?? preset?.eps ?? query.eps,
            maxLevels: maxLevels ?? preset?.maxLevels ?? query.maxLevels, accuracy: preset)
        let (topKs, levels) = (EngineLimits.topK, EngineLimits.maxLevels)
        try Self.check(topKs.contains(resolved.topK), "top_k", resolved.topK, EngineLimits.text(topKs))
        try Self.check(EngineLimits.isValidEps(resolved.eps), "eps", resolved.eps, EngineLimits.epsText)
        try Self.check(levels.contains(resolved.maxLevels), "max_levels", resolved.maxLevels, EngineLimits.text(levels))
        return resolved
    }

    /// The preset called `name`, or INVALID_ARGUMENT quoting (at most 64 characters of) it.
    private static func preset(named name: String) throws(JobSpecError) -> AccuracyPreset {
        guard let preset = AccuracyPreset(name: name) else {
            throw .invalidParameter(name: "accuracy", value: "'\(name.prefix(64))'", expected: AccuracyPreset.names)
        }
        return preset
    }

    private static func check(_ ok: Bool, _ name: String, _ value: Any, _ expected: String) throws(JobSpecError) {
        guard ok else { throw .invalidParameter(name: name, value: "\(value)", expected: expected) }
    }
}
