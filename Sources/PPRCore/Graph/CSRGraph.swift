/// A directed graph in compressed sparse row form.
///
/// Invariants (checked by `validate()` and on every load):
/// - `offsets.count == vertexCount + 1`, `offsets[0] == 0`, offsets non-decreasing,
///   `offsets.last == targets.count`;
/// - every target `< vertexCount`; each vertex's targets sorted ascending and distinct
///   (duplicate edges collapse; self-loops are kept);
/// - `externalIDs` strictly ascending, so `VertexIndex` order is external-id order;
/// - `weights`, when present, parallel to `targets`, every weight positive and finite.
public struct CSRGraph: Sendable {
    /// Out-edge ranges: the neighbours of `v` are `targets[offsets[v]..<offsets[v+1]]`.
    public let offsets: [UInt64]
    /// Concatenated out-neighbour lists.
    public let targets: [VertexIndex]
    /// `externalIDs[v]` is the user's id of internal vertex `v`.
    public let externalIDs: [UInt64]
    /// Edge weights parallel to `targets`, or nil for an unweighted graph (every out-edge equally likely).
    /// A walk at `v` moves along edge `e` with probability `weights[e] / Σ weights[neighborRange(v)]` (DESIGN §1).
    public let weights: [Double]?

    public init(offsets: [UInt64], targets: [VertexIndex], externalIDs: [UInt64], weights: [Double]? = nil) {
        self.offsets = offsets
        self.targets = targets
        self.externalIDs = externalIDs
        self.weights = weights
    }

    public var vertexCount: Int { externalIDs.count }
    /// Whether transitions follow edge weights rather than being uniform over out-neighbours.
    public var isWeighted: Bool { weights != nil }
    public var edgeCount: Int { targets.count }

    @inline(__always)
    public func outDegree(_ v: VertexIndex) -> Int {
        Int(offsets[Int(v) + 1] &- offsets[Int(v)])
    }

    /// Range of `v`'s neighbours inside `targets`.
    @inline(__always)
    public func neighborRange(_ v: VertexIndex) -> Range<Int> {
        Int(offsets[Int(v)])..<Int(offsets[Int(v) + 1])
    }

    /// The internal index of an external id, or nil if the graph does not contain it.
    public func index(of id: VertexID) -> VertexIndex? {
        var low = 0
        var high = externalIDs.count
        while low < high {
            let mid = (low + high) / 2
            if externalIDs[mid] < id.rawValue { low = mid + 1 } else { high = mid }
        }
        guard low < externalIDs.count, externalIDs[low] == id.rawValue else { return nil }
        return VertexIndex(low)
    }

    /// The external id of an internal vertex.
    @inline(__always)
    public func id(of v: VertexIndex) -> VertexID { VertexID(externalIDs[Int(v)]) }

    /// Checks every structural invariant; a graph that passes can be walked without bounds surprises.
    public func validate() throws(GraphError) {
        let n = externalIDs.count
        guard offsets.count == n + 1, offsets.first == 0, offsets.last == UInt64(targets.count) else {
            throw .corrupt("offset table does not match the vertex and edge counts")
        }
        guard n <= Int(VertexIndex.max) else { throw .corrupt("more than \(VertexIndex.max) vertices") }
        if let weights {
            guard weights.count == targets.count else { throw .corrupt("weight table does not match the edge count") }
            if let bad = weights.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
                throw .corrupt("edge \(bad) has weight \(weights[bad]); weights must be positive and finite")
            }
        }
        for v in 0..<n {
            guard offsets[v] <= offsets[v + 1] else { throw .corrupt("offsets decrease at vertex index \(v)") }
            if v > 0, externalIDs[v - 1] >= externalIDs[v] {
                throw .corrupt("external ids are not strictly ascending at index \(v)")
            }
            var previous: Int64 = -1
            for e in Int(offsets[v])..<Int(offsets[v + 1]) {
                let t = targets[e]
                guard Int(t) < n else { throw .corrupt("edge target \(t) out of range at vertex index \(v)") }
                guard Int64(t) > previous else { throw .corrupt("neighbours of vertex index \(v) not sorted/distinct") }
                previous = Int64(t)
            }
        }
    }
}

/// Why a graph could not be built or loaded.
public enum GraphError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The data does not describe a valid graph (bad structure, checksum, magic...).
    case corrupt(String)
    /// The input describes no edges at all.
    case empty(String)
    /// A weighted edge (external ids) whose weight, after summing its duplicates, is not positive and finite.
    case invalidWeight(source: UInt64, target: UInt64, weight: Double)

    public var description: String {
        switch self {
        case .corrupt(let why): "corrupt graph: \(why)"
        case .empty(let why): "empty graph: \(why)"
        case .invalidWeight(let source, let target, let weight):
            "edge \(source) -> \(target) has weight \(weight) after summing its duplicates; "
                + "weights must be positive and finite"
        }
    }
}
