// Listeners stopped by one connection that closes before negotiating (nng 1.5.2, issue #1518, over
// ipc://: any local process that can open the socket could do it), in real daemons: a worker's listener
// watchdog restarts it, logs it, and the coordinator's queries succeed again without restarting
// anything; a front whose listener cannot listen again is not ready (/readyz) until it can.
import Foundation
import PPRTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension EndToEnd {
    @Suite("listener restart")
    struct ListenerRestartEndToEndTests {
        @Test("a worker ipc listener stopped by an early close is restarted and queries succeed again")
        func stoppedIPCListenerIsRestarted() async throws {
            try await ClusterProcess.with(shards: 1, workerIPC: true) { cluster in
                _ = try await cluster.indexJob()
                let query = ["--source", "1", "--source", "5"]
                let healthy = try await cluster.query(query)

                let url = cluster.workerURLs[0]
                let worker = try #require(cluster.workers[0])
                let restarted = "listener had stopped accepting connections and was restarted"
                // Whether an early close stops the listener is a race inside nng, usually won at once: close
                // connections (at most 20) until the watchdog reports a restart (within about 2.5 s of one).
                for _ in 0..<20 where !worker.stderr.contains(restarted) {
                    try RawSockets.connectAndClose(url)
                    try? await worker.waitForStderr(containing: restarted, timeout: .seconds(4))
                }
                #expect(worker.stderr.contains(restarted))
                #expect(worker.stderr.contains(url))

                let recovered = try await cluster.query(query)
                #expect(recovered.results == healthy.results)
            }
        }

        @Test("powerwalkd local: a front listener that stopped and cannot listen again fails /readyz until it can")
        func frontThatCannotListenIsNotReady() async throws {
            let scratch = try ScratchDirectory("listener-ready")
            defer { scratch.remove() }
            let graph = try await Pwctl.ingestFixture(into: scratch)
            let path = scratch.path("front.sock")
            let url = "ipc://" + path
            let metricsPort = try FreePort.ports(1)[0]
            let daemon = try await ChildProcess.local(
                graph: graph, dataDirectory: scratch.path("data"), listen: url,
                environment: ["POWERWALK_METRICS_LISTEN": "127.0.0.1:\(metricsPort)"])
            defer { daemon.send(SIGKILL) }
            _ = try await Pwctl.output(["index", "--wait"] + Pwctl.walkArguments, coordinator: url)
            #expect(try await HTTPProbe.get(port: metricsPort, "/readyz").status == 200)

            // Stop the listener, and put a directory where its socket was before the watchdog (about 2 s)
            // listens again: that fails, and keeps failing while the directory is there.
            try RawSockets.connectAndClose(url)
            try FileManager.default.removeItem(atPath: path)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            let notReady = try await HTTPProbe.poll(port: metricsPort, "/readyz") { $0.status == 503 }
            #expect(notReady.body.contains("could not listen again"), "\(notReady.body)")
            let failed = #"powerwalk_listener_restarts_total{role="front",outcome="failed"}"#
            let metrics = HTTPProbe.samples(try await HTTPProbe.get(port: metricsPort, "/metrics").body)
            #expect((metrics[failed] ?? 0) >= 1, "\(metrics.filter { $0.key.contains("listener") })")

            try FileManager.default.removeItem(atPath: path)
            _ = try await HTTPProbe.poll(port: metricsPort, "/readyz") { $0.status == 200 }
            let restarted = #"powerwalk_listener_restarts_total{role="front",outcome="restarted"}"#
            let after = HTTPProbe.samples(try await HTTPProbe.get(port: metricsPort, "/metrics").body)
            #expect((after[restarted] ?? 0) >= 1)
            let answer = try await Pwctl.output(["query", "--source", "1", "--top", "3"], coordinator: url)
            #expect(!answer.isEmpty)
        }
    }
}
