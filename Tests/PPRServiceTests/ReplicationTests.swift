// Replication in one process: 2 shards × 2 replicas (real Workers, real LMDB stores, NNG ipc://) behind a
// coordinator. Index jobs build every replica; a stopped replica fails queries over to its sibling with no
// failed query; both replicas down is UNAVAILABLE naming the shard; a replica that missed an index job
// or lost its store catches up by itself and then serves the same answers as its sibling.
import Foundation
import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

@Suite struct ReplicationTests {
    static let query = QueryRequest(
        sources: [QuerySource(VertexID(1003)), QuerySource(VertexID(1300), weight: 2)], topK: 20)

    @Test func anIndexJobBuildsAndActivatesEveryReplica() async throws {
        try await withReplicatedCluster { cluster in
            let status = try await cluster.waitForReplicas { $0.state == .serving }
            for shard in status.shards {
                #expect(shard.state == .serving)
                #expect(shard.replicas.map(\.activeVersion) == [1, 1], "\(shard)")
            }
            // Each replica's own store has the version, complete and active.
            for s in 0..<2 {
                for r in 0..<2 {
                    let health = try await cluster.replicaHealth(s, r)
                    #expect(health.activeVersion == 1 && health.manifest?.indexVersion == 1, "shard \(s) replica \(r)")
                }
            }
        }
    }

    @Test func aCancelledIndexJobStopsTheBuildOnEveryReplica() async throws {
        try await withReplicatedCluster { cluster in
            _ = try await cluster.waitForReplicas { $0.state == .serving }
            // Long walks (seconds in release): the builds are likely still running when the cancel arrives.
            let params = IndexJobParams(walksPerVertex: 16_000, maxWalkLength: 1_000, threads: 1)
            guard case .job(let job) = try await cluster.call(.submitJob(SubmitJobRequest(.index(params)))) else {
                throw WireError(.internal, "expected a job record")
            }
            try await cluster.waitForEveryReplica { $0.indexTask?.version == 2 }  // the start reached every replica
            // A cancel that arrives once every shard has built loses to the switch (success wins), and one that
            // arrives after the job ended is refused; either way the replicas and the coordinator agree: all on
            // version 1, or all on version 2.
            let state: JobState
            do {
                guard case .job(let cancelled) = try await cluster.call(.cancelJob(CancelJobRequest(id: job.id))) else {
                    throw WireError(.internal, "expected a job record")
                }
                state = cancelled.state
            } catch let error as WireError where error.code == .failedPrecondition {
                #expect(error.message.contains("SUCCEEDED"), "\(error)")
                state = .succeeded
            }
            #expect(state == .cancelled || state == .succeeded)
            let expected: UInt64 = state == .succeeded ? 2 : 1
            try await cluster.waitForEveryReplica { $0.indexTask?.state != .running }
            for s in 0..<2 {
                for r in 0..<2 {
                    let health = try await cluster.replicaHealth(s, r)
                    #expect(health.activeVersion == expected, "shard \(s) replica \(r)")
                }
            }
            let status = try await cluster.status()
            #expect(status.activeIndexVersion == expected)
        }
    }

    @Test func aStoppedReplicaFailsNoQueryAndIsShownUnreachable() async throws {
        try await withReplicatedCluster(combineMillis: 1_000) { cluster in
            _ = try await cluster.waitForReplicas { $0.state == .serving }
            let before = try queryResponse(try await cluster.call(.query(Self.query)))

            await cluster.stopReplica(0, 0)
            for _ in 0..<30 {
                let answer = try queryResponse(try await cluster.call(.query(Self.query)))
                #expect(answer.results == before.results)
            }
            let status = try await cluster.status()
            #expect(status.shards.map(\.state) == [.serving, .serving])
            #expect(status.shards[0].replicas.map(\.state) == [.unreachable, .serving])
            #expect(status.shards[0].replicas[0].consecutiveFailures >= 1)
            let health = cluster.coordinator.replicaHealth()[ReplicaID(shard: ShardID(0), replica: 0)]
            #expect(health?.breakerOpen == true)

            // Back: the probe closes the breaker and the replica serves again.
            try cluster.startReplica(0, 0)
            _ = try await cluster.waitForReplicas { $0.state == .serving }
            #expect(cluster.coordinator.replicaHealth()[ReplicaID(shard: ShardID(0), replica: 0)]?.breakerOpen == false)
        }
    }

