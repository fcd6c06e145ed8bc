// ShardConnections: the coordinator's connections to the workers, one WireClient per replica of every shard,
// with each replica's health (ReplicaHealth: circuit breaker, lagging version).
//
// A call to a shard tries its replicas within one deadline, in this order: healthy replicas (breaker
// closed, not known to lack a pinned version) starting at a round-robin position, so load spreads over
// them; then replicas known to lack the pinned version; last, replicas whose breaker is open. Each
// attempt on a healthy or lagging replica gets an equal share of the time left among those, so a silent
// replica cannot use up the whole budget, and an open replica only gets what is left after them.
// Failover: a transport failure (no reply in time, connection gone) opens the replica's breaker and moves
// on; for a request pinned to an index version (Combine), FAILED_PRECONDITION (the replica has no
// complete copy of that version) marks the replica lagging and moves on too. Any other error reply is
// the shard's answer and is passed on as it is. An attempt on a replica that another call finds dead
// meanwhile is abandoned at once (the breaker's opening count changes), so the calls in flight when a
// replica dies wait for the first detection only, not each for its own share of the deadline.
// When no replica answers, the error is UNAVAILABLE naming the shard, its URLs and the deadline; when
// every replica refused a pinned version, it is the last refusal.
// Dials are non-blocking, so the connections can be made before the workers start.
import PPRCore
import PPRWire
import Synchronization

/// WireClients to every replica of every shard, with health, failover and parallel fan-out.
public final class ShardConnections: Sendable {
    /// `replicas[s][r]` is replica `r` of shard `s`.
    private let replicas: [[Replica]]
    /// Exported replica health (1 answered, 0 transport failure), set by `attempt`.
    let replicaHealth: ReplicaHealthMetrics

    /// How often an attempt in flight looks whether its replica was found dead by another call.
    static let abandonCheckInterval: Duration = .milliseconds(20)

    /// Longest wait of a call to one replica whose breaker is open (it was dead at the last try; a probe
    /// closes the breaker when it answers again), so control calls do not wait a full deadline on it.
    private let openReplicaDeadline: Duration

    /// Dials every replica of `shards` (in the background); `tls` for `tls+tcp://` workers (mutual TLS).
    public init(
        shards: [ShardConfig], maxResponseBytes: Int = 256 << 20, tls: WireTLS? = nil,
        openReplicaDeadline: Duration = .milliseconds(500)
    ) throws(WireError) {
        self.openReplicaDeadline = openReplicaDeadline
        precondition(!shards.isEmpty, "a cluster has at least one shard")
        var replicas: [[Replica]] = []
        for (index, shard) in shards.enumerated() {
            guard !shard.replicas.isEmpty else {
                throw WireError(.invalidArgument, "shard \(index) has no replica configured")
            }
            var clients: [Replica] = []
            for (r, replica) in shard.replicas.enumerated() {
                let client = try WireClient(dialing: replica.url, maxResponseBytes: maxResponseBytes, tls: tls)
                clients.append(Replica(id: ReplicaID(shard: ShardID(index), replica: r), client: client))
            }
            replicas.append(clients)
        }
        self.replicas = replicas
        replicaHealth = ReplicaHealthMetrics(replicaCounts: replicas.map(\.count))
    }

    deinit { close() }

    /// Number of shards.
    public var shardCount: Int { replicas.count }

    /// Number of replicas of `shard`.
    public func replicaCount(of shard: ShardID) -> Int { replicas[shard.rawValue].count }

    /// Every replica of every shard, in shard then config order.
    public var allReplicas: [ReplicaID] { replicas.flatMap { $0.map(\.id) } }

    /// The URLs of `shard`'s replicas, in config order.
    public func urls(of shard: ShardID) -> [String] { replicas[shard.rawValue].map(\.client.url) }

    /// The URL of one replica.
    public func url(of replica: ReplicaID) -> String { self.replica(replica).client.url }

    /// What the connections know of a replica now (breaker, last health, lagging, catch-up).
    public func health(of replica: ReplicaID) -> ReplicaHealth { self.replica(replica).state.withLock { $0 } }

