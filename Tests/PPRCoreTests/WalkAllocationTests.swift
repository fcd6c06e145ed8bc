import PPRCore
import Testing

/// Walks per vertex that grow with the out-degree (`WalkAllocation`, `WalkBudget`) on the committed
/// email-Eu-core fixture (mean out-degree 25.4, out-degrees up to 334; with c = 1 and Rmax = 200 the
/// largest hubs get 200 walks, those above out-degree 128 more than the batch lanes take): the rule, the walker, the expand step
/// (thresholds, combine weights, the block path) and accuracy against exact power iteration.
@Suite struct WalkAllocationTests {
    let graph: CSRGraph
    let degreeRule = WalkParameters(allocation: WalkAllocation(hubScale: 1, maxWalksPerVertex: 200))

    init() throws {
        graph = try TestSupport.loadGraph("email-Eu-core.txt").graph
    }

    /// `clamp(floor(R * d / (c * m / n)), R, Rmax)`, written out independently of `WalkBudget`.
    func expectedWalks(_ v: VertexIndex, _ parameters: WalkParameters) -> Int {
        let allocation = parameters.allocation
        let r = parameters.walksPerVertex
        let wanted =
            Double(r) * Double(graph.outDegree(v)) / (allocation.hubScale * Double(graph.edgeCount))
            * Double(graph.vertexCount)
        return min(allocation.maxWalksPerVertex, max(r, Int(wanted.rounded(.down))))
    }

    @Test func walksPerVertexFollowTheDegreeRule() throws {
        let budget = WalkBudget(parameters: degreeRule, graph: graph)
        var more = 0
        var capped = 0
        for v in 0..<graph.vertexCount {
            let vertex = VertexIndex(v)
            let walks = budget.walks(outDegree: graph.outDegree(vertex))
            // Within one walk of the independent formula (its product is rounded in another order).
            #expect(abs(walks - expectedWalks(vertex, degreeRule)) <= 1, "vertex \(v)")
            #expect(walks >= 16 && walks <= 200)
            if walks > 16 { more += 1 }
            if walks == 200 { capped += 1 }
            #expect(budget.ratio(outDegree: graph.outDegree(vertex)) == Double(walks) / 16)
        }
        #expect(more > 20 && capped > 0, "\(more) vertices above R, \(capped) at Rmax")
        let uniform = WalkBudget(parameters: WalkParameters(allocation: .uniform), graph: graph)
        #expect(uniform.isUniform && uniform.walks(outDegree: 1000) == 16 && uniform.ratio(outDegree: 1000) == 1)
    }

    /// Every vertex's fingerprint is the one of its `R(u)` walks (the walk count is visible as the
    /// visits to `u` at walk starts: at least `R(u)`), the batch API agrees with the single-vertex one
    /// (including vertices too large for the batch logs), and the first `R` walks of a hub are the
    /// uniform index's walks: more walks extend a fingerprint, never change the walks it had.
    @Test func fingerprintsUseTheirVertexsWalks() throws {
        var walker = FingerprintWalker(graph: graph, parameters: degreeRule)
        var uniformWalker = FingerprintWalker(graph: graph, parameters: WalkParameters(allocation: .uniform))
        let budget = WalkBudget(parameters: degreeRule, graph: graph)
        let batched = walker.fingerprints(of: (0..<VertexIndex(graph.vertexCount)))
        var sawBig = false
        for v in 0..<graph.vertexCount {
            let vertex = VertexIndex(v)
            let walks = budget.walks(outDegree: graph.outDegree(vertex))
            let single = walker.fingerprint(of: vertex)
            #expect(single == batched[v], "vertex \(v)")
            #expect(single == uniformWalker.fingerprint(of: vertex, walks: walks))
            let start = try #require(single.vertices.firstIndex(of: vertex))
            #expect(Int(single.visitCounts[start]) >= walks)
            if walks * 101 > 1 << 13 { sawBig = true }
        }
        #expect(sawBig, "some vertex is walked outside the batch lanes")
        // A fingerprint of 16 walks within 160: the walks of the uniform index come first.
        let hub = VertexIndex(
            (0..<graph.vertexCount).max { graph.outDegree(VertexIndex($0)) < graph.outDegree(VertexIndex($1)) }!)
        let base = uniformWalker.fingerprint(of: hub)
        let extended = uniformWalker.fingerprint(of: hub, walks: 160)
        for (vertex, count) in zip(base.vertices, base.visitCounts) {
            let i = try #require(extended.vertices.firstIndex(of: vertex))
            #expect(extended.visitCounts[i] >= count)
        }
    }

