/// Accuracy of an approximate PPR vector against the exact one (evaluate job, tests, benchmarks).
public enum AccuracyMetrics {
    /// `|top-k(approximate) ∩ top-k(exact)| / k`, both lists chosen by `TopK` (score desc, vertex asc),
    /// so ties resolve the same way on both sides and the figure is deterministic.
    ///
    /// When the exact vector has fewer than `k` positive scores the denominator is that count (there
    /// are no more relevant vertices to find); an empty exact list gives 1.
    public static func precision(
        atK k: Int, approximate: [Double], exact: [Double], excluding excluded: ExcludedSet = .empty
    ) -> Double {
        let truth = TopK.select(exact, k: k, excluding: excluded)
        guard !truth.isEmpty else { return 1 }
        let found = TopK.select(approximate, k: k, excluding: excluded)
        return overlap(found, truth) / Double(truth.count)
    }

    /// Precision@k that does not depend on how ties in the exact vector are broken: a listed vertex
    /// counts as relevant when its exact score is positive and within `tieTolerance(kth)` below the k-th
    /// exact score or above it. When several vertices tie at the k-th place, `precision` keeps the
    /// lowest-index ones and counts any other tied vertex as a miss, although it is as relevant. Sparse
    /// graphs are full of such ties: the dangling out-neighbours of a source have identical exact PPR, and
    /// vertices two hops out often differ only by paths of 1e-9 of the mass, far below what any
    /// approximation resolves. The denominator is the size of the exact top-k, as in `precision`, and the
    /// figure is capped at 1.
    public static func tieAwarePrecision(
        atK k: Int, approximate: [Double], exact: [Double], excluding excluded: ExcludedSet = .empty
    ) -> Double {
        let truth = TopK.select(exact, k: k, excluding: excluded)
        guard let last = truth.last else { return 1 }
        let threshold = last.score - tieTolerance(last.score)
        let found = TopK.select(approximate, k: k, excluding: excluded)
        let relevant = found.reduce(0) { count, entry in
            let score = exact[Int(entry.vertex)]
            return count + (score > 0 && score >= threshold ? 1 : 0)
        }
        return Double(min(relevant, truth.count)) / Double(truth.count)
    }

    /// Exact scores closer than this to `score` tie with it in `tieAwarePrecision`: 1e-4 of the score
    /// (a ranking decided by a 0.01 % difference in PPR carries no meaning for a top-k list, and an
    /// approximation of L1 error 1e-3 cannot resolve it), and at least 1e-9, the oracle's resolution
    /// (power iteration stopped at an L1 change of 1e-10 is within about 6e-10 of exact PPR in L1).
    public static func tieTolerance(_ score: Double) -> Double { max(1e-9, 1e-4 * score) }

    /// `|found ∩ truth|` by vertex, as a `Double`.
    public static func overlap(_ found: [ScoredVertex], _ truth: [ScoredVertex]) -> Double {
        let truthVertices = ExcludedSet(truth.map(\.vertex))
        return Double(found.reduce(0) { $0 + (truthVertices.contains($1.vertex) ? 1 : 0) })
    }

    /// `sum |a(v) - b(v)|`, summed in vertex order. The vectors must have the same length.
    public static func l1Distance(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count, "L1 distance needs vectors of the same length")
        var total = 0.0
        for v in a.indices { total += abs(a[v] - b[v]) }
        return total
    }

    /// The largest `|a(v) - b(v)|`.
    public static func maxAbsoluteError(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count, "max error needs vectors of the same length")
        var worst = 0.0
        for v in a.indices { worst = max(worst, abs(a[v] - b[v])) }
        return worst
    }
}
