/// Vertices to leave out of an answer list (DESIGN §1, Answers).
///
/// Exclusion removes vertices from the list; it never renormalises the remaining scores.
public struct Exclusions: Equatable, Sendable {
    /// Explicitly excluded vertices.
    public var vertices: [VertexIndex]
    /// Leave out the personalization's sources.
    public var sources: Bool
    /// Leave out the sources' out-neighbours (a recommender does not suggest what is already linked).
    public var sourceNeighbors: Bool

    public init(vertices: [VertexIndex] = [], sources: Bool = false, sourceNeighbors: Bool = false) {
        self.vertices = vertices
        self.sources = sources
        self.sourceNeighbors = sourceNeighbors
    }

    /// No exclusions.
    public static let none = Exclusions()

    /// The excluded vertex set for one query, sorted ascending and distinct.
    public func resolve(personalization: Personalization, graph: CSRGraph) -> ExcludedSet {
        var excluded = vertices
        if sources { excluded += personalization.sources }
        if sourceNeighbors {
            for source in personalization.sources where Int(source) < graph.vertexCount {
                excluded += graph.targets[graph.neighborRange(source)]
            }
        }
        return ExcludedSet(excluded)
    }
}

/// A sorted set of excluded vertices with `O(log n)` membership, consulted only for candidates that would
/// enter the top-k (so its cost does not grow with the graph).
public struct ExcludedSet: Equatable, Sendable {
    /// Ascending, distinct.
    public let vertices: [VertexIndex]

    public init(_ vertices: [VertexIndex]) {
        var sorted = vertices.sorted()
        var write = 0
        for read in sorted.indices where read == 0 || sorted[read] != sorted[write - 1] {
            sorted[write] = sorted[read]
            write += 1
        }
        sorted.removeLast(sorted.count - write)
        self.vertices = sorted
    }

    /// The empty set.
    public static let empty = ExcludedSet([])

    /// Whether `v` is excluded.
    public func contains(_ v: VertexIndex) -> Bool {
        var low = 0
        var high = vertices.count
        while low < high {
            let mid = (low + high) / 2
            if vertices[mid] < v { low = mid + 1 } else { high = mid }
        }
        return low < vertices.count && vertices[low] == v
    }
}
