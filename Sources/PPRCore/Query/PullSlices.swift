/// The transposed graph laid out for the whole-vector pull of `PPREquationStep`: sliced ELLPACK with
/// slices of `width` vertices (SELL-8).
///
/// The vertices are ordered by in-degree (descending; ties by index) and cut into slices of 8. A slice
/// stores its vertices' in-edge lists column by column: the first source of each of its 8 vertices, then
/// the second of each, and so on. Lists shorter than the slice's longest are padded with terms that add
/// exactly zero. The pull then sums a slice's 8 vertices at once in one 8-lane vector: 8 independent
/// addition chains, and no loop exit per vertex.
///
/// Why: per-vertex lists are short (about 12 in-edges on soc-Slashdot0902), so the CSR pull paid a
/// mispredicted loop exit per vertex, and each vertex's sum was a chain of dependent additions. Measured
/// (standalone loop over soc-Slashdot0902's in-edges, one thread, Double terms): CSR with two partial sums
/// 1.3-1.9 ns per edge, this layout 0.54-0.73 ns per edge. Sorting by in-degree over the whole graph keeps
/// the padding at about 1 % of the edges on soc-Slashdot0902 (slices of 8 neighbours in vertex order
/// would pad far more); the results are written through `order`, n scattered writes against m gathers.
///
/// Each vertex's sum is one chain over its in-edges in ascending source order, then the padding: the
/// order `PPREquationStep` documents, whatever the slice or thread. Padding adds `+0.0`, which leaves
/// every sum unchanged: on an unweighted graph a pad names `padSource` (the vertex count), and the pull's
/// vector of terms holds a zero one past its last vertex; on a weighted graph a pad names vertex 0 with
/// probability 0 (`x(0) * 0` is zero for a finite `x`).
///
/// Memory: 4 bytes per entry (edges plus padding), 4 per vertex (`order`), 8 per slice, and on a weighted
/// graph 8 more per entry (the probabilities).
public struct PullSlices: Sendable {
    /// Vertices per slice: one 8-lane vector of Double.
    public static let width = 8

    /// Lane `l` of slice `s` is vertex `order[s * width + l]` (the last slice may hold fewer than 8).
    let order: [VertexIndex]
    /// Slice `s`'s entries are `starts[s] ..< starts[s + 1]` (a multiple of `width`): entry `j` of lane
    /// `l` at `starts[s] + j * width + l`.
    let starts: [Int]
    let sources: [VertexIndex]
    /// `P(w, v)` of each entry on a weighted graph (0 for padding); empty otherwise.
    let probabilities: [Double]
    /// Pull band `b` is the slices `bandStarts[b] ..< bandStarts[b + 1]`; `InEdges.bandCount + 1` entries.
    public let bandStarts: [Int]
    /// The source of a pad on an unweighted graph: one past the last vertex.
    let padSource: VertexIndex

    /// Lays out the in-edges `offsets`/`sources` (ascending sources per vertex) of `vertexCount`
    /// vertices; `probabilities` (per in-edge) on a weighted graph, empty otherwise.
    init(vertexCount n: Int, offsets: [Int], sources inSources: [VertexIndex], probabilities inProbabilities: [Double])
    {
        let weighted = !inProbabilities.isEmpty
        let width = Self.width
        // Counting sort by in-degree, descending, stable: ties stay in ascending vertex order.
        var maxDegree = 0
        for v in 0..<n { maxDegree = max(maxDegree, offsets[v + 1] - offsets[v]) }
        var firstOfDegree = [Int](repeating: 0, count: maxDegree + 2)
        for v in 0..<n { firstOfDegree[maxDegree - (offsets[v + 1] - offsets[v]) + 1] += 1 }
        for d in 0...maxDegree { firstOfDegree[d + 1] += firstOfDegree[d] }
        var order = [VertexIndex](repeating: 0, count: n)
        for v in 0..<n {
            let rank = maxDegree - (offsets[v + 1] - offsets[v])
            order[firstOfDegree[rank]] = VertexIndex(truncatingIfNeeded: v)
            firstOfDegree[rank] += 1
        }
        let sliceCount = (n + width - 1) / width
        var starts = [Int](repeating: 0, count: sliceCount + 1)
        for s in 0..<sliceCount {
            // Descending degrees: a slice's first vertex has its longest list.
            let first = Int(order[s * width])
            starts[s + 1] = starts[s] + (offsets[first + 1] - offsets[first]) * width
        }
        padSource = VertexIndex(truncatingIfNeeded: n)
        var sources = [VertexIndex](
            repeating: weighted ? 0 : VertexIndex(truncatingIfNeeded: n), count: starts[sliceCount])
        var probabilities = [Double](repeating: 0, count: weighted ? starts[sliceCount] : 0)
        for (position, vertex) in order.enumerated() {
            let v = Int(vertex)
            var slot = starts[position / width] + position % width
            for e in offsets[v]..<offsets[v + 1] {
                sources[slot] = inSources[e]
                if weighted { probabilities[slot] = inProbabilities[e] }
                slot += width
            }
        }
        self.order = order
        self.starts = starts
        self.sources = sources
        self.probabilities = probabilities
        bandStarts = Self.bands(starts: starts)
    }

    /// Band boundaries with about equal work each: a slice costs its entries plus `width` (its writes).
    private static func bands(starts: [Int]) -> [Int] {
        let slices = starts.count - 1
        let total = starts[slices] + slices * width
        var bands = [0]
        var s = 0
        for b in 1..<InEdges.bandCount {
            let goal = total / InEdges.bandCount * b + total % InEdges.bandCount * b / InEdges.bandCount
            while s < slices, starts[s] + s * width < goal { s += 1 }
            bands.append(s)
        }
        bands.append(slices)
        return bands
    }

    /// Bytes held.
    var byteCount: Int {
        order.count * MemoryLayout<VertexIndex>.stride + starts.count * MemoryLayout<Int>.stride
            + sources.count * MemoryLayout<VertexIndex>.stride + probabilities.count * MemoryLayout<Double>.stride
            + bandStarts.count * MemoryLayout<Int>.stride
    }
}
