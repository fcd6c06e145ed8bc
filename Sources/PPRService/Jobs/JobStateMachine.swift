// JobStateMachine: the legal life of a job, apart from any I/O (the runner applies it, tests check it).
//
//   QUEUED ──start──▶ RUNNING ──succeed──▶ SUCCEEDED
//     │                 ├─────fail───────▶ FAILED
//     │                 └─────cancel─────▶ CANCELLED
//     ├──cancel──▶ CANCELLED
//     └──fail────▶ FAILED      (a queued job whose record cannot be run, e.g. unreadable parameters)
//
// SUCCEEDED, FAILED and CANCELLED are final: every event on them is refused, so a late progress
// report or a second cancel can never resurrect or rewrite a finished job.
import PPRWire

/// Something that happens to a job.
public enum JobEvent: Hashable, Sendable {
    /// The runner picked the job up.
    case start
    /// The work finished; the job produced `JobResult`.
    case succeed(JobResult)
    /// The work (or its setup) failed with this error.
    case fail(WireError)
    /// A client cancelled the job; the error says so.
    case cancel(WireError)

    /// A short name for error messages.
    var name: String {
        switch self {
        case .start: "start"
        case .succeed: "succeed"
        case .fail: "fail"
        case .cancel: "cancel"
        }
    }
}

/// The transition function of job states (pure).
public enum JobStateMachine {
    /// The state after `event` in `state`, or nil if the event is illegal there.
    public static func next(from state: JobState, on event: JobEvent) -> JobState? {
        switch (state, event) {
        case (.queued, .start): .running
        case (.queued, .cancel), (.running, .cancel): .cancelled
        case (.queued, .fail), (.running, .fail): .failed
        case (.running, .succeed): .succeeded
        default: nil
        }
    }

    /// Whether no event is legal in `state`.
    public static func isFinal(_ state: JobState) -> Bool {
        state == .succeeded || state == .failed || state == .cancelled
    }

    /// The name clients see, e.g. `RUNNING`.
    public static func name(of state: JobState) -> String {
        switch state {
        case .queued: "QUEUED"
        case .running: "RUNNING"
        case .succeeded: "SUCCEEDED"
        case .failed: "FAILED"
        case .cancelled: "CANCELLED"
        }
    }

    /// Applies `event` to `record` at time `nowMicros`: state, timestamps, result or error.
    ///
    /// - Throws: FAILED_PRECONDITION naming the job, its state and the refused event.
    public static func apply(_ event: JobEvent, to record: inout JobRecord, nowMicros: Int64) throws(WireError) {
        guard let state = next(from: record.state, on: event) else {
            throw WireError(
                .failedPrecondition, "job \(record.id) is \(name(of: record.state)): cannot \(event.name) it")
        }
        record.state = state
        switch event {
        case .start:
            record.startedUnixMicros = nowMicros
        case .succeed(let result):
            record.result = result
            record.error = nil
            record.finishedUnixMicros = nowMicros
            record.progressDone = record.progressTotal
        case .fail(let error), .cancel(let error):
            record.error = error
            record.result = nil
            record.finishedUnixMicros = nowMicros
        }
    }
}
