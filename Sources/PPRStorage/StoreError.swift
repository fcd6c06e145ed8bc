import LMDB
import PPRCore

/// Why a fingerprint store refused an operation; each case names what the caller can act on.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The underlying LMDB environment failed.
    case storage(path: String, LMDBError)
    /// The directory holds something that is not a store of this format version.
    case incompatibleFormat(path: String, detail: String)
    /// No complete version is active (e.g. the only build was interrupted).
    case noCompleteIndex(path: String, detail: String)
    /// The active index was built for a graph file with another checksum.
    case graphMismatch(path: String, expectedChecksum: UInt64, indexedChecksum: UInt64)
    /// The active index was built for a graph of another checksum that differs in being weighted or not
    /// (typically the unweighted version of a weighted graph, or the reverse).
    case graphWeightingMismatch(path: String, expectedChecksum: UInt64, graphWeighted: Bool, indexedChecksum: UInt64)
    /// A query's alpha differs from the index's.
    case restartProbabilityMismatch(path: String, requested: Double, indexed: Double)
    /// No version with this number exists.
    case versionNotFound(UInt32)
    /// The version is not in the state the operation needs.
    case wrongVersionState(UInt32, state: IndexVersionState, expected: IndexVersionState)
    /// The active version cannot be deleted.
    case versionIsActive(UInt32)
    /// Stored bytes do not decode (a damaged store); never a crash.
    case corruptIndex(path: String, detail: String)
    /// A manifest or build parameter is invalid.
    case invalidManifest(String)
    /// A vertex this store does not hold (another shard's or beyond the graph).
    case vertexNotInStore(VertexIndex, shardIndex: Int, shardCount: Int, vertexCount: Int)
    /// The accumulator does not have one slot per graph vertex.
    case accumulatorSize(expected: Int, actual: Int)
    /// Shards combined together in one block combine are not distinct shards of one index version.
    case blockShardMismatch(String)
    /// A build was cancelled; the version was marked failed and the active version left as it was.
    case cancelled(version: UInt32)
    /// A requested version number is in the store already (in any state).
    case versionNumberUsed(UInt32, nextFree: UInt32)
    /// A version number above the store's limit (`FingerprintStore.maxVersion`).
    case versionOutOfRange(UInt32, maximum: UInt32)

    /// The disk (ENOSPC, EDQUOT) or the store's map (MDB_MAP_FULL) is full.
    public var isDiskFull: Bool {
        if case .storage(_, let error) = self { error.isDiskFull } else { false }
    }

    public var description: String {
        switch self {
        case .storage(let path, let error):
            "fingerprint store \(path): \(error)"
                + (error.code == .mapFull ? " (the map size is limits.mapSizeBytes in the config)" : "")
        case .incompatibleFormat(let path, let detail): "\(path) is not a compatible fingerprint store: \(detail)"
        case .noCompleteIndex(let path, let detail): "no complete index in \(path): build interrupted? (\(detail))"
        case .graphMismatch(let path, let expected, let indexed):
            "index in \(path) was built for another graph (checksum \(GraphFileFormat.hex(indexed)), expected \(GraphFileFormat.hex(expected)))"
        case .graphWeightingMismatch(let path, let expected, let weighted, let indexed):
            "index in \(path) was built for \(weighted ? "an unweighted" : "a weighted") graph (checksum \(GraphFileFormat.hex(indexed))), "
                + "but the graph is \(weighted ? "weighted" : "unweighted") (checksum \(GraphFileFormat.hex(expected))): "
                + "build a new index for it"
        case .restartProbabilityMismatch(let path, let requested, let indexed):
            "alpha \(requested) differs from the index's alpha \(indexed) in \(path)"
        case .versionNotFound(let version): "index version \(version) does not exist"
        case .wrongVersionState(let version, let state, let expected):
            "index version \(version) is \(state), expected \(expected)"
        case .versionIsActive(let version): "index version \(version) is active and cannot be deleted"
        case .corruptIndex(let path, let detail): "corrupt index in \(path): \(detail)"
        case .invalidManifest(let why): "invalid index parameters: \(why)"
        case .vertexNotInStore(let vertex, let shardIndex, let shardCount, let vertexCount):
            "vertex index \(vertex) is not held by shard \(shardIndex) of \(shardCount) (\(vertexCount) vertices)"
        case .accumulatorSize(let expected, let actual): "accumulator has \(actual) slots, expected \(expected)"
        case .blockShardMismatch(let why): "cannot combine these shards together: \(why)"
        case .cancelled(let version): "index build of version \(version) was cancelled"
        case .versionNumberUsed(let version, let nextFree):
            "index version \(version) was already used in this store (next free number: \(nextFree))"
        case .versionOutOfRange(let version, let maximum):
            "index version \(version) is out of range: expected 1 ... \(maximum)"
        }
    }
}
