/// Exact PPR by power iteration: the oracle for tests and for the evaluate job (DESIGN §2, Exact).
///
/// Iterates `pi <- alpha*p + (1-alpha) * (P^T pi + danglingMass(pi) * p)` from `pi = p`, where `P` is the
/// row-stochastic transition matrix (uniform over out-neighbours; on a weighted graph `P(v,u) = w(v,u) /
/// Σ w(v,·)`) and a walk at a dangling vertex restarts from `p` (DESIGN §1). This is
/// `networkx.pagerank(G, alpha=1-alpha, personalization=p, dangling=p[, weight="weight"])`.
/// The map contracts by `1-alpha` in L1, so the error after stopping is at most
/// `change * (1-alpha)/alpha`. Each iteration pushes along every edge once, in vertex order, summing in
/// `Double`, so results are bit-stable. `O(iterations * (n + m))` time, `O(n)` memory.
///
/// Verifier: the tests check the result against networkx and against a residual computed by pulling
/// along in-edges (the other way round).
public enum PowerIteration {
    /// The outcome of a solve.
    public struct Result: Sendable {
        /// `pi_p`, indexed by `VertexIndex`; sums to 1.
        public var scores: [Double]
        /// Iterations run.
        public var iterations: Int
        /// L1 change of the last iteration.
        public var lastChange: Double
        /// Whether `lastChange < tolerance` was reached within `maxIterations`.
        public var converged: Bool
    }

    /// Default stopping tolerance on the L1 change of one iteration.
    public static let defaultTolerance = 1e-10
    /// Default iteration cap (alpha = 0.15 needs about 150 iterations for 1e-10).
    public static let defaultMaxIterations = 10_000

    /// Solves for `pi_p` on `graph`.
    public static func solve(
        graph: CSRGraph, personalization: Personalization,
        restartProbability alpha: Double = PPRDefaults.restartProbability,
        tolerance: Double = defaultTolerance, maxIterations: Int = defaultMaxIterations
    ) throws(QueryError) -> Result {
        do { try personalization.validate(vertexCount: graph.vertexCount) } catch { throw .personalization(error) }
        guard alpha > 0, alpha < 1 else {
            throw .invalidParameter(.outOfRange(name: "alpha", value: "\(alpha)", expected: "0 < alpha < 1"))
        }
        let n = graph.vertexCount
        let p = personalization.dense(vertexCount: n)
        var pi = p
        var next = [Double](repeating: 0, count: n)
        let inverseOutWeights = graph.weights.map { inverseOutWeightTable(graph, $0) }
        var iterations = 0
        var change = Double.infinity
        while iterations < maxIterations, !(change < tolerance) {
            iterations += 1
            change = step(
                graph: graph, inverseOutWeights: inverseOutWeights, alpha: alpha, p: p,
                entries: personalization.entries, from: pi, into: &next)
            swap(&pi, &next)
        }
        return Result(scores: pi, iterations: iterations, lastChange: change, converged: change < tolerance)
    }

    /// `1 / Σ w(v,·)` per vertex (0 for dangling vertices), each sum taken in edge order.
    private static func inverseOutWeightTable(_ graph: CSRGraph, _ weights: [Double]) -> [Double] {
        (0..<graph.vertexCount).map { v in
            let range = graph.neighborRange(VertexIndex(truncatingIfNeeded: v))
            guard !range.isEmpty else { return 0 }
            var total = 0.0
            for e in range { total += weights[e] }
            return 1 / total
        }
    }

    /// One iteration from `pi` into `next`; returns the L1 change. `inverseOutWeights` is nil on an
    /// unweighted graph (uniform shares).
    private static func step(
        graph: CSRGraph, inverseOutWeights: [Double]?, alpha: Double, p: [Double], entries: [WeightedVertex],
        from pi: [Double], into nextArray: inout [Double]
    ) -> Double {
        let offsets = graph.offsets.span
        let targets = graph.targets.span
        let weightArray = graph.weights ?? []
        let weights = weightArray.span
        let inverseArray = inverseOutWeights ?? []
        let inverse = inverseArray.span
        let weighted = inverseOutWeights != nil
        let current = pi.span
        var next = nextArray.mutableSpan
        for v in 0..<next.count { next[unchecked: v] = 0 }
        var danglingMass = 0.0
        for v in 0..<current.count {
            let start = Int(offsets[unchecked: v])
            let end = Int(offsets[unchecked: v + 1])
            let mass = current[unchecked: v]
            guard end > start else {
                danglingMass += mass
                continue
            }
            if weighted {
                let scale = (1 - alpha) * mass * inverse[unchecked: v]
                for e in start..<end { next[unchecked: Int(targets[unchecked: e])] += scale * weights[unchecked: e] }
            } else {
                let share = (1 - alpha) * mass / Double(end - start)
                for e in start..<end { next[unchecked: Int(targets[unchecked: e])] += share }
            }
        }
        // alpha*p plus the restarts of dangling walks, both along p.
        let restart = alpha + (1 - alpha) * danglingMass
        for entry in entries { next[unchecked: Int(entry.vertex)] += restart * entry.weight }
        var change = 0.0
        for v in 0..<current.count { change += abs(next[unchecked: v] - current[unchecked: v]) }
        return change
    }
}
