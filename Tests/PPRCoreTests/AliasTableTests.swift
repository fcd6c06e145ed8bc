import Testing

@testable import PPRCore

/// The alias tables hold exactly the weighted transition probabilities (to their 2^-32 resolution).
@Suite struct AliasTableTests {
    /// Per vertex, the probability each target receives from the table: column `c` sends `keep / 2^32`
    /// of `1/d` to its own target and the rest to its alias.
    static func impliedProbabilities(_ table: AliasTable, _ graph: CSRGraph, _ v: VertexIndex) -> [VertexIndex: Double]
    {
        let range = graph.neighborRange(v)
        var probability: [VertexIndex: Double] = [:]
        for e in range {
            let entry = table.entries[e]
            let keep = Double(entry & 0xFFFF_FFFF) / 4_294_967_296.0
            let alias = VertexIndex(truncatingIfNeeded: entry >> 32)
            probability[graph.targets[e], default: 0] += keep / Double(range.count)
            probability[alias, default: 0] += (1 - keep) / Double(range.count)
        }
        return probability
    }

    @Test func tablesReproduceTheWeights() throws {
        let fixture = try TestSupport.loadFixture("email-Eu-core-weighted.json")
        let graph = try WeightedTestSupport.loadGraph(fixture.graph).graph
        let weights = try #require(graph.weights)
        let table = AliasTable(graph: graph)
        #expect(table.edgeCount == graph.edgeCount)
        var worst = 0.0
        for v in 0..<VertexIndex(graph.vertexCount) {
            let range = graph.neighborRange(v)
            let total = range.reduce(0.0) { $0 + weights[$1] }
            let implied = Self.impliedProbabilities(table, graph, v)
            #expect(Set(implied.keys).isSubset(of: Set(graph.targets[range])))
            for e in range {
                let error = abs((implied[graph.targets[e]] ?? 0) - weights[e] / total)
                worst = max(worst, error / (Double(range.count) * 0x1p-32 + 1e-12))
            }
        }
        #expect(worst <= 1, "worst error \(worst) times the resolution degree * 2^-32")
    }

    @Test func skewedAndEqualWeights() throws {
        var edges: [WeightedTestSupport.Edge: Double] = [:]
        for i in 0..<50 { edges[WeightedTestSupport.Edge(source: 0, target: UInt64(i + 1))] = i == 3 ? 1e9 : 1e-6 }
        for i in 0..<7 { edges[WeightedTestSupport.Edge(source: 100, target: UInt64(i + 1))] = 0.5 }
        let graph = try WeightedTestSupport.graph(edges)
        let table = AliasTable(graph: graph)
        #expect(AliasTable(graph: graph).entries == table.entries, "deterministic")
        let skewed = Self.impliedProbabilities(table, graph, 0)
        #expect(abs(skewed[try #require(graph.index(of: VertexID(4)))]! - 1) < 1e-6)
        // Equal weights: every column is full and keeps its own target.
        let equalVertex = try #require(graph.index(of: VertexID(100)))
        for e in graph.neighborRange(equalVertex) {
            #expect(table.entries[e] == UInt64(UInt32.max) | UInt64(graph.targets[e]) << 32)
        }
    }
}
