import PPRCore
import Testing

@Suite struct DecompositionTests {
    /// With many levels and eps = 0 nothing reaches a fingerprint in practice, so the answer is exact,
    /// dangling restarts included (checked against networkx on the hand-built graph).
    @Test func manyLevelsWithoutThresholdMatchesNetworkx() throws {
        let fixture = try TestSupport.loadFixture("tiny.json")
        let graph = try TestSupport.loadGraph(fixture.graph).graph
        let store = try InMemoryFingerprints(graph: graph, parameters: WalkParameters())
        var query = DecompositionQuery(graph: graph)
        for fixtureCase in fixture.cases {
            let p = try TestSupport.personalization(fixtureCase, graph: graph)
            let (scores, metadata) = try query.scores(
                p, parameters: QueryParameters(eps: 0, maxLevels: 400), fingerprints: store)
            let l1 = AccuracyMetrics.l1Distance(scores, fixtureCase.scores)
            #expect(l1 < 1e-9, "\(fixtureCase.name): L1 \(l1)")
            #expect(metadata.expansion.frontierFlow < 1e-20)
        }
    }

    @Test func largeLevelsAndTinyThresholdApproachExact() throws {
        let fixture = try TestSupport.loadFixture("email-Eu-core.json")
        let graph = try TestSupport.loadGraph(fixture.graph).graph
        let store = try InMemoryFingerprints(graph: graph, parameters: WalkParameters())
        var query = DecompositionQuery(graph: graph)
        for fixtureCase in fixture.cases {
            let p = try TestSupport.personalization(fixtureCase, graph: graph)
            let (scores, _) = try query.scores(
                p, parameters: QueryParameters(eps: 1e-12, maxLevels: 300), fingerprints: store)
            let l1 = AccuracyMetrics.l1Distance(scores, fixtureCase.scores)
            #expect(l1 < 1e-5, "\(fixtureCase.name): L1 \(l1)")
        }
    }

    /// `T = 0` (and no PPR-equation step): the frontier is `p` and the answer is the normalised fingerprint of
    /// the source.
    @Test func zeroLevelsAnswersWithTheFingerprint() throws {
        let graph = try TestSupport.loadGraph("email-Eu-core.txt").graph
        let store = try InMemoryFingerprints(graph: graph, parameters: WalkParameters())
        var query = DecompositionQuery(graph: graph)
        for u in TestSupport.sampleSources(graph, count: 5, seed: 11) {
            let (scores, metadata) = try query.scores(
                Personalization(source: u), parameters: QueryParameters(maxLevels: 0, smoothingSteps: 0),
                fingerprints: store)
            let fingerprint = try store.fingerprint(of: u)
            let total = Double(fingerprint.totalVisits)
            var expected = [Double](repeating: 0, count: graph.vertexCount)
            for (v, count) in zip(fingerprint.vertices, fingerprint.visitCounts) {
                expected[Int(v)] = Double(count) / total
            }
            #expect(AccuracyMetrics.maxAbsoluteError(scores, expected) < 1e-14)
            #expect(metadata.expansion.levels == 0)
            #expect(metadata.fingerprintsUsed == 1)
        }
    }

    /// Every unit of flow is expanded, handed to the frontier, or dropped; frontier lists are sorted.
    @Test(arguments: [(1e-3, 2), (1e-4, 5), (0.0, 3), (1e-2, 50)])
    func expansionConservesFlow(eps: Double, levels: Int) throws {
        let graph = try TestSupport.loadGraph("email-Eu-core.txt").graph
        let alpha = 0.15
        for u in TestSupport.sampleSources(graph, count: 5, seed: 5) {
            let p = try Personalization([(u, 3), (VertexIndex(7), 1)])
            let expansion = try Decomposition.expand(
                graph: graph, personalization: p, restartProbability: alpha, eps: eps, maxLevels: levels)
            let s = expansion.statistics
            let created = 1 + (1 - alpha) * s.flowPushed - s.danglingLoss
            #expect(abs(s.flowPushed + s.frontierFlow + s.droppedFlow - created) < 1e-12)
            let keptTotal = expansion.pushed.reduce(0.0) { $0 + $1.weight }
            #expect(abs(keptTotal - alpha * s.flowPushed) < 1e-12)
            #expect(zip(expansion.frontier, expansion.frontier.dropFirst()).allSatisfy { $0.vertex < $1.vertex })
            #expect(zip(expansion.pushed, expansion.pushed.dropFirst()).allSatisfy { $0.vertex < $1.vertex })
            #expect(expansion.frontier.allSatisfy { $0.weight > 0 })
            #expect(s.frontierSize == expansion.frontier.count)
            #expect(s.levels <= levels)
            let parts = expansion.frontier(partitionedBy: Partition(shardCount: 3))
            #expect(parts.map(\.count).reduce(0, +) == expansion.frontier.count)
        }
    }

    @Test func rejectsBadParametersByName() throws {
        let graph = try TestSupport.loadGraph("tiny.txt").graph
        let p = Personalization(source: 0)
        #expect(
            throws: QueryError.invalidParameter(
                .outOfRange(name: "eps", value: "-1.0", expected: "a finite number >= 0"))
        ) {
            try Decomposition.expand(graph: graph, personalization: p, restartProbability: 0.15, eps: -1, maxLevels: 2)
        }
        #expect(throws: QueryError.self) {
            try Decomposition.expand(graph: graph, personalization: p, restartProbability: 0.15, eps: 0, maxLevels: -1)
        }
        #expect(throws: QueryError.personalization(.vertexOutOfRange(vertex: 20, vertexCount: 9))) {
            try Decomposition.expand(
                graph: graph, personalization: Personalization(source: 20),
                restartProbability: 0.15, eps: 0, maxLevels: 2)
        }
    }
}
