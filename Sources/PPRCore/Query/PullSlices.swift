/// The transposed graph laid out for the whole-vector pull of `PPREquationStep`: sliced ELLPACK with slices
/// of `width` vertices (SELL-8).
///
/// The vertices are cut into `InEdges.bandCount` bands of about equal work (contiguous vertex ranges whose
/// bounds are multiples of 8), ordered by in-degree within each band (descending; ties by index), and cut
/// into slices of 8. A slice stores its vertices' in-edge lists column by column: the first source of each
/// of its 8 vertices, then the second of each, and so on. Lists shorter than the slice's longest are padded
/// with terms that add exactly zero. The pull then sums a slice's 8 vertices at once in one 8-lane vector:
/// 8 independent addition chains, and no loop exit per vertex.
///
/// Why: per-vertex lists are short (about 12 in-edges on soc-Slashdot0902), so the CSR pull paid a
/// mispredicted loop exit per vertex, and each vertex's sum was a chain of dependent additions. Measured
/// (`pwbench engine ../shared/data/soc-Slashdot0902.txt.gz`, "Smoothing step", one thread, alternating runs
/// of the builds before and after, 33417cc and 3f63a6f): 1.40-1.43 -> 0.60 ns per edge. Sorting by
/// in-degree keeps the padding at about 1 % of the edges on soc-Slashdot0902 (slices of 8 neighbours in
/// vertex order would pad far more); the results are written through `order`, n scattered writes against m
/// gathers. The sort stays within a band so that the threads of a step write disjoint ranges of the output:
/// sorted over the whole graph, two threads wrote into the same cache lines, and on soc-Slashdot0902 a step
/// took 0.52-0.55 ms wall on two threads against 0.57 on one; sorted within bands, 0.46 against 0.55
/// (`pwbench engine`, "Smoothing step", alternating runs).
///
/// The pull reads its terms (`x(w) / d(w)`, or `x(w)` on a weighted graph) from a vector laid out by
/// `slot`, not by vertex: vertex `w`'s term sits at `slot[w]`, in decreasing order of how many in-edge
/// lists name `w` (its out-degree), so the terms read most share cache lines and stay in cache. Measured
/// (`pwbench engine` on R-MAT scale 20, "Smoothing step", one thread, builds 3f63a6f and 5fb245e): its 2.6
/// MB vector of Float terms exceeds a core's L2, and a step went from 1.54-1.61 to 1.11 ns per edge; on
/// soc-Slashdot0902, whose vector fits L2, no difference beyond the noise. The entries hold slots; the sums
/// are unchanged (a renaming).
///
/// Each vertex's sum is one chain over its in-edges in ascending source order, then the padding: the order
/// `PPREquationStep` documents, whatever the slice or thread. Padding adds `+0.0`, which leaves every sum
/// unchanged: a pad names `padSlot` (the vertex count), where the vector of terms holds a zero one past its
/// last vertex (with probability 0 on a weighted graph).
///
/// Memory: 4 bytes per entry (edges plus padding), 8 per vertex (`order`, `slot`), 8 per slice, on a
/// weighted graph 8 more per entry (the probabilities), and on a graph with self-loops 8 more per vertex
/// (their probabilities in slice order).
public struct PullSlices: Sendable {
    /// Vertices per slice: one 8-lane vector of Double.
    public static let width = 8

    /// Lane `l` of slice `s` is vertex `order[s * width + l]` (the last slice may hold fewer than 8).
    let order: [VertexIndex]
    /// Slice `s`'s entries are `starts[s] ..< starts[s + 1]` (a multiple of `width`): entry `j` of lane
    /// `l` at `starts[s] + j * width + l`.
    let starts: [Int]
    /// The slot (`slot`) of each entry's source.
    let sources: [VertexIndex]
    /// `slot[w]`: where vertex `w`'s term sits in the pull's vector of terms (`0 ..< vertexCount`).
    let slot: [VertexIndex]
    /// `P(w, v)` of each entry on a weighted graph (0 for padding); empty otherwise.
    let probabilities: [Double]
    /// Pull band `b` is the slices `bandStarts[b] ..< bandStarts[b + 1]`; `InEdges.bandCount + 1` entries.
    public let bandStarts: [Int]
    /// The slot of a pad: one past the last vertex, where the vector of terms holds a zero.
    let padSlot: VertexIndex
    /// `P(v, v)` by slice lane (lane `l` of slice `s` at `s * width + l`, 0 past the last vertex) on a graph
    /// with self-loops, empty otherwise: the pull solves the loop's term as it writes a slice
    /// (`PPREquationStep`), reading them in order instead of at random by vertex.
    let loopProbabilities: [Double]

