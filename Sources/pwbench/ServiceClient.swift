// ServiceClient: the benchmark's typed calls to the coordinator front (a WireClient over tcp://), plus
// "submit a job and poll it until it ends". pwctl's CoordinatorClient is internal to PPRCLI, so the few
// calls the benchmark needs are repeated here rather than widening that module's API.
import ArgumentParser
import PPRWire

/// Typed calls to a coordinator front, each with one deadline.
struct ServiceClient: Sendable {
    /// The connection (its own NNG req socket; concurrent calls each get their own context).
    let wire: WireClient
    /// Deadline of each call.
    var deadline: Duration = .seconds(60)

    /// Dials `url` (non-blocking; the first call waits for the connection).
    init(url: String) throws {
        do {
            wire = try WireClient(dialing: url)
        } catch {
            throw ValidationError("cannot dial \(url): \(error)")
        }
    }

    /// Answers one query.
    func query(_ request: QueryRequest) async throws -> QueryResponse {
        let reply = try await wire.call(.query(request), deadline: deadline)
        guard case .query(let response) = reply else { throw unexpected(reply, to: .query) }
        return response
    }

    /// Answers many queries in one inline BatchQuery request.
    func batch(_ queries: [QueryRequest]) async throws -> BatchQueryResponse {
        let reply = try await wire.call(.batchQuery(BatchQueryRequest(queries: queries)), deadline: deadline)
        guard case .batchQuery(let response) = reply else { throw unexpected(reply, to: .batchQuery) }
        return response
    }

    /// Submits `spec`, then polls the job every `poll` until it succeeds.
    ///
    /// - Returns: the final record.
    /// - Throws: `ServiceBenchmarkError.jobFailed` when the job failed or was cancelled.
    func run(_ spec: JobSpec, poll: Duration = .milliseconds(20)) async throws -> JobRecord {
        var record = try await job(.submitJob(SubmitJobRequest(spec)))
        while record.state == .queued || record.state == .running {
            try await Task.sleep(for: poll)
            record = try await job(.getJob(GetJobRequest(id: record.id)))
        }
        guard record.state == .succeeded else {
            throw ServiceBenchmarkError.jobFailed(type: spec.type, state: record.state, error: record.error)
        }
        return record
    }

    /// Closes the connection.
    func close() { wire.close() }

    private func job(_ request: WireRequest) async throws -> JobRecord {
        let reply = try await wire.call(request, deadline: deadline)
        guard case .job(let record) = reply else { throw unexpected(reply, to: request.method) }
        return record
    }

    private func unexpected(_ reply: WireResponse, to method: WireMethod) -> ServiceBenchmarkError {
        .unexpectedReply(method: method, reply: "\(reply)")
    }
}

/// Why the service benchmark stopped.
enum ServiceBenchmarkError: Error, CustomStringConvertible {
    /// A job ended in `state` rather than succeeded.
    case jobFailed(type: JobType, state: JobState, error: WireError?)
    /// The front answered `method` with a reply of another kind.
    case unexpectedReply(method: WireMethod, reply: String)
    /// The batch-query job's output does not have one line per input source.
    case outputMismatch(path: String, lines: Int, expected: Int)

    var description: String {
        switch self {
        case .jobFailed(let type, let state, let error):
            "\(type) job ended \(state)" + (error.map { ": \($0)" } ?? "")
        case .unexpectedReply(let method, let reply): "the front answered \(method) with \(reply)"
        case .outputMismatch(let path, let lines, let expected):
            "\(path) has \(lines) lines, expected \(expected) (one per source)"
        }
    }
}
