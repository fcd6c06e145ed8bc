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
    /// Sends one request to a shard (its first replica that answers); a silent shard is UNAVAILABLE naming it.
    func callShard(_ shard: ShardID, _ request: WireRequest, deadline: Duration) async throws(WireError) -> WireResponse
    /// The index version queries read now, if any.
    func activeIndexVersion() async -> UInt64?
    /// Switches queries to `version` (every shard has activated it); persisted by the coordinator.
    func setActiveIndexVersion(_ version: UInt64) async throws(WireError)
}
