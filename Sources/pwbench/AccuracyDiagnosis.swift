import PPRCore

/// Why a class of sources misses precision (`pwbench engine --diagnose`, issue 6 items 3 and 5): where the
/// frontier's flow and Monte Carlo variance sit by out-degree, what the missed top-k vertices are, and
/// how the answer's error splits between expanded and frontier-only vertices.
///
/// The frontier is re-expanded with the query's knobs and the index's `WalkBudget` (the expansion is
/// deterministic, so it is the one the answer was combined from). Variance shares use `f * w`, the frontier
/// weight's second moment in units of R walks (`WalkBudget.combineWeights`): the Monte Carlo variance of
/// the combine is proportional to it.
struct AccuracyDiagnosis {
    /// Out-degree buckets, by `d / d̄` and the walks the index gives: below the mean degree, R walks,
    /// more than R, and Rmax.
    static let bucketNames = ["d<mean", "R walks", ">R walks", "Rmax"]

    var sources = 0
    var flowByBucket = [Double](repeating: 0, count: 4)
    var momentByBucket = [Double](repeating: 0, count: 4)
    var fingerprintsByBucket = [Int](repeating: 0, count: 4)
    /// Exact top-10 / top-100 vertices the answer left out, and how many of them the query expanded.
    var missed10 = 0
    var missed10Expanded = 0
    var missed100 = 0
    var missed100Expanded = 0
    /// In-degree percentile (0 = largest in-degree) of the missed top-10 vertices, summed.
    var missed10InDegreeRank = 0.0
    /// Relative error `|a - x| / x` over the exact top 10, summed; and the exact relative gap between
    /// the 10th and 11th scores.
    var topRelativeError = 0.0
    var relativeGap10 = 0.0
    /// L1 on vertices the query expanded (exact part plus fingerprints reaching them) and on the others.
    var l1Expanded = 0.0
    var l1Other = 0.0
    var frontierFlow = 0.0
    var topInFrontierFlow = 0.0
    /// Precision@10 / @100 (strict, tie-aware) and L1 of the answer smoothed by 1 and 2 steps of the PPR
    /// equation (`pi = alpha e_s + (1 - alpha) P^T pi`, dangling mass back to the source).
    var smoothed = [[Double]](repeating: [Double](repeating: 0, count: 5), count: 3)

    mutating func add(
        source: VertexIndex, approximate: [Double], exact: [Double], graph: CSRGraph, budget: WalkBudget,
        knobs: QueryParameters, alpha: Double, inDegreeRank: [Int]
    ) throws {
        var decomposition = Decomposition(graph: graph)
        let expansion = try decomposition.expand(
            personalization: Personalization(source: source), restartProbability: alpha, eps: knobs.eps,
            maxLevels: knobs.maxLevels, sampleBelow: knobs.sampleBelow, lowDegreeFactor: knobs.lowDegreeFactor,
            walkBudget: budget)
        sources += 1
        let meanDegree = Double(graph.edgeCount) / Double(max(1, graph.vertexCount))
        let maxRatio = Double(budget.walks(outDegree: .max)) / Double(budget.baseWalks)
        for entry in expansion.frontier {
            let d = graph.outDegree(entry.vertex)
            let ratio = budget.ratio(outDegree: d)
            let bucket = Double(d) < meanDegree ? 0 : ratio <= 1 ? 1 : ratio < maxRatio ? 2 : 3
            let flow = entry.weight * ratio
            flowByBucket[bucket] += flow
            momentByBucket[bucket] += flow * entry.weight
            fingerprintsByBucket[bucket] += 1
            frontierFlow += flow
        }
        var expanded = [Bool](repeating: false, count: graph.vertexCount)
        for entry in expansion.pushed { expanded[Int(entry.vertex)] = true }
        for v in exact.indices {
            let error = abs(approximate[v] - exact[v])
            if expanded[v] { l1Expanded += error } else { l1Other += error }
        }
        let truth = TopK.select(exact, k: 101)
        let truth10 = Set(truth.prefix(10).map(\.vertex))
        let truth100 = Set(truth.prefix(100).map(\.vertex))
        let found10 = Set(TopK.select(approximate, k: 10).map(\.vertex))
        let found100 = Set(TopK.select(approximate, k: 100).map(\.vertex))
        for v in truth10.subtracting(found10) {
            missed10 += 1
            if expanded[Int(v)] { missed10Expanded += 1 }
            missed10InDegreeRank += Double(inDegreeRank[Int(v)]) / Double(graph.vertexCount)
        }
        for v in truth100.subtracting(found100) {
            missed100 += 1
            if expanded[Int(v)] { missed100Expanded += 1 }
        }
        for entry in truth.prefix(10) where entry.score > 0 {
            topRelativeError += abs(approximate[Int(entry.vertex)] - entry.score) / entry.score / 10
        }
        if truth.count > 10, truth[9].score > 0 { relativeGap10 += (truth[9].score - truth[10].score) / truth[9].score }
        var vector = approximate
        for steps in 0..<3 {
            if steps > 0 { vector = Self.smooth(vector, source: source, graph: graph, alpha: alpha) }
            smoothed[steps][0] += AccuracyMetrics.precision(atK: 10, approximate: vector, exact: exact)
            smoothed[steps][1] += AccuracyMetrics.tieAwarePrecision(atK: 10, approximate: vector, exact: exact)
            smoothed[steps][2] += AccuracyMetrics.precision(atK: 100, approximate: vector, exact: exact)
            smoothed[steps][3] += AccuracyMetrics.tieAwarePrecision(atK: 100, approximate: vector, exact: exact)
            smoothed[steps][4] += AccuracyMetrics.l1Distance(vector, exact)
        }
        for entry in expansion.frontier where truth10.contains(entry.vertex) {
            topInFrontierFlow += entry.weight * budget.ratio(outDegree: graph.outDegree(entry.vertex))
        }
    }

