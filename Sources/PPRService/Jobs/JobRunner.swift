// JobRunner: accepts, records, runs and cancels jobs (DESIGN §3 job types).
//
// Scheduling: one job at a time, in submission (id) order. An index job keeps every worker's cores
// busy and switches the live version at its end; batch-query and evaluate jobs read the live index
// and are CPU-heavy on the coordinator. Running them one by one keeps results reproducible (an
// evaluate job never straddles an activation) and keeps online queries responsive.
//
// Restart: a job found RUNNING in the ledger when the runner starts was interrupted mid-way; it is
// marked FAILED with "interrupted by a coordinator restart; resubmit", not re-run, because the runner
// cannot know how far its side effects went (an index task may still run on the workers: it is
// cancelled there best-effort). Resubmitting is always safe: a batch-query job writes to
// OUTPUT.tmp-<id> and renames at the end, so output is never duplicated or half-written (a leftover
// temp file is removed at startup), and an index job builds a fresh version number.
// QUEUED jobs had not started, so they simply run.
//
// Cancel: a queued job is CANCELLED at once; a running one stops at its next check (between batches,
// polls or sources) and `cancel` waits for that. A job that completed its effects before noticing the
// cancel (an index job that already activated its version) stays SUCCEEDED: the record tells the truth.
// Batch-query and evaluate jobs check once more before committing, so a late cancel leaves no output.
import Foundation
import Logging
import PPRStorage
import PPRWire

