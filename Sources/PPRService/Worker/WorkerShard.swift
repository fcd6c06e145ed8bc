// WorkerShard: the I/O shell of one shard a worker serves (DESIGN §3 Worker). It owns the shard's
// FingerprintStore and answers the coordinator's methods: combine (weighted fingerprint sums of a pinned
// index version), index tasks (build a version on a dedicated thread), activation and health.
//
// State: the index-task state machine (IndexTaskLifecycle, pure) and a cache of version readers, both
// behind one Mutex; counters are atomics. Blocking work (LMDB transactions, combines) runs on Dispatch
// threads through BlockingQueue, never on the cooperative pool; builds run on their own Thread.
import Foundation
import Logging
import PPRCore
import PPRStorage
import PPRWire
import Synchronization

/// One shard served by a worker process: its store, its index tasks and its counters.
public final class WorkerShard: Sendable {
    /// The shard served.
    public let id: ShardID
    /// Shards of the cluster (the partition's modulus).
    public let shardCount: Int
    /// The graph every shard of the process walks (mapped once, shared).
    let graph: LoadedGraph
    /// Owned; the environment stays open while the shard or a reader of it lives.
    let store: FingerprintStore
    /// Concurrent Dispatch threads for combines and reads.
    let executor: BlockingQueue
    /// A serial Dispatch queue for activation, so two activations cannot interleave their steps.
    let control: BlockingQueue
    let logger: Logger
    let workerVersion: String
    let started = ContinuousClock.now
    let state = Mutex(ShardState())
    let combineRequests = Atomic<Int>(0)
    /// Zeroed dense vectors for single-frontier combines (at most 8 kept), so a query allocates no
    /// `O(n)` buffer on the worker.
    let combineScratch = DenseVectorPool(capacity: 8)
    let fingerprintsRead = Atomic<Int>(0)
    /// `powerwalk_combine_entries_total` and `powerwalk_combine_fingerprints_read_total` of this shard.
    let combineMetrics: CombineMetrics
    /// Buffers of block combines (WorkerShard+Block.swift).
    let blockScratch = BlockScratchPool()
    /// Engines of whole queries (WorkerShard+WholeQuery.swift).
    let wholeScratch: WholeQueryPool

    /// The mutable part: index tasks and version readers (a reader per complete version asked for).
    struct ShardState: Sendable {
        var lifecycle = IndexTaskLifecycle()
        var readers: [UInt32: FingerprintStoreReader] = [:]
        /// When each version last served a combine: activation never deletes a version read recently
        /// (`recentReadRetention`), so the version a coordinator pins for its queries survives activations
        /// it did not ask for.
        var lastRead: [UInt32: ContinuousClock.Instant] = [:]
    }

    /// A shard over an opened store; serves nothing until a `WireServer` calls `handle`.
    /// Most frontiers (queries) one combine request may carry: the coordinator's `limits.combineEntries`
    /// bounds its rounds the same way (every query brings at least one entry).
    let maxCombineFrontiers: Int
    /// Helpers a single-frontier combine borrows from the process's idle cores while it is the shard's only
    /// combine in flight (`WorkerOptions.combineHelpers`).
    let combineHelpers: Int
    /// Single-frontier combines and whole queries being answered now.
    let combinesInFlight = Atomic<Int>(0)
    /// The shards of this worker process (this one included), for block combines naming co-shards.
    let siblings: ProcessShards

    init(
        id: ShardID, shardCount: Int, graph: LoadedGraph, store: FingerprintStore, workerVersion: String,
        logger: Logger, maxCombineFrontiers: Int = Limits().combineEntries, combineHelpers: Int = 1,
        siblings: ProcessShards = ProcessShards()
    ) {
        self.siblings = siblings
        self.maxCombineFrontiers = maxCombineFrontiers
        self.combineHelpers = max(0, combineHelpers)
        wholeScratch = WholeQueryPool(graph: graph, helpers: max(0, combineHelpers))
        combineMetrics = CombineMetrics(shard: id.rawValue)
        self.id = id
        self.shardCount = shardCount
        self.graph = graph
        self.store = store
        self.workerVersion = workerVersion
        self.executor = BlockingQueue(label: "powerwalk.worker.shard-\(id.rawValue)", concurrent: true)
        self.control = BlockingQueue(label: "powerwalk.worker.shard-\(id.rawValue).control", concurrent: false)
        var logger = logger
        logger[metadataKey: "shard"] = "\(id.rawValue)"
        self.logger = logger
        siblings.add(self)
    }

