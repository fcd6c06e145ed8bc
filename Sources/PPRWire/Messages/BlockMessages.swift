public import PPRCore

// Block mode of Combine (issue 7, shared decomposition): the coordinator sends a block of queries'
// personalizations; every worker expands the whole block (it maps the graph), combines the fingerprints
// of its own frontier vertices once for all the block's queries, and answers one pruned sparse vector
// per query. See PPRService/Coordinator/BatchExecutor.swift for the whole method.

/// One query of a block: a normalised personalization over internal indices, and how many top entries
/// the coordinator will consider (top k plus the size of the query's excluded set).
public struct BlockQuery: Equatable, Sendable {
    public var sources: [WeightedVertex]
    public var candidates: Int
    /// Makes a block query.
    public init(sources: [WeightedVertex], candidates: Int) {
        self.sources = sources
        self.candidates = candidates
    }
}

/// The block part of a CombineRequest.
public struct BlockCombine: Equatable, Sendable {
    public var queries: [BlockQuery]
    /// Expansion threshold and levels, the same for the whole block.
    public var eps: Double
    public var maxLevels: Int
    /// Frontier sampling and low-degree expansion knobs (`QueryParameters`), the same for the whole block.
    public var sampleBelow: Double
    public var lowDegreeFactor: Double
    /// Entries below `pruneRatio` times the query's lower bound on its `candidates`-th score are left
    /// out (their mass still counts in `mass`); 0 sends every non-zero entry.
    public var pruneRatio: Double
    /// Steps of the PPR equation each shard applies to its share of every query before pruning
    /// (`QueryParameters.smoothingSteps`; the worker refuses values outside `EngineLimits.smoothingSteps`).
    public var smoothingSteps: Int
    /// Further shards of the worker process the request reaches, combined with the addressed shard into one
    /// share per query (one accumulator, stepped and pruned once); empty: the addressed shard alone. The
    /// worker refuses shards it does not serve at the pinned version (INVALID_ARGUMENT).
    public var coShards: [Int]
    /// Makes the block part.
    public init(
        queries: [BlockQuery], eps: Double, maxLevels: Int, sampleBelow: Double = 0, lowDegreeFactor: Double = 1,
        pruneRatio: Double, smoothingSteps: Int = 0, coShards: [Int] = []
    ) {
        self.coShards = coShards
        self.queries = queries
        self.eps = eps
        self.maxLevels = maxLevels
        self.sampleBelow = sampleBelow
        self.lowDegreeFactor = lowDegreeFactor
        self.pruneRatio = pruneRatio
        self.smoothingSteps = smoothingSteps
    }
}

/// One query's share from one shard: fingerprint sums of the shard's frontier vertices plus the pushed
/// mass of the vertices it owns, pruned (vertices ascending), and the exact mass before pruning.
public struct BlockResult: Hashable, Sendable {
    public var vertices: [VertexIndex]
    public var scores: [Float]
    public var mass: Double
    /// This shard's frontier vertices (fingerprints combined) for the query.
    public var frontierSize: Int
    public var flowPushed: Double
    public var verticesExpanded: Int
    public var levels: Int
    /// Sum over vertices of the square root of this shard's fingerprint sum (the pushed mass left out):
    /// the spread `ErrorEstimate` needs.
    public var frontierSpread: Double
    /// The query's expansion statistics behind `ErrorEstimate` (the same on every shard).
    public var sampledFrontierFlow: Double
    public var frontierSecondMoment: Double
    /// With steps: this shard's `sum_w c(w) q(w)` and `sum_w c(w)` over its fingerprint sums `c`
    /// (`ErrorEstimate.smoothingFactor`; the shards' values add).
    public var frontierMoment: Double
    public var frontierMass: Double
    /// Makes a result; the arrays must have equal lengths.
    public init(
        vertices: [VertexIndex], scores: [Float], mass: Double, frontierSize: Int = 0, flowPushed: Double = 0,
        verticesExpanded: Int = 0, levels: Int = 0, frontierSpread: Double = 0, sampledFrontierFlow: Double = 0,
        frontierSecondMoment: Double = 0, frontierMoment: Double = 0, frontierMass: Double = 0
    ) {
        precondition(vertices.count == scores.count, "a block result needs one score per vertex")
        self.vertices = vertices
        self.scores = scores
        self.mass = mass
        self.frontierSize = frontierSize
        self.flowPushed = flowPushed
        self.verticesExpanded = verticesExpanded
        self.levels = levels
        self.frontierSpread = frontierSpread
        self.sampledFrontierFlow = sampledFrontierFlow
        self.frontierSecondMoment = frontierSecondMoment
        self.frontierMoment = frontierMoment
        self.frontierMass = frontierMass
    }
}

/// The top-K PPR of every vertex (or of listed sources) written as NumPy files (issue 7 item 2).
public struct ExportJobParams: Hashable, Sendable {
    /// Directory to create (must not exist); written under a temporary name and renamed.
    public var outputPath: String
    public var topK: Int?
    /// A file of sources (one id per line) on the coordinator's host; empty = every vertex.
    public var sourcesPath: String
    /// Accuracy preset name; empty = the default preset.
    public var accuracy: String
    /// Makes export parameters.
    public init(outputPath: String, topK: Int? = nil, sourcesPath: String = "", accuracy: String = "") {
        self.outputPath = outputPath
        self.topK = topK
        self.sourcesPath = sourcesPath
        self.accuracy = accuracy
    }
}
