// ReplicaHealth: the coordinator's pure record of one replica (no I/O, no clock): a circuit breaker fed
// by call outcomes and health probes, and whether the replica lacks the cluster's active index version.
//
// Breaker: a transport failure (no reply in time, connection gone) opens it at once, so the next calls
// go to the shard's other replicas and a dead replica costs no latency after it was seen dead once. An
// open breaker is closed by any reply from the replica (a health probe every `deadlines.healthProbeMillis`,
// or a last-resort call when no other replica answered). `openings` counts openings, so a call in flight
// on the replica can see that another call has just found it dead and give up early.
//
// Lagging: a replica that lacks the active version (it was down or still building when an index job
// activated it, or it answered a pinned combine with FAILED_PRECONDITION) is tried last for combines
// until it has caught up (see Coordinator+CatchUp.swift).
import PPRCore
import PPRWire

/// One replica of one shard: `shard` and the replica's position in the shard's config list.
public struct ReplicaID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var shard: ShardID
    /// Index into the shard's `replicas` list of the config.
    public var replica: Int
    /// Makes an id.
    public init(shard: ShardID, replica: Int) {
        self.shard = shard
        self.replica = replica
    }
    /// `shard 0 replica 1`.
    public var description: String { "\(shard) replica \(replica)" }
    /// Shard order, then replica order.
    public static func < (lhs: ReplicaID, rhs: ReplicaID) -> Bool {
        (lhs.shard, lhs.replica) < (rhs.shard, rhs.replica)
    }
}

/// What the coordinator knows of one replica; mutated under ShardConnections' lock.
public struct ReplicaHealth: Sendable, Equatable {
    /// Transport failures since the last reply.
    public private(set) var consecutiveFailures = 0
    /// While open, calls try this replica only after every other replica of the shard.
    public private(set) var breakerOpen = false
    /// Times the breaker opened (a generation number for calls in flight).
    public private(set) var openings = 0
    /// The last transport failure, for status.
    public private(set) var lastError: String?
    /// The last health reply (a probe or a status call).
    public private(set) var lastHealth: WorkerHealth?
    /// The active version the replica is known to lack (set by catch-up, index jobs and pinned combines
    /// refused with FAILED_PRECONDITION); nil when it is not known to lack one.
    public var lacksVersion: UInt64?
    /// Catch-up in progress: the version being built, and the last error when it could not go on.
    public var catchUp: CatchUpState?

    /// Where a catch-up build stands.
    public struct CatchUpState: Sendable, Equatable {
        /// The active version being built.
        public var version: UInt64
        public var progressDone = 0
        public var progressTotal = 0
        /// Why catch-up stopped (retried at a probe `ReplicaCatchUp.retryInterval` later); nil while it goes on.
        public var error: String?
        /// When it stopped with `error`.
        public var failedAt: ContinuousClock.Instant?
    }

    /// A replica not heard of yet: breaker closed, not lagging.
    public init() {}

    /// A reply came (any reply, also an error reply): the replica is alive.
    mutating func replied() {
        consecutiveFailures = 0
        breakerOpen = false
        lastError = nil
    }

    /// A health reply came.
    mutating func replied(health: WorkerHealth) {
        replied()
        lastHealth = health
    }

    /// No reply (transport failure): opens the breaker.
    mutating func failed(_ error: WireError) {
        consecutiveFailures += 1
        lastError = error.message
        if !breakerOpen {
            breakerOpen = true
            openings += 1
        }
    }

    /// Whether combines pinned to `version` should try this replica only after the others.
    func lacks(_ version: UInt64?) -> Bool {
        guard let version, let lacksVersion else { return false }
        return lacksVersion == version
    }
}
