import ArgumentParser
import Foundation
import PPRWire

/// Where the coordinator is and how long to wait for it: the options every wire command shares.
struct CoordinatorOptions: ParsableArguments {
    /// The environment variable naming the default coordinator URL.
    static let environmentVariable = "PWCTL_COORDINATOR"
    /// The URL used when neither the flag nor the environment names one.
    static let fallbackURL = "tcp://127.0.0.1:7400"

    @Option(
        name: .long,
        help: ArgumentHelp("Coordinator URL (default: $PWCTL_COORDINATOR, else \(fallbackURL)).", valueName: "url"))
    var coordinator: String?

    @Option(name: .customLong("timeout-ms"), help: "Deadline of each request to the coordinator, in milliseconds.")
    var timeoutMilliseconds: Int = 30_000

    func validate() throws {
        guard timeoutMilliseconds >= 1 else {
            throw ValidationError("--timeout-ms must be at least 1, not \(timeoutMilliseconds)")
        }
        if let coordinator, coordinator.isEmpty { throw ValidationError("--coordinator must name a URL") }
    }

    /// The URL to dial: the flag, else the environment variable (if non-empty), else the fallback.
    func url(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let coordinator { return coordinator }
        if let fromEnvironment = environment[Self.environmentVariable], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return Self.fallbackURL
    }

    /// The per-request deadline.
    var deadline: Duration { .milliseconds(timeoutMilliseconds) }

    /// A client of the coordinator (the dial happens in the background).
    func client() throws -> CoordinatorClient {
        CoordinatorClient(wire: try WireClient(dialing: url()), deadline: deadline)
    }
}
