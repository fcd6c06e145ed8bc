// WorkerShard's index tasks: build an exact version number on a dedicated thread (IndexBuilder), report
// progress, cancel. The decisions are IndexTaskLifecycle's; this file does the I/O they call for.
import Foundation
import Logging
import PPRCore
import PPRStorage
import PPRWire
import Synchronization

extension WorkerShard {
    /// Starts building `request.version` (or answers with the status of that version's task).
    func startIndexTask(_ request: IndexTaskRequest) async throws(WireError) -> IndexTaskStatus {
        let version = try storeVersion(request.version)
        do { try request.walk.validate() } catch { throw WireError(.invalidArgument, "\(id): \(error)") }
        guard EngineLimits.indexThreads.contains(request.threads) else {
            throw WireError(
                .invalidArgument,
                "\(id): invalid threads \(request.threads): expected 0 (all cores) ... \(EngineLimits.indexThreads.upperBound)"
            )
        }
        guard request.graphChecksum == graph.checksum else {
            throw WireError(
                .failedPrecondition,
                "\(id) serves graph file \(graph.path) with checksum \(GraphFileFormat.hex(graph.checksum)); "
                    + "the index task is for checksum \(GraphFileFormat.hex(request.graphChecksum))")
        }
        let total = localVertexCount
        // A running task decides alone (same version: its status; another: refused) without touching the store.
        let early = state.withLock { state in
            state.lifecycle.isRunning ? state.lifecycle.start(version: request.version, total: total, shard: id) : nil
        }
        if let early, let status = try decided(early) { return status }
        if let done = try await versionInStore(version, request) { return done }
        let decision = state.withLock { $0.lifecycle.start(version: request.version, total: total, shard: id) }
        if let status = try decided(decision) { return status }

        var builder = IndexBuilder(
            graph: graph.graph, graphChecksum: graph.checksum, parameters: request.walk, shardIndex: id.rawValue,
            shardCount: shardCount,
            threadCount: request.threads == 0 ? ProcessInfo.processInfo.activeProcessorCount : request.threads)
        builder.requestedVersion = version
        builder.restartsUnfinishedVersion = true  // versionInStore let it through: no build of it runs here
        let configured = builder
        let thread = Thread { [self] in runBuild(configured, version: request.version) }
        thread.name = "powerwalk-index-\(id.rawValue)-v\(version)"
        thread.stackSize = 1 << 20
        thread.start()
        logger.info(
            "index task started",
            metadata: ["version": "\(version)", "walk": "\(request.walk)", "threads": "\(builder.threadCount)"])
        return state.withLock { $0.lifecycle.current } ?? IndexTaskStatus(version: request.version, state: .running)
    }

    /// The status of the task of `version`.
    func indexTask(version: UInt64) throws(WireError) -> IndexTaskStatus {
        _ = try storeVersion(version)
        return try state.withLock { $0.lifecycle.status(version: version, shard: id) }.get()
    }

    /// Asks the task of `version` to stop; waits up to a second for it to notice, then answers its status.
    func cancelIndexTask(version: UInt64) async throws(WireError) -> IndexTaskStatus {
        _ = try storeVersion(version)
        switch state.withLock({ $0.lifecycle.cancel(version: version, shard: id) }) {
        case .unknown(let error): throw error
        case .finished(let status): return status
        case .cancelling:
            logger.info("index task cancel requested", metadata: ["version": "\(version)"])
            await waitUntilIdle(timeout: .seconds(1))
            return try indexTask(version: version)
        }
    }

    /// Cancels a running build and waits until it has stopped (shutdown).
    func stopBuilds() async {
        state.withLock { $0.lifecycle.cancelAny() }
        await waitUntilIdle(timeout: nil)
    }

    /// Waits until no build runs, polling (a build notices cancellation between chunks of 256 vertices).
    func waitUntilIdle(timeout: Duration?) async {
        let clock = ContinuousClock()
        let end = timeout.map { clock.now + $0 }
        while state.withLock({ $0.lifecycle.isRunning }) {
            if let end, clock.now >= end { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Fingerprints a version of this shard holds.
    var localVertexCount: Int {
        let n = graph.graph.vertexCount
        return id.rawValue < n ? (n - id.rawValue + shardCount - 1) / shardCount : 0
    }

    // MARK: Private

    /// The build, on its dedicated thread: progress and the outcome go to the lifecycle.
    private func runBuild(_ builder: IndexBuilder, version: UInt64) {
        let error: WireError?
        do {
            let report = try builder.build(into: store) { progress in
                state.withLock {
                    $0.lifecycle.progress(version: version, done: progress.verticesDone, total: progress.vertexTotal)
                }
            } isCancelled: {
                state.withLock { $0.lifecycle.cancelRequested }
            }
            error = nil
            logger.info(
                "index task succeeded",
                metadata: [
                    "version": "\(version)", "seconds": "\(report.seconds)", "walkSteps": "\(report.walkSteps)",
                    "entries": "\(report.manifest.entryCount)", "bytes": "\(report.manifest.byteCount)",
                ])
        } catch let failure {
            error = shardError(failure)
            logger.notice("index task ended", metadata: ["version": "\(version)", "error": "\(failure)"])
        }
        state.withLock { $0.lifecycle.finish(version: version, error: error) }
    }

    /// `begin` → nil (go on); `existing` → that status; `refuse` → throws.
    private func decided(_ decision: IndexTaskLifecycle.StartDecision) throws(WireError) -> IndexTaskStatus? {
        switch decision {
        case .begin: nil
        case .existing(let status): status
        case .refuse(let error): throw error
        }
    }

    /// Checks the store before a build: the same version complete with the same parameters answers
    /// SUCCEEDED (a retry after a restart); the same version unfinished (building or failed) is built again,
    /// so a replica can catch up; the same number in any other state is refused. A number below others of
    /// the store is accepted when free (see FingerprintStore.beginVersion), so a stray huge version cannot
    /// lock out the coordinator's numbering.
    private func versionInStore(_ version: UInt32, _ request: IndexTaskRequest) async throws(WireError)
        -> IndexTaskStatus?
    {
        let (store, id, checksum, total) = (store, id, graph.checksum, localVertexCount)
        return try await blocking(executor) { () throws -> IndexTaskStatus? in
            let infos = try store.versions()
            if let same = infos.first(where: { $0.version == version }) {
                if same.state == .complete, same.manifest.walkParameters == request.walk,
                    same.manifest.graphChecksum == checksum
                {
                    return IndexTaskStatus(
                        version: request.version, state: .succeeded, progressDone: total, progressTotal: total)
                }
                // Unfinished (this process died during its build, or it was cancelled): built again over it,
                // so a replica can catch up on the version its cluster numbered.
                if same.state != .building && same.state != .failed {
                    throw WireError(.alreadyExists, "\(id): index version \(version) already exists (\(same.state))")
                }
            }
            return nil
        }
    }
}
