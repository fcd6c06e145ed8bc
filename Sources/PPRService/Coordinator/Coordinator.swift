// Coordinator: the client front's logic (DESIGN §3): queries over the shards, cluster status, jobs.
//
// It owns the shard connections (with replica health and failover, ShardConnections), the record of the active
// index version, and the replica supervisor that probes replicas and catches up lagging ones
// (ReplicaCatchUp); it is the `JobContext` the job runner drives (answer = the batch path, callShard and
// callReplica = the shard connections, active version persisted through `ActiveVersionRecord`). `handle(_:)` is the one entry point for wire requests; it
// never traps on client input (every field is validated in ResolvedQuery and the handlers).
import Logging
import PPRCore
import PPRStorage
import PPRWire
import Synchronization

/// The coordinator role, independent of the socket it serves on.
public final class Coordinator: JobContext {
    /// The graph the cluster serves.
    public let graph: LoadedGraph
    /// The configuration it was started with.
    public let config: ServiceConfig
    /// The software version reported by cluster status.
    public let softwareVersion: String
    /// Where the coordinator logs (requests that fail at debug, version changes at info).
    public let logger: Logger
    let shards: ShardConnections
    /// Probes replicas and catches up lagging ones; started by `start()`, stopped by `shutdown()`.
    let replicaSupervisor: ReplicaCatchUp
    private let executor: QueryExecutor
    /// Batches of more than one query: the shared decomposition (BatchExecutor.swift).
    private let batchExecutor: BatchExecutor
    private let record: ActiveVersionRecord
    /// The active version with its walk parameters, once learned from the workers' manifests.
    private let active = Mutex<ActiveIndex?>(nil)
    /// Runs jobs when the coordinator has a ledger; it holds this coordinator as its context, so
    /// `shutdown()` drops it to break the cycle.
    private let jobs = Mutex<JobRunner?>(nil)

