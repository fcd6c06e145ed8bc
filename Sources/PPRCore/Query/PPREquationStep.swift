/// One step of the PPR equation over the whole answer ("smoothing", issue 6): the reference form every
/// path (in-process, the coordinator's merge, the block combine) must agree with.
///
/// Exact PPR satisfies `pi = alpha p + (1 - alpha) (P^T pi + D(pi) p)` (DESIGN §1: a walk at a dangling
/// vertex restarts from `p`; `D(x)` is the mass of `x` on dangling vertices). The step used here is its
/// linear, mass-preserving form `M x = (1 - alpha) P^T x + (alpha sum(x) + (1 - alpha) D(x)) p`, equal to
/// the equation's right-hand side on a normalised `x`. Linear, so a block's shards may each apply it to
/// their own share and the coordinator add the results; mass-preserving, so `sum(M x) = sum(x)`.
///
/// Why: applied to a Monte Carlo answer `a = pi + e`, it leaves `pi` fixed and turns the error into
/// `(1 - alpha) P^T e` (plus its dangling share): each vertex's error becomes a weighted average of its
/// in-neighbours' errors, so the fingerprints' noise averages out. Measured (`pwbench engine
/// --diagnose`, soc-Slashdot0902, 30 uniform sources): the default preset's L1 0.065 goes to 0.027 after
/// one step and 0.016 after two.
///
/// Deterministic: every vertex's value is its in-edges' sum in ascending source order, then the restart
/// term, so any split of the vertices over threads gives the same bits.
public enum PPREquationStep {
    /// `M x` for one query, `x` indexed by `VertexIndex` (`x.count` must equal `inEdges.vertexCount`;
    /// otherwise `x` is returned unchanged).
    public static func apply(
        _ x: [Double], personalization: Personalization, alpha: Double, inEdges: InEdges
    ) -> [Double] {
        guard x.count == inEdges.vertexCount else { return x }
        var next = [Double](repeating: 0, count: x.count)
        for v in 0..<x.count { next[v] = (1 - alpha) * inEdges.pull(v, from: x) }
        var total = 0.0
        for value in x { total += value }
        let restart = alpha * total + (1 - alpha) * inEdges.danglingMass(x)
        for entry in personalization.entries { next[Int(entry.vertex)] += restart * entry.weight }
        return next
    }
}
