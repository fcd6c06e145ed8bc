public import PPRCore

/// One personalization source: an external vertex and its weight (> 0; the server normalises).
public struct QuerySource: Hashable, Sendable {
    public var vertex: VertexID
    public var weight: Double
    /// Makes a source.
    public init(_ vertex: VertexID, weight: Double = 1) {
        self.vertex = vertex
        self.weight = weight
    }
}

/// A vertex and its PPR score in an answer.
public struct RankedVertex: Hashable, Sendable {
    public var vertex: VertexID
    public var score: Double
    /// Makes an entry.
    public init(_ vertex: VertexID, score: Double) {
        self.vertex = vertex
        self.score = score
    }
}

/// A PPR query (DESIGN §1-2). `nil` knobs take the server's defaults.
public struct QueryRequest: Hashable, Sendable {
    public var sources: [QuerySource]
    /// How many vertices to return.
    public var topK: Int?
    /// Expansion threshold on a vertex's flow.
    public var eps: Double?
    /// Decomposition levels T (0 = the normalised fingerprint).
    public var maxLevels: Int?
    /// Vertices removed from the answer (no renormalisation).
    public var exclude: [VertexID]
    public var excludeSources: Bool
    public var excludeOutNeighbors: Bool
    /// Alpha the caller expects; refused (INVALID_ARGUMENT) when it differs from the index's.
    public var restartProbability: Double?
    /// Accuracy preset name (`fast`, `default`, `high`); nil takes the server's default preset. The
    /// server refuses unknown names. Explicit `eps`/`maxLevels` override the preset's.
    public var accuracy: String?
    /// Steps of the PPR equation applied to the whole answer (`QueryParameters.smoothingSteps`); nil takes
    /// the preset's. The server refuses a count outside `EngineLimits.smoothingSteps`.
    public var smoothingSteps: Int?
    /// Top candidates rescored by one more step of the PPR equation (`QueryParameters.refineCandidates`); nil
    /// is 0. Single queries only; the server refuses a count outside `EngineLimits.refineCandidates`.
    public var refineCandidates: Int?

    /// Makes a query.
    public init(
        sources: [QuerySource], topK: Int? = nil, eps: Double? = nil, maxLevels: Int? = nil,
        exclude: [VertexID] = [], excludeSources: Bool = false, excludeOutNeighbors: Bool = false,
        restartProbability: Double? = nil, accuracy: String? = nil, smoothingSteps: Int? = nil,
        refineCandidates: Int? = nil
    ) {
        self.accuracy = accuracy
        self.smoothingSteps = smoothingSteps
        self.refineCandidates = refineCandidates
        self.sources = sources
        self.topK = topK
        self.eps = eps
        self.maxLevels = maxLevels
        self.exclude = exclude
        self.excludeSources = excludeSources
        self.excludeOutNeighbors = excludeOutNeighbors
        self.restartProbability = restartProbability
    }
}

/// The answer to a query and what it cost.
public struct QueryResponse: Hashable, Sendable {
    /// Highest score first.
    public var results: [RankedVertex]
    public var fingerprintsUsed: Int
    /// Probability mass pushed by expansion.
    public var flowPushed: Double
    public var verticesExpanded: Int
    public var levels: Int
    /// Server-side time, whole microseconds on the wire.
    public var elapsed: Duration
    public var indexVersion: UInt64
    /// The engine's estimate of the L1 distance between the full normalised answer and exact PPR
    /// (`ErrorEstimate`).
    public var errorEstimate: Double

    /// Makes a response.
    public init(
        results: [RankedVertex], fingerprintsUsed: Int = 0, flowPushed: Double = 0, verticesExpanded: Int = 0,
        levels: Int = 0, elapsed: Duration = .zero, indexVersion: UInt64 = 0, errorEstimate: Double = 0
    ) {
        self.errorEstimate = errorEstimate
        self.results = results
        self.fingerprintsUsed = fingerprintsUsed
        self.flowPushed = flowPushed
        self.verticesExpanded = verticesExpanded
        self.levels = levels
        self.elapsed = elapsed
        self.indexVersion = indexVersion
    }
}

/// Many queries answered together (one shared decomposition).
public struct BatchQueryRequest: Hashable, Sendable {
    public var queries: [QueryRequest]
    /// Makes a batch.
    public init(queries: [QueryRequest]) { self.queries = queries }
}

/// `responses[i]` answers `queries[i]`.
public struct BatchQueryResponse: Hashable, Sendable {
    public var responses: [QueryResponse]
    public var elapsed: Duration
    public var indexVersion: UInt64
    /// Makes a batch response.
    public init(responses: [QueryResponse], elapsed: Duration = .zero, indexVersion: UInt64 = 0) {
        self.responses = responses
        self.elapsed = elapsed
        self.indexVersion = indexVersion
    }
}
