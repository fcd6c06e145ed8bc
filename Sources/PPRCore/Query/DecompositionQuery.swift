/// A full decomposition query (DESIGN §2): expand, combine fingerprints, normalise, top-k.
///
/// The answer is `pi_p ≈ (pushed + sum over frontier of f(v) * F_v) / total`, where `F_v` estimates
/// `pt_v` (walks dropped at dangling vertices) and the single normalisation at the end restores the
/// restart-at-dangling semantics (`pi_p = pt_p / |pt_p|_1`, DESIGN §1). With `T = 0` the frontier is `p`
/// itself and the answer is the normalised fingerprint combination of `p`.
///
/// A `DecompositionQuery` owns `O(n)` scratch (the expansion vectors and a dense accumulator) and is
/// meant to serve many queries from one thread; each query then costs the expansion, the fingerprint
/// entries read, and two `O(n)` passes (normalise and top-k). Verifier: the tests compare the scores
/// with exact power iteration (precision@k and L1).
public struct DecompositionQuery {
    /// What a query did, for logs, metrics and clients.
    public struct Metadata: Equatable, Sendable {
        /// Expand-step counts (levels, expansions, edges, frontier size = fingerprints used).
        public var expansion: Expansion.Statistics
        /// Mass of the unnormalised answer (the normalising divisor); below 1 when walks were dropped.
        public var totalMass: Double
        /// The engine's estimate of the L1 distance from the normalised answer to exact PPR
        /// (`ErrorEstimate`).
        public var errorEstimate: Double = 0
        /// Fingerprint entries added by the combine step (0 when the source does not count them).
        public var entriesCombined: Int = 0
        /// Fingerprints combined (one per frontier vertex).
        public var fingerprintsUsed: Int { expansion.frontierSize }
    }

    /// The answer list and how it was computed.
    public struct Result: Equatable, Sendable {
        /// The top `k` vertices after exclusions, best first, with normalised scores.
        public var top: [ScoredVertex]
        public var metadata: Metadata
    }

    /// The graph queried.
    public var graph: CSRGraph { decomposition.graph }
    private var decomposition: Decomposition
    /// Dense accumulator indexed by `VertexIndex`; all zero between queries.
    private var accumulator: [Double]
    /// The transposed graph for `PPREquationStep` and `ScoreRefinement`, built at the first query that
    /// needs it unless given.
    private var inEdges: InEdges?
    /// The step's vectors, kept across queries.
    private var stepScratch = PPREquationStep.Scratch()
    /// Threads of the expand step and of each PPR-equation step.
    private let threads: PushThreads

    /// Scratch for queries on `graph`; the expand step and the PPR-equation steps use `pushThreads`
    /// (`Decomposition`, `PPREquationStep`: same answers whatever the count). `inEdges` (of `graph`) saves
    /// building it at the first query that steps.
    public init(graph: CSRGraph, pushThreads: PushThreads = .single, inEdges: InEdges? = nil) {
        decomposition = Decomposition(graph: graph, threads: pushThreads)
        accumulator = [Double](repeating: 0, count: graph.vertexCount)
        threads = pushThreads
        self.inEdges = inEdges?.vertexCount == graph.vertexCount ? inEdges : nil
    }

    /// The transposed graph, built now if no query has needed it yet.
    public mutating func transposedGraph() -> InEdges {
        if let inEdges { return inEdges }
        let built = InEdges(graph: graph)
        inEdges = built
        return built
    }

    /// Runs the query and returns the top `k` after exclusions.
    public mutating func run(
        _ personalization: Personalization, parameters: QueryParameters = QueryParameters(),
        fingerprints: some FingerprintSource
    ) throws -> Result {
        let alpha = fingerprints.walkParameters.restartProbability
        try parameters.validate(restartProbability: alpha)
        let excluded = parameters.exclusions.resolve(personalization: personalization, graph: graph)
        var top: [ScoredVertex] = []
        let metadata = try withScores(
            personalization, parameters: parameters, excluded: excluded, fingerprints: fingerprints
        ) { scores in
            top = TopK.select(scores, k: parameters.k, excluding: excluded)
        }
        return Result(top: top, metadata: metadata)
    }

    /// The full normalised score vector (for accuracy checks and the evaluate job).
    public mutating func scores(
        _ personalization: Personalization, parameters: QueryParameters = QueryParameters(),
        fingerprints: some FingerprintSource
    ) throws -> (scores: [Double], metadata: Metadata) {
        var copy: [Double] = []
        let excluded = parameters.exclusions.resolve(personalization: personalization, graph: graph)
        let metadata = try withScores(
            personalization, parameters: parameters, excluded: excluded, fingerprints: fingerprints
        ) { copy = $0 }
        return (copy, metadata)
    }

    /// Computes the normalised scores into the accumulator, lends them to `body`, then clears them.
    /// `excluded` (the resolved `parameters.exclusions`) is left out of the refined candidates.
    private mutating func withScores(
        _ personalization: Personalization, parameters: QueryParameters, excluded: ExcludedSet,
        fingerprints: some FingerprintSource,
        _ body: ([Double]) throws -> Void
    ) throws -> Metadata {
        let alpha = fingerprints.walkParameters.restartProbability
        let expansion = try decomposition.expand(
            personalization: personalization, restartProbability: alpha,
            eps: parameters.eps, maxLevels: parameters.maxLevels, dropFloor: parameters.dropFloor,
            sampleBelow: parameters.sampleBelow, lowDegreeFactor: parameters.lowDegreeFactor,
            walkBudget: WalkBudget(parameters: fingerprints.walkParameters, graph: graph))
        defer { Self.clear(&accumulator) }
        var entries = 0
        try fingerprints.accumulate(expansion.frontier, into: &accumulator, entries: &entries)
        let spread = ErrorEstimate.spread(accumulator)
        expansion.addPushed(into: &accumulator)
        let total = Self.normalise(&accumulator)
        var smoothing = 1.0
        if parameters.smoothingSteps > 0 || parameters.refineCandidates > 0 {
            let steps = AnswerSmoothing(
                steps: parameters.smoothingSteps, personalization: personalization, alpha: alpha,
                inEdges: transposedGraph(), threads: threads, refineCandidates: parameters.refineCandidates)
            smoothing = steps.apply(
                to: &accumulator, totalMass: total, pushed: expansion.pushed, excluding: excluded,
                scratch: &stepScratch)
        }
        try body(accumulator)
        let estimate =
            smoothing
            * ErrorEstimate.l1(
                spread: spread, statistics: expansion.statistics, walk: fingerprints.walkParameters, totalMass: total)
        return Metadata(
            expansion: expansion.statistics, totalMass: total, errorEstimate: estimate, entriesCombined: entries)
    }

    /// Divides by the sum (`LaneSum`); returns the sum. A zero vector stays zero.
    static func normalise(_ vector: inout [Double]) -> Double {
        let total = LaneSum.sum(vector.span)
        guard total > 0 else { return total }
        var span = vector.mutableSpan
        let scale = 1 / total
        for v in 0..<span.count { span[unchecked: v] *= scale }
        return total
    }

    private static func clear(_ vector: inout [Double]) {
        var span = vector.mutableSpan
        for v in 0..<span.count { span[unchecked: v] = 0 }
    }
}
