/// The steps of the PPR equation applied to one normalised answer before its top-k, then the refinement
/// of its top candidates (`ScoreRefinement`), with the error estimate's factor for the steps: the one code
/// path of the in-process query (`DecompositionQuery`) and the coordinator's merge (`QueryScratch`), so both
/// give the same ids and the same scores bit for bit.
///
/// Input: the normalised answer as a dense vector (in-process) or as its positive entries in ascending
/// vertex order (coordinator; written into a zeroed dense vector first, which gives the same vector since
/// every other slot is zero in both). On a graph with self-loops the stepped answer is normalised again
/// (`PPREquationStep` keeps the mass only at its fixed point there), as the block path normalises by its
/// shares' stepped mass. Output: the stepped vector's top k after exclusions
/// (`TopK.select` over the dense vector) and `ErrorEstimate.smoothingFactor` for the estimate.
public struct AnswerSmoothing: Sendable {
    /// Steps of the PPR equation (`QueryParameters.smoothingSteps`, within `EngineLimits.smoothingSteps`).
    public var steps: Int
    public var personalization: Personalization
    public var alpha: Double
    /// The graph's transposed form (built once per graph).
    public var inEdges: InEdges
    /// Threads of each step (same bits whatever the count).
    public var threads: PushThreads
    /// Top candidates rescored after the steps (`QueryParameters.refineCandidates`; 0: none).
    public var refineCandidates: Int

    public init(
        steps: Int, personalization: Personalization, alpha: Double, inEdges: InEdges, threads: PushThreads = .single,
        refineCandidates: Int = 0
    ) {
        self.steps = steps
        self.refineCandidates = refineCandidates
        self.personalization = personalization
        self.alpha = alpha
        self.inEdges = inEdges
        self.threads = threads
    }

    /// Whether `apply` changes an answer at all.
    public var isActive: Bool { steps > 0 || refineCandidates > 0 }

    /// Steps `answer` (normalised, dense) in place, refines its top candidates outside `excluded`, and
    /// returns the estimate's factor for the steps, divided by the stepped mass it was normalised by again
    /// on a graph with self-loops (the refinement changes a few top scores, not the estimate). `totalMass`
    /// is the divisor the answer was normalised by and `pushed` the expansion's exact part (what the factor
    /// weighs the frontier's share by, `ErrorEstimate.frontierMoments`).
    public func apply(
        to answer: inout [Double], totalMass: Double, pushed: [WeightedVertex], excluding excluded: ExcludedSet,
        scratch: inout PPREquationStep.Scratch
    ) -> Double {
        var factor = 1.0
        if steps > 0 {
            let report = PPREquationStep.apply(
                steps: steps, to: &answer, personalization: personalization, alpha: alpha, inEdges: inEdges,
                scratch: &scratch, threads: threads)
            let frontier = ErrorEstimate.frontierMoments(
                answerMoment: report.squaredTransitionMoment, totalMass: totalMass, pushed: pushed, inEdges: inEdges)
            factor = ErrorEstimate.smoothingFactor(
                steps: steps, alpha: alpha, frontierMoment: frontier.moment, frontierMass: frontier.mass,
                reciprocity: inEdges.reciprocity)
            // With self-loops the steps keep the mass only at their fixed point: the answer is normalised
            // again, and its estimate (relative to the mass) with it.
            if inEdges.hasLoops {
                let mass = DecompositionQuery.normalise(&answer)
                if mass > 0 { factor /= mass }
            }
        }
        if refineCandidates > 0 {
            ScoreRefinement.refine(
                &answer, candidates: refineCandidates, personalization: personalization, alpha: alpha,
                inEdges: inEdges, excluding: excluded)
        }
        return factor
    }

    /// The coordinator's form: `entries` are the normalised answer's positive entries in ascending vertex
    /// order. Returns the stepped answer's top `k` after `excluded` and the estimate's factor.
    public func topK(
        _ entries: [WeightedVertex], totalMass: Double, pushed: [WeightedVertex], k: Int,
        excluding excluded: ExcludedSet,
        scratch: inout PPREquationStep.Scratch
    ) -> (top: [ScoredVertex], estimateFactor: Double) {
        var dense: [Double] = []
        swap(&dense, &scratch.answer)
        defer { swap(&dense, &scratch.answer) }
        if dense.count != inEdges.vertexCount {
            dense = [Double](repeating: 0, count: inEdges.vertexCount)
        } else {
            dense.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        for entry in entries where Int(entry.vertex) < dense.count { dense[Int(entry.vertex)] = entry.weight }
        let factor = apply(to: &dense, totalMass: totalMass, pushed: pushed, excluding: excluded, scratch: &scratch)
        return (TopK.select(dense, k: k, excluding: excluded), factor)
    }
}
