// Streams an edge-list file into a `CSRGraph` (DESIGN §1 Graph, §4 Errors).
//
// The file is read in chunks (1 MiB by default) and, when compressed, inflated chunk by chunk;
// parsed edges go straight into a `GraphBuilder`, so memory holds the edges, never the whole text.
// Gzip is recognised by a `.gz` suffix or by the 1f 8b magic; the text format comes from the
// caller or from the extension (`.csv`, optionally before `.gz`), SNAP otherwise. Reading is
// synchronous, blocking file I/O.

import Gzip
import PPRCore

/// A built graph, the counts ingest reports and the input columns no edge used.
public struct IngestedEdgeList: Sendable {
    public var graph: CSRGraph
    public var statistics: GraphBuilder.Statistics
    /// Columns of the input that were ignored (`EdgeListParser.ignoredColumns`): the caller warns once.
    public var ignoredColumns: [String]
}

/// Reads SNAP or CSV edge lists, plain or gzip-compressed, into graphs.
public enum EdgeListReader {
    /// A built graph and the counts ingest reports.
    public typealias Result = (graph: CSRGraph, statistics: GraphBuilder.Statistics)

    /// The text format implied by a path's extension: `.csv` or `.csv.gz` is CSV, anything else SNAP.
    public static func format(forPath path: String) -> EdgeListFormat {
        let lowered = path.lowercased()
        let stem = lowered.hasSuffix(".gz") ? String(lowered.dropLast(3)) : lowered
        return stem.hasSuffix(".csv") ? .csv : .snap
    }

    /// Reads the unweighted edge list at `path` and builds its graph (`ingest` with default options).
    public static func read(
        _ path: String, format: EdgeListFormat? = nil, undirected: Bool = false, chunkBytes: Int = 1 << 20
    ) throws -> Result {
        let ingested = try ingest(path, format: format, undirected: undirected, chunkBytes: chunkBytes)
        return (ingested.graph, ingested.statistics)
    }

    /// Reads the edge list at `path` with `options` (weights, CSV column names) and builds its graph.
    ///
    /// - Parameters:
    ///   - format: the text format; nil infers it from the extension.
    ///   - options: whether to read weights and which CSV columns hold what.
    ///   - undirected: add both directions of every edge.
    ///   - chunkBytes: bytes read from the file per step.
    /// - Throws: `EdgeListReaderError` (I/O, gzip, no edges), `EdgeListError` (malformed line, header or
    ///   weight, naming file and line) or `GraphError` (a summed weight that overflows).
    public static func ingest(
        _ path: String, format: EdgeListFormat? = nil, options: EdgeListOptions = EdgeListOptions(),
        undirected: Bool = false, chunkBytes: Int = 1 << 20
    ) throws -> IngestedEdgeList {
        precondition(chunkBytes > 0, "chunk size must be positive")
        var parser = EdgeListParser(file: path, format: format ?? self.format(forPath: path), options: options)
        var builder = GraphBuilder(undirected: undirected, weighted: options.weighted)
        do {
            let file = try POSIXFile.openForReading(path)
            var buffer = [UInt8](repeating: 0, count: chunkBytes)
            var count = try file.read(into: &buffer)
            let gzip = path.hasSuffix(".gz") || count >= 2 && buffer[0] == 0x1F && buffer[1] == 0x8B
            if gzip {
                try readCompressed(path, file, &buffer, count, &parser, &builder)
            } else {
                while count > 0 {
                    try parser.consume(buffer.span.extracting(0..<count), into: &builder)
                    count = try file.read(into: &buffer)
                }
            }
        } catch let error as SystemCallError {
            throw EdgeListReaderError.io(path: path, operation: error.operation, message: error.message)
        }
        try parser.finish(into: &builder)
        guard builder.inputEdgeCount > 0 else { throw EdgeListReaderError.noEdges(path: path) }
        let (graph, statistics) = try builder.build()
        return IngestedEdgeList(graph: graph, statistics: statistics, ignoredColumns: parser.ignoredColumns)
    }

    /// Inflates the rest of the file (whose first `count` bytes are in `buffer`) into the parser.
    private static func readCompressed(
        _ path: String, _ file: POSIXFile, _ buffer: inout [UInt8], _ firstCount: Int,
        _ parser: inout EdgeListParser, _ builder: inout GraphBuilder
    ) throws {
        var count = firstCount
        do {
            let decompressor = try GzipDecompressor()
            while count > 0 {
                try decompressor.feed(Array(buffer[0..<count])) { piece in
                    try parser.consume(piece.span, into: &builder)
                }
                count = try file.read(into: &buffer)
            }
            try decompressor.finish()
        } catch let error as GzipError {
            throw EdgeListReaderError.compression(path: path, error)
        }
    }
}
