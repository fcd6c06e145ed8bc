// Replication and failover with real processes: 2 shards × 2 replicas (`powerwalkd worker`) and a
// coordinator on loopback TCP. Under a constant query load (4 clients, about 8 s), `kill -9` of one replica
// of each shard fails no query; the latency figures are printed (FAILOVER lines) for the README, not
// asserted (timing on a shared machine is no test). Both replicas of a shard dead is UNAVAILABLE naming the
// shard within the coordinator's deadline. An index job builds every replica, and replicas that missed
// one catch up by themselves and then answer exactly as their siblings did.
import Foundation
import PPRCore
import PPRWire
import Synchronization
import Testing

extension EndToEnd {
    @Suite("failover")
    struct FailoverTests {
        static let combineMillis = 2_000
        static let sources = ["--source", "1:2", "--source", "5:1", "--source", "160"]

        @Test("kill -9 of one replica per shard under load fails no query; both replicas dead is UNAVAILABLE")
        func killUnderLoad() async throws {
            try await ClusterProcess.with(shards: 2, replicas: 2, combineMillis: Self.combineMillis) { cluster in
                let indexed = try await cluster.indexJob()
                #expect(indexed.state == "succeeded", "\(indexed)")
                try await cluster.waitForReplicas { $0.state == "serving" }

                let load = try QueryLoad(url: cluster.coordinatorURL, clients: 4)
                let run = Task { await load.run(for: .seconds(8)) }
                try await Task.sleep(for: .seconds(2))
                let firstKill = ContinuousClock.now
                try await cluster.killReplica(0, 0)
                try await Task.sleep(for: .seconds(3))
                let secondKill = ContinuousClock.now
                try await cluster.killReplica(1, 1)
                let samples = await run.value
                load.close()

                let failures = samples.filter { $0.error != nil }
                #expect(samples.count > 100, "the load ran only \(samples.count) queries")
                #expect(failures.isEmpty, "\(failures.count) failed: \(failures.prefix(3).map { $0.error ?? "" })")
                QueryLoad.report(samples, kills: [("shard 0 replica 0", firstKill), ("shard 1 replica 1", secondKill)])

                let status = try await cluster.replicatedStatus()
                #expect(status.shards.map(\.state) == ["serving", "serving"])
                #expect(status.shards[0].replicas.map(\.state) == ["unreachable", "serving"])
                #expect(status.shards[1].replicas.map(\.state) == ["serving", "unreachable"])

                // The last replica of shard 0 goes too: UNAVAILABLE naming the shard, at the coordinator's
                // deadline (pwctl would wait 20 s and say DEADLINE_EXCEEDED otherwise).
                try await cluster.killReplica(0, 1)
                let failed = try await cluster.pwctl(["query", "--json", "--timeout-ms", "20000"] + Self.sources)
                #expect(failed.status == 4 && !failed.signalled, "\(failed)")
                #expect(failed.stderr.contains("UNAVAILABLE"), "\(failed)")
                #expect(failed.stderr.contains("shard 0"), "\(failed)")
                #expect(failed.stderr.contains("within \(Self.combineMillis) ms"), "\(failed)")
            }
        }

        @Test("an index job builds every replica; replicas that missed one catch up and answer the same")
        func catchUpAfterAMissedIndexJob() async throws {
            try await ClusterProcess.with(shards: 2, replicas: 2, healthProbeMillis: 200) { cluster in
                _ = try await cluster.indexJob()
                let built = try await cluster.waitForReplicas { $0.state == "serving" }
                for shard in built.shards { #expect(shard.replicas.map(\.active_version) == [1, 1], "\(shard)") }

                try await cluster.killReplica(0, 1)
                try await cluster.killReplica(1, 0)
                let second = try await cluster.indexJob()
                #expect(second.state == "succeeded", "\(second)")
                #expect(second.result?.index_version == 2)
                let expected = try await cluster.query(Self.sources)
                #expect(expected.index_version == 2)

                // Restarted with version 1 only: they rebuild version 2 by themselves.
                try await cluster.startReplica(0, 1)
                try await cluster.startReplica(1, 0)
                let caughtUp = try await cluster.waitForReplicas { $0.state == "serving" && $0.active_version == 2 }
                #expect(caughtUp.active_index_version == 2)

                // Only the caught-up replicas are left: their rebuilt stores give the same answer.
                try await cluster.killReplica(0, 0)
                try await cluster.killReplica(1, 1)
                let answer = try await cluster.query(Self.sources)
                #expect(answer.index_version == 2)
                #expect(answer.results == expected.results)
            }
        }
    }
}

/// `pwctl status --json` with the replicas (the fields the tests check).
struct ReplicatedStatusJSON: Decodable {
    struct Replica: Decodable {
        var replica: Int
        var state: String
        var active_version: UInt64
        var detail: String?
    }

