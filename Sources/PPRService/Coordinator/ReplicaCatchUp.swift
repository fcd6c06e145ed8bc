// ReplicaCatchUp: the coordinator's replica supervisor (DESIGN §5 Replicas). Every
// `deadlines.healthProbeMillis` it probes every replica with WorkerHealth (which closes the breaker of a
// replica that answers again, see ReplicaHealth) and compares each replica's active version with the
// cluster's. A replica without the active version (it was down or still building when an index job
// activated it, or it was restarted with an old or empty store) is marked lagging: combines go to it
// only when no other replica of its shard answers, and it answers those with FAILED_PRECONDITION anyway
// (the coordinator pins the active version), so it serves nothing until it has the version. Then,
// without operator action, it is brought up to date:
//   1. ActivateVersion(V): enough when the replica holds V complete (e.g. it finished after the job);
//   2. otherwise StartIndexTask(V) with the active version's walk parameters and seed (from the workers'
//      manifests), which rebuilds exactly the store its peers have (the build is deterministic), polled
//      every `pollInterval`, then ActivateVersion(V).
// When the replica then reports V active, the lagging mark is cleared and it serves again. Catch-up waits
// while an index job runs (a worker builds one version at a time) and stops if the active version
// changes meanwhile; a failed step is logged, shown in `pwctl status`, and retried `retryInterval` later.
// A replica killed in the middle of building V rebuilds over the unfinished V in its store. One case needs a
// new index job: a replica whose store holds a later (failed) version refuses to build the older V.
import Logging
import PPRCore
import PPRWire
import Synchronization

