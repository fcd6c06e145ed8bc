// ServiceMetrics: every metric a PowerWalk process exports, named and labelled in one place (the README's
// metrics list mirrors this file). Metrics go through swift-metrics (CoreMetrics), so this module does
// not know the backend: `powerwalkd` bootstraps the Prometheus one (PPRObservability) once per process
// before any role is made; without a bootstrap (library use, in-process tests) they are no-ops.
import CoreMetrics
import Logging
import PPRWire
import Synchronization

/// Metric names (Prometheus style) and their label names.
public enum MetricName {
    /// Counter, labels `role` (front, worker), `method` (wire method name), `code` (OK or error code name).
    public static let requests = "powerwalk_requests_total"
    /// Histogram of request handling time in seconds, labels `role`, `method`, `code`.
    public static let requestDuration = "powerwalk_request_duration_seconds"
    /// Gauge: requests being handled now, label `role`.
    public static let requestsInFlight = "powerwalk_requests_in_flight"
    /// Counter: frontier entries (vertex, flow) a worker combined in answered combine requests, label `shard`.
    public static let combineEntries = "powerwalk_combine_entries_total"
    /// Counter: fingerprints read from the store by combines, label `shard`.
    public static let fingerprintsRead = "powerwalk_combine_fingerprints_read_total"
    /// Gauge: jobs in the coordinator's ledger by `state` (queued, running, succeeded, failed, cancelled).
    public static let jobs = "powerwalk_jobs"
    /// Gauge: work done by a running index build, label `shard` (a shard number on a worker; `all` on the
    /// coordinator: the running index job over every shard). 0 when none is running.
    public static let indexBuildDone = "powerwalk_index_build_done"
    /// Gauge: work total of a running index build, label `shard` as above (0 when none is running).
    public static let indexBuildTotal = "powerwalk_index_build_total"
    /// Gauge: the index version served (0 = none), label `shard` (a shard number, or `all` on the coordinator).
    public static let activeIndexVersion = "powerwalk_active_index_version"
    /// Gauge per shard replica as the coordinator sees it: 1 healthy (last call answered), 0 not;
    /// labels `shard`, `replica`.
    public static let replicaHealthy = "powerwalk_replica_healthy"
    /// Counter: listener restarts by the watchdog (an nng 1.5.2 listener that stopped accepting; see
    /// `ListenerWatchdog`), labels `role` (front, worker) and `outcome` (restarted, failed).
    public static let listenerRestarts = "powerwalk_listener_restarts_total"
}

/// Logs and counts what a server's listener watchdog did (`WireServer.ListenerEvent`).
public enum ListenerEventReport {
    /// The observer to hand to `WireServer` for the server of `role` (front, worker) listening on `url`.
    public static func observer(role: String, url: String, logger: Logger) -> WireServer.ListenerObserver {
        let restarted = Counter(
            label: MetricName.listenerRestarts, dimensions: [("role", role), ("outcome", "restarted")])
        let failed = Counter(label: MetricName.listenerRestarts, dimensions: [("role", role), ("outcome", "failed")])
        return { event in
            switch event {
            case .restarted:
                restarted.increment()
                logger.warning(
                    "listener had stopped accepting connections and was restarted; its connections were closed",
                    metadata: [
                        "url": "\(url)", "cause": "nng 1.5.2 issue 1518 (a connection failed during negotiation)",
                    ])
            case .restartFailed(let why):
                failed.increment()
                logger.error(
                    "listener had stopped accepting connections and listening again failed; retrying every second",
                    metadata: ["url": "\(url)", "error": "\(why)"])
            }
        }
    }
}

/// Request counts, latencies and in-flight gauges for one serving role; one instrumentation point
/// (the request dispatch, see `RequestGate`) instead of calls scattered through the handlers.
public final class RequestMetrics: Sendable {
    /// `front` (coordinator) or `worker`.
    public let role: String
    private let inFlight: Gauge
    private let handles = Mutex<[Key: (CoreMetrics.Counter, CoreMetrics.Timer)]>([:])

    private struct Key: Hashable {
        var method: Int32
        var code: Int32
    }