    /// Changes what the connections know of a replica (lagging and catch-up marks).
    func updateHealth<R>(of replica: ReplicaID, _ body: (inout ReplicaHealth) -> R) -> R {
        self.replica(replica).state.withLock { body(&$0) }
    }

    /// The shards grouped by worker process, from the replicas' last health replies (`WorkerHealth.shards`):
    /// shard `s` leads a group with the shards not yet grouped that every replica of `s` serves in its own
    /// process, so a block request to `s` naming them as co-shards can be answered whichever replica takes
    /// it. A shard with a replica not heard from yet stands alone. Groups ascending, each led by its
    /// smallest shard; every shard in exactly one group.
    public func processGroups() -> [[ShardID]] {
        var grouped = [Bool](repeating: false, count: replicas.count)
        var groups: [[ShardID]] = []
        for s in replicas.indices where !grouped[s] {
            grouped[s] = true
            var common: Set<Int>?
            for replica in replicas[s] {
                let served = Set(replica.state.withLock { $0.lastHealth?.shards.map(\.rawValue) ?? [] })
                common = common.map { $0.intersection(served) } ?? served
            }
            var group = [ShardID(s)]
            for t in (common ?? []).sorted() where t > s && t < replicas.count && !grouped[t] {
                grouped[t] = true
                group.append(ShardID(t))
            }
            groups.append(group)
        }
        return groups
    }

    /// Closes every connection; calls in flight fail with UNAVAILABLE. Idempotent.
    public func close() {
        for clients in replicas { for replica in clients { replica.client.close() } }
    }

    /// Sends `request` to `shard`, failing over between its replicas, all within `deadline`.
    ///
    /// - Throws: the worker's own `WireError`; UNAVAILABLE naming the shard when no replica answered in
    ///   time; INVALID_ARGUMENT for a shard outside the cluster; CANCELLED when the task is.
    public func call(_ shard: ShardID, _ request: WireRequest, deadline: Duration) async throws(WireError)
        -> WireResponse
    {
        guard shard.rawValue >= 0, shard.rawValue < replicas.count else {
            throw WireError(.invalidArgument, "\(shard) does not exist: the cluster has \(replicas.count) shards")
        }
        let pinned = Self.pinnedVersion(of: request)
        let (order, usable) = attemptOrder(shard.rawValue, pinned: pinned)
        let clock = ContinuousClock()
        let end = clock.now + deadline
        var failures: [String] = []
        var refusal: WireError?
        for (position, index) in order.enumerated() {
            let left = end - clock.now
            guard left > .zero else { break }
            let replica = replicas[shard.rawValue][index]
            let share = position < usable ? left / (usable - position) : left / (order.count - position)
            do {
                return try await attempt(replica, request, deadline: share, failsOver: order.count > 1)
            } catch {
                if Task.isCancelled { throw WireError(.cancelled, "\(request.method) to \(shard) cancelled") }
                if Self.isTransportFailure(error) {
                    failures.append(error.message)
                } else if let pinned, error.code == .failedPrecondition {
                    replica.state.withLock { $0.lacksVersion = pinned }
                    refusal = error
                } else {
                    throw error
                }
            }
        }
        if let refusal, failures.isEmpty { throw refusal }
        let urls = replicas[shard.rawValue].map(\.client.url).joined(separator: ", ")
        let detail = failures.isEmpty ? "" : " (\(failures.joined(separator: "; ")))"
        let refused = refusal.map { "; \($0.message)" } ?? ""
        throw WireError(
            .unavailable, "\(shard) (\(urls)) did not answer within \(Self.millis(deadline)) ms\(detail)\(refused)")
    }

    /// Sends `request` to one replica (no failover); its health is updated by the outcome.
    public func call(_ replica: ReplicaID, _ request: WireRequest, deadline: Duration) async throws(WireError)
        -> WireResponse
    {
        guard replica.shard.rawValue >= 0, replica.shard.rawValue < replicas.count,
            replica.replica >= 0, replica.replica < replicas[replica.shard.rawValue].count
        else { throw WireError(.invalidArgument, "\(replica) does not exist") }
        let target = self.replica(replica)
        let open = target.state.withLock { $0.breakerOpen }
        return try await attempt(
            target, request, deadline: open ? min(deadline, openReplicaDeadline) : deadline, failsOver: false)
    }

