/// One step of the PPR equation on the answer's top candidates (issue 6 items 3 and 5): the cheap fix for
/// top-k precision on dense scale-free graphs.
///
/// Exact PPR satisfies `pi = alpha p + (1 - alpha) (P^T pi + D(pi) p)` (DESIGN §1: a walk at a dangling
/// vertex restarts from `p`; `D(pi)` is the mass on dangling vertices). Given the approximate answer `a`, the
/// refined score of a candidate `v` is `alpha p(v) + (1 - alpha) (sum over in-edges w -> v of a(w) P(w, v)
/// + D(a) p(v))`. Its error is a weighted average of the errors at `v`'s in-neighbours instead of the error
/// at `v` itself: a walk that reached `w` adds its expected share `P(w, v)` to `v` instead of its one
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
            if let restart = personalization.weight(of: entry.vertex) {
                if dangling == nil { dangling = inEdges.danglingMass(scores) }
                sum += (dangling ?? 0) * restart
                refined.append(alpha * restart + (1 - alpha) * sum)
            } else {
                refined.append((1 - alpha) * sum)
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

/// The graph's transition matrix by target (the transpose of `CSRGraph`): for each vertex its in-edges'
/// sources in ascending order and their transition probabilities `P(w, v)` (`1 / d(w)`, or `w_e / sum of
/// w(w, ·)` on a weighted graph, DESIGN §1), plus the dangling vertices. Built once per graph in `O(n + m)`:
/// 4 bytes per edge and 16 per vertex (a weighted graph keeps each in-edge's probability: 8 more per edge).
public struct InEdges: Sendable {
    public let vertexCount: Int
    private let offsets: [Int]
    private let sources: [VertexIndex]
    /// `P(w, v)` by in-edge, weighted graphs only (empty otherwise).
    private let probabilities: [Double]
    /// `1 / d(w)` by vertex (0 for dangling vertices), unweighted graphs only (empty otherwise).
    private let inverseDegree: [Double]
    private let dangling: [VertexIndex]

    public init(graph: CSRGraph) {
        let n = graph.vertexCount
        vertexCount = n
        var counts = [Int](repeating: 0, count: n + 1)
        for t in graph.targets { counts[Int(t) + 1] += 1 }
        for v in 0..<n { counts[v + 1] += counts[v] }
        offsets = counts
        var next = Array(counts.dropLast())
        var sources = [VertexIndex](repeating: 0, count: graph.edgeCount)
        var probabilities = [Double](repeating: 0, count: graph.weights == nil ? 0 : graph.edgeCount)
        var inverseDegree = [Double](repeating: 0, count: graph.weights == nil ? n : 0)
        var dangling: [VertexIndex] = []
        for w in 0..<n {
            let range = graph.neighborRange(VertexIndex(truncatingIfNeeded: w))
            guard !range.isEmpty else {
                dangling.append(VertexIndex(truncatingIfNeeded: w))
                continue
            }
            var total = 0.0
            if let weights = graph.weights {
                for e in range { total += weights[e] }
            } else {
                inverseDegree[w] = 1 / Double(range.count)
            }
            for e in range {
                let v = Int(graph.targets[e])
                sources[next[v]] = VertexIndex(truncatingIfNeeded: w)
                if let weights = graph.weights { probabilities[next[v]] = weights[e] / total }
                next[v] += 1
            }
        }
        self.sources = sources
        self.probabilities = probabilities
        self.inverseDegree = inverseDegree
        self.dangling = dangling
    }

    /// In-edges of `v`.
    public func inDegree(_ v: Int) -> Int { offsets[v + 1] - offsets[v] }

    /// `sum over in-edges w -> v of vector[w] * P(w, v)`, in ascending `w`.
    @inline(__always)
    func pull(_ v: Int, from vector: [Double]) -> Double {
        var sum = 0.0
        let sources = sources.span, values = vector.span
        if inverseDegree.isEmpty {
            let probabilities = probabilities.span
            for e in offsets[v]..<offsets[v + 1] { sum += values[Int(sources[e])] * probabilities[e] }
        } else {
            let inverseDegree = inverseDegree.span
            for e in offsets[v]..<offsets[v + 1] {
                let w = Int(sources[e])
                sum += values[w] * inverseDegree[w]
            }
        }
        return sum
    }

    /// The mass of `vector` on dangling vertices, in ascending vertex order.
    func danglingMass(_ vector: [Double]) -> Double {
        var total = 0.0
        for v in dangling { total += vector[Int(v)] }
        return total
    }
}
