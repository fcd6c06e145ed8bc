// ResolvedJob: a job as the runner accepted it, one type per job kind with every parameter set.
//
// A submitted `JobSpec` (the wire form, whose knobs are optional so a client may leave them to the server)
// is resolved and validated once, at submit (`JobSettings.resolve`): defaults come from the configuration
// then, so a queued job runs after a restart with the parameters it was accepted with. The ledger stores
// this value (JobRecord+Ledger) and the jobs run it; nothing downstream falls back to a default again.
import PPRCore
import PPRWire

/// A job with every parameter resolved and validated.
enum ResolvedJob: Hashable, Sendable {
    case index(ResolvedIndexJob)
    case batchQuery(ResolvedBatchQueryJob)
    case evaluate(ResolvedEvaluateJob)
    case export(ResolvedExportJob)

    /// The job type.
    var type: JobType {
        switch self {
        case .index: .index
        case .batchQuery: .batchQuery
        case .evaluate: .evaluate
        case .export: .export
        }
    }

    /// The wire form, every field set: what `JobRecord.spec` shows the client.
    var spec: JobSpec {
        switch self {
        case .index(let job): .index(job.params)
        case .batchQuery(let job): .batchQuery(job.params)
        case .evaluate(let job): .evaluate(job.params)
        case .export(let job): .export(job.params)
        }
    }
}

/// The query knobs of a batch-query or evaluate job.
struct ResolvedJobQuery: Hashable, Sendable {
    var topK: Int
    var eps: Double
    var maxLevels: Int
    /// The preset the job named (nil: the server's default preset). Its eps and levels are already in
    /// `eps`/`maxLevels`; its sampling knobs travel with each query's `accuracy`.
    var accuracy: AccuracyPreset?
}

/// Build a new index version on every shard with these walk parameters.
struct ResolvedIndexJob: Hashable, Sendable {
    /// Alpha, R, Lmax and seed (validated).
    var walk: WalkParameters
    /// Walk threads per shard, 0 = all cores.
    var threads: Int

    var params: IndexJobParams {
        IndexJobParams(
            walksPerVertex: walk.walksPerVertex, maxWalkLength: walk.maxWalkLength,
            restartProbability: walk.restartProbability, seed: walk.seed, threads: threads)
    }
}

/// A file of sources in, top-k per source out; both paths resolved inside the job directory.
struct ResolvedBatchQueryJob: Hashable, Sendable {
    var inputPath: String
    var outputPath: String
    var query: ResolvedJobQuery
    var excludeSources: Bool
    var excludeOutNeighbors: Bool

    var params: BatchQueryJobParams {
        BatchQueryJobParams(
            inputPath: inputPath, outputPath: outputPath, topK: query.topK, eps: query.eps,
            maxLevels: query.maxLevels, excludeSources: excludeSources, excludeOutNeighbors: excludeOutNeighbors,
            accuracy: query.accuracy?.rawValue)
    }
}

/// Accuracy of the live index against exact PPR on `sampleCount` sources drawn with `seed`.
struct ResolvedEvaluateJob: Hashable, Sendable {
    var sampleCount: Int
    var seed: UInt64
    var query: ResolvedJobQuery

    /// Sources sampled when the client gives no count.
    static let defaultSampleCount = 50
    /// Sampling seed when the client gives none.
    static let defaultSeed: UInt64 = 1

    var params: EvaluateJobParams {
        EvaluateJobParams(
            sampleCount: sampleCount, seed: seed, topK: query.topK, eps: query.eps, maxLevels: query.maxLevels,
            accuracy: query.accuracy?.rawValue)
    }
}

/// The top-K PPR of every vertex (or of the sources file's) as NumPy files in `outputPath`.
struct ResolvedExportJob: Hashable, Sendable {
    /// The output directory, resolved inside the job directory.
    var outputPath: String
    var topK: Int
    /// The sources file, resolved inside the job directory; nil = every vertex.
    var sourcesPath: String?
    var accuracy: AccuracyPreset

    /// K when the client gives none.
    static let defaultTopK = 32

    var params: ExportJobParams {
        ExportJobParams(
            outputPath: outputPath, topK: topK, sourcesPath: sourcesPath ?? "", accuracy: accuracy.rawValue)
    }
}
