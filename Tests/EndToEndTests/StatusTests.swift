// `pwctl status` as scripts use it: exit 0 only when the cluster can serve, 4 otherwise (the status still
// printed, the reasons on stderr); `--ready-for index` before the first build; `--wait-ready` polls until a
// restarted worker is back, and gives up with 4 at its deadline.
import Foundation
import Testing

extension EndToEnd {
    @Suite("status readiness")
    struct StatusTests {
        @Test("status exits 4 until the cluster can serve; --wait-ready waits for a restarted worker")
        func statusExitCodesAndWaitReady() async throws {
            try await ClusterProcess.with(shards: 2) { cluster in
                let fresh = try await cluster.pwctl(["status", "--json"])
                #expect(fresh.status == 4 && !fresh.signalled, "\(fresh)")
                #expect(fresh.stderr.contains("not ready: no active index version"), "\(fresh)")
                #expect(try Pwctl.decode(StatusJSON.self, from: fresh.stdout).active_index_version == 0)
                let forIndex = try await cluster.pwctl(["status", "--ready-for", "index"])
                #expect(forIndex.succeeded, "\(forIndex)")

                _ = try await cluster.indexJob()
                let ready = try await cluster.pwctl(["status", "--wait-ready", "10"])
                #expect(ready.succeeded, "\(ready)")

                try await cluster.killWorker(1)
                let down = try await cluster.pwctl(["status"])
                #expect(down.status == 4 && down.stderr.contains("shard 1 is unreachable"), "\(down)")
                #expect(down.stdout.contains("unreachable"), "\(down)")
                let clock = ContinuousClock()
                let started = clock.now
                let gaveUp = try await cluster.pwctl(["status", "--wait-ready", "1.5"])
                #expect(gaveUp.status == 4, "\(gaveUp)")
                #expect(clock.now - started < .seconds(20))

                let url = cluster.coordinatorURL
                async let waited = Pwctl.run(["status", "--wait-ready", "60"], coordinator: url, timeout: .seconds(90))
                try await Task.sleep(for: .seconds(1))
                try await cluster.startWorker(1)
                let back = try await waited
                #expect(back.succeeded, "\(back)")
            }
        }
    }
}
