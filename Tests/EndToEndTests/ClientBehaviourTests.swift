// pwctl's exit codes when there is no cluster at all: a coordinator nobody serves fails at once with
// exit 4 (the first connection attempt is reported), and a command-line mistake is a usage error (64)
// naming the argument.
import Foundation
import Testing

extension EndToEnd {
    @Suite("pwctl without a cluster")
    struct ClientBehaviourTests {
        @Test("no coordinator: UNAVAILABLE: nothing listens at URL, at once, exit 4")
        func noCoordinatorIsExitFour() async throws {
            let url = try FreePort.urls(1)[0]  // nothing listens there
            // A 10-minute deadline: only the fail-fast first dial can end this within the 30 s harness bound.
            let result = try await Pwctl.run(
                ["status", "--timeout-ms", "600000"], coordinator: url, timeout: .seconds(30))
            #expect(result.status == 4 && !result.signalled, "\(result)")
            #expect(result.stderr.contains("UNAVAILABLE: nothing listens at \(url)"), "\(result)")
        }

        @Test("a malformed --source is a usage error (exit 64) naming the value")
        func malformedSourceIsUsageError() async throws {
            let result = try await Pwctl.run(["query", "--source", "12:abc"], coordinator: "tcp://127.0.0.1:1")
            #expect(result.status == 64 && !result.signalled, "\(result)")
            #expect(result.stderr.contains("12:abc"), "\(result)")
        }
    }
}
