public import PPRCore

/// Ask the coordinator for the cluster's state.
public struct ClusterStatusRequest: Hashable, Sendable {
    /// Makes the request.
    public init() {}
}

/// How a shard looks from the coordinator.
public enum ShardState: Int32, Hashable, Sendable, CaseIterable {
    /// Answers combine requests from its active version.
    case serving = 1
    /// Reachable but without an active version.
    case empty = 2
    /// Building a new version (the active one, if any, still serves).
    case indexing = 3
    /// Did not answer within the deadline.
    case unreachable = 4
}

/// What a fingerprint store was built from and with (DESIGN §3 Manifest).
public struct ManifestSummary: Hashable, Sendable {
    public var graphChecksum: UInt64
    public var walk: WalkParameters
    public var encodingVersion: Int
    public var fingerprintCount: Int
    public var indexVersion: UInt64
    /// Whether the graph was weighted (on the wire: `manifest_graph_weighted` of the enclosing
    /// `ShardStatus` or `WorkerHealth`).
    public var graphWeighted: Bool
    /// Makes a summary.
    public init(
        graphChecksum: UInt64, walk: WalkParameters, encodingVersion: Int, fingerprintCount: Int, indexVersion: UInt64,
        graphWeighted: Bool = false
    ) {
        self.graphChecksum = graphChecksum
        self.walk = walk
        self.encodingVersion = encodingVersion
        self.fingerprintCount = fingerprintCount
        self.indexVersion = indexVersion
        self.graphWeighted = graphWeighted
    }
}

/// One shard in a cluster status.
public struct ShardStatus: Hashable, Sendable {
    public var shard: ShardID
    public var workerURL: String
    public var state: ShardState
    public var activeVersion: UInt64
    public var manifest: ManifestSummary?
    /// Human-readable detail, e.g. the last error talking to the worker.
    public var detail: String
    /// Every replica of the shard, in config order.
    public var replicas: [ReplicaStatus]
    /// Makes a shard status.
    public init(
        shard: ShardID, workerURL: String, state: ShardState, activeVersion: UInt64 = 0,
        manifest: ManifestSummary? = nil, detail: String = "", replicas: [ReplicaStatus] = []
    ) {
        self.shard = shard
        self.workerURL = workerURL
        self.state = state
        self.activeVersion = activeVersion
        self.manifest = manifest
        self.detail = detail
        self.replicas = replicas
    }
}

/// How one replica of a shard looks from the coordinator.
public enum ReplicaState: Int32, Hashable, Sendable, CaseIterable {
    /// Holds the cluster's active version and answers combines from it.
    case serving = 1
    /// Serves the active version while building a newer one.
    case indexing = 2
    /// Lacks the cluster's active version; serves nothing until it has it.
    case lagging = 3
    /// Lacks the active version and is building it; serves nothing until it has it.
    case catchingUp = 4
    /// Reachable, no active version, and the cluster has none either.
    case empty = 5
    /// Did not answer within the deadline.
    case unreachable = 6
}

/// One replica in a shard status.
public struct ReplicaStatus: Hashable, Sendable {
    /// Position in the shard's replica list of the config.
    public var replica: Int
    public var url: String
    public var state: ReplicaState
    /// The replica's own active version (0: none).
    public var activeVersion: UInt64
    /// Transport failures since its last reply.
    public var consecutiveFailures: Int
    /// Catch-up build progress, vertices done of total (0 of 0 when not catching up).
    public var progressDone: Int
    public var progressTotal: Int
    /// The last error, the index task, why it lags.
    public var detail: String
    /// Makes a replica status.
    public init(
        replica: Int, url: String, state: ReplicaState, activeVersion: UInt64 = 0, consecutiveFailures: Int = 0,
        progressDone: Int = 0, progressTotal: Int = 0, detail: String = ""
    ) {
        self.replica = replica
        self.url = url
        self.state = state
        self.activeVersion = activeVersion
        self.consecutiveFailures = consecutiveFailures
        self.progressDone = progressDone
        self.progressTotal = progressTotal
        self.detail = detail
    }
}

/// The graph file the cluster serves.
public struct GraphSummary: Hashable, Sendable {
    public var path: String
    public var vertexCount: Int
    public var edgeCount: Int
    public var checksum: UInt64
    /// Whether the graph carries edge weights (on the wire: `ClusterStatus.graph_weighted`).
    public var weighted: Bool
    /// Makes a summary.
    public init(path: String, vertexCount: Int, edgeCount: Int, checksum: UInt64, weighted: Bool = false) {
        self.path = path
        self.vertexCount = vertexCount
        self.edgeCount = edgeCount
        self.checksum = checksum
        self.weighted = weighted
    }
}

/// The coordinator's view of the cluster.
public struct ClusterStatus: Hashable, Sendable {
    public var shards: [ShardStatus]
    public var coordinatorVersion: String
    public var graph: GraphSummary?
    public var activeIndexVersion: UInt64
    /// Makes a status.
    public init(
        shards: [ShardStatus], coordinatorVersion: String, graph: GraphSummary? = nil, activeIndexVersion: UInt64 = 0
    ) {
        self.shards = shards
        self.coordinatorVersion = coordinatorVersion
        self.graph = graph
        self.activeIndexVersion = activeIndexVersion
    }
}
