// QueryScratch: the O(n) memory one in-flight request needs (expand vectors and a dense accumulator),
// kept in a small pool so a query costs its expansion and the entries it touches, not O(n) allocations.
//
// Merge: the answer of one query is `pushed + sum over shards of partial sum`; entries are added into
// the dense accumulator, the touched vertices remembered, and the sum normalised once over those
// vertices in ascending order (the same order DecompositionQuery sums in, so the divisor has the same
// bits when the additions agree). Partial sums come from another process: every vertex and score is
// checked before it is used, so a bad worker reply is an error, never a trap.
import PPRCore
import PPRWire
import Synchronization

/// Expand and merge scratch for one request at a time.
///
/// Safety (`@unchecked Sendable`): an instance is used by one request at a time; `ScratchPool` hands it
/// out and takes it back under its mutex, which orders the accesses of successive users.
final class QueryScratch: @unchecked Sendable {
    private var decomposition: Decomposition
    /// Dense answer by vertex; all zero between uses.
    private var accumulator: [Double]
    /// Vertices whose accumulator slot may be non-zero (may repeat).
    private var touched: [VertexIndex] = []
    /// Dense merges: per vertex, the first partial sum with a non-zero value (see `mergeDense`).
    private var firstPartial: [UInt8]
    /// The PPR-equation steps' vectors (`AnswerSmoothing`).
    private var stepScratch = PPREquationStep.Scratch()

    init(graph: CSRGraph) {
        decomposition = Decomposition(graph: graph)
        accumulator = [Double](repeating: 0, count: graph.vertexCount)
        firstPartial = [UInt8](repeating: 0, count: graph.vertexCount)
    }

    /// The expand step of `query` (DESIGN §2) on this scratch, for an index built with `walk` (its alpha, and its
    /// walks per vertex: the frontier weights are those the shards' combine expects, `WalkBudget`).
    func expand(_ query: ResolvedQuery, walk: WalkParameters) throws(WireError) -> Expansion {
        try WireError.mapping { () throws(QueryError) in
            try decomposition.expand(
                personalization: query.personalization, restartProbability: walk.restartProbability, eps: query.eps,
                maxLevels: query.maxLevels, sampleBelow: query.sampleBelow, lowDegreeFactor: query.lowDegreeFactor,
                walkBudget: WalkBudget(parameters: walk, graph: decomposition.graph))
        }
    }

    /// Adds `pushed` and the shards' partial sums, normalises, applies `smoothing`'s steps of the PPR
    /// equation (the in-process engine's code, `AnswerSmoothing`), and returns the top k after exclusions
    /// with the error estimate (`ErrorEstimate`) of the whole answer.
    func merge(
        pushed: [WeightedVertex], partials: [(shard: ShardID, sum: PartialSum)], topK: Int, excluded: ExcludedSet,
        statistics: Expansion.Statistics, walk: WalkParameters, smoothing: AnswerSmoothing? = nil
    ) throws(WireError) -> (top: [ScoredVertex], errorEstimate: Double) {
        guard let smoothing, smoothing.steps > 0 else {
            return try merge(
                pushed: pushed, partials: partials, topK: topK, excluded: excluded, statistics: statistics, walk: walk,
                smoothed: nil)
        }
        let smoothed = Smoothed(smoothing: smoothing, pushed: pushed)
        swap(&smoothed.scratch, &stepScratch)
        defer { swap(&smoothed.scratch, &stepScratch) }
        return try merge(
            pushed: pushed, partials: partials, topK: topK, excluded: excluded, statistics: statistics, walk: walk,
            smoothed: smoothed)
    }

