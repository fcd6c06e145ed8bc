/// A shard of the vertex set, `0..<shardCount`.
public struct ShardID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    public var description: String { "shard \(rawValue)" }
    public static func < (lhs: ShardID, rhs: ShardID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The fixed vertex → shard function: internal index modulo the shard count.
///
/// Modulo (rather than ranges) spreads high-degree regions of id space over all shards, and it
/// depends only on the internal index, so every process computes the same map from the graph file.
public struct Partition: Sendable, Hashable {
    public let shardCount: Int

    public init(shardCount: Int) {
        precondition(shardCount >= 1, "a partition needs at least one shard")
        self.shardCount = shardCount
    }

    @inline(__always)
    public func shard(of v: VertexIndex) -> ShardID { ShardID(Int(v) % shardCount) }

    /// The vertices a shard owns, ascending.
    public func vertices(of shard: ShardID, vertexCount: Int) -> StrideTo<Int> {
        stride(from: shard.rawValue, to: vertexCount, by: shardCount)
    }
}
