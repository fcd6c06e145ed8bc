// Index job (DESIGN §3 Index versions, §5 Replicas): build a new fingerprint version on every replica of
// every shard, then activate it.
//
// 1. Version: the ledger's next number, raised above the active version and anything a reachable replica
//    reports (its active version and its last task), so no worker is asked to reuse a number.
// 2. StartIndexTask on every replica; poll GetIndexTask on the ones building every `pollInterval`;
//    progress = per shard, the furthest replica's vertices done, summed, over the shards' totals.
//    A replica that refuses, whose task fails, or that misses `maxMissedPolls` polls in a row is dropped
//    (it will catch up); the job fails only when a shard has no replica left.
// 3. As soon as every shard has at least one replica whose task succeeded: ActivateVersion on each of
//    those, then `context.setActiveIndexVersion` switches queries. Replicas still building, down, or
//    failing activation are reported lagging: the coordinator's catch-up finishes or rebuilds the version
//    on them (the build is deterministic, so their store equals their peers'), and they serve nothing
//    of it until they have it.
// Any failure or a cancel before the switch: CancelIndexTask on every replica (best effort) and the
// active version is left untouched. If activation fails part-way, the replicas that already switched
// are switched back to their previous version (best effort; workers keep it for rollback), so the
// shards agree again and a restarted coordinator still finds one common active version.
// While the job runs, catch-up builds wait (a worker builds one version at a time).
import Logging
import PPRCore
import PPRStorage
import PPRWire

/// One run of an index job.
struct IndexJob {
    let job: ResolvedIndexJob
    let handle: JobHandle

    func run() async throws(WireError) -> JobResult {
        await handle.context.indexBuild(running: true)
        do {
            let result = try await build()
            await handle.context.indexBuild(running: false)
            return result
        } catch {
            await handle.context.indexBuild(running: false)
            throw error
        }
    }

    private func build() async throws(WireError) -> JobResult {
        let context = handle.context
        let deadline = handle.settings.controlDeadline
        let version = try await chooseVersion()
        let replicas = context.allReplicas
        handle.logger.info(
            "job \(handle.id): building index version \(version) on \(context.shardCount) shards, \(replicas.count) replicas"
        )
        let request = IndexTaskRequest(
            version: version, walk: job.walk, threads: job.threads, graphChecksum: context.graph.checksum)
        var switched: [(replica: ReplicaID, previous: UInt64)] = []
        var progress = BuildProgress(shardCount: context.shardCount)
        do throws(WireError) {
            let started = await Self.callEach(replicas, context: context, deadline: deadline) { _ in
                .startIndexTask(request)
            }
            for (replica, outcome) in started {
                do throws(WireError) {
                    progress.record(replica, try Self.taskStatus(replica, outcome.get()))
                } catch {
                    progress.drop(replica, error, logger: handle.logger)
                }
            }
            try progress.checkEveryShardHasAReplica(version: version)
            try await waitForTasks(version: version, progress: &progress)
            try handle.checkCancelled()  // the last point where a cancel stops the job
            switched = await Self.activate(
                version, on: progress.succeeded, context: context, deadline: deadline, logger: handle.logger)
            let activatedShards = Set(switched.map { $0.replica.shard })
            for s in 0..<context.shardCount where !activatedShards.contains(ShardID(s)) {
                throw WireError(.unavailable, "\(ShardID(s)): no replica activated index version \(version)")
            }
            try await context.setActiveIndexVersion(version)
        } catch {
            await Self.rollBack(switched, context: context, deadline: deadline)
            await Self.cancelEverywhere(version: version, context: context, deadline: deadline)
            throw error
        }
        let activated = Set(switched.map(\.replica))
        let lagging = replicas.filter { !activated.contains($0) }
        if !lagging.isEmpty {
            let names = lagging.map(\.description).joined(separator: ", ")
            handle.logger.notice(
                "job \(handle.id): index version \(version) active; lagging replicas will catch up: \(names)")
            await context.markLagging(lagging, version: version)
        }
        return JobResult(indexVersion: version)
    }

    /// A number above everything the ledger, the coordinator and the reachable replicas know of.
    private func chooseVersion() async throws(WireError) -> UInt64 {
        let context = handle.context
        var minimum = (await context.activeIndexVersion() ?? 0) + 1
        let base = minimum
        let replies = await Self.callEach(
            context.allReplicas, context: context, deadline: handle.settings.controlDeadline
        ) {
            _ in .workerHealth(WorkerHealthRequest())
        }
        var reachable: Set<ShardID> = []
        var lastError: [ShardID: WireError] = [:]
        for (replica, outcome) in replies {
            switch outcome {
            case .success(.workerHealth(let health)):
                reachable.insert(replica.shard)
                for reported in [health.activeVersion, health.indexTask?.version ?? 0]
                where reported < base + Self.maxAdoptedLead {
                    minimum = max(minimum, reported + 1)
                }
            case .success(let other): lastError[replica.shard] = Self.unexpected(other, replica)
            case .failure(let error): lastError[replica.shard] = Self.named(error, replica)
            }
        }
        for s in 0..<context.shardCount where !reachable.contains(ShardID(s)) {
            throw lastError[ShardID(s)] ?? WireError(.unavailable, "\(ShardID(s)): no replica answered")
        }
        return try await handle.runner.reserveIndexVersion(for: handle.id, atLeast: minimum)
    }