    @Test func theExpansionKeepsHubsInTheFrontierAndWeighsThemByTheirWalks() throws {
        let budget = WalkBudget(parameters: degreeRule, graph: graph)
        let sources = TestSupport.sampleSources(graph, count: 10, seed: 5)
        var uniformEdges = 0
        var degreeEdges = 0
        for source in sources {
            let p = Personalization(source: source)
            let uniform = try Decomposition.expand(
                graph: graph, personalization: p, restartProbability: 0.15, eps: 1e-4, maxLevels: 20)
            let degree = try Decomposition.expand(
                graph: graph, personalization: p, restartProbability: 0.15, eps: 1e-4, maxLevels: 20,
                walkBudget: budget)
            uniformEdges += uniform.statistics.edgesPushed
            degreeEdges += degree.statistics.edgesPushed
            // The combine weight of a frontier vertex is its flow times R / R(u); the second moment is
            // Σ f² R / R(u) = Σ w² R(u) / R in the handed-over weights.
            var moment = 0.0
            var flow = 0.0
            for entry in degree.frontier {
                let ratio = budget.ratio(outDegree: graph.outDegree(entry.vertex))
                moment += entry.weight * entry.weight * ratio
                flow += entry.weight * ratio
            }
            #expect(abs(moment - degree.statistics.frontierSecondMoment) <= 1e-12 * max(1, moment))
            #expect(abs(flow - degree.statistics.sampledFrontierFlow) <= 1e-9)
            // Flow is conserved as in the uniform expansion.
            let s = degree.statistics
            #expect(abs(s.flowPushed + s.frontierFlow - 1 - 0.85 * s.flowPushed + s.danglingLoss) <= 1e-9)
        }
        // Measured: 1.82 M edges against 2.37 M (a small graph: flows reach hubs well above eps * R(u) / R).
        #expect(degreeEdges < uniformEdges, "edges pushed: degree rule \(degreeEdges), uniform \(uniformEdges)")
    }

    /// The degree rule against exact PPR: random sources and the ten largest hubs, default preset.
    @Test func degreeRuleIsAccurateAgainstExactPPR() throws {
        let store = try InMemoryFingerprints(graph: graph, parameters: degreeRule)
        var query = DecompositionQuery(graph: graph)
        let hubs = (0..<graph.vertexCount).map(VertexIndex.init)
            .sorted { graph.outDegree($0) > graph.outDegree($1) }.prefix(10)
        let sources = TestSupport.sampleSources(graph, count: 20, seed: 17) + hubs
        var precision = 0.0
        var l1 = 0.0
        var estimated = 0.0
        for u in sources {
            let p = Personalization(source: u)
            let exact = try PowerIteration.solve(graph: graph, personalization: p).scores
            let (scores, metadata) = try query.scores(p, fingerprints: store)
            precision += AccuracyMetrics.precision(atK: 10, approximate: scores, exact: exact)
            l1 += AccuracyMetrics.l1Distance(scores, exact)
            estimated += metadata.errorEstimate
        }
        precision /= Double(sources.count)
        l1 /= Double(sources.count)
        estimated /= Double(sources.count)
        // Measured: mean precision@10 0.990, mean L1 0.0039, mean error_estimate 0.0066. The estimate counts a
        // hub's frontier weight as f² R / R(u): with f² it would grow with the hubs kept in the frontier.
        #expect(precision >= 0.95, "mean precision@10 \(precision)")
        #expect(l1 <= 0.012, "mean L1 \(l1)")
        #expect(estimated >= l1 / 2.5 && estimated <= 2.5 * l1, "estimate \(estimated) against L1 \(l1)")
    }

    /// The block expansion's shared push applies the same thresholds and combine weights as one query's.
    @Test func blockExpansionUsesTheSameBudget() throws {
        let budget = WalkBudget(parameters: degreeRule, graph: graph)
        let block = BlockDecomposition(graph: graph, capacity: 12)
        var single = Decomposition(graph: graph)
        let queries = (0..<12).map { Personalization(source: VertexIndex(($0 * 83) % graph.vertexCount)) }
        try block.expand(
            queries, restartProbability: 0.15, eps: 3e-5, maxLevels: 20, sampleBelow: 1e-5, lowDegreeFactor: 0.1,
            walkBudget: budget)
        var scaled = 0
        for (q, query) in queries.enumerated() {
            let expansion = try single.expand(
                personalization: query, restartProbability: 0.15, eps: 3e-5, maxLevels: 20, sampleBelow: 1e-5,
                lowDegreeFactor: 0.1, walkBudget: budget)
            BlockDecompositionTests.expectSame(block, q, expansion)
            let stats = block.statistics[q]
            #expect(abs(stats.frontierSecondMoment - expansion.statistics.frontierSecondMoment) <= 1e-9)
            scaled += expansion.frontier.filter { budget.ratio(outDegree: graph.outDegree($0.vertex)) > 1 }.count
        }
        #expect(scaled > 0, "some frontier vertex has more than R walks")
    }

    @Test func allocationsOutOfRangeAreRefused() {
        for allocation in [
            WalkAllocation(hubScale: -1, maxWalksPerVertex: 64), WalkAllocation(hubScale: .nan, maxWalksPerVertex: 64),
            WalkAllocation(hubScale: 2, maxWalksPerVertex: 0), WalkAllocation(hubScale: 2, maxWalksPerVertex: 1 << 21),
        ] {
            #expect(throws: ParameterError.self) { try WalkParameters(allocation: allocation).validate() }
        }
        #expect(throws: Never.self) { try WalkParameters(allocation: .uniform).validate() }
        #expect(throws: Never.self) { try WalkParameters().validate() }
        // Rmax below R: every vertex gets R walks.
        let many = WalkParameters(
            walksPerVertex: 2000, allocation: WalkAllocation(hubScale: 1, maxWalksPerVertex: 1024))
        #expect(throws: Never.self) { try many.validate() }
        #expect(WalkBudget(parameters: many, vertexCount: 10, edgeCount: 100).walks(outDegree: 90) == 2000)
    }
}
