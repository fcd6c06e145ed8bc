import PPRCore
import Testing

/// The accuracy presets on every class of source (issue 6 items 3 and 6), against exact PPR by power
/// iteration (itself checked against networkx, here on the hand-built graph too), on two committed
/// graphs: email-Eu-core and `classes.txt` (generate_class_fixtures.py: a hub, dangling vertices,
/// self-loops, multi-edges and a low-degree chain). Sources come from `AccuracySourceClass.sample` with a
/// fixed seed and the index from `WalkParameters()` (R = 16, seed 1), so every figure is deterministic.
@Suite struct PresetSourceClassTests {
    /// A fixture graph with its default in-memory index.
    struct Fixture {
        var name: String
        var graph: CSRGraph
        var store: InMemoryFingerprints

        init(name: String, graph: CSRGraph, store: InMemoryFingerprints) {
            (self.name, self.graph, self.store) = (name, graph, store)
        }

        init(_ name: String) throws {
            self.name = name
            graph = try TestSupport.loadGraph(name).graph
            store = try InMemoryFingerprints(graph: graph, parameters: WalkParameters())
        }
    }

    /// Mean figures of one preset on one class of sources.
    struct Figures: CustomStringConvertible {
        var sources = 0
        var precision10 = 0.0
        var precision100 = 0.0
        var tieAware100 = 0.0
        var l1 = 0.0

        var description: String {
            "\(sources) sources: P@10 \(precision10), P@100 \(precision100) (tie-aware \(tieAware100)), L1 \(l1)"
        }
    }

    static let graphs = ["email-Eu-core.txt", "classes.txt"]
    /// Sources per class (all of the class when it is smaller: email-Eu-core has 11 hubs, classes.txt 2).
    static let sourcesPerClass = 20
    static let seed: UInt64 = 17

    func measure(_ preset: AccuracyPreset, _ sourceClass: AccuracySourceClass, on fixture: Fixture) throws -> Figures {
        var query = DecompositionQuery(graph: fixture.graph)
        var figures = Figures()
        for source in sourceClass.sample(fixture.graph, count: Self.sourcesPerClass, seed: Self.seed) {
            let p = Personalization(source: source)
            let exact = try PowerIteration.solve(graph: fixture.graph, personalization: p).scores
            let (scores, _) = try query.scores(p, parameters: preset.parameters(), fingerprints: fixture.store)
            figures.sources += 1
            figures.precision10 += AccuracyMetrics.precision(atK: 10, approximate: scores, exact: exact)
            figures.precision100 += AccuracyMetrics.precision(atK: 100, approximate: scores, exact: exact)
            figures.tieAware100 += AccuracyMetrics.tieAwarePrecision(atK: 100, approximate: scores, exact: exact)
            figures.l1 += AccuracyMetrics.l1Distance(scores, exact)
        }
        let count = Double(max(1, figures.sources))
        figures.precision10 /= count
        figures.precision100 /= count
        figures.tieAware100 /= count
        figures.l1 /= count
        return figures
    }

    @Test(arguments: AccuracyPreset.allCases, AccuracySourceClass.allCases)
    func presetMeetsItsThresholdsOnEveryClass(_ preset: AccuracyPreset, _ sourceClass: AccuracySourceClass) throws {
        let limits = try #require(Self.limits[preset])
        for name in Self.graphs {
            let fixture = try Fixture(name)
            let figures = try measure(preset, sourceClass, on: fixture)
            #expect(figures.sources > 0, "\(name) has no \(sourceClass) vertex")
            #expect(figures.precision10 >= limits.precision10, "\(preset) \(sourceClass) \(name): \(figures)")
            #expect(figures.tieAware100 >= limits.precision100, "\(preset) \(sourceClass) \(name): \(figures)")
            #expect(figures.l1 <= limits.l1, "\(preset) \(sourceClass) \(name): \(figures)")
        }
    }

