// WorkerShard's index versions: readers of complete versions (cached) and activation.
//
// Activation keeps the version it replaces (for rollback) and deletes the others, so a store holds at
// most: versions being built, the active one, the previous one, and versions read recently.
//
// Safety of activation against requests the worker cannot attribute to its coordinator (without the
// cluster's mutual TLS anyone who reaches the port may send them; with it, only the coordinator can):
// - only a complete version of this shard built for the served graph can be activated; anything else
//   (an unknown number, a version still building, failed, another shard's or graph's) is refused before
//   the store changes, so it deletes nothing;
// - "older" means older in activation order (the version replaced now is kept, whatever its number),
//   never numerically older: activating a huge number cannot sweep away every real version;
// - a version that served a combine within `recentReadRetention` is never deleted: the coordinator pins
//   its active version in every combine, so while it serves queries, its version survives activations it
//   did not ask for (an outsider's build-and-activate twice);
// - version numbers are range-checked (`storeVersion`, 1 ... FingerprintStore.maxVersion) before use, and
//   a store may reuse a number whose record is gone, so no request can exhaust the numbering.
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
                version: version, expecting: graph.checksum, graphWeighted: graph.graph.isWeighted,
                restartProbability: info.manifest.restartProbability)
        }
        state.withLock { $0.readers[version] = reader }
        return reader
    }

    /// How long after its last combine a version is protected from deletion by an activation.
    static let recentReadRetention: Duration = .seconds(600)

    /// Notes that `version` served a combine now (single, batch block or co-shard of a block), so activations
    /// keep it for `recentReadRetention`.
    func markRead(_ version: UInt32) {
        state.withLock { $0.lastRead[version] = .now }
    }

    /// Makes complete `version` active; returns it and the version it replaced (0: none).
    ///
    /// Then deletes the versions that are neither the new one, the replaced one (kept for rollback), being
    /// built, nor read within `recentReadRetention`. Activating the active version changes and deletes nothing.
    func activate(_ requested: UInt64) async throws(WireError) -> ActivateVersionResponse {
        let version = try storeVersion(requested)
        _ = try await reader(of: version)  // complete, this shard's, this graph's: else refused, nothing changed
        let now = ContinuousClock.now
        let protected = state.withLock { state in
            Set(state.lastRead.filter { now - $0.value < Self.recentReadRetention }.keys)
        }
        let (store, logger) = (store, logger)
        let (previous, deleted) = try await blocking(control) { () throws -> (UInt32?, [UInt32]) in
            let before = try store.activeVersion()
            try store.activate(version)
            guard let before, before != version else { return (before, []) }
            var deleted: [UInt32] = []
            for info in try store.versions()
            where info.version != before && info.version != version && info.state != .building
                && !protected.contains(info.version)
            {
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
            for old in deleted {
                state.readers[old] = nil
                state.lastRead[old] = nil
            }
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
