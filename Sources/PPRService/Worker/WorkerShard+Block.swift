// WorkerShard+Block: the worker's side of the shared decomposition (issue 7; see BatchExecutor for the
// whole method). A block CombineRequest carries personalizations, not frontiers: the worker expands the
// block itself on the graph it maps (BlockDecomposition), combines the fingerprints of the frontier
// vertices it owns once for all queries (FingerprintStoreReader.combineBlock) and answers one pruned
// sparse vector and one exact mass per query, so only partial sums cross the network.
//
// Every field is range-checked before use (block size, vertices, weights, eps, levels, prune ratio,
// candidates). Memory: the block buffers (BlockDecomposition, bounded by its capacity and the graph) come
// from a small pool, at most `BlockScratchPool.idleLimit` kept between requests.
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
        var collected: [Personalization] = []
        collected.reserveCapacity(block.queries.count)
        for (index, query) in block.queries.enumerated() {
            for source in query.sources where Int(source.vertex) >= vertexCount {
                throw WireError(.invalidArgument, "\(id): block query \(index): vertex index \(source.vertex) out of range")
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
        let pool = blockScratch
        let graph = self.graph.graph
        let (eps, levels, ratio) = (block.eps, block.maxLevels, block.pruneRatio)
        let outcome = try await blocking(executor) {
            try pool.withScratch(graph: graph, width: personalizations.count) { scratch in
                try scratch.expand(
                    personalizations, restartProbability: reader.manifest.restartProbability, eps: eps,
                    maxLevels: levels)
                defer { scratch.reset() }
                let combined = try reader.combineBlock(scratch, candidates: candidates, pruneRatio: ratio)
                return (combined, scratch.statistics)
            }
        }
        let ((results, fingerprints), statistics) = outcome
        combineRequests.add(1, ordering: .relaxed)
        fingerprintsRead.add(fingerprints, ordering: .relaxed)
        let blockResults = zip(results, statistics).map { result, stats in
            BlockResult(
                vertices: result.vertices, scores: result.scores, mass: result.mass, frontierSize: result.frontierSize,
                flowPushed: stats.flowPushed, verticesExpanded: stats.verticesExpanded, levels: stats.levels)
        }
        return CombineResponse(
            partialSums: [], indexVersion: request.indexVersion, fingerprintsRead: fingerprints,
            blockResults: blockResults)
    }
}

/// Block buffers reused across requests (each is `O(vertexCount * capacity)`; see BlockDecomposition).
final class BlockScratchPool: Sendable {
    /// Buffers kept between requests: one per core of a 2-core host serving two blocks at once.
    static let idleLimit = 2
    private let idle = Mutex<[BlockDecomposition]>([])

    init() {}

    /// Runs `body` with buffers at least `width` wide (taken from the pool or allocated), then returns them.
    func withScratch<R>(graph: CSRGraph, width: Int, _ body: (BlockDecomposition) throws -> R) throws -> R {
        let capacity = max(width, BlockDecomposition.capacity(vertexCount: graph.vertexCount))
        let scratch =
            idle.withLock { list in
                list.firstIndex { $0.capacity >= width }.map { list.remove(at: $0) }
            } ?? BlockDecomposition(graph: graph, capacity: capacity)
        defer { idle.withLock { if $0.count < Self.idleLimit { $0.append(scratch) } } }
        return try body(scratch)
    }
}
