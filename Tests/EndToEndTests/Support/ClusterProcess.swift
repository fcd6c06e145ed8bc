// ClusterProcess: a PowerWalk cluster of real processes on loopback TCP for one test: N × R
// `powerwalkd worker` processes (one shard replica each) and one `powerwalkd coordinator`, configured by a YAML
// file in a scratch directory, on free ports chosen at run time. `with` tears everything down whatever
// the test does: the daemons get SIGTERM (and SIGKILL if they linger), and the scratch dir is removed.
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A running cluster of worker and coordinator processes.
final class ClusterProcess {
    let scratch: ScratchDirectory
    /// The graph file every process maps.
    let graphPath: String
    /// The YAML config the daemons read.
    let configPath: String
    /// The coordinator's client front (PWCTL_COORDINATOR of the pwctl runs).
    let coordinatorURL: String
    /// Worker URL of each shard (its replica 0), in shard order.
    let workerURLs: [String]
    /// `replicaURLs[s][r]`: the URL of replica `r` of shard `s`.
    let replicaURLs: [[String]]
    /// The worker of each shard (its replica 0), nil when it is not running.
    var workers: [ChildProcess?] { replicaWorkers.map { $0[0] } }
    /// `replicaWorkers[s][r]`: the worker of replica `r` of shard `s`, nil when it is not running.
    private(set) var replicaWorkers: [[ChildProcess?]]
    private(set) var coordinator: ChildProcess?

    /// Longest wait for a daemon to come up or go down.
    static let daemonTimeout: Duration = .seconds(60)

    /// Runs `body` on a started cluster of `shards` × `replicas` workers over the email-Eu-core fixture.
    /// With `workerIPC`, the workers listen on `ipc://` sockets in the scratch directory instead of TCP.
    static func with<R>(
        shards: Int, replicas: Int = 1, combineMillis: Int = 2_000, healthProbeMillis: Int = 500,
        workerIPC: Bool = false, _ body: (ClusterProcess) async throws -> R
    ) async throws -> R {
        let scratch = try ScratchDirectory("cluster")
        defer { scratch.remove() }
        let graph = try await Pwctl.ingestFixture(into: scratch)
        let cluster = try ClusterProcess(
            scratch: scratch, graph: graph, shards: shards, replicas: replicas, combineMillis: combineMillis,
            healthProbeMillis: healthProbeMillis, workerIPC: workerIPC)
        defer { cluster.killAll() }
        try await cluster.start()
        let result = try await body(cluster)
        try await cluster.stop()
        return result
    }

