public import PPRCore

/// Weighted sums of fingerprints on one worker: for each frontier, sum over (v, w) of w * F_v.
public struct CombineRequest: Equatable, Sendable {
    public var indexVersion: UInt64
    /// One frontier per query; internal vertex indices with their flow.
    public var frontiers: [[WeightedVertex]]
    /// Block mode (BlockMessages.swift): the worker expands these queries itself; `frontiers` is empty.
    public var block: BlockCombine?
    /// The sender reads dense partial sums (`PartialSum.dense`); false: sparse replies only.
    public var denseReplies: Bool
    /// The sender reads dense partial sums sent as 32-bit floats (`PartialSum.denseAsFloats`): half the bytes,
    /// each sum rounded to the nearest float. Only with `denseReplies`.
    public var floatReplies: Bool
    /// Whole-query mode (WholeQueryMessages.swift): the worker answers this query's top list itself;
    /// `frontiers` is empty.
    public var wholeQuery: WholeQuery?
    /// Makes the request.
    public init(
        indexVersion: UInt64, frontiers: [[WeightedVertex]], block: BlockCombine? = nil, denseReplies: Bool = false,
        floatReplies: Bool = false, wholeQuery: WholeQuery? = nil
    ) {
        self.indexVersion = indexVersion
        self.frontiers = frontiers
        self.block = block
        self.denseReplies = denseReplies
        self.floatReplies = floatReplies
        self.wholeQuery = wholeQuery
    }
}

/// A vector over internal vertex indices: sparse (parallel arrays of equal length, `dense` empty) or
/// dense (`dense[x]` is the sum of vertex index `x`, zeros included; `vertices` and `scores` empty).
public struct PartialSum: Hashable, Sendable {
    public private(set) var vertices: [VertexIndex]
    public private(set) var scores: [Double]
    /// The dense form: one value per vertex index of the graph (empty for a sparse vector).
    public private(set) var dense: [Double]
    /// The dense form travels as 32-bit floats (`PartialSum.dense_floats`): the encoder rounds each value to
    /// the nearest float, the decoder widens it back exactly.
    public private(set) var denseAsFloats: Bool
    /// Makes a sparse vector; the arrays must have equal lengths.
    public init(vertices: [VertexIndex], scores: [Double]) {
        precondition(vertices.count == scores.count, "a partial sum needs one score per vertex")
        self.vertices = vertices
        self.scores = scores
        dense = []
        denseAsFloats = false
    }

    /// Makes a dense vector (one value per vertex index), sent as doubles or, `asFloats`, as floats.
    public init(dense: [Double], asFloats: Bool = false) {
        vertices = []
        scores = []
        self.dense = dense
        denseAsFloats = asFloats
    }
}

/// `partialSums[i]` answers `frontiers[i]`.
public struct CombineResponse: Hashable, Sendable {
    public var partialSums: [PartialSum]
    public var indexVersion: UInt64
    public var fingerprintsRead: Int
    /// Block mode: `blockResults[i]` answers `block.queries[i]`.
    public var blockResults: [BlockResult]
    /// Whole-query mode: the answer to `CombineRequest.wholeQuery`.
    public var wholeAnswer: WholeAnswer?
    /// Makes the response.
    public init(
        partialSums: [PartialSum], indexVersion: UInt64, fingerprintsRead: Int = 0, blockResults: [BlockResult] = [],
        wholeAnswer: WholeAnswer? = nil
    ) {
        self.partialSums = partialSums
        self.indexVersion = indexVersion
        self.fingerprintsRead = fingerprintsRead
        self.blockResults = blockResults
        self.wholeAnswer = wholeAnswer
    }
}

/// Build fingerprints of `version` for the worker's shards, beside the active version.
public struct IndexTaskRequest: Hashable, Sendable {
    public var version: UInt64
    public var walk: WalkParameters
    public var threads: Int
    /// The graph the coordinator expects; a worker with another graph refuses.
    public var graphChecksum: UInt64
    /// Makes the request.
    public init(version: UInt64, walk: WalkParameters, threads: Int, graphChecksum: UInt64) {
        self.version = version
        self.walk = walk
        self.threads = threads
        self.graphChecksum = graphChecksum
    }
}

/// Where an indexing task on a worker is.
public enum TaskState: Int32, Hashable, Sendable, CaseIterable {
    case running = 1
    case succeeded = 2
    case failed = 3
    case cancelled = 4
}

/// Progress of an indexing task (reply to start, get and cancel).
public struct IndexTaskStatus: Hashable, Sendable {
    public var version: UInt64
    public var state: TaskState
    /// Vertices done out of total.
    public var progressDone: Int
    public var progressTotal: Int
    public var error: WireError?
    /// Makes a status.
    public init(
        version: UInt64, state: TaskState, progressDone: Int = 0, progressTotal: Int = 0, error: WireError? = nil
    ) {
        self.version = version
        self.state = state
        self.progressDone = progressDone
        self.progressTotal = progressTotal
        self.error = error
    }
}

/// Ask for the status of the task building `version`.
public struct GetIndexTaskRequest: Hashable, Sendable {
    public var version: UInt64
    /// Makes the request.
    public init(version: UInt64) { self.version = version }
}

/// Cancel the task building `version`; the active version is untouched.
public struct CancelIndexTaskRequest: Hashable, Sendable {
    public var version: UInt64
    /// Makes the request.
    public init(version: UInt64) { self.version = version }
}

/// Make `version` the one combine requests read.
public struct ActivateVersionRequest: Hashable, Sendable {
    public var version: UInt64
    /// Makes the request.
    public init(version: UInt64) { self.version = version }
}

/// The version now active and the one it replaced (0 = none).
public struct ActivateVersionResponse: Hashable, Sendable {
    public var activeVersion: UInt64
    public var previousVersion: UInt64
    /// Makes the response.
    public init(activeVersion: UInt64, previousVersion: UInt64) {
        self.activeVersion = activeVersion
        self.previousVersion = previousVersion
    }
}

/// Ask a worker how it is.
public struct WorkerHealthRequest: Hashable, Sendable {
    /// Makes the request.
    public init() {}
}

/// A worker's health and counters.
public struct WorkerHealth: Hashable, Sendable {
    /// The shard asked, then the other shards its worker process serves (ascending).
    public var shards: [ShardID]
    public var activeVersion: UInt64
    public var manifest: ManifestSummary?
    public var combineRequests: Int
    public var fingerprintsRead: Int
    /// Whole microseconds on the wire.
    public var uptime: Duration
    /// The task in progress or last finished.
    public var indexTask: IndexTaskStatus?
    public var workerVersion: String
    /// Makes a health report.
    public init(
        shards: [ShardID], activeVersion: UInt64 = 0, manifest: ManifestSummary? = nil, combineRequests: Int = 0,
        fingerprintsRead: Int = 0, uptime: Duration = .zero, indexTask: IndexTaskStatus? = nil,
        workerVersion: String = ""
    ) {
        self.shards = shards
        self.activeVersion = activeVersion
        self.manifest = manifest
        self.combineRequests = combineRequests
        self.fingerprintsRead = fingerprintsRead
        self.uptime = uptime
        self.indexTask = indexTask
        self.workerVersion = workerVersion
    }
}
