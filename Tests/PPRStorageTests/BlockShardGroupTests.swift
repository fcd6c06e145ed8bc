import PPRCore
import Testing

@testable import PPRStorage

/// `FingerprintStoreReader.combineBlock(_:parts:...)`: several shards of one worker process combined as one
/// share, against the hand sums of those shards (`BlockCombineTests.expected`) stepped by the reference step.
@Suite struct BlockShardGroupTests {
    /// Shards 0 and 2 of 3 together: their share is the sum of the two shards' hand sums, stepped by the
    /// reference step, and its spread is taken over the summed fingerprint sums (not shard by shard).
    @Test(arguments: [0, 2]) func twoShardsCombineAsOne(steps: Int) throws {
        let vertexCount = 1300
        let graph = try randomGraph(vertexCount: vertexCount, seed: 34)
        try withTemporaryStore { first in
            try withTemporaryStore { second in
                let readers = [
                    try shardReader(graph, first, shard: 0, shardCount: 3),
                    try shardReader(graph, second, shard: 2, shardCount: 3),
                ]
                let width = 20
                let queries = (0..<width).map { Personalization(source: VertexIndex(($0 * 67 + 11) % vertexCount)) }
                let block = BlockDecomposition(graph: graph, capacity: width)
                try block.expand(queries, restartProbability: 0.15, eps: 1e-4, maxLevels: 6)
                let inEdges = InEdges(graph: graph)
                // One part with its whole-shard matrix, one decoding its frontier for this block.
                let parts = [
                    BlockShardPart(reader: readers[0], matrix: try readers[0].blockMatrix(readers[0].ownedVertices)),
                    BlockShardPart(reader: readers[1], matrix: nil),
                ]
                let (results, read) = try FingerprintStoreReader.combineBlock(
                    block, parts: parts, candidates: [Int](repeating: 10, count: width), pruneRatio: 0,
                    smoothingSteps: steps, equationStep: steps > 0 ? BlockEquationStep(graph: graph) : nil)
                #expect(read == block.frontierRows.filter { $0 % 3 != 1 }.count)
                let combine = BlockCombineTests()
                for (q, result) in results.enumerated() {
                    func handSum(kept: Bool) throws -> [Double] {
                        let a = try combine.expected(block, q, readers[0], shard: 0, shardCount: 3, kept: kept)
                        let b = try combine.expected(block, q, readers[1], shard: 2, shardCount: 3, kept: kept)
                        return zip(a, b).map { $0 + $1 }
                    }
                    let reference = referenceSteps(
                        steps, of: try handSum(kept: true), personalization: queries[q], inEdges: inEdges)
                    expectSent(result, equal: reference, query: q)
                    let mass = reference.reduce(0, +)
                    #expect(abs(result.mass - mass) <= 1e-5 * max(mass, 1e-12), "query \(q)")
                    let spread = try handSum(kept: false).reduce(0) { $0 + $1.squareRoot() }
                    #expect(abs(result.spread - spread) <= 1e-5 * max(spread, 1e-12), "query \(q)")
                }
            }
        }
    }

    /// One reply holds the whole answer: its top list alone (ratio 1); several need at most 1 / replies;
    /// unpruned stays unpruned.
    @Test func pruneRatioFollowsTheReplies() {
        #expect(BlockPruning.ratio(BlockPruning.defaultRatio, replies: 1) == 1)
        #expect(BlockPruning.ratio(BlockPruning.defaultRatio, replies: 2) == BlockPruning.defaultRatio)
        #expect(BlockPruning.ratio(0.5, replies: 3) == 1.0 / 3)
        #expect(BlockPruning.ratio(0, replies: 1) == 0)
        #expect(BlockPruning.ratio(0, replies: 4) == 0)
    }

    /// Parts that are not distinct shards of one index are refused, not summed.
    @Test func mismatchedPartsAreRefused() throws {
        let graph = try randomGraph(vertexCount: 400, seed: 35)
        try withTemporaryStore { first in
            try withTemporaryStore { second in
                let zero = try shardReader(graph, first, shard: 0, shardCount: 2)
                let otherCluster = try shardReader(graph, second, shard: 1, shardCount: 3)
                let block = BlockDecomposition(graph: graph, capacity: 1)
                try block.expand([Personalization(source: 3)], restartProbability: 0.15, eps: 1e-4, maxLevels: 6)
                for parts in [[zero, zero], [zero, otherCluster], []] {
                    let error = #expect(throws: StoreError.self) {
                        try FingerprintStoreReader.combineBlock(
                            block, parts: parts.map { BlockShardPart(reader: $0, matrix: nil) }, candidates: [5],
                            pruneRatio: 0)
                    }
                    guard case .blockShardMismatch = error else {
                        Issue.record("expected blockShardMismatch, got \(String(describing: error))")
                        continue
                    }
                }
            }
        }
    }
}
