/// The whole-vector step of the PPR equation (`PPREquationStep`) for a block's 16-query row tiles (issue 7:
/// batch and export answers get the steps single queries get).
///
/// `M` (`PPREquationStep`, self-loop terms solved) is linear, so a shard applies it to its own share of
/// each query (its fingerprint sums plus the pushed mass it owns) and the coordinator's sum of the shards'
/// stepped shares is the stepped answer. The p-term of each lane uses that lane's own `sum(x)` and `D(x)`
/// and its query's personalization; on a graph with self-loops `M` does not preserve the mass, so every
/// step after the first sums its input again. Then each row is multiplied by its vertex's loop scale
/// (`InEdges.loopScale`, as Float).
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
/// Memory: the transposed graph (`InEdges`, shared with the single-query step; its per-vertex lists are
/// what this step reads) plus Float copies of its probabilities (4 bytes per vertex, or per
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
    /// `q(u)` by vertex as Float (`squaredTransitionSum`), for the combine's per-row Float sums.
    public let squaredTransitionSums: [Float]
    /// `InEdges.loopScale` by vertex as Float for `loopScaleAlpha`, on a graph with self-loops (else empty).
    private let loopScales: [Float]
    /// The alpha `loopScales` was computed for (the index's restart probability, fixed per graph in use).
    private let loopScaleAlpha: Double

    /// Transposes `graph` (`O(n + m)`).
    public convenience init(graph: CSRGraph, alpha: Double = PPRDefaults.restartProbability) {
        self.init(inEdges: InEdges(graph: graph), alpha: alpha)
    }

    /// Steps over `inEdges`, with Float copies of its transition probabilities (4 bytes per vertex, or per
    /// edge on a weighted graph) and, on a graph with self-loops, of its loop scales for `alpha` (4 bytes per
    /// vertex; a step with another alpha computes them as it goes).
    public init(inEdges: InEdges, alpha: Double = PPRDefaults.restartProbability) {
        vertexCount = inEdges.vertexCount
        self.inEdges = inEdges
        probabilities = inEdges.probabilities.map { Float($0) }
        inverseDegree = inEdges.inverseDegree.map { Float($0) }
        squaredTransitionSums = (0..<inEdges.vertexCount).map { Float(inEdges.squaredTransitionSum($0)) }
        loopScales =
            inEdges.hasLoops ? (0..<inEdges.vertexCount).map { Float(inEdges.loopScale($0, alpha: alpha)) } : []
        loopScaleAlpha = alpha
    }

    /// `q(u) = sum over out-edges of P(u, v)^2` (`InEdges.squaredTransitionSum`): the estimate's smoothing
    /// factor weighs the shares by it.
    @inline(__always)
    public func squaredTransitionSum(_ u: Int) -> Double { inEdges.squaredTransitionSum(u) }

    /// Applies `M` `steps` times to the rows `x` (`vertexCount` rows; lane `j` is the share of query
    /// `personalizations[j]`, lanes beyond them are left at zero), with `spare` (`vertexCount` rows) as the
    /// other buffer. Returns the buffer holding the result (`x` after an even number of steps, `spare`
    /// after an odd one); the other one's content is undefined.
    ///
    /// `total`, when given, is `sum(x)` per lane (the caller's Double sum of the rows), which the first step
    /// uses; without it the first step sums the rows in Double. Without self-loops `M` preserves the sum, so
    /// the later steps reuse it; with them each later step sums its input again.
    public func apply(
        _ x: UnsafeMutablePointer<SIMD16<Float>>, spare: UnsafeMutablePointer<SIMD16<Float>>, steps: Int,
        personalizations: ArraySlice<Personalization>, alpha: Double, total: SIMD16<Double>? = nil
    ) -> UnsafeMutablePointer<SIMD16<Float>> {
        var current = x
        var next = spare
        var sum = total
        for _ in 0..<max(0, steps) {
            let mass: SIMD16<Double>
            if let sum { mass = sum } else { mass = Self.total(current, count: vertexCount) }
            // Solving the loops does not preserve the mass: the next step sums its input again.
            sum = inEdges.hasLoops ? nil : mass
            step(current, into: next, personalizations: personalizations, alpha: alpha, total: mass)
            swap(&current, &next)
        }
        return current
    }

    /// `sum(x)` per lane in Double: Float sums over runs of `RowRuns.length` rows, each widened once.
    public static func total(_ x: UnsafeMutablePointer<SIMD16<Float>>, count: Int) -> SIMD16<Double> {
        var sums = RowRuns()
        for v in 0..<count { sums.add(x[v]) }
        return sums.total
    }

    /// One step: `next = M x` (`x` is scaled in place on an unweighted graph); `total` is `sum(x)`.
    private func step(
        _ x: UnsafeMutablePointer<SIMD16<Float>>, into next: UnsafeMutablePointer<SIMD16<Float>>,
        personalizations: ArraySlice<Personalization>, alpha: Double, total: SIMD16<Double>
    ) {
        let n = vertexCount
        // D(x) per lane, before the rows are scaled.
        var dangling = RowRuns()
        for u in inEdges.dangling { dangling.add(x[Int(u)]) }
        let danglingMass = dangling.total
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
        // The self-loops' terms solved (`PPREquationStep`).
        guard inEdges.hasLoops else { return }
        if alpha == loopScaleAlpha {
            loopScales.withUnsafeBufferPointer { scales in
                for v in 0..<n { next[v] *= scales[v] }
            }
        } else {
            for v in 0..<n { next[v] *= Float(inEdges.loopScale(v, alpha: alpha)) }
        }
    }
}

/// Per-lane sums of 16-lane Float rows in Double, cheap per row: rows are added in Float over runs of
/// `length` rows and each run's sum is widened to Double once (a per-row widening is 16 scalar
/// conversions). Deterministic: the runs depend only on the order rows are added. Rounding: a run's Float
/// sum of `length` non-negative values errs by at most `length * 2^-24` of it (about 4e-6), the Double sum
/// of the runs by far less.
@frozen public struct RowRuns {
    /// Rows per Float run.
    public static let length = 64
    @usableFromInline var run = SIMD16<Float>()
    @usableFromInline var count = 0
    @usableFromInline var sums = SIMD16<Double>()

    @inlinable public init() {}

    /// Adds one row (inlined into the callers' row loops, also across modules).
    @inlinable @inline(__always)
    public mutating func add(_ row: SIMD16<Float>) {
        run += row
        count &+= 1
        if count == Self.length { flush() }
    }

    /// The sum of the rows added so far.
    @inlinable public var total: SIMD16<Double> {
        var copy = self
        copy.flush()
        return copy.sums
    }

    @inlinable
    mutating func flush() {
        for lane in 0..<16 { sums[lane] += Double(run[lane]) }
        run = SIMD16<Float>()
        count = 0
    }
}
