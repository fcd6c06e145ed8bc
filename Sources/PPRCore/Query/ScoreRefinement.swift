/// One step of the PPR equation on the answer's top candidates (issue 6 items 3 and 5): the cheap fix for
/// top-k precision on dense scale-free graphs.
///
/// Exact PPR satisfies `pi = alpha p + (1 - alpha) (P^T pi + D(pi) p)` (DESIGN §1: a walk at a dangling
/// vertex restarts from `p`; `D(pi)` is the mass on dangling vertices). Given the approximate answer `a`, the
/// refined score of a candidate `v` is `alpha p(v) + (1 - alpha) (sum over in-edges w -> v of a(w) P(w, v)
/// + D(a) p(v))`, with `v`'s self-loop term solved as in `PPREquationStep` (the sum leaves the loop out and
/// the result is divided by `1 - (1 - alpha) P(v, v)`). Its error is a weighted average of the errors at
/// `v`'s in-neighbours instead of the error at `v` itself: a walk that reached `w` adds its expected share `P(w, v)` to `v` instead of its one
/// random step, so the Monte Carlo noise of the many fingerprints that pass through a hub averages out.
///
/// Why (measured, `pwbench engine --diagnose`, README "Accuracy by graph and source class"): on R-MAT
/// graphs the top 10 of a query are the global hubs, 1-2 % apart, while the answer's error there is
/// 0.3-0.6 % of the score; more walks or a lower eps buy that precision only at quadratic cost. The step
/// costs the in-degrees of the candidates (a pull over a transposed copy of the graph, `InEdges`).
///
/// Deterministic: every candidate's sum runs over its in-edges in ascending source order, so the same
/// answer gives the same refined scores in every process.
public enum ScoreRefinement {
    /// Replaces the scores of the top `candidates` vertices of `scores` (a normalised answer indexed by
    /// `VertexIndex`; excluded vertices are not candidates) by their one-step refined scores. Other
    /// entries are unchanged, so the vector no longer sums to exactly 1 (by the refinement's error).
    /// Returns the in-edges read.
    @discardableResult
    public static func refine(
        _ scores: inout [Double], candidates: Int, personalization: Personalization, alpha: Double,
        inEdges: InEdges, excluding excluded: ExcludedSet = .empty
    ) -> Int {
        guard candidates > 0, scores.count == inEdges.vertexCount else { return 0 }
        let top = TopK.select(scores, k: candidates, excluding: excluded)
        var dangling: Double?
        var refined: [Double] = []
        refined.reserveCapacity(top.count)
        var edgesRead = 0
        // All candidates are computed from the unrefined vector, then written back.
        for entry in top {
            let v = Int(entry.vertex)
            var sum = inEdges.pull(v, from: scores)
            edgesRead += inEdges.inDegree(v)
            let loopScale = inEdges.loopScale(v, alpha: alpha)
            if let restart = personalization.weight(of: entry.vertex) {
                if dangling == nil { dangling = inEdges.danglingMass(scores) }
                sum += (dangling ?? 0) * restart
                refined.append((alpha * restart + (1 - alpha) * sum) * loopScale)
            } else {
                refined.append((1 - alpha) * sum * loopScale)
            }
        }
        for (entry, value) in zip(top, refined) { scores[Int(entry.vertex)] = value }
        return edgesRead
    }
}

extension Personalization {
    /// `p(v)`, or nil when `v` is not a source (entries are sorted by vertex).
    func weight(of vertex: VertexIndex) -> Double? {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].vertex < vertex { low = mid + 1 } else { high = mid }
        }
        return low < entries.count && entries[low].vertex == vertex ? entries[low].weight : nil
    }
}
