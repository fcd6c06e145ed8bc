// LocalGraph: a graph file as the in-process engine uses it (pwctl's local mode, pwbench). The CLI and
// the benchmarks go through this facade instead of reaching into PPRStorage, so the files a graph is
// read from and written to are handled in one place, the way the service handles them.
import PPRCore
import PPRStorage

/// A validated graph loaded from a graph file, with the checksum its header records.
public struct LocalGraph: Sendable {
    /// The file as the storage layer loaded it (what `Coordinator` takes).
    public let loaded: LoadedGraph

    /// The validated graph.
    public var graph: CSRGraph { loaded.graph }
    /// The file's checksum (XXH64 of the payload): what fingerprint manifests record.
    public var checksum: UInt64 { loaded.checksum }
    /// Where it was loaded from.
    public var path: String { loaded.path }

    /// Loads and validates the graph file at `path`.
    ///
    /// - Throws: `GraphFileError` (I/O, bad magic or version, checksum, CSR invariants).
    public static func load(_ path: String) throws -> LocalGraph {
        LocalGraph(loaded: try GraphFile.load(path))
    }

    /// Validates `graph`, writes it atomically as a graph file at `path` (version 1 unweighted, 2 weighted)
    /// and returns it with the file's checksum, without reading the file back.
    ///
    /// - Throws: `GraphError` (CSR invariants), `GraphFileError`.
    public static func write(_ graph: CSRGraph, to path: String) throws -> LocalGraph {
        try graph.validate()
        let checksum = try GraphFile.write(graph, to: path)
        return LocalGraph(loaded: LoadedGraph(graph: graph, checksum: checksum, path: path))
    }

    /// What `ingest` read and wrote.
    public struct Ingested: Sendable {
        /// The graph built from the edge list (as written to the file).
        public var graph: CSRGraph
        /// Vertex, edge, dangling, self-loop and duplicate counts.
        public var statistics: GraphBuilder.Statistics
        /// The checksum recorded in the graph file.
        public var checksum: UInt64
        /// Input columns no edge used (the caller warns about them once).
        public var ignoredColumns: [String]
    }

    /// The format an edge-list path is read as when none is given (`.csv`/`.csv.gz`: CSV, else SNAP).
    public static func format(forPath path: String) -> EdgeListFormat { EdgeListReader.format(forPath: path) }

    /// Reads the edge list at `edges` (SNAP or CSV, optionally gzip) and writes it atomically as a graph
    /// file at `path`; nothing is written unless the whole edge list parsed and built.
    ///
    /// - Parameters:
    ///   - format: the text format; nil infers it from the extension.
    ///   - options: which columns hold the source, target and weight (`--weights`, CSV header names).
    ///   - undirected: add both directions of every edge.
    ///   - prepare: runs after the edge list parsed and before the file is written (e.g. to create its
    ///     directory), so a failed parse leaves nothing behind.
    /// - Throws: `EdgeListReaderError`, `EdgeListError` or `GraphFileError`.
    public static func ingest(
        _ edges: String, format: EdgeListFormat? = nil, options: EdgeListOptions = EdgeListOptions(),
        undirected: Bool = false, writingTo path: String, prepare: () throws -> Void = {}
    ) throws -> Ingested {
        let ingested = try EdgeListReader.ingest(edges, format: format, options: options, undirected: undirected)
        try prepare()
        let checksum = try GraphFile.write(ingested.graph, to: path)
        return Ingested(
            graph: ingested.graph, statistics: ingested.statistics, checksum: checksum,
            ignoredColumns: ingested.ignoredColumns)
    }
}
