// Probes: what /readyz answers for each role, and the gauges refreshed when /metrics is scraped.
//
// - coordinator: ready when an index version is active and every shard has a replica serving it
//   (one WorkerHealth fan-out with the status deadline, as `pwctl status`);
// - worker: ready when every shard it serves has an active version.
// Either is not ready while one of its listeners stopped and cannot listen again (WireServer.listenerProblem).
import PPRCore
import PPRWire

/// The answer of a readiness probe: ready, or why not (one line).
public struct Readiness: Equatable, Sendable {
    /// Whether the process can serve its role now.
    public var isReady: Bool
    /// "ready", or the reason it is not.
    public var reason: String

    /// Ready.
    public static let ready = Readiness(isReady: true, reason: "ready")

    /// Not ready, because of `reason`.
    public static func notReady(_ reason: String) -> Readiness { Readiness(isReady: false, reason: reason) }

    /// Makes a readiness answer.
    public init(isReady: Bool, reason: String) {
        self.isReady = isReady
        self.reason = reason
    }
}

extension Coordinator {
    /// Ready when an index version is active and every shard serves it from at least one replica.
    public func readiness() async -> Readiness {
        guard let version = await activeIndexVersion(), version != 0 else {
            return .notReady("no index version is active: run an index job")
        }
        let status = await clusterStatus()
        for shard in status.shards {
            guard shard.state == .serving || shard.state == .indexing else {
                return .notReady("\(shard.shard) has no serving replica (\(shard.state))")
            }
            guard shard.activeVersion == version else {
                return .notReady("\(shard.shard) serves index version \(shard.activeVersion), not \(version)")
            }
        }
        return .ready
    }

    /// Refreshes the coordinator's scrape-time gauges: jobs by state, the running index job's progress,
    /// the active version.
    public func refreshMetrics(_ gauges: ScrapeGauges) async {
        gauges.set(MetricName.activeIndexVersion, [("shard", "all")], Int(clamping: await activeIndexVersion() ?? 0))
        guard let runner = jobRunner, let records = try? await runner.list() else { return }
        var counts: [JobState: Int] = [:]
        var done = 0
        var total = 0
        for record in records {
            counts[record.state, default: 0] += 1
            if record.state == .running, case .index = record.spec {
                done += record.progressDone
                total += record.progressTotal
            }
        }
        for state in JobState.allCases {
            gauges.set(MetricName.jobs, [("state", Self.metricName(of: state))], counts[state] ?? 0)
        }
        gauges.set(MetricName.indexBuildDone, [("shard", "all")], done)
        gauges.set(MetricName.indexBuildTotal, [("shard", "all")], total)
    }

    private static func metricName(of state: JobState) -> String {
        switch state {
        case .queued: "queued"
        case .running: "running"
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .cancelled: "cancelled"
        }
    }
}

extension Worker {
    /// Ready when every shard served has an active index version and every shard's listener listens.
    public func readiness() async -> Readiness {
        if let problem = listenerProblems.first { return .notReady(problem) }
        for shard in shards {
            let health = await shard.health()
            guard health.activeVersion != 0 else { return .notReady("\(shard.id) has no active index version") }
        }
        return .ready
    }

    /// Refreshes the worker's scrape-time gauges: each shard's active version and running build progress.
    public func refreshMetrics(_ gauges: ScrapeGauges) async {
        for shard in shards {
            let health = await shard.health()
            let label = [("shard", "\(shard.id.rawValue)")]
            gauges.set(MetricName.activeIndexVersion, label, Int(clamping: health.activeVersion))
            let running = shard.indexTaskStatus.flatMap { $0.state == .running ? $0 : nil }
            gauges.set(MetricName.indexBuildDone, label, running?.progressDone ?? 0)
            gauges.set(MetricName.indexBuildTotal, label, running?.progressTotal ?? 0)
        }
    }
}
