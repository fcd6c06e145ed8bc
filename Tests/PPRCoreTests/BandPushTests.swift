import Foundation
import PPRCore
import Testing

/// The multi-thread push (`Decomposition` with `PushThreads`, split by `TargetBands`): the band layout
/// covers every edge exactly once, and every thread count gives the one-thread answer bit for bit (checked
/// against the dense reference of `ExpandReferenceTests` and against one thread), whether the helpers run
/// or never start (the calling thread then claims their work).
@Suite struct BandPushTests {
    /// How the helper jobs start: at once on Dispatch's global queue, a millisecond late (the calling thread
    /// has then done some levels alone and may claim the helper's units), or never.
    enum Start: CaseIterable { case now, late, never }

    static func threads(_ count: Int, start: Start = .now) -> PushThreads {
        switch start {
        case .now: PushThreads(count: count) { job in DispatchQueue.global().async(execute: job) }
        case .late:
            PushThreads(count: count) { job in
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(1), execute: job)
            }
        case .never: PushThreads(count: count) { _ in }
        }
    }

    @Test(arguments: [(10, 4, UInt64(1)), (3_000, 12, 2), (20_000, 40, 3)])
    func bandLayoutCoversEveryEdgeOnce(vertices: Int, maxDegree: Int, seed: UInt64) {
        let graph = ExpandReferenceTests.randomGraph(vertices: vertices, maxDegree: maxDegree, seed: seed)
        let bands = TargetBands(graph: graph)
        let count = TargetBands.bandCount
        #expect(bands.starts.count == count + 1)
        #expect(bands.starts.first == 0 && bands.starts.last == vertices)
        for b in 0..<count {
            #expect(bands.starts[b] <= bands.starts[b + 1])
            #expect(bands.starts[b] % 512 == 0 || bands.starts[b] == vertices, "band \(b) starts mid-line")
        }
        if vertices > 4 * 512 {
            #expect((0..<count).allSatisfy { bands.starts[$0] < bands.starts[$0 + 1] }, "\(bands.starts)")
        }
        var covered = 0
        for v in 0..<vertices {
            let vertex = VertexIndex(v)
            var next = graph.neighborRange(vertex).lowerBound
            for b in 0..<count {
                let range = bands.edgeRange(of: vertex, bands: b..<b + 1, graph: graph)
                #expect(range.lowerBound == next, "vertex \(v) band \(b)")
                next = range.upperBound
                covered += range.count
                for e in range {
                    let t = Int(graph.targets[e])
                    #expect(bands.starts[b] <= t && t < bands.starts[b + 1], "edge \(e) of \(v) in band \(b)")
                }
            }
            #expect(next == graph.neighborRange(vertex).upperBound)
            #expect(bands.edgeRange(of: vertex, bands: 0..<count, graph: graph) == graph.neighborRange(vertex))
        }
        #expect(covered == graph.edgeCount)
    }

    /// Unweighted random graphs large enough for four non-empty bands and levels pushed by all threads.
    @Test(arguments: [(2, Start.now), (2, .late), (2, .never), (3, .now), (3, .late), (4, .now)])
    func threadsMatchReference(threads: Int, start: Start) throws {
        let vertices = 6_000
        let graph = ExpandReferenceTests.randomGraph(vertices: vertices, maxDegree: 40, seed: 11)
        let bands = TargetBands(graph: graph)
        var decomposition = Decomposition(graph: graph, threads: Self.threads(threads, start: start), bands: bands)
        var random = ExpandReferenceTests.Random(state: 5)
        // (eps, levels, sampleBelow, lowDegreeFactor, dropFloor)
        let knobs: [(Double, Int, Double, Double, Double)] = [
            (1e-5, 30, 0, 1, 0), (3e-5, 20, 1e-5, 0.1, 0), (1e-4, 4, 1e-4, 0.1, 0), (0, 6, 0, 1, 0),
            (1e-6, 50, 5e-7, 0.1, 1e-9), (1e-4, 0, 1e-4, 0.1, 0),
        ]
        for (eps, levels, sampleBelow, factor, floor) in knobs {
            for query in 0..<4 {
                let p: Personalization
                if query % 2 == 1 {
                    let sources = (0..<(2 + random.below(5))).map { _ in
                        (VertexIndex(random.below(vertices)), Double(1 + random.below(9)))
                    }
                    p = try Personalization(sources)
                } else {
                    p = Personalization(source: VertexIndex(random.below(vertices)))
                }
                let label =
                    "threads \(threads) \(start) eps \(eps) T \(levels) floor \(floor) p \(p.entries.count) sources"
                let actual = try decomposition.expand(
                    personalization: p, restartProbability: 0.15, eps: eps, maxLevels: levels, dropFloor: floor,
                    sampleBelow: sampleBelow, lowDegreeFactor: factor)
                let expected = ExpandReferenceTests.reference(
                    graph, p, alpha: 0.15, eps: eps, maxLevels: levels, dropFloor: floor, sampleBelow: sampleBelow,
                    lowDegreeFactor: factor)
                ExpandReferenceTests.expectIdentical(actual, expected, label)
            }
        }
    }

    /// Weighted graphs (a generated one and the committed fixture): every thread count gives one thread's bits.
    @Test func weightedThreadsMatchOneThread() throws {
        let generated = WeightedTestSupport.weighted(
            ExpandReferenceTests.randomGraph(vertices: 5_000, maxDegree: 30, seed: 21)
        ) { s, t in Double((s &* 2_654_435_761 ^ t) % 97 + 1) / 7 }
        let fixture = try WeightedTestSupport.loadGraph("email-Eu-core-weighted.txt").graph
        for graph in [generated, fixture] {
            var one = Decomposition(graph: graph)
            let bands = TargetBands(graph: graph)
            var many = [2, 4].map {
                Decomposition(graph: graph, threads: Self.threads($0), bands: bands)
            }
            let sources = TestSupport.sampleSources(graph, count: 6, seed: 4)
            let personalizations =
                sources.map { Personalization(source: $0) } + [try Personalization(sources.map { ($0, 1.0) })]
            var edgesPushed = 0  // the split only shows on levels large enough to share
            for p in personalizations {
                for (eps, levels, sampleBelow) in [(1e-6, 30, 0.0), (3e-6, 20, 1e-6)] {
                    let expected = try one.expand(
                        personalization: p, restartProbability: 0.15, eps: eps, maxLevels: levels,
                        sampleBelow: sampleBelow, lowDegreeFactor: 0.1)
                    edgesPushed += expected.statistics.edgesPushed
                    for i in many.indices {
                        let actual = try many[i].expand(
                            personalization: p, restartProbability: 0.15, eps: eps, maxLevels: levels,
                            sampleBelow: sampleBelow, lowDegreeFactor: 0.1)
                        ExpandReferenceTests.expectIdentical(actual, expected, "weighted n \(graph.vertexCount) \(i)")
                    }
                }
            }
            #expect(edgesPushed > 100_000, "n \(graph.vertexCount)")
        }
    }

    /// Whole queries on the committed email-Eu-core fixture, with exclusions and several sources: the same
    /// top list and scores, and the dense reference's expansion, whatever the thread count.
    @Test func queriesMatchOneThreadOnFixture() throws {
        let graph = try TestSupport.loadGraph("email-Eu-core.txt").graph
        let store = try InMemoryFingerprints(graph: graph, parameters: WalkParameters())
        var one = DecompositionQuery(graph: graph)
        var two = DecompositionQuery(graph: graph, pushThreads: Self.threads(2))
        var expand = Decomposition(graph: graph, threads: Self.threads(2, start: .late))
        let sources = TestSupport.sampleSources(graph, count: 8, seed: 31)
        let personalizations =
            sources.prefix(4).map { Personalization(source: $0) }
            + [
                try Personalization(sources.map { ($0, 1.0) }),
                try Personalization(uniformOver: Array(sources.suffix(3))),
            ]
        for p in personalizations {
            let exclusions = Exclusions(vertices: Array(sources.prefix(2)), sources: true, sourceNeighbors: true)
            for preset in [AccuracyPreset.fast, .default, .high] {
                let knobs = preset.parameters()
                let parameters = preset.parameters(k: 50, exclusions: exclusions)
                let expected = try one.run(p, parameters: parameters, fingerprints: store)
                let actual = try two.run(p, parameters: parameters, fingerprints: store)
                #expect(actual.top.map(\.vertex) == expected.top.map(\.vertex), "\(preset)")
                #expect(actual.top.map(\.score.bitPattern) == expected.top.map(\.score.bitPattern), "\(preset)")
                #expect(actual.metadata == expected.metadata, "\(preset)")
                let expansion = try expand.expand(
                    personalization: p, restartProbability: 0.15, eps: knobs.eps, maxLevels: knobs.maxLevels,
                    sampleBelow: knobs.sampleBelow, lowDegreeFactor: knobs.lowDegreeFactor)
                let reference = ExpandReferenceTests.reference(
                    graph, p, alpha: 0.15, eps: knobs.eps, maxLevels: knobs.maxLevels, dropFloor: 0,
                    sampleBelow: knobs.sampleBelow, lowDegreeFactor: knobs.lowDegreeFactor)
                ExpandReferenceTests.expectIdentical(expansion, reference, "fixture \(preset)")
            }
        }
    }
}