/// Runs the coordinator's jobs; an actor, so every method may be called from any task.
public actor JobRunner {
    /// The error message of a job a restart interrupted.
    public static let restartMessage = "interrupted by a coordinator restart; resubmit"

    let ledger: LedgerAccess
    let context: any JobContext
    let settings: JobSettings
    let logger: Logger
    /// For CPU-heavy and file work of jobs (exact PPR, input parsing).
    let cpu = BlockingQueue(label: "powerwalk.jobs.work", concurrent: true, qos: .utility)

    /// A queued or running job, as current as it gets (the ledger may lag by the persist interval).
    struct LiveJob {
        var record: JobRecord
        /// What the job runs (`record.spec` is its wire form).
        let resolved: ResolvedJob
        /// The version an index job builds (also persisted, so a restart can cancel its tasks).
        var indexVersion: UInt64?
        var task: Task<Result<JobResult, WireError>, Never>?
        var cancelRequested = false
        var lastPersist = ContinuousClock.now
    }

    /// Non-final jobs by id.
    var live: [UInt64: LiveJob] = [:]
    /// Queued ids in run order.
    private var queue: [UInt64] = []
    private var driver: Task<Void, Never>?
    private var started = false
    var stopping = false
    private var waiters: [UInt64: [CheckedContinuation<JobRecord, Never>]] = [:]

    /// A runner over `ledger` (which it shares with the coordinator's metadata) and `context`.
    ///
    /// Nothing runs until `start()`.
    public init(
        ledger: JobLedger, context: any JobContext, settings: JobSettings,
        logger: Logger = Logger(label: "powerwalk.jobs")
    ) {
        self.ledger = LedgerAccess(ledger)
        self.context = context
        self.settings = settings
        self.logger = logger
    }

    /// Recovers jobs of a previous process (RUNNING → FAILED, QUEUED → run) and starts running. Call once.
    public func start() async throws(WireError) {
        guard !started else { return }
        let directory = try JobFiles.wire { () throws(JobFilesError) in try settings.jobFiles.prepare() }
        started = true
        logger.info("job files are read and written only in \(directory) (\(JobFiles.configKey))")
        let (interrupted, queued) = try await ledger.run { ledger in
            (try ledger.list(state: .running), try ledger.list(state: .queued))
        }
        for stored in interrupted { await failInterrupted(stored) }
        for stored in queued.sorted(by: { $0.id < $1.id }) {
            do {
                live[stored.id] = LiveJob(record: try JobRecord(stored), resolved: try ResolvedJob(stored))
                queue.append(stored.id)
            } catch {
                var failed = stored
                failed.state = .failed
                failed.failure = .init(code: error.code.rawValue, message: error.message)
                try? await ledger.run { [failed] in try $0.update(failed) }
            }
        }
        if !interrupted.isEmpty || !queued.isEmpty {
            logger.info("job runner recovered \(interrupted.count) interrupted and \(queued.count) queued jobs")
        }
        kick()
    }

    /// Validates `spec`, records it QUEUED and returns the record; INVALID_ARGUMENT names a bad parameter.
    public func submit(_ spec: JobSpec) async throws(WireError) -> JobRecord {
        guard !stopping else { throw WireError(.unavailable, "the coordinator is shutting down") }
        let resolved = try WireError.mapping { () throws(JobSpecError) in try settings.resolve(spec) }
        let draft = JobRecord(id: 0, spec: resolved.spec, state: .queued, createdUnixMicros: Self.nowMicros())
        let stored = try await ledger.run { try $0.create(JobLedgerRecord(draft, job: resolved)) }
        var record = draft
        record.id = stored.id
        live[record.id] = LiveJob(record: record, resolved: resolved)
        queue.append(record.id)
        logger.info("job \(record.id) submitted: \(resolved.type)")
        kick()
        return record
    }

    /// The job's current record; NOT_FOUND naming it if there is none.
    public func get(id: UInt64) async throws(WireError) -> JobRecord {
        if let job = live[id] { return job.record }
        guard let stored = try await ledger.run({ try $0.get(id: id) }) else {
            throw WireError(.notFound, "job \(id) does not exist")
        }
        if let job = live[id] { return job.record }
        return try JobRecord(stored)
    }

    /// Jobs newest first: at most `limit` (0 = all), only those in `state` when given.
    public func list(limit: Int = 0, state: JobState? = nil) async throws(WireError) -> [JobRecord] {
        let filter = state.map(JobLedgerRecord.State.init)
        let stored = try await ledger.run { try $0.list(limit: limit, state: filter) }
        var byID: [UInt64: JobRecord] = [:]
        for record in stored { byID[record.id] = try JobRecord(record) }
        for (id, job) in live where byID[id] != nil || state == nil || job.record.state == state {
            byID[id] = job.record
        }
        var records = byID.values.filter { state == nil || $0.state == state }.sorted { $0.id > $1.id }
        if limit > 0, records.count > limit { records.removeLast(records.count - limit) }
        return records
    }

    /// Cancels a queued or running job and returns its final record (CANCELLED, or SUCCEEDED/FAILED if it
    /// finished first); FAILED_PRECONDITION if it had already finished, NOT_FOUND if it does not exist.
    ///
    /// A running job stops at its next check (between batches, polls or sources); this waits for that.
    public func cancel(id: UInt64) async throws(WireError) -> JobRecord {
        guard var job = live[id] else {
            let record = try await get(id: id)
            throw WireError(
                .failedPrecondition, "job \(id) is \(JobStateMachine.name(of: record.state)): cannot cancel it")
        }
        if job.record.state == .queued, let position = queue.firstIndex(of: id) {
            queue.remove(at: position)
            try JobStateMachine.apply(
                .cancel(WireError(.cancelled, "job \(id) was cancelled before it started")), to: &job.record,
                nowMicros: Self.nowMicros())
            live[id] = job
            await finalize(id)
            logger.info("job \(id) cancelled while queued")
            return job.record
        }
        job.cancelRequested = true
        job.task?.cancel()
        live[id] = job
        return try await waitUntilFinished(id: id)
    }

    /// Waits until the job is SUCCEEDED, FAILED or CANCELLED and returns that record.
    public func waitUntilFinished(id: UInt64) async throws(WireError) -> JobRecord {
        guard live[id] != nil else { return try await get(id: id) }
        return await withCheckedContinuation { waiters[id, default: []].append($0) }
    }

    /// Stops taking jobs: the running job is stopped and marked FAILED (resubmit it); queued jobs stay
    /// QUEUED in the ledger and run after the next start.
    public func shutdown() async {
        stopping = true
        queue.removeAll()
        let running = live.values.compactMap(\.task)
        for task in running { task.cancel() }
        await driver?.value
    }

    // MARK: Running

    /// Starts the driver if there is work and none is running.
    private func kick() {
        guard started, !stopping, driver == nil, !queue.isEmpty else { return }
        driver = Task { await self.drain() }
    }

    /// Runs queued jobs one by one until the queue is empty.
    private func drain() async {
        while !stopping, !queue.isEmpty {
            let id = queue.removeFirst()
            await run(id)
        }
        driver = nil
    }

    /// Writes the live record of a final job to the ledger, forgets it, and wakes its waiters.
    func finalize(_ id: UInt64) async {
        guard let job = live[id] else { return }
        await persist(job)
        live[id] = nil
        for waiter in waiters.removeValue(forKey: id) ?? [] { waiter.resume(returning: job.record) }
    }

    /// Stores a live job's record (with its index version); a failure is logged, never fatal to the job.
    func persist(_ job: LiveJob) async {
        var stored = JobLedgerRecord(job.record, job: job.resolved)
        stored.indexVersion = job.indexVersion
        do { try await ledger.run { [stored] in try $0.update(stored) } } catch {
            logger.error("job \(job.record.id): cannot record its state: \(error)")
        }
    }

    /// Microseconds since the Unix epoch.
    static func nowMicros() -> Int64 { Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()) }
}