    struct Shard: Decodable {
        var shard: Int
        var state: String
        var replicas: [Replica]
    }

    var active_index_version: UInt64
    var shards: [Shard]
}

extension ClusterProcess {
    func replicatedStatus() async throws -> ReplicatedStatusJSON {
        try Pwctl.decode(ReplicatedStatusJSON.self, from: try await waitUntilAnswering())
    }

    /// Polls `pwctl status` until every replica satisfies `condition` (bounded by `daemonTimeout`).
    @discardableResult
    func waitForReplicas(_ condition: (ReplicatedStatusJSON.Replica) -> Bool) async throws -> ReplicatedStatusJSON {
        let clock = ContinuousClock()
        let end = clock.now + Self.daemonTimeout
        while true {
            let status = try await replicatedStatus()
            if status.shards.allSatisfy({ $0.replicas.allSatisfy(condition) }) { return status }
            guard clock.now < end else {
                throw HarnessError("replicas stayed \(status.shards.map { $0.replicas.map(\.state) })")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// Clients that query the coordinator back to back and record every query's outcome and latency.
final class QueryLoad: Sendable {
    /// One query: when it started, how long it took, and its error if it failed.
    struct Sample: Sendable {
        var started: ContinuousClock.Instant
        var latency: Duration
        var error: String?
    }

    private let clients: [CoordinatorClient]  // owned; closed by close()
    /// The query every client sends (the sources of `FailoverTests`).
    static let request = QueryRequest(
        sources: [
            QuerySource(VertexID(1), weight: 2), QuerySource(VertexID(5), weight: 1), QuerySource(VertexID(160)),
        ],
        topK: 10)

    init(url: String, clients: Int) throws {
        self.clients = try (0..<clients).map { _ in try CoordinatorClient(connectingTo: url, deadline: .seconds(10)) }
    }

    func close() { for client in clients { client.close() } }

    /// Runs every client for `duration` (each query has a 10 s deadline); the samples of all, by start time.
    func run(for duration: Duration) async -> [Sample] {
        let end = ContinuousClock.now + duration
        let all = await withTaskGroup(of: [Sample].self) { group in
            for client in clients {
                group.addTask {
                    var samples: [Sample] = []
                    while ContinuousClock.now < end {
                        let started = ContinuousClock.now
                        var failure: String?
                        do { _ = try await client.query(Self.request) } catch {
                            failure = "\(error)"
                        }
                        samples.append(Sample(started: started, latency: ContinuousClock.now - started, error: failure))
                    }
                    return samples
                }
            }
            var all: [Sample] = []
            for await samples in group { all += samples }
            return all
        }
        return all.sorted { $0.started < $1.started }
    }

    /// Prints the figures the README quotes: queries, failures, p50/p99 before the kills, and for each kill
    /// the p99 and worst latency of the queries started in the 2 s after it, and how many queries were slow
    /// (over 2 × the p99 before) around it and when the last of them started, relative to the kill.
    static func report(_ samples: [Sample], kills: [(String, ContinuousClock.Instant)]) {
        let before = samples.filter { $0.started < kills[0].1 }.map(\.latency)
        let p50 = percentile(before, 0.50)
        let p99 = percentile(before, 0.99)
        print(
            "FAILOVER: \(samples.count) queries, \(samples.filter { $0.error != nil }.count) failed; "
                + "before the kills \(before.count) queries, p50 \(ms(p50)) ms, p99 \(ms(p99)) ms")
        for (name, instant) in kills {
            let after = samples.filter { $0.started >= instant && $0.started < instant + .seconds(2) }.map(\.latency)
            let later = samples.filter { $0.started >= instant + .seconds(2) && $0.started < instant + .seconds(3) }
            let slow = samples.filter {
                $0.started >= instant - .seconds(1) && $0.started < instant + .milliseconds(2_500)
                    && $0.latency > p99 * 2
            }
            let lastSlow = slow.last.map { "the last started \(ms($0.started - instant)) ms after it" } ?? "none"
            print(
                "FAILOVER: kill -9 \(name): next 2 s \(after.count) queries, p99 \(ms(percentile(after, 0.99))) ms, "
                    + "max \(ms(after.max() ?? .zero)) ms; \(slow.count) slow (over 2 × p99 before), \(lastSlow); "
                    + "p99 2-3 s after \(ms(percentile(later.map(\.latency), 0.99))) ms")
        }
    }

    private static func percentile(_ values: [Duration], _ p: Double) -> Duration {
        guard !values.isEmpty else { return .zero }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    private static func ms(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%.1f", value)
    }
}
