// A worker process dies (SIGKILL, no goodbye): queries fail fast with UNAVAILABLE naming the shard
// (the coordinator's combine deadline, not the client's, ends the wait), the coordinator keeps
// serving and reports the shard unreachable, and a restarted worker is used again.
import Foundation
import Testing

extension EndToEnd {
    @Suite("worker failure")
    struct WorkerFailureTests {
        /// The coordinator's combine deadline in this test; pwctl's own deadline is far longer.
        static let combineMillis = 1_000

        @Test("a killed worker makes queries UNAVAILABLE (exit 4); after a restart they succeed again")
        func killedWorkerThenRestart() async throws {
            try await ClusterProcess.with(shards: 2, combineMillis: Self.combineMillis) { cluster in
                _ = try await cluster.indexJob()
                let query = ["--source", "1:2", "--source", "5:1", "--source", "160"]
                let healthy = try await cluster.query(query)

                try await cluster.killWorker(1)
                // pwctl waits 20 s: if the coordinator did not give up at its own deadline, pwctl would
                // report DEADLINE_EXCEEDED, not the coordinator's UNAVAILABLE.
                let failed = try await cluster.pwctl(["query", "--json", "--timeout-ms", "20000"] + query)
                #expect(failed.status == 4 && !failed.signalled, "\(failed)")
                #expect(failed.stderr.contains("UNAVAILABLE"), "\(failed)")
                #expect(failed.stderr.contains("shard 1"), "\(failed)")
                #expect(failed.stderr.contains("within \(Self.combineMillis) ms"), "\(failed)")
                #expect(failed.stdout.isEmpty)

                let degraded = try Pwctl.decode(StatusJSON.self, from: try await cluster.waitUntilAnswering())
                #expect(degraded.shards.map(\.state) == ["serving", "unreachable"], "\(degraded)")

                try await cluster.startWorker(1)
                try await cluster.waitForShards(["serving", "serving"])
                let recovered = try await cluster.query(query)
                #expect(recovered.results == healthy.results)
            }
        }
    }
}

extension ClusterProcess {
    /// Polls `pwctl status` until the shards' states are `states` (bounded by `daemonTimeout`).
    func waitForShards(_ states: [String]) async throws {
        let clock = ContinuousClock()
        let end = clock.now + Self.daemonTimeout
        while true {
            let status = try Pwctl.decode(StatusJSON.self, from: try await waitUntilAnswering())
            if status.shards.map(\.state) == states { return }
            guard clock.now < end else { throw HarnessError("shards stayed \(status.shards.map(\.state))") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
