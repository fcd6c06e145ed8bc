import PPRCore

/// Why a graph file could not be written or loaded; every case names the path.
public enum GraphFileError: Error, Sendable, CustomStringConvertible {
    /// A system call failed (missing file, permissions, disk full...).
    case io(path: String, operation: String, message: String)
    /// The file exists but its bytes are not a valid graph file.
    case damaged(path: String, reason: GraphFileFormatError)

    public var description: String {
        switch self {
        case .io(let path, let operation, let message):
            "graph file \(path): \(operation) failed: \(message)"
        case .damaged(let path, let reason):
            "graph file \(path) cannot be used: \(reason)"
        }
    }
}
