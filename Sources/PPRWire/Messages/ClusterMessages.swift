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
    /// Makes a summary.
    public init(
        graphChecksum: UInt64, walk: WalkParameters, encodingVersion: Int, fingerprintCount: Int, indexVersion: UInt64
    ) {
        self.graphChecksum = graphChecksum
        self.walk = walk
        self.encodingVersion = encodingVersion
        self.fingerprintCount = fingerprintCount
        self.indexVersion = indexVersion
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
    /// Makes a shard status.
    public init(
        shard: ShardID, workerURL: String, state: ShardState, activeVersion: UInt64 = 0,
        manifest: ManifestSummary? = nil, detail: String = ""
    ) {
        self.shard = shard
        self.workerURL = workerURL
        self.state = state
        self.activeVersion = activeVersion
        self.manifest = manifest
        self.detail = detail
    }
}

/// The graph file the cluster serves.
public struct GraphSummary: Hashable, Sendable {
    public var path: String
    public var vertexCount: Int
    public var edgeCount: Int
    public var checksum: UInt64
    /// Makes a summary.
    public init(path: String, vertexCount: Int, edgeCount: Int, checksum: UInt64) {
        self.path = path
        self.vertexCount = vertexCount
        self.edgeCount = edgeCount
        self.checksum = checksum
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
