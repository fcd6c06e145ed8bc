// LocalQueryEngine: PPR queries in this process on one store's active version, with the decomposition
// query the service runs (expand, then combine the frontier's fingerprints), for pwctl's local mode
// and pwbench. Made by `LocalIndex.queryEngine(over:alpha:)`.
import PPRCore
import PPRStorage

/// Answers queries over one graph and one index version; reusable across queries (it keeps its
/// scratch), not shareable across threads (make one per thread).
public struct LocalQueryEngine {
    /// The graph queried.
    public let graph: CSRGraph
    /// The active version's fingerprints.
    let reader: FingerprintStoreReader
    /// Scratch kept across queries.
    private var query: DecompositionQuery

    init(graph: CSRGraph, reader: FingerprintStoreReader) {
        self.graph = graph
        self.reader = reader
        query = DecompositionQuery(graph: graph)
    }

    /// The index version answering.
    public var indexVersion: UInt32 { reader.manifest.version }

    /// The index's restart probability (alpha).
    public var restartProbability: Double { reader.manifest.restartProbability }

    /// The top `parameters.k` vertices of `personalization` and the query's figures.
    ///
    /// - Throws: `QueryError` (bad parameters), `StoreError` (a fingerprint that does not decode).
    public mutating func run(
        _ personalization: Personalization, parameters: QueryParameters
    ) throws -> DecompositionQuery.Result {
        try query.run(personalization, parameters: parameters, fingerprints: reader)
    }

    /// The whole score vector of `personalization` (indexed by `VertexIndex`) and the query's figures.
    ///
    /// - Throws: as `run`.
    public mutating func scores(
        _ personalization: Personalization, parameters: QueryParameters
    ) throws -> (scores: [Double], metadata: DecompositionQuery.Metadata) {
        try query.scores(personalization, parameters: parameters, fingerprints: reader)
    }
}
