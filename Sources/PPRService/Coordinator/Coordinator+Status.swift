// Cluster status: what an operator (`pwctl status`) sees. Each shard's state comes from a WorkerHealth
// call with a short deadline, all shards at once, so a dead worker shows as unreachable quickly
// instead of holding the whole report up.
import PPRCore
import PPRStorage
import PPRWire

extension Coordinator {
    /// Deadline of the health calls behind a status report (short: status must answer even when shards don't).
    var statusDeadline: Duration { min(controlDeadline, .milliseconds(1_000)) }

    /// The coordinator's view of the cluster: every shard's state, the graph, the active version.
    public func clusterStatus() async -> ClusterStatus {
        let requests = Array(repeating: WireRequest.workerHealth(WorkerHealthRequest()), count: shardCount)
        let replies = await shards.fanOut(requests, deadline: statusDeadline)
        let statuses = replies.enumerated().map { s, reply in
            shardStatus(ShardID(s), reply)
        }
        let summary = GraphSummary(
            path: graph.path, vertexCount: graph.graph.vertexCount, edgeCount: graph.graph.edgeCount,
            checksum: graph.checksum)
        return ClusterStatus(
            shards: statuses, coordinatorVersion: softwareVersion, graph: summary,
            activeIndexVersion: await activeIndexVersion() ?? 0)
    }

    private func shardStatus(_ shard: ShardID, _ reply: Result<WireResponse, WireError>) -> ShardStatus {
        let url = shards.urls(of: shard).joined(separator: ",")
        switch reply {
        case .failure(let error):
            return ShardStatus(shard: shard, workerURL: url, state: .unreachable, detail: error.description)
        case .success(.workerHealth(let health)):
            let state: ShardState
            if health.indexTask?.state == .running {
                state = .indexing
            } else {
                state = health.activeVersion == 0 ? .empty : .serving
            }
            var detail = health.workerVersion.isEmpty ? "" : "worker \(health.workerVersion)"
            if let task = health.indexTask {
                detail +=
                    (detail.isEmpty ? "" : "; ")
                    + "index task version \(task.version): \(task.state) \(task.progressDone)/\(task.progressTotal)"
            }
            return ShardStatus(
                shard: shard, workerURL: url, state: state, activeVersion: health.activeVersion,
                manifest: health.manifest, detail: detail)
        case .success(let other):
            return ShardStatus(
                shard: shard, workerURL: url, state: .unreachable, detail: "unexpected reply to WorkerHealth: \(other)")
        }
    }
}
