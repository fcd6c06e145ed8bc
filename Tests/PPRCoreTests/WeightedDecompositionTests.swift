import PPRCore
import Testing

/// The decomposition query on weighted graphs against exact PPR (networkx fixtures, and power iteration
/// on sampled sources), with the thresholds of the unweighted tests.
@Suite struct WeightedDecompositionTests {
    let fixture: TestSupport.ExactFixture
    let graph: CSRGraph
    let store: InMemoryFingerprints

    init() throws {
        fixture = try TestSupport.loadFixture("email-Eu-core-weighted.json")
        graph = try WeightedTestSupport.loadGraph(fixture.graph).graph
        store = try InMemoryFingerprints(graph: graph, parameters: WalkParameters())
    }

    /// With many levels and eps = 0 the push alone is exact, dangling restarts included.
    @Test func manyLevelsWithoutThresholdMatchesNetworkx() throws {
        let tiny = try TestSupport.loadFixture("weighted-tiny.json")
        let graph = try WeightedTestSupport.loadGraph(tiny.graph).graph
        let store = try InMemoryFingerprints(graph: graph, parameters: WalkParameters())
        var query = DecompositionQuery(graph: graph)
        for fixtureCase in tiny.cases {
            let p = try TestSupport.personalization(fixtureCase, graph: graph)
            let (scores, metadata) = try query.scores(
                p, parameters: QueryParameters(eps: 0, maxLevels: 400), fingerprints: store)
            let l1 = AccuracyMetrics.l1Distance(scores, fixtureCase.scores)
            #expect(l1 < 1e-9, "\(fixtureCase.name): L1 \(l1)")
            #expect(metadata.expansion.frontierFlow < 1e-20)
        }
    }

    @Test func largeLevelsAndTinyThresholdApproachExact() throws {
        var query = DecompositionQuery(graph: graph)
        for fixtureCase in fixture.cases {
            let p = try TestSupport.personalization(fixtureCase, graph: graph)
            let (scores, _) = try query.scores(
                p, parameters: QueryParameters(eps: 1e-12, maxLevels: 300), fingerprints: store)
            let l1 = AccuracyMetrics.l1Distance(scores, fixtureCase.scores)
            #expect(l1 < 1e-5, "\(fixtureCase.name): L1 \(l1)")
        }
    }

    /// The default knobs against the networkx cases (five single sources and one weighted set).
    @Test func defaultsAreAccurateOnTheNetworkxCases() throws {
        var query = DecompositionQuery(graph: graph)
        for fixtureCase in fixture.cases {
            let p = try TestSupport.personalization(fixtureCase, graph: graph)
            let (scores, _) = try query.scores(p, fingerprints: store)
            let precision = AccuracyMetrics.precision(atK: 10, approximate: scores, exact: fixtureCase.scores)
            let l1 = AccuracyMetrics.l1Distance(scores, fixtureCase.scores)
            #expect(precision >= 0.8, "\(fixtureCase.name): precision@10 \(precision)")
            #expect(l1 <= 0.06, "\(fixtureCase.name): L1 \(l1)")
        }
    }

    /// The unweighted suite's test (`DecompositionAccuracyTests`) on the weighted graph, same thresholds.
    @Test func defaultsAreAccurateOverTwentySources() throws {
        var query = DecompositionQuery(graph: graph)
        let sources = TestSupport.sampleSources(graph, count: 20, seed: 17)
        var precision = 0.0
        var worstPrecision = 1.0
        var l1 = 0.0
        for u in sources {
            let p = Personalization(source: u)
            let exact = try PowerIteration.solve(graph: graph, personalization: p).scores
            let (scores, _) = try query.scores(p, fingerprints: store)
            let sourcePrecision = AccuracyMetrics.precision(atK: 10, approximate: scores, exact: exact)
            precision += sourcePrecision
            worstPrecision = min(worstPrecision, sourcePrecision)
            l1 += AccuracyMetrics.l1Distance(scores, exact)
        }
        precision /= Double(sources.count)
        l1 /= Double(sources.count)
        #expect(precision >= DecompositionAccuracyTests.minimumMeanPrecision, "mean precision@10 \(precision)")
        #expect(worstPrecision >= 0.7, "worst precision@10 \(worstPrecision)")
        #expect(l1 <= DecompositionAccuracyTests.maximumMeanL1, "mean L1 \(l1)")
    }

    /// Flow conservation holds with weighted shares: every unit is expanded, handed on, or dropped.
    @Test(arguments: [(1e-3, 2), (1e-4, 5), (0.0, 3)])
    func expansionConservesFlow(eps: Double, levels: Int) throws {
        let alpha = 0.15
        for u in TestSupport.sampleSources(graph, count: 5, seed: 5) {
            let p = try Personalization([(u, 3), (VertexIndex(7), 1)])
            let expansion = try Decomposition.expand(
                graph: graph, personalization: p, restartProbability: alpha, eps: eps, maxLevels: levels)
            let s = expansion.statistics
            let created = 1 + (1 - alpha) * s.flowPushed - s.danglingLoss
            #expect(abs(s.flowPushed + s.frontierFlow + s.droppedFlow - created) < 1e-12)
        }
    }

    /// The block path expands each query with the same weighted push.
    @Test func blockDecompositionMatchesTheSingleQueryExpansion() throws {
        let sources = TestSupport.sampleSources(graph, count: 3, seed: 41)
        let queries = sources.map { Personalization(source: $0) }
        let block = BlockDecomposition(graph: graph, capacity: queries.count)
        try block.expand(queries, restartProbability: 0.15, eps: 1e-4, maxLevels: 20)
        for (q, query) in queries.enumerated() {
            let single = try Decomposition.expand(
                graph: graph, personalization: query, restartProbability: 0.15, eps: 1e-4, maxLevels: 20)
            for entry in single.frontier {
                #expect(block.frontier[Int(entry.vertex) * block.stride + q] == Float(entry.weight))
            }
            #expect(block.statistics[q] == single.statistics)
        }
    }
}
