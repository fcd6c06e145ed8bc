// Reading and writing the binary graph file (DESIGN §3; layout in PPRCore's GraphFileFormat).
//
// Writes are atomic: the bytes go to a fresh temp file in the destination's directory, are fsynced,
// and only then renamed over the destination, so a reader sees either the old file or the complete
// new one, and a failed write leaves nothing behind and clobbers nothing. Loads read the whole file
// (graphs are held in memory anyway) and decode with full validation: magic, version, size,
// checksum, CSR invariants.

import PPRCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A graph loaded from a graph file, with the checksum its header records.
public struct LoadedGraph: Sendable {
    /// The validated graph.
    public let graph: CSRGraph
    /// The file's checksum (XXH64 of the payload): what fingerprint manifests record.
    public let checksum: UInt64
    /// Where it was loaded from.
    public let path: String

    /// A graph just written to `path` with `checksum` (no need to read the file back).
    package init(graph: CSRGraph, checksum: UInt64, path: String) {
        self.graph = graph
        self.checksum = checksum
        self.path = path
    }
}

/// Atomic write and validated load of graph files.
public enum GraphFile {
    /// Writes `graph` to `path` atomically and returns the checksum recorded in the file.
    @discardableResult
    public static func write(_ graph: CSRGraph, to path: String) throws(GraphFileError) -> UInt64 {
        let bytes = GraphFileFormat.encode(graph)
        let checksum = (32..<40).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1 - 32)) }
        let (directory, name) = split(path)
        guard !name.isEmpty else { throw .io(path: path, operation: "write", message: "path names a directory") }
        guard !POSIXFile.isDirectory(path) else {
            throw .io(path: path, operation: "write", message: "a directory exists at this path")
        }
        let temporary = "\(directory)/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do throws(SystemCallError) {
            let file = try POSIXFile.createExclusive(temporary)
            do throws(SystemCallError) {
                try file.writeAll(bytes)
                try file.sync()
                try file.close()
                try POSIXFile.rename(temporary, to: path)
            } catch {
                POSIXFile.removeIfPresent(temporary)
                throw error
            }
        } catch {
            throw .io(path: path, operation: error.operation, message: error.message)
        }
        POSIXFile.syncDirectory(directory)
        return checksum
    }

    /// Loads and validates the graph file at `path`.
    public static func load(_ path: String) throws(GraphFileError) -> LoadedGraph {
        let bytes: [UInt8]
        do throws(SystemCallError) {
            bytes = try POSIXFile.openForReading(path).readAll()
        } catch {
            throw .io(path: path, operation: error.operation, message: error.message)
        }
        do {
            let (graph, checksum) = try GraphFileFormat.decode(bytes)
            return LoadedGraph(graph: graph, checksum: checksum, path: path)
        } catch {
            throw .damaged(path: path, reason: error)
        }
    }

    /// Directory (`.` when none) and last component of a path.
    private static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}
