/// The kinds of batch work (DESIGN §3 job types).
public enum JobType: Int32, Hashable, Sendable, CaseIterable {
    case index = 1
    case batchQuery = 2
    case evaluate = 3
    case export = 4
}

/// Where a job is in its life.
public enum JobState: Int32, Hashable, Sendable, CaseIterable {
    case queued = 1
    case running = 2
    case succeeded = 3
    case failed = 4
    case cancelled = 5
}

/// Build a new index version on every shard; `nil` fields take the server's defaults.
public struct IndexJobParams: Hashable, Sendable {
    public var walksPerVertex: Int?
    public var maxWalkLength: Int?
    public var restartProbability: Double?
    public var seed: UInt64?
    public var threads: Int?
    /// Makes index parameters.
    public init(
        walksPerVertex: Int? = nil, maxWalkLength: Int? = nil, restartProbability: Double? = nil,
        seed: UInt64? = nil, threads: Int? = nil
    ) {
        self.walksPerVertex = walksPerVertex
        self.maxWalkLength = maxWalkLength
        self.restartProbability = restartProbability
        self.seed = seed
        self.threads = threads
    }
}

/// A file of sources in, top-k per source out (paths on the coordinator's host).
public struct BatchQueryJobParams: Hashable, Sendable {
    public var inputPath: String
    public var outputPath: String
    public var topK: Int?
    public var eps: Double?
    public var maxLevels: Int?
    public var excludeSources: Bool
    public var excludeOutNeighbors: Bool
    /// Accuracy preset of every query (nil: the server's default preset).
    public var accuracy: String?
    /// Makes batch-query parameters.
    public init(
        inputPath: String, outputPath: String, topK: Int? = nil, eps: Double? = nil, maxLevels: Int? = nil,
        excludeSources: Bool = false, excludeOutNeighbors: Bool = false, accuracy: String? = nil
    ) {
        self.accuracy = accuracy
        self.inputPath = inputPath
        self.outputPath = outputPath
        self.topK = topK
        self.eps = eps
        self.maxLevels = maxLevels
        self.excludeSources = excludeSources
        self.excludeOutNeighbors = excludeOutNeighbors
    }
}

/// Accuracy of the live index against exact PPR on sampled sources.
public struct EvaluateJobParams: Hashable, Sendable {
    public var sampleCount: Int?
    public var seed: UInt64?
    public var topK: Int?
    public var eps: Double?
    public var maxLevels: Int?
    /// Accuracy preset of the evaluated queries (nil: the server's default preset).
    public var accuracy: String?
    /// Makes evaluate parameters.
    public init(
        sampleCount: Int? = nil, seed: UInt64? = nil, topK: Int? = nil, eps: Double? = nil, maxLevels: Int? = nil,
        accuracy: String? = nil
    ) {
        self.accuracy = accuracy
        self.sampleCount = sampleCount
        self.seed = seed
        self.topK = topK
        self.eps = eps
        self.maxLevels = maxLevels
    }
}

/// What a job does and with which parameters.
public enum JobSpec: Hashable, Sendable {
    case index(IndexJobParams)
    case batchQuery(BatchQueryJobParams)
    case evaluate(EvaluateJobParams)
    case export(ExportJobParams)

    /// The job type this spec describes.
    public var type: JobType {
        switch self {
        case .index: .index
        case .batchQuery: .batchQuery
        case .evaluate: .evaluate
        case .export: .export
        }
    }
}

/// Submit a job; the reply is its `JobRecord`.
public struct SubmitJobRequest: Hashable, Sendable {
    public var spec: JobSpec
    /// Makes a submission.
    public init(_ spec: JobSpec) { self.spec = spec }
}

/// What a succeeded job produced; which fields are set depends on the job type.
public struct JobResult: Hashable, Sendable {
    public var precisionAt10: Double?
    public var precisionAt100: Double?
    /// Mean L1 distance between estimated and exact PPR vectors.
    public var l1Error: Double?
    public var outputPath: String
    /// The version an index job built.
    public var indexVersion: UInt64
    public var queriesAnswered: Int
    /// Export job: rows (sources) and entries written.
    public var exportRows: Int
    public var exportEntries: Int
    /// Evaluate job: the alpha evaluated (the active index's, from its manifests).
    public var restartProbability: Double?
    /// Evaluate job: mean and largest `error_estimate` of its queries, to compare with `l1Error`.
    public var meanErrorEstimate: Double?
    public var maxErrorEstimate: Double?
    /// Makes a result.
    public init(
        precisionAt10: Double? = nil, precisionAt100: Double? = nil, l1Error: Double? = nil, outputPath: String = "",
        indexVersion: UInt64 = 0, queriesAnswered: Int = 0, exportRows: Int = 0, exportEntries: Int = 0,
        restartProbability: Double? = nil, meanErrorEstimate: Double? = nil, maxErrorEstimate: Double? = nil
    ) {
        self.restartProbability = restartProbability
        self.meanErrorEstimate = meanErrorEstimate
        self.maxErrorEstimate = maxErrorEstimate
        self.exportRows = exportRows
        self.exportEntries = exportEntries
        self.precisionAt10 = precisionAt10
        self.precisionAt100 = precisionAt100
        self.l1Error = l1Error
        self.outputPath = outputPath
        self.indexVersion = indexVersion
        self.queriesAnswered = queriesAnswered
    }
}

/// A job as the coordinator records it (also the reply to submit, get and cancel).
public struct JobRecord: Hashable, Sendable {
    public var id: UInt64
    public var spec: JobSpec
    public var state: JobState
    public var progressDone: Int
    public var progressTotal: Int
    /// Microseconds since the Unix epoch.
    public var createdUnixMicros: Int64
    public var startedUnixMicros: Int64?
    public var finishedUnixMicros: Int64?
    /// Why the job failed (or was cancelled).
    public var error: WireError?
    public var result: JobResult?

    /// Makes a record.
    public init(
        id: UInt64, spec: JobSpec, state: JobState, progressDone: Int = 0, progressTotal: Int = 0,
        createdUnixMicros: Int64 = 0, startedUnixMicros: Int64? = nil, finishedUnixMicros: Int64? = nil,
        error: WireError? = nil, result: JobResult? = nil
    ) {
        self.id = id
        self.spec = spec
        self.state = state
        self.progressDone = progressDone
        self.progressTotal = progressTotal
        self.createdUnixMicros = createdUnixMicros
        self.startedUnixMicros = startedUnixMicros
        self.finishedUnixMicros = finishedUnixMicros
        self.error = error
        self.result = result
    }

    /// The job's type (from its spec).
    public var type: JobType { spec.type }
}

/// Fetch one job.
public struct GetJobRequest: Hashable, Sendable {
    public var id: UInt64
    /// Makes the request.
    public init(id: UInt64) { self.id = id }
}

/// List jobs, newest first.
public struct ListJobsRequest: Hashable, Sendable {
    /// At most this many; 0 = all.
    public var limit: Int
    /// Only jobs in this state.
    public var state: JobState?
    /// Makes the request.
    public init(limit: Int = 0, state: JobState? = nil) {
        self.limit = limit
        self.state = state
    }
}

/// The jobs asked for.
public struct ListJobsResponse: Hashable, Sendable {
    public var jobs: [JobRecord]
    /// Makes the response.
    public init(jobs: [JobRecord]) { self.jobs = jobs }
}

/// Cancel a queued or running job.
public struct CancelJobRequest: Hashable, Sendable {
    public var id: UInt64
    /// Makes the request.
    public init(id: UInt64) { self.id = id }
}
