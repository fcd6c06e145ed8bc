// Operations of real daemons on loopback: the HTTP probe listener (/metrics parsed as Prometheus text,
// /healthz, /readyz), JSON log lines, and SIGTERM with a request in flight (it still gets its answer,
// new requests are refused, the process exits 0 within the grace period).
import Foundation
import PPRTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension EndToEnd {
    @Suite("metrics, probes, logs and graceful shutdown")
    struct ObservabilityTests {
        @Test("powerwalkd local: /healthz, /readyz before and after an index, /metrics counts a query, JSON logs")
        func localProbesMetricsAndJSONLogs() async throws {
            let scratch = try ScratchDirectory("observe-local")
            defer { scratch.remove() }
            let graph = try await Pwctl.ingestFixture(into: scratch)
            let url = try FreePort.urls(1)[0]
            let metricsPort = try FreePort.ports(1)[0]
            let daemon = try await ChildProcess.local(
                graph: graph, dataDirectory: scratch.path("data"), listen: url,
                extraArguments: ["--log-format", "json"],
                environment: ["POWERWALK_METRICS_LISTEN": "127.0.0.1:\(metricsPort)"])
            defer { daemon.send(SIGKILL) }

            #expect(try await HTTPProbe.get(port: metricsPort, "/healthz").status == 200)
            let notReady = try await HTTPProbe.get(port: metricsPort, "/readyz")
            #expect(notReady.status == 503)
            #expect(notReady.body.contains("no index version is active"), "\(notReady.body)")
            #expect(try await HTTPProbe.get(port: metricsPort, "/nothing").status == 404)
            #expect(try await HTTPProbe.get(port: metricsPort, "/metrics", method: "POST").status == 405)

            let indexed = try Pwctl.decode(
                JobJSON.self,
                from: try await Pwctl.output(["index", "--wait", "--json"] + Pwctl.walkArguments, coordinator: url))
            #expect(indexed.state == "succeeded", "\(indexed)")
            let ready = try await HTTPProbe.get(port: metricsPort, "/readyz")
            #expect(ready.status == 200, "\(ready.body)")

            let query = #"powerwalk_requests_total{role="front",method="Query",code="OK"}"#
            _ = try await Pwctl.output(["query", "--source", "0", "--json"], coordinator: url)
            let first = HTTPProbe.samples(try await HTTPProbe.get(port: metricsPort, "/metrics").body)
            let before = try #require(first[query], "no \(query) after a query")
            _ = try await Pwctl.output(["query", "--source", "1", "--json"], coordinator: url)
            let after = HTTPProbe.samples(try await HTTPProbe.get(port: metricsPort, "/metrics").body)
            #expect(after[query] == before + 1)

            // The latency histogram has cumulative buckets ending in +Inf == count.
            let labels = #"role="front",method="Query",code="OK""#
            let count = try #require(after["powerwalk_request_duration_seconds_count{\(labels)}"])
            let buckets = after.filter { $0.key.hasPrefix("powerwalk_request_duration_seconds_bucket{\(labels),le=") }
            #expect(buckets.count >= 10)
            #expect(after["powerwalk_request_duration_seconds_bucket{\(labels),le=" + #""+Inf"}"#] == count)
            #expect(count == after[query])
            // Worker side (same process): combines, what they read, the jobs and the replicas.
            #expect((after[#"powerwalk_combine_fingerprints_read_total{shard="0"}"#] ?? 0) > 0)
            #expect((after[#"powerwalk_combine_entries_total{shard="1"}"#] ?? 0) > 0)
            #expect(after[#"powerwalk_jobs{state="succeeded"}"#] == 1)
            #expect(after[#"powerwalk_replica_healthy{shard="1",replica="0"}"#] == 1)
            #expect(after[#"powerwalk_active_index_version{shard="all"}"#] == 1)

            daemon.send(SIGTERM)
            let stopped = try await daemon.waitForExit(timeout: ClusterProcess.daemonTimeout)
            #expect(stopped.succeeded, "\(stopped)")

            // Every stderr line is one JSON object with the documented keys.
            let lines = stopped.stderr.split(separator: "\n")
            #expect(lines.count >= 4)
            for line in lines {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                let keys = Set(object?.keys.map { $0 } ?? [])
                #expect(keys == ["timestamp", "level", "label", "message", "metadata"], "\(line)")
            }
            #expect(lines.contains { $0.contains(#""message":"stopping""#) && $0.contains(#""signal":"SIGTERM""#) })
        }

        @Test("cluster: worker /readyz, and SIGTERM lets an in-flight query answer, refuses new ones, exits 0")
        func sigtermWithInFlightRequest() async throws {
            let scratch = try ScratchDirectory("observe-cluster")
            defer { scratch.remove() }
            let graph = try await Pwctl.ingestFixture(into: scratch)
            // One shard, a long combine deadline: a stopped worker holds a query in flight at the front.
            let cluster = try ClusterProcess(scratch: scratch, graph: graph, shards: 1, combineMillis: 30_000)
            defer { cluster.killAll() }
            let ports = try FreePort.ports(2)
            let (workerPort, frontPort) = (ports[0], ports[1])
            let worker = try ChildProcess(
                name: "powerwalkd worker", executable: try Binaries.powerwalkd,
                arguments: [
                    "worker", "--config", cluster.configPath, "--shard", "0", "--metrics-listen",
                    "127.0.0.1:\(workerPort)",
                ])
            defer { worker.send(SIGKILL) }
            try await worker.waitForStderr(containing: "worker serving", timeout: ClusterProcess.daemonTimeout)
            // The worker logs "worker serving" before its probe listener starts: wait until that answers.
            let empty = try await HTTPProbe.poll(port: workerPort, "/readyz", timeout: .seconds(20)) { _ in true }
            #expect(empty.status == 503)
            #expect(empty.body.contains("no active index version"), "\(empty.body)")

            let front = try ChildProcess(
                name: "powerwalkd coordinator", executable: try Binaries.powerwalkd,
                arguments: [
                    "coordinator", "--config", cluster.configPath, "--metrics-listen", "127.0.0.1:\(frontPort)",
                    "--shutdown-grace-millis", "40000",
                ])
            defer { front.send(SIGKILL) }
            try await front.waitForStderr(containing: "coordinator serving", timeout: ClusterProcess.daemonTimeout)
            #expect(try await HTTPProbe.get(port: frontPort, "/readyz").status == 503)
            let indexed = try Pwctl.decode(
                JobJSON.self, from: try await cluster.pwctlOutput(["index", "--wait", "--json"] + Pwctl.walkArguments))
            #expect(indexed.state == "succeeded", "\(indexed)")
            #expect(try await HTTPProbe.get(port: workerPort, "/readyz").status == 200)
            #expect(try await HTTPProbe.get(port: frontPort, "/readyz").status == 200)

            // Freeze the worker, so a query waits at the front for its combine.
            worker.send(SIGSTOP)
            let inFlight = try ChildProcess(
                name: "pwctl query", executable: try Binaries.pwctl,
                arguments: ["query", "--source", "0", "--json", "--timeout-ms", "60000"],
                environment: ["PWCTL_COORDINATOR": cluster.coordinatorURL])
            defer { inFlight.send(SIGKILL) }
            _ = try await HTTPProbe.poll(port: frontPort, "/metrics") {
                HTTPProbe.samples($0.body)[#"powerwalk_requests_in_flight{role="front"}"#] == 1
            }

            front.send(SIGTERM)
            try await front.waitForStderr(containing: "stopping", timeout: .seconds(10))
            // A request after SIGTERM is refused at once (the in-flight one is still waiting).
            let refused = try await cluster.pwctl(["query", "--source", "1", "--timeout-ms", "10000"])
            #expect(!refused.succeeded)
            #expect(refused.stderr.contains("UNAVAILABLE") && refused.stderr.contains("shutting down"), "\(refused)")
            #expect(front.isRunning, "the coordinator exited before its in-flight request was answered")

            worker.send(SIGCONT)
            let answered = try await inFlight.waitForExit(timeout: .seconds(60))
            #expect(answered.succeeded, "the in-flight query failed: \(answered)")
            #expect(try Pwctl.decode(QueryJSON.self, from: answered.stdout).results.isEmpty == false)
            let stopped = try await front.waitForExit(timeout: .seconds(40))
            #expect(stopped.succeeded, "\(stopped)")
            #expect(!stopped.stderr.contains("grace period over"), "\(stopped.stderr)")

            worker.send(SIGTERM)
            let workerStopped = try await worker.waitForExit(timeout: ClusterProcess.daemonTimeout)
            #expect(workerStopped.succeeded, "\(workerStopped)")
        }
        @Test(
            "SIGTERM during an index job: exit 0, the job is FAILED 'interrupted by a coordinator shutdown', the old version serves"
        )
        func sigtermDuringAnIndexJob() async throws {
            let scratch = try ScratchDirectory("observe-job")
            defer { scratch.remove() }
            let graph = try await Pwctl.ingestFixture(into: scratch)
            let url = try FreePort.urls(1)[0]
            let grace = ["--shutdown-grace-millis", "5000"]
            let first = try await ChildProcess.local(
                graph: graph, dataDirectory: scratch.path("data"), listen: url, extraArguments: grace)
            defer { first.send(SIGKILL) }
            let built = try Pwctl.decode(
                JobJSON.self,
                from: try await Pwctl.output(["index", "--wait", "--json"] + Pwctl.walkArguments, coordinator: url))
            #expect(built.result?.index_version == 1)

            // A long build (many walks per vertex), stopped while it runs. The build stops at its next chunk
            // boundary (256 vertices × R walks), so the stop takes up to one chunk's time, bounded below.
            let submitted = try Pwctl.decode(
                JobJSON.self,
                from: try await Pwctl.output(["index", "--json", "--walks", "10000", "--seed", "3"], coordinator: url))
            let clock = ContinuousClock()
            let end = clock.now + .seconds(30)
            while true {
                let job = try Pwctl.decode(
                    JobJSON.self,
                    from: try await Pwctl.output(["jobs", "show", "\(submitted.id)", "--json"], coordinator: url))
                if job.state == "running" { break }
                #expect(job.state == "queued", "\(job)")
                guard job.state == "queued", clock.now < end else { return }
                try await Task.sleep(for: .milliseconds(20))
            }
            first.send(SIGTERM)
            let stopped = try await first.waitForExit(timeout: ClusterProcess.daemonTimeout)
            #expect(stopped.succeeded, "\(stopped)")

            let second = try await ChildProcess.local(
                graph: graph, dataDirectory: scratch.path("data"), listen: url, extraArguments: grace,
                name: "powerwalkd local (restarted)")
            defer { second.send(SIGKILL) }
            let job = try Pwctl.decode(
                JobJSON.self,
                from: try await Pwctl.output(["jobs", "show", "\(submitted.id)", "--json"], coordinator: url))
            #expect(job.state == "failed", "\(job)")
            #expect(job.error?.message.contains("interrupted by a coordinator shutdown; resubmit") == true, "\(job)")
            let answer = try Pwctl.decode(
                QueryJSON.self, from: try await Pwctl.output(["query", "--source", "0", "--json"], coordinator: url))
            #expect(answer.index_version == 1)
            #expect(!answer.results.isEmpty)
            second.send(SIGTERM)
            #expect(try await second.waitForExit(timeout: ClusterProcess.daemonTimeout).succeeded)
        }
    }
}
