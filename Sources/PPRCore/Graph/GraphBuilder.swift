/// Builds a `CSRGraph` from an edge list of external ids.
///
/// Method: collect the distinct ids and sort them (internal order = external-id order, so the
/// same edge set always gives the same graph whatever the input order); map each edge to internal
/// indices packed as one `UInt64` (`src << 32 | dst`); sort and collapse duplicates; fill the CSR
/// arrays. Memory is proportional to the edge count (16 bytes per input edge while building, 24 when
/// weighted), not to the size of the text. `O(m log m)`.
///
/// Weighted builders merge duplicate edges by **summing** their weights (an edge listed twice with
/// weights 2 and 3 becomes one edge of weight 5); with `undirected`, `a b w` and `b a w'` are
/// duplicates of each other too. The duplicates of an edge are summed in ascending weight order, so
/// the sum, like the graph, does not depend on the input order. networkx's `DiGraph` keeps the last
/// weight instead: to compare, sum duplicates before building the networkx graph (README).
public struct GraphBuilder {
    /// Counts reported by ingest.
    public struct Statistics: Equatable, Sendable {
        public var vertexCount: Int
        public var edgeCount: Int
        /// Vertices with no out-edges.
        public var danglingCount: Int
        /// Distinct edges `v → v` (kept, DESIGN §1).
        public var selfLoopCount: Int
        /// Input edges that repeated an earlier one (collapsed; weights summed).
        public var duplicateCount: Int
    }

    private var sources: [UInt64] = []
    private var destinations: [UInt64] = []
    /// Parallel to `sources` when weighted, else nil.
    private var weights: [Double]?
    private let undirected: Bool

    /// - Parameters:
    ///   - undirected: add both directions of every edge.
    ///   - weighted: keep each edge's weight; the built graph has `weights` (else every weight is ignored).
    public init(undirected: Bool = false, weighted: Bool = false) {
        self.undirected = undirected
        self.weights = weighted ? [] : nil
    }

    /// Whether the built graph will carry edge weights.
    public var isWeighted: Bool { weights != nil }

    /// Number of edges added so far, counting both directions when undirected.
    public var inputEdgeCount: Int { sources.count }

    public mutating func reserveCapacity(_ edges: Int) {
        sources.reserveCapacity(undirected ? 2 * edges : edges)
        destinations.reserveCapacity(undirected ? 2 * edges : edges)
        weights?.reserveCapacity(undirected ? 2 * edges : edges)
    }

    /// Adds `source → destination`. An unweighted builder ignores `weight`; a weighted one keeps it, and
    /// `build()` refuses an edge whose (summed) weight is not positive and finite.
    public mutating func addEdge(from source: UInt64, to destination: UInt64, weight: Double = 1) {
        sources.append(source)
        destinations.append(destination)
        weights?.append(weight)
        if undirected && source != destination {
            sources.append(destination)
            destinations.append(source)
            weights?.append(weight)
        }
    }

    /// Builds the graph; throws `GraphError.empty` when no edge was added, `.invalidWeight` when a
    /// weighted edge's summed weight is not positive and finite.
    public consuming func build() throws(GraphError) -> (graph: CSRGraph, statistics: Statistics) {
        guard !sources.isEmpty else { throw .empty("the edge list contains no edges") }
        var ids = sources + destinations
        ids.sort()
        ids = Self.uniqued(ids)
        guard ids.count <= Int(VertexIndex.max) else { throw .corrupt("more than \(VertexIndex.max) vertices") }

        var packed = [UInt64](repeating: 0, count: sources.count)
        for i in 0..<sources.count {
            let s = UInt64(Self.position(of: sources[i], in: ids))
            let d = UInt64(Self.position(of: destinations[i], in: ids))
            packed[i] = s << 32 | d
        }
        sources = []
        destinations = []
        let inputCount = packed.count
        var mergedWeights: [Double]?
        if let weights {
            (packed, mergedWeights) = try Self.mergedWeightedEdges(packed, weights, ids: ids)
            self.weights = []
        } else {
            packed.sort()
            packed = Self.uniqued(packed)
        }

        var offsets = [UInt64](repeating: 0, count: ids.count + 1)
        var targets = [VertexIndex](repeating: 0, count: packed.count)
        var selfLoops = 0
        for (e, edge) in packed.enumerated() {
            let s = Int(edge >> 32)
            let d = VertexIndex(truncatingIfNeeded: edge)
            offsets[s + 1] += 1
            targets[e] = d
            if s == Int(d) { selfLoops += 1 }
        }
        var dangling = 0
        for v in 0..<ids.count {
            if offsets[v + 1] == 0 { dangling += 1 }
            offsets[v + 1] += offsets[v]
        }
        let graph = CSRGraph(offsets: offsets, targets: targets, externalIDs: ids, weights: mergedWeights)
        let statistics = Statistics(
            vertexCount: ids.count, edgeCount: packed.count, danglingCount: dangling,
            selfLoopCount: selfLoops, duplicateCount: inputCount - packed.count)
        return (graph, statistics)
    }

    /// Sorts the packed edges with their weights and merges duplicates, summing weights in ascending
    /// order (input-order independent); refuses a sum that is not positive and finite, naming the edge.
    private static func mergedWeightedEdges(
        _ packed: [UInt64], _ weights: [Double], ids: [UInt64]
    ) throws(GraphError) -> (edges: [UInt64], weights: [Double]) {
        // Sorting (edge, weight) pairs in place keeps the comparisons on contiguous memory.
        var pairs = (0..<packed.count).map { (edge: packed[$0], weight: weights[$0]) }
        pairs.sort { a, b in a.edge != b.edge ? a.edge < b.edge : a.weight < b.weight }
        var edges: [UInt64] = []
        var sums: [Double] = []
        edges.reserveCapacity(pairs.count)
        sums.reserveCapacity(pairs.count)
        for pair in pairs {
            if let last = edges.last, last == pair.edge {
                sums[sums.count - 1] += pair.weight
            } else {
                edges.append(pair.edge)
                sums.append(pair.weight)
            }
        }
        if let bad = sums.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
            let edge = edges[bad]
            throw .invalidWeight(
                source: ids[Int(edge >> 32)], target: ids[Int(edge & 0xFFFF_FFFF)], weight: sums[bad])
        }
        return (edges, sums)
    }

    private static func uniqued(_ sorted: [UInt64]) -> [UInt64] {
        var result = sorted
        var write = 0
        for read in 0..<result.count where read == 0 || result[read] != result[write - 1] {
            result[write] = result[read]
            write += 1
        }
        result.removeLast(result.count - write)
        return result
    }

    private static func position(of id: UInt64, in sortedIDs: [UInt64]) -> Int {
        var low = 0
        var high = sortedIDs.count
        while low < high {
            let mid = (low + high) / 2
            if sortedIDs[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
