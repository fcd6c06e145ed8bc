import PPRCore
import Testing

/// The walker on weighted graphs: transition frequencies follow the weights, fingerprints are unbiased
/// for the weighted `pt_u`, and the index is deterministic.
@Suite struct WeightedWalkerTests {
    /// Vertex 0 has out-edges of very different weights to dangling vertices, so every walk from 0 takes
    /// at most one step and `visits(i) ~ Binomial(R, (1-alpha) * w_i / W)`. With R = 2^20 the standard
    /// deviation of a frequency is below 5e-4; we allow 6 of them.
    @Test func stepFrequenciesFollowTheWeights() throws {
        let weights: [Double] = [1, 2, 3, 4, 10, 0.5, 100, 0.25, 7, 7, 7, 30]
        var edges: [WeightedTestSupport.Edge: Double] = [:]
        for (i, weight) in weights.enumerated() {
            edges[WeightedTestSupport.Edge(source: 0, target: UInt64(i + 1))] = weight
        }
        let graph = try WeightedTestSupport.graph(edges)
        let alpha = 0.15
        let walks = 1 << 20
        var walker = FingerprintWalker(graph: graph, parameters: WalkParameters(walksPerVertex: walks, seed: 9))
        let fingerprint = walker.fingerprint(of: 0)
        var visits = [Int](repeating: 0, count: graph.vertexCount)
        for (v, count) in zip(fingerprint.vertices, fingerprint.visitCounts) { visits[Int(v)] = Int(count) }
        #expect(visits[0] == walks)
        let total = weights.reduce(0, +)
        for (i, weight) in weights.enumerated() {
            let p = (1 - alpha) * weight / total
            let observed = Double(visits[i + 1]) / Double(walks)
            let sd = (p * (1 - p) / Double(walks)).squareRoot()
            #expect(abs(observed - p) <= 6 * sd + 1e-9, "edge to \(i + 1) (weight \(weight)): \(observed) vs \(p)")
        }
    }

    /// A vertex of high degree with skewed weights (w_i = i + 1 and one edge of 1000): chi-square over
    /// 300 columns from R = 2^20 walks, against a generous bound (mean 299, sd 24.5; bound mean + 6 sd).
    @Test func highDegreeStepFrequenciesPassChiSquare() throws {
        let degree = 300
        var edges: [WeightedTestSupport.Edge: Double] = [:]
        for i in 0..<degree {
            edges[WeightedTestSupport.Edge(source: 0, target: UInt64(i + 1))] = i == 77 ? 1000 : Double(i + 1)
        }
        let graph = try WeightedTestSupport.graph(edges)
        let walks = 1 << 20
        var walker = FingerprintWalker(graph: graph, parameters: WalkParameters(walksPerVertex: walks, seed: 3))
        let fingerprint = walker.fingerprint(of: 0)
        var visits = [Double](repeating: 0, count: graph.vertexCount)
        for (v, count) in zip(fingerprint.vertices, fingerprint.visitCounts) { visits[Int(v)] = Double(count) }
        let moved = visits.dropFirst().reduce(0, +)
        let total = edges.values.reduce(0, +)
        var chiSquare = 0.0
        for i in 0..<degree {
            let expected = moved * (i == 77 ? 1000 : Double(i + 1)) / total
            chiSquare += (visits[i + 1] - expected) * (visits[i + 1] - expected) / expected
        }
        #expect(chiSquare < 299 + 6 * 24.5, "chi-square \(chiSquare) over \(degree - 1) degrees of freedom")
    }

