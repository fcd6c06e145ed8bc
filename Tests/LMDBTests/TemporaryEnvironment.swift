import Foundation
import LMDB

/// A fresh directory under the system temp dir, removed after `body` (even when it throws).
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lmdb-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// Opens a real LMDB environment in a temporary directory for the duration of `body`.
func withTemporaryEnvironment<R>(
    mapSizeBytes: Int = 64 << 20, maxDatabases: Int = 8, _ body: (Environment) throws -> R
) throws -> R {
    try withTemporaryDirectory { path in
        let environment = try Environment(path: path, mapSizeBytes: mapSizeBytes, maxDatabases: maxDatabases)
        return try body(environment)
    }
}

/// An error a test throws from inside a transaction.
struct Rollback: Error {}

extension Array where Element == UInt8 {
    /// The UTF-8 bytes of `text`.
    init(text: String) { self.init(text.utf8) }
}