    /// Answers one request; errors become `.failure` replies naming the shard.
    public func handle(_ request: WireRequest) async -> WireResponse {
        do throws(WireError) {
            switch request {
            case .combine(let combine): return .combine(try await self.combine(combine))
            case .startIndexTask(let task): return .indexTask(try await startIndexTask(task))
            case .getIndexTask(let get): return .indexTask(try indexTask(version: get.version))
            case .cancelIndexTask(let cancel): return .indexTask(try await cancelIndexTask(version: cancel.version))
            case .activateVersion(let activate): return .activateVersion(try await self.activate(activate.version))
            case .workerHealth: return .workerHealth(await health())
            default:
                throw WireError(.unimplemented, "\(request.method) is a coordinator method; this is a worker of \(id)")
            }
        } catch {
            return .failure(error)
        }
    }

    /// The index task in progress or the last one finished (nil before the first).
    public var indexTaskStatus: IndexTaskStatus? { state.withLock { $0.lifecycle.current } }

    // MARK: Combine

    /// Weighted fingerprint sums of a complete version (active or not: the coordinator pins one).
    func combine(_ request: CombineRequest) async throws(WireError) -> CombineResponse {
        if let block = request.block { return try await combineBlock(request, block) }
        if let whole = request.wholeQuery { return try await combineWhole(request, whole) }
        let received = ContinuousClock.now
        defer { if request.frontiers.count == 1 { QueryPhases.process.record(.combineRequest, since: received) } }
        let version = try storeVersion(request.indexVersion)
        guard request.frontiers.count <= maxCombineFrontiers else {
            throw WireError(
                .invalidArgument,
                "\(id): \(request.frontiers.count) frontiers in one combine: expected at most \(maxCombineFrontiers) "
                    + "(limits.combineEntries)")
        }
        let vertexCount = graph.graph.vertexCount
        for (index, frontier) in request.frontiers.enumerated() {
            if let bad = frontier.first(where: { !$0.weight.isFinite || $0.weight < 0 }) {
                throw WireError(
                    .invalidArgument,
                    "\(id): frontier \(index): weight \(bad.weight) of vertex index \(bad.vertex) is not a finite "
                        + "number >= 0")
            }
            if let bad = frontier.first(where: { Int($0.vertex) >= vertexCount }) {
                throw WireError(
                    .invalidArgument,
                    "\(id): frontier \(index): vertex index \(bad.vertex) is beyond the graph's \(vertexCount) vertices"
                )
            }
        }
        let reader = try await reader(of: version)
        markRead(version)
        let frontiers = request.frontiers
        let result: (partialSums: [PartialSum], fingerprintsRead: Int)
        if frontiers.count == 1 {
            // The online path: a pooled dense vector instead of a fresh O(n) allocation per request; helpers
            // from idle cores while this is the shard's only combine (the sums do not depend on them).
            let alone = combinesInFlight.add(1, ordering: .relaxed).newValue == 1
            defer { combinesInFlight.subtract(1, ordering: .relaxed) }
            var tuned = reader
            tuned.combineThreads = alone ? 1 + combineHelpers : 1
            tuned.combineCores = .process
            let (pool, cores, combiner) = (combineScratch, IdleCores.process, tuned)
            let (dense, floats) = (request.denseReplies, request.floatReplies)
            let queued = ContinuousClock.now
            result = try await blocking(executor) {
                let phases = QueryPhases.process
                let start = phases.record(.combineWait, since: queued)
                defer { phases.record(.combine, since: start) }
                let (sum, read) = try cores.working {
                    try pool.withVector(count: combiner.manifest.vertexCount) { scratch in
                        try Self.combineOne(
                            frontiers[0], reader: combiner, scratch: &scratch, denseReply: dense, asFloats: floats)
                    }
                }
                return ([sum], read)
            }
        } else {
            let combined = try await blocking(executor) { try reader.combine(frontiers) }
            result = (
                combined.partialSums.map { PartialSum(vertices: $0.vertices, scores: $0.scores) },
                combined.fingerprintsRead
            )
        }
        combineRequests.add(1, ordering: .relaxed)
        countRead(entries: frontiers.reduce(0) { $0 + $1.count }, fingerprints: result.fingerprintsRead)
        return CombineResponse(
            partialSums: result.partialSums, indexVersion: request.indexVersion,
            fingerprintsRead: result.fingerprintsRead)
    }

