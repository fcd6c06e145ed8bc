// SharedBlockExpansions evicts finished expansions into the pool of the shard that asked last. The shards
// of one process may serve different graphs, so an evicted block built over another graph must not land
// in that pool: a later block would be expanded on buffers sized and bound for the wrong graph.
import PPRCore
import Testing

@testable import PPRService

@Suite struct SharedBlockExpansionsTests {
    private func key(_ graph: UInt64, _ source: VertexIndex) -> SharedBlockExpansions.Key {
        SharedBlockExpansions.Key(
            graph: graph, alpha: 0.15, eps: 1e-4, levels: 4, sampleBelow: 0, lowDegreeFactor: 0,
            queries: [Personalization(source: source)])
    }

    @Test func evictedBlocksOnlyGoBackToAPoolOfTheirOwnGraph() throws {
        let small = try CoordinatorTestCluster.randomGraph(vertexCount: 200, seed: 1)
        let large = try CoordinatorTestCluster.randomGraph(vertexCount: 300, seed: 2)
        let expansions = SharedBlockExpansions()
        let (smallPool, largePool) = (BlockScratchPool(), BlockScratchPool())
        // Fill the cache with finished expansions over the small graph...
        for source in 0..<VertexIndex(SharedBlockExpansions.keep + 2) {
            try expansions.withExpansion(key(1, source), pool: smallPool, graph: small) { _ in
            } body: { _ in
            }
        }
        // ...then let the large graph's shard evict them.
        for source in 0..<VertexIndex(SharedBlockExpansions.keep + 2) {
            try expansions.withExpansion(key(2, source), pool: largePool, graph: large) { _ in
            } body: { _ in
            }
        }
        for _ in 0..<(BlockScratchPool.idleLimit + 1) {
            #expect(largePool.take(graph: large).graph.vertexCount == large.vertexCount)
        }
    }
}