    private func merge(
        pushed: [WeightedVertex], partials: [(shard: ShardID, sum: PartialSum)], topK: Int, excluded: ExcludedSet,
        statistics: Expansion.Statistics, walk: WalkParameters, smoothed: Smoothed?
    ) throws(WireError) -> (top: [ScoredVertex], errorEstimate: Double) {
        // Work on locals: stored properties of a class are checked for exclusive access on every use,
        // which cost more than the adds themselves (a quarter of a front query's CPU under `perf`).
        var accumulator: [Double] = []
        var touched: [VertexIndex] = []
        swap(&accumulator, &self.accumulator)
        swap(&touched, &self.touched)
        defer {
            var dense = accumulator.mutableSpan
            for vertex in touched { dense[unchecked: Int(vertex)] = 0 }
            touched.removeAll(keepingCapacity: true)
            swap(&accumulator, &self.accumulator)
            swap(&touched, &self.touched)
        }
        if !partials.isEmpty, partials.count < Int(UInt8.max), partials.allSatisfy({ !$0.sum.dense.isEmpty }) {
            var first: [UInt8] = []
            swap(&first, &firstPartial)
            defer { swap(&first, &firstPartial) }
            return try Self.mergeDense(
                pushed: pushed, partials: partials, topK: topK, excluded: excluded, statistics: statistics, walk: walk,
                accumulator: &accumulator, firstPartial: &first, smoothed: smoothed)
        }
        return try Self.merge(
            pushed: pushed, partials: partials, topK: topK, excluded: excluded, statistics: statistics, walk: walk,
            accumulator: &accumulator, touched: &touched, smoothed: smoothed)
    }

    /// `merge` over the dense accumulator (all zero on entry; its non-zero slots are listed in `touched`).
    private static func merge(
        pushed: [WeightedVertex], partials: [(shard: ShardID, sum: PartialSum)], topK: Int, excluded: ExcludedSet,
        statistics: Expansion.Statistics, walk: WalkParameters, accumulator: inout [Double],
        touched: inout [VertexIndex], smoothed: Smoothed?
    ) throws(WireError) -> (top: [ScoredVertex], errorEstimate: Double) {
        let vertexCount = accumulator.count
        var dense = accumulator.mutableSpan
        for (shard, sum) in partials {
            if !sum.dense.isEmpty {
                // The dense form adds the same values in the same ascending order as the sparse one (zeros are
                // never listed there), so the sums and the touched order are bit-identical.
                try checkDense(sum.dense, from: shard, vertexCount: vertexCount)
                let values = sum.dense.span
                for x in 0..<vertexCount {
                    let score = values[unchecked: x]
                    guard score != 0 else { continue }
                    if dense[unchecked: x] == 0 { touched.append(VertexIndex(truncatingIfNeeded: x)) }
                    dense[unchecked: x] += score
                }
                continue
            }
            for (vertex, score) in zip(sum.vertices, sum.scores) {
                guard Int(vertex) < vertexCount, score.isFinite, score >= 0 else {
                    throw WireError(
                        .internal,
                        "\(shard) returned an invalid partial sum entry (vertex index \(vertex), score \(score))")
                }
                if dense[unchecked: Int(vertex)] == 0 { touched.append(vertex) }
                dense[unchecked: Int(vertex)] += score
            }
        }
        // The spread of the combined frontier alone (a vertex may come from several shards: summed first).
        var spread = 0.0
        for vertex in touched {
            let value = dense[unchecked: Int(vertex)]
            guard value > 0 else { continue }
            spread += value.squareRoot()
            dense[unchecked: Int(vertex)] = -value  // marks it counted; restored below
        }
        for vertex in touched where dense[unchecked: Int(vertex)] < 0 {
            dense[unchecked: Int(vertex)] = -dense[unchecked: Int(vertex)]
        }
        for entry in pushed {
            if dense[unchecked: Int(entry.vertex)] == 0 { touched.append(entry.vertex) }
            dense[unchecked: Int(entry.vertex)] += entry.weight
        }
        // The answer's entries in ascending vertex order (the order DecompositionQuery normalises in). When
        // many slots are touched a scan of the dense vector is cheaper than sorting the touched list; both
        // list the same entries in the same order.
        var entries: [WeightedVertex] = []
        var total = 0.0
        if touched.count &* 8 >= vertexCount {
            (entries, total) = listed(accumulator)
        } else {
            entries.reserveCapacity(touched.count)
            touched.sort()
            for (position, vertex) in touched.enumerated() where position == 0 || touched[position - 1] != vertex {
                let value = dense[unchecked: Int(vertex)]
                guard value > 0 else { continue }
                total += value
                entries.append(WeightedVertex(vertex: vertex, weight: value))
            }
        }
        return answer(
            entries, total: total, spread: spread, topK: topK, excluded: excluded, statistics, walk, smoothed: smoothed)
    }

