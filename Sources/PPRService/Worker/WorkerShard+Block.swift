// WorkerShard+Block: the worker's side of the shared decomposition (issue 7; see BatchExecutor for the
// whole method). A block CombineRequest carries personalizations, not frontiers: the worker expands the
// block itself on the graph it maps (BlockDecomposition), combines the fingerprints of the frontier
// vertices it owns once for all queries (FingerprintStoreReader.combineBlock) and answers one pruned
// sparse vector and one exact mass per query, so only partial sums cross the network. A block may name
// co-shards, other shards of this process (ProcessShards): their fingerprints join the same accumulator
// and the reply is one share for all of them (FingerprintStoreReader.combineBlock(_:parts:...)).
//
// Every field is range-checked before use (block size, vertices, weights, eps, levels, prune ratio,
// smoothing steps, candidates). Memory: the block buffers (BlockDecomposition, bounded by its capacity and the graph) come
// from a small pool, at most `BlockScratchPool.idleLimit` kept between requests.
import Foundation
import PPRCore
import PPRStorage
import PPRWire
import Synchronization

extension WorkerShard {
    /// Answers a block CombineRequest from the pinned version.
    func combineBlock(_ request: CombineRequest, _ block: BlockCombine) async throws(WireError) -> CombineResponse {
        let version = try storeVersion(request.indexVersion)
        let vertexCount = graph.graph.vertexCount
        guard !block.queries.isEmpty, block.queries.count <= BlockDecomposition.maxCapacity else {
            throw WireError(
                .invalidArgument,
                "\(id): a block holds 1 ... \(BlockDecomposition.maxCapacity) queries, not \(block.queries.count)")
        }
        guard block.pruneRatio.isFinite, block.pruneRatio >= 0, block.pruneRatio <= 1 else {
            throw WireError(.invalidArgument, "\(id): prune ratio \(block.pruneRatio) must be in 0 ... 1")
        }
        guard EngineLimits.smoothingSteps.contains(block.smoothingSteps) else {
            throw WireError(
                .invalidArgument,
                "\(id): block smoothing steps \(block.smoothingSteps) must be in "
                    + EngineLimits.text(EngineLimits.smoothingSteps))
        }
        var collected: [Personalization] = []
        collected.reserveCapacity(block.queries.count)
        for (index, query) in block.queries.enumerated() {
            for source in query.sources where Int(source.vertex) >= vertexCount {
                throw WireError(
                    .invalidArgument, "\(id): block query \(index): vertex index \(source.vertex) out of range")
            }
            do {
                collected.append(try Personalization(query.sources.map { ($0.vertex, $0.weight) }))
            } catch {
                throw WireError(.invalidArgument, "\(id): block query \(index): \(error)")
            }
        }
        let personalizations = collected
        let candidates = block.queries.map { min(max(1, $0.candidates), vertexCount) }
        let reader = try await reader(of: version)
        let coShards = try await coShardParts(block.coShards, version: version)
        markRead(version)
        for (sibling, _) in coShards { sibling.markRead(version) }
        let pool = blockScratch
        let graph = self.graph.graph
        let (eps, levels, ratio) = (block.eps, block.maxLevels, block.pruneRatio)
        let (sampleBelow, lowDegreeFactor) = (block.sampleBelow, block.lowDegreeFactor)
        let steps = block.smoothingSteps
        let alpha = reader.manifest.restartProbability
        // The index's walks per vertex set the thresholds and the combine weights (`WalkBudget`).
        let walkBudget = WalkBudget(parameters: reader.manifest.walkParameters, graph: graph)
        // Another shard of this process may ask for the same expansion only if this request leaves it out.
        let servedHere = Set(siblings.numbers)
        let othersMayAsk = !servedHere.isSubset(of: Set([id.rawValue] + coShards.map { $0.0.id.rawValue }))
        let key = SharedBlockExpansions.Key(
            graph: reader.manifest.graphChecksum, alpha: alpha, eps: eps, levels: levels, sampleBelow: sampleBelow,
            lowDegreeFactor: lowDegreeFactor, queries: personalizations, walkBudget: walkBudget)
        let outcome = try await blocking(executor) {
            try SharedBlockExpansions.shared.withExpansion(key, pool: pool, graph: graph, share: othersMayAsk) {
                scratch in
                try scratch.expand(
                    personalizations, restartProbability: alpha, eps: eps, maxLevels: levels,
                    sampleBelow: sampleBelow, lowDegreeFactor: lowDegreeFactor, walkBudget: walkBudget)
            } body: { expanded in
                var parts = [BlockShardPart(reader: reader, matrix: try pool.matrix(of: reader))]
                for (sibling, siblingReader) in coShards {
                    parts.append(
                        BlockShardPart(
                            reader: siblingReader, matrix: try sibling.blockScratch.matrix(of: siblingReader)))
                }
                let equationStep =
                    steps > 0 ? ProcessGraphs.blockSteps.value(of: graph, checksum: key.graph) : nil
                let combined = try FingerprintStoreReader.combineBlock(
                    expanded, parts: parts, candidates: candidates, pruneRatio: ratio, smoothingSteps: steps,
                    equationStep: equationStep)
                return (combined, expanded.statistics)
            }
        }
        let ((results, fingerprints), statistics) = outcome
        combineRequests.add(1, ordering: .relaxed)
        countRead(entries: 0, fingerprints: fingerprints)  // a block sends personalizations, no frontier
        let blockResults = zip(results, statistics).map { result, stats in
            BlockResult(
                vertices: result.vertices, scores: result.scores, mass: result.mass, frontierSize: result.frontierSize,
                flowPushed: stats.flowPushed, verticesExpanded: stats.verticesExpanded, levels: stats.levels,
                frontierSpread: result.spread, sampledFrontierFlow: stats.sampledFrontierFlow,
                frontierSecondMoment: stats.frontierSecondMoment, frontierMoment: result.frontierMoment,
                frontierMass: result.frontierMass)
        }
        return CombineResponse(
            partialSums: [], indexVersion: request.indexVersion, fingerprintsRead: fingerprints,
            blockResults: blockResults)
    }

