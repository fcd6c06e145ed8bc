// Index job (DESIGN §3 Index versions): build a new fingerprint version on every shard, then activate it.
//
// 1. Version: the ledger's next number, raised above the active version and anything a worker reports
//    (its active version and its last task), so no worker is asked to reuse a number.
// 2. StartIndexTask on every shard; poll GetIndexTask on all of them every `pollInterval`;
//    progress = sum of vertices done / sum of totals.
// 3. All succeeded: ActivateVersion on every shard, then `context.setActiveIndexVersion` switches
//    queries. Any failure or a cancel before that: CancelIndexTask on every shard (best effort) and the
//    active version is left untouched. If activation fails part-way, the shards that already switched
//    are switched back to their previous version (best effort; workers keep it for rollback), so the
//    shards agree again and a restarted coordinator still finds one common active version.
import Logging
import PPRCore
import PPRStorage
import PPRWire

/// One run of an index job.
struct IndexJob {
    let params: IndexJobParams
    let handle: JobHandle

    func run() async throws(WireError) -> JobResult {
        let context = handle.context
        let deadline = handle.settings.controlDeadline
        let version = try await chooseVersion()
        handle.logger.info("job \(handle.id): building index version \(version) on \(context.shardCount) shards")
        let request = IndexTaskRequest(
            version: version,
            walk: WalkParameters(
                restartProbability: params.restartProbability!, walksPerVertex: params.walksPerVertex!,
                maxWalkLength: params.maxWalkLength!, seed: params.seed!),
            threads: params.threads!, graphChecksum: context.graph.checksum)
        var switched: [(shard: ShardID, previous: UInt64)] = []
        do throws(WireError) {
            for shard in Self.shards(context) {
                let reply = try await context.callShard(shard, .startIndexTask(request), deadline: deadline)
                _ = try Self.taskStatus(shard, reply)
            }
            try await waitForTasks(version: version)
            for shard in Self.shards(context) {
                let reply = try await context.callShard(
                    shard, .activateVersion(ActivateVersionRequest(version: version)), deadline: deadline)
                if let error = reply.failure { throw Self.named(error, shard) }
                guard case .activateVersion(let activated) = reply else { throw Self.unexpected(reply, shard) }
                switched.append((shard, activated.previousVersion))
            }
            try await context.setActiveIndexVersion(version)
        } catch {
            await Self.rollBack(switched, context: context, deadline: deadline)
            await Self.cancelEverywhere(version: version, context: context, deadline: deadline)
            throw error
        }
        return JobResult(indexVersion: version)
    }

    /// A number above everything the ledger, the coordinator and the workers know of.
    private func chooseVersion() async throws(WireError) -> UInt64 {
        let context = handle.context
        var minimum = (await context.activeIndexVersion() ?? 0) + 1
        let base = minimum
        for shard in Self.shards(context) {
            let reply = try await context.callShard(
                shard, .workerHealth(WorkerHealthRequest()), deadline: handle.settings.controlDeadline)
            if let error = reply.failure { throw Self.named(error, shard) }
            guard case .workerHealth(let health) = reply else { throw Self.unexpected(reply, shard) }
            for reported in [health.activeVersion, health.indexTask?.version ?? 0]
            where reported < base + Self.maxAdoptedLead {
                minimum = max(minimum, reported + 1)
            }
        }
        return try await handle.runner.reserveIndexVersion(for: handle.id, atLeast: minimum)
    }

    /// How far above the coordinator's own active version a worker's version number is still adopted. A
    /// larger one (a stray or hostile request's) is ignored: workers accept a free number below it, so it
    /// cannot drag the numbering up to the limit (FingerprintStore.maxVersion) and lock out later jobs.
    static let maxAdoptedLead: UInt64 = 1 << 20

    /// Polls every shard until all tasks succeeded; throws on a failed task or a cancel.
    private func waitForTasks(version: UInt64) async throws(WireError) {
        let context = handle.context
        while true {
            try handle.checkCancelled()
            var done = 0
            var total = 0
            var finished = 0
            for shard in Self.shards(context) {
                let reply = try await context.callShard(
                    shard, .getIndexTask(GetIndexTaskRequest(version: version)),
                    deadline: handle.settings.controlDeadline)
                let status = try Self.taskStatus(shard, reply)
                switch status.state {
                case .running: break
                case .succeeded: finished += 1
                case .failed, .cancelled:
                    let why = status.error ?? WireError(.unknown, "no reason given")
                    let what = status.state == .failed ? "failed" : "was cancelled"
                    throw WireError(
                        why.code == .cancelled ? .unavailable : why.code,
                        "\(shard): index task of version \(version) \(what): \(why.message)")
                }
                done += status.progressDone
                total += status.progressTotal
            }
            await handle.progress(done, of: total)
            if finished == context.shardCount { return }
            do { try await Task.sleep(for: handle.settings.pollInterval) } catch {
                throw WireError(.cancelled, "job \(handle.id) was cancelled")
            }
        }
    }

    /// CancelIndexTask for `version` on every shard, ignoring failures; runs even if the caller was cancelled.
    /// Re-activates each switched shard's previous version (best effort; 0 means it had none).
    private static func rollBack(
        _ switched: [(shard: ShardID, previous: UInt64)], context: any JobContext, deadline: Duration
    ) async {
        for (shard, previous) in switched where previous != 0 {
            _ = try? await context.callShard(
                shard, .activateVersion(ActivateVersionRequest(version: previous)), deadline: deadline)
        }
    }

    static func cancelEverywhere(version: UInt64, context: any JobContext, deadline: Duration) async {
        await Task.detached {
            for shard in shards(context) {
                _ = try? await context.callShard(
                    shard, .cancelIndexTask(CancelIndexTaskRequest(version: version)), deadline: deadline)
            }
        }.value
    }

    private static func shards(_ context: any JobContext) -> [ShardID] {
        (0..<context.shardCount).map { ShardID($0) }
    }

    private static func taskStatus(_ shard: ShardID, _ reply: WireResponse) throws(WireError) -> IndexTaskStatus {
        if let error = reply.failure { throw named(error, shard) }
        guard case .indexTask(let status) = reply else { throw unexpected(reply, shard) }
        return status
    }

    /// The error with the shard named, unless it already names it.
    private static func named(_ error: WireError, _ shard: ShardID) -> WireError {
        error.message.contains("\(shard)") ? error : WireError(error.code, "\(shard): \(error.message)")
    }

    private static func unexpected(_ reply: WireResponse, _ shard: ShardID) -> WireError {
        WireError(.internal, "\(shard) sent an unexpected reply: \(reply)")
    }
}
