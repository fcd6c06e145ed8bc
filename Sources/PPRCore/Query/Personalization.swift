/// The personalization `p` of a query (DESIGN §1): one source vertex, or weighted sources.
///
/// Invariants: `entries` sorted ascending by vertex, one entry per vertex, every weight > 0, and the
/// weights sum to 1 (up to rounding). Duplicated vertices in the input are merged by adding their
/// weights before normalising, so `[(3, 1), (3, 1), (5, 2)]` is `{3: 0.5, 5: 0.5}`.
public struct Personalization: Equatable, Sendable {
    /// The sources and their normalised weights, ascending by vertex.
    public let entries: [WeightedVertex]

    /// A single source with weight 1.
    public init(source: VertexIndex) {
        entries = [WeightedVertex(vertex: source, weight: 1)]
    }

    /// Weighted sources; weights need not sum to 1 (they are normalised).
    ///
    /// - Throws: `PersonalizationError` naming the first bad weight, or `.empty`.
    public init(_ weightedSources: [(VertexIndex, Double)]) throws(PersonalizationError) {
        guard !weightedSources.isEmpty else { throw .empty }
        for (vertex, weight) in weightedSources {
            guard weight.isFinite else { throw .nonFiniteWeight(vertex: vertex, weight: weight) }
            guard weight > 0 else { throw .nonPositiveWeight(vertex: vertex, weight: weight) }
        }
        let sorted = weightedSources.sorted { $0.0 < $1.0 }
        var merged: [WeightedVertex] = []
        merged.reserveCapacity(sorted.count)
        for (vertex, weight) in sorted {
            if let last = merged.last, last.vertex == vertex {
                merged[merged.count - 1].weight += weight
            } else {
                merged.append(WeightedVertex(vertex: vertex, weight: weight))
            }
        }
        // Summed in ascending vertex order, so the same input always normalises to the same bits.
        let total = merged.reduce(0.0) { $0 + $1.weight }
        guard total.isFinite else { throw .weightSumNotFinite }
        entries = merged.map { WeightedVertex(vertex: $0.vertex, weight: $0.weight / total) }
    }

    /// Equal weights over `sources` (duplicates merged, so they count twice).
    public init(uniformOver sources: [VertexIndex]) throws(PersonalizationError) {
        try self.init(sources.map { ($0, 1.0) })
    }

    /// The source vertices, ascending.
    public var sources: [VertexIndex] { entries.map(\.vertex) }

    /// Checks that every source is a vertex of a graph with `vertexCount` vertices.
    public func validate(vertexCount: Int) throws(PersonalizationError) {
        for entry in entries where Int(entry.vertex) >= vertexCount {
            throw .vertexOutOfRange(vertex: entry.vertex, vertexCount: vertexCount)
        }
    }

    /// `p` as a dense vector of length `vertexCount` (for the exact solver).
    public func dense(vertexCount: Int) -> [Double] {
        var vector = [Double](repeating: 0, count: vertexCount)
        for entry in entries { vector[Int(entry.vertex)] = entry.weight }
        return vector
    }
}

/// A personalization that cannot be built; each case names the offending argument.
public enum PersonalizationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No source was given.
    case empty
    /// A weight is zero or negative.
    case nonPositiveWeight(vertex: VertexIndex, weight: Double)
    /// A weight is NaN or infinite.
    case nonFiniteWeight(vertex: VertexIndex, weight: Double)
    /// The weights are finite but their sum overflows.
    case weightSumNotFinite
    /// A source is not a vertex of the graph.
    case vertexOutOfRange(vertex: VertexIndex, vertexCount: Int)

    public var description: String {
        switch self {
        case .empty: "invalid personalization: no source vertex given"
        case .nonPositiveWeight(let v, let w): "invalid weight \(w) for source vertex index \(v): expected > 0"
        case .nonFiniteWeight(let v, let w):
            "invalid weight \(w) for source vertex index \(v): expected a finite number"
        case .weightSumNotFinite: "invalid personalization: the sum of the weights overflows"
        case .vertexOutOfRange(let v, let n): "source vertex index \(v) out of range: the graph has \(n) vertices"
        }
    }
}
