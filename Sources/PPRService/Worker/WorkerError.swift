import PPRCore
import PPRStorage
import PPRWire

/// Why a worker could not start; each case names the shard, file or URL at fault.
public enum WorkerError: Error, Sendable, CustomStringConvertible {
    /// No shard was asked for.
    case noShards
    /// A shard number outside the config's shard list.
    case noSuchShard(Int, shardCount: Int)
    /// The same shard was asked for twice.
    case duplicateShard(Int)
    /// A replica number outside the shard's replica list.
    case noSuchReplica(Int, shard: Int, replicaCount: Int)
    /// The graph file could not be loaded.
    case graph(GraphFileError)
    /// The graph has fewer vertices than the config has shards, or none.
    case graphTooSmall(path: String, vertexCount: Int, shardCount: Int)
    /// A shard's fingerprint store could not be opened.
    case store(shard: Int, StoreError)
    /// A shard's store holds an active index of another shard or partition (swapped data directories?).
    case wrongShardStore(shard: Int, directory: String, storedShard: Int, storedShardCount: Int, shardCount: Int)
    /// A shard's URL could not be listened on.
    case listen(shard: Int, WireError)

    public var description: String {
        switch self {
        case .noShards: "no shard to serve: give at least one --shard"
        case .noSuchShard(let shard, let count): "shard \(shard) does not exist: the config has shards 0..<\(count)"
        case .duplicateShard(let shard): "shard \(shard) was given more than once"
        case .noSuchReplica(let replica, let shard, let count):
            "replica \(replica) of shard \(shard) does not exist: the config lists replicas 0..<\(count)"
        case .graph(let error): error.description
        case .graphTooSmall(let path, let vertexCount, let shardCount):
            "graph file \(path) has \(vertexCount) vertices, fewer than the \(shardCount) shards of the config"
        case .store(let shard, let error): "shard \(shard): \(error)"
        case .wrongShardStore(let shard, let directory, let storedShard, let storedShardCount, let shardCount):
            "shard \(shard) of \(shardCount): the store in \(directory) holds shard \(storedShard) of \(storedShardCount)"
        case .listen(let shard, let error): "shard \(shard): \(error.message)"
        }
    }
}