    /// Writes the config; starts nothing.
    init(
        scratch: ScratchDirectory, graph: String, shards: Int, replicas: Int = 1, combineMillis: Int,
        healthProbeMillis: Int = 500, workerIPC: Bool = false
    ) throws {
        self.scratch = scratch
        graphPath = graph
        configPath = scratch.path("cluster.yaml")
        var urls = try FreePort.urls(shards * replicas + 1)
        if workerIPC {
            for i in 1..<urls.count { urls[i] = "ipc://" + scratch.path("worker-\(i).sock") }
        }
        coordinatorURL = urls[0]
        replicaURLs = (0..<shards).map { s in Array(urls[(1 + s * replicas)..<(1 + (s + 1) * replicas)]) }
        workerURLs = replicaURLs.map { $0[0] }
        replicaWorkers = Array(repeating: Array(repeating: nil, count: replicas), count: shards)
        try config(combineMillis: combineMillis, healthProbeMillis: healthProbeMillis)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// The data directory of replica `r` of shard `s` (replica 0: `shard-S`, as with one replica).
    func dataDir(shard s: Int, replica r: Int) -> String {
        scratch.path(r == 0 ? "shard-\(s)" : "shard-\(s)-replica-\(r)")
    }

    /// The cluster's YAML: the index defaults are the tests' walk parameters.
    private func config(combineMillis: Int, healthProbeMillis: Int) -> String {
        let shardLines = replicaURLs.enumerated().map { shard, urls in
            let replicaLines = urls.enumerated().map { replica, url in
                """
                      - url: "\(url)"
                        dataDir: \(dataDir(shard: shard, replica: replica))
                """
            }
            return "  - replicas:\n" + replicaLines.joined(separator: "\n")
        }
        return """
            graph: \(graphPath)
            shards:
            \(shardLines.joined(separator: "\n"))
            coordinator:
              listen: "\(coordinatorURL)"
              dataDir: \(scratch.path("coordinator"))
              jobFilesDir: \(scratch.path("jobs"))
              concurrency: 4
            index:
              walks: \(Pwctl.walks)
              maxLength: \(Pwctl.maxLength)
              alpha: \(Pwctl.alpha)
              seed: \(Pwctl.seed)
              threads: 1
            deadlines:
              combineMillis: \(combineMillis)
              controlMillis: 5000
              healthProbeMillis: \(healthProbeMillis)
            limits:
              mapSizeBytes: 1073741824

            """
    }

    /// The path of `name` in the coordinator's job directory (`coordinator.jobFilesDir`, created at its start).
    func jobFile(_ name: String) -> String { scratch.path("jobs/\(name)") }

    /// Starts every worker, then the coordinator, and waits until `pwctl status` answers.
    func start() async throws {
        for shard in replicaWorkers.indices {
            for replica in replicaWorkers[shard].indices { try await startReplica(shard, replica) }
        }
        try await startCoordinator()
    }

    /// Starts shard `shard`'s worker (its replica 0) and waits until it listens.
    func startWorker(_ shard: Int) async throws { try await startReplica(shard, 0) }

    /// Starts replica `replica` of shard `shard` and waits until it listens.
    func startReplica(_ shard: Int, _ replica: Int) async throws {
        let worker = try ChildProcess(
            name: "powerwalkd worker \(shard)" + (replica == 0 ? "" : " replica \(replica)"),
            executable: try Binaries.powerwalkd,
            arguments: [
                "worker", "--config", configPath, "--shard", "\(shard)", "--replica", "\(replica)", "--contexts", "2",
            ])
        replicaWorkers[shard][replica] = worker
        try await worker.waitForStderr(containing: "worker serving", timeout: Self.daemonTimeout)
    }

    /// Starts the coordinator and waits until `pwctl status` answers.
    func startCoordinator() async throws {
        let process = try ChildProcess(
            name: "powerwalkd coordinator", executable: try Binaries.powerwalkd,
            arguments: ["coordinator", "--config", configPath])
        coordinator = process
        try await process.waitForStderr(containing: "coordinator serving", timeout: Self.daemonTimeout)
        try await waitUntilAnswering()
    }

    /// Polls `pwctl status` until the coordinator answers (bounded by `daemonTimeout`); returns its JSON
    /// output. A cluster that is not ready (no index yet, a shard down) answers too: exit 4 with the status.
    @discardableResult
    func waitUntilAnswering() async throws -> String {
        let clock = ContinuousClock()
        let end = clock.now + Self.daemonTimeout
        while true {
            let result = try await pwctl(["status", "--json", "--timeout-ms", "2000"])
            if result.succeeded || (result.status == 4 && !result.stdout.isEmpty) { return result.stdout }
            guard clock.now < end else { throw HarnessError("pwctl status never answered: \(result)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Runs pwctl against this cluster's coordinator.
    func pwctl(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> CommandResult {
        try await Pwctl.run(arguments, coordinator: coordinatorURL, timeout: timeout)
    }

    /// Runs pwctl against this cluster; it must succeed. Returns stdout.
    func pwctlOutput(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> String {
        try await Pwctl.output(arguments, coordinator: coordinatorURL, timeout: timeout)
    }

    /// SIGTERMs the coordinator and waits (bounded) for it to exit.
    func stopCoordinator() async throws -> CommandResult {
        guard let process = coordinator else { throw HarnessError("the coordinator is not running") }
        coordinator = nil
        process.send(SIGTERM)
        return try await process.waitForExit(timeout: Self.daemonTimeout)
    }

    /// SIGKILLs shard `shard`'s worker (its replica 0) and waits for it to be gone.
    func killWorker(_ shard: Int) async throws { try await killReplica(shard, 0) }

    /// SIGKILLs replica `replica` of shard `shard` and waits for it to be gone.
    func killReplica(_ shard: Int, _ replica: Int) async throws {
        guard let worker = replicaWorkers[shard][replica] else {
            throw HarnessError("worker \(shard) replica \(replica) is not running")
        }
        replicaWorkers[shard][replica] = nil
        worker.send(SIGKILL)
        _ = try await worker.waitForExit(timeout: Self.daemonTimeout)
    }

    /// SIGTERMs every daemon and checks that each exits 0 within the timeout.
    func stop() async throws {
        let running = [coordinator] + replicaWorkers.joined()
        coordinator = nil
        replicaWorkers = replicaWorkers.map { $0.map { _ in nil } }
        for process in running.compactMap({ $0 }) { process.send(SIGTERM) }
        for process in running.compactMap({ $0 }) {
            let result = try await process.waitForExit(timeout: Self.daemonTimeout)
            #expect(result.succeeded, "\(process.name) did not stop cleanly: \(result)")
        }
    }

    /// SIGKILLs whatever still runs (teardown after a failure; a no-op after `stop`).
    func killAll() {
        coordinator?.send(SIGKILL)
        for worker in replicaWorkers.joined() { worker?.send(SIGKILL) }
    }
}