    /// A generated scale-free graph with multi-edges and self-loops: R-MAT scale 10, edge factor 16, seed 1
    /// (Graph500 skew), built as ingest builds it (duplicates collapse, self-loops stay). Every preset
    /// keeps its limits on every class there too.
    @Test func presetsHoldOnGeneratedScaleFreeGraph() throws {
        let generator = RMATGenerator(scale: 10, edgeFactor: 16, seed: 1)
        var builder = GraphBuilder()
        var lines = Set<UInt64>()
        var selfLoops = 0
        generator.forEachEdge { source, target in
            builder.addEdge(from: UInt64(source), to: UInt64(target))
            lines.insert(UInt64(source) << 32 | UInt64(target))
            selfLoops += source == target ? 1 : 0
        }
        #expect(lines.count < generator.edgeCount, "the generator repeats edges")
        #expect(selfLoops > 0, "the generator makes self-loops")
        let graph = try builder.build().graph
        #expect(graph.edgeCount == lines.count)
        let fixture = Fixture(
            name: "R-MAT 10", graph: graph, store: try InMemoryFingerprints(graph: graph, parameters: WalkParameters()))
        for preset in AccuracyPreset.allCases {
            let limits = try #require(Self.limits[preset])
            for sourceClass in AccuracySourceClass.allCases {
                let figures = try measure(preset, sourceClass, on: fixture)
                #expect(figures.sources > 0, "R-MAT 10 has no \(sourceClass) vertex")
                #expect(figures.precision10 >= limits.precision10, "\(preset) \(sourceClass) R-MAT 10: \(figures)")
                #expect(figures.tieAware100 >= limits.precision100, "\(preset) \(sourceClass) R-MAT 10: \(figures)")
                #expect(figures.l1 <= limits.l1, "\(preset) \(sourceClass) R-MAT 10: \(figures)")
            }
        }
    }

    /// DESIGN §1: a walk from a dangling source restarts from the source at once, so `pi = e_source`.
    /// Every preset returns exactly that, lists nothing else and estimates no error.
    @Test(arguments: AccuracyPreset.allCases)
    func danglingSourceGetsAllTheMass(_ preset: AccuracyPreset) throws {
        for name in Self.graphs {
            let fixture = try Fixture(name)
            var query = DecompositionQuery(graph: fixture.graph)
            let dangling = AccuracySourceClass.dangling.members(of: fixture.graph)
            #expect(!dangling.isEmpty)
            for source in dangling.prefix(Self.sourcesPerClass) {
                let p = Personalization(source: source)
                let exact = try PowerIteration.solve(graph: fixture.graph, personalization: p).scores
                #expect(abs(exact[Int(source)] - 1) < 1e-9, "exact PPR of a dangling source is e_source")
                let (scores, metadata) = try query.scores(
                    p, parameters: preset.parameters(), fingerprints: fixture.store)
                #expect(AccuracyMetrics.l1Distance(scores, exact) < 1e-9, "\(preset) \(name) source \(source)")
                #expect(metadata.errorEstimate < 1e-9)
                let answer = try query.run(p, parameters: preset.parameters(k: 10), fingerprints: fixture.store)
                #expect(answer.top.map(\.vertex) == [source])
            }
        }
    }

