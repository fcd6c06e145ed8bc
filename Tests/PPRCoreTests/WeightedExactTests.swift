import PPRCore
import Testing

/// The exact solver on weighted graphs against networkx (`pagerank(..., weight="weight")`) and against a
/// residual pulled along the merged in-edges.
@Suite struct WeightedExactTests {
    static let fixtures = ["weighted-tiny.json", "email-Eu-core-weighted.json"]

    @Test(arguments: fixtures)
    func agreesWithNetworkx(fixtureName: String) throws {
        let fixture = try TestSupport.loadFixture(fixtureName)
        let graph = try WeightedTestSupport.loadGraph(fixture.graph).graph
        #expect(graph.isWeighted)
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

    /// `pi = alpha p + (1-alpha) (sum over in-edges of pi(s) w(s,v) / W(s) + dangling mass * p)`, pulled
    /// from the merged edge table (not the CSR push).
    @Test(arguments: fixtures)
    func residualPulledAlongWeightedInEdgesIsTiny(fixtureName: String) throws {
        let fixture = try TestSupport.loadFixture(fixtureName)
        let loaded = try WeightedTestSupport.loadGraph(fixture.graph)
        let graph = loaded.graph
        let alpha = fixture.alpha
        var inEdges: [UInt64: [(UInt64, Double)]] = [:]
        var outWeight: [UInt64: Double] = [:]
        for (edge, weight) in loaded.weights {
            inEdges[edge.target, default: []].append((edge.source, weight))
            outWeight[edge.source, default: 0] += weight
        }
        for fixtureCase in fixture.cases.prefix(4) {
            let p = try TestSupport.personalization(fixtureCase, graph: graph)
            let pi = try PowerIteration.solve(graph: graph, personalization: p, restartProbability: alpha).scores
            let pDense = p.dense(vertexCount: graph.vertexCount)
            let score = { (id: UInt64) in pi[Int(graph.index(of: VertexID(id))!)] }
            let dangling = graph.externalIDs.filter { outWeight[$0] == nil }.reduce(0.0) { $0 + score($1) }
            var residual = 0.0
            for (v, id) in graph.externalIDs.enumerated() {
                let pulled = (inEdges[id] ?? []).reduce(0.0) { $0 + score($1.0) * $1.1 / outWeight[$1.0]! }
                let expected = alpha * pDense[v] + (1 - alpha) * (pulled + dangling * pDense[v])
                residual += abs(expected - pi[v])
            }
            #expect(residual < 1e-9, "\(fixtureCase.name): residual \(residual)")
        }
    }

    /// Weights matter: the weighted answer is far from the answer on the same edges without weights.
    @Test func weightsChangeTheAnswer() throws {
        let fixture = try TestSupport.loadFixture("weighted-tiny.json")
        let graph = try WeightedTestSupport.loadGraph(fixture.graph).graph
        let unweighted = CSRGraph(offsets: graph.offsets, targets: graph.targets, externalIDs: graph.externalIDs)
        let p = Personalization(source: 0)
        let weightedScores = try PowerIteration.solve(graph: graph, personalization: p).scores
        let plainScores = try PowerIteration.solve(graph: unweighted, personalization: p).scores
        #expect(AccuracyMetrics.l1Distance(weightedScores, plainScores) > 0.1)
    }

    /// Equal weights are the unweighted walk: same exact answer, and the decomposition's too.
    @Test func equalWeightsGiveTheUnweightedAnswer() throws {
        let plain = try TestSupport.loadGraph("email-Eu-core.txt").graph
        let equal = WeightedTestSupport.weighted(plain) { _, _ in 2.5 }
        var plainQuery = Decomposition(graph: plain)
        var equalQuery = Decomposition(graph: equal)
        for u in TestSupport.sampleSources(plain, count: 3, seed: 31) {
            let p = Personalization(source: u)
            let exactPlain = try PowerIteration.solve(graph: plain, personalization: p).scores
            let exactEqual = try PowerIteration.solve(graph: equal, personalization: p).scores
            #expect(AccuracyMetrics.l1Distance(exactPlain, exactEqual) < 1e-12)
            let a = try plainQuery.expand(personalization: p, restartProbability: 0.15, eps: 1e-5, maxLevels: 10)
            let b = try equalQuery.expand(personalization: p, restartProbability: 0.15, eps: 1e-5, maxLevels: 10)
            #expect(a.frontier.map(\.vertex) == b.frontier.map(\.vertex))
            #expect(zip(a.frontier, b.frontier).allSatisfy { abs($0.weight - $1.weight) <= 1e-15 })
            #expect(a.statistics.edgesPushed == b.statistics.edgesPushed)
        }
    }
}
