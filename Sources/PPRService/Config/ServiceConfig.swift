import Foundation
import PPRCore

/// Everything a PowerWalk process needs to know about its cluster, decoded in one place.
///
/// Sources, later ones winning: built-in defaults, the YAML file, `POWERWALK_*` environment variables,
/// then command-line flags (applied by the CLI). `ConfigLoader` does the reading. Every key, its unit and its default are documented in
/// `config/README.md`; the two example files in `config/` are kept valid by a test.
public struct ServiceConfig: Equatable, Sendable {
    /// Path of the binary graph file (from `pwctl ingest`); every process maps it read-only.
    public var graph: String
    /// The shards, in shard-id order; their count fixes the vertex partition.
    public var shards: [ShardConfig]
    public var coordinator: CoordinatorConfig
    public var index: IndexDefaults
    public var query: QueryDefaults
    public var deadlines: Deadlines
    public var limits: Limits
    /// TLS certificates and tokens (the `security:` section); `nil` = plain TCP, loopback only by default.
    public var security: SecurityConfig? = nil
    /// The HTTP probe and metrics listener (off unless `metrics.listen` is set).
    public var metrics = MetricsConfig()
    /// Graceful shutdown on SIGTERM/SIGINT.
    public var shutdown = ShutdownConfig()

    public init(
        graph: String, shards: [ShardConfig], coordinator: CoordinatorConfig = .init(),
        index: IndexDefaults = .init(), query: QueryDefaults = .init(), deadlines: Deadlines = .init(),
        limits: Limits = .init()
    ) {
        self.graph = graph
        self.shards = shards
        self.coordinator = coordinator
        self.index = index
        self.query = query
        self.deadlines = deadlines
        self.limits = limits
    }

    /// The vertex → shard function implied by the shard count.
    public var partition: Partition { Partition(shardCount: shards.count) }
}

/// One shard: the worker replicas that serve it (every replica holds every active version; the
/// coordinator spreads calls over the healthy ones and fails over between them).
public struct ShardConfig: Equatable, Sendable {
    public var replicas: [ReplicaConfig]
    public init(replicas: [ReplicaConfig]) { self.replicas = replicas }
}

/// A worker endpoint serving one shard.
public struct ReplicaConfig: Equatable, Sendable {
    /// NNG URL the worker listens on and the coordinator dials (`tcp://host:port`, `ipc:///path`).
    public var url: String
    /// Directory of this replica's LMDB fingerprint store.
    public var dataDir: String
    public init(url: String, dataDir: String) {
        self.url = url
        self.dataDir = dataDir
    }
}

/// The front and its own metadata store.
public struct CoordinatorConfig: Equatable, Sendable {
    /// NNG URL of the client front.
    public var listen: String = "tcp://127.0.0.1:7400"
    /// Directory of the coordinator's LMDB (job records, index versions).
    public var dataDir: String = "powerwalk-data/coordinator"
    /// Requests served at once (NNG REP contexts).
    public var concurrency: Int = 16
    /// The job directory (`coordinator.jobFilesDir`): batch inputs and outputs are read and written only
    /// inside it; nil = `<dataDir>/jobs`. See `jobFilesDirectory`.
    public var jobFilesDir: String?
    /// Helper threads one query may borrow while cores are idle (`coordinator.queryHelpers`, 0 = none): the
    /// coordinator's expand step, and in an all-in-one cluster the workers' combine (`IdleCores`; separate
    /// worker processes take `WorkerOptions.combineHelpers`). A helper starts only when this process has one
    /// query in flight and a core of the host is free, so loaded servers use none.
    public var queryHelpers: Int = 1
    /// When the PPR-equation steps after a query's merge take their `queryHelpers` helpers
    /// (`coordinator.stepHelpers`): see `StepHelperPolicy`.
    public var stepHelpers: StepHelperPolicy = .idle
    /// How the workers' dense partial sums travel (`coordinator.replyPrecision`): see `ReplyPrecision`.
    public var replyPrecision: ReplyPrecision = .double
    /// The job directory in effect: `jobFilesDir`, or `<dataDir>/jobs`.
    public var jobFilesDirectory: String { jobFilesDir ?? "\(dataDir)/jobs" }
    public init(
        listen: String = "tcp://127.0.0.1:7400", dataDir: String = "powerwalk-data/coordinator", concurrency: Int = 16
    ) {
        self.listen = listen
        self.dataDir = dataDir
        self.concurrency = concurrency
    }
}

/// When the coordinator's PPR-equation steps (after the merge of a query) start their helper threads. The
/// answer is the same either way (the steps' bands are summed in a fixed order); only the speed changes.
public enum StepHelperPolicy: String, CaseIterable, Equatable, Sendable {
    /// Only while the query's round is the only one in flight and fewer threads than cores are busy.
    case idle
    /// Always (started on Dispatch's pool, counted busy while they run), whatever the load.
    case always

