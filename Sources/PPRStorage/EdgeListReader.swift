// Streams an edge-list file into a `CSRGraph` (DESIGN §1 Graph, §4 Errors).
//
// The file is read in chunks (1 MiB by default) and, when compressed, inflated chunk by chunk;
// parsed edges go straight into a `GraphBuilder`, so memory holds the edges, never the whole text.
// Gzip is recognised by a `.gz` suffix or by the 1f 8b magic; the text format comes from the
// caller or from the extension (`.csv`, optionally before `.gz`), SNAP otherwise. Reading is
// synchronous, blocking file I/O.

import Gzip
import PPRCore

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

    /// Reads the edge list at `path` and builds its graph.
    ///
    /// - Parameters:
    ///   - format: the text format; nil infers it from the extension.
    ///   - undirected: add both directions of every edge.
    ///   - chunkBytes: bytes read from the file per step.
    /// - Throws: `EdgeListReaderError` (I/O, gzip, no edges) or `EdgeListError` (malformed line).
    public static func read(
        _ path: String, format: EdgeListFormat? = nil, undirected: Bool = false, chunkBytes: Int = 1 << 20
    ) throws -> Result {
        precondition(chunkBytes > 0, "chunk size must be positive")
        var parser = EdgeListParser(file: path, format: format ?? self.format(forPath: path))
        var builder = GraphBuilder(undirected: undirected)
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
        return try builder.build()
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
