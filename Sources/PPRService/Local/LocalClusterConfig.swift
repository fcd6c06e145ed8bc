// The configuration of the all-in-one mode: N shards and a coordinator in one process. The shards listen
// on inproc:// names derived from the data directory (so two local clusters in one process never collide),
// or, on request, on ipc:// sockets under it.
import Foundation

/// How the shards of an all-in-one cluster and its coordinator talk (they share one process).
public enum ShardTransport: String, CaseIterable, Equatable, Sendable {
    /// NNG's in-process transport (the default): a message passes from worker to coordinator without a
    /// kernel copy, and no socket file exists that another local user could dial. NNG does not apply its
    /// receive limit to inproc; the worker still answers a request over its size limit with
    /// RESOURCE_EXHAUSTED (`WireServer`).
    case inproc
    /// An `ipc://` socket file per shard under the data directory: what the shards used before inproc, kept
    /// to compare the two.
    case ipc

    /// The names a flag may give, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The transport `--shard-transport` names (`powerwalkd local`, `pwbench service`): one check and one
    /// message for every command that takes the flag.
    public init(named name: String) throws(LocalClusterError) {
        guard let transport = Self(rawValue: name) else {
            throw .invalidArgument("shard-transport", name, "one of \(Self.names)")
        }
        self = transport
    }

    /// The URL shard `shard` of the cluster in `directory` (absolute, standardized) listens on.
    func url(directory: String, shard: Int) -> String {
        switch self {
        case .inproc: "inproc://powerwalk-local\(directory)/shard-\(shard)"
        case .ipc: "ipc://\(directory)/shard-\(shard).ipc"
        }
    }
}

extension ServiceConfig {
    /// A one-machine cluster: shard i listens on `inproc://powerwalk-localDIR/shard-i` (with `shardTransport`
    /// `.ipc`: on `ipc://DIR/shard-i.ipc`) and stores in `DIR/shard-i`, the coordinator keeps its metadata in
    /// `DIR/coordinator` and serves clients on `listen`; job files live in `jobFilesDirectory` (default
    /// `DIR/jobs`). DIR is the absolute, standardized data directory, so the inproc names of two clusters in
    /// one process differ as their directories do.
    ///
    /// - Throws: INVALID_ARGUMENT-style `LocalClusterError` naming the argument when out of range.
    public static func local(
        graph: String, dataDirectory: String, shardCount: Int, listen: String = "tcp://127.0.0.1:7400",
        threads: Int = 0, jobFilesDirectory: String? = nil, shardTransport: ShardTransport = .inproc
    ) throws(LocalClusterError) -> ServiceConfig {
        guard shardCount >= 1, shardCount <= 1024 else {
            throw .invalidArgument("shards", "\(shardCount)", "1 ... 1024")
        }
        guard threads >= 0 else { throw .invalidArgument("threads", "\(threads)", ">= 0 (0 = all cores)") }
        guard !dataDirectory.isEmpty else { throw .invalidArgument("data-dir", "\"\"", "a directory path") }
        let directory = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        let shards = (0..<shardCount).map { i in
            ShardConfig(replicas: [
                ReplicaConfig(
                    url: shardTransport.url(directory: directory, shard: i), dataDir: "\(directory)/shard-\(i)")
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
