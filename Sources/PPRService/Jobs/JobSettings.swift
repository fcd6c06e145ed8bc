import Foundation
import PPRCore
import PPRWire

/// What the job runner takes from the service configuration, plus its own pacing knobs.
public struct JobSettings: Sendable {
    /// Defaults for index jobs (walks, length, alpha, seed, threads).
    public var index: IndexDefaults
    /// Defaults for batch-query and evaluate jobs (top-k, eps, levels).
    public var query: QueryDefaults
    /// Deadline of each control call to a shard (index task, activation, health).
    public var controlDeadline: Duration
    /// How often an index job asks the shards how far they are.
    public var pollInterval: Duration = .milliseconds(250)
    /// Progress is written to the ledger at most this often (the in-memory record is always current).
    public var progressPersistInterval: Duration = .seconds(1)
    /// Queries of a batch-query job sent through the query path at once (1,536 = 24 blocks of the shared
    /// decomposition, so the blocks in flight keep the shards busy between rounds).
    public var batchSize: Int = 1_536
    /// Sources of an evaluate job answered at once.
    public var evaluateBatchSize: Int = 16
    /// Ranked vertices one round of a batch-query or export job may hold in memory (the front's reply cap,
    /// `limits.maxReplyEntries`), so a large top-k shrinks the round instead of growing the coordinator.
    public var maxRoundEntries: Int = 1 << 21
    /// The job directory (`coordinator.jobFilesDir`): the only place jobs read and write files.
    public var jobFiles = JobFiles(directory: CoordinatorConfig().jobFilesDirectory)

    /// Settings from explicit defaults.
    public init(
        index: IndexDefaults = .init(), query: QueryDefaults = .init(), controlDeadline: Duration = .seconds(5)
    ) {
        self.index = index
        self.query = query
        self.controlDeadline = controlDeadline
    }

    /// Settings from the service configuration.
    public init(config: ServiceConfig) {
        self.init(
            index: config.index, query: config.query,
            controlDeadline: .milliseconds(config.deadlines.controlMillis))
        jobFiles = JobFiles(directory: config.coordinator.jobFilesDirectory)
        maxRoundEntries = config.limits.maxReplyEntries
    }

    /// Queries per round of a job: at most `preferred`, and few enough that the round's answers hold at
    /// most `maxRoundEntries` ranked vertices (each query holds at most min(topK, vertexCount)); at least 1.
    public func roundSize(preferred: Int, topK: Int, vertexCount: Int) -> Int {
        let perQuery = max(1, min(topK, vertexCount))
        return max(1, min(preferred, maxRoundEntries / perQuery))
    }
}

extension JobSettings {
    /// `spec` with every default filled in, or INVALID_ARGUMENT naming the first bad parameter.
    ///
    /// The resolved spec is what the ledger stores, so a queued job runs after a restart with the
    /// parameters it was accepted with, whatever the configuration says then.
    public func resolve(_ spec: JobSpec) throws(JobSpecError) -> JobSpec {
        switch spec {
        case .index(var p):
            p.walksPerVertex = p.walksPerVertex ?? index.walks
            p.maxWalkLength = p.maxWalkLength ?? index.maxLength
            p.restartProbability = p.restartProbability ?? index.alpha
            p.seed = p.seed ?? index.seed
            p.threads = p.threads ?? index.threads
            let walk = WalkParameters(
                restartProbability: p.restartProbability!, walksPerVertex: p.walksPerVertex!,
                maxWalkLength: p.maxWalkLength!, seed: p.seed!)
            do { try walk.validate() } catch { throw .indexWalk(error.description) }
            let threads = EngineLimits.indexThreads
            try Self.check(
                threads.contains(p.threads!), "threads", p.threads!, "\(EngineLimits.text(threads)) (0 = all cores)")
            return .index(p)
        case .batchQuery(var p):
            try resolveQuery(&p.topK, &p.eps, &p.maxLevels, accuracy: p.accuracy)
            // Resolved inside the job directory (refused if they escape it); the record keeps the real paths.
            let (files, input, output) = (jobFiles, p.inputPath, p.outputPath)
            do {
                p.inputPath = try files.resolveInput(input)
                p.outputPath = try files.resolveOutput(output)
            } catch { throw .files(error) }
            guard p.outputPath != p.inputPath else { throw .outputIsInput(output) }
            return .batchQuery(p)
        case .evaluate(var p):
            p.sampleCount = p.sampleCount ?? 50
            p.seed = p.seed ?? 1
            let samples = p.sampleCount!
            let allowed = EngineLimits.evaluateSamples
            try Self.check(allowed.contains(samples), "sample_count", samples, EngineLimits.text(allowed))
            try resolveQuery(&p.topK, &p.eps, &p.maxLevels, accuracy: p.accuracy)
            return .evaluate(p)
        case .export(var p):
            p.topK = p.topK ?? ExportJob.defaultTopK
            try Self.check(EngineLimits.topK.contains(p.topK!), "top_k", p.topK!, EngineLimits.text(EngineLimits.topK))
            if p.accuracy.isEmpty { p.accuracy = AccuracyPreset.default.rawValue }
            let names = AccuracyPreset.allCases.map(\.rawValue).joined(separator: ", ")
            try Self.check(AccuracyPreset(name: p.accuracy) != nil, "accuracy", p.accuracy, names)
            let (files, sources, output) = (jobFiles, p.sourcesPath, p.outputPath)
            do {
                if !sources.isEmpty { p.sourcesPath = try files.resolveInput(sources, name: "sources_path") }
                p.outputPath = try files.resolveOutputDirectory(output)
            } catch { throw .files(error) }
            return .export(p)
        }
    }

    private func resolveQuery(
        _ topK: inout Int?, _ eps: inout Double?, _ maxLevels: inout Int?, accuracy: String?
    ) throws(JobSpecError) {
        // A named accuracy preset supplies the knobs the job leaves out (its sampling knobs travel with
        // each query's `accuracy`); otherwise the configured defaults do.
        var preset: AccuracyPreset?
        if let accuracy {
            guard let named = AccuracyPreset(name: accuracy) else {
                throw .invalidParameter(
                    name: "accuracy", value: "'\(accuracy.prefix(64))'", expected: AccuracyPreset.names)
            }
            preset = named
        }
        topK = topK ?? query.topK
        eps = eps ?? preset?.eps ?? query.eps
        maxLevels = maxLevels ?? preset?.maxLevels ?? query.maxLevels
        // The same limits as the query path (ResolvedQuery), so an accepted job cannot fail on every query.
        try Self.check(EngineLimits.topK.contains(topK!), "top_k", topK!, EngineLimits.text(EngineLimits.topK))
        try Self.check(EngineLimits.isValidEps(eps!), "eps", eps!, EngineLimits.epsText)
        let levels = EngineLimits.maxLevels
        try Self.check(levels.contains(maxLevels!), "max_levels", maxLevels!, EngineLimits.text(levels))
    }

    private static func check(_ ok: Bool, _ name: String, _ value: Any, _ expected: String) throws(JobSpecError) {
        guard ok else { throw .invalidParameter(name: name, value: "\(value)", expected: expected) }
    }
}
