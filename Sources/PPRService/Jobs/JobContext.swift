import PPRCore
import PPRStorage
import PPRWire

/// What a job needs from the coordinator that runs it: the seam between `JobRunner` and `Coordinator`.
///
/// The coordinator implements it over the shards (NNG); tests may implement it over an in-process
/// engine. Every method is safe to call from any task.
public protocol JobContext: Sendable {
    /// The graph the cluster serves (ids, checksum, adjacency for exact PPR).
    var graph: LoadedGraph { get }
    /// Shards of the cluster, `0..<shardCount`.
    var shardCount: Int { get }
    /// Answers queries through the live index: the same path (and errors) as the client batch method.
    func answer(_ queries: [QueryRequest]) async throws(WireError) -> [QueryResponse]
    /// Sends one request to a shard (failing over between its replicas); a silent shard is UNAVAILABLE
    /// naming it.
    func callShard(_ shard: ShardID, _ request: WireRequest, deadline: Duration) async throws(WireError) -> WireResponse
    /// The index version queries read now, if any.
    func activeIndexVersion() async -> UInt64?
    /// The active index version with the walk parameters (alpha, R, Lmax, seed) its stores' manifests
    /// record; FAILED_PRECONDITION when no version is active, UNAVAILABLE when no worker can say.
    func activeIndexManifest() async throws(WireError) -> ActiveIndex
    /// Switches queries to `version` (every shard has a replica that activated it); persisted by the coordinator.
    func setActiveIndexVersion(_ version: UInt64) async throws(WireError)

    /// Replicas of `shard` (at least 1).
    func replicaCount(of shard: ShardID) -> Int
    /// Sends one request to one replica, without failover.
    func callReplica(_ replica: ReplicaID, _ request: WireRequest, deadline: Duration) async throws(WireError)
        -> WireResponse
    /// An index job starts (`true`: catch-up builds of lagging replicas stop and wait) or ends (`false`).
    func indexBuild(running: Bool) async
    /// Replicas an index job left without `version` (down, refused, failed or still building): they catch up.
    func markLagging(_ replicas: [ReplicaID], version: UInt64) async
}

extension JobContext {
    /// One replica per shard unless the context says otherwise.
    public func replicaCount(of shard: ShardID) -> Int { 1 }

    /// The shard's call, for contexts with one replica per shard.
    public func callReplica(_ replica: ReplicaID, _ request: WireRequest, deadline: Duration) async throws(WireError)
        -> WireResponse
    {
        try await callShard(replica.shard, request, deadline: deadline)
    }

    /// Nothing to pause without replicas.
    public func indexBuild(running: Bool) async {}

    /// Nothing to catch up without replicas.
    public func markLagging(_ replicas: [ReplicaID], version: UInt64) async {}

    /// Every replica of every shard, in shard then config order.
    var allReplicas: [ReplicaID] {
        (0..<shardCount).flatMap { s in
            (0..<replicaCount(of: ShardID(s))).map { ReplicaID(shard: ShardID(s), replica: $0) }
        }
    }
}
