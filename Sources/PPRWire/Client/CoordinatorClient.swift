// CoordinatorClient: the typed client of the coordinator's front, the one that pwctl, pwbench and the
// tests use. Each method is one WireClient call with the client's deadline, plus a check that the reply
// is of the kind the method answers with. Failures are `WireError`s: the server's code and message as
// sent, or the transport's (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED), so a caller maps one type.

/// The client methods of the coordinator (query, batch query, jobs, status), each with one deadline.
public struct CoordinatorClient: Sendable {
    /// How to reach and authenticate to a coordinator.
    public struct Options: Sendable {
        /// `tcp://`, `tls+tcp://`, `ipc://` or `inproc://`.
        public var url: String
        /// Certificates for a `tls+tcp://` URL (required for one, refused for any other scheme).
        public var tls: WireTLS?
        /// Bearer token sent with every request (never logged).
        public var token: String?
        /// Deadline of each request.
        public var deadline: Duration
        /// Make the first connection attempt at once and fail the first request with UNAVAILABLE
        /// ("nothing listens at URL") if it fails, instead of waiting for the deadline (the CLI's choice).
        public var failFast: Bool

        /// Options for `url`; everything else optional.
        public init(
            url: String, tls: WireTLS? = nil, token: String? = nil, deadline: Duration = .seconds(30),
            failFast: Bool = false
        ) {
            self.url = url
            self.tls = tls
            self.token = token
            self.deadline = deadline
            self.failFast = failFast
        }
    }

    /// The connection (dialled in the background unless fail-fast; reconnects by itself). Shared by the
    /// copies made by `withDeadline(_:)`; closed by `close()`.
    private let wire: WireClient
    /// Deadline of each request.
    public let deadline: Duration

    /// The URL dialled.
    public var url: String { wire.url }

    /// Dials the coordinator of `options`.
    ///
    /// - Throws: INVALID_ARGUMENT when the URL cannot be dialled or TLS does not match the scheme.
    public init(_ options: Options) throws(WireError) {
        wire = try WireClient(dialing: options.url, tls: options.tls, token: options.token, failFast: options.failFast)
        deadline = options.deadline
    }

    /// Dials `url` without TLS or token (tests, benchmarks, loopback).
    public init(connectingTo url: String, deadline: Duration = .seconds(30)) throws(WireError) {
        try self.init(Options(url: url, deadline: deadline))
    }

    private init(wire: WireClient, deadline: Duration) {
        self.wire = wire
        self.deadline = deadline
    }

    /// The same connection with another per-request deadline.
    public func withDeadline(_ deadline: Duration) -> CoordinatorClient {
        CoordinatorClient(wire: wire, deadline: deadline)
    }

    /// Closes the connection (of every copy); requests in flight fail with UNAVAILABLE. Idempotent.
    public func close() { wire.close() }

    /// Answers one PPR query.
    public func query(_ request: QueryRequest) async throws(WireError) -> QueryResponse {
        let reply = try await wire.call(.query(request), deadline: deadline)
        guard case .query(let response) = reply else { throw unexpected(reply, for: .query) }
        return response
    }

    /// Answers several queries in one inline BatchQuery request: one response per query, in order.
    ///
    /// - Throws: the batch's error (one bad query fails the whole request), or INTERNAL when the number
    ///   of responses differs from the number of queries.
    public func batchQuery(_ request: BatchQueryRequest) async throws(WireError) -> BatchQueryResponse {
        let reply = try await wire.call(.batchQuery(request), deadline: deadline)
        guard case .batchQuery(let response) = reply else { throw unexpected(reply, for: .batchQuery) }
        guard response.responses.count == request.queries.count else {
            throw WireError(
                .internal,
                "\(url) answered \(request.queries.count) queries with \(response.responses.count) responses")
        }
        return response
    }

    /// Submits a job; returns its record (state `queued`, usually).
    public func submit(_ spec: JobSpec) async throws(WireError) -> JobRecord {
        try await job(.submitJob(SubmitJobRequest(spec)))
    }

    /// The current record of job `id`.
    public func job(_ id: UInt64) async throws(WireError) -> JobRecord {
        try await job(.getJob(GetJobRequest(id: id)))
    }

    /// Asks the coordinator to cancel job `id`; returns its record after the request.
    public func cancel(_ id: UInt64) async throws(WireError) -> JobRecord {
        try await job(.cancelJob(CancelJobRequest(id: id)))
    }

    /// Jobs, newest first.
    public func jobs(_ request: ListJobsRequest = ListJobsRequest()) async throws(WireError) -> [JobRecord] {
        let reply = try await wire.call(.listJobs(request), deadline: deadline)
        guard case .jobList(let list) = reply else { throw unexpected(reply, for: .listJobs) }
        return list.jobs
    }

    /// The cluster's state as the coordinator sees it.
    public func status() async throws(WireError) -> ClusterStatus {
        let reply = try await wire.call(.clusterStatus(ClusterStatusRequest()), deadline: deadline)
        guard case .clusterStatus(let status) = reply else { throw unexpected(reply, for: .clusterStatus) }
        return status
    }

    /// Follows the job of `record` (e.g. as `submit` returned it), polling it every `interval` until it
    /// is succeeded, failed or cancelled; returns that final record.
    ///
    /// `update` sees `record`, then every record polled, the final one included. Each poll has the
    /// client's deadline. The wait is unbounded unless `limit` is given (jobs may run for hours).
    ///
    /// - Throws: a poll's error; DEADLINE_EXCEEDED when the job has not ended within `limit`; CANCELLED
    ///   when the task is. The job itself goes on in either case.
    public func awaitJob(
        _ record: JobRecord, every interval: Duration = .milliseconds(500), within limit: Duration? = nil,
        update: (JobRecord) -> Void = { _ in }
    ) async throws(WireError) -> JobRecord {
        let clock = ContinuousClock()
        let end = limit.map { clock.now + $0 }
        var current = record
        update(current)
        while !current.state.isFinal {
            if let end, clock.now + interval > end {
                throw WireError(
                    .deadlineExceeded, "job \(record.id) is still \(current.state) after \(limit ?? .zero)")
            }
            do { try await Task.sleep(for: interval) } catch {
                throw WireError(.cancelled, "waiting for job \(record.id) cancelled")
            }
            current = try await job(record.id)
            update(current)
        }
        return current
    }

    private func job(_ request: WireRequest) async throws(WireError) -> JobRecord {
        let reply = try await wire.call(request, deadline: deadline)
        guard case .job(let record) = reply else { throw unexpected(reply, for: request.method) }
        return record
    }

    private func unexpected(_ reply: WireResponse, for method: WireMethod) -> WireError {
        WireError(.internal, "\(url) answered \(method) with an unexpected reply: \(reply)")
    }
}

extension JobState {
    /// Whether a job in this state will not change any more (succeeded, failed or cancelled).
    public var isFinal: Bool {
        switch self {
        case .queued, .running: false
        case .succeeded, .failed, .cancelled: true
        }
    }
}
