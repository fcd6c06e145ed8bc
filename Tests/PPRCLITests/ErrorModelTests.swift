// pwctl's half of the one error model (issue 9): any error reaches the user through the service's one
// mapping (`WireError(from:)`) and one exit-status table (`ClientFailure.exitStatus(for:)`).
import ArgumentParser
import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

@testable import PPRCLI

@Suite struct ErrorModelTests {
    @Test(arguments: [
        (WireErrorCode.invalidArgument, Int32(2)), (.notFound, 3), (.unavailable, 4), (.deadlineExceeded, 4),
        (.unauthenticated, 6), (.permissionDenied, 7), (.failedPrecondition, 1), (.internal, 1), (.cancelled, 1),
    ])
    func everyCodeHasOneExitStatus(code: WireErrorCode, status: Int32) {
        #expect(ClientFailure.exitStatus(for: code).rawValue == status)
        #expect(ClientFailure(code, "x").exitCode.rawValue == status)
    }

    /// Local errors take the coordinator's code and message: no second mapping in pwctl.
    @Test func localErrorsUseTheServicesMapping() {
        let errors: [any Error] = [
            QueryRequestError.alphaMismatch(requested: 0.2, index: 0.15),
            QueryRequestError.unknownVertex(VertexID(9), role: .exclude),
            StoreError.noCompleteIndex(path: "/s", detail: "none"),
            StoreError.restartProbabilityMismatch(path: "/s", requested: 0.2, indexed: 0.15),
            QueryError.restartProbabilityMismatch(query: 0.2, index: 0.15),
        ]
        for error in errors {
            let failure = ClientFailure.from(error)
            let wire = WireError(from: error)
            #expect(failure.code == wire.code && failure.message == wire.message, "\(error)")
        }
        #expect(ClientFailure.from(QueryRequestError.alphaMismatch(requested: 0.2, index: 0.15)).exitCode.rawValue == 2)
    }

    /// A coordinator URL without a scheme is named as such (exit 2), not `nng_dial: Invalid argument`.
    @Test func aCoordinatorURLWithoutASchemeSaysSo() async throws {
        let status: StatusCommand = try parse(["status", "--coordinator", "localhost:7400"])
        let error = #expect(throws: WireError.self) { _ = try status.coordinator.client() }
        #expect(error?.code == .invalidArgument)
        #expect(
            error?.message == "cannot dial localhost:7400: the URL has no scheme: use tcp://HOST:PORT, "
                + "tls+tcp://HOST:PORT, ipc://PATH or inproc://NAME")
        await #expect(throws: ExitCode(2)) { try await status.run() }
    }
}