    /// How far above the coordinator's own active version a worker's version number is still adopted. A
    /// larger one (a stray or hostile request's) is ignored: workers accept a free number below it, so it
    /// cannot drag the numbering up to the limit (FingerprintStore.maxVersion) and lock out later jobs.
    static let maxAdoptedLead: UInt64 = 1 << 20

    /// Polls the building replicas until every shard has one whose task succeeded; throws when a shard
    /// has no replica left, or on a cancel.
    private func waitForTasks(version: UInt64, progress: inout BuildProgress) async throws(WireError) {
        let context = handle.context
        while true {
            try handle.checkCancelled()
            let replies = await Self.callEach(
                progress.building, context: context, deadline: handle.settings.controlDeadline
            ) { _ in .getIndexTask(GetIndexTaskRequest(version: version)) }
            for (replica, outcome) in replies {
                do throws(WireError) {
                    progress.record(replica, try Self.taskStatus(replica, outcome.get()))
                } catch {
                    progress.missed(replica, error, logger: handle.logger)
                }
            }
            try progress.checkEveryShardHasAReplica(version: version)
            await handle.progress(progress.done, of: progress.total)
            if progress.everyShardSucceeded { return }
            do { try await Task.sleep(for: handle.settings.pollInterval) } catch {
                throw WireError(.cancelled, "job \(handle.id) was cancelled")
            }
        }
    }

    /// ActivateVersion on each of `replicas`; returns the ones that switched with their previous version.
    /// Runs to its end even if the job is cancelled meanwhile (a detached task): a cancel arriving during
    /// the switch must not leave some replicas switched and others not. Such a cancel loses to the
    /// success (`JobRunner.finish`: success wins, its effects happened).
    private static func activate(
        _ version: UInt64, on replicas: [ReplicaID], context: any JobContext, deadline: Duration, logger: Logger
    ) async -> [(replica: ReplicaID, previous: UInt64)] {
        await Task.detached {
            var switched: [(replica: ReplicaID, previous: UInt64)] = []
            for replica in replicas {
                do throws(WireError) {
                    let reply = try await context.callReplica(
                        replica, .activateVersion(ActivateVersionRequest(version: version)), deadline: deadline)
                    guard case .activateVersion(let activated) = reply else { throw Self.unexpected(reply, replica) }
                    switched.append((replica, activated.previousVersion))
                } catch {
                    logger.warning("\(replica) did not activate index version \(version): \(error)")
                }
            }
            return switched
        }.value
    }

    /// Re-activates each switched replica's previous version (best effort; 0 means it had none). Runs even
    /// if the caller was cancelled (a cancel is one reason to roll back), like `cancelEverywhere`.
    private static func rollBack(
        _ switched: [(replica: ReplicaID, previous: UInt64)], context: any JobContext, deadline: Duration
    ) async {
        await Task.detached {
            for (replica, previous) in switched where previous != 0 {
                _ = try? await context.callReplica(
                    replica, .activateVersion(ActivateVersionRequest(version: previous)), deadline: deadline)
            }
        }.value
    }

    /// CancelIndexTask for `version` on every replica, ignoring failures; runs even if the caller was cancelled.
    static func cancelEverywhere(version: UInt64, context: any JobContext, deadline: Duration) async {
        await Task.detached {
            _ = await callEach(context.allReplicas, context: context, deadline: deadline) { _ in
                .cancelIndexTask(CancelIndexTaskRequest(version: version))
            }
        }.value
    }

    /// Sends each replica its request at once; outcomes in the order of `replicas`.
    static func callEach(
        _ replicas: [ReplicaID], context: any JobContext, deadline: Duration,
        _ request: @escaping @Sendable (ReplicaID) -> WireRequest
    ) async -> [(ReplicaID, Result<WireResponse, WireError>)] {
        await withTaskGroup(of: ReplicaReply.self) { group in
            for (position, replica) in replicas.enumerated() {
                group.addTask {
                    let result: Result<WireResponse, WireError>
                    do {
                        result = .success(try await context.callReplica(replica, request(replica), deadline: deadline))
                    } catch {
                        result = .failure(error as? WireError ?? WireError(.internal, "\(error)"))
                    }
                    return ReplicaReply(position: position, replica: replica, result: result)
                }
            }
            var replies: [ReplicaReply] = []
            for await reply in group { replies.append(reply) }
            return replies.sorted { $0.position < $1.position }.map { ($0.replica, $0.result) }
        }
    }

