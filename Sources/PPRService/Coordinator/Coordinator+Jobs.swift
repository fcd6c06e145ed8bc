// Job methods of the client front (submit, get, list, cancel), delegated to the job runner.
import PPRWire

extension Coordinator {
    /// Answers a job request. The single switch point to the `JobRunner` (branch `jobs`): until it is
    /// merged, job methods are UNIMPLEMENTED.
    func handleJob(_ request: WireRequest) async throws(WireError) -> WireResponse {
        throw WireError(.unimplemented, "\(request.method): jobs are not available in this build")
    }
}
