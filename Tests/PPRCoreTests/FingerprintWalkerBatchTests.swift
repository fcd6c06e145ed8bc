import PPRCore
import Testing

/// The batch API must give exactly the per-vertex fingerprints, whatever vertices share its lanes.
@Suite struct FingerprintWalkerBatchTests {
    /// A random directed graph with dangling vertices (every fifth has no out-edges) and varied degrees.
    static func randomGraph(vertices: Int, edges: Int, seed: UInt64) throws -> CSRGraph {
        var random = WalkSeed(globalSeed: seed, vertex: 0)
        var builder = GraphBuilder()
        for v in 0..<UInt64(vertices) { builder.addEdge(from: v, to: (v + 1) % UInt64(vertices)) }
        for _ in 0..<edges {
            let source = random.next() % UInt64(vertices)
            guard source % 5 != 0 else { continue }
            builder.addEdge(from: source, to: random.next() % UInt64(vertices))
        }
        return try builder.build().graph
    }

    @Test(arguments: [(16, 100, UInt64(1)), (3, 7, UInt64(2)), (40, 20, UInt64(3)), (1, 100, UInt64(4))])
    func batchEqualsPerVertexFingerprints(walks: Int, maxLength: Int, seed: UInt64) throws {
        let graph = try Self.randomGraph(vertices: 500, edges: 3_000, seed: seed)
        let parameters = WalkParameters(walksPerVertex: walks, maxWalkLength: maxLength, seed: seed)
        var single = FingerprintWalker(graph: graph, parameters: parameters)
        var batch = FingerprintWalker(graph: graph, parameters: parameters)
        var random = WalkSeed(globalSeed: seed, vertex: 1)
        for round in 0..<20 {
            // Random sets of random sizes, with repeats, so slots and lanes are reused across calls.
            let size = Int(random.next() % 300)
            let vertices = (0..<size).map { _ in VertexIndex(random.next() % UInt64(graph.vertexCount)) }
            let stepsBefore = (single.stepCount, batch.stepCount)
            let expected = vertices.map { single.fingerprint(of: $0) }
            let actual = batch.fingerprints(of: vertices)
            #expect(actual == expected, "round \(round), \(size) vertices")
            #expect(batch.stepCount - stepsBefore.1 == single.stepCount - stepsBefore.0)
        }
        #expect(batch.stepCount == single.stepCount)
    }

    @Test func batchOverAWholeGraphMatchesAndDependsOnTheVertexOnly() throws {
        let graph = try Self.randomGraph(vertices: 2_000, edges: 10_000, seed: 9)
        var single = FingerprintWalker(graph: graph, parameters: WalkParameters())
        var batch = FingerprintWalker(graph: graph, parameters: WalkParameters())
        let all = (0..<VertexIndex(graph.vertexCount))
        let expected = all.map { single.fingerprint(of: $0) }
        #expect(batch.fingerprints(of: all) == expected)
        #expect(batch.fingerprints(of: all.reversed()) == expected.reversed())
        #expect(batch.fingerprints(of: [VertexIndex]()) == [])
    }

    @Test func batchOnAGraphWithoutEdgesCountsEveryWalkAtItsStart() {
        let graph = CSRGraph(offsets: [0, 0, 0], targets: [], externalIDs: [7, 8])
        var walker = FingerprintWalker(graph: graph, parameters: WalkParameters(walksPerVertex: 5))
        let fingerprints = walker.fingerprints(of: [0, 1, 0])
        #expect(fingerprints.map(\.vertices) == [[0], [1], [0]])
        #expect(fingerprints.map(\.visitCounts) == [[5], [5], [5]])
    }
}
