/// Builds a `CSRGraph` from an edge list of external ids.
///
/// Method: collect the distinct ids and sort them (internal order = external-id order, so the
/// same edge set always gives the same graph whatever the input order); map each edge to internal
/// indices packed as one `UInt64` (`src << 32 | dst`); sort and collapse duplicates; fill the CSR
/// arrays. Memory is proportional to the edge count (16 bytes per input edge while building), not to
/// the size of the text. `O(m log m)`.
public struct GraphBuilder {
    /// Counts reported by ingest.
    public struct Statistics: Equatable, Sendable {
        public var vertexCount: Int
        public var edgeCount: Int
        /// Vertices with no out-edges.
        public var danglingCount: Int
        /// Distinct edges `v → v` (kept, DESIGN §1).
        public var selfLoopCount: Int
        /// Input edges that repeated an earlier one (collapsed).
        public var duplicateCount: Int
    }

    private var sources: [UInt64] = []
    private var destinations: [UInt64] = []
    private let undirected: Bool

    /// - Parameter undirected: add both directions of every edge.
    public init(undirected: Bool = false) {
        self.undirected = undirected
    }

    /// Number of edges added so far, counting both directions when undirected.
    public var inputEdgeCount: Int { sources.count }

    public mutating func reserveCapacity(_ edges: Int) {
        sources.reserveCapacity(undirected ? 2 * edges : edges)
        destinations.reserveCapacity(undirected ? 2 * edges : edges)
    }

    public mutating func addEdge(from source: UInt64, to destination: UInt64) {
        sources.append(source)
        destinations.append(destination)
        if undirected && source != destination {
            sources.append(destination)
            destinations.append(source)
        }
    }

    /// Builds the graph; throws `GraphError.empty` when no edge was added.
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
        packed.sort()
        let inputCount = packed.count
        packed = Self.uniqued(packed)

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
        let graph = CSRGraph(offsets: offsets, targets: targets, externalIDs: ids)
        let statistics = Statistics(
            vertexCount: ids.count, edgeCount: packed.count, danglingCount: dangling,
            selfLoopCount: selfLoops, duplicateCount: inputCount - packed.count)
        return (graph, statistics)
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
