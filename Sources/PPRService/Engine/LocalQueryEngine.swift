// LocalQueryEngine: PPR queries in this process on one store's active version, with the decomposition
// query the service runs (expand, then combine the frontier's fingerprints), for pwctl's local mode
// and pwbench. Made by `LocalIndex.queryEngine(over:alpha:queryThreads:)`. The expand and the combine of
// one query use `queryThreads` threads (default: both cores), each split by target band so that the
// answers are bit-identical whatever the count (`Decomposition+Bands.swift`, `ResidentFingerprints`).
import Foundation
import PPRCore
import PPRStorage

/// Answers queries over one graph and one index version; reusable across queries (it keeps its
/// scratch), not shareable across threads (make one per thread).
public struct LocalQueryEngine {
    /// The graph queried.
    public let graph: CSRGraph
    /// The active version's fingerprints.
    private(set) var reader: FingerprintStoreReader
    /// Scratch kept across queries.
    private var query: DecompositionQuery

    /// Threads a query's combine uses by default: every core, up to the resident table's target bands.
    public static var defaultQueryThreads: Int {
        min(ProcessInfo.processInfo.activeProcessorCount, ResidentFingerprints.bandCount)
    }

    /// `queryThreads` is clamped to `EngineLimits.queryThreads`.
    init(graph: CSRGraph, reader: FingerprintStoreReader, queryThreads: Int) {
        self.graph = graph
        self.reader = reader
        query = DecompositionQuery(graph: graph, pushThreads: Self.pushThreads(Self.clamped(queryThreads)))
        self.queryThreads = queryThreads
    }

    private static func clamped(_ threads: Int) -> Int {
        min(max(threads, EngineLimits.queryThreads.lowerBound), EngineLimits.queryThreads.upperBound)
    }

    /// The expand step's threads: the calling one plus `count - 1` jobs on Dispatch's global pool per query
    /// (a job that starts late costs speed only, never the answer).
    private static func pushThreads(_ count: Int) -> PushThreads {
        guard count > 1 else { return .single }
        return PushThreads(count: count) { job in DispatchQueue.global(qos: .userInitiated).async(execute: job) }
    }

    /// Threads one query's combine may use (split by target band; the answers do not depend on it). The
    /// expand step keeps the count the engine was made with.
    public var queryThreads: Int {
        get { reader.combineThreads }
        set { reader.combineThreads = Self.clamped(newValue) }
    }

    /// The index version answering.
    public var indexVersion: UInt32 { reader.manifest.version }

    /// The index's restart probability (alpha).
    public var restartProbability: Double { reader.manifest.restartProbability }

    /// Decodes the version's fingerprints into memory now (the first query otherwise starts it in the
    /// background and is combined from LMDB meanwhile). Returns the bytes held, or nil when the version
    /// stays on the LMDB path (above the store's resident budget, a visit count above UInt16, or no room beside
    /// other versions' tables now).
    ///
    /// - Throws: `StoreError` for a damaged or deleted version.
    @discardableResult
    public func loadFingerprints() throws -> Int? {
        try reader.loadResidentFingerprints()?.byteCount
    }

    /// The combine step alone: adds `weight * F_v` for each frontier entry into `accumulator` (one slot per
    /// graph vertex) and returns the fingerprint entries read (for benchmarks of the combine).
    ///
    /// - Throws: `StoreError`.
    public func accumulate(_ frontier: [WeightedVertex], into accumulator: inout [Double]) throws -> Int {
        var entries = 0
        try reader.accumulate(frontier, into: &accumulator, entries: &entries)
        return entries
    }

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
