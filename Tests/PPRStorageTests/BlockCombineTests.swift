import PPRCore
import Testing

@testable import PPRStorage

/// `FingerprintStoreReader.combineBlock` (the shard side of the shared decomposition) against sums computed
/// by hand from the block's rows and the decoded fingerprints, for several source tilings of the matrix.
@Suite struct BlockCombineTests {
    /// The independent sum for query `q`: the owned kept mass plus `frontier[v, q] * alpha * count / R` over
    /// every owned frontier vertex `v` and fingerprint entry (x, count), in Double.
    /// Without `kept`, the fingerprint sums alone (what `spread` and the steps' frontier moments read).
    func expected(
        _ block: BlockDecomposition, _ q: Int, _ reader: FingerprintStoreReader, shard: Int, shardCount: Int,
        kept: Bool = true
    ) throws -> [Double] {
        let vertexCount = block.graph.vertexCount
        let unit = reader.manifest.restartProbability / Double(reader.manifest.walkParameters.walksPerVertex)
        var dense = [Double](repeating: 0, count: vertexCount)
        for v in block.keptRows where kept && Int(v) % shardCount == shard {
            dense[Int(v)] += Double(block.kept[Int(v) * block.stride + q])
        }
        for v in block.frontierRows where Int(v) % shardCount == shard {
            let weight = Double(block.frontier[Int(v) * block.stride + q])
            guard weight != 0 else { continue }
            let fingerprint = try #require(try reader.fingerprint(of: v))
            for (x, count) in zip(fingerprint.vertices, fingerprint.visitCounts) {
                dense[Int(x)] += weight * unit * Double(count)
            }
        }
        return dense
    }

    /// Unpruned, every tiling (one target per tile, a few, one tile for all, and the per-block matrix of
    /// the frontier) sends exactly the non-zero sums, each within Float rounding of the hand sum, and the
    /// exact mass.
    @Test(arguments: [(0, 1), (1, 2)])
    func unprunedBlockSumsMatchTheHandComputedSums(shard: Int, shardCount: Int) throws {
        let vertexCount = 1300  // several chunks per shard
        let graph = try randomGraph(vertexCount: vertexCount, seed: 31)
        try withTemporaryStore { store in
            let reader = try shardReader(graph, store, shard: shard, shardCount: shardCount)
            let width = 20  // two 16-lane tiles, the second one partly padding
            let queries = (0..<width).map { Personalization(source: VertexIndex(($0 * 61 + 5) % vertexCount)) }
            let block = BlockDecomposition(graph: graph, capacity: width)
            try block.expand(queries, restartProbability: 0.15, eps: 1e-4, maxLevels: 6)
            let hand = try (0..<width).map { try expected(block, $0, reader, shard: shard, shardCount: shardCount) }
            // Most queries have mass on this shard (a query kept whole on another shard has none).
            #expect(hand.filter { $0.contains { $0 > 0 } }.count >= width / 2)
            let candidates = [Int](repeating: 10, count: width)
            var matrices: [BlockMatrix?] = [nil]
            for perTile in [1, 37, 4096] {
                matrices.append(try reader.blockMatrix(reader.ownedVertices, targetsPerTile: perTile))
            }
            for matrix in matrices {
                let (results, _) = try reader.combineBlock(block, candidates: candidates, pruneRatio: 0, matrix: matrix)
                #expect(results.count == width)
                for (q, result) in results.enumerated() {
                    let dense = hand[q]
                    let nonZero = dense.indices.filter { dense[$0] != 0 }.map { VertexIndex($0) }
                    #expect(result.vertices == nonZero, "query \(q), tiles \(matrix?.tileCount ?? 0)")
                    let top = dense.max() ?? 0
                    for (x, score) in zip(result.vertices, result.scores) {
                        #expect(abs(Double(score) - dense[Int(x)]) <= 1e-5 * top, "query \(q) vertex \(x)")
                    }
                    let mass = dense.reduce(0, +)
                    #expect(abs(result.mass - mass) <= 1e-5 * mass)
                }
            }
            // The spread (ErrorEstimate): the sum over targets of the root of the fingerprint sums (kept mass
            // left out), each root within 1e-6 of the exact one.
            let (results, _) = try reader.combineBlock(block, candidates: candidates, pruneRatio: 0)
            for (q, result) in results.enumerated() {
                let sums = try expected(block, q, reader, shard: shard, shardCount: shardCount, kept: false)
                let spread = sums.reduce(0) { $0 + $1.squareRoot() }
                #expect(abs(result.spread - spread) <= 1e-5 * max(spread, 1e-12), "query \(q)")
            }
        }
    }

    /// The matrix holds every entry of the shard's fingerprints once, whatever the tiling.
    @Test(arguments: [1, 100, 8192]) func tilingKeepsEveryEntry(perTile: Int) throws {
        let graph = try randomGraph(vertexCount: 700, seed: 32)
        try withTemporaryStore { store in
            let version = try IndexBuilder(graph: graph, graphChecksum: 5, parameters: parameters, threadCount: 1)
                .build(into: store).manifest.version
            let reader = try store.reader(version: version, expecting: 5, restartProbability: 0.15)
            let matrix = try reader.blockMatrix(reader.ownedVertices, targetsPerTile: perTile)
            #expect(matrix.entryCount == reader.manifest.entryCount)
            #expect(matrix.tileCount == (700 + perTile - 1) / perTile)
        }
    }
}

