// ActiveIndexError: why the coordinator cannot serve its active index version (Coordinator.activeIndex):
// nothing active yet, a shard that does not answer, or shards whose manifests do not match the active
// version, the served graph or each other. A domain error; WireErrorMapping gives its code.
import PPRCore
import PPRWire

/// Why the active index version cannot be served; each case names the shard at fault.
public enum ActiveIndexError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No index job has succeeded yet.
    case noActiveVersion
    /// No replica of `shard` answered the health probe (`detail` is the first transport error, if any).
    case shardUnreachable(ShardID, detail: String?)
    /// `shard` answered but has no active index.
    case shardHasNoIndex(ShardID, expected: UInt64)
    /// `shard` serves another version than the active one.
    case shardServesAnotherVersion(ShardID, serving: UInt64, expected: UInt64)
    /// `shard`'s index was built for another graph.
    case builtForAnotherGraph(ShardID, indexedChecksum: UInt64, graphChecksum: UInt64)
    /// `shard`'s walk parameters differ from shard 0's.
    case walkParametersDiffer(ShardID)

    public var description: String {
        switch self {
        case .noActiveVersion: "no index version is active: run an index job"
        case .shardUnreachable(let shard, let detail?): "\(shard) did not answer: \(detail)"
        case .shardUnreachable(let shard, nil): "\(shard): no replica answered"
        case .shardHasNoIndex(let shard, let expected): "\(shard) has no active index (expected version \(expected))"
        case .shardServesAnotherVersion(let shard, let serving, let expected):
            "\(shard) serves index version \(serving), not \(expected)"
        case .builtForAnotherGraph(let shard, let indexed, let graph):
            "\(shard) index was built for graph checksum \(GraphFileFormat.hex(indexed)), "
                + "not \(GraphFileFormat.hex(graph))"
        case .walkParametersDiffer(let shard): "\(shard) index parameters differ from shard 0's"
        }
    }
}
