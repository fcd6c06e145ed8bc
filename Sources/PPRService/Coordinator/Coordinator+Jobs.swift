// Job methods of the client front (submit, get, list, cancel), delegated to the `JobRunner`, and what the
// jobs ask of the coordinator beyond the query path.
import PPRWire

extension Coordinator {
    /// Answers a job request through the job runner; UNIMPLEMENTED when this coordinator has no ledger.
    func handleJob(_ request: WireRequest) async throws(WireError) -> WireResponse {
        guard let runner = jobRunner else {
            throw WireError(.unimplemented, "\(request.method): this coordinator runs without a job ledger")
        }
        switch request {
        case .submitJob(let submit): return .job(try await runner.submit(submit.spec))
        case .getJob(let get): return .job(try await runner.get(id: get.id))
        case .listJobs(let list):
            guard list.limit >= 0 else { throw WireError(.invalidArgument, "limit: \(list.limit) must be >= 0") }
            return .jobList(ListJobsResponse(jobs: try await runner.list(limit: list.limit, state: list.state)))
        case .cancelJob(let cancel): return .job(try await runner.cancel(id: cancel.id))
        default: throw WireError(.internal, "\(request.method) is not a job method")
        }
    }
}

extension Coordinator {
    /// The active version and the walk parameters its workers' manifests record (all shards agree).
    public func activeIndexManifest() async throws(WireError) -> ActiveIndex { try await activeIndex() }
}
