// Starting `powerwalkd local` as the end-to-end tests run it: two shards, one walk thread.
import Foundation

extension ChildProcess {
    /// `powerwalkd local` over `graph` with two shards and one walk thread, its data under `dataDirectory`
    /// and its front at `url`, plus `extraArguments`; returns once it serves. `name` labels its messages.
    static func local(
        graph: String, dataDirectory: String, listen url: String, extraArguments: [String] = [],
        environment: [String: String] = [:], name: String = "powerwalkd local"
    ) async throws -> ChildProcess {
        let daemon = try ChildProcess(
            name: name, executable: try Binaries.powerwalkd,
            arguments: [
                "local", "--graph", graph, "--data-dir", dataDirectory, "--shards", "2", "--listen", url, "--threads",
                "1",
            ] + extraArguments,
            environment: environment)
        // A daemon that never serves is killed when `daemon` is released (`ChildProcess.deinit`).
        try await daemon.waitForStderr(containing: "powerwalk local serving", timeout: ClusterProcess.daemonTimeout)
        return daemon
    }
}
