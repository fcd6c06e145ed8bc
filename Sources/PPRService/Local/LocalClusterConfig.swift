// The configuration of the all-in-one mode: N shards and a coordinator on one machine, every
// endpoint an ipc:// socket under the data directory (so two local clusters never collide).
import Foundation

extension ServiceConfig {
    /// A one-machine cluster: shard i listens on `ipc://DIR/shard-i.ipc` and stores in `DIR/shard-i`,
    /// the coordinator keeps its metadata in `DIR/coordinator` and serves clients on `listen`; job files
    /// live in `jobFilesDirectory` (default `DIR/jobs`).
    ///
    /// - Throws: INVALID_ARGUMENT-style `LocalClusterError` naming the argument when out of range.
    public static func local(
        graph: String, dataDirectory: String, shardCount: Int, listen: String = "tcp://127.0.0.1:7400",
        threads: Int = 0, jobFilesDirectory: String? = nil
    ) throws(LocalClusterError) -> ServiceConfig {
        guard shardCount >= 1, shardCount <= 1024 else {
            throw .invalidArgument("shards", "\(shardCount)", "1 ... 1024")
        }
        guard threads >= 0 else { throw .invalidArgument("threads", "\(threads)", ">= 0 (0 = all cores)") }
        guard !dataDirectory.isEmpty else { throw .invalidArgument("data-dir", "\"\"", "a directory path") }
        let directory = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        let shards = (0..<shardCount).map { i in
            ShardConfig(replicas: [
                ReplicaConfig(url: "ipc://\(directory)/shard-\(i).ipc", dataDir: "\(directory)/shard-\(i)")
            ])
        }
        var config = ServiceConfig(graph: graph, shards: shards)
        config.coordinator.listen = listen
        config.coordinator.dataDir = "\(directory)/coordinator"
        config.index.threads = threads
        if let jobFilesDirectory, jobFilesDirectory.isEmpty {
            throw .invalidArgument("job-files-dir", "\"\"", "a directory path")
        }
        config.coordinator.jobFilesDir = jobFilesDirectory ?? "\(directory)/jobs"
        return config
    }
}

/// A bad argument of the all-in-one mode.
public enum LocalClusterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `argument` has `value`, outside `expected`.
    case invalidArgument(_ argument: String, _ value: String, _ expected: String)
    /// A directory could not be created.
    case cannotCreateDirectory(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidArgument(let argument, let value, let expected): "--\(argument): \(value) must be \(expected)"
        case .cannotCreateDirectory(let path, let reason): "cannot create directory \(path): \(reason)"
        }
    }
}
