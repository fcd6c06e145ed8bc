import PPRCore
import Testing

/// `Decomposition.expand` against a plain dense reference of the documented semantics, bit for bit.
///
/// The reference marks each level's vertices (those the previous level pushed to, even a share that
/// underflowed to zero) in a dense Bool vector and expands them in ascending vertex order (the order the
/// sums run in, so the doubles match), with dense arrays, and lists the outputs by a scan over all vertices.
@Suite struct ExpandReferenceTests {
    /// SplitMix64, for the random graphs.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// A random graph: about a fifth of the vertices dangling, self-loops allowed, skewed degrees.
    static func randomGraph(vertices n: Int, maxDegree: Int, seed: UInt64) -> CSRGraph {
        var random = Random(state: seed)
        var offsets: [UInt64] = [0]
        var targets: [VertexIndex] = []
        for v in 0..<n {
            var degree = 0
            if random.below(5) != 0 {
                degree = random.below(4) == 0 ? random.below(maxDegree) + 1 : random.below(3) + 1
            }
            var neighbours = Set<VertexIndex>()
            if degree > 0, random.below(6) == 0 { neighbours.insert(VertexIndex(v)) }  // self-loop
            // Bias towards low ids so some vertices collect flow from many.
            for _ in 0..<degree {
                let w = random.below(3) == 0 ? random.below(min(n, 8)) : random.below(n)
                neighbours.insert(VertexIndex(w))
            }
            targets += neighbours.sorted()
            offsets.append(UInt64(targets.count))
        }
        return CSRGraph(offsets: offsets, targets: targets, externalIDs: (0..<n).map { UInt64($0) * 3 + 1 })
    }

    static func uniform(_ seed: UInt64, _ vertex: VertexIndex) -> Double {
        var z = seed &+ (UInt64(vertex) &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1p-53
    }

    static func seed(of personalization: Personalization) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for entry in personalization.entries {
            hash = (hash ^ UInt64(entry.vertex)) &* 0x100_0000_01B3
            hash = (hash ^ entry.weight.bitPattern) &* 0x100_0000_01B3
        }
        return hash
    }

    /// The expand step written out directly (see `Decomposition`'s documentation).
    static func reference(
        _ graph: CSRGraph, _ p: Personalization, alpha: Double, eps: Double, maxLevels: Int, dropFloor: Double,
        sampleBelow: Double, lowDegreeFactor: Double
    ) -> Expansion {
        let n = graph.vertexCount
        var stats = Expansion.Statistics()
        var flow = p.dense(vertexCount: n)
        var listed = [Bool](repeating: false, count: n)
        for source in p.sources { listed[Int(source)] = true }
        var kept = [Double](repeating: 0, count: n)
        var frontier = [Double](repeating: 0, count: n)
        let inverseMeanDegree = Double(max(1, n)) / Double(max(1, graph.edgeCount))
        func toFrontier(_ v: Int, _ f: Double) {
            if f >= dropFloor {
                frontier[v] += f
                stats.frontierFlow += f
            } else {
                stats.droppedFlow += f
            }
        }
        while stats.levels < maxLevels, listed.contains(true) {
            stats.levels += 1
            var nextFlow = [Double](repeating: 0, count: n)
            var nextListed = [Bool](repeating: false, count: n)
            for v in 0..<n where listed[v] {
                let vertex = VertexIndex(v)
                let f = flow[v]
                if f == 0 { continue }
                flow[v] = 0
                let degree = graph.outDegree(vertex)
                if degree > 0 {
                    let relative = Double(degree) * inverseMeanDegree
                    let threshold = relative >= 1 ? eps : eps * max(lowDegreeFactor, relative)
                    if f <= threshold {
                        toFrontier(v, f)
                        continue
                    }
                }
                kept[v] += alpha * f
                stats.verticesExpanded += 1
                stats.flowPushed += f
                if degree == 0 {
                    stats.danglingLoss += (1 - alpha) * f
                    continue
                }
                let share = (1 - alpha) * f / Double(degree)
                for e in graph.neighborRange(vertex) {
                    let w = Int(graph.targets[e])
                    nextListed[w] = true
                    nextFlow[w] += share
                }
                stats.edgesPushed += degree
            }
            flow = nextFlow
            listed = nextListed
        }
        for v in 0..<n where listed[v] && flow[v] > 0 {
            toFrontier(v, flow[v])
            flow[v] = 0
        }
        let pushed = (0..<n).filter { kept[$0] != 0 }.map { WeightedVertex(vertex: VertexIndex($0), weight: kept[$0]) }
        var entries: [WeightedVertex] = []
        let seed = Self.seed(of: p)
        for v in 0..<n where frontier[v] != 0 {
            let weight = frontier[v]
            if sampleBelow > 0, weight < sampleBelow {
                if Self.uniform(seed, VertexIndex(v)) * sampleBelow < weight {
                    entries.append(WeightedVertex(vertex: VertexIndex(v), weight: sampleBelow))
                } else {
                    stats.verticesSampledOut += 1
                }
            } else {
                entries.append(WeightedVertex(vertex: VertexIndex(v), weight: weight))
            }
        }
        stats.frontierSize = entries.count
        for entry in entries {
            stats.sampledFrontierFlow += entry.weight
            stats.frontierSecondMoment += entry.weight * entry.weight
        }
        return Expansion(pushed: pushed, frontier: entries, statistics: stats)
    }

