// The service benchmark's one addition to the typed coordinator client ("submit a job and poll it until
// it succeeds"), and why the benchmark stops.
import PPRWire

extension CoordinatorClient {
    /// Submits `spec`, then polls the job every `poll` until it ends.
    ///
    /// - Returns: the final record.
    /// - Throws: `ServiceBenchmarkError.jobFailed` when the job failed or was cancelled.
    func run(_ spec: JobSpec, poll: Duration = .milliseconds(20)) async throws -> JobRecord {
        let record = try await awaitJob(try await submit(spec), every: poll)
        guard record.state == .succeeded else {
            throw ServiceBenchmarkError.jobFailed(type: spec.type, state: record.state, error: record.error)
        }
        return record
    }
}

/// Why the service benchmark stopped.
enum ServiceBenchmarkError: Error, CustomStringConvertible {
    /// A job ended in `state` rather than succeeded.
    case jobFailed(type: JobType, state: JobState, error: WireError?)
    /// The batch-query job's output does not have one line per input source.
    case outputMismatch(path: String, lines: Int, expected: Int)

    var description: String {
        switch self {
        case .jobFailed(let type, let state, let error):
            "\(type) job ended \(state)" + (error.map { ": \($0)" } ?? "")
        case .outputMismatch(let path, let lines, let expected):
            "\(path) has \(lines) lines, expected \(expected) (one per source)"
        }
    }
}
