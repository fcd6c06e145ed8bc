import PPRCore
import Testing

/// Builds from `(source, target)` pairs.
private func build(
    _ edges: [(UInt64, UInt64)], undirected: Bool = false
) throws -> (CSRGraph, GraphBuilder.Statistics) {
    var builder = GraphBuilder(undirected: undirected)
    for (s, t) in edges { builder.addEdge(from: s, to: t) }
    let (graph, statistics) = try builder.build()
    return (graph, statistics)
}

/// Sorted external-id pairs of a graph.
private func pairs(_ graph: CSRGraph) -> [[UInt64]] {
    (0..<graph.vertexCount).flatMap { v in
        graph.neighborRange(VertexIndex(v)).map { [graph.externalIDs[v], graph.externalIDs[Int(graph.targets[$0])]] }
    }
}

// Hand-made: 1→2 (twice), 1→3, 2→3, 3→1, 3→3 (self-loop), 4→4 (self-loop), 5→1, 1→6; 6 is dangling.
private let tiny: [(UInt64, UInt64)] = [(1, 2), (1, 3), (2, 3), (3, 1), (3, 3), (1, 2), (4, 4), (5, 1), (1, 6)]

@Test func countsDuplicatesSelfLoopsAndDangling() throws {
    let (graph, statistics) = try build(tiny)
    #expect(statistics.vertexCount == 6)
    #expect(statistics.edgeCount == 8)
    #expect(statistics.duplicateCount == 1)
    #expect(statistics.selfLoopCount == 2)
    #expect(statistics.danglingCount == 1)
    #expect(graph.externalIDs == [1, 2, 3, 4, 5, 6])
    #expect(pairs(graph) == [[1, 2], [1, 3], [1, 6], [2, 3], [3, 1], [3, 3], [4, 4], [5, 1]])
    try graph.validate()
}

@Test func undirectedAddsBothDirectionsOnce() throws {
    let (graph, statistics) = try build(tiny, undirected: true)
    #expect(statistics.edgeCount == 12)
    #expect(statistics.selfLoopCount == 2)
    #expect(statistics.danglingCount == 0)
    // (1,2) twice gives 2 repeats; (1,3) and (3,1) give 2 more.
    #expect(statistics.duplicateCount == 4)
    #expect(
        pairs(graph) == [
            [1, 2], [1, 3], [1, 5], [1, 6], [2, 1], [2, 3], [3, 1], [3, 2], [3, 3], [4, 4], [5, 1], [6, 1],
        ])
}

@Test func inputOrderDoesNotChangeTheGraph() throws {
    let (a, _) = try build(tiny)
    let (b, _) = try build(tiny.reversed())
    #expect(a.offsets == b.offsets && a.targets == b.targets && a.externalIDs == b.externalIDs)
}

@Test func emptyBuilderThrowsEmpty() {
    let builder = GraphBuilder()
    #expect(throws: GraphError.self) { _ = try builder.build() }
}