    /// Mean of `F_u` over many seeds against the weighted `pt_u` solved by numpy (as the unweighted test).
    @Test func meanFingerprintIsUnbiasedForWeightedTruncatedPPR() throws {
        let fixture = try TestSupport.loadFixture("weighted-tiny.json")
        let graph = try WeightedTestSupport.loadGraph(fixture.graph).graph
        let truncated = try #require(fixture.truncated)
        let seeds = 200
        let walks = 200
        let alpha = fixture.alpha
        var bias = 1.0
        for _ in 0..<WalkParameters.defaultMaxWalkLength { bias *= 1 - alpha }
        let table = AliasTable(graph: graph)
        for expected in truncated {
            let u = try #require(graph.index(of: VertexID(expected.source)))
            var sum = [Double](repeating: 0, count: graph.vertexCount)
            var sumOfSquares = sum
            for seed in 1...seeds {
                var walker = FingerprintWalker(
                    graph: graph, parameters: WalkParameters(walksPerVertex: walks, seed: UInt64(seed)),
                    aliasTable: table)
                let fingerprint = walker.fingerprint(of: u)
                var estimate = [Double](repeating: 0, count: graph.vertexCount)
                for (v, count) in zip(fingerprint.vertices, fingerprint.visitCounts) {
                    estimate[Int(v)] = alpha * Double(count) / Double(walks)
                }
                for v in 0..<graph.vertexCount {
                    sum[v] += estimate[v]
                    sumOfSquares[v] += estimate[v] * estimate[v]
                }
            }
            for v in 0..<graph.vertexCount {
                let mean = sum[v] / Double(seeds)
                let variance = max(0, sumOfSquares[v] / Double(seeds) - mean * mean)
                let tolerance = 5 * (variance / Double(seeds)).squareRoot() + bias + 1e-9
                #expect(
                    abs(mean - expected.pt[v]) <= tolerance,
                    "u=\(expected.source) v=\(graph.externalIDs[v]): \(mean) vs \(expected.pt[v]) ± \(tolerance)"
                )
            }
        }
    }

    /// Same seed, same fingerprints: in any vertex order, one at a time or batched, with a shared alias
    /// table or one built by the walker.
    @Test func sameSeedGivesSameFingerprintsInAnyOrder() throws {
        let graph = try WeightedTestSupport.loadGraph("email-Eu-core-weighted.txt").graph
        let parameters = WalkParameters(seed: 42)
        var first = FingerprintWalker(graph: graph, parameters: parameters)
        var second = FingerprintWalker(graph: graph, parameters: parameters, aliasTable: AliasTable(graph: graph))
        var batched = FingerprintWalker(graph: graph, parameters: parameters)
        let vertices = (0..<graph.vertexCount).map { VertexIndex($0) }
        let forward = vertices.map { first.fingerprint(of: $0) }
        let backward = Array(vertices.reversed().map { second.fingerprint(of: $0) }.reversed())
        #expect(forward == backward)
        var chunks: [Fingerprint] = []
        for start in stride(from: 0, to: vertices.count, by: 256) {
            chunks += batched.fingerprints(of: vertices[start..<min(vertices.count, start + 256)])
        }
        #expect(chunks == forward)
        var other = FingerprintWalker(graph: graph, parameters: WalkParameters(seed: 43))
        let sources = TestSupport.sampleSources(graph, count: 20, seed: 3)
        #expect(sources.filter { other.fingerprint(of: $0) != forward[Int($0)] }.count >= 18)
    }

    /// Equal weights are the unweighted walk: with weights that sum exactly, every alias column is full
    /// and the fingerprints are the unweighted walker's, draw for draw.
    @Test func equalWeightsWalkExactlyAsUnweighted() throws {
        let plain = try TestSupport.loadGraph("email-Eu-core.txt").graph
        let equal = WeightedTestSupport.weighted(plain) { _, _ in 4 }
        var a = FingerprintWalker(graph: plain, parameters: WalkParameters(seed: 5))
        var b = FingerprintWalker(graph: equal, parameters: WalkParameters(seed: 5))
        let sources = TestSupport.sampleSources(plain, count: 50, seed: 8)
        #expect(a.fingerprints(of: sources) == b.fingerprints(of: sources))
    }

    /// Weights change the walk: on the weighted email graph most fingerprints differ from the unweighted ones.
    @Test func weightsChangeTheFingerprints() throws {
        let weighted = try WeightedTestSupport.loadGraph("email-Eu-core-weighted.txt").graph
        let plain = CSRGraph(
            offsets: weighted.offsets, targets: weighted.targets, externalIDs: weighted.externalIDs)
        var a = FingerprintWalker(graph: plain, parameters: WalkParameters(seed: 5))
        var b = FingerprintWalker(graph: weighted, parameters: WalkParameters(seed: 5))
        let sources = TestSupport.sampleSources(plain, count: 20, seed: 8)
        #expect(sources.filter { a.fingerprint(of: $0) != b.fingerprint(of: $0) }.count >= 15)
    }
}