    /// Sends WorkerHealth to every replica at once; `result[s][r]` is replica `r` of shard `s`'s answer.
    /// Updates every replica's health (a probe: it closes the breaker of a replica that answers).
    public func healthOfEveryReplica(deadline: Duration) async -> [[Result<WorkerHealth, WireError>]] {
        let all = allReplicas
        let outcomes = await withTaskGroup(of: (ReplicaID, Result<WorkerHealth, WireError>).self) { group in
            for id in all {
                group.addTask {
                    do {
                        let reply = try await self.call(id, .workerHealth(WorkerHealthRequest()), deadline: deadline)
                        guard case .workerHealth(let health) = reply else {
                            return (id, .failure(WireError(.internal, "\(id) answered WorkerHealth with \(reply)")))
                        }
                        return (id, .success(health))
                    } catch {
                        return (id, .failure(error as? WireError ?? WireError(.internal, "\(error)")))
                    }
                }
            }
            var outcomes: [ReplicaID: Result<WorkerHealth, WireError>] = [:]
            for await (id, outcome) in group { outcomes[id] = outcome }
            return outcomes
        }
        return replicas.map { shard in shard.map { outcomes[$0.id]! } }
    }

    /// Sends `requests[s]` to shard `s` for every shard at once; results in shard order.
    ///
    /// Every call has the same deadline, so the whole fan-out ends within it (plus scheduling).
    public func fanOut(_ requests: [WireRequest], deadline: Duration) async -> [Result<WireResponse, WireError>] {
        precondition(requests.count == replicas.count, "one request per shard")
        let addressed = requests.enumerated().map { (ShardID($0.offset), $0.element) }
        return await fanOut(addressed, deadline: deadline).map(\.1)
    }

    /// Sends each request to its shard at once; results in the order of `requests`.
    public func fanOut(_ requests: [(ShardID, WireRequest)], deadline: Duration) async
        -> [(ShardID, Result<WireResponse, WireError>)]
    {
        // The child result is a named struct, not a tuple built in typed-throws `do` branches: the
        // latter miscompiled in release builds with Swift 6.3.1 (a garbage shard index, then a trap).
        await withTaskGroup(of: ShardReply.self) { group in
            for (position, (shard, request)) in requests.enumerated() {
                group.addTask {
                    let result: Result<WireResponse, WireError>
                    do {
                        result = .success(try await self.call(shard, request, deadline: deadline))
                    } catch {
                        result = .failure(error as? WireError ?? WireError(.internal, "\(error)"))
                    }
                    return ShardReply(position: position, shard: shard, result: result)
                }
            }
            var replies: [ShardReply] = []
            replies.reserveCapacity(requests.count)
            for await reply in group { replies.append(reply) }
            return replies.sorted { $0.position < $1.position }.map { ($0.shard, $0.result) }
        }
    }

    /// Like `fanOut`, but the first failure (lowest shard) is thrown.
    public func fanOutAll(_ requests: [WireRequest], deadline: Duration) async throws(WireError) -> [WireResponse] {
        var responses: [WireResponse] = []
        for result in await fanOut(requests, deadline: deadline) {
            switch result {
            case .success(let response): responses.append(response)
            case .failure(let error): throw error
            }
        }
        return responses
    }

    // MARK: Private

    private func replica(_ id: ReplicaID) -> Replica { replicas[id.shard.rawValue][id.replica] }

    /// Replica indices of `shard` in the order to try them, and how many come before the open ones.
    private func attemptOrder(_ shard: Int, pinned: UInt64?) -> (order: [Int], usable: Int) {
        let clients = replicas[shard]
        guard clients.count > 1 else { return ([0], 1) }
        var healthy: [Int] = []
        var lagging: [Int] = []
        var open: [Int] = []
        for (index, replica) in clients.enumerated() {
            let (isOpen, lacks) = replica.state.withLock { ($0.breakerOpen, $0.lacks(pinned)) }
            if isOpen { open.append(index) } else if lacks { lagging.append(index) } else { healthy.append(index) }
        }
        if healthy.count > 1 {
            let counter = clients[0].nextStart.add(1, ordering: .relaxed).oldValue
            let start = (counter & Int.max) % healthy.count
            healthy = Array(healthy[start...] + healthy[..<start])
        }
        return (healthy + lagging + open, healthy.count + lagging.count)
    }

