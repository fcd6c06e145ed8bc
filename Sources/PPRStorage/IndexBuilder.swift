// IndexBuilder: computes a new index version of one shard (DESIGN §2 Indexing, §3 Index versions).
//
// Method: the shard's vertices are split into chunks of 256 (StoreLayout). `threadCount` worker
// threads, each with its own FingerprintWalker, claim chunks in order and encode them; the calling
// thread takes finished chunks strictly in chunk order, batches them into transactions of about
// `commitBytes`, and finally completes the version. Workers stay at most `window` chunks ahead of the
// writer, so memory stays bounded. Every vertex's walks depend on (seed, vertex) only, their number
// R(u) on its out-degree and the graph's size (`WalkAllocation`, recorded in the manifest), and chunks are
// written in order, so the stored bytes are identical for any thread count.
//
// Cancellation is checked between chunks: the version is then marked failed (its fingerprints
// dropped) and the active version is left as it was. Blocking: runs on the calling thread (and its
// own worker threads) until done; call it from a dedicated thread, not the cooperative pool.
import Foundation
import PPRCore

/// Builds one index version of one shard into a `FingerprintStore`.
public struct IndexBuilder: Sendable {
    /// The graph to walk.
    public var graph: CSRGraph
    /// Checksum of the graph file, recorded in the manifest.
    public var graphChecksum: UInt64
    /// Alpha, R, Lmax, seed.
    public var parameters: WalkParameters
    /// Shard to build, `0..<shardCount`.
    public var shardIndex: Int
    /// Shards of the modulo partition.
    public var shardCount: Int
    /// Worker threads computing fingerprints.
    public var threadCount: Int
    /// Approximate bytes per write transaction.
    public var commitBytes: Int = 8 << 20
    /// Version number to build (0: the store's next free number); see `FingerprintStore.beginVersion`.
    public var requestedVersion: UInt32 = 0
    /// Whether an unfinished copy of `requestedVersion` in the store is started over instead of refused
    /// (`FingerprintStore.beginOrRestartVersion`).
    public var restartsUnfinishedVersion = false

    public init(
        graph: CSRGraph, graphChecksum: UInt64, parameters: WalkParameters, shardIndex: Int = 0, shardCount: Int = 1,
        threadCount: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.graph = graph
        self.graphChecksum = graphChecksum
        self.parameters = parameters
        self.shardIndex = shardIndex
        self.shardCount = shardCount
        self.threadCount = max(1, threadCount)
    }

    /// Builds and completes a new version (not activated); returns figures of the build.
    ///
    /// - Parameters:
    ///   - progress: called on the calling thread after each chunk is taken.
    ///   - isCancelled: polled between chunks; returning true fails the version and throws `.cancelled`.
    public func build(
        into store: FingerprintStore, progress: (IndexBuildProgress) -> Void = { _ in },
        isCancelled: () -> Bool = { false }
    ) throws(StoreError) -> IndexBuildReport {
        let clock = ContinuousClock()
        let started = clock.now
        var requested = StoreManifest(
            graphChecksum: graphChecksum, vertexCount: graph.vertexCount, walkParameters: parameters,
            shardIndex: shardIndex, shardCount: shardCount, createdUnixSeconds: Int64(Date().timeIntervalSince1970),
            graphWeighted: graph.isWeighted)
        requested.version = requestedVersion
        let manifest =
            restartsUnfinishedVersion ? try store.beginOrRestartVersion(requested) : try store.beginVersion(requested)
        let version = manifest.version
        let local = manifest.localVertexCount
        let chunkCount = StoreLayout.chunkCount(localVertexCount: local)
        let queue = ChunkQueue(chunkCount: chunkCount, window: 8 * threadCount)
        let workers = startWorkers(queue: queue, localVertexCount: local)
        defer {
            queue.cancel()
            workers.wait()
        }
        do throws(StoreError) {
            var pending: [EncodedChunk] = []
            var pendingBytes = 0
            for index in 0..<chunkCount {
                if isCancelled() { throw StoreError.cancelled(version: version) }
                guard let chunk = queue.take(index) else { throw StoreError.cancelled(version: version) }
                pendingBytes += chunk.bytes.count
                pending.append(chunk)
                if pendingBytes >= commitBytes || index == chunkCount - 1 {
                    try store.write(pending, to: version)
                    pending.removeAll(keepingCapacity: true)
                    pendingBytes = 0
                }
                let done = min(local, (index + 1) * StoreLayout.chunkVertexCount)
                progress(IndexBuildProgress(verticesDone: done, vertexTotal: local, walkSteps: queue.walkSteps))
            }
            if isCancelled() { throw StoreError.cancelled(version: version) }
            let final = try store.completeVersion(version)
            return IndexBuildReport(
                manifest: final, duration: clock.now - started, walkSteps: queue.walkSteps, threadCount: threadCount)
        } catch {
            try? store.failVersion(version)  // best effort: the error that stopped the build is the one to report
            throw error
        }
    }

    /// Starts the worker threads; the returned group is left when all have finished.
    private func startWorkers(queue: ChunkQueue, localVertexCount: Int) -> DispatchGroup {
        let group = DispatchGroup()
        // A weighted graph's alias tables are built once and shared by every thread's walker.
        let aliasTable = graph.isWeighted ? AliasTable(graph: graph) : nil
        for _ in 0..<threadCount {
            group.enter()
            let (graph, parameters, shardIndex, shardCount) = (graph, parameters, shardIndex, shardCount)
            let thread = Thread {
                var walker = FingerprintWalker(graph: graph, parameters: parameters, aliasTable: aliasTable)
                while let index = queue.claim() {
                    let first = index * StoreLayout.chunkVertexCount
                    let last = min(localVertexCount, first + StoreLayout.chunkVertexCount)
                    let before = walker.stepCount
                    let fingerprints = walker.fingerprints(
                        of: (first..<last).lazy.map { VertexIndex($0 * shardCount + shardIndex) })
                    queue.deliver(
                        EncodedChunk(index: UInt32(index), fingerprints: fingerprints),
                        walkSteps: walker.stepCount - before)
                }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        return group
    }
}

/// How far a build has got.
public struct IndexBuildProgress: Equatable, Sendable {
    /// Fingerprints computed and handed to the store.
    public var verticesDone: Int
    /// Fingerprints the version will hold.
    public var vertexTotal: Int
    /// Walk steps taken so far (over all threads).
    public var walkSteps: Int
}

/// Figures of a finished build.
public struct IndexBuildReport: Equatable, Sendable {
    /// The completed version's manifest (with totals).
    public var manifest: StoreManifest
    /// Wall-clock time from begin to complete.
    public var duration: Duration
    /// Walk steps over all threads.
    public var walkSteps: Int
    /// Worker threads used.
    public var threadCount: Int

    /// Stored bytes (chunk values) per fingerprint.
    public var bytesPerVertex: Double {
        manifest.fingerprintCount == 0 ? 0 : Double(manifest.byteCount) / Double(manifest.fingerprintCount)
    }

    /// Wall-clock seconds.
    public var seconds: Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
