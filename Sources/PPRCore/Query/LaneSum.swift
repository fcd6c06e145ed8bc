/// Sums over a whole dense vector in four interleaved partial sums: the one summation order of the
/// vertex-order passes a query makes over `n` values (normalising the answer, a PPR-equation step's
/// `sum(x)`), so every path that must agree bit for bit (the fast step and its reference, see
/// `PPREquationStep`) calls this.
///
/// Why four lanes: one chain of additions waits for the previous addition (~4 cycles) at every vertex, so a
/// pass over soc-Slashdot0902's 82k vertices took ~0.1 ms on the query's critical path, once per
/// normalisation and once per step; four independent chains (added as `(s0 + s1) + (s2 + s3)`, value `v`
/// going to lane `v % 4`) let the additions overlap and the compiler use vector adds.
public enum LaneSum {
    /// `sum over v of values[v]` in the lane order the type documents.
    @inline(__always)
    public static func sum(_ values: Span<Double>) -> Double {
        var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
        let n = values.count
        let whole = n / 4 * 4
        var v = 0
        while v < whole {
            s0 += values[unchecked: v]
            s1 += values[unchecked: v + 1]
            s2 += values[unchecked: v + 2]
            s3 += values[unchecked: v + 3]
            v += 4
        }
        if v < n { s0 += values[unchecked: v] }
        if v + 1 < n { s1 += values[unchecked: v + 1] }
        if v + 2 < n { s2 += values[unchecked: v + 2] }
        return (s0 + s1) + (s2 + s3)
    }

    /// `sum over v of values[v]` and `sum over v of values[v] * weights[v]`, both in the lane order, handing
    /// each product to `store(v, product)` (a PPR step's first pass: the products are its prescaled terms).
    @inline(__always)
    static func sumAndWeighted(
        _ values: Span<Double>, weights: Span<Double>, store: (Int, Double) -> Void
    ) -> (sum: Double, weighted: Double) {
        var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
        var (m0, m1, m2, m3) = (0.0, 0.0, 0.0, 0.0)
        let n = values.count
        var v = 0
        while v + 4 <= n {
            let (x0, x1, x2, x3) = (
                values[unchecked: v], values[unchecked: v + 1], values[unchecked: v + 2], values[unchecked: v + 3]
            )
            let (p0, p1, p2, p3) = (
                x0 * weights[unchecked: v], x1 * weights[unchecked: v + 1], x2 * weights[unchecked: v + 2],
                x3 * weights[unchecked: v + 3]
            )
            (s0, s1, s2, s3) = (s0 + x0, s1 + x1, s2 + x2, s3 + x3)
            (m0, m1, m2, m3) = (m0 + p0, m1 + p1, m2 + p2, m3 + p3)
            store(v, p0)
            store(v + 1, p1)
            store(v + 2, p2)
            store(v + 3, p3)
            v += 4
        }
        // The tail (at most 3 values) goes to lanes 0, 1, 2 in turn: lane `v % 4`, as in the loop.
        if v < n { (s0, m0) = tail(v, s0, m0) }
        if v + 1 < n { (s1, m1) = tail(v + 1, s1, m1) }
        if v + 2 < n { (s2, m2) = tail(v + 2, s2, m2) }
        return ((s0 + s1) + (s2 + s3), (m0 + m1) + (m2 + m3))

        func tail(_ v: Int, _ s: Double, _ m: Double) -> (Double, Double) {
            let x = values[unchecked: v]
            let p = x * weights[unchecked: v]
            store(v, p)
            return (s + x, m + p)
        }
    }
}
