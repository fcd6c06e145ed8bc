import Foundation
import PPRCore
import Testing

/// Test-only loading of edge lists and networkx fixtures (the real parser is tested elsewhere).
enum TestSupport {
    /// A fixture graph with its edges as read (for independent checks such as the pull residual).
    struct LoadedGraph {
        var graph: CSRGraph
        var edges: [(UInt64, UInt64)]
    }

    /// A networkx-generated exact PPR case.
    struct ExactCase: Decodable {
        var name: String
        var personalization: [[Double]]
        var scores: [Double]
    }

    /// A truncated (dangling-dropping) PPR vector `pt_u`.
    struct TruncatedCase: Decodable {
        var source: UInt64
        var pt: [Double]
    }

    /// One fixture JSON file from generate_fixtures.py.
    struct ExactFixture: Decodable {
        var graph: String
        var alpha: Double
        var ids: [UInt64]
        var cases: [ExactCase]
        var truncated: [TruncatedCase]?
    }

    static var fixturesURL: URL {
        get throws {
            try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        }
    }

    /// Whitespace-split `src dst` lines, `#` comments skipped; built with GraphBuilder (duplicates collapse).
    static func loadGraph(_ name: String) throws -> LoadedGraph {
        let text = try String(contentsOf: fixturesURL.appendingPathComponent(name), encoding: .utf8)
        var builder = GraphBuilder()
        var edges: [(UInt64, UInt64)] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
            let source = try #require(UInt64(fields[0]))
            let target = try #require(UInt64(fields[1]))
            builder.addEdge(from: source, to: target)
            edges.append((source, target))
        }
        return LoadedGraph(graph: try builder.build().graph, edges: edges)
    }

    static func loadFixture(_ name: String) throws -> ExactFixture {
        let data = try Data(contentsOf: fixturesURL.appendingPathComponent(name))
        return try JSONDecoder().decode(ExactFixture.self, from: data)
    }

    /// The personalization of a fixture case, mapped to internal indices.
    static func personalization(_ fixtureCase: ExactCase, graph: CSRGraph) throws -> Personalization {
        let pairs = try fixtureCase.personalization.map { pair in
            (try #require(graph.index(of: VertexID(UInt64(pair[0])))), pair[1])
        }
        return try Personalization(pairs)
    }

    /// `count` distinct vertices drawn with a fixed seed (a vertex with out-edges, so queries move).
    static func sampleSources(_ graph: CSRGraph, count: Int, seed: UInt64) -> [VertexIndex] {
        var rng = WalkSeed(rawState: seed)
        var chosen: [VertexIndex] = []
        while chosen.count < count {
            let v = VertexIndex(rng.next() % UInt64(graph.vertexCount))
            if graph.outDegree(v) > 0, !chosen.contains(v) { chosen.append(v) }
        }
        return chosen
    }
}
