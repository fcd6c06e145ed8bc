/// How many walks each vertex of an index gets (issue 6, items 1 and 5; the forward-push / SpeedPPR rule).
///
/// Uniform: every vertex gets `R` walks (every index built before store manifest schema 3). Degree rule
/// (`hubScale` c > 0): vertex `u` of out-degree `d(u)` gets
/// `R(u) = clamp(floor(R * d(u) / (c * d̄)), R, maxWalksPerVertex)` walks, with `d̄ = edges / vertices`.
///
/// Why: with one threshold eps a hub reached by flow above eps costs `d` pushes and up to `d` new frontier
/// fingerprints (~50 entries each). Under the degree rule the query keeps a vertex in the frontier while its
/// flow is at most `eps * R(u) / R` (`ExpansionThreshold`) and combines it through its one larger
/// fingerprint. The Monte Carlo variance bound of the combine, `Σ f(u)² / R(u) <= eps / R * Σ f(u)`, is the
/// one of uniform R with every flow below eps, so accuracy is kept while the pushes and the small
/// fingerprints a hub would have created are saved.
public struct WalkAllocation: Hashable, Sendable, CustomStringConvertible {
    /// `c`: vertices of out-degree above `c` times the mean get more than R walks; 0 means uniform.
    public var hubScale: Double
    /// `Rmax`: the most walks any vertex gets (every vertex gets at least R; ignored when uniform).
    public var maxWalksPerVertex: Int

    /// Every vertex gets R walks.
    public static let uniform = WalkAllocation(hubScale: 0, maxWalksPerVertex: 0)

    /// The rule new indexes are built with: `c = 4`, `Rmax = 1024`. Measured with `pwbench engine --hub-scale` against
    /// uniform R = 16 at the default preset (README, "Walks per vertex"): on Graph500 R-MAT scale 18 it pushes
    /// 10x fewer edges per query for 17% more fingerprint entries, with equal precision and lower L1; on
    /// soc-Slashdot0902 4x fewer edges for 6% more entries, accuracy unchanged. The index grows 8-11%.
    public static let defaultDegreeRule = WalkAllocation(hubScale: 4, maxWalksPerVertex: 1024)

    public init(hubScale: Double, maxWalksPerVertex: Int) {
        self.hubScale = hubScale
        self.maxWalksPerVertex = maxWalksPerVertex
    }

    /// Whether every vertex gets R walks.
    public var isUniform: Bool { hubScale == 0 }

    public var description: String {
        isUniform ? "uniform" : "degree (c \(hubScale), Rmax \(maxWalksPerVertex))"
    }

    /// Checks ranges; the message names the offending knob. An `Rmax` at or below `R` is allowed and gives
    /// every vertex R walks (an index with many walks per vertex is then uniform).
    public func validate(walksPerVertex: Int) throws(ParameterError) {
        guard !isUniform else { return }
        guard hubScale.isFinite, hubScale > 0 else {
            throw .outOfRange(name: "hub-scale", value: "\(hubScale)", expected: "a finite number > 0, or 0 (uniform)")
        }
        guard EngineLimits.walksPerVertex.contains(maxWalksPerVertex) else {
            throw .outOfRange(
                name: "max-walks", value: "\(maxWalksPerVertex)",
                expected: EngineLimits.text(EngineLimits.walksPerVertex))
        }
    }
}

/// A `WalkAllocation` resolved on one graph: walks and expansion-threshold factors by out-degree.
///
/// The index builder (walks per vertex), the expand step (thresholds, frontier weights) and the error
/// estimate all use this one function of `(R, allocation, vertex count, edge count, out-degree)`, in IEEE
/// double arithmetic, so they agree bit for bit in every process.
public struct WalkBudget: Hashable, Sendable {
    /// R: walks of a vertex of at most `c * d̄` out-degree.
    public let baseWalks: Int
    /// `R / (c * d̄)`: walks wanted per unit of out-degree; 0 when uniform.
    let walksPerDegree: Double
    /// Rmax.
    let maxWalks: Int

    /// Every vertex gets the same walks: ratio 1, plain thresholds.
    public static let uniform = WalkBudget(baseWalks: 1, walksPerDegree: 0, maxWalks: 1)

    private init(baseWalks: Int, walksPerDegree: Double, maxWalks: Int) {
        self.baseWalks = baseWalks
        self.walksPerDegree = walksPerDegree
        self.maxWalks = maxWalks
    }

    /// The budget of an index built with `parameters` on a graph of `vertexCount` vertices and `edgeCount` edges.
    public init(parameters: WalkParameters, vertexCount: Int, edgeCount: Int) {
        let allocation = parameters.allocation
        baseWalks = max(1, parameters.walksPerVertex)
        guard allocation.hubScale.isFinite, allocation.hubScale > 0, edgeCount > 0,
            allocation.maxWalksPerVertex > baseWalks
        else {
            walksPerDegree = 0
            maxWalks = baseWalks
            return
        }
        walksPerDegree = Double(baseWalks) * Double(vertexCount) / (allocation.hubScale * Double(edgeCount))
        maxWalks = allocation.maxWalksPerVertex
    }

    /// The budget of an index built with `parameters` on `graph`.
    public init(parameters: WalkParameters, graph: CSRGraph) {
        self.init(parameters: parameters, vertexCount: graph.vertexCount, edgeCount: graph.edgeCount)
    }

    /// Whether every vertex gets `baseWalks` walks.
    public var isUniform: Bool { walksPerDegree == 0 }

    /// `R(u)` for a vertex of out-degree `d`.
    @inline(__always)
    public func walks(outDegree d: Int) -> Int {
        guard walksPerDegree > 0 else { return baseWalks }
        let wanted = (Double(d) * walksPerDegree).rounded(.down)
        if wanted <= Double(baseWalks) { return baseWalks }
        return wanted >= Double(maxWalks) ? maxWalks : Int(wanted)
    }

    /// `R(u) / R` for a vertex of out-degree `d` (1 when uniform): its expansion threshold's factor.
    @inline(__always)
    public func ratio(outDegree d: Int) -> Double {
        guard walksPerDegree > 0 else { return 1 }
        return Double(walks(outDegree: d)) / Double(baseWalks)
    }

    /// The frontier handed to the combine: each flow `f(u)` becomes `f(u) * R / R(u)`.
    ///
    /// Every fingerprint reader weighs visit counts by `alpha / R` (the manifest's base R), so this weight makes
    /// `u`'s contribution `f(u) * alpha * visits / R(u)`, the unbiased estimate for `R(u)` walks, with no change
    /// to the readers or the wire. Also returns `Σ f(u)² * R / R(u)`, the frontier's second moment in units of
    /// R walks (what `ErrorEstimate` reads). Uniform: the frontier unchanged and `Σ f²`.
    public func combineWeights(_ frontier: inout [WeightedVertex], graph: CSRGraph) -> Double {
        var moment = 0.0
        guard walksPerDegree > 0 else {
            for entry in frontier { moment += entry.weight * entry.weight }
            return moment
        }
        for i in frontier.indices {
            let f = frontier[i].weight
            let scaled = f / ratio(outDegree: graph.outDegree(frontier[i].vertex))
            frontier[i].weight = scaled
            moment += f * scaled
        }
        return moment
    }
}
