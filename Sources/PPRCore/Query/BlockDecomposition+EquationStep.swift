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
/// Memory: the transposed graph (`InEdges`, shared with the single-query step: 4 bytes per edge, 12 on a
/// weighted graph, and 16 per vertex) plus Float copies of its probabilities (4 bytes per vertex, or per
/// edge on a weighted graph), built once per graph; a step needs one extra set of rows (`vertexCount`
/// SIMD16<Float>, 64 bytes per vertex), which the caller provides.
public final class BlockEquationStep: Sendable {
    public let vertexCount: Int
    /// The graph's transpose (in-edges ascending by source, dangling vertices, `q(u)`): the single queries'
    /// (`PPREquationStep`), so both paths read one definition of `P`.
    public let inEdges: InEdges
    /// `P(u, v)` by in-edge as Float, weighted graphs only (empty otherwise).
    private let probabilities: [Float]
    /// `1 / d(u)` by vertex as Float (0 on dangling vertices), unweighted graphs only (empty otherwise).
    private let inverseDegree: [Float]

    /// Transposes `graph` (`O(n + m)`).
    public convenience init(graph: CSRGraph) { self.init(inEdges: InEdges(graph: graph)) }

    /// Steps over `inEdges`, with Float copies of its transition probabilities (4 bytes per vertex, or per
    /// edge on a weighted graph).
    public init(inEdges: InEdges) {
        vertexCount = inEdges.vertexCount
        self.inEdges = inEdges
        probabilities = inEdges.probabilities.map { Float($0) }
        inverseDegree = inEdges.inverseDegree.map { Float($0) }
    }

    /// `q(u) = sum over out-edges of P(u, v)^2` (`InEdges.squaredTransitionSum`): the estimate's smoothing
    /// factor weighs the shares by it.
    @inline(__always)
    public func squaredTransitionSum(_ u: Int) -> Double { inEdges.squaredTransitionSum(u) }

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
        for u in inEdges.dangling { danglingMass += Self.widened(x[Int(u)]) }
        let keep = Float(1 - alpha)
        inEdges.offsets.withUnsafeBufferPointer { offsets in
            inEdges.sources.withUnsafeBufferPointer { sources in
                if !inEdges.isWeighted {
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
