import Synchronization

/// Where the coordinator keeps the number of the index version queries read, across restarts.
///
/// The one place that knows how the active version is stored. It is kept in memory until the
/// coordinator's LMDB metadata store (the job ledger) holds it; on restart the coordinator then
/// re-adopts the version the workers agree on (`Coordinator.adoptWorkersVersion`).
public final class ActiveVersionRecord: Sendable {
    private let value = Mutex<UInt64?>(nil)

    /// An empty record (no version active).
    public init() {}

    /// The recorded version, if any.
    public func load() -> UInt64? { value.withLock { $0 } }

    /// Records `version` as the active one.
    public func store(_ version: UInt64) { value.withLock { $0 = version } }
}
