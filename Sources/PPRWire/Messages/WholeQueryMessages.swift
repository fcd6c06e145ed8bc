public import PPRCore

// Whole-query mode of Combine (issue 6): when one worker process serves every shard of the cluster, the
// coordinator sends it the resolved query instead of one frontier part per shard. The process expands,
// combines all its shards' fingerprints into one vector, steps and answers the top list, as the
// in-process engine does: no dense partial sums are encoded, sent and merged. See
// PPRService/Coordinator/QueryExecutor.swift for when the coordinator uses it.

/// The whole-query part of a CombineRequest: a resolved query (internal indices, the engine's knobs with
/// defaults applied, the excluded set resolved into `parameters.exclusions.vertices`) and the other shards
/// of the process the request reaches.
public struct WholeQuery: Equatable, Sendable {
    /// Normalised personalization over internal indices.
    public var sources: [WeightedVertex]
    /// The knobs of `DecompositionQuery` (`ResolvedQuery.parameters`); on the wire only the excluded vertices
    /// of `exclusions` (the coordinator resolves the source and neighbour flags) and no drop floor.
    public var parameters: QueryParameters
    /// The cluster's other shards, served by the same process; with the addressed shard they must be all
    /// of the cluster's shards, else the worker refuses the request (INVALID_ARGUMENT).
    public var coShards: [Int]
    /// Makes the whole-query part.
    public init(sources: [WeightedVertex], parameters: QueryParameters, coShards: [Int]) {
        self.sources = sources
        self.parameters = parameters
        self.coShards = coShards
    }
}

/// The answer to a `WholeQuery`: the top list (internal indices, best first) and the query's figures.
public struct WholeAnswer: Hashable, Sendable {
    public var vertices: [VertexIndex]
    public var scores: [Double]
    /// Distinct frontier fingerprints combined.
    public var frontierSize: Int
    public var flowPushed: Double
    public var verticesExpanded: Int
    public var levels: Int
    /// `ErrorEstimate` of the whole answer.
    public var errorEstimate: Double
    /// Makes an answer; the arrays must have equal lengths.
    public init(
        vertices: [VertexIndex], scores: [Double], frontierSize: Int, flowPushed: Double, verticesExpanded: Int,
        levels: Int, errorEstimate: Double
    ) {
        precondition(vertices.count == scores.count, "a whole answer needs one score per vertex")
        self.vertices = vertices
        self.scores = scores
        self.frontierSize = frontierSize
        self.flowPushed = flowPushed
        self.verticesExpanded = verticesExpanded
        self.levels = levels
        self.errorEstimate = errorEstimate
    }
}
