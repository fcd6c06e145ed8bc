import PPRCore
import Testing

@testable import PPRService

/// One transpose per graph file per process (`ProcessGraphs.inEdges`, a `PerGraphCache` used by the
/// coordinator's steps and the workers' block steps): a second user of the same graph gets the same arrays, not a second build; another graph (or
/// checksum) gets its own transpose, equal to a fresh one; at most `keep` graphs are held.
@Suite struct ProcessGraphsTests {
    /// The address of a transpose's band table: equal only when two values share their arrays.
    static func storage(_ inEdges: InEdges) -> UnsafeRawPointer? {
        inEdges.slices.bandStarts.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func oneTransposePerGraphIsSharedAndOthersAreBuilt() throws {
        // Its own instance: the process's one is used by parallel tests.
        let cache = PerGraphCache<InEdges> { graph, _ in InEdges(graph: graph) }
        let graph = try workerTestGraph(vertexCount: 300, seed: 21)
        let other = try workerTestGraph(vertexCount: 200, seed: 22)
        let first = cache.value(of: graph, checksum: 1)
        let again = cache.value(of: graph, checksum: 1)
        #expect(Self.storage(first) == Self.storage(again))
        let fresh = InEdges(graph: graph)
        #expect(Self.storage(fresh) != Self.storage(first))
        #expect(first.vertexCount == graph.vertexCount)
        #expect(first.reciprocity == fresh.reciprocity)
        #expect((0..<graph.vertexCount).allSatisfy { first.inDegree($0) == fresh.inDegree($0) })
        let second = cache.value(of: other, checksum: 2)
        #expect(second.vertexCount == other.vertexCount)
        #expect(Self.storage(cache.value(of: graph, checksum: 1)) == Self.storage(first))
        // A third graph evicts the oldest: the first graph is built again on its next use.
        _ = cache.value(of: other, checksum: 3)
        #expect(Self.storage(cache.value(of: graph, checksum: 1)) != Self.storage(first))
    }
}