    /// Lays out the in-edges `offsets`/`sources` (ascending sources per vertex) of `vertexCount`
    /// vertices; `probabilities` (per in-edge) on a weighted graph, empty otherwise; `loopProbability` (per
    /// vertex) on a graph with self-loops, empty otherwise.
    init(
        vertexCount n: Int, offsets: [Int], sources inSources: [VertexIndex], probabilities inProbabilities: [Double],
        loopProbability: [Double]
    ) {
        let weighted = !inProbabilities.isEmpty
        let width = Self.width
        let vertexBands = Self.vertexBands(offsets: offsets)
        var order: [VertexIndex] = []
        order.reserveCapacity(n)
        for b in 0..<InEdges.bandCount {
            order += Self.descending(vertexBands[b]..<vertexBands[b + 1]) { offsets[$0 + 1] - offsets[$0] }
        }
        var uses = [Int](repeating: 0, count: n)
        for w in inSources { uses[Int(w)] += 1 }
        var slot = [VertexIndex](repeating: 0, count: n)
        for (position, w) in Self.descending(0..<n, by: { uses[$0] }).enumerated() {
            slot[Int(w)] = VertexIndex(truncatingIfNeeded: position)
        }
        let sliceCount = (n + width - 1) / width
        var starts = [Int](repeating: 0, count: sliceCount + 1)
        for s in 0..<sliceCount {
            // Descending degrees within a band, and no slice spans two bands (their bounds are multiples of
            // `width`): a slice's first vertex has its longest list.
            let first = Int(order[s * width])
            starts[s + 1] = starts[s] + (offsets[first + 1] - offsets[first]) * width
        }
        padSlot = VertexIndex(truncatingIfNeeded: n)
        var sources = [VertexIndex](repeating: padSlot, count: starts[sliceCount])
        var probabilities = [Double](repeating: 0, count: weighted ? starts[sliceCount] : 0)
        for (position, vertex) in order.enumerated() {
            let v = Int(vertex)
            var entry = starts[position / width] + position % width
            for e in offsets[v]..<offsets[v + 1] {
                sources[entry] = slot[Int(inSources[e])]
                if weighted { probabilities[entry] = inProbabilities[e] }
                entry += width
            }
        }
        self.order = order
        self.slot = slot
        self.starts = starts
        self.sources = sources
        self.probabilities = probabilities
        loopProbabilities =
            loopProbability.isEmpty
            ? [] : (0..<(starts.count - 1) * width).map { $0 < n ? loopProbability[Int(order[$0])] : 0 }
        bandStarts = vertexBands.map { ($0 + width - 1) / width }
    }

    /// The vertices of `range` by decreasing `key` (a degree: at most the edge count), ties in ascending
    /// order: a stable counting sort, `O(range.count + max key)`.
    private static func descending(_ range: Range<Int>, by key: (Int) -> Int) -> [VertexIndex] {
        var maxKey = 0
        for v in range { maxKey = max(maxKey, key(v)) }
        var first = [Int](repeating: 0, count: maxKey + 2)
        for v in range { first[maxKey - key(v) + 1] += 1 }
        for k in 0...maxKey { first[k + 1] += first[k] }
        var sorted = [VertexIndex](repeating: 0, count: range.count)
        for v in range {
            let rank = maxKey - key(v)
            sorted[first[rank]] = VertexIndex(truncatingIfNeeded: v)
            first[rank] += 1
        }
        return sorted
    }

    /// Vertex band boundaries (`InEdges.bandCount + 1`, from 0 to the vertex count) with about equal work
    /// each, a vertex costing its in-edges plus one (its write); interior bounds are multiples of `width`.
    private static func vertexBands(offsets: [Int]) -> [Int] {
        let n = offsets.count - 1
        let total = offsets[n] + n
        var bands = [0]
        var v = 0
        for b in 1..<InEdges.bandCount {
            let goal = total / InEdges.bandCount * b + total % InEdges.bandCount * b / InEdges.bandCount
            while v < n, offsets[v] + v < goal { v += 1 }
            v = min(n, (v + width - 1) / width * width)
            bands.append(v)
        }
        bands.append(n)
        return bands
    }

    /// Bytes held.
    var byteCount: Int {
        (order.count + slot.count) * MemoryLayout<VertexIndex>.stride + starts.count * MemoryLayout<Int>.stride
            + sources.count * MemoryLayout<VertexIndex>.stride + probabilities.count * MemoryLayout<Double>.stride
            + bandStarts.count * MemoryLayout<Int>.stride + loopProbabilities.count * MemoryLayout<Double>.stride
    }
}
