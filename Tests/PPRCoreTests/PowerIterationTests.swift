import PPRCore
import Testing

@Suite struct PowerIterationTests {
    static let fixtures = ["tiny.json", "email-Eu-core.json"]

    @Test(arguments: fixtures)
    func agreesWithNetworkx(fixtureName: String) throws {
        let fixture = try TestSupport.loadFixture(fixtureName)
        let graph = try TestSupport.loadGraph(fixture.graph).graph
        #expect(graph.externalIDs == fixture.ids)
        for fixtureCase in fixture.cases {
            let p = try TestSupport.personalization(fixtureCase, graph: graph)
            let result = try PowerIteration.solve(graph: graph, personalization: p, restartProbability: fixture.alpha)
            #expect(result.converged)
            let l1 = AccuracyMetrics.l1Distance(result.scores, fixtureCase.scores)
            #expect(l1 < 1e-8, "\(fixtureName) \(fixtureCase.name): L1 \(l1)")
            #expect(abs(result.scores.reduce(0, +) - 1) < 1e-12)
        }
    }

    /// The fixed point checked by pulling along in-edges built from the raw edge list, not the CSR push.
    @Test(arguments: fixtures)
    func residualPulledAlongInEdgesIsTiny(fixtureName: String) throws {
        let fixture = try TestSupport.loadFixture(fixtureName)
        let loaded = try TestSupport.loadGraph(fixture.graph)
        let graph = loaded.graph
        let alpha = 0.15
        var inEdges: [UInt64: Set<UInt64>] = [:]
        var outDegree: [UInt64: Int] = [:]
        for (source, target) in loaded.edges where inEdges[target, default: []].insert(source).inserted {
            outDegree[source, default: 0] += 1
        }
        for fixtureCase in fixture.cases.prefix(3) {
            let p = try TestSupport.personalization(fixtureCase, graph: graph)
            let pi = try PowerIteration.solve(graph: graph, personalization: p, restartProbability: alpha).scores
            let pDense = p.dense(vertexCount: graph.vertexCount)
            let score = { (id: UInt64) in pi[Int(graph.index(of: VertexID(id))!)] }
            let dangling = graph.externalIDs.filter { outDegree[$0] == nil }.reduce(0.0) { $0 + score($1) }
            var residual = 0.0
            for (v, id) in graph.externalIDs.enumerated() {
                let pulled = (inEdges[id] ?? []).reduce(0.0) { $0 + score($1) / Double(outDegree[$1]!) }
                let expected = alpha * pDense[v] + (1 - alpha) * (pulled + dangling * pDense[v])
                residual += abs(expected - pi[v])
            }
            #expect(residual < 1e-9, "\(fixtureCase.name): residual \(residual)")
        }
    }

    @Test func rejectsSourceOutsideTheGraph() throws {
        let graph = try TestSupport.loadGraph("tiny.txt").graph
        #expect(throws: QueryError.personalization(.vertexOutOfRange(vertex: 9, vertexCount: 9))) {
            try PowerIteration.solve(graph: graph, personalization: Personalization(source: 9))
        }
    }
}
