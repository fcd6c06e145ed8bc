/// How much flow a vertex must hold to be expanded (DESIGN §2 "Query", and the presets' degree-aware
/// rule): the one place that decides it. The single-query push (`Decomposition`) and the shared block
/// push (`BlockDecomposition+Push.swift`) both call `threshold(outDegree:)`, so a change of the threshold is
/// an edit here and nowhere else; the weight a frontier vertex with `R(u)` walks is combined at is
/// `WalkBudget.combineWeights`'s (a change of the walks per vertex touches both).
///
/// The rule: a vertex of out-degree `d` below the mean degree `d̄` has the
/// threshold `eps * max(lowDegreeFactor, d / d̄)`, others `eps * R(u) / R` (`R(u)`: its walks in the index).
/// Expanding costs `d` pushes and keeps `alpha * f` exactly, so cheap vertices are expanded further; a
/// vertex with more walks is combined through its larger fingerprint instead. Dangling vertices are always expanded (their
/// fingerprint is exactly `alpha * e_v`); callers test `d > 0` before asking, because the push branches
/// on it anyway.
///
/// Computed per vertex from the out-degree the push has already read (a multiply and a compare, no
/// memory read).
struct ExpansionThreshold {
    let eps: Double
    let lowDegreeFactor: Double
    /// `vertexCount / edgeCount`: `1 / d̄`.
    let inverseMeanDegree: Double
    /// The index's walks per vertex: a vertex with `R(u)` walks keeps flow up to `R(u) / R` times more.
    let walkBudget: WalkBudget

    init(graph: CSRGraph, eps: Double, lowDegreeFactor: Double, walkBudget: WalkBudget) {
        self.eps = eps
        self.lowDegreeFactor = lowDegreeFactor
        self.walkBudget = walkBudget
        inverseMeanDegree = Double(max(1, graph.vertexCount)) / Double(max(1, graph.edgeCount))
    }

    /// The threshold of a vertex of out-degree `outDegree > 0`: it is expanded when its flow is above it.
    @inline(__always)
    func threshold(outDegree: Int) -> Double {
        let relative = Double(outDegree) * inverseMeanDegree
        return relative >= 1 ? eps * walkBudget.ratio(outDegree: outDegree) : eps * max(lowDegreeFactor, relative)
    }
}
