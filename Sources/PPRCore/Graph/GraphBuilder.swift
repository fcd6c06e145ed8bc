/// Builds a `CSRGraph` from an edge list of external ids.
///
/// Method: the input edges are kept in fixed-size blocks of external ids (appending never copies what is
/// stored; a doubling array would hold up to 3× the edges while it grows). `build()` numbers the distinct
/// ids in ascending order (internal order = external-id order, so the same edge set always gives the same
/// graph whatever the input order; `VertexNumbering`), counts each vertex's out-edges, scatters the
/// targets into their vertex's range (freeing each block once read), then sorts every vertex's targets
/// and collapses duplicates in place. Memory while building: 16 bytes per input edge for the blocks
/// (24 when weighted) plus 4 for the scattered targets (16 when weighted), never the text. `O(m log d)`
/// for `m` edges of out-degree `d`.
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

    /// Edges per storage block (8 MiB of ids).
    static let blockEdgeCount = 1 << 19

    /// Full blocks, each `blockEdgeCount` edges as interleaved (source, destination) external ids.
    private var blocks: [[UInt64]] = []
    /// The weights of `blocks` (weighted builders only).
    private var weightBlocks: [[Double]] = []
    /// The block being filled.
    private var block: [UInt64] = []
    private var blockWeights: [Double] = []
    private let undirected: Bool
    /// Whether the built graph will carry edge weights.
    public let isWeighted: Bool
    /// The largest external id added (bounds the numbering's bitmap).
    private var largestID: UInt64 = 0
    /// Number of edges added so far, counting both directions when undirected.
    public private(set) var inputEdgeCount = 0

    /// - Parameters:
    ///   - undirected: add both directions of every edge.
    ///   - weighted: keep each edge's weight; the built graph has `weights` (else every weight is ignored).
    public init(undirected: Bool = false, weighted: Bool = false) {
        self.undirected = undirected
        self.isWeighted = weighted
    }

    /// Adds `source → destination`. An unweighted builder ignores `weight`; a weighted one keeps it, and
    /// `build()` refuses an edge whose (summed) weight is not positive and finite.
    public mutating func addEdge(from source: UInt64, to destination: UInt64, weight: Double = 1) {
        if block.count == 2 * Self.blockEdgeCount { storeBlock() }
        block.append(source)
        block.append(destination)
        if isWeighted { blockWeights.append(weight) }
        largestID = max(largestID, source, destination)
        inputEdgeCount += undirected && source != destination ? 2 : 1
    }

    /// Moves the filled block to `blocks` and starts the next one at full capacity.
    private mutating func storeBlock() {
        blocks.append(block)
        block = []
        block.reserveCapacity(2 * Self.blockEdgeCount)
        if isWeighted {
            weightBlocks.append(blockWeights)
            blockWeights = []
            blockWeights.reserveCapacity(Self.blockEdgeCount)
        }
    }

    /// Builds the graph; throws `GraphError.empty` when no edge was added, `.invalidWeight` when a
    /// weighted edge's summed weight is not positive and finite.
    public consuming func build() throws(GraphError) -> (graph: CSRGraph, statistics: Statistics) {
        guard inputEdgeCount > 0 else { throw .empty("the edge list contains no edges") }
        if !block.isEmpty { storeBlock() }
        block = []
        blockWeights = []
        let numbering = try VertexNumbering(blocks: blocks, largestID: largestID)
        let n = numbering.externalIDs.count

        // Out-degrees, duplicates included, then each vertex's start in the scattered arrays.
        var offsets = [UInt64](repeating: 0, count: n + 1)
        for stored in blocks {
            for e in stride(from: 0, to: stored.count, by: 2) {
                let s = numbering.index(of: stored[e])
                offsets[Int(s) + 1] += 1
                if undirected {
                    let d = numbering.index(of: stored[e + 1])
                    if s != d { offsets[Int(d) + 1] += 1 }
                }
            }
        }
        for v in 0..<n { offsets[v + 1] += offsets[v] }

        var scattered = ScatteredEdges(count: inputEdgeCount, weighted: isWeighted)
        var next = offsets
        while let stored = blocks.popLast() {
            let storedWeights = weightBlocks.popLast()
            for e in stride(from: 0, to: stored.count, by: 2) {
                let s = numbering.index(of: stored[e])
                let d = numbering.index(of: stored[e + 1])
                let weight = storedWeights?[e / 2] ?? 1
                scattered.put(d, weight, at: &next[Int(s)])
                if undirected && s != d { scattered.put(s, weight, at: &next[Int(d)]) }
            }
        }
        next = []

        let counts = try scattered.sortAndMerge(offsets: &offsets, externalIDs: numbering.externalIDs)
        let graph = CSRGraph(
            offsets: offsets, targets: scattered.targets, externalIDs: numbering.externalIDs,
            weights: isWeighted ? scattered.weights : nil)
        let statistics = Statistics(
            vertexCount: n, edgeCount: graph.edgeCount, danglingCount: counts.dangling,
            selfLoopCount: counts.selfLoops, duplicateCount: inputEdgeCount - graph.edgeCount)
        return (graph, statistics)
    }
}

