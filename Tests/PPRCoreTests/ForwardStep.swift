import PPRCore

/// One step of the PPR equation computed independently of `InEdges`, from the out-edge lists of an
/// unweighted graph and all in Double: the tests' reference for `PPREquationStep` and `ScoreRefinement`.
enum ForwardStep {
    /// `(M x)(v) = ((1 - alpha) sum over w -> v, w != v of x(w) / d(w) + (alpha sum(x) + (1 - alpha) D(x))
    /// p(v)) / (1 - (1 - alpha) P(v, v))`, with `P(v, v)` the share of `v`'s out-edges that are self-loops
    /// (each self-loop's term solved, `PPREquationStep`).
    static func apply(_ x: [Double], graph: CSRGraph, personalization: Personalization, alpha: Double) -> [Double] {
        let n = graph.vertexCount
        var pulled = [Double](repeating: 0, count: n)
        var loop = [Double](repeating: 0, count: n)
        var dangling = 0.0
        for w in 0..<n {
            let range = graph.neighborRange(VertexIndex(w))
            if range.isEmpty { dangling += x[w] }
            for e in range {
                let v = Int(graph.targets[e])
                if v == w {
                    loop[w] += 1 / Double(range.count)
                } else {
                    pulled[v] += x[w] / Double(range.count)
                }
            }
        }
        let restart = alpha * x.reduce(0, +) + (1 - alpha) * dangling
        var next = pulled.map { (1 - alpha) * $0 }
        for entry in personalization.entries { next[Int(entry.vertex)] += restart * entry.weight }
        return (0..<n).map { next[$0] / (1 - (1 - alpha) * loop[$0]) }
    }

    /// `graph` with its self-loops left out (the same external ids; a vertex whose only edges were loops
    /// is gone).
    static func withoutSelfLoops(_ graph: CSRGraph) throws -> CSRGraph {
        var builder = GraphBuilder()
        for w in 0..<graph.vertexCount {
            for e in graph.neighborRange(VertexIndex(w)) where Int(graph.targets[e]) != w {
                builder.addEdge(
                    from: graph.id(of: VertexIndex(w)).rawValue, to: graph.id(of: graph.targets[e]).rawValue)
            }
        }
        return try builder.build().graph
    }
}
