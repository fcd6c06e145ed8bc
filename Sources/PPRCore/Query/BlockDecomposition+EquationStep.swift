/// The whole-vector step of the PPR equation (`PPREquationStep`) for a block's 16-query row tiles (issue 7:
/// batch and export answers get the steps single queries get).
///
/// `M x = (1 - alpha) P^T x + (alpha sum(x) + (1 - alpha) D(x)) p` is linear, so a shard applies it to its
/// own share of each query (its fingerprint sums plus the pushed mass it owns) and the coordinator's sum of
/// the shards' stepped shares is the stepped answer; `sum(M x) = sum(x)`, so each share's mass is kept.
/// The p-term of each lane uses that lane's own `sum(x)` and `D(x)` and its query's personalization.
///
/// How: a pull over the in-edges, 16 lanes (one `SIMD16<Float>`, one cache line) per vertex: on an
/// unweighted graph each row is first scaled in place by `(1 - alpha) / d(u)` (0 on dangling vertices),
/// so the pull is one vector add per in-edge and the next rows are written in vertex order; on a weighted
/// graph the in-edge carries its transition probability `w_e / sum w` (one multiply-add per in-edge).
/// A pull rather than a push over the forward edges: the first share of a Slashdot block is already
/// nonzero on most vertices (nothing to skip), and a pull writes each next row once instead of
/// read-modify-writing it at random.
///
/// Sums are Float, each in ascending source order (deterministic); `sum(x)` and `D(x)` are Double.
/// Memory: the transposed graph, 4 bytes per edge (8 on a weighted graph) and 8 per vertex, built once per
/// graph; a step needs one extra set of rows (`vertexCount` SIMD16<Float>, 64 bytes per vertex), which the
/// caller provides.
public final class BlockEquationStep: Sendable {
    public let vertexCount: Int
    /// In-edges of `v`: `offsets[v] ..< offsets[v + 1]` of `sources` (ascending).
    private let offsets: [Int]
    private let sources: [UInt32]
    /// `P(u, v)` by in-edge, weighted graphs only (empty otherwise).
    private let probabilities: [Float]
    /// `1 / d(u)` by vertex (0 on dangling vertices), unweighted graphs only (empty otherwise).
    private let inverseDegree: [Float]
    private let dangling: [UInt32]
    /// `q(u) = sum over out-edges of P(u, v)^2` by vertex (`1 / d(u)` unweighted, 0 on dangling vertices),
    /// as `InEdges.squaredTransitionSum`: the estimate's smoothing factor weighs the shares by it.
    public let squaredTransitionSums: [Double]

    /// Transposes `graph` (`O(n + m)`).
    public init(graph: CSRGraph) {
        let n = graph.vertexCount
        vertexCount = n
        var counts = [Int](repeating: 0, count: n + 1)
        for t in graph.targets { counts[Int(t) + 1] += 1 }
        for v in 0..<n { counts[v + 1] += counts[v] }
        offsets = counts
        var next = Array(counts.dropLast())
        var sources = [UInt32](repeating: 0, count: graph.edgeCount)
        var probabilities = [Float](repeating: 0, count: graph.weights == nil ? 0 : graph.edgeCount)
        var inverseDegree = [Float](repeating: 0, count: graph.weights == nil ? n : 0)
        var dangling: [UInt32] = []
        var squaredTransitionSums = [Double](repeating: 0, count: n)
        for u in 0..<n {
            let range = graph.neighborRange(VertexIndex(truncatingIfNeeded: u))
            guard !range.isEmpty else {
                dangling.append(UInt32(truncatingIfNeeded: u))
                continue
            }
            var total = 0.0
            if let weights = graph.weights {
                for e in range { total += weights[e] }
            } else {
                inverseDegree[u] = Float(1 / Double(range.count))
                squaredTransitionSums[u] = 1 / Double(range.count)
            }
            for e in range {
                let v = Int(graph.targets[e])
                if let weights = graph.weights {
                    squaredTransitionSums[u] += (weights[e] / total) * (weights[e] / total)
                }
                sources[next[v]] = UInt32(truncatingIfNeeded: u)
                if let weights = graph.weights { probabilities[next[v]] = Float(weights[e] / total) }
                next[v] += 1
            }
        }
        self.sources = sources
        self.probabilities = probabilities
        self.inverseDegree = inverseDegree
        self.squaredTransitionSums = squaredTransitionSums
        self.dangling = dangling
    }

    /// Applies `M` `steps` times to the rows `x` (`vertexCount` rows; lane `j` is the share of query
    /// `personalizations[j]`, lanes beyond them are left at zero), with `spare` (`vertexCount` rows) as the
    /// other buffer. Returns the buffer holding the result (`x` after an even number of steps, `spare`
    /// after an odd one); the other one's content is undefined.
    public func apply(
        _ x: UnsafeMutablePointer<SIMD16<Float>>, spare: UnsafeMutablePointer<SIMD16<Float>>, steps: Int,
        personalizations: ArraySlice<Personalization>, alpha: Double
    ) -> UnsafeMutablePointer<SIMD16<Float>> {
        var current = x
        var next = spare
        for _ in 0..<max(0, steps) {
            step(current, into: next, personalizations: personalizations, alpha: alpha)
            swap(&current, &next)
        }
        return current
    }

    /// One step: `next = M x` (`x` is scaled in place on an unweighted graph).
    private func step(
        _ x: UnsafeMutablePointer<SIMD16<Float>>, into next: UnsafeMutablePointer<SIMD16<Float>>,
        personalizations: ArraySlice<Personalization>, alpha: Double
    ) {
        let n = vertexCount
        // sum(x) and D(x) per lane, in Double, before the rows are scaled.
        var total = SIMD16<Double>()
        for v in 0..<n { total += Self.widened(x[v]) }
        var danglingMass = SIMD16<Double>()
        for u in dangling { danglingMass += Self.widened(x[Int(u)]) }
        let keep = Float(1 - alpha)
        offsets.withUnsafeBufferPointer { offsets in
            sources.withUnsafeBufferPointer { sources in
                if probabilities.isEmpty {
                    inverseDegree.withUnsafeBufferPointer { inverse in
                        for u in 0..<n { x[u] *= keep * inverse[u] }
                    }
                    for v in 0..<n {
                        var sum = SIMD16<Float>()
                        for e in offsets[v]..<offsets[v + 1] { sum += x[Int(sources[e])] }
                        next[v] = sum
                    }
                } else {
                    probabilities.withUnsafeBufferPointer { probabilities in
                        for v in 0..<n {
                            var sum = SIMD16<Float>()
                            for e in offsets[v]..<offsets[v + 1] { sum += probabilities[e] * x[Int(sources[e])] }
                            next[v] = keep * sum
                        }
                    }
                }
            }
        }
        // The restart term of each lane at its query's sources.
        for (lane, personalization) in personalizations.enumerated() where lane < 16 {
            let restart = alpha * total[lane] + (1 - alpha) * danglingMass[lane]
            for entry in personalization.entries {
                next[Int(entry.vertex)][lane] += Float(restart * entry.weight)
            }
        }
    }

    /// The lanes of `values` as Double, one conversion per lane (the generic SIMD conversion is not inlined).
    @inline(__always)
    private static func widened(_ values: SIMD16<Float>) -> SIMD16<Double> {
        var result = SIMD16<Double>()
        for lane in 0..<16 { result[lane] = Double(values[lane]) }
        return result
    }
}
