/// The classes of query sources that accuracy is measured on (issue 6 item 3): a preset must hold its
/// precision on each class, not only on average.
///
/// - `uniform`: uniform over the vertices with out-degree >= 1 (what most queries look like);
/// - `hub`: the top 1% of vertices by out-degree (at least one vertex; ties by lower `VertexIndex`): their
///   flow spreads over many neighbours at the first level, so they stress the frontier;
/// - `dangling`: vertices with no out-edge. Under DESIGN §1 a walk at a dangling vertex restarts from `p`,
///   so for a dangling single source `pi = e_source` exactly; the class checks that the engine returns
///   exactly that (no mass lost, nothing else listed).
public enum AccuracySourceClass: String, CaseIterable, Sendable, CustomStringConvertible {
    case uniform
    case hub
    case dangling

    /// The share of vertices, by out-degree, that count as hubs.
    public static let hubShare = 0.01

    public var description: String { rawValue }

    /// Every vertex of the class, in `VertexIndex` order (hubs: in out-degree order, highest first).
    public func members(of graph: CSRGraph) -> [VertexIndex] {
        let all = (0..<graph.vertexCount).map { VertexIndex(truncatingIfNeeded: $0) }
        switch self {
        case .uniform: return all.filter { graph.outDegree($0) > 0 }
        case .dangling: return all.filter { graph.outDegree($0) == 0 }
        case .hub:
            let count = max(1, Int((Double(graph.vertexCount) * Self.hubShare).rounded(.up)))
            let ranked = all.filter { graph.outDegree($0) > 0 }.sorted {
                let (a, b) = (graph.outDegree($0), graph.outDegree($1))
                return a > b || (a == b && $0 < $1)
            }
            return Array(ranked.prefix(count))
        }
    }

    /// Up to `count` distinct members drawn with `seed` (all of them, in draw order, when the class is
    /// smaller): a partial Fisher-Yates shuffle driven by `WalkSeed(rawState:)`, so the same graph, class,
    /// count and seed give the same sources.
    public func sample(_ graph: CSRGraph, count: Int, seed: UInt64) -> [VertexIndex] {
        var pool = members(of: graph)
        var random = WalkSeed(rawState: WalkSeed.mix(seed ^ salt))
        let taken = min(max(0, count), pool.count)
        for i in 0..<taken {
            pool.swapAt(i, i + Int(random.next() % UInt64(pool.count - i)))
        }
        return Array(pool.prefix(taken))
    }

    /// Separates the classes' random streams under one seed.
    private var salt: UInt64 {
        switch self {
        case .uniform: 1
        case .hub: 2
        case .dangling: 3
        }
    }
}