    /// The co-shards a block or a whole query names (`BlockCombine.coShards`, `WholeQuery.coShards`), each
    /// with its reader of `version`. Every one must be a distinct shard of the cluster, other than this one,
    /// that this process serves with a complete `version`; otherwise INVALID_ARGUMENT (the coordinator then
    /// asks the shards one by one; not FAILED_PRECONDITION, which would mark this shard's replica as lacking
    /// the version).
    func coShardParts(_ numbers: [Int], version: UInt32) async throws(WireError)
        -> [(WorkerShard, FingerprintStoreReader)]
    {
        guard numbers.count < shardCount else {
            throw WireError(
                .invalidArgument, "\(id): \(numbers.count) co-shards in a cluster of \(shardCount) shards")
        }
        var seen: Set<Int> = [id.rawValue]
        var parts: [(WorkerShard, FingerprintStoreReader)] = []
        for number in numbers {
            guard number >= 0, number < shardCount, seen.insert(number).inserted else {
                throw WireError(
                    .invalidArgument,
                    "\(id): co-shard \(number) must be another shard of 0 ..< \(shardCount), named once")
            }
            guard let sibling = siblings.shard(number), sibling.shardCount == shardCount else {
                throw WireError(.invalidArgument, "\(id): co-shard \(number) is not served by this worker process")
            }
            do {
                parts.append((sibling, try await sibling.reader(of: version)))
            } catch {
                throw WireError(.invalidArgument, "\(id): co-shard \(number) cannot join: \(error.message)")
            }
        }
        return parts
    }
}

/// Block buffers reused across requests (each is `O(vertexCount * capacity)`; see BlockDecomposition).
final class BlockScratchPool: Sendable {
    /// Buffers kept between requests: one per core of a 2-core host serving two blocks at once.
    static let idleLimit = 2
    private let idle = IdlePool<BlockDecomposition>(limit: idleLimit)
    /// The whole shard's transposed fingerprints of the last version asked for (nil when too large).
    private let cached = Mutex<BlockMatrix?>(nil)
    /// Serialises building the matrix (so two first blocks do not both decode the shard).
    private let building = Mutex<Void>(())

    init() {}

    /// The shard's matrix for `reader`'s version, built on first use; nil when it would exceed
    /// `BlockMatrix.maxCachedEntries` (blocks then decode their own frontier).
    func matrix(of reader: FingerprintStoreReader) throws -> BlockMatrix? {
        let version = reader.manifest.version
        guard reader.manifest.entryCount <= BlockMatrix.maxCachedEntries else { return nil }
        if let hit = cached.withLock({ $0 }), hit.version == version { return hit }
        return try building.withLock { _ in
            if let hit = cached.withLock({ $0 }), hit.version == version { return hit }
            let built = try reader.blockMatrix(reader.ownedVertices)
            cached.withLock { $0 = built }
            return built
        }
    }

    /// Buffers for a block of the graph's capacity (from the pool or allocated).
    func take(graph: CSRGraph) -> BlockDecomposition {
        idle.take {
            BlockDecomposition(graph: graph, capacity: BlockDecomposition.capacity(vertexCount: graph.vertexCount))
        }
    }

    /// Returns buffers to the pool (kept when fewer than `idleLimit` are idle).
    func give(_ scratch: BlockDecomposition) {
        scratch.reset()
        idle.give(scratch)
    }
}