    /// One call to one replica; its outcome updates the replica's health. With `failsOver`, the call is
    /// abandoned (UNAVAILABLE) as soon as another call opens the replica's breaker.
    private func attempt(
        _ replica: Replica, _ request: WireRequest, deadline: Duration, failsOver: Bool
    ) async throws(WireError) -> WireResponse {
        let result: Result<WireResponse, WireError>
        if failsOver {
            let openings = replica.state.withLock { $0.openings }
            result = await Self.race(replica, request, deadline: deadline, openings: openings)
        } else {
            do { result = .success(try await replica.client.call(request, deadline: deadline)) } catch {
                result = .failure(error)
            }
        }
        let id = replica.id
        switch result {
        case .success(let response):
            replicaHealth.set(shard: id.shard.rawValue, replica: id.replica, healthy: true)
            replica.state.withLock { state in
                if case .workerHealth(let health) = response { state.replied(health: health) } else { state.replied() }
            }
            return response
        case .failure(let error):
            if Self.isTransportFailure(error) {
                if !Task.isCancelled {
                    replicaHealth.set(shard: id.shard.rawValue, replica: id.replica, healthy: false)
                    replica.state.withLock { $0.failed(error) }
                }
            } else if error.code != .cancelled {
                replicaHealth.set(shard: id.shard.rawValue, replica: id.replica, healthy: true)
                replica.state.withLock { $0.replied() }
            }
            throw error
        }
    }

    /// The call, raced against a watcher of the replica's breaker: whichever ends first wins.
    private static func race(
        _ replica: Replica, _ request: WireRequest, deadline: Duration, openings: Int
    ) async -> Result<WireResponse, WireError> {
        await withTaskGroup(of: AttemptOutcome.self) { group in
            group.addTask {
                do { return .finished(.success(try await replica.client.call(request, deadline: deadline))) } catch {
                    return .finished(.failure(error as? WireError ?? WireError(.internal, "\(error)")))
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: abandonCheckInterval)
                    if replica.state.withLock({ $0.openings }) != openings { return .abandoned }
                }
                return .watcherStopped
            }
            defer { group.cancelAll() }
            while let outcome = await group.next() {
                switch outcome {
                case .finished(let result): return result
                case .abandoned:
                    return .failure(
                        WireError(.unavailable, "\(request.method) to \(replica.client.url) abandoned: replica failed"))
                case .watcherStopped: continue
                }
            }
            return .failure(WireError(.cancelled, "\(request.method) to \(replica.client.url) cancelled"))
        }
    }

    /// The index version a request is pinned to (a replica without it cannot answer it).
    private static func pinnedVersion(of request: WireRequest) -> UInt64? {
        if case .combine(let combine) = request { return combine.indexVersion }
        return nil
    }

    /// A failure of the connection rather than an answer from the worker.
    private static func isTransportFailure(_ error: WireError) -> Bool {
        error.code == .deadlineExceeded || error.code == .unavailable
    }

    /// Whole milliseconds of a duration, for messages.
    static func millis(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}

/// One replica: its connection and what is known of it.
private final class Replica: Sendable {
    let id: ReplicaID
    /// Owned; closed by `ShardConnections.close()`..
    let client: WireClient
    let state = Mutex(ReplicaHealth())
    /// Used on a shard's first replica only: where the shard's next call starts among its healthy
    /// replicas (round-robin).
    let nextStart = Atomic<Int>(0)

    init(id: ReplicaID, client: WireClient) {
        self.id = id
        self.client = client
    }
}

/// How a raced attempt ended.
private enum AttemptOutcome: Sendable {
    case finished(Result<WireResponse, WireError>)
    case abandoned
    case watcherStopped
}

/// One shard's outcome in a fan-out, with the position of its request.
private struct ShardReply: Sendable {
    var position: Int
    var shard: ShardID
    var result: Result<WireResponse, WireError>
}
