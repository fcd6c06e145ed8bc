// LocalIndex: a fingerprint store in this process (pwctl index's local mode, pwbench): build a version
// with the same IndexBuilder the workers use, activate it, and report the build's figures in PPRCore
// and standard types, so callers need not import PPRStorage.
import PPRCore
import PPRStorage

/// A fingerprint store directory (LMDB), opened (and created if missing).
public final class LocalIndex: Sendable {
    /// The store (its LMDB environment is closed when the last reference goes).
    let store: FingerprintStore

    /// The store's directory.
    public var directory: String { store.directory }

    /// Opens (creating if missing) the store in `directory`.
    ///
    /// - Parameter residentBudgetBytes: most bytes of decoded fingerprints the combine keeps in memory
    ///   (nil: the store's default, 1 GiB; 0 combines every query from LMDB).
    /// - Throws: `StoreError`.
    public init(directory: String, residentBudgetBytes: Int? = nil) throws {
        store = try FingerprintStore(
            directory: directory, residentBudgetBytes: residentBudgetBytes ?? ResidentFingerprints.defaultBudgetBytes)
    }

    /// The figures of one build, as `pwctl index` and `pwbench engine` report them.
    public struct BuildReport: Equatable, Sendable {
        /// The new (now active) index version.
        public var version: UInt32
        /// Vertices of the graph (all shards).
        public var vertexCount: Int
        /// Walks per vertex, maximum length, alpha and seed.
        public var walkParameters: WalkParameters
        /// Walk threads used.
        public var threadCount: Int
        /// Wall time of the build, in seconds.
        public var seconds: Double
        /// Walk steps taken.
        public var walkSteps: Int
        /// Fingerprint entries stored.
        public var entryCount: Int
        /// Encoded fingerprint bytes per vertex of the shard.
        public var bytesPerVertex: Double

        /// Makes a report (`build` makes the real ones).
        public init(
            version: UInt32, vertexCount: Int, walkParameters: WalkParameters, threadCount: Int, seconds: Double,
            walkSteps: Int, entryCount: Int, bytesPerVertex: Double
        ) {
            self.version = version
            self.vertexCount = vertexCount
            self.walkParameters = walkParameters
            self.threadCount = threadCount
            self.seconds = seconds
            self.walkSteps = walkSteps
            self.entryCount = entryCount
            self.bytesPerVertex = bytesPerVertex
        }
    }

    /// Builds a new version of shard `shardIndex` of `shardCount` of `graph` with `threadCount` walk
    /// threads, activates it and deletes every older version (an interrupted build never leaves a
    /// store that looks complete: the version becomes active only once complete).
    ///
    /// - Parameter progress: called on the calling thread after each chunk of vertices.
    /// - Throws: `StoreError`.
    public func build(
        _ graph: LocalGraph, parameters: WalkParameters, threadCount: Int, shardIndex: Int = 0, shardCount: Int = 1,
        progress: (_ verticesDone: Int, _ vertexTotal: Int, _ walkSteps: Int) -> Void = { _, _, _ in }
    ) throws -> BuildReport {
        let builder = IndexBuilder(
            graph: graph.graph, graphChecksum: graph.checksum, parameters: parameters, shardIndex: shardIndex,
            shardCount: shardCount, threadCount: threadCount)
        let report = try builder.build(into: store) { progress($0.verticesDone, $0.vertexTotal, $0.walkSteps) }
        let manifest = report.manifest
        try store.activate(manifest.version)
        for old in try store.versions() where old.version != manifest.version {
            try store.deleteVersion(old.version)
        }
        return BuildReport(
            version: manifest.version, vertexCount: manifest.vertexCount, walkParameters: manifest.walkParameters,
            threadCount: report.threadCount, seconds: report.seconds, walkSteps: report.walkSteps,
            entryCount: manifest.entryCount, bytesPerVertex: report.bytesPerVertex)
    }

    /// Bytes the store takes on disk.
    ///
    /// - Throws: `StoreError`.
    public func sizeBytes() throws -> Int { try store.sizeBytes() }

    /// A query engine over `graph` and this store's active version.
    ///
    /// - Parameter alpha: the restart probability asked for; nil takes the index's. One that differs
    ///   from the index's is refused (`StoreError.restartProbabilityMismatch`), as the service refuses it.
    /// - Parameter queryThreads: threads one query's expand and combine may use (`EngineLimits.queryThreads`; nil:
    ///   `LocalQueryEngine.defaultQueryThreads`). The answers are the same whatever the count.
    /// - Throws: `StoreError` (no active version, another graph, alpha mismatch).
    public func queryEngine(
        over graph: LocalGraph, alpha: Double? = nil, queryThreads: Int? = nil
    ) throws -> LocalQueryEngine {
        let alpha = try alpha ?? store.activeManifest()?.restartProbability ?? PPRDefaults.restartProbability
        let reader = try store.reader(
            expecting: graph.checksum, graphWeighted: graph.graph.isWeighted, restartProbability: alpha)
        return LocalQueryEngine(
            graph: graph.graph, reader: reader, queryThreads: queryThreads ?? LocalQueryEngine.defaultQueryThreads)
    }
}
