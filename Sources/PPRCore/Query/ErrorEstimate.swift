/// The engine's own estimate of the L1 distance between a returned (normalised) answer and exact PPR.
///
/// Model: the expand step is exact; all error is Monte Carlo error of the combine step. Coordinate `u`
/// of the combined frontier is `c(u) = sum over v of w_v * F_v(u)` with `F_v(u) = alpha * visits / R`.
/// For visit counts of small expectation `Var(F_v(u)) ≈ kappa * alpha * pt_v(u) / R`, so
/// `Var(c(u)) ≈ kappa * alpha / R * sum_v w_v^2 pt_v(u) ≈ kappa * alpha / R * wEff * c(u)`, where
/// `wEff = sum w_v^2 / sum w_v` is the frontier's flow-weighted mean weight (after sampling). Summing
/// the expected absolute deviations over the coordinates the query saw gives
/// `L1 ≈ scale * sqrt(alpha * wEff / R) * sum_u sqrt(c(u)) / totalMass`.
/// `scale` (folding `kappa` and the normal `sqrt(2/pi)`) is measured against exact PPR on
/// soc-Slashdot0902 and wiki-Vote.
///
/// Walks per vertex that grow with the out-degree (`WalkAllocation`): `F_v` then averages `R(v)` walks, so
/// `Var(F_v(u)) ≈ kappa * alpha * pt_v(u) / R(v)` and `w_v^2` above becomes `w_v^2 * R / R(v)` with `R` the
/// index's base walk count. `Decomposition.expand` sums that form into `frontierSecondMoment`
/// (`WalkBudget.combineWeights`), so this estimate reads the base R and needs no per-vertex data.
///
/// Cost: one pass over the combined frontier (`spread`); nothing is stored at index time.
///
/// After steps of the PPR equation (`QueryParameters.smoothingSteps`, `PPREquationStep`): a step turns the
/// error `e` into `(1 - alpha) P^T e` with each self-loop's term solved, so vertex `v`'s new error is
/// `(1 - alpha) s(v) sum over w -> v, w != v of P(w, v) e(w)`, with `s(v) = 1 / (1 - (1 - alpha) P(v, v))`
/// (`InEdges.loopScale`; 1 without a loop). With independent coordinate errors of variance `∝ c(w)` its
/// variance is `(1 - alpha)^2 s(v)^2 sum over w -> v of c(w) P(w, v)^2` while its frontier part is
/// `(1 - alpha) s(v) sum c(w) P(w, v)`: per unit of `sqrt(c)` the expected absolute error shrinks by
/// `sqrt((1 - alpha) * q)`, where `q` is a mean of `q(w) = sum over v != w of (P(w, v) s(v))^2` (`1 / d(w)`
/// on an unweighted graph without self-loops; 0 for a dangling vertex; `InEdges.squaredTransitionSum`, at
/// the default alpha) weighted by the combined frontier: over the whole vector,
/// `q = sum_w c(w) q(w) / sum_w c(w)`. The first step multiplies the estimate by `m = sqrt((1 - alpha) q)`.
/// After it the errors of neighbouring vertices are correlated: on a graph whose edges mostly have a
/// reverse edge, a step sends part of each error back where it came from (`w -> v -> w`), so later steps
/// average less. Each later step multiplies the estimate by `(1 - s) m + s m^(1/2)` with
/// `s = min(1, r / 0.85)`, `r` the graph's reciprocity (`InEdges.reciprocity`: the share of edges between
/// distinct vertices whose reverse is an edge; a graph-level constant). So after `k >= 1` steps the
/// estimate is `l1 * m * ((1 - s) m + s m^(1/2))^(k - 1)`. On a graph with self-loops the stepped answer
/// is normalised again (`AnswerSmoothing`), and the estimate divided by the same mass.
///
/// Measured (`pwbench engine --sweep` with 0 to 4 steps at the default eps, 30-40 uniform sources; true L1
/// shrink of the first step vs the estimate's, of the later steps vs the later-step factor):
/// soc-Slashdot0902 (r 0.84; 78,303 of 82,168 vertices with a self-loop) 0.24 vs 0.24, 0.35-0.48 vs 0.49
/// (sources within 2x: 93 % at 2, 3 and 4 steps); email-Eu-core (r 0.71) 0.21 vs 0.22, 0.41-0.67 vs
/// 0.42-0.46; wiki-Vote (r 0.056) 0.26 vs 0.25, 0.30-0.5 vs 0.28. Before the loops were solved, a loop sent
/// its vertex's error straight back and the later-step factor was `m^(1/4)` (Slashdot's second step
/// shrank the L1 by 0.56-0.59 then).
///
/// For a block path: `sum_w c(w) q(w)` and `sum_w c(w)` are sums over the combined frontier, so each shard
/// can sum them over its own partial sums and the coordinator add them; a single query reads them off the
/// normalised answer `a` as `total * sum a(w) q(w) - sum over pushed of f q(w)` (`frontierMoments`; the
/// first step's pass over `a` sums `a(w) q(w)` anyway).
public enum ErrorEstimate {
    /// Calibration constant measured against exact PPR (see the type's documentation).
    public static let scale = 1.0