    /// `merge` when every partial sum is dense: the same additions in the same order as the sparse path, as
    /// whole-vector passes with no per-vertex branches (no touched list: the answer is scanned).
    ///
    /// Equality with the sparse path: the sparse path adds shard by shard into a zero slot and skips zeros;
    /// adding a zero to a non-negative double changes no bit, so slot `x` ends as `((0 + d0) + d1) + ...`
    /// either way. Its spread sums `sqrt` over the touched list, in the order vertices were first touched:
    /// by first shard with a non-zero value, ascending within a shard. `firstPartial` records that shard,
    /// and one pass per shard adds the same terms in that order (adding `+0.0` elsewhere changes no bit).
    /// The accumulator is all zero again on return; `firstPartial` holds garbage.
    private static func mergeDense(
        pushed: [WeightedVertex], partials: [(shard: ShardID, sum: PartialSum)], topK: Int, excluded: ExcludedSet,
        statistics: Expansion.Statistics, walk: WalkParameters, accumulator: inout [Double],
        firstPartial: inout [UInt8], smoothed: Smoothed?
    ) throws(WireError) -> (top: [ScoredVertex], errorEstimate: Double) {
        let vertexCount = accumulator.count
        for (shard, sum) in partials { try checkDense(sum.dense, from: shard, vertexCount: vertexCount) }
        defer { accumulator.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        let none = UInt8(partials.count)
        firstPartial.withUnsafeMutableBufferPointer { $0.update(repeating: none) }
        var dense = accumulator.mutableSpan
        var first = firstPartial.mutableSpan
        for (index, (_, sum)) in partials.enumerated() {
            let values = sum.dense.span
            let mark = UInt8(index)
            for x in 0..<vertexCount {
                let value = values[unchecked: x]
                // Non-zero tested on the bits (the values are valid, so never NaN): no branch per slot.
                let fresh = first[unchecked: x] == none && value.bitPattern << 1 != 0
                first[unchecked: x] = fresh ? mark : first[unchecked: x]
                dense[unchecked: x] += value
            }
        }
        var spread = 0.0
        for index in partials.indices {
            let mark = UInt8(index)
            for x in 0..<vertexCount {
                let value = dense[unchecked: x]
                spread += first[unchecked: x] == mark && value > 0 ? value.squareRoot() : 0
            }
        }
        for entry in pushed { dense[unchecked: Int(entry.vertex)] += entry.weight }
        let (entries, total) = listed(accumulator)
        return answer(
            entries, total: total, spread: spread, topK: topK, excluded: excluded, statistics, walk, smoothed: smoothed)
    }

    /// Refuses a dense partial sum of the wrong length or with a slot that is not a finite number >= 0.
    private static func checkDense(_ values: [Double], from shard: ShardID, vertexCount: Int) throws(WireError) {
        guard values.count == vertexCount else {
            throw WireError(.internal, "\(shard) returned \(values.count) dense sums for \(vertexCount) vertices")
        }
        if let x = firstInvalid(values) {
            throw WireError(.internal, "\(shard) returned an invalid dense sum (vertex index \(x), score \(values[x]))")
        }
    }

    /// The first slot of a partial sum that is not a finite number >= 0 (one branch-free pass when all are).
    private static func firstInvalid(_ values: [Double]) -> Int? {
        let span = values.span
        var valid = true
        for x in 0..<span.count {
            let value = span[unchecked: x]
            valid = valid && value.isFinite && value >= 0
        }
        guard !valid else { return nil }
        for x in 0..<span.count where !(span[unchecked: x].isFinite && span[unchecked: x] >= 0) { return x }
        return nil
    }

    /// The positive slots of `values` in ascending vertex order, and their sum in that order.
    private static func listed(_ values: [Double]) -> (entries: [WeightedVertex], total: Double) {
        let span = values.span
        var entries: [WeightedVertex] = []
        entries.reserveCapacity(span.count)
        var total = 0.0
        for x in 0..<span.count {
            let value = span[unchecked: x]
            guard value > 0 else { continue }
            total += value
            entries.append(WeightedVertex(vertex: VertexIndex(truncatingIfNeeded: x), weight: value))
        }
        return (entries, total)
    }

    /// Normalises `entries` by `total` and cuts the top k after exclusions, with the error estimate.
    private static func answer(
        _ entries: consuming [WeightedVertex], total: Double, spread: Double, topK: Int, excluded: ExcludedSet,
        _ statistics: Expansion.Statistics, _ walk: WalkParameters, smoothed: Smoothed?
    ) -> (top: [ScoredVertex], errorEstimate: Double) {
        guard total > 0, total.isFinite else { return ([], 0) }
        let scale = 1 / total
        for i in entries.indices { entries[i].weight *= scale }
        let estimate = ErrorEstimate.l1(spread: spread, statistics: statistics, walk: walk, totalMass: total)
        guard let smoothed else { return (TopK.select(entries, k: topK, excluding: excluded), estimate) }
        let (top, factor) = smoothed.smoothing.topK(
            entries, totalMass: total, pushed: smoothed.pushed, k: topK, excluding: excluded,
            scratch: &smoothed.scratch)
        return (top, estimate * factor)
    }
}

/// One merge's PPR-equation steps: what `answer` needs besides the entries, and the step vectors lent by
/// the `QueryScratch` for the merge.
private final class Smoothed {
    let smoothing: AnswerSmoothing
    let pushed: [WeightedVertex]
    var scratch = PPREquationStep.Scratch()