/// Block expansions shared by the shards of one process (`powerwalkd local`, or a worker serving
/// several shards): every shard of a block needs the same expansion, so the first shard to get the
/// block computes it and the others wait for it and read it (BlockDecomposition is read-only after
/// `expand`). Finished expansions stay for later shards until `keep` newer ones exist and no shard
/// uses them; then their buffers go back to the pool. Across processes nothing is shared (each host
/// expands on its own cores). Safety (`@unchecked Sendable` on Slot): its fields are guarded by its
/// condition's lock; the map by the Mutex.
final class SharedBlockExpansions: Sendable {
    /// The process's instance.
    static let shared = SharedBlockExpansions()
    /// Finished expansions kept for the shards that have not asked yet.
    static let keep = 4

    /// What makes two block requests the same expansion.
    struct Key: Hashable, Sendable {
        let graph: UInt64
        let alpha: UInt64
        let eps: UInt64
        let levels: Int
        let sampleBelow: UInt64
        let lowDegreeFactor: UInt64
        /// Per query: its entry count, then (vertex, weight bits) pairs.
        let sources: [UInt64]
        /// The index's walks per vertex (two versions of one graph may differ).
        let walkBudget: WalkBudget

        init(
            graph: UInt64, alpha: Double, eps: Double, levels: Int, sampleBelow: Double, lowDegreeFactor: Double,
            queries: [Personalization], walkBudget: WalkBudget = .uniform
        ) {
            self.graph = graph
            self.walkBudget = walkBudget
            self.alpha = alpha.bitPattern
            self.eps = eps.bitPattern
            self.levels = levels
            self.sampleBelow = sampleBelow.bitPattern
            self.lowDegreeFactor = lowDegreeFactor.bitPattern
            var sources: [UInt64] = []
            for query in queries {
                sources.append(UInt64(query.entries.count))
                for entry in query.entries {
                    sources.append(UInt64(entry.vertex))
                    sources.append(entry.weight.bitPattern)
                }
            }
            self.sources = sources
        }
    }

    final class Slot: @unchecked Sendable {
        let condition = NSCondition()
        var block: BlockDecomposition?
        var failure: (any Error)?
        var done = false
        /// Shards using it now (under the map's lock).
        var users = 0
        /// When it finished, for eviction (under the map's lock).
        var serial = 0
    }

    private struct State {
        var slots: [Key: Slot] = [:]
        var serial = 0
    }

    private let state = Mutex(State())

    /// Runs `body` on the expansion for `key`, computing it with `expand` (on buffers from `pool`) if no
    /// other shard of this process has it or is computing it. Without `share` (no other shard of the process
    /// will ask: the request named them all as co-shards) the expansion is neither looked up nor kept, and
    /// its buffers go straight back to the pool.
    func withExpansion<R>(
        _ key: Key, pool: BlockScratchPool, graph: CSRGraph, share: Bool = true,
        expand: (BlockDecomposition) throws -> Void, body: (BlockDecomposition) throws -> R
    ) throws -> R {
        guard share else {
            let scratch = pool.take(graph: graph)
            defer { pool.give(scratch) }
            try expand(scratch)
            return try body(scratch)
        }
        let (slot, owner) = state.withLock { state -> (Slot, Bool) in
            if let slot = state.slots[key] {
                slot.users += 1
                return (slot, false)
            }
            let slot = Slot()
            slot.users = 1
            state.slots[key] = slot
            return (slot, true)
        }
        defer { release(key, slot, pool: pool) }
        if owner {
            let scratch = pool.take(graph: graph)
            var failure: (any Error)?
            do { try expand(scratch) } catch { failure = error }
            slot.condition.lock()
            if let failure { slot.failure = failure } else { slot.block = scratch }
            slot.done = true
            slot.condition.broadcast()
            slot.condition.unlock()
            if failure != nil { pool.give(scratch) }
        } else {
            slot.condition.lock()
            while !slot.done { slot.condition.wait() }
            slot.condition.unlock()
        }
        if let failure = slot.failure { throw failure }
        guard let block = slot.block else { throw WireError(.internal, "a shared block expansion is missing") }
        return try body(block)
    }

    private func release(_ key: Key, _ slot: Slot, pool: BlockScratchPool) {
        let evicted = state.withLock { state -> [BlockDecomposition] in
            slot.users -= 1
            if slot.users == 0 {
                if slot.failure != nil, state.slots[key] === slot { state.slots[key] = nil }
                state.serial += 1
                slot.serial = state.serial
            }
            let idle = state.slots.filter { $0.value.users == 0 && $0.value.done }
            guard idle.count > Self.keep else { return [] }
            let oldest = idle.sorted { $0.value.serial < $1.value.serial }.prefix(idle.count - Self.keep)
            var freed: [BlockDecomposition] = []
            for (oldKey, oldSlot) in oldest {
                state.slots[oldKey] = nil
                // Only buffers sized for the caller's graph go to the caller's pool; the shards of one
                // process may serve different graphs, whose blocks are simply dropped here.
                if let block = oldSlot.block, oldKey.graph == key.graph { freed.append(block) }
            }
            return freed
        }
        for block in evicted { pool.give(block) }
    }
}
