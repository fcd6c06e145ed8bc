// The running side of JobRunner: start a job, hand it a JobHandle, record its outcome; recovery of
// jobs a restart interrupted; the services a running job asks of the runner (progress, versions).
import Foundation
import Logging
import PPRCore
import PPRStorage
import PPRWire

extension JobRunner {
    /// Runs the queued job `id` to its end.
    func run(_ id: UInt64) async {
        guard var job = live[id], job.record.state == .queued else { return }
        do {
            try JobStateMachine.apply(.start, to: &job.record, nowMicros: Self.nowMicros())
        } catch {
            logger.error("job \(id): \(error)")
            return
        }
        job.lastPersist = .now
        live[id] = job
        await persist(job)
        logger.info("job \(id) started: \(job.record.type)")
        let handle = JobHandle(id: id, runner: self, context: context, settings: settings, logger: logger, cpu: cpu)
        let resolved = job.resolved
        let task = Task.detached { () -> Result<JobResult, WireError> in
            do throws(WireError) {
                return .success(try await Self.execute(resolved, handle))
            } catch {
                return .failure(error)
            }
        }
        live[id]?.task = task
        if live[id]?.cancelRequested == true || stopping { task.cancel() }  // asked while we persisted
        let outcome = await task.value
        await finish(id, outcome)
    }

    private static func execute(_ job: ResolvedJob, _ handle: JobHandle) async throws(WireError) -> JobResult {
        switch job {
        case .index(let job): try await IndexJob(job: job, handle: handle).run()
        case .batchQuery(let job): try await BatchQueryJob(job: job, handle: handle).run()
        case .evaluate(let job): try await EvaluateJob(job: job, handle: handle).run()
        case .export(let job): try await ExportJob(job: job, handle: handle).run()
        }
    }

    /// Applies the outcome: success wins (its effects happened); otherwise cancel, shutdown or failure.
    private func finish(_ id: UInt64, _ outcome: Result<JobResult, WireError>) async {
        guard var job = live[id] else { return }
        let event: JobEvent
        switch outcome {
        case .success(let result):
            event = .succeed(result)
        case .failure(let error):
            if job.cancelRequested {
                event = .cancel(WireError(.cancelled, "job \(id) was cancelled"))
            } else if stopping {
                event = .fail(WireError(.unavailable, "interrupted by a coordinator shutdown; resubmit"))
            } else {
                event = .fail(error)
            }
        }
        do { try JobStateMachine.apply(event, to: &job.record, nowMicros: Self.nowMicros()) } catch {
            logger.error("job \(id): \(error)")
        }
        job.task = nil
        live[id] = job
        let state = JobStateMachine.name(of: job.record.state)
        if let error = job.record.error {
            logger.warning("job \(id) \(state): \(error)")
        } else {
            logger.info("job \(id) \(state): \(job.record.result.map { "\($0)" } ?? "no result")")
        }
        await finalize(id)
    }

    /// Marks a job a restart interrupted as FAILED and undoes what it may have left behind.
    func failInterrupted(_ stored: JobLedgerRecord) async {
        var failed = stored
        failed.state = .failed
        failed.failure = .init(code: WireErrorCode.unavailable.rawValue, message: Self.restartMessage)
        failed.finishedUnixMicros = Self.nowMicros()
        do { try await ledger.run { [failed] in try $0.update(failed) } } catch {
            logger.error("job \(stored.id): cannot record its interruption: \(error)")
        }
        logger.warning("job \(stored.id) was running when the coordinator stopped: marked FAILED")
        if stored.kind == .batchQuery || stored.kind == .export, let output = stored.parameters.outputPath {
            // The temporary file or directory of the interrupted run; never anything outside the job directory.
            settings.jobFiles.removeLeftovers(output: output, job: stored.id)
        }
        if stored.kind == .index, let version = stored.indexVersion {
            // The workers may still be building it; nobody will activate it now. Best effort, in the background.
            let (context, deadline) = (context, settings.controlDeadline)
            Task.detached { await IndexJob.cancelEverywhere(version: version, context: context, deadline: deadline) }
        }
    }

    // MARK: Services for running jobs

    /// Records progress; written to the ledger at most every `progressPersistInterval`.
    func reportProgress(id: UInt64, done: Int, total: Int) async {
        guard var job = live[id], job.record.state == .running else { return }
        job.record.progressDone = done
        job.record.progressTotal = total
        let due = ContinuousClock.now - job.lastPersist >= settings.progressPersistInterval
        if due { job.lastPersist = .now }
        live[id] = job
        if due { await persist(job) }
    }

    /// A fresh index version number for job `id` (at least `minimum`), recorded on the job.
    func reserveIndexVersion(for id: UInt64, atLeast minimum: UInt64) async throws(WireError) -> UInt64 {
        let version = try await ledger.run { try $0.reserveIndexVersion(atLeast: minimum) }
        live[id]?.indexVersion = version
        if let job = live[id] { await persist(job) }
        return version
    }
}

/// What a running job may use: the coordinator's context, the settings, and its runner for progress.
struct JobHandle: Sendable {
    let id: UInt64
    let runner: JobRunner
    let context: any JobContext
    let settings: JobSettings
    let logger: Logger
    /// For blocking work (files, exact PPR).
    let cpu: BlockingQueue

    /// Reports `done` units out of `total`.
    func progress(_ done: Int, of total: Int) async {
        await runner.reportProgress(id: id, done: done, total: total)
    }

    /// Throws CANCELLED if the job was cancelled (or the runner is stopping): call between steps.
    func checkCancelled() throws(WireError) {
        if Task.isCancelled { throw WireError(.cancelled, "job \(id) was cancelled") }
    }
}
