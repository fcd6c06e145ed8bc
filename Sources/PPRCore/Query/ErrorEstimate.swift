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
public enum ErrorEstimate {
    /// Calibration constant measured against exact PPR (see the type's documentation).
    public static let scale = 1.0

    /// `sum_u sqrt(c(u))` over a dense vector of combined frontier sums (before the pushed mass is added).
    public static func spread(_ combined: [Double]) -> Double {
        var total = 0.0
        let span = combined.span
        for u in 0..<span.count {
            let value = span[unchecked: u]
            if value > 0 { total += value.squareRoot() }
        }
        return total
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

    /// Calibration of the first step's factor (see `smoothingFactor`).
    public static let firstStepScale = 1.0
    /// Factor of each step after the first (see `smoothingFactor`).
    public static let laterStepFactor = 1.0

    /// The factor by which `steps` steps of the PPR equation (`PPREquationStep`) shrink the estimate:
    /// `firstStepScale * sqrt((1 - alpha) * q) * laterStepFactor^(steps - 1)`, with `q = frontierMoment /
    /// frontierMass` the frontier-weighted mean of `InEdges.squaredTransitionSum` (1 for `steps == 0`).
    public static func smoothingFactor(steps: Int, alpha: Double, frontierMoment: Double, frontierMass: Double)
        -> Double
    {
        guard steps > 0 else { return 1 }
        guard frontierMass > 0, frontierMoment.isFinite else { return 1 }
        let q = min(1, max(0, frontierMoment / frontierMass))
        var factor = firstStepScale * ((1 - alpha) * q).squareRoot()
        for _ in 1..<steps { factor *= laterStepFactor }
        return factor
    }

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
