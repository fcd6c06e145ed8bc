// IndexTaskLifecycle: the pure state machine of a shard's index tasks (no I/O, no clock, no threads).
//
// One task at a time per shard. A start while a task runs is answered with that task's status when it is
// the same version (a coordinator retrying), refused otherwise. A start of a version whose task already
// succeeded is answered with that status (idempotent retry). Cancel sets a flag the build polls between
// chunks; the build's end (success, failure, or cancellation observed) is reported by `finish`.
import PPRCore
import PPRWire

/// Where a shard's index tasks are: the one in progress or the last one finished.
struct IndexTaskLifecycle: Sendable {
    /// The task in progress or the last one finished; nil before the first.
    private(set) var current: IndexTaskStatus?
    /// Set by `cancel` while a task runs; polled by the build.
    private(set) var cancelRequested = false

    /// True while a task runs.
    var isRunning: Bool { current?.state == .running }

    /// What to do with a start request.
    enum StartDecision: Equatable {
        /// Start the build; `status` is the new task's.
        case begin(IndexTaskStatus)
        /// Nothing to start: answer with this status.
        case existing(IndexTaskStatus)
        /// Refuse with this error.
        case refuse(WireError)
    }

    /// Decides on a start request for `version` of `shard`, whose build will cover `total` vertices.
    mutating func start(version: UInt64, total: Int, shard: ShardID) -> StartDecision {
        if let current, current.version == version, current.state == .running || current.state == .succeeded {
            return .existing(current)
        }
        if let current, current.state == .running {
            return .refuse(
                WireError(
                    .failedPrecondition,
                    "\(shard) is already building index version \(current.version); cancel it or wait before \(version)"
                ))
        }
        let status = IndexTaskStatus(version: version, state: .running, progressDone: 0, progressTotal: total)
        current = status
        cancelRequested = false
        return .begin(status)
    }

    /// Records progress of the running task of `version`.
    mutating func progress(version: UInt64, done: Int, total: Int) {
        guard var status = current, status.version == version, status.state == .running else { return }
        status.progressDone = done
        status.progressTotal = total
        current = status
    }

    /// Records the end of the task of `version`: success, or the error that stopped it (CANCELLED when a
    /// cancellation was observed).
    mutating func finish(version: UInt64, error: WireError?) {
        guard var status = current, status.version == version, status.state == .running else { return }
        if let error {
            status.state = error.code == .cancelled ? .cancelled : .failed
            status.error = error
        } else {
            status.state = .succeeded
            status.progressDone = status.progressTotal
        }
        current = status
        cancelRequested = false
    }

    /// What to do with a cancel request.
    enum CancelDecision: Equatable {
        /// The flag is set; wait for the build to notice. `status` is the task's status now.
        case cancelling(IndexTaskStatus)
        /// The task already ended: answer with its status.
        case finished(IndexTaskStatus)
        /// No task of this version is known.
        case unknown(WireError)
    }

    /// Decides on a cancel request for `version` of `shard`.
    mutating func cancel(version: UInt64, shard: ShardID) -> CancelDecision {
        guard let current, current.version == version else {
            return .unknown(WireError(.notFound, "\(shard) has no index task for version \(version)"))
        }
        guard current.state == .running else { return .finished(current) }
        cancelRequested = true
        return .cancelling(current)
    }

    /// Asks the running task, whatever its version, to stop (shutdown).
    mutating func cancelAny() {
        if isRunning { cancelRequested = true }
    }

    /// The status of the task of `version`, or NOT_FOUND naming the shard.
    func status(version: UInt64, shard: ShardID) -> Result<IndexTaskStatus, WireError> {
        guard let current, current.version == version else {
            return .failure(WireError(.notFound, "\(shard) has no index task for version \(version)"))
        }
        return .success(current)
    }
}
