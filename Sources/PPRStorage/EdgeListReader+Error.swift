import Gzip
import PPRCore

/// Why an edge-list file could not be read into a graph; every case names the path.
///
/// Malformed lines are reported as `PPRCore.EdgeListError`, which already names file and line.
public enum EdgeListReaderError: Error, Sendable, CustomStringConvertible {
    /// A system call failed (missing file, permissions...).
    case io(path: String, operation: String, message: String)
    /// The gzip data is corrupt or truncated: never read as a shorter graph (DESIGN §4).
    case compression(path: String, GzipError)
    /// The file holds no edges.
    case noEdges(path: String)

    public var description: String {
        switch self {
        case .io(let path, let operation, let message):
            "edge list \(path): \(operation) failed: \(message)"
        case .compression(let path, let error):
            error.isTruncation || error.code == .bufferError
                ? "edge list \(path): gzip data is truncated: \(error.message)"
                : "edge list \(path): gzip data is corrupt: \(error)"
        case .noEdges(let path):
            "edge list \(path) contains no edges (only comments, blank lines or a header)"
        }
    }
}