    /// The names a configuration may give, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// How workers send the dense partial sums of single queries to the coordinator.
public enum ReplyPrecision: String, CaseIterable, Equatable, Sendable {
    /// 64-bit doubles: answers are identical (same ids, same scores) whatever the shard count.
    case double
    /// 32-bit floats, each sum rounded to nearest (relative error at most 2^-24 per shard's sum): half the reply
    /// bytes; answers then differ between shard counts within that rounding.
    case float

    /// The names a configuration may give, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// Index build parameters used when a job does not give its own.
public struct IndexDefaults: Equatable, Sendable {
    public var walks: Int = WalkParameters.defaultWalksPerVertex
    public var maxLength: Int = WalkParameters.defaultMaxWalkLength
    public var alpha: Double = PPRDefaults.restartProbability
    public var seed: UInt64 = WalkParameters.defaultSeed
    /// Walk threads per worker; 0 = all cores.
    public var threads: Int = 0
    public init() {}
}

/// Query knobs used when a request does not give its own.
public struct QueryDefaults: Equatable, Sendable {
    public var topK: Int = 10
    /// The preset of requests that name none (`query.accuracy`); it also supplies `eps` and `maxLevels`
    /// unless the config sets them.
    public var accuracy: AccuracyPreset = .default
    public var eps: Double = QueryParameters.defaultEps
    public var maxLevels: Int = QueryParameters.defaultMaxLevels
    public init() {}
}

/// How long a process waits for another, in milliseconds.
public struct Deadlines: Equatable, Sendable {
    /// Coordinator → worker combine call.
    public var combineMillis: Int = 2_000
    /// Coordinator → worker control calls (index task, activate, health).
    public var controlMillis: Int = 5_000
    /// Coordinator → every replica health probe: the time between probe rounds and each probe's deadline.
    /// An open circuit breaker closes at the first probe answered; catch-up of lagging replicas starts
    /// at a probe.
    public var healthProbeMillis: Int = 500
    public init() {}
}

/// Size limits, in bytes.
public struct Limits: Equatable, Sendable {
    /// Largest request a server accepts; larger ones are refused with RESOURCE_EXHAUSTED.
    public var maxRequestBytes: Int = 16 << 20
    /// LMDB map size of each store (sparse on disk; an upper bound, not an allocation).
    public var mapSizeBytes: Int = 1 << 40
    /// Memory each worker store may use for its versions' fingerprints decoded for the combine
    /// (`ResidentFingerprints`: 6 bytes per entry plus 8 per vertex; a build briefly holds 4 more per
    /// vertex); a version above it is combined from LMDB. 0: none. The budget is per store: a worker
    /// serving several shards may use it once for each.
    public var residentFingerprintBytes: Int = 1 << 30
    /// Frontier entries (over all shards) one combine round may carry; a larger batch of queries is
    /// answered in several rounds. Bounds a worker's work per request (well inside the combine deadline)
    /// and the request and reply sizes. soc-Slashdot0902 queries have about 26k entries each.
    public var combineEntries: Int = 1 << 17
    /// Largest request the client front accepts (`limits.maxFrontRequestBytes`). Client requests are
    /// small (a 20,000-query batch is about 400 KB); the front's receive limit is twice this, and
    /// a connection declaring a larger message is closed before it is read.
    public var maxFrontRequestBytes: Int = 2 << 20
    /// Connections each listening socket (the front, each worker shard) holds at once; a new one
    /// replaces the longest-silent connection that awaits no reply (or is closed when all await one).
    /// Bounds the memory partly sent messages can hold to this × twice the request limit
    /// (`limits.maxConnections`).
    public var maxConnections: Int = 256
    /// A connection that awaits no reply and has been silent this long (no complete request received,
    /// no reply sent, counted from its connect) is closed: the receive deadline of a partly sent message
    /// (`limits.idleConnectionMillis`, milliseconds). Clients redial by themselves.
    public var idleConnectionMillis: Int = 60_000
    /// Ranked vertices one reply may carry: for BATCH_QUERY the sum over its queries of
    /// min(top_k, vertex count), checked before any work (`limits.maxReplyEntries`; RESOURCE_EXHAUSTED
    /// above it). About 17 bytes each on the wire; at least `EngineLimits.topK`'s bound, so any single query
    /// fits.
    public var maxReplyEntries: Int = 1 << 21
    public init() {}
}

/// The per-process HTTP listener for /metrics, /healthz and /readyz.
public struct MetricsConfig: Equatable, Sendable {
    /// `HOST:PORT` to serve on (e.g. `127.0.0.1:9464`); nil = no listener.
    public var listen: String?
    public init(listen: String? = nil) { self.listen = listen }
}

/// What SIGTERM/SIGINT waits for.
public struct ShutdownConfig: Equatable, Sendable {
    /// Longest wait, in milliseconds, for requests in flight to answer after SIGTERM/SIGINT (new ones
    /// are refused at once); what is still running then is cancelled.
    public var gracePeriodMillis: Int = 10_000
    /// Upper bound of `gracePeriodMillis` (10 minutes): a stop must not hang for ever.
    public static let maxGracePeriodMillis = 600_000
    public init(gracePeriodMillis: Int = 10_000) { self.gracePeriodMillis = gracePeriodMillis }
}