    @Test func bothReplicasOfAShardDownIsUnavailableNamingTheShard() async throws {
        try await withReplicatedCluster(combineMillis: 600) { cluster in
            await cluster.stopShard(1)
            let error = await #expect(throws: WireError.self) { try await cluster.call(.query(Self.query)) }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("shard 1") == true, "\(String(describing: error))")
            #expect(error?.message.contains("within 600 ms") == true, "\(String(describing: error))")
            let status = try await cluster.status()
            #expect(status.shards[1].state == .unreachable)
            #expect(status.shards[1].replicas.map(\.state) == [.unreachable, .unreachable])
        }
    }

    /// The replica was killed during the build (its store keeps an unfinished copy of the version); the
    /// index job goes on without it; restarted, it rebuilds the version over that copy.
    @Test func aReplicaThatMissedAnIndexJobCatchesUpAndServesTheSameAnswers() async throws {
        try await withReplicatedCluster { cluster in
            _ = try await cluster.waitForReplicas { $0.state == .serving }
            await cluster.stopReplica(0, 1)
            // As if it had been killed while building version 2: an unfinished version 2 in its store.
            try cluster.leaveUnfinishedVersion(2, shard: 0, replica: 1)
            let version = try await cluster.index()
            #expect(version == 2)
            let lagging = try await cluster.status()
            #expect(lagging.shards[0].state == .serving)
            #expect(lagging.shards[0].replicas[1].state == .unreachable)
            let expected = try queryResponse(try await cluster.call(.query(Self.query)))
            #expect(expected.indexVersion == 2)

            try cluster.startReplica(0, 1)
            let caughtUp = try await cluster.waitForReplicas { $0.state == .serving && $0.activeVersion == 2 }
            #expect(caughtUp.shards[0].replicas[1].activeVersion == 2)
            // Only the caught-up replica is left for shard 0: its rebuilt store gives the same answer.
            await cluster.stopReplica(0, 0)
            let answer = try queryResponse(try await cluster.call(.query(Self.query)))
            #expect(answer.indexVersion == 2)
            #expect(answer.results == expected.results)
        }
    }

    @Test func aReplicaWithoutTheVersionIsPassedOverThenCatchesUp() async throws {
        try await withReplicatedCluster { cluster in
            _ = try await cluster.waitForReplicas { $0.state == .serving }
            let expected = try queryResponse(try await cluster.call(.query(Self.query)))
            // The cluster's own coordinator stops; a fresh one (not started: no probes, no catch-up yet) serves.
            await cluster.front.shutdown()
            await cluster.stopReplica(0, 1)
            try FileManager.default.removeItem(atPath: cluster.config.shards[0].replicas[1].dataDir)
            try cluster.startReplica(0, 1)  // an empty store: it has no version 1

            let fresh = try Coordinator(config: cluster.config, graph: cluster.loaded)
            defer { fresh.close() }
            #expect(await fresh.adoptWorkersVersion() == 1)
            for _ in 0..<8 {
                let answers = try await fresh.answer([Self.query])
                #expect(answers.first?.results == expected.results)
            }
            // Round-robin sent some combines to the empty replica; it refused the pinned version and was passed over.
            let lagging = fresh.replicaHealth()[ReplicaID(shard: ShardID(0), replica: 1)]
            #expect(lagging?.lacksVersion == 1)

            try await fresh.start()  // probes and catch-up
            let status = try await waitForReplicas(of: fresh) { $0.state == .serving }
            #expect(status.shards[0].replicas[1].activeVersion == 1)
            await cluster.stopReplica(0, 0)
            let answer = try await fresh.answer([Self.query])
            #expect(answer.first?.results == expected.results)
        }
    }
}

