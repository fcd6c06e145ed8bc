import Foundation
import PPRCore
import Testing

/// Test-only loading of weighted edge lists (`src dst weight` lines), built straight into a `CSRGraph`
/// without the ingest path (tested elsewhere): duplicate edges merge by summing their weights in file
/// order, as the fixture generator does before handing the edges to networkx.
enum WeightedTestSupport {
    /// A weighted fixture graph with its merged edges (for independent checks such as the pull residual).
    struct LoadedGraph {
        var graph: CSRGraph
        /// Merged weight by (source id, target id).
        var weights: [Edge: Double]
    }

    struct Edge: Hashable {
        var source: UInt64
        var target: UInt64
    }

    static func loadGraph(_ name: String) throws -> LoadedGraph {
        let text = try String(contentsOf: TestSupport.fixturesURL.appendingPathComponent(name), encoding: .utf8)
        var merged: [Edge: Double] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
            try #require(fields.count >= 3, "\(name): \(trimmed)")
            let edge = Edge(source: try #require(UInt64(fields[0])), target: try #require(UInt64(fields[1])))
            merged[edge, default: 0] += try #require(Double(fields[2]))
        }
        return LoadedGraph(graph: try graph(merged), weights: merged)
    }

    /// The CSR graph of merged weighted edges (vertices: every id that occurs, ascending).
    static func graph(_ edges: [Edge: Double]) throws -> CSRGraph {
        let ids = Set(edges.keys.flatMap { [$0.source, $0.target] }).sorted()
        var index: [UInt64: VertexIndex] = [:]
        for (i, id) in ids.enumerated() { index[id] = VertexIndex(i) }
        let sorted = edges.sorted { ($0.key.source, $0.key.target) < ($1.key.source, $1.key.target) }
        var offsets = [UInt64](repeating: 0, count: ids.count + 1)
        var targets: [VertexIndex] = []
        var weights: [Double] = []
        for (edge, weight) in sorted {
            offsets[Int(index[edge.source]!) + 1] += 1
            targets.append(index[edge.target]!)
            weights.append(weight)
        }
        for v in 0..<ids.count { offsets[v + 1] += offsets[v] }
        let graph = CSRGraph(offsets: offsets, targets: targets, externalIDs: ids, weights: weights)
        try graph.validate()
        return graph
    }

    /// `graph` with the weights `weight(source index, target index)` (for generated graphs).
    static func weighted(_ graph: CSRGraph, weight: (VertexIndex, VertexIndex) -> Double) -> CSRGraph {
        var weights: [Double] = []
        weights.reserveCapacity(graph.edgeCount)
        for v in 0..<graph.vertexCount {
            for e in graph.neighborRange(VertexIndex(v)) { weights.append(weight(VertexIndex(v), graph.targets[e])) }
        }
        return CSRGraph(
            offsets: graph.offsets, targets: graph.targets, externalIDs: graph.externalIDs, weights: weights)
    }
}