    /// Every vertex and every Double bit pattern, in order.
    static func expectIdentical(_ a: Expansion, _ b: Expansion, _ label: String) {
        func bits(_ list: [WeightedVertex]) -> [UInt64] { list.flatMap { [UInt64($0.vertex), $0.weight.bitPattern] } }
        #expect(bits(a.pushed) == bits(b.pushed), "pushed: \(label)")
        #expect(bits(a.frontier) == bits(b.frontier), "frontier: \(label)")
        let s = a.statistics, t = b.statistics
        #expect(
            [s.levels, s.verticesExpanded, s.edgesPushed, s.frontierSize, s.verticesSampledOut]
                == [t.levels, t.verticesExpanded, t.edgesPushed, t.frontierSize, t.verticesSampledOut],
            "counts: \(label)")
        #expect(
            [
                s.flowPushed, s.danglingLoss, s.droppedFlow, s.frontierFlow, s.sampledFrontierFlow,
                s.frontierSecondMoment,
            ]
            .map(\.bitPattern)
                == [
                    t.flowPushed, t.danglingLoss, t.droppedFlow, t.frontierFlow, t.sampledFrontierFlow,
                    t.frontierSecondMoment,
                ]
                .map(\.bitPattern),
            "sums: \(label)")
    }

    /// Graph sizes and degrees: small dense ones (marker scan of touched vertices) and a large sparse one
    /// with few touched vertices (sorted touched lists).
    @Test(arguments: [(12, 4, UInt64(1)), (60, 12, 2), (400, 30, 3), (5_000, 6, 4)])
    func matchesReference(vertices: Int, maxDegree: Int, seed: UInt64) throws {
        let graph = Self.randomGraph(vertices: vertices, maxDegree: maxDegree, seed: seed)
        var decomposition = Decomposition(graph: graph)  // reused: scratch must come back clean
        var random = Random(state: seed &* 77)
        // (eps, levels, sampleBelow, lowDegreeFactor, dropFloor)
        let knobs: [(Double, Int, Double, Double, Double)] = [
            (1e-4, 20, 0, 1, 0), (3e-5, 20, 1e-5, 0.1, 0), (1e-2, 3, 1e-2, 0.5, 0), (0, 6, 0, 1, 0),
            (1e-3, 50, 5e-3, 0.1, 1e-6), (5e-6, 10, 2e-6, 0.1, 0), (0.2, 2, 0.05, 1, 0), (1e-4, 0, 1e-4, 0.1, 0),
        ]
        for (eps, levels, sampleBelow, factor, floor) in knobs {
            for query in 0..<6 {
                let p: Personalization
                if query % 3 == 2 {
                    let sources = (0..<(1 + random.below(4))).map { _ in
                        (VertexIndex(random.below(vertices)), Double(1 + random.below(9)))
                    }
                    p = try Personalization(sources)
                } else {
                    p = Personalization(source: VertexIndex(random.below(vertices)))
                }
                let label =
                    "n \(vertices) eps \(eps) T \(levels) sample \(sampleBelow) factor \(factor) floor \(floor) p \(p.entries)"
                let actual = try decomposition.expand(
                    personalization: p, restartProbability: 0.15, eps: eps, maxLevels: levels, dropFloor: floor,
                    sampleBelow: sampleBelow, lowDegreeFactor: factor)
                let expected = Self.reference(
                    graph, p, alpha: 0.15, eps: eps, maxLevels: levels, dropFloor: floor, sampleBelow: sampleBelow,
                    lowDegreeFactor: factor)
                Self.expectIdentical(actual, expected, label)
                let fresh = try Decomposition.expand(
                    graph: graph, personalization: p, restartProbability: 0.15, eps: eps, maxLevels: levels,
                    dropFloor: floor, sampleBelow: sampleBelow, lowDegreeFactor: factor)
                Self.expectIdentical(fresh, expected, "fresh scratch: " + label)
            }
        }
    }

    /// eps = 0 over the most levels a query may ask for (`EngineLimits.maxLevels`, 1,024): with alpha 0.5 the
    /// flows fall below 2^-1024 (subnormals), with alpha 0.6 below 2^-1300 (zero), so pushes of zero share and
    /// kept amounts that round to zero occur (vertices listed twice in a level).
    @Test func underflowingFlowsMatchReference() throws {
        let graph = Self.randomGraph(vertices: 40, maxDegree: 10, seed: 9)
        var decomposition = Decomposition(graph: graph)
        for source in [0, 3, 17, 39] {
            let p = Personalization(source: VertexIndex(source))
            for (levels, alpha) in [(EngineLimits.maxLevels.upperBound, 0.5), (EngineLimits.maxLevels.upperBound, 0.6)]
            {
                let actual = try decomposition.expand(
                    personalization: p, restartProbability: alpha, eps: 0, maxLevels: levels)
                let expected = Self.reference(
                    graph, p, alpha: alpha, eps: 0, maxLevels: levels, dropFloor: 0, sampleBelow: 0, lowDegreeFactor: 1)
                Self.expectIdentical(actual, expected, "source \(source) T \(levels) alpha \(alpha)")
            }
        }
    }
}
