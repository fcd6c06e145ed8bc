// Cluster status: what an operator (`pwctl status`) sees. Every replica's state comes from a WorkerHealth
// call with a short deadline, all replicas at once, so a dead worker shows as unreachable quickly
// instead of holding the whole report up; the shard connections add what they know (failures, lagging, catch-up).
//
// A replica serves only with the cluster's active version; one without it is lagging (or catching up,
// when it builds it) and does not count as serving. A shard is serving (or indexing, while an index job
// builds) when at least one replica serves; else empty when a replica answered, else unreachable.
import PPRCore
import PPRStorage
import PPRWire

extension Coordinator {
    /// Deadline of the health calls behind a status report (short: status must answer even when shards don't).
    var statusDeadline: Duration { min(controlDeadline, .milliseconds(1_000)) }

    /// The coordinator's view of the cluster: every shard's and replica's state, the graph, the active version.
    public func clusterStatus() async -> ClusterStatus {
        let replies = await shards.healthOfEveryReplica(deadline: statusDeadline)
        let active = await activeIndexVersion() ?? 0
        let statuses = replies.enumerated().map { s, replicas in
            shardStatus(ShardID(s), replicas, active: active)
        }
        let summary = GraphSummary(
            path: graph.path, vertexCount: graph.graph.vertexCount, edgeCount: graph.graph.edgeCount,
            checksum: graph.checksum, weighted: graph.graph.isWeighted)
        return ClusterStatus(
            shards: statuses, coordinatorVersion: softwareVersion, graph: summary, activeIndexVersion: active)
    }

    /// Health of every replica as the shard connections track it, for other components (metrics): breaker, failures,
    /// lagging version, catch-up.
    public func replicaHealth() -> [ReplicaID: ReplicaHealth] {
        Dictionary(uniqueKeysWithValues: shards.allReplicas.map { ($0, shards.health(of: $0)) })
    }

    private func shardStatus(
        _ shard: ShardID, _ replies: [Result<WorkerHealth, WireError>], active: UInt64
    ) -> ShardStatus {
        let url = shards.urls(of: shard).joined(separator: ",")
        let replicas = replies.enumerated().map { r, reply in
            replicaStatus(ReplicaID(shard: shard, replica: r), reply, active: active)
        }
        let healths = replies.map { try? $0.get() }
        let serving = replicas.indices.filter { [.serving, .indexing].contains(replicas[$0].state) }
        let reachable = replicas.indices.filter { healths[$0] != nil }
        guard let best = serving.first ?? reachable.first, let health = healths[best] else {
            let detail = replicas.map(\.detail).joined(separator: "; ")
            return ShardStatus(shard: shard, workerURL: url, state: .unreachable, detail: detail, replicas: replicas)
        }
        let state: ShardState
        if serving.isEmpty {
            state = .empty
        } else {
            state = serving.contains { replicas[$0].state == .indexing } ? .indexing : .serving
        }
        var details = health.workerVersion.isEmpty ? [] : ["worker \(health.workerVersion)"]
        if let task = health.indexTask {
            details.append(
                "index task version \(task.version): \(task.state) \(task.progressDone)/\(task.progressTotal)")
        }
        let others = replicas.filter { $0.state != .serving && $0.state != .indexing }
        if !serving.isEmpty, !others.isEmpty {
            details.append("\(serving.count) of \(replicas.count) replicas serving")
        }
        return ShardStatus(
            shard: shard, workerURL: url, state: state, activeVersion: health.activeVersion,
            manifest: health.manifest, detail: details.joined(separator: "; "), replicas: replicas)
    }

    private func replicaStatus(
        _ id: ReplicaID, _ reply: Result<WorkerHealth, WireError>, active: UInt64
    ) -> ReplicaStatus {
        let known = shards.health(of: id)
        let url = shards.url(of: id)
        let health: WorkerHealth
        switch reply {
        case .failure(let error):
            return ReplicaStatus(
                replica: id.replica, url: url, state: .unreachable,
                consecutiveFailures: known.consecutiveFailures, detail: "\(id): \(error.description)")
        case .success(let reply): health = reply
        }
        var details: [String] = []
        let state: ReplicaState
        let building = health.indexTask?.state == .running
        if active == 0 {
            state = building ? .indexing : (health.activeVersion == 0 ? .empty : .serving)
        } else if health.activeVersion == active {
            state = building ? .indexing : .serving
        } else if let catchUp = known.catchUp, catchUp.error == nil {
            state = .catchingUp
            details.append("building index version \(catchUp.version) to catch up")
        } else {
            state = .lagging
            details.append("lacks the active index version \(active)")
            if let error = known.catchUp?.error { details.append("catch-up: \(error)") }
        }
        if let task = health.indexTask {
            details.append(
                "index task version \(task.version): \(task.state) \(task.progressDone)/\(task.progressTotal)")
        }
        let progress = state == .catchingUp ? health.indexTask.map { ($0.progressDone, $0.progressTotal) } : nil
        return ReplicaStatus(
            replica: id.replica, url: url, state: state, activeVersion: health.activeVersion,
            consecutiveFailures: known.consecutiveFailures, progressDone: progress?.0 ?? 0,
            progressTotal: progress?.1 ?? 0, detail: details.joined(separator: "; "))
    }
}
