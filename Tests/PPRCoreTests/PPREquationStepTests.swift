import PPRCore
import Testing

/// `PPREquationStep` (the reference whole-vector step) against exact PPR by power iteration: exact PPR is its
/// fixed point (dangling vertices, self-loops, weights, several sources), it is linear and, without
/// self-loops, keeps the mass,
/// and on the default index one step lowers the whole-vector L1 against exact PPR. With Float terms
/// (`InEdges.floatTerms`, large unweighted graphs; forced here on small ones) these hold to 2^-24 of each
/// value.
@Suite struct PPREquationStepTests {
    /// Float rounding allowed per unit of value with Float terms: 2^-24 per term, with room for the Double
    /// rounding of the sums.
    static let floatTermTolerance = 1e-7

    @Test(arguments: [false, true])
    func exactPPRIsAFixedPoint(floatTerms: Bool) throws {
        for (name, graph, personalizations) in try FixedPointCases.all(seed: 5, sources: 3) {
            let inEdges = InEdges(graph: graph, floatTerms: floatTerms)
            for p in personalizations {
                let exact = try PowerIteration.solve(graph: graph, personalization: p, tolerance: 1e-13).scores
                let stepped = PPREquationStep.apply(exact, personalization: p, alpha: 0.15, inEdges: inEdges)
                // The power iteration's own residual, plus 2^-24 of each value with Float terms.
                for v in exact.indices {
                    let allowed = (inEdges.floatTerms ? Self.floatTermTolerance * exact[v] : 0) + 1e-11
                    #expect(abs(stepped[v] - exact[v]) <= allowed, "\(name) \(p.sources): vertex \(v)")
                }
            }
        }
    }

    /// Float terms are the default only on unweighted graphs with at least `floatTermsMinimumVertices`
    /// vertices; forcing them on a weighted graph leaves its terms Double.
    @Test func floatTermsFollowTheSizeRule() throws {
        let small = try TestSupport.loadGraph("email-Eu-core.txt").graph
        #expect(small.vertexCount < InEdges.floatTermsMinimumVertices)
        #expect(!InEdges(graph: small).floatTerms)
        #expect(InEdges(graph: small, floatTerms: true).floatTerms)
        let weighted = try WeightedTestSupport.loadGraph("email-Eu-core-weighted.txt").graph
        #expect(!InEdges(graph: weighted, floatTerms: true).floatTerms)
    }

