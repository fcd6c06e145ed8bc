// ResolvedQuery: a client QueryRequest checked against the graph, the defaults and the active index.
//
// Everything a client sends is validated here, before any work or any shard call, so a bad request
// gets a specific error (naming the vertex or the argument) and nothing downstream can trap on it:
// external ids become internal indices (unknown → NOT_FOUND), weights must be finite and > 0, top_k,
// eps and max_levels must be in range, and a given alpha must equal the index's (DESIGN §3 Manifest).
import PPRCore
import PPRWire

/// A query ready to expand: internal sources, knobs with defaults applied, the excluded set.
struct ResolvedQuery: Sendable {
    /// Normalised personalization over internal indices.
    var personalization: Personalization
    var topK: Int
    var eps: Double
    var maxLevels: Int
    /// Frontier sampling threshold and low-degree factor of the query's accuracy preset.
    var sampleBelow: Double
    var lowDegreeFactor: Double
    /// Vertices left out of the answer list (no renormalisation).
    var excluded: ExcludedSet

    /// Largest accepted top_k and max_levels (beyond them a request is more likely a mistake than a need).
    static let maxTopK = 1 << 20
    static let maxLevelsLimit = 1 << 10

    /// Validates `request`; `index` (subscript) names the query inside a batch in error messages.
    init(
        _ request: QueryRequest, graph: CSRGraph, defaults: QueryDefaults, alpha: Double, index: Int?
    ) throws(WireError) {
        let prefix = index.map { "query \($0): " } ?? ""
        func invalid(_ message: String) -> WireError { WireError(.invalidArgument, prefix + message) }

        guard !request.sources.isEmpty else { throw invalid("sources: at least one source vertex is required") }
        var weighted: [(VertexIndex, Double)] = []
        weighted.reserveCapacity(request.sources.count)
        for source in request.sources {
            guard let vertex = graph.index(of: source.vertex) else {
                throw WireError(.notFound, prefix + "vertex \(source.vertex) is not in the graph")
            }
            guard source.weight.isFinite, source.weight > 0 else {
                throw invalid("weight: \(source.weight) for source vertex \(source.vertex) must be a finite number > 0")
            }
            weighted.append((vertex, source.weight))
        }
        do {
            personalization = try Personalization(weighted)
        } catch {
            throw invalid("weight: \(error)")
        }

        topK = request.topK ?? defaults.topK
        guard topK >= 1, topK <= Self.maxTopK else { throw invalid("top_k: \(topK) must be in 1 ... \(Self.maxTopK)") }
        // A named preset supplies every knob the request leaves out; without one the configured defaults
        // (themselves the configured preset's, unless eps/maxLevels were set in the config) apply.
        var preset = defaults.accuracy
        if let name = request.accuracy {
            guard let named = AccuracyPreset(name: name) else {
                throw invalid("accuracy: '\(name.prefix(64))' is not a preset (\(AccuracyPreset.names))")
            }
            preset = named
        }
        let named = request.accuracy != nil
        sampleBelow = preset.sampleBelow
        lowDegreeFactor = preset.lowDegreeFactor
        eps = request.eps ?? (named ? preset.eps : defaults.eps)
        guard eps.isFinite, eps >= 0 else { throw invalid("eps: \(eps) must be a finite number >= 0") }
        maxLevels = request.maxLevels ?? (named ? preset.maxLevels : defaults.maxLevels)
        guard maxLevels >= 0, maxLevels <= Self.maxLevelsLimit else {
            throw invalid("max_levels: \(maxLevels) must be in 0 ... \(Self.maxLevelsLimit)")
        }
        if let asked = request.restartProbability, asked != alpha {
            throw invalid("alpha: \(asked) differs from the active index's alpha \(alpha)")
        }

        var excludedVertices: [VertexIndex] = []
        excludedVertices.reserveCapacity(request.exclude.count)
        for id in request.exclude {
            // An excluded id the graph does not have cannot appear in the answer: nothing to remove.
            if let vertex = graph.index(of: id) { excludedVertices.append(vertex) }
        }
        let exclusions = Exclusions(
            vertices: excludedVertices, sources: request.excludeSources, sourceNeighbors: request.excludeOutNeighbors)
        excluded = exclusions.resolve(personalization: personalization, graph: graph)
    }
}
