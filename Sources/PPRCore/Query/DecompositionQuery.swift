/// A full decomposition query (DESIGN §2): expand, combine fingerprints, normalise, top-k.
///
/// The answer is `pi_p ≈ (pushed + sum over frontier of f(v) * F_v) / total`, where `F_v` estimates
/// `pt_v` (walks dropped at dangling vertices) and the single normalisation at the end restores the
/// restart-at-dangling semantics (`pi_p = pt_p / |pt_p|_1`, DESIGN §1). With `T = 0` the frontier is `p`
/// itself and the answer is the normalised fingerprint combination of `p`.
///
/// A `DecompositionQuery` owns `O(n)` scratch (the expansion vectors and a dense accumulator) and is
/// meant to serve many queries from one thread; each query then costs the expansion, the fingerprint
/// entries read, and two `O(n)` passes: the error estimate's spread, the pushed answer and the sum
/// (`addPushed`), then normalisation, top-k and clearing (`TopK.select(clearing:)`). Verifier: the tests
/// compare the scores with exact power iteration (precision@k and L1).
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

    /// Scratch for queries on `graph`; the expand step uses `pushThreads` (`Decomposition`, same answers
    /// whatever the count) over `bands` (built here when nil and more than one thread).
    public init(graph: CSRGraph, pushThreads: PushThreads = .single, bands: TargetBands? = nil) {
        decomposition = Decomposition(graph: graph, threads: pushThreads, bands: bands)
        accumulator = [Double](repeating: 0, count: graph.vertexCount)
    }

    /// Runs the query and returns the top `k` after exclusions.
    public mutating func run(
        _ personalization: Personalization, parameters: QueryParameters = QueryParameters(),
        fingerprints: some FingerprintSource
    ) throws -> Result {
        let alpha = fingerprints.walkParameters.restartProbability
        try parameters.validate(restartProbability: alpha)
        let excluded = parameters.exclusions.resolve(personalization: personalization, graph: graph)
        let (metadata, total) = try combine(personalization, parameters: parameters, fingerprints: fingerprints)
        // Normalise, select and clear in one pass: TopK sees `x * (1 / total)`, what `normalise` writes.
        let top = TopK.select(
            clearing: &accumulator, scale: total > 0 ? 1 / total : 1, k: parameters.k, excluding: excluded)
        return Result(top: top, metadata: metadata)
    }

    /// The full normalised score vector (for accuracy checks and the evaluate job).
    public mutating func scores(
        _ personalization: Personalization, parameters: QueryParameters = QueryParameters(),
        fingerprints: some FingerprintSource
    ) throws -> (scores: [Double], metadata: Metadata) {
        let (metadata, total) = try combine(personalization, parameters: parameters, fingerprints: fingerprints)
        var scores = [Double](repeating: 0, count: accumulator.count)
        swap(&scores, &accumulator)  // the accumulator's storage becomes the answer; a zero one replaces it
        Self.scale(&scores, by: total)
        return (scores, metadata)
    }

    /// Expands, combines the frontier's fingerprints and adds the pushed answer into the accumulator
    /// (unnormalised); returns the figures and the sum to normalise by. The accumulator is all zero again
    /// when this throws.
    private mutating func combine(
        _ personalization: Personalization, parameters: QueryParameters, fingerprints: some FingerprintSource
    ) throws -> (Metadata, total: Double) {
        let alpha = fingerprints.walkParameters.restartProbability
        let expansion = try decomposition.expand(
            personalization: personalization, restartProbability: alpha,
            eps: parameters.eps, maxLevels: parameters.maxLevels, dropFloor: parameters.dropFloor,
            sampleBelow: parameters.sampleBelow, lowDegreeFactor: parameters.lowDegreeFactor,
            walkBudget: WalkBudget(parameters: fingerprints.walkParameters, graph: graph))
        var entries = 0
        do {
            try fingerprints.accumulate(expansion.frontier, into: &accumulator, entries: &entries)
        } catch {
            Self.clear(&accumulator)
            throw error
        }
        let (spread, total) = Self.addPushed(expansion.pushed, into: &accumulator)
        let estimate = ErrorEstimate.l1(
            spread: spread, statistics: expansion.statistics, walk: fingerprints.walkParameters, totalMass: total)
        let metadata = Metadata(
            expansion: expansion.statistics, totalMass: total, errorEstimate: estimate, entriesCombined: entries)
        return (metadata, total)
    }

    /// `ErrorEstimate.spread` of the combined sums, then `pushed` added (in its order), then the sum of the
    /// result in vertex order: one pass when `pushed` is ascending by vertex (as `Decomposition.expand`
    /// lists it), the same numbers as the three steps apart.
    static func addPushed(_ pushed: [WeightedVertex], into vector: inout [Double]) -> (spread: Double, total: Double) {
        let count = vector.count
        var ascending = pushed.last.map { Int($0.vertex) < count } ?? true
        for i in pushed.indices.dropFirst() where pushed[i - 1].vertex > pushed[i].vertex { ascending = false }
        guard ascending else {
            let spread = ErrorEstimate.spread(vector)
            for entry in pushed { vector[Int(entry.vertex)] += entry.weight }
            var total = 0.0
            for value in vector { total += value }
            return (spread, total)
        }
        let adds = pushed.span
        var span = vector.mutableSpan
        var (spread, total) = (0.0, 0.0)
        var next = 0
        var nextVertex = adds.isEmpty ? count : Int(adds[0].vertex)
        for u in 0..<count {
            var value = span[unchecked: u]
            if value > 0 { spread += value.squareRoot() }
            if u == nextVertex {
                repeat {
                    value += adds[next].weight
                    next += 1
                } while next < adds.count && Int(adds[next].vertex) == u
                span[unchecked: u] = value
                nextVertex = next < adds.count ? Int(adds[next].vertex) : count
            }
            total += value
        }
        return (spread, total)
    }

    /// Normalises: multiplies by `1 / total` (the sum in vertex order); a total of zero leaves the vector.
    static func scale(_ vector: inout [Double], by total: Double) {
        guard total > 0 else { return }
        let scale = 1 / total
        var span = vector.mutableSpan
        for v in 0..<span.count { span[unchecked: v] *= scale }
    }

    private static func clear(_ vector: inout [Double]) {
        var span = vector.mutableSpan
        for v in 0..<span.count { span[unchecked: v] = 0 }
    }
}
