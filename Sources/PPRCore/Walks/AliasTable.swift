/// The walker's transition tables for a weighted graph: one alias table per vertex (Walker 1977, built
/// with Vose's 1991 method), so a weighted step costs O(1) like an unweighted one.
///
/// For vertex `v` of out-degree `d`, column `c` (edge `e = start(v) + c`) is chosen uniformly, as in an
/// unweighted step; the walk then moves to `targets[e]` with probability `keep(e)`, else to `alias(e)`.
/// The columns' kept and aliased mass add up to `w(v,u) / Σ w(v,·)` for every out-neighbour `u`
/// (DESIGN §1). Entry `e` packs `keep(e)` scaled to 2^32 (low 32 bits: the step keeps `targets[e]`
/// when its 32-bit coin is below it) and the alias target (high 32 bits). The own target is read from
/// `targets[e]`, a load independent of the entry's, so a walk lane has both misses in flight at once.
///
/// Built once per graph in `O(edges)` (deterministic: the same weights always give the same table), and
/// shared by the walkers of all threads (its storage is an immutable array). 8 bytes per edge.
/// Probabilities are exact to within about `d * 2^-32` per edge, the resolution of the unweighted pick.
public struct AliasTable: Sendable {
    /// Per edge: `keep` threshold (low 32 bits) and alias target (high 32 bits), parallel to `targets`.
    let entries: [UInt64]

    /// The table of `graph`'s weights; an unweighted graph gets the table of equal weights.
    public init(graph: CSRGraph) {
        var entries = [UInt64](repeating: 0, count: graph.edgeCount)
        var scaled: [Double] = []
        var small: [Int] = []
        var large: [Int] = []
        for v in 0..<graph.vertexCount {
            let range = graph.neighborRange(VertexIndex(truncatingIfNeeded: v))
            guard !range.isEmpty else { continue }
            Self.fill(
                &entries, range: range, targets: graph.targets, weights: graph.weights,
                scaled: &scaled, small: &small, large: &large)
        }
        self.entries = entries
    }

    /// Edges covered (the graph's edge count).
    public var edgeCount: Int { entries.count }

    /// Vose's method for the edges of one vertex: columns whose scaled mass `d * w / W` is below 1 take the
    /// rest of their column from a column above 1, until every column holds exactly 1. The stacks are
    /// processed in a fixed order, so the result depends on the weights only.
    private static func fill(
        _ entries: inout [UInt64], range: Range<Int>, targets: [VertexIndex], weights: [Double]?,
        scaled: inout [Double], small: inout [Int], large: inout [Int]
    ) {
        let degree = range.count
        var total = 0.0
        for e in range { total += weights?[e] ?? 1 }
        scaled.removeAll(keepingCapacity: true)
        small.removeAll(keepingCapacity: true)
        large.removeAll(keepingCapacity: true)
        for (column, e) in range.enumerated() {
            let mass = Double(degree) * (weights?[e] ?? 1) / total
            scaled.append(mass)
            if mass < 1 { small.append(column) } else { large.append(column) }
        }
        // A full column keeps its own target: alias = own, threshold saturated.
        for column in 0..<degree {
            entries[range.lowerBound + column] = Self.entry(keep: .max, alias: targets[range.lowerBound + column])
        }
        while let column = small.popLast() {
            guard let donor = large.popLast() else {
                // Rounding left a column a hair below 1 with no donor: it is full.
                continue
            }
            let keep = scaled[column] * 4_294_967_296.0
            let threshold = keep >= 4_294_967_295.0 ? UInt32.max : UInt32(keep)
            entries[range.lowerBound + column] = Self.entry(keep: threshold, alias: targets[range.lowerBound + donor])
            scaled[donor] -= 1 - scaled[column]
            if scaled[donor] < 1 { small.append(donor) } else { large.append(donor) }
        }
    }

    @inline(__always)
    private static func entry(keep: UInt32, alias: VertexIndex) -> UInt64 {
        UInt64(keep) | UInt64(alias) << 32
    }
}