    /// The rows `pwbench engine` prints under a class line.
    var rows: [(String, String)] {
        guard sources > 0 else { return [] }
        let n = Double(sources)
        let flow = flowByBucket.reduce(0, +), moment = momentByBucket.reduce(0, +)
        let buckets = Self.bucketNames.indices.map { b in
            "\(Self.bucketNames[b]) flow \(fixed(flowByBucket[b] / n, 3)) "
                + "(\(fixed(flowByBucket[b] / max(flow, 1e-300) * 100, 0)) %), "
                + "variance \(fixed(momentByBucket[b] / max(moment, 1e-300) * 100, 0)) %, "
                + "\(fingerprintsByBucket[b] / sources) fps"
        }
        return [
            ("  frontier", "flow \(fixed(frontierFlow / n, 3)) per query; " + buckets.joined(separator: "; ")),
            (
                "  missed top-10",
                "\(fixed(Double(missed10) / n, 2)) per query (\(missed10Expanded) of \(missed10) expanded, "
                    + "mean in-degree percentile \(fixed(missed10InDegreeRank / Double(max(1, missed10)) * 100, 1))); "
                    + "top-100: \(fixed(Double(missed100) / n, 2)) per query (\(missed100Expanded) of \(missed100) expanded)"
            ),
            (
                "  top-10 error",
                "mean relative error \(fixed(topRelativeError / n * 100, 2)) %, mean relative 10th/11th gap "
                    + "\(fixed(relativeGap10 / n * 100, 2)) %, top-10 vertices' own frontier flow "
                    + "\(fixed(topInFrontierFlow / n, 4))"
            ),
            (
                "  smoothed",
                (0..<3).map { k in
                    "\(k) steps: P@10 \(fixed(smoothed[k][0] / n, 4)) (\(fixed(smoothed[k][1] / n, 4))), "
                        + "P@100 \(fixed(smoothed[k][2] / n, 4)) (\(fixed(smoothed[k][3] / n, 4))), L1 \(fixed(smoothed[k][4] / n, 4))"
                }.joined(separator: "; ")
            ),
            (
                "  L1 split",
                "expanded vertices \(fixed(l1Expanded / n, 4)), others \(fixed(l1Other / n, 4))"
            ),
        ]
    }

    /// One step of the PPR equation applied to `vector` (unweighted transitions).
    static func smooth(_ vector: [Double], source: VertexIndex, graph: CSRGraph, alpha: Double) -> [Double] {
        var next = [Double](repeating: 0, count: vector.count)
        var dangling = 0.0
        for w in 0..<graph.vertexCount {
            let range = graph.neighborRange(VertexIndex(w))
            guard !range.isEmpty else {
                dangling += vector[w]
                continue
            }
            let share = (1 - alpha) * vector[w] / Double(range.count)
            for e in range { next[Int(graph.targets[e])] += share }
        }
        next[Int(source)] += alpha + (1 - alpha) * dangling
        return next
    }

    /// Rank of every vertex by in-degree (0: largest; ties by lower index).
    static func inDegreeRanks(_ graph: CSRGraph) -> [Int] {
        var inDegree = [Int](repeating: 0, count: graph.vertexCount)
        for t in graph.targets { inDegree[Int(t)] += 1 }
        let order = (0..<graph.vertexCount).sorted {
            inDegree[$0] > inDegree[$1] || (inDegree[$0] == inDegree[$1] && $0 < $1)
        }
        var rank = [Int](repeating: 0, count: graph.vertexCount)
        for (r, v) in order.enumerated() { rank[v] = r }
        return rank
    }
}
