// CoordinatorClient: one typed call per client method of the coordinator. Each is a WireClient call
// plus a check that the reply is of the kind the method answers with; nothing else happens here.
import PPRWire

/// The client methods of the coordinator, with one deadline per request.
struct CoordinatorClient: Sendable {
    /// The connection (dialled in the background; reconnects by itself).
    let wire: WireClient
    /// Deadline of each request.
    let deadline: Duration

    /// Answers one PPR query.
    func query(_ request: QueryRequest) async throws(WireError) -> QueryResponse {
        let reply = try await wire.call(.query(request), deadline: deadline)
        guard case .query(let response) = reply else { throw unexpected(reply, for: .query) }
        return response
    }

    /// Submits a job; returns its record (state `queued`, usually).
    func submit(_ spec: JobSpec) async throws(WireError) -> JobRecord {
        try await job(.submitJob(SubmitJobRequest(spec)))
    }

    /// The current record of job `id`.
    func job(_ id: UInt64) async throws(WireError) -> JobRecord {
        try await job(.getJob(GetJobRequest(id: id)))
    }

    /// Asks the coordinator to cancel job `id`; returns its record after the request.
    func cancel(_ id: UInt64) async throws(WireError) -> JobRecord {
        try await job(.cancelJob(CancelJobRequest(id: id)))
    }

    /// Jobs, newest first.
    func jobs(_ request: ListJobsRequest) async throws(WireError) -> [JobRecord] {
        let reply = try await wire.call(.listJobs(request), deadline: deadline)
        guard case .jobList(let list) = reply else { throw unexpected(reply, for: .listJobs) }
        return list.jobs
    }

    /// The cluster's state as the coordinator sees it.
    func status() async throws(WireError) -> ClusterStatus {
        let reply = try await wire.call(.clusterStatus(ClusterStatusRequest()), deadline: deadline)
        guard case .clusterStatus(let status) = reply else { throw unexpected(reply, for: .clusterStatus) }
        return status
    }

    private func job(_ request: WireRequest) async throws(WireError) -> JobRecord {
        let reply = try await wire.call(request, deadline: deadline)
        guard case .job(let record) = reply else { throw unexpected(reply, for: request.method) }
        return record
    }

    private func unexpected(_ reply: WireResponse, for method: WireMethod) -> WireError {
        WireError(.internal, "\(wire.url) answered \(method) with an unexpected reply: \(reply)")
    }
}