/// Runs `body` on an indexed cluster of 2 shards × 2 replicas with a 400 ms health probe (also the deadline of a
/// call to a replica whose breaker is open: shorter ones time out on a loaded machine).
func withReplicatedCluster<R>(
    combineMillis: Int = 2_000, _ body: (CoordinatorTestCluster) async throws -> R
) async throws -> R {
    let cluster = try CoordinatorTestCluster(
        shardCount: 2, replicas: 2, combineMillis: combineMillis, healthProbeMillis: 400)
    do {
        #expect(try await cluster.index() == 1)
        let result = try await body(cluster)
        await cluster.close()
        return result
    } catch {
        await cluster.close()
        throw error
    }
}

/// Polls `coordinator`'s status (at most 30 s) until every replica satisfies `condition`.
func waitForReplicas(
    of coordinator: Coordinator, _ condition: (ReplicaStatus) -> Bool
) async throws -> ClusterStatus {
    let clock = ContinuousClock()
    let end = clock.now + .seconds(30)
    while true {
        let status = await coordinator.clusterStatus()
        if status.shards.allSatisfy({ $0.replicas.allSatisfy(condition) }) { return status }
        guard clock.now < end else {
            throw WireError(.deadlineExceeded, "replicas never reached the condition: \(status.shards)")
        }
        try await Task.sleep(for: .milliseconds(50))
    }
}

extension CoordinatorTestCluster {
    func status() async throws -> ClusterStatus {
        guard case .clusterStatus(let status) = try await call(.clusterStatus(ClusterStatusRequest())) else {
            throw WireError(.internal, "expected a cluster status")
        }
        return status
    }

    func waitForReplicas(_ condition: (ReplicaStatus) -> Bool) async throws -> ClusterStatus {
        try await PPRServiceTests.waitForReplicas(of: coordinator, condition)
    }

    /// Polls every replica's own health (at most 30 s) until `condition` holds for all.
    func waitForEveryReplica(_ condition: (WorkerHealth) -> Bool) async throws {
        let clock = ContinuousClock()
        let end = clock.now + .seconds(30)
        while true {
            var all = true
            for s in config.shards.indices {
                for r in config.shards[s].replicas.indices where !condition(try await replicaHealth(s, r)) {
                    all = false
                }
            }
            if all { return }
            guard clock.now < end else { throw WireError(.deadlineExceeded, "replicas never reached the condition") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Writes the record of an unfinished (building) `version` into the store of replica `r` of shard `s`,
    /// whose worker must be stopped.
    func leaveUnfinishedVersion(_ version: UInt32, shard s: Int, replica r: Int) throws {
        let store = try FingerprintStore(
            directory: config.shards[s].replicas[r].dataDir, mapSizeBytes: config.limits.mapSizeBytes)
        var manifest = StoreManifest(
            graphChecksum: loaded.checksum, vertexCount: loaded.graph.vertexCount, walkParameters: Self.walk,
            shardIndex: s, shardCount: config.shards.count)
        manifest.version = version
        _ = try store.beginVersion(manifest)
        #expect(try store.versions().last?.state == .building)
    }

    /// WorkerHealth straight from replica `r` of shard `s`.
    func replicaHealth(_ s: Int, _ r: Int) async throws -> WorkerHealth {
        let client = try WireClient(dialing: config.shards[s].replicas[r].url)
        defer { client.close() }
        guard
            case .workerHealth(let health) = try await client.call(
                .workerHealth(WorkerHealthRequest()), deadline: .seconds(5))
        else { throw WireError(.internal, "expected a health reply") }
        return health
    }
}
