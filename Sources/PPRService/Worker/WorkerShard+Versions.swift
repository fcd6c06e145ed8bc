// WorkerShard's index versions: readers of complete versions (cached) and activation.
//
// Activation keeps the version it replaces (for rollback) and deletes the ones older than that, so a
// store holds at most: versions being built, the active one, the previous one.
import Logging
import PPRCore
import PPRStorage
import PPRWire
import Synchronization

extension WorkerShard {
    /// A reader of `version`, which must be complete, of this shard, and built for the served graph.
    func reader(of version: UInt32) async throws(WireError) -> FingerprintStoreReader {
        if let cached = state.withLock({ $0.readers[version] }) { return cached }
        let (store, graph, id, shardCount) = (store, graph, id, shardCount)
        let reader = try await blocking(executor) { () throws -> FingerprintStoreReader in
            let infos = try store.versions()
            guard let info = infos.first(where: { $0.version == version }), info.state == .complete else {
                let known = infos.map { "version \($0.version) \($0.state)" }.joined(separator: ", ")
                throw WireError(
                    .failedPrecondition,
                    "\(id) has no complete index version \(version) (store \(store.directory): "
                        + "\(known.isEmpty ? "no versions" : known))")
            }
            guard info.manifest.shardIndex == id.rawValue, info.manifest.shardCount == shardCount else {
                throw WireError(
                    .failedPrecondition,
                    "\(id) of \(shardCount): index version \(version) in \(store.directory) holds shard "
                        + "\(info.manifest.shardIndex) of \(info.manifest.shardCount)")
            }
            return try store.reader(
                version: version, expecting: graph.checksum, restartProbability: info.manifest.restartProbability)
        }
        state.withLock { $0.readers[version] = reader }
        return reader
    }

    /// Makes complete `version` active; returns it and the version it replaced (0: none).
    ///
    /// Then deletes versions older than the replaced one (not the replaced one: it is kept for rollback;
    /// never a version being built). Activating the active version changes and deletes nothing.
    func activate(_ requested: UInt64) async throws(WireError) -> ActivateVersionResponse {
        let version = try storeVersion(requested)
        let (store, logger) = (store, logger)
        let (previous, deleted) = try await blocking(control) { () throws -> (UInt32?, [UInt32]) in
            let before = try store.activeVersion()
            try store.activate(version)
            guard let before, before != version else { return (before, []) }
            var deleted: [UInt32] = []
            for info in try store.versions()
            where info.version < before && info.version != version && info.state != .building {
                do {
                    try store.deleteVersion(info.version)
                    deleted.append(info.version)
                } catch {
                    // The activation stands; an old version left behind costs only disk space.
                    logger.warning(
                        "cannot delete an old index version",
                        metadata: ["version": "\(info.version)", "error": "\(error)"])
                }
            }
            return (before, deleted)
        }
        state.withLock { state in
            for old in deleted { state.readers[old] = nil }
        }
        logger.info(
            "activated index version",
            metadata: [
                "version": "\(version)", "previous": "\(previous ?? 0)",
                "deleted": "\(deleted.map(String.init).joined(separator: ","))",
            ])
        return ActivateVersionResponse(activeVersion: UInt64(version), previousVersion: UInt64(previous ?? 0))
    }
}
