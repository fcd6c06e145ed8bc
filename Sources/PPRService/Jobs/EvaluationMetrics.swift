// Accuracy of one answered query against exact PPR, as the evaluate job reports it.
//
// The query path returns only a top list (length K = max(100, top_k)), not a whole vector, so:
// - precision@k = |first k returned ∩ exact top-k| / |exact top-k| (exact top-k by PPRCore's TopK,
//   score desc then vertex asc; fewer than k positive exact scores shrink the denominator; an empty
//   exact list gives 1), as AccuracyMetrics.precision defines it for full vectors;
// - L1 = sum over v in U of |returned(v) - exact(v)|, where U = returned list ∪ exact top-K and a
//   vertex missing from the returned list counts with score 0. It is the L1 distance restricted to the
//   vertices that matter for a top-K answer; mass spread thinly over the rest of the graph is not
//   seen, so it is at most, and usually close to, the full-vector L1 on skewed PPR vectors.
import PPRCore

/// The accuracy figures of one query.
struct SourceAccuracy: Equatable, Sendable {
    var precisionAt10: Double
    var precisionAt100: Double
    var l1: Double
}

/// Metrics of a returned top list against an exact PPR vector.
enum EvaluationMetrics {
    /// Measures `returned` (best first, internal indices) against `exact` (indexed by `VertexIndex`).
    static func measure(returned: [ScoredVertex], exact: [Double], listLength: Int) -> SourceAccuracy {
        SourceAccuracy(
            precisionAt10: precision(atK: 10, returned: returned, exact: exact),
            precisionAt100: precision(atK: 100, returned: returned, exact: exact),
            l1: restrictedL1(returned: returned, exact: exact, listLength: listLength))
    }

    /// `|returned.prefix(k) ∩ exact top-k| / |exact top-k|` (1 when the exact list is empty).
    static func precision(atK k: Int, returned: [ScoredVertex], exact: [Double]) -> Double {
        let truth = TopK.select(exact, k: k)
        guard !truth.isEmpty else { return 1 }
        return AccuracyMetrics.overlap(Array(returned.prefix(k)), truth) / Double(truth.count)
    }

    /// L1 distance over the returned list ∪ the exact top `listLength`.
    static func restrictedL1(returned: [ScoredVertex], exact: [Double], listLength: Int) -> Double {
        var estimate: [VertexIndex: Double] = [:]
        for entry in returned { estimate[entry.vertex] = entry.score }
        var vertices = Set(estimate.keys)
        for entry in TopK.select(exact, k: listLength) { vertices.insert(entry.vertex) }
        // Summed in vertex order so the figure does not depend on hashing.
        return vertices.sorted().reduce(0.0) { total, v in total + abs((estimate[v] ?? 0) - exact[Int(v)]) }
    }

    /// `count` distinct vertices of `0..<vertexCount`, uniformly at random from `seed` (deterministic).
    static func sample(count: Int, vertexCount: Int, seed: UInt64) -> [VertexIndex] {
        var rng = WalkSeed(rawState: WalkSeed.mix(seed))
        let wanted = min(count, vertexCount)
        var chosen = Set<VertexIndex>()
        var order: [VertexIndex] = []
        while order.count < wanted {
            // Multiply-high maps 64 random bits to 0..<vertexCount without modulo bias worth noting.
            let v = VertexIndex(rng.next().multipliedFullWidth(by: UInt64(vertexCount)).high)
            if chosen.insert(v).inserted { order.append(v) }
        }
        return order
    }
}