    init(smoothing: AnswerSmoothing, pushed: [WeightedVertex]) {
        self.smoothing = smoothing
        self.pushed = pushed
    }
}

/// A few `QueryScratch` objects shared by concurrent requests (at most `capacity` are kept).
final class ScratchPool: Sendable {
    private let graph: CSRGraph
    private let capacity: Int
    private let idle = Mutex<[QueryScratch]>([])

    init(graph: CSRGraph, capacity: Int) {
        self.graph = graph
        self.capacity = max(1, capacity)
    }

    /// Runs `body` with a scratch taken from the pool (a new one when all are busy), then returns it.
    func withScratch<R>(_ body: (QueryScratch) throws(WireError) -> R) throws(WireError) -> R {
        let scratch = idle.withLock { $0.popLast() } ?? QueryScratch(graph: graph)
        defer { idle.withLock { if $0.count < capacity { $0.append(scratch) } } }
        return try body(scratch)
    }
}

/// All-zero dense vectors lent to one user at a time (a worker's single-frontier combines), so a request
/// allocates no `O(n)` buffer: on a busy process fresh large allocations are page faults that serialise
/// concurrent requests. Users must hand the vector back all zero.
final class DenseVectorPool: Sendable {
    private let capacity: Int
    private let idle = Mutex<[[Double]]>([])

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Runs `body` with a zeroed vector of `count` slots (pooled, or new when all are lent).
    func withVector<R, E: Error>(count: Int, _ body: (inout [Double]) throws(E) -> R) throws(E) -> R {
        var vector =
            idle.withLock { pool -> [Double]? in
                guard let last = pool.popLast() else { return nil }
                return last
            } ?? []
        if vector.count != count { vector = [Double](repeating: 0, count: count) }
        defer {
            let returned = vector
            idle.withLock { if $0.count < capacity { $0.append(returned) } }
        }
        return try body(&vector)
    }
}
