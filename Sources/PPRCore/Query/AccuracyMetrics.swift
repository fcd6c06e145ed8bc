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
