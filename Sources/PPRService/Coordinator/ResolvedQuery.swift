// ResolvedQuery: the one validation path of a query, in process (`pwctl query --graph --store`) and in
// the cluster (the coordinator's QueryExecutor and BatchExecutor): a QueryRequest checked against the
// graph, the defaults and the alpha of the index it will read.
//
// Everything a client sends is validated here, before any work or any shard call, so a bad request gets
// a specific error (naming the vertex or the argument) and nothing downstream can trap on it: external
// ids become internal indices (an unknown source or excluded id is NOT_FOUND), weights must be finite
// and > 0, top_k, eps and max_levels must be within `EngineLimits`, and a given alpha must equal the
// index's (DESIGN §3 Manifest). Errors are `QueryRequestError`s; `WireErrorMapping` gives their codes.
import PPRCore
import PPRWire

/// A query ready to expand: internal sources, knobs with defaults applied, the excluded set.
public struct ResolvedQuery: Sendable {
    /// Normalised personalization over internal indices.
    public var personalization: Personalization
    public var topK: Int
    public var eps: Double
    public var maxLevels: Int
    /// Frontier sampling threshold and low-degree factor of the query's accuracy preset.
    public var sampleBelow: Double
    public var lowDegreeFactor: Double
    /// Steps of the PPR equation applied to the whole answer: the request's, else the preset's.
    public var smoothingSteps: Int
    /// Top candidates rescored by one more step of the PPR equation after the steps: the request's, else 0.
    public var refineCandidates: Int
    /// What the request leaves out of the answer, over internal indices.
    public var exclusions: Exclusions
    /// `exclusions` resolved for this personalization (no renormalisation).
    public var excluded: ExcludedSet

    /// Validates `request` against `graph` and the index's `alpha`; `index` (subscript) names the query
    /// inside a batch in error messages.
    public init(
        _ request: QueryRequest, graph: CSRGraph, defaults: QueryDefaults, alpha: Double, index: Int? = nil
    ) throws(QueryRequestError) {
        do {
            try self.init(request, graph: graph, defaults: defaults, alpha: alpha)
        } catch {
            throw index.map { .inBatch(query: $0, error) } ?? error
        }
    }

    private init(_ request: QueryRequest, graph: CSRGraph, defaults: QueryDefaults, alpha: Double)
        throws(QueryRequestError)
    {
        guard !request.sources.isEmpty else { throw .noSources }
        var weighted: [(VertexIndex, Double)] = []
        weighted.reserveCapacity(request.sources.count)
        for source in request.sources {
            guard let vertex = graph.index(of: source.vertex) else {
                throw .unknownVertex(source.vertex, role: .source)
            }
            guard source.weight.isFinite, source.weight > 0 else {
                throw .invalidWeight(vertex: source.vertex, weight: source.weight)
            }
            weighted.append((vertex, source.weight))
        }
        do {
            personalization = try Personalization(weighted)
        } catch {
            throw .personalization(error)
        }

        topK = request.topK ?? defaults.topK
        guard EngineLimits.topK.contains(topK) else {
            throw .outOfRange(field: "top_k", value: "\(topK)", expected: "in \(EngineLimits.text(EngineLimits.topK))")
        }
        // A named preset supplies every knob the request leaves out; without one the configured defaults
        // (themselves the configured preset's, unless eps/maxLevels were set in the config) apply.
        var preset = defaults.accuracy
        if let name = request.accuracy {
            guard let named = AccuracyPreset(name: name) else { throw .unknownPreset(String(name.prefix(64))) }
            preset = named
        }
        let named = request.accuracy != nil
        sampleBelow = preset.sampleBelow
        lowDegreeFactor = preset.lowDegreeFactor
        eps = request.eps ?? (named ? preset.eps : defaults.eps)
        guard EngineLimits.isValidEps(eps) else {
            throw .outOfRange(field: "eps", value: "\(eps)", expected: EngineLimits.epsText)
        }
        maxLevels = request.maxLevels ?? (named ? preset.maxLevels : defaults.maxLevels)
        guard EngineLimits.maxLevels.contains(maxLevels) else {
            throw .outOfRange(
                field: "max_levels", value: "\(maxLevels)", expected: "in \(EngineLimits.text(EngineLimits.maxLevels))")
        }
        smoothingSteps = request.smoothingSteps ?? preset.smoothingSteps
        guard EngineLimits.smoothingSteps.contains(smoothingSteps) else {
            throw .outOfRange(
                field: "smoothing_steps", value: "\(smoothingSteps)",
                expected: "in \(EngineLimits.text(EngineLimits.smoothingSteps))")
        }
        refineCandidates = request.refineCandidates ?? 0
        guard EngineLimits.refineCandidates.contains(refineCandidates) else {
            throw .outOfRange(
                field: "refine_candidates", value: "\(refineCandidates)",
                expected: "in \(EngineLimits.text(EngineLimits.refineCandidates))")
        }
        if let asked = request.restartProbability, asked != alpha {
            throw .alphaMismatch(requested: asked, index: alpha)
        }

        var excludedVertices: [VertexIndex] = []
        excludedVertices.reserveCapacity(request.exclude.count)
        for id in request.exclude {
            guard let vertex = graph.index(of: id) else { throw .unknownVertex(id, role: .exclude) }
            excludedVertices.append(vertex)
        }
        exclusions = Exclusions(
            vertices: excludedVertices, sources: request.excludeSources, sourceNeighbors: request.excludeOutNeighbors)
        excluded = exclusions.resolve(personalization: personalization, graph: graph)
    }

