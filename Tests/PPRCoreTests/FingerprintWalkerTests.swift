import PPRCore
import Testing

@Suite struct FingerprintWalkerTests {
    @Test func sameSeedGivesSameFingerprints() throws {
        let graph = try TestSupport.loadGraph("email-Eu-core.txt").graph
        let parameters = WalkParameters(seed: 42)
        var first = FingerprintWalker(graph: graph, parameters: parameters)
        var second = FingerprintWalker(graph: graph, parameters: parameters)
        // The second walker visits vertices in another order: a stream depends on (seed, vertex) only.
        let vertices = (0..<graph.vertexCount).map { VertexIndex($0) }
        let forward = vertices.map { first.fingerprint(of: $0) }
        let backward = Array(vertices.reversed().map { second.fingerprint(of: $0) }.reversed())
        #expect(forward == backward)
    }

    @Test func differentSeedGivesDifferentFingerprints() throws {
        let graph = try TestSupport.loadGraph("email-Eu-core.txt").graph
        var a = FingerprintWalker(graph: graph, parameters: WalkParameters(seed: 1))
        var b = FingerprintWalker(graph: graph, parameters: WalkParameters(seed: 2))
        let sources = TestSupport.sampleSources(graph, count: 20, seed: 3)
        let differing = sources.filter { a.fingerprint(of: $0) != b.fingerprint(of: $0) }.count
        #expect(differing >= 18)
    }

    @Test func encodedFingerprintsRoundTripThroughTheStore() throws {
        let graph = try TestSupport.loadGraph("tiny.txt").graph
        let parameters = WalkParameters(walksPerVertex: 64)
        let store = try InMemoryFingerprints(graph: graph, parameters: parameters)
        var walker = FingerprintWalker(graph: graph, parameters: parameters)
        for v in 0..<graph.vertexCount {
            let fingerprint = walker.fingerprint(of: VertexIndex(v))
            #expect(try store.fingerprint(of: VertexIndex(v)) == fingerprint)
            #expect(fingerprint.vertices.contains(VertexIndex(v)), "every walk visits its start")
        }
    }

    /// Mean of `F_u` over many seeds against `pt_u` solved by numpy (dangling walks dropped).
    ///
    /// Each seed's `F_u(v)` is an average of `R` independent walks; over `S` seeds the standard error of the
    /// mean is `sd / sqrt(S)` with `sd` the spread across seeds. We allow 5 standard errors plus the
    /// truncation bias `(1-alpha)^Lmax`, and a small floor for entries that never vary.
    @Test func meanFingerprintIsUnbiasedForTruncatedPPR() throws {
        let fixture = try TestSupport.loadFixture("tiny.json")
        let graph = try TestSupport.loadGraph(fixture.graph).graph
        let truncated = try #require(fixture.truncated)
        let seeds = 200
        let walks = 200
        let alpha = fixture.alpha
        let bias = pow(1 - alpha, Double(WalkParameters.defaultMaxWalkLength))
        for expected in truncated {
            let u = try #require(graph.index(of: VertexID(expected.source)))
            var sum = [Double](repeating: 0, count: graph.vertexCount)
            var sumOfSquares = sum
            for seed in 1...seeds {
                var walker = FingerprintWalker(
                    graph: graph, parameters: WalkParameters(walksPerVertex: walks, seed: UInt64(seed)))
                var estimate = [Double](repeating: 0, count: graph.vertexCount)
                let fingerprint = walker.fingerprint(of: u)
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
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    for _ in 0..<Int(exponent) { result *= base }
    return result
}