    /// The hand-built graph's exact PPR (power iteration, the oracle above) matches networkx on a source of
    /// each kind: the hub, a multi-edge tail, a self-loop, the chain and a dangling vertex. Ingest collapsed
    /// the multi-edges and kept the self-loops, as networkx's DiGraph does.
    @Test func handBuiltGraphMatchesNetworkx() throws {
        let graph = try Fixture("classes.txt").graph
        let fixture = try TestSupport.loadFixture("classes.json")
        #expect(graph.vertexCount == 150 && graph.edgeCount == 440)
        let (four, five, one) = (
            graph.index(of: VertexID(4)), graph.index(of: VertexID(5)), graph.index(of: VertexID(1))
        )
        let fourTargets = try graph.neighborRange(#require(four)).map { graph.targets[$0] }
        #expect(fourTargets.filter { $0 == five }.count == 1, "4 5 three times collapses to one edge")
        let oneTargets = try graph.neighborRange(#require(one)).map { graph.targets[$0] }
        #expect(oneTargets.contains(try #require(one)), "the self-loop 1 1 is kept")
        for fixtureCase in fixture.cases {
            let p = try TestSupport.personalization(fixtureCase, graph: graph)
            let exact = try PowerIteration.solve(graph: graph, personalization: p).scores
            #expect(
                AccuracyMetrics.l1Distance(exact, fixtureCase.scores) < 1e-8, "\(fixtureCase.name)")
        }
    }

    /// The classes are what they say: hubs are the top 1% by out-degree, dangling vertices have none,
    /// uniform sources have at least one; samples are distinct and the same for the same seed.
    @Test func sourceClassesAreWhatTheySay() throws {
        let graph = try Fixture("classes.txt").graph
        let hubs = AccuracySourceClass.hub.members(of: graph)
        #expect(hubs.map { graph.id(of: $0) } == [VertexID(1), VertexID(2)])
        let dangling = AccuracySourceClass.dangling.members(of: graph)
        #expect(Set(dangling.map { graph.id(of: $0) }) == Set((141...150).map { VertexID(UInt64($0)) }))
        for sourceClass in AccuracySourceClass.allCases {
            let sample = sourceClass.sample(graph, count: 20, seed: 3)
            #expect(sample == sourceClass.sample(graph, count: 20, seed: 3))
            #expect(Set(sample).count == sample.count)
            #expect(sample.count == min(20, sourceClass.members(of: graph).count))
            let members = Set(sourceClass.members(of: graph))
            #expect(sample.allSatisfy { members.contains($0) })
        }
        let uniform = AccuracySourceClass.uniform.sample(graph, count: 200, seed: 3)
        #expect(uniform.count == 140 && uniform.allSatisfy { graph.outDegree($0) > 0 })
        #expect(uniform != AccuracySourceClass.uniform.sample(graph, count: 200, seed: 4))
    }

    /// Tie-aware precision counts a vertex tied with the k-th exact score; strict precision does not.
    @Test func tieAwarePrecisionCountsTiedVertices() {
        // Vertices 1, 2 and 3 tie in the exact vector; the approximation lists 0 and 3.
        let exact = [0.4, 0.2, 0.2, 0.2, 0.0]
        let approximate = [0.5, 0.1, 0.1, 0.3, 0.0]
        #expect(AccuracyMetrics.precision(atK: 2, approximate: approximate, exact: exact) == 0.5)
        #expect(AccuracyMetrics.tieAwarePrecision(atK: 2, approximate: approximate, exact: exact) == 1)
        // A near tie (1e-5 of the score apart) counts; a gap of 1e-3 of the score does not.
        let near = [0.4, 0.2, 0.2 * (1 - 1e-5), 0.2 * (1 - 1e-3), 0.0]
        #expect(AccuracyMetrics.tieAwarePrecision(atK: 2, approximate: [0.5, 0, 0.3, 0, 0], exact: near) == 1)
        #expect(AccuracyMetrics.tieAwarePrecision(atK: 2, approximate: [0.5, 0, 0, 0.3, 0], exact: near) == 0.5)
        // A listed vertex of exact score 0 never counts, even when fewer than k scores are positive.
        #expect(AccuracyMetrics.tieAwarePrecision(atK: 5, approximate: [0.5, 0, 0, 0, 0.5], exact: exact) == 0.25)
        #expect(AccuracyMetrics.tieAwarePrecision(atK: 2, approximate: [0, 0, 0, 0, 1], exact: exact) == 0)
    }
}

extension PresetSourceClassTests {
    /// Limits per preset on every class of both graphs: mean precision@10, mean tie-aware precision@100
    /// and mean L1. Precision@100 is tie-aware because classes.txt's top 100 (of 150 vertices) ends among
    /// exactly tied scores, where the strict figure only measures how ties break (0.93 strict, 0.997 or
    /// more tie-aware for the default preset). Worst class measured (R = 16, seed 1, 20 sources per class drawn
    /// with seed 17; dangling sources are exact):
    /// - fast: precision@10 1.0, precision@100 0.994, L1 0.0098 (email-Eu-core uniform and hubs);
    /// - default: precision@10 0.982 (email-Eu-core hubs: 1 of 11 sources swaps its 10th and 11th, a
    ///   near tie), precision@100 0.995 or more (classes.txt hubs), L1 0.0034 (email-Eu-core hubs);
    /// - high: precision@10 0.982, precision@100 0.995 or more, L1 0.0032 (same sources).
    /// On the generated R-MAT scale 10 graph the worst class measures fast 0.99 / 0.990 / 0.0072, default
    /// 0.985 / 0.994 / 0.0035 and high 0.99 / 0.994 / 0.0038.
    /// On these small graphs `T = 20` levels, not `eps`, leaves the frontier flow (0.85^20 of the mass at
    /// most), which is why default and high measure alike here.
    static let limits: [AccuracyPreset: (precision10: Double, precision100: Double, l1: Double)] = [
        .fast: (0.95, 0.97, 0.025),
        .default: (0.96, 0.98, 0.008),
        .high: (0.96, 0.98, 0.008),
    ]
}