    /// The reference step equals the all-Double step computed independently over the forward edges
    /// (`ForwardStep`: `x(w) / d(w)` pushed to each out-neighbour, self-loop terms solved) on unweighted
    /// graphs with dangling vertices, self-loops and multi-edges: to Double rounding with Double terms, to
    /// 2^-24 of each value with Float terms (their rounding costs no more than that, whatever the in-degree:
    /// the sums are Double).
    @Test(arguments: [false, true])
    func stepMatchesAnIndependentDoubleStep(floatTerms: Bool) throws {
        let rmat = RMATGenerator(scale: 10, edgeFactor: 16, seed: 7)
        var builder = GraphBuilder()
        rmat.forEachEdge { builder.addEdge(from: UInt64($0), to: UInt64($1)) }
        let graphs = [
            ("email-Eu-core.txt", try TestSupport.loadGraph("email-Eu-core.txt").graph),
            ("classes.txt", try TestSupport.loadGraph("classes.txt").graph),
            ("R-MAT 10", try builder.build().graph),
        ]
        for (name, graph) in graphs {
            let inEdges = InEdges(graph: graph, floatTerms: floatTerms)
            let n = graph.vertexCount
            let p = try Personalization([(VertexIndex(0), 0.5), (VertexIndex(n - 1), 0.5)])
            // Many magnitudes, so that most terms are not exact in Float.
            let x = (0..<n).map { v -> Double in
                let numerator = Double((v * 7919) % 997 + 1) * 1e-4 / 3
                return numerator / Double(v % 13 + 1)
            }
            let exact = ForwardStep.apply(x, graph: graph, personalization: p, alpha: 0.15)
            let stepped = PPREquationStep.apply(x, personalization: p, alpha: 0.15, inEdges: inEdges)
            var rounded = 0, pulled = 0
            for v in 0..<n {
                if inEdges.inDegree(v) > 0 { pulled += 1 }
                let allowed = (floatTerms ? Self.floatTermTolerance : 1e-13) * exact[v] + 1e-15
                #expect(abs(stepped[v] - exact[v]) <= allowed, "\(name) vertex \(v): \(stepped[v]) vs \(exact[v])")
                if stepped[v] != exact[v] { rounded += 1 }
            }
            // With Float terms most pulled values differ from the Double step in their last bits.
            if floatTerms { #expect(rounded > pulled / 2, "\(name): \(rounded) of \(pulled) pulled values rounded") }
        }
    }

    /// `M (a + 2 b) = M a + 2 M b` on vectors that are not normalised, on a graph with dangling vertices and
    /// self-loops (what lets a block's shards each step their own share); and `sum(M a) = sum(a)` on the same
    /// graph with its self-loops taken out (with them the step keeps the mass only at its fixed point).
    @Test(arguments: [false, true])
    func linearAndMassPreservingWithoutLoops(floatTerms: Bool) throws {
        let graph = try TestSupport.loadGraph("classes.txt").graph
        let loopless = try ForwardStep.withoutSelfLoops(graph)
        #expect(loopless.vertexCount == graph.vertexCount && loopless.edgeCount < graph.edgeCount)
        // Relative to each value: Double rounding, or 2^-24 with Float terms.
        let relative = floatTerms ? Self.floatTermTolerance : 1e-12
        let p = try Personalization([(VertexIndex(2), 0.25), (VertexIndex(5), 0.75)])
        let a = (0..<graph.vertexCount).map { Double(($0 * 7919) % 13) / 50 }
        let b = (0..<graph.vertexCount).map { Double(($0 * 104_729) % 11) / 70 }
        for (g, keepsMass) in [(graph, false), (loopless, true)] {
            let inEdges = InEdges(graph: g, floatTerms: floatTerms)
            #expect(inEdges.hasLoops != keepsMass)
            let step = { (x: [Double]) in PPREquationStep.apply(x, personalization: p, alpha: 0.15, inEdges: inEdges) }
            let combined = step(zip(a, b).map { $0 + 2 * $1 })
            let separate = zip(step(a), step(b)).map { $0 + 2 * $1 }
            // Each side within `relative` of the exact value, the mass likewise.
            for v in combined.indices {
                #expect(abs(combined[v] - separate[v]) <= 2 * relative * combined[v] + 1e-15, "vertex \(v)")
            }
            guard keepsMass else { continue }
            let massA = a.reduce(0, +), massB = b.reduce(0, +)
            #expect(abs(step(a).reduce(0, +) - massA) <= relative * massA)
            #expect(abs(step(b).reduce(0, +) - massB) <= relative * massB)
        }
    }

    /// The self-loops' terms are solved: under a hub, vertices whose only other in-edge is the hub's (each
    /// with a self-loop, some with nothing else) are tied in exact PPR, and one step of a noisy answer ties
    /// them again, whatever noise each carried (pulled through the loop, each would keep `(1 - alpha)` of
    /// its own). Checked against power iteration.
    @Test func verticesTiedInExactPPRAreTiedAfterAStep() throws {
        var builder = GraphBuilder()
        let leaves = UInt64(10)...UInt64(19)
        for leaf in leaves {
            builder.addEdge(from: 1, to: leaf)
            builder.addEdge(from: leaf, to: leaf)
            if leaf % 2 == 0 { builder.addEdge(from: leaf, to: 2) }  // half also leave through vertex 2
        }
        builder.addEdge(from: 2, to: 1)
        let graph = try builder.build().graph
        let hub = try #require(graph.index(of: VertexID(1)))
        let leafIndices = try leaves.filter { $0 % 2 == 1 }.map { try #require(graph.index(of: VertexID($0))) }
        let p = Personalization(source: hub)
        let exact = try PowerIteration.solve(graph: graph, personalization: p, tolerance: 1e-14).scores
        // The loop-only leaves are tied in exact PPR.
        let tied = leafIndices.map { exact[Int($0)] }
        #expect(tied.allSatisfy { abs($0 - tied[0]) <= 1e-12 * tied[0] })
        // Up to 10 % noise on every vertex, different on each leaf.
        let noisy = exact.enumerated().map { $0.element * (1 + 0.1 * Double(($0.offset * 7) % 5 - 2) / 2) }
        let stepped = PPREquationStep.apply(noisy, personalization: p, alpha: 0.15, inEdges: InEdges(graph: graph))
        let values = leafIndices.map { stepped[Int($0)] }
        #expect(Set(leafIndices.map { noisy[Int($0)] }).count > 1, "the leaves start apart")
        #expect(values.allSatisfy { $0 == values[0] }, "loop-only leaves after a step: \(values)")
    }

    /// On a graph with self-loops a query's stepped answer is normalised again: it sums to 1, while one
    /// step of the normalised unstepped answer does not (the steps keep the mass only at their fixed point).
    @Test func steppedAnswersSumToOneOnAGraphWithSelfLoops() throws {
        let graph = try TestSupport.loadGraph("email-Eu-core.txt").graph
        let inEdges = InEdges(graph: graph)
        #expect(inEdges.hasLoops)
        let store = try InMemoryFingerprints(graph: graph, parameters: WalkParameters())
        var query = DecompositionQuery(graph: graph)
        var largestDrift = 0.0
        for source in AccuracySourceClass.uniform.sample(graph, count: 10, seed: 29) {
            let p = Personalization(source: source)
            let stepped = try query.scores(p, parameters: AccuracyPreset.default.parameters(), fingerprints: store)
            #expect(abs(stepped.scores.reduce(0, +) - 1) <= 1e-12, "source \(source)")
            let unstepped = try query.scores(
                p, parameters: AccuracyPreset.default.parameters(smoothingSteps: 0), fingerprints: store)
            let once = PPREquationStep.apply(unstepped.scores, personalization: p, alpha: 0.15, inEdges: inEdges)
            largestDrift = max(largestDrift, abs(once.reduce(0, +) - 1))
        }
        #expect(largestDrift > 1e-9, "a step of an approximate answer moves its mass: \(largestDrift)")
    }

    /// On the default index and preset, one step cuts the mean whole-vector L1 against exact PPR on
    /// email-Eu-core and a generated R-MAT scale 12 graph.
    @Test func oneStepLowersTheWholeVectorError() throws {
        let rmat = RMATGenerator(scale: 12, edgeFactor: 16, seed: 1)
        var builder = GraphBuilder()
        rmat.forEachEdge { builder.addEdge(from: UInt64($0), to: UInt64($1)) }
        let graphs = [
            ("email-Eu-core", try TestSupport.loadGraph("email-Eu-core.txt").graph),
            ("R-MAT 12", try builder.build().graph),
        ]
        for (name, graph) in graphs {
            let store = try InMemoryFingerprints(graph: graph, parameters: WalkParameters())
            let inEdges = InEdges(graph: graph)
            var query = DecompositionQuery(graph: graph)
            let knobs = AccuracyPreset.default.parameters(k: 10)
            var plainError = 0.0, steppedError = 0.0
            for source in AccuracySourceClass.uniform.sample(graph, count: 15, seed: 23) {
                let p = Personalization(source: source)
                let exact = try PowerIteration.solve(graph: graph, personalization: p).scores
                let plain = try query.scores(p, parameters: knobs, fingerprints: store).scores
                let stepped = PPREquationStep.apply(plain, personalization: p, alpha: 0.15, inEdges: inEdges)
                plainError += AccuracyMetrics.l1Distance(plain, exact)
                steppedError += AccuracyMetrics.l1Distance(stepped, exact)
            }
            #expect(steppedError < 0.8 * plainError, "\(name): L1 \(plainError / 15) -> \(steppedError / 15)")
        }
    }

    /// Out-of-range step counts are refused with the knob's name.
    @Test func stepCountIsRangeChecked() {
        var knobs = QueryParameters()
        for steps in [-1, EngineLimits.smoothingSteps.upperBound + 1] {
            knobs.smoothingSteps = steps
            #expect(throws: QueryError.self) { try knobs.validate(restartProbability: 0.15) }
        }
        knobs.smoothingSteps = EngineLimits.smoothingSteps.upperBound
        #expect((try? knobs.validate(restartProbability: 0.15)) != nil)
    }
}

/// The fast step (`PPREquationStep.apply(steps:to:...)`) gives the reference's bits for 1 to 4 steps and
/// 1 to 4 threads, whether the helper jobs start at once, late or never, on graphs with dangling vertices,
/// self-loops, multi-edges and weights, with Double and with Float terms (`InEdges.floatTerms`).
@Suite struct FastPPREquationStepTests {
    static func graphs() throws -> [(String, CSRGraph)] {
        let rmat = RMATGenerator(scale: 12, edgeFactor: 16, seed: 3)
        var builder = GraphBuilder()
        rmat.forEachEdge { builder.addEdge(from: UInt64($0), to: UInt64($1)) }
        return [
            ("email-Eu-core.txt", try TestSupport.loadGraph("email-Eu-core.txt").graph),
            ("classes.txt", try TestSupport.loadGraph("classes.txt").graph),
            ("email-Eu-core-weighted.txt", try WeightedTestSupport.loadGraph("email-Eu-core-weighted.txt").graph),
            ("R-MAT 12", try builder.build().graph),
            ("R-MAT 12 without self-loops", try ForwardStep.withoutSelfLoops(try builder.build().graph)),
        ]
    }

    @Test(arguments: [false, true])
    func bitIdenticalToTheReferenceForAnyThreadCount(floatTerms: Bool) throws {
        for (name, graph) in try Self.graphs() {
            let inEdges = InEdges(graph: graph, floatTerms: floatTerms)
            let n = graph.vertexCount
            // The step pulls every edge but the self-loops (their terms are solved).
            let loops = (0..<n).reduce(0) { sum, w in
                sum + graph.targets[graph.neighborRange(VertexIndex(w))].count { Int($0) == w }
            }
            let p = try Personalization([(VertexIndex(1), 0.5), (VertexIndex(n / 2), 0.5)])
            // Not normalised, with zeros, spread over many magnitudes: any change of order shows in the bits.
            let x = (0..<n).map { v -> Double in
                guard v % 5 != 0 else { return 0 }
                let numerator = Double((v * 7919) % 997 + 1) * 1e-6
                return numerator / Double(v % 13 + 1)
            }
            var expected = x
            for steps in 1...EngineLimits.smoothingSteps.upperBound {
                expected = PPREquationStep.apply(expected, personalization: p, alpha: 0.15, inEdges: inEdges)
                for count in 1...4 {
                    for start in BandPushTests.Start.allCases {
                        var scratch = PPREquationStep.Scratch()
                        var y = x
                        let report = PPREquationStep.apply(
                            steps: steps, to: &y, personalization: p, alpha: 0.15, inEdges: inEdges, scratch: &scratch,
                            threads: BandPushTests.threads(count, start: start))
                        #expect(report.edges == steps * graph.edgeCount - steps * loops)
                        let same = zip(y, expected).allSatisfy { $0.bitPattern == $1.bitPattern }
                        #expect(same, "\(name) float \(floatTerms): \(steps) steps, \(count) threads, start \(start)")
                    }
                }
            }
        }
    }

    /// The reciprocity (share of edges between distinct vertices whose reverse is an edge) equals a count
    /// over the edge set.
    @Test func reciprocityCountsReversedEdges() throws {
        for (name, graph) in try Self.graphs() {
            var edges = Set<[VertexIndex]>()
            for v in 0..<graph.vertexCount {
                for e in graph.neighborRange(VertexIndex(v)) { edges.insert([VertexIndex(v), graph.targets[e]]) }
            }
            // Over the edges between distinct vertices (self-loops are solved, not pulled).
            var matched = 0, counted = 0
            for v in 0..<graph.vertexCount {
                for e in graph.neighborRange(VertexIndex(v)) where Int(graph.targets[e]) != v {
                    counted += 1
                    if edges.contains([graph.targets[e], VertexIndex(v)]) { matched += 1 }
                }
            }
            let expected = Double(matched) / Double(counted)
            #expect(abs(InEdges(graph: graph).reciprocity - expected) < 1e-12, "\(name)")
        }
    }
}