    private static func taskStatus(_ replica: ReplicaID, _ reply: WireResponse) throws(WireError) -> IndexTaskStatus {
        guard case .indexTask(let status) = reply else { throw unexpected(reply, replica) }
        return status
    }

    /// The error with the shard named, unless it already names it.
    static func named(_ error: WireError, _ replica: ReplicaID) -> WireError {
        error.message.contains("\(replica.shard)") ? error : WireError(error.code, "\(replica): \(error.message)")
    }

    private static func unexpected(_ reply: WireResponse, _ replica: ReplicaID) -> WireError {
        WireError(.internal, "\(replica) sent an unexpected reply: \(reply)")
    }
}

/// Where an index build stands on every replica: which still build, which succeeded, which dropped out.
struct BuildProgress {
    let shardCount: Int
    /// The last status of each replica still in the build (running or succeeded).
    private(set) var statuses: [ReplicaID: IndexTaskStatus] = [:]
    /// The last error of each shard's dropped replica (the job's error if the shard has none left).
    private var lastError: [ShardID: WireError] = [:]
    /// Polls in a row that got no answer, per replica still building.
    private var misses: [ReplicaID: Int] = [:]
    /// Polls in a row without an answer after which a replica leaves the build: one missed poll (a probe
    /// that timed out on a busy machine, a slow reply) is not a dead replica.
    static let maxMissedPolls = 3

    init(shardCount: Int) { self.shardCount = shardCount }

    /// Replicas whose task is running, in id order.
    var building: [ReplicaID] { statuses.filter { $0.value.state == .running }.keys.sorted() }
    /// Replicas whose task succeeded, in id order.
    var succeeded: [ReplicaID] { statuses.filter { $0.value.state == .succeeded }.keys.sorted() }

    /// Whether every shard has a replica whose task succeeded.
    var everyShardSucceeded: Bool { Set(succeeded.map(\.shard)).count == shardCount }

    /// Per shard the furthest replica's vertices done, summed.
    var done: Int { perShard(\.progressDone) }
    /// Per shard the largest total, summed.
    var total: Int { perShard(\.progressTotal) }

    /// Records a replica's status; a failed or cancelled task drops it.
    mutating func record(_ replica: ReplicaID, _ status: IndexTaskStatus) {
        misses[replica] = nil
        switch status.state {
        case .running, .succeeded: statuses[replica] = status
        case .failed, .cancelled:
            let why = status.error ?? WireError(.unknown, "no reason given")
            let what = status.state == .failed ? "failed" : "was cancelled"
            statuses[replica] = nil
            lastError[replica.shard] = WireError(
                why.code == .cancelled ? .unavailable : why.code,
                "\(replica.shard): index task of version \(status.version) \(what): \(why.message)")
        }
    }

    /// A poll of a building replica failed: a transport failure drops it after `maxMissedPolls` in a row,
    /// an error reply (e.g. the worker lost the task in a restart) at once.
    mutating func missed(_ replica: ReplicaID, _ error: WireError, logger: Logger) {
        let transport = error.code == .deadlineExceeded || error.code == .unavailable
        let count = (misses[replica] ?? 0) + 1
        misses[replica] = count
        if !transport || count >= Self.maxMissedPolls { drop(replica, error, logger: logger) }
    }

    /// Drops a replica that could not be reached or refused.
    mutating func drop(_ replica: ReplicaID, _ error: WireError, logger: Logger) {
        statuses[replica] = nil
        misses[replica] = nil
        lastError[replica.shard] = IndexJob.named(error, replica)
        logger.warning("index build: \(replica) left the build (it will catch up): \(error)")
    }

    /// Throws the last error of the first shard with no replica running or succeeded.
    func checkEveryShardHasAReplica(version: UInt64) throws(WireError) {
        let alive = Set(statuses.keys.map(\.shard))
        for s in 0..<shardCount where !alive.contains(ShardID(s)) {
            throw lastError[ShardID(s)]
                ?? WireError(.unavailable, "\(ShardID(s)): no replica is building index version \(version)")
        }
    }

    private func perShard(_ value: KeyPath<IndexTaskStatus, Int>) -> Int {
        var best: [ShardID: Int] = [:]
        for (replica, status) in statuses {
            best[replica.shard] = max(best[replica.shard] ?? 0, status[keyPath: value])
        }
        return best.values.reduce(0, +)
    }
}

/// One replica's outcome in `callEach`, with the position of its request.
private struct ReplicaReply: Sendable {
    var position: Int
    var replica: ReplicaID
    var result: Result<WireResponse, WireError>
}