/// Probes replicas and catches up the ones that lack the active index version.
final class ReplicaCatchUp: Sendable {
    private let shards: ShardConnections
    private let graphChecksum: UInt64
    /// Walk threads of a catch-up build (`index.threads`; 0 = all cores).
    private let threads: Int
    /// Time between probe rounds, and the deadline of each probe.
    let probeInterval: Duration
    /// How long a replica whose catch-up failed waits before the next attempt.
    static let retryInterval: Duration = .seconds(10)
    private let controlDeadline: Duration
    private let pollInterval: Duration
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        /// Index jobs running now; catch-up waits while there is one.
        var buildsRunning = 0
        /// One catch-up task per replica at most.
        var tasks: [ReplicaID: Task<Void, Never>] = [:]
        var loop: Task<Void, Never>?
        var stopped = false
        /// The active index and its walk parameters, if any (from the coordinator).
        var target: (@Sendable () async -> ActiveIndex?)?
    }

    init(
        shards: ShardConnections, config: ServiceConfig, graphChecksum: UInt64, logger: Logger,
        pollInterval: Duration = .milliseconds(250)
    ) {
        self.shards = shards
        self.graphChecksum = graphChecksum
        threads = config.index.threads
        probeInterval = .milliseconds(config.deadlines.healthProbeMillis)
        controlDeadline = .milliseconds(config.deadlines.controlMillis)
        self.pollInterval = pollInterval
        self.logger = logger
    }

    /// Starts the probe loop (idempotent); `target` gives the active index and its walk parameters.
    func start(target: @escaping @Sendable () async -> ActiveIndex?) {
        state.withLock { state in
            guard state.loop == nil, !state.stopped else { return }
            state.target = target
            state.loop = Task { [weak self] in
                while !Task.isCancelled {
                    guard let self else { return }
                    await self.tick()
                    try? await Task.sleep(for: self.probeInterval)
                }
            }
        }
    }

    /// Stops the probe loop and every catch-up task, and waits for them.
    func stop() async {
        for task in cancel() { await task.value }
    }

    /// Stops the probe loop and every catch-up task without waiting (a coordinator closed in a hurry);
    /// returns the cancelled tasks.
    @discardableResult
    func cancel() -> [Task<Void, Never>] {
        let tasks = state.withLock { state in
            state.stopped = true
            defer {
                state.loop = nil
                state.tasks = [:]
            }
            return Array(state.tasks.values) + (state.loop.map { [$0] } ?? [])
        }
        for task in tasks { task.cancel() }
        return tasks
    }

    /// An index job starts (catch-up tasks are stopped and wait) or ends.
    func indexBuild(running: Bool) async {
        let stopping = state.withLock { state -> [Task<Void, Never>] in
            state.buildsRunning = max(0, state.buildsRunning + (running ? 1 : -1))
            guard running else { return [] }
            defer { state.tasks = [:] }
            return Array(state.tasks.values)
        }
        for task in stopping { task.cancel() }
        for task in stopping { await task.value }
    }

    /// Marks replicas as lacking `version` (an index job left them behind).
    func markLagging(_ replicas: [ReplicaID], version: UInt64) {
        for replica in replicas { shards.updateHealth(of: replica) { $0.lacksVersion = version } }
    }

    /// One probe round, then catch-up decisions against the active index.
    func tick() async {
        let healths = await shards.healthOfEveryReplica(deadline: probeInterval)
        // During an index job replicas switch to the new version before the cluster does: no decisions.
        guard state.withLock({ $0.buildsRunning == 0 }), let index = await target() else { return }
        for (s, shard) in healths.enumerated() {
            for (r, outcome) in shard.enumerated() {
                guard case .success(let health) = outcome else { continue }
                let replica = ReplicaID(shard: ShardID(s), replica: r)
                if health.activeVersion == index.version {
                    shards.updateHealth(of: replica) { health in
                        if health.lacksVersion != nil { health.lacksVersion = nil }
                        health.catchUp = nil
                    }
                    continue
                }
                shards.updateHealth(of: replica) { $0.lacksVersion = index.version }
                startCatchUp(replica, index: index)
            }
        }
    }

    // MARK: Private

    private func target() async -> ActiveIndex? {
        guard let target = state.withLock({ $0.target }) else { return nil }
        return await target()
    }

    private func startCatchUp(_ replica: ReplicaID, index: ActiveIndex) {
        let failed = shards.health(of: replica).catchUp
        if let failed, failed.version == index.version, let at = failed.failedAt, .now - at < Self.retryInterval {
            return
        }
        state.withLock { state in
            guard !state.stopped, state.buildsRunning == 0, state.tasks[replica] == nil else { return }
            state.tasks[replica] = Task { [self] in
                await catchUp(replica, index: index)
                _ = self.state.withLock { $0.tasks.removeValue(forKey: replica) }
            }
        }
    }

    /// Activates `index.version` on `replica`, building it first when the replica does not hold it.
    private func catchUp(_ replica: ReplicaID, index: ActiveIndex) async {
        let version = index.version
        var building = false
        shards.updateHealth(of: replica) { $0.catchUp = .init(version: version) }
        do throws(WireError) {
            if try await activate(replica, version) { return finished(replica, version) }
            logger.notice("replica lacks the active index version; building it", metadata: meta(replica, version))
            let request = IndexTaskRequest(
                version: version, walk: index.walk, threads: threads, graphChecksum: graphChecksum)
            var status = try taskStatus(
                try await shards.call(replica, .startIndexTask(request), deadline: controlDeadline))
            building = true
            while status.state == .running {
                shards.updateHealth(of: replica) { health in
                    health.catchUp?.progressDone = status.progressDone
                    health.catchUp?.progressTotal = status.progressTotal
                }
                do { try await Task.sleep(for: pollInterval) } catch { throw WireError(.cancelled, "catch-up stopped") }
                guard await target()?.version == version else {
                    throw WireError(.cancelled, "the active version changed")
                }
                let reply = try await shards.call(
                    replica, .getIndexTask(GetIndexTaskRequest(version: version)), deadline: controlDeadline)
                status = try taskStatus(reply)
            }
            guard status.state == .succeeded else {
                throw status.error ?? WireError(.unknown, "index task of version \(version) ended \(status.state)")
            }
            building = false
            guard await target()?.version == version, !Task.isCancelled else {
                throw WireError(.cancelled, "the active version changed")
            }
            guard try await activate(replica, version) else {
                throw WireError(.failedPrecondition, "version \(version) is complete but could not be activated")
            }
            finished(replica, version)
        } catch {
            if building {
                let (shards, deadline) = (shards, controlDeadline)
                await Task.detached {
                    _ = try? await shards.call(
                        replica, .cancelIndexTask(CancelIndexTaskRequest(version: version)), deadline: deadline)
                }.value
            }
            let stopped = error.code == .cancelled
            shards.updateHealth(of: replica) { health in
                if stopped {
                    health.catchUp = nil
                } else {
                    health.catchUp?.error = error.message
                    health.catchUp?.failedAt = .now
                }
            }
            if !stopped {
                var metadata = meta(replica, version)
                metadata["error"] = "\(error)"
                logger.warning("replica catch-up failed; retried at a later probe", metadata: metadata)
            }
        }
    }

    /// ActivateVersion(version) on the replica: true when done, false when it does not hold it complete.
    private func activate(_ replica: ReplicaID, _ version: UInt64) async throws(WireError) -> Bool {
        do throws(WireError) {
            let reply = try await shards.call(
                replica, .activateVersion(ActivateVersionRequest(version: version)), deadline: controlDeadline)
            guard case .activateVersion(let activated) = reply, activated.activeVersion == version else {
                throw WireError(.internal, "\(replica) answered ActivateVersion with \(reply)")
            }
            return true
        } catch {
            if error.code == .failedPrecondition || error.code == .notFound { return false }
            throw error
        }
    }

    private func finished(_ replica: ReplicaID, _ version: UInt64) {
        shards.updateHealth(of: replica) { health in
            if health.lacksVersion == version { health.lacksVersion = nil }
            health.catchUp = nil
        }
        logger.info("replica caught up: serving the active index version", metadata: meta(replica, version))
    }

    private func taskStatus(_ reply: WireResponse) throws(WireError) -> IndexTaskStatus {
        guard case .indexTask(let status) = reply else { throw WireError(.internal, "unexpected reply \(reply)") }
        return status
    }

    private func meta(_ replica: ReplicaID, _ version: UInt64) -> Logger.Metadata {
        ["replica": "\(replica)", "url": "\(shards.url(of: replica))", "version": "\(version)"]
    }
}