    /// Metrics labelled `role` (`front` or `worker`).
    public init(role: String) {
        self.role = role
        inFlight = Gauge(label: MetricName.requestsInFlight, dimensions: [("role", role)])
        inFlight.record(0)
    }

    /// Records one handled request: its count and its latency, by method and outcome code.
    public func record(method: WireMethod, response: WireResponse, elapsed: Duration) {
        let code = response.failure?.code ?? .ok
        let key = Key(method: method.rawValue, code: code.rawValue)
        let (counter, timer) = handles.withLock { handles in
            if let known = handles[key] { return known }
            let dimensions = [("role", role), ("method", method.description), ("code", code.description)]
            let made = (
                CoreMetrics.Counter(label: MetricName.requests, dimensions: dimensions),
                CoreMetrics.Timer(label: MetricName.requestDuration, dimensions: dimensions)
            )
            handles[key] = made
            return made
        }
        counter.increment()
        timer.recordInterval(elapsed)
    }

    /// Sets the number of requests being handled now.
    public func setInFlight(_ count: Int) { inFlight.record(count) }
}

extension CoreMetrics.Timer {
    /// Records a Swift `Duration` (nanoseconds, saturating).
    func recordInterval(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (nanos, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        recordNanoseconds(overflow ? .max : nanos &+ attoseconds / 1_000_000_000)
    }
}

/// What a worker's combines read, per shard.
public struct CombineMetrics: Sendable {
    private let entries: CoreMetrics.Counter
    private let fingerprints: CoreMetrics.Counter

    /// Counters of shard `shard`.
    public init(shard: Int) {
        entries = CoreMetrics.Counter(label: MetricName.combineEntries, dimensions: [("shard", "\(shard)")])
        fingerprints = CoreMetrics.Counter(label: MetricName.fingerprintsRead, dimensions: [("shard", "\(shard)")])
    }

    /// Counts frontier entries asked of this shard and fingerprints it read (`WorkerShard.countRead`).
    public func record(entries count: Int, fingerprints read: Int) {
        entries.increment(by: max(0, count))
        fingerprints.increment(by: max(0, read))
    }
}

/// Replica health as the coordinator's shard connections see it: one gauge per shard replica, 1 when its last
/// call was answered (any reply, error replies included), 0 after a transport failure (no reply in time,
/// connection gone). The replication work (ShardConnections's health tracking) calls `set` from its
/// success and failure paths; nothing else writes these gauges.
public final class ReplicaHealthMetrics: Sendable {
    private let gauges: [[Gauge]]

    /// Gauges for `replicaCounts[s]` replicas of each shard `s`, all starting at 1 (healthy until shown not).
    public init(replicaCounts: [Int]) {
        gauges = replicaCounts.enumerated().map { shard, count in
            (0..<count).map { replica in
                let gauge = Gauge(
                    label: MetricName.replicaHealthy, dimensions: [("shard", "\(shard)"), ("replica", "\(replica)")])
                gauge.record(1)
                return gauge
            }
        }
    }

    /// Records whether replica `replica` of shard `shard` is healthy; out-of-range indices are ignored.
    public func set(shard: Int, replica: Int, healthy: Bool) {
        guard gauges.indices.contains(shard), gauges[shard].indices.contains(replica) else { return }
        gauges[shard][replica].record(healthy ? 1 : 0)
    }
}

/// Gauges refreshed when metrics are scraped (job counts, build progress, active version): values that
/// are cheap to read on demand and awkward to push from every state change.
public final class ScrapeGauges: Sendable {
    private let gauges = Mutex<[String: Gauge]>([:])

    /// Makes an empty set of gauges.
    public init() {}

    /// Sets gauge `name` with `dimensions` to `value`, creating it on first use.
    public func set(_ name: String, _ dimensions: [(String, String)], _ value: Int) {
        let key = name + "|" + dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        let gauge = gauges.withLock { gauges in
            if let known = gauges[key] { return known }
            let made = Gauge(label: name, dimensions: dimensions)
            gauges[key] = made
            return made
        }
        gauge.record(value)
    }
}