/// The edges scattered into their source's range of the CSR arrays, duplicates still in.
private struct ScatteredEdges {
    var targets: [VertexIndex]
    /// Parallel to `targets` when weighted, else empty.
    var weights: [Double]
    let weighted: Bool

    init(count: Int, weighted: Bool) {
        self.weighted = weighted
        targets = [VertexIndex](repeating: 0, count: count)
        weights = weighted ? [Double](repeating: 0, count: count) : []
    }

    @inline(__always)
    mutating func put(_ target: VertexIndex, _ weight: Double, at slot: inout UInt64) {
        targets[Int(slot)] = target
        if weighted { weights[Int(slot)] = weight }
        slot += 1
    }

    /// Sorts each vertex's targets (by weight among duplicates), collapses duplicates in place summing
    /// their weights in ascending order, and rewrites `offsets` for the merged ranges; the arrays are
    /// trimmed to the merged edge count. Refuses a summed weight that is not positive and finite.
    mutating func sortAndMerge(
        offsets: inout [UInt64], externalIDs: [UInt64]
    ) throws(GraphError) -> (dangling: Int, selfLoops: Int) {
        let n = offsets.count - 1
        var write = 0
        var start = 0
        var dangling = 0
        var selfLoops = 0
        for v in 0..<n {
            let end = Int(offsets[v + 1])
            if weighted {
                sortWeightedTargets(start..<end)
            } else {
                sortTargets(start..<end)
            }
            let first = write
            for read in start..<end {
                if write > first, targets[write - 1] == targets[read] {
                    if weighted { weights[write - 1] += weights[read] }
                    continue
                }
                targets[write] = targets[read]
                if weighted { weights[write] = weights[read] }
                if targets[read] == VertexIndex(v) { selfLoops += 1 }
                write += 1
            }
            if weighted, let bad = weights[first..<write].firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
                throw .invalidWeight(
                    source: externalIDs[v], target: externalIDs[Int(targets[bad])], weight: weights[bad])
            }
            if write == first { dangling += 1 }
            offsets[v + 1] = UInt64(write)
            start = end
        }
        if write < targets.count {
            targets = Array(targets[0..<write])
            if weighted { weights = Array(weights[0..<write]) }
        }
        return (dangling, selfLoops)
    }

    private mutating func sortTargets(_ range: Range<Int>) {
        guard range.count > 1 else { return }
        targets.withUnsafeMutableBufferPointer { all in
            all[range].sort()
        }
    }

    /// Sorts the range by (target, weight), so duplicates sum in ascending weight order.
    private mutating func sortWeightedTargets(_ range: Range<Int>) {
        guard range.count > 1 else { return }
        var pairs = zip(targets[range], weights[range]).map { (target: $0, weight: $1) }
        pairs.sort { a, b in a.target != b.target ? a.target < b.target : a.weight < b.weight }
        for (i, pair) in pairs.enumerated() {
            targets[range.lowerBound + i] = pair.target
            weights[range.lowerBound + i] = pair.weight
        }
    }
}
