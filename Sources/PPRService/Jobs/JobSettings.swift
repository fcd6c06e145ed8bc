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
    public func resolve(_ spec: JobSpec) throws(WireError) -> JobSpec {
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
            do { try walk.validate() } catch { throw WireError(.invalidArgument, "index job: \(error)") }
            let maxThreads = WorkerShard.maxIndexThreads
            try Self.check(
                p.threads! >= 0 && p.threads! <= maxThreads, "threads", p.threads!,
                "0 ... \(maxThreads) (0 = all cores)")
            return .index(p)
        case .batchQuery(var p):
            try resolveQuery(&p.topK, &p.eps, &p.maxLevels, accuracy: p.accuracy)
            // Resolved inside the job directory (refused if they escape it); the record keeps the real paths.
            let (files, input, output) = (jobFiles, p.inputPath, p.outputPath)
            p.inputPath = try JobFiles.wire { () throws(JobFilesError) in try files.resolveInput(input) }
            p.outputPath = try JobFiles.wire { () throws(JobFilesError) in try files.resolveOutput(output) }
            guard p.outputPath != p.inputPath else {
                throw WireError(.invalidArgument, "invalid output_path \(output): same file as input_path")
            }
            return .batchQuery(p)
        case .evaluate(var p):
            p.sampleCount = p.sampleCount ?? 50
            p.seed = p.seed ?? 1
            let samples = p.sampleCount!
            try Self.check(samples >= 1 && samples <= 1_000_000, "sample_count", samples, "1 ... 1000000")
            try resolveQuery(&p.topK, &p.eps, &p.maxLevels, accuracy: p.accuracy)
            return .evaluate(p)
        case .export(var p):
            p.topK = p.topK ?? ExportJob.defaultTopK
            let maxTopK = ResolvedQuery.maxTopK
            try Self.check(p.topK! >= 1 && p.topK! <= maxTopK, "top_k", p.topK!, "1 ... \(maxTopK)")
            if p.accuracy.isEmpty { p.accuracy = AccuracyPreset.default.rawValue }
            let names = AccuracyPreset.allCases.map(\.rawValue).joined(separator: ", ")
            try Self.check(AccuracyPreset(name: p.accuracy) != nil, "accuracy", p.accuracy, names)
            let (files, sources, output) = (jobFiles, p.sourcesPath, p.outputPath)
            if !sources.isEmpty {
                p.sourcesPath = try JobFiles.wire { () throws(JobFilesError) in
                    try files.resolveInput(sources, name: "sources_path")
                }
            }
            p.outputPath = try JobFiles.wire { () throws(JobFilesError) in try files.resolveOutputDirectory(output) }
            return .export(p)
        }
    }

    private func resolveQuery(
        _ topK: inout Int?, _ eps: inout Double?, _ maxLevels: inout Int?, accuracy: String?
    ) throws(WireError) {
        // A named accuracy preset supplies the knobs the job leaves out (its sampling knobs travel with
        // each query's `accuracy`); otherwise the configured defaults do.
        var preset: AccuracyPreset?
        if let accuracy {
            guard let named = AccuracyPreset(name: accuracy) else {
                throw WireError(
                    .invalidArgument, "invalid accuracy '\(accuracy.prefix(64))': expected \(AccuracyPreset.names)")
            }
            preset = named
        }
        topK = topK ?? query.topK
        eps = eps ?? preset?.eps ?? query.eps
        maxLevels = maxLevels ?? preset?.maxLevels ?? query.maxLevels
        // The same limits as the query path (ResolvedQuery), so an accepted job cannot fail on every query.
        let (maxTopK, maxLevelsLimit) = (ResolvedQuery.maxTopK, ResolvedQuery.maxLevelsLimit)
        try Self.check(topK! >= 1 && topK! <= maxTopK, "top_k", topK!, "1 ... \(maxTopK)")
        try Self.check(eps!.isFinite && eps! >= 0, "eps", eps!, "a finite number >= 0")
        try Self.check(
            maxLevels! >= 0 && maxLevels! <= maxLevelsLimit, "max_levels", maxLevels!, "0 ... \(maxLevelsLimit)")
    }

    private static func check(_ ok: Bool, _ name: String, _ value: Any, _ expected: String) throws(WireError) {
        guard ok else { throw WireError(.invalidArgument, "invalid \(name) \(value): expected \(expected)") }
    }
}