    /// `sum_u sqrt(c(u))` over a dense vector of combined frontier sums (before the pushed mass is added).
    /// Four partial sums and no branch (a non-positive sum counts `sqrt(0)`): one pass over the graph's
    /// vertices on the query's critical path, so its additions and square roots must overlap (an estimate
    /// needs no particular summation order).
    public static func spread(_ combined: [Double]) -> Double {
        var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
        let span = combined.span
        let whole = span.count / 4 * 4
        var u = 0
        while u < whole {
            s0 += max(span[unchecked: u], 0).squareRoot()
            s1 += max(span[unchecked: u + 1], 0).squareRoot()
            s2 += max(span[unchecked: u + 2], 0).squareRoot()
            s3 += max(span[unchecked: u + 3], 0).squareRoot()
            u += 4
        }
        while u < span.count {
            s0 += max(span[unchecked: u], 0).squareRoot()
            u += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// `sum_u sqrt(c(u))` over sparse sums.
    public static func spread(_ values: some Sequence<Double>) -> Double {
        var total = 0.0
        for value in values where value > 0 { total += value.squareRoot() }
        return total
    }

    /// The estimate from the spread of the combined frontier and the expansion's frontier statistics.
    public static func l1(
        spread: Double, statistics: Expansion.Statistics, walk: WalkParameters, totalMass: Double
    ) -> Double {
        let flow = statistics.sampledFrontierFlow
        guard flow > 0, totalMass > 0, walk.walksPerVertex > 0 else { return 0 }
        let meanWeight = statistics.frontierSecondMoment / flow
        let estimate =
            scale * (walk.restartProbability * meanWeight / Double(walk.walksPerVertex)).squareRoot()
            * spread / totalMass
        return estimate.isFinite ? min(estimate, 2) : 2
    }

    /// The factor by which `steps` steps of the PPR equation (`PPREquationStep`) shrink the estimate
    /// (1 for `steps == 0`; see the type's documentation, "After steps of the PPR equation").
    public static func smoothingFactor(
        steps: Int, alpha: Double, frontierMoment: Double, frontierMass: Double, reciprocity: Double
    ) -> Double {
        guard steps > 0 else { return 1 }
        guard frontierMass > 0, frontierMoment.isFinite else { return 1 }
        let q = min(1, max(0, frontierMoment / frontierMass))
        let first = ((1 - alpha) * q).squareRoot()
        let share = reciprocity.isFinite ? min(1, max(0, reciprocity / fullReciprocity)) : 0
        let later = (1 - share) * first + share * first.squareRoot()
        var factor = first
        for _ in 1..<steps { factor *= later }
        return factor
    }

    /// The reciprocity at and above which a later step's factor is `m^(1/2)` (about soc-Slashdot0902's,
    /// where it was fitted; see the type's documentation).
    static let fullReciprocity = 0.85

    /// The combined frontier's moment `sum_w c(w) q(w)` and mass `sum_w c(w)` from the normalised answer's
    /// moment (`PPREquationStep.Report.squaredTransitionMoment`), the normalising total and the pushed
    /// entries: the frontier part of the answer is `c = total * a - pushed`.
    public static func frontierMoments(
        answerMoment: Double, totalMass: Double, pushed: [WeightedVertex], inEdges: InEdges
    ) -> (moment: Double, mass: Double) {
        var moment = answerMoment * totalMass
        var mass = totalMass
        for entry in pushed where Int(entry.vertex) < inEdges.vertexCount {
            moment -= entry.weight * inEdges.squaredTransitionSum(Int(entry.vertex))
            mass -= entry.weight
        }
        return (max(0, moment), max(0, mass))
    }
}
