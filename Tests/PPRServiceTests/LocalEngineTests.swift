import Foundation
import PPRCore
import PPRService
import Testing

/// The in-process engine facade (`LocalGraph`, `LocalIndex`, `LocalQueryEngine`) on real files and a
/// real LMDB store, checked against exact PPR by power iteration.
@Suite struct LocalEngineTests {
    /// A temporary directory holding an edge list of a small seeded graph, removed afterwards.
    private func withEdgeList<R>(_ body: (String, String) throws -> R) throws -> R {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pw-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var random = WalkSeed(globalSeed: 11, vertex: 0)
        var lines = "# a seeded random graph; vertex 1039 only receives edges (dangling)\n"
        for source in 0..<39 {
            for _ in 0..<(1 + random.next() % 4) { lines += "\(1000 + source) \(1000 + random.next() % 40)\n" }
        }
        lines += "1000 1039\n"
        let edges = directory.appendingPathComponent("edges.txt").path
        try lines.write(toFile: edges, atomically: true, encoding: .utf8)
        return try body(edges, directory.path)
    }

    @Test func ingestWritesAGraphFileThatLoadsBackTheSame() throws {
        try withEdgeList { edges, directory in
            let ingested = try LocalGraph.ingest(edges, writingTo: "\(directory)/graph.pwg")
            let loaded = try LocalGraph.load("\(directory)/graph.pwg")
            #expect(loaded.graph.edgeCount == ingested.graph.edgeCount)
            #expect(loaded.checksum == ingested.checksum)
            #expect(ingested.statistics.vertexCount == loaded.graph.vertexCount && loaded.graph.vertexCount == 40)
        }
    }

    @Test func aQueryOnTheBuiltIndexMatchesExactPPR() throws {
        try withEdgeList { edges, directory in
            _ = try LocalGraph.ingest(edges, writingTo: "\(directory)/graph.pwg")
            let graph = try LocalGraph.load("\(directory)/graph.pwg")
            let index = try LocalIndex(directory: "\(directory)/store")
            let walk = WalkParameters(restartProbability: 0.15, walksPerVertex: 2_000, maxWalkLength: 100, seed: 3)
            let first = try index.build(graph, parameters: walk, threadCount: 2)
            let second = try index.build(graph, parameters: walk, threadCount: 1)
            #expect(second.version > first.version)
            #expect(second.entryCount == first.entryCount)  // same seed: the same fingerprints

            var engine = try index.queryEngine(over: graph)
            #expect(engine.indexVersion == second.version)
            #expect(engine.restartProbability == 0.15)
            let source = try #require(graph.graph.index(of: VertexID(1000)))
            let (scores, _) = try engine.scores(Personalization(source: source), parameters: QueryParameters())
            let exact = try PowerIteration.solve(
                graph: graph.graph, personalization: Personalization(source: source), restartProbability: 0.15)
            #expect(AccuracyMetrics.l1Distance(scores, exact.scores) < 0.1)
            let top = try engine.run(Personalization(source: source), parameters: QueryParameters(k: 5)).top
            #expect(AccuracyMetrics.overlap(top, TopK.select(exact.scores, k: 5)) >= 4)
        }
    }

    @Test func anAlphaOtherThanTheIndexsIsRefused() throws {
        try withEdgeList { edges, directory in
            _ = try LocalGraph.ingest(edges, writingTo: "\(directory)/graph.pwg")
            let graph = try LocalGraph.load("\(directory)/graph.pwg")
            let index = try LocalIndex(directory: "\(directory)/store")
            #expect(throws: (any Error).self) { try index.queryEngine(over: graph) }  // no version yet
            _ = try index.build(graph, parameters: WalkParameters(walksPerVertex: 4, seed: 1), threadCount: 1)
            #expect(throws: (any Error).self) { try index.queryEngine(over: graph, alpha: 0.3) }
            #expect(try index.queryEngine(over: graph, alpha: 0.15).indexVersion >= 1)
        }
    }
}