/// The PPR-equation steps of the block combine (`smoothingSteps`): each shard's stepped share is the
/// reference step (`PPREquationStep.apply`, Double) of its unstepped share, on an unweighted graph with
/// dangling vertices and self-loops, on a weighted one, and on the unweighted one without its self-loops.
@Suite struct BlockStepTests {
    @Test(arguments: [
        (false, 1, 0, 1, true), (false, 2, 1, 2, true), (true, 1, 0, 2, true), (true, 2, 0, 1, true),
        (false, 2, 0, 2, false),
    ])
    func steppedSharesAreTheReferenceStepOfTheUnsteppedShares(
        weighted: Bool, steps: Int, shard: Int, shardCount: Int, loops: Bool
    ) throws {
        let vertexCount = 1300
        let graph =
            weighted
            ? try WeightedIndexBuilderTests.weightedGraph(vertexCount: vertexCount, seed: 33)
            : try randomGraph(vertexCount: vertexCount, seed: 33, selfLoops: loops)
        try withTemporaryStore { store in
            let reader = try shardReader(graph, store, shard: shard, shardCount: shardCount)
            let width = 20  // two 16-lane tiles, the second one partly padding
            var queries = (0..<width - 1).map { Personalization(source: VertexIndex(($0 * 61 + 5) % vertexCount)) }
            let dangling = try #require((0..<vertexCount).first { graph.outDegree(VertexIndex($0)) == 0 })
            queries.append(try Personalization([(VertexIndex(dangling), 1), (10, 2)]))
            let block = BlockDecomposition(graph: graph, capacity: width)
            try block.expand(queries, restartProbability: 0.15, eps: 1e-4, maxLevels: 6)
            let inEdges = InEdges(graph: graph)
            #expect(inEdges.hasLoops == loops)
            let stepper = BlockEquationStep(graph: graph)
            let candidates = [Int](repeating: 10, count: width)
            let (results, _) = try reader.combineBlock(
                block, candidates: candidates, pruneRatio: 0, smoothingSteps: steps, equationStep: stepper)
            let combine = BlockCombineTests()
            for (q, result) in results.enumerated() {
                var reference = try combine.expected(block, q, reader, shard: shard, shardCount: shardCount)
                let unstepped = reference.reduce(0, +)
                reference = referenceSteps(steps, of: reference, personalization: queries[q], inEdges: inEdges)
                expectSent(result, equal: reference, query: q)
                // The share's mass is the stepped share's (what the coordinator normalises by); without
                // self-loops M preserves it, so it is also the mass before the steps.
                #expect(abs(result.mass - reference.reduce(0, +)) <= 1e-5 * max(unstepped, 1e-12), "query \(q)")
                if !inEdges.hasLoops {
                    #expect(abs(result.mass - unstepped) <= 1e-5 * max(unstepped, 1e-12), "query \(q)")
                }
                // The estimate's moments over the fingerprint sums c (kept mass left out): sum c(w) q(w), sum c(w).
                let sums = try combine.expected(block, q, reader, shard: shard, shardCount: shardCount, kept: false)
                let frontierMass = sums.reduce(0, +)
                let frontierMoment = sums.indices.reduce(0) { $0 + sums[$1] * inEdges.squaredTransitionSum($1) }
                #expect(abs(result.frontierMass - frontierMass) <= 1e-5 * max(frontierMass, 1e-12), "query \(q)")
                #expect(abs(result.frontierMoment - frontierMoment) <= 1e-5 * max(frontierMoment, 1e-12))
            }
            // A step spreads the share: most queries reach more vertices than before.
            let (plain, _) = try reader.combineBlock(block, candidates: candidates, pruneRatio: 0)
            let wider = zip(results, plain).filter { $0.0.vertices.count > $0.1.vertices.count }.count
            #expect(wider >= width / 2)
        }
    }
}

/// `steps` reference steps (`PPREquationStep.apply`, Double) of `x`, alpha 0.15.
func referenceSteps(_ steps: Int, of x: [Double], personalization: Personalization, inEdges: InEdges) -> [Double] {
    var x = x
    for _ in 0..<steps { x = PPREquationStep.apply(x, personalization: personalization, alpha: 0.15, inEdges: inEdges) }
    return x
}

/// Expects the unpruned share `result` of query `q` to equal `reference` (dense) on every vertex within 1e-5
/// of its top value: Float rows, each in-edge sum in Float, err by a few units of 2^-24 times the in-degree
/// (<= 20 on the test graphs) per step, far below that.
func expectSent(_ result: BlockShardResult, equal reference: [Double], query q: Int) {
    let top = reference.max() ?? 0
    var sent = [Double](repeating: 0, count: reference.count)
    for (x, score) in zip(result.vertices, result.scores) { sent[Int(x)] = Double(score) }
    for x in reference.indices {
        #expect(abs(sent[x] - reference[x]) <= 1e-5 * top, "query \(q) vertex \(x)")
    }
}

/// A reader of shard `shard` of `shardCount` of a fresh index of `graph` built into `store` (checksum 5).
func shardReader(
    _ graph: CSRGraph, _ store: FingerprintStore, shard: Int, shardCount: Int
) throws -> FingerprintStoreReader {
    let version = try IndexBuilder(
        graph: graph, graphChecksum: 5, parameters: parameters, shardIndex: shard, shardCount: shardCount,
        threadCount: 2
    ).build(into: store).manifest.version
    return try store.reader(version: version, expecting: 5, restartProbability: 0.15)
}