    /// Validates every query of a batch (a batch of one names no position); the first refusal is thrown.
    public static func all(
        _ requests: [QueryRequest], graph: CSRGraph, defaults: QueryDefaults, alpha: Double
    ) throws(QueryRequestError) -> [ResolvedQuery] {
        var resolved: [ResolvedQuery] = []
        resolved.reserveCapacity(requests.count)
        for (position, request) in requests.enumerated() {
            resolved.append(
                try ResolvedQuery(
                    request, graph: graph, defaults: defaults, alpha: alpha,
                    index: requests.count > 1 ? position : nil))
        }
        return resolved
    }

    /// The knobs for `DecompositionQuery` (the in-process engine).
    public var parameters: QueryParameters {
        var knobs = QueryParameters(
            eps: eps, maxLevels: maxLevels, k: topK, exclusions: exclusions, sampleBelow: sampleBelow,
            lowDegreeFactor: lowDegreeFactor)
        knobs.smoothingSteps = smoothingSteps
        knobs.refineCandidates = refineCandidates
        return knobs
    }
}

/// Why a query request was refused; each case names the field or vertex at fault (DESIGN §4).
///
/// Codes (`WireErrorMapping`): an unknown vertex is NOT_FOUND, everything else INVALID_ARGUMENT.
public enum QueryRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Where an unknown vertex was named.
    public enum Role: String, Sendable {
        case source
        case exclude
    }

    /// The request names no source vertex.
    case noSources
    /// An external id the graph does not have.
    case unknownVertex(VertexID, role: Role)
    /// A source weight that is not a finite number > 0.
    case invalidWeight(vertex: VertexID, weight: Double)
    /// The weights are each valid but together unusable (their sum overflows).
    case personalization(PersonalizationError)
    /// A knob outside `EngineLimits`.
    case outOfRange(field: String, value: String, expected: String)
    /// An accuracy preset name that does not exist (cut to 64 characters).
    case unknownPreset(String)
    /// The request's alpha is not the one the index was built with.
    case alphaMismatch(requested: Double, index: Double)
    /// Query `query` (0-based) of a batch was refused.
    indirect case inBatch(query: Int, QueryRequestError)

    public var description: String {
        switch self {
        case .noSources: "sources: at least one source vertex is required"
        case .unknownVertex(let id, .source): "source vertex \(id) is not in the graph"
        case .unknownVertex(let id, .exclude): "excluded vertex \(id) is not in the graph"
        case .invalidWeight(let vertex, let weight):
            "weight: \(weight) for source vertex \(vertex) must be a finite number > 0"
        case .personalization(let error): "weight: \(error)"
        case .outOfRange(let field, let value, let expected): "\(field): \(value) must be \(expected)"
        case .unknownPreset(let name): "accuracy: '\(name)' is not a preset (\(AccuracyPreset.names))"
        case .alphaMismatch(let requested, let index):
            "alpha: \(requested) differs from the active index's alpha \(index); omit alpha to use the index's"
        case .inBatch(let query, let error): "query \(query): \(error)"
        }
    }

    /// Whether the error is about a vertex the graph does not have (NOT_FOUND).
    public var isUnknownVertex: Bool {
        switch self {
        case .unknownVertex: true
        case .inBatch(_, let inner): inner.isUnknownVertex
        default: false
        }
    }
}