    /// Makes a coordinator for `config` over `graph`; dials the workers in the background.
    ///
    /// With a `ledger` (the coordinator's LMDB in `config.coordinator.dataDir`) the active version is
    /// persisted there and jobs run; without one the version is kept in memory and job methods are
    /// UNIMPLEMENTED. Without a `logger` it logs nothing. Call `start()` before serving.
    public init(
        config: ServiceConfig, graph: LoadedGraph, ledger: JobLedger? = nil, softwareVersion: String = "0.1.0",
        logger: Logger = Logger(label: "powerwalk.coordinator", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(WireError) {
        guard !config.shards.isEmpty else {
            throw WireError(.invalidArgument, "shards: at least one shard is required")
        }
        guard graph.graph.vertexCount > 0 else {
            throw WireError(.invalidArgument, "graph \(graph.path) has no vertex")
        }
        self.graph = graph
        self.config = config
        self.softwareVersion = softwareVersion
        self.record =
            try ledger.map { ledger throws(WireError) in try ActiveVersionRecord(ledger: ledger) }
            ?? ActiveVersionRecord()
        self.logger = logger
        shards = try ShardConnections(
            shards: config.shards, tls: config.security?.clusterClientTLS,
            openReplicaDeadline: .milliseconds(config.deadlines.healthProbeMillis))
        executor = QueryExecutor(graph: graph.graph, checksum: graph.checksum, config: config, shards: shards)
        replicaSupervisor = ReplicaCatchUp(
            shards: shards, config: config, graphChecksum: graph.checksum, logger: logger)
        batchExecutor = BatchExecutor(
            graph: graph.graph, config: config, shards: shards, reciprocity: executor.reciprocity)
        if let ledger {
            let runner = JobRunner(ledger: ledger, context: self, settings: JobSettings(config: config), logger: logger)
            jobs.withLock { $0 = runner }
        }
    }

    /// Starts the job runner (recovering jobs of a previous run) and adopts the workers' common
    /// active version when none is recorded.
    public func start() async throws(WireError) {
        if let runner = jobRunner { try await runner.start() }
        if let adopted = await adoptWorkersVersion() {
            logger.info("serving index version", metadata: ["version": "\(adopted)"])
        }
        replicaSupervisor.start { [weak self] in try? await self?.activeIndex() }
    }

    /// Stops the job runner (a running job is marked failed) and closes the shard connections.
    public func shutdown() async {
        let runner = jobs.withLock { runner in
            defer { runner = nil }
            return runner
        }
        await runner?.shutdown()
        await replicaSupervisor.stop()
        close()
    }

    /// Stops probing replicas and closes the shard connections; later calls fail with UNAVAILABLE.
    public func close() {
        replicaSupervisor.cancel()
        shards.close()
    }

    /// The job runner, when this coordinator has a ledger.
    var jobRunner: JobRunner? { jobs.withLock { $0 } }

    /// Shards of the cluster.
    public var shardCount: Int { shards.shardCount }

    /// Deadline of control calls to workers (health, activation, index tasks).
    var controlDeadline: Duration { .milliseconds(config.deadlines.controlMillis) }

    /// Answers one wire request; failures become `.failure` replies.
    public func handle(_ request: WireRequest) async -> WireResponse {
        do throws(WireError) {
            switch request {
            case .query(let query):
                return .query(try await answer([query])[0])
            case .batchQuery(let batch):
                let clock = ContinuousClock()
                let started = clock.now
                let responses = try await answer(batch.queries)
                let version = responses.first?.indexVersion ?? (record.load() ?? 0)
                return .batchQuery(
                    BatchQueryResponse(responses: responses, elapsed: clock.now - started, indexVersion: version))
            case .clusterStatus:
                return .clusterStatus(await clusterStatus())
            case .submitJob, .getJob, .listJobs, .cancelJob:
                return try await handleJob(request)
            case .combine, .startIndexTask, .getIndexTask, .cancelIndexTask, .activateVersion, .workerHealth:
                throw WireError(.unimplemented, "\(request.method) is a worker method; this is the coordinator")
            }
        } catch {
            logger.debug("request failed", metadata: ["method": "\(request.method)", "error": "\(error)"])
            return .failure(error)
        }
    }

    // MARK: JobContext

    /// Answers queries through the active index (the client batch path, same errors).
    public func answer(_ queries: [QueryRequest]) async throws(WireError) -> [QueryResponse] {
        let index = try await activeIndex()
        if queries.count > 1 { return try await batchExecutor.answer(queries, index: index) }
        return try await executor.answer(queries, index: index)
    }

    /// Sends one request to a shard through its connections (with failover).
    public func callShard(_ shard: ShardID, _ request: WireRequest, deadline: Duration) async throws(WireError)
        -> WireResponse
    {
        try await shards.call(shard, request, deadline: deadline)
    }

    /// Replicas of `shard`.
    public func replicaCount(of shard: ShardID) -> Int { shards.replicaCount(of: shard) }

    /// Sends one request to one replica (no failover).
    public func callReplica(_ replica: ReplicaID, _ request: WireRequest, deadline: Duration) async throws(WireError)
        -> WireResponse
    {
        try await shards.call(replica, request, deadline: deadline)
    }

    /// Catch-up builds wait while an index job runs.
    public func indexBuild(running: Bool) async { await replicaSupervisor.indexBuild(running: running) }

    /// Replicas an index job left behind are tried last for combines until they catch up.
    public func markLagging(_ replicas: [ReplicaID], version: UInt64) async {
        replicaSupervisor.markLagging(replicas, version: version)
    }

    /// The version queries read now, if any.
    public func activeIndexVersion() async -> UInt64? { record.load() }

    /// Switches queries to `version`, which every shard has activated; learns its walk parameters.
    public func setActiveIndexVersion(_ version: UInt64) async throws(WireError) {
        let index = try await resolve(version)
        try await record.store(version)
        active.withLock { $0 = index }
        logger.info("index version active", metadata: ["version": "\(version)"])
    }

    // MARK: Active index

    /// On start: when no version is recorded, adopts the newest version that every shard has active on
    /// at least one reachable replica (so a restarted coordinator keeps serving). Returns the version adopted.
    @discardableResult
    public func adoptWorkersVersion() async -> UInt64? {
        guard record.load() == nil else { return record.load() }
        let replies = await shards.healthOfEveryReplica(deadline: controlDeadline)
        var common: Set<UInt64>?
        for shard in replies {
            let versions = Set(shard.compactMap { try? $0.get().activeVersion })
            common = common.map { $0.intersection(versions) } ?? versions
        }
        guard let version = common?.max(), version != 0 else { return nil }
        do {
            try await setActiveIndexVersion(version)
            return version
        } catch {
            logger.warning(
                "cannot adopt the workers' index version", metadata: ["version": "\(version)", "error": "\(error)"])
            return nil
        }
    }

    /// The active index, learning its parameters from the workers when only its number is known.
    func activeIndex() async throws(WireError) -> ActiveIndex {
        guard let version = record.load() else { throw WireError(from: ActiveIndexError.noActiveVersion) }
        if let known = active.withLock({ $0 }), known.version == version { return known }
        let index = try await resolve(version)
        active.withLock { $0 = index }
        return index
    }

    /// Reads `version`'s manifest from every replica's health: every shard must have a replica serving it,
    /// built for this graph, with the same walk parameters as the other shards.
    private func resolve(_ version: UInt64) async throws(WireError) -> ActiveIndex {
        let replies = await shards.healthOfEveryReplica(deadline: controlDeadline)
        var walk: WalkParameters?
        for (s, replicas) in replies.enumerated() {
            let shard = ShardID(s)
            var problem: ActiveIndexError?
            var found: ManifestSummary?
            for reply in replicas {
                switch reply {
                case .failure(let error):
                    problem = problem ?? .shardUnreachable(shard, detail: error.message)
                case .success(let health):
                    guard let manifest = health.manifest else {
                        problem = .shardHasNoIndex(shard, expected: version)
                        continue
                    }
                    guard health.activeVersion == version, manifest.indexVersion == version else {
                        problem = .shardServesAnotherVersion(shard, serving: health.activeVersion, expected: version)
                        continue
                    }
                    guard manifest.graphChecksum == graph.checksum else {
                        if manifest.graphWeighted != graph.graph.isWeighted {
                            throw WireError(
                                from: StoreError.graphWeightingMismatch(
                                    path: "the store of \(shard)", expectedChecksum: graph.checksum,
                                    graphWeighted: graph.graph.isWeighted, indexedChecksum: manifest.graphChecksum))
                        }
                        throw WireError(
                            from: ActiveIndexError.builtForAnotherGraph(
                                shard, indexedChecksum: manifest.graphChecksum, graphChecksum: graph.checksum))
                    }
                    found = found ?? manifest
                }
            }
            guard let manifest = found else {
                throw WireError(from: problem ?? .shardUnreachable(shard, detail: nil))
            }
            if let walk, walk != manifest.walk { throw WireError(from: ActiveIndexError.walkParametersDiffer(shard)) }
            walk = manifest.walk
        }
        // The configuration has at least one shard (checked at start), so walk is set here.
        guard let walk else { throw WireError(from: ActiveIndexError.shardUnreachable(ShardID(0), detail: nil)) }
        return ActiveIndex(version: version, walk: walk)
    }
}
