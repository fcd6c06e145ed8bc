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
    /// Dense merges: vertices first touched by each partial sum after the first (see `mergeDense`).
    private var later: [[VertexIndex]] = []
    /// The PPR-equation steps' vectors (`AnswerSmoothing`).
    private var stepScratch = PPREquationStep.Scratch()

    /// Scratch whose expand step uses `threads` (split by `bands`, the graph's layout built once per graph).
    init(graph: CSRGraph, threads: PushThreads = .single, bands: TargetBands? = nil) {
        decomposition = Decomposition(graph: graph, threads: threads, bands: bands)
        accumulator = [Double](repeating: 0, count: graph.vertexCount)
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
    /// equation and refinement (the in-process engine's code, `AnswerSmoothing`), and returns the top k after exclusions
    /// with the error estimate (`ErrorEstimate`) of the whole answer.
    func merge(
        pushed: [WeightedVertex], partials: [(shard: ShardID, sum: PartialSum)], topK: Int, excluded: ExcludedSet,
        statistics: Expansion.Statistics, walk: WalkParameters, smoothing: AnswerSmoothing? = nil
    ) throws(WireError) -> (top: [ScoredVertex], errorEstimate: Double) {
        guard let smoothing, smoothing.isActive else {
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
        if !partials.isEmpty, partials.allSatisfy({ !$0.sum.dense.isEmpty }), Self.isAscending(pushed) {
            var later: [[VertexIndex]] = []
            swap(&later, &self.later)
            defer { swap(&later, &self.later) }
            return try Self.mergeDense(
                pushed: pushed, partials: partials, topK: topK, excluded: excluded, statistics: statistics, walk: walk,
                accumulator: &accumulator, later: &later, smoothed: smoothed)
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

    /// `merge` when every partial sum is dense: the same additions in the same order as the sparse path, in
    /// one fused pass over the vertices (checks, sums, spread, pushed mass, total), then one scaling pass and
    /// the top k of the dense vector (no list of entries).
    ///
    /// Equality with the sparse path: the sparse path adds shard by shard into a zero slot and skips zeros;
    /// adding a zero to a non-negative double changes no bit, so slot `x` ends as `((0 + d0) + d1) + ...`
    /// either way. Its spread sums `sqrt` over the touched list, in the order vertices were first touched: by
    /// first shard with a non-zero value, ascending within a shard. The fused pass adds the terms of vertices
    /// first touched by shard 0 as it goes and lists the others by shard (`later`), added after it in that
    /// order. `pushed` (ascending, each vertex once: `Expansion`) is scattered first, so the pass adds it last
    /// to each slot as the sparse path does (`v + (0 + p) == v + p`). The total sums the positive slots in
    /// ascending order (as `listed`), and the top k of the scaled vector are those of the scaled entries.
    /// The accumulator is all zero again on return.
    private static func mergeDense(
        pushed: [WeightedVertex], partials: [(shard: ShardID, sum: PartialSum)], topK: Int, excluded: ExcludedSet,
        statistics: Expansion.Statistics, walk: WalkParameters, accumulator: inout [Double],
        later: inout [[VertexIndex]], smoothed: Smoothed?
    ) throws(WireError) -> (top: [ScoredVertex], errorEstimate: Double) {
        let vertexCount = accumulator.count
        for (shard, sum) in partials where sum.dense.count != vertexCount {
            throw WireError(.internal, "\(shard) returned \(sum.dense.count) dense sums for \(vertexCount) vertices")
        }
        defer { accumulator.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        if later.count < partials.count { later = [[VertexIndex]](repeating: [], count: partials.count) }
        var listed = [Int](repeating: 0, count: partials.count)
        var spread = 0.0
        var total = 0.0
        var valid = true
        withDenseBuffers(partials.map(\.sum.dense)[...], []) { values in
            accumulator.withUnsafeMutableBufferPointer { dense in
                for entry in pushed { dense[Int(entry.vertex)] += entry.weight }  // checked by the expansion
                if values.count == 2 {
                    listed[1] = fusedPass(values[0], values[1], dense, &spread, &total, &valid, &later[1])
                } else {
                    for p in later.indices { later[p].removeAll(keepingCapacity: true) }
                    fusedPass(values, dense, &spread, &total, &valid, &later)
                    listed = later.map(\.count)
                }
            }
        }
        guard valid else {
            for (shard, sum) in partials {
                if let x = firstInvalid(sum.dense) {
                    throw WireError(
                        .internal, "\(shard) returned an invalid dense sum (vertex index \(x), score \(sum.dense[x]))")
                }
            }
            throw WireError(.internal, "a shard returned an invalid dense sum")
        }
        for p in partials.indices.dropFirst() {
            for vertex in later[p][..<listed[p]] {
                var value = 0.0
                for (_, sum) in partials { value += sum.dense[Int(vertex)] }
                if value > 0 { spread += value.squareRoot() }
            }
        }
        guard total > 0, total.isFinite else { return ([], 0) }
        let scale = 1 / total
        accumulator.withUnsafeMutableBufferPointer { dense in
            for x in dense.indices { dense[x] *= scale }
        }
        let estimate = ErrorEstimate.l1(spread: spread, statistics: statistics, walk: walk, totalMass: total)
        guard let smoothed else { return (TopK.select(accumulator, k: topK, excluding: excluded), estimate) }
        // The sparse path's `answer` steps the same normalised vector (its zero slots are zero here too).
        let factor = smoothed.smoothing.apply(
            to: &accumulator, totalMass: total, pushed: smoothed.pushed, excluding: excluded,
            scratch: &smoothed.scratch)
        return (TopK.select(accumulator, k: topK, excluding: excluded), estimate * factor)
    }

    /// Runs `body` with the buffers of `arrays` (in order) appended to `buffers`.
    private static func withDenseBuffers(
        _ arrays: ArraySlice<[Double]>, _ buffers: [UnsafeBufferPointer<Double>],
        _ body: ([UnsafeBufferPointer<Double>]) -> Void
    ) {
        guard let first = arrays.first else { return body(buffers) }
        first.withUnsafeBufferPointer { withDenseBuffers(arrays.dropFirst(), buffers + [$0], body) }
    }

    /// The fused pass of `mergeDense` for two partial sums `a` and `b` (each `dense.count` long); `dense`
    /// holds the pushed mass and receives the merged answer. Vertices first touched by `b` are written to the
    /// front of `laterB` (kept `dense.count` long); returns how many.
    /// No branch per slot (the touched slots are scattered, so branches would mispredict): terms that do not
    /// count are added as `+0.0`, which changes no bit of a sum of non-negative numbers.
    private static func fusedPass(
        _ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, _ dense: UnsafeMutableBufferPointer<Double>,
        _ spread: inout Double, _ total: inout Double, _ valid: inout Bool, _ laterB: inout [VertexIndex]
    ) -> Int {
        let count = dense.count
        var listed = 0
        var (s, t) = (spread, total)
        // Valid slots are finite numbers >= 0: bit patterns below +infinity's, or -0.0 (read as 0).
        var highest: UInt64 = 0
        if laterB.count < count { laterB = [VertexIndex](repeating: 0, count: count) }
        laterB.withUnsafeMutableBufferPointer { later in
            for x in 0..<count {
                let (u, v) = (a[x], b[x])
                let (ubits, vbits) = (u.bitPattern, v.bitPattern)
                highest = max(highest, ubits == negativeZero ? 0 : ubits, vbits == negativeZero ? 0 : vbits)
                var value = 0.0
                value += u
                value += v
                let byA = ubits << 1 != 0
                let byB = !byA && vbits << 1 != 0
                s += byA && value > 0 ? value.squareRoot() : 0
                later[listed] = VertexIndex(truncatingIfNeeded: x)
                listed &+= byB ? 1 : 0
                let merged = value + dense[x]
                dense[x] = merged
                t += merged  // >= 0 when valid: +0.0 adds nothing
            }
        }
        valid = valid && highest < Double.infinity.bitPattern
        (spread, total) = (s, t)
        return listed
    }

    /// The bit pattern of -0.0 (a valid slot: `-0.0 >= 0`).
    private static let negativeZero = (-0.0).bitPattern

    /// The fused pass of `mergeDense` for any number of partial sums (see the two-sum one).
    private static func fusedPass(
        _ values: [UnsafeBufferPointer<Double>], _ dense: UnsafeMutableBufferPointer<Double>,
        _ spread: inout Double, _ total: inout Double, _ valid: inout Bool, _ later: inout [[VertexIndex]]
    ) {
        for x in 0..<dense.count {
            var value = 0.0
            var first = -1
            for (p, partial) in values.enumerated() {
                let u = partial[x]
                valid = valid && u >= 0 && u.isFinite
                if first < 0, u.bitPattern << 1 != 0 { first = p }
                value += u
            }
            if first == 0 {
                if value > 0 { spread += value.squareRoot() }
            } else if first > 0 {
                later[first].append(VertexIndex(truncatingIfNeeded: x))
            }
            let merged = value + dense[x]
            dense[x] = merged
            if merged > 0 { total += merged }
        }
    }

    /// Whether `entries` lists strictly ascending vertices (each once), as `Expansion.pushed` does.
    private static func isAscending(_ entries: [WeightedVertex]) -> Bool {
        zip(entries, entries.dropFirst()).allSatisfy { $0.vertex < $1.vertex }
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
    private let threads: PushThreads
    private let bands: TargetBands?
    private let cores: IdleCores
    private let idle: IdlePool<QueryScratch>

    /// Scratch whose expand steps use `threads` (one band layout shared by all); users count busy in `cores`.
    init(graph: CSRGraph, threads: PushThreads = .single, cores: IdleCores = .never, capacity: Int) {
        self.graph = graph
        self.threads = threads
        bands = threads.count > 1 ? TargetBands(graph: graph) : nil
        self.cores = cores
        idle = IdlePool(limit: capacity)
    }

    /// Runs `body` with a scratch taken from the pool (a new one when all are busy), then returns it. The
    /// calling thread counts as busy in the pool's `IdleCores` meanwhile (it expands or merges: CPU work).
    func withScratch<R>(_ body: (QueryScratch) throws(WireError) -> R) throws(WireError) -> R {
        let scratch = idle.take { QueryScratch(graph: graph, threads: threads, bands: bands) }
        defer { idle.give(scratch) }
        return try cores.working { () throws(WireError) in try body(scratch) }
    }
}

/// All-zero dense vectors lent to one user at a time (a worker's single-frontier combines), so a request
/// allocates no `O(n)` buffer: on a busy process fresh large allocations are page faults that serialise
/// concurrent requests. Users must hand the vector back all zero.
final class DenseVectorPool: Sendable {
    private let idle: IdlePool<[Double]>

    init(capacity: Int) { idle = IdlePool(limit: capacity) }

    /// Runs `body` with a zeroed vector of `count` slots (pooled, or new when all are lent).
    func withVector<R, E: Error>(count: Int, _ body: (inout [Double]) throws(E) -> R) throws(E) -> R {
        var vector = idle.take { [] }
        if vector.count != count { vector = [Double](repeating: 0, count: count) }
        defer { idle.give(vector) }
        return try body(&vector)
    }
}
