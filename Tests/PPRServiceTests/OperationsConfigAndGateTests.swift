// The operations keys (metrics.listen, shutdown.gracePeriodMillis) and the RequestGate every server's
// requests pass through: drain lets requests in flight answer, refuses new ones with UNAVAILABLE, and
// gives up after the grace period.
import PPRService
import PPRWire
import Synchronization
import Testing

@Suite struct OperationsConfigAndGateTests {
    private static let yaml = """
        graph: g.pwg
        shards:
          - replicas:
              - url: tcp://127.0.0.1:7410
                dataDir: s0
        """

    @Test func metricsAndShutdownKeysHaveDefaultsAndEnvironmentOverrides() throws {
        var plain = try ConfigLoader(yaml: Self.yaml, origin: "t.yaml", environment: [:])
        let defaults = try plain.serviceConfig()
        #expect(defaults.metrics.listen == nil)
        #expect(defaults.shutdown.gracePeriodMillis == 10_000)

        var loader = try ConfigLoader(
            yaml: Self.yaml + "\nshutdown:\n  gracePeriodMillis: 2500\n", origin: "t.yaml",
            environment: ["POWERWALK_METRICS_LISTEN": "127.0.0.1:9464"])
        let config = try loader.serviceConfig()
        #expect(config.metrics.listen == "127.0.0.1:9464")
        #expect(config.shutdown.gracePeriodMillis == 2500)
    }

    @Test(arguments: ["-1", "600001", "soon"])
    func aGracePeriodOutOfRangeNamesTheKey(_ value: String) throws {
        var loader = try ConfigLoader(
            yaml: Self.yaml + "\nshutdown:\n  gracePeriodMillis: \(value)\n", origin: "t.yaml", environment: [:])
        #expect {
            _ = try loader.serviceConfig()
        } throws: { error in
            "\(error)".contains("shutdown.gracePeriodMillis")
        }
    }

    @Test func drainWaitsForInFlightRequestsAndRefusesNewOnes() async throws {
        let gate = RequestGate(role: "worker")
        let release = AsyncStream<Void>.makeStream()
        let started = AsyncStream<Void>.makeStream()
        let inFlight = Task {
            await gate.handle(.workerHealth(WorkerHealthRequest())) { _ in
                started.continuation.yield()
                for await _ in release.stream { break }
                return .workerHealth(WorkerHealth(shards: [], activeVersion: 3))
            }
        }
        for await _ in started.stream { break }
        #expect(gate.inFlight == 1)

        let draining = Task { await gate.drain(within: .seconds(60)) }
        // Bounded wait until the drain has begun.
        for _ in 0..<2_000 where !gate.isDraining { try await Task.sleep(for: .milliseconds(1)) }
        #expect(gate.isDraining)
        let refused = await gate.handle(.clusterStatus(ClusterStatusRequest())) { _ in
            Issue.record("a request after drain reached the handler")
            return .failure(WireError(.internal, "reached"))
        }
        #expect(refused.failure?.code == .unavailable)
        #expect(refused.failure?.message.contains("shutting down") == true)

        release.continuation.yield()
        let answer = await inFlight.value
        #expect(answer == .workerHealth(WorkerHealth(shards: [], activeVersion: 3)))
        #expect(await draining.value == 0)
    }

    @Test func drainGivesUpAfterTheGracePeriod() async throws {
        let gate = RequestGate(role: "front")
        let started = AsyncStream<Void>.makeStream()
        let stuck = Task {
            await gate.handle(.clusterStatus(ClusterStatusRequest())) { _ in
                started.continuation.yield()
                try? await Task.sleep(for: .seconds(120))
                return .failure(WireError(.cancelled, "cancelled"))
            }
        }
        for await _ in started.stream { break }
        let clock = ContinuousClock()
        let began = clock.now
        let left = await gate.drain(within: .milliseconds(100))
        #expect(left == 1)
        #expect(clock.now - began < .seconds(60))
        stuck.cancel()
        _ = await stuck.value
        #expect(gate.inFlight == 0)
    }
}