    /// Counts what this shard's fingerprints served (frontier entries asked for, fingerprints read): its
    /// health counter and its `powerwalk_combine_*` metrics, together on every combine path.
    func countRead(entries: Int, fingerprints: Int) {
        fingerprintsRead.add(fingerprints, ordering: .relaxed)
        combineMetrics.record(entries: entries, fingerprints: fingerprints)
    }

    /// One frontier's partial sum through the zeroed `scratch` (all zero again on return, also after an error).
    ///
    /// When the coordinator reads dense replies and the fingerprint entries added are at least the vertex
    /// count, the reply is the dense vector itself (8 bytes per vertex, against 12 per non-zero slot for the
    /// sparse form) and neither side walks vertex ids (the worker skips building the sparse arrays, the
    /// coordinator decoding them). The sums are those `FingerprintStoreReader.combine(_:scratch:)` returns
    /// (the same `accumulate`), so the answer is bit-identical either way. `asFloats`: a dense reply travels as
    /// floats (the coordinator asked, `CombineRequest.floatReplies`).
    static func combineOne(
        _ frontier: [WeightedVertex], reader: FingerprintStoreReader, scratch dense: inout [Double], denseReply: Bool,
        asFloats: Bool = false
    ) throws -> (sum: PartialSum, fingerprintsRead: Int) {
        let (entries, distinct) = try reader.accumulate(frontier, scratch: &dense)
        // The form only changes the cost, never the values: dense once the fingerprint entries added could
        // cover every vertex (a count of the non-zero slots would cost a pass over the vector). The filled
        // vector itself becomes the reply and the scratch a fresh zeroed one (no copy, no zeroing pass).
        if denseReply, entries >= dense.count {
            var filled = [Double](repeating: 0, count: dense.count)
            swap(&filled, &dense)
            return (PartialSum(dense: filled, asFloats: asFloats), distinct)
        }
        let sum = FingerprintStoreReader.drainSparse(&dense)
        return (PartialSum(vertices: sum.vertices, scores: sum.scores), distinct)
    }

    // MARK: Health

    /// Shard, active version and its manifest, counters, uptime and the current index task.
    func health() async -> WorkerHealth {
        let active: IndexVersionInfo?
        do {
            active = try await blocking(executor) { [store] in try store.versions().first(where: \.isActive) }
        } catch {
            logger.warning("cannot read the store's versions", metadata: ["error": "\(error)"])
            active = nil
        }
        let manifest = active.map { info in
            ManifestSummary(
                graphChecksum: info.manifest.graphChecksum, walk: info.manifest.walkParameters,
                encodingVersion: Int(info.manifest.encodingVersion), fingerprintCount: info.manifest.fingerprintCount,
                indexVersion: UInt64(info.version), graphWeighted: info.manifest.graphWeighted)
        }
        return WorkerHealth(
            shards: [id] + siblings.numbers.filter { $0 != id.rawValue }.map { ShardID($0) },
            activeVersion: UInt64(active?.version ?? 0), manifest: manifest,
            combineRequests: combineRequests.load(ordering: .relaxed),
            fingerprintsRead: fingerprintsRead.load(ordering: .relaxed), uptime: ContinuousClock.now - started,
            indexTask: indexTaskStatus, workerVersion: workerVersion)
    }

    // MARK: Helpers

    /// A wire version number as the store's, or INVALID_ARGUMENT naming it: checked on every request that
    /// carries one (start, poll, cancel, activate, combine) before any arithmetic or store access.
    func storeVersion(_ version: UInt64) throws(WireError) -> UInt32 {
        let maximum = FingerprintStore.maxVersion
        guard version >= 1, version <= UInt64(maximum) else {
            throw WireError(.invalidArgument, "\(id): invalid index version \(version): expected 1 ... \(maximum)")
        }
        return UInt32(version)
    }

    /// Runs blocking `body` on `executor`; its error becomes a `WireError` naming this shard.
    func blocking<R: Sendable>(
        _ executor: BlockingQueue, _ body: @escaping @Sendable () throws -> R
    ) async throws(WireError) -> R {
        do {
            return try await executor.perform(body)
        } catch {
            throw shardError(error)
        }
    }

    /// The wire form of `error`, its message prefixed with this shard unless it names one already.
    func shardError(_ error: any Error) -> WireError {
        var wire = WireError(from: error)
        if !wire.message.hasPrefix("shard ") { wire.message = "\(id): \(wire.message)" }
        return wire
    }
}
