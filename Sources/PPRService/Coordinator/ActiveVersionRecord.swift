import PPRStorage
import PPRWire
import Synchronization

/// Where the coordinator keeps the number of the index version queries read, across restarts.
///
/// The one place that knows how the active version is stored: in the coordinator's LMDB metadata (the
/// job ledger) when it has one, with a copy in memory so queries never touch LMDB; in memory only
/// otherwise (tests). On restart with nothing recorded, the coordinator re-adopts the version the
/// workers agree on (`Coordinator.adoptWorkersVersion`).
public final class ActiveVersionRecord: Sendable {
    private let ledger: JobLedger?
    private let cached: Mutex<UInt64?>
    /// Runs the LMDB write: a write transaction can wait for LMDB's writer lock, so never on the cooperative pool.
    private let writer = BlockingQueue(label: "powerwalk.coordinator.active-version", concurrent: false)

    /// A record kept in memory only (lost on restart).
    public init() {
        ledger = nil
        cached = Mutex(nil)
    }

    /// A record persisted in `ledger`'s metadata; reads the recorded version once.
    public init(ledger: JobLedger) throws(WireError) {
        self.ledger = ledger
        do {
            cached = Mutex(try ledger.metadata().activeIndexVersion)
        } catch {
            throw WireError(.internal, "cannot read the active index version: \(error)")
        }
    }

    /// The recorded version, if any.
    public func load() -> UInt64? { cached.withLock { $0 } }

    /// Records `version` as the active one (durably first, when persisted).
    public func store(_ version: UInt64) async throws(WireError) {
        if let ledger {
            do {
                try await writer.perform { try ledger.setActiveIndexVersion(version) }
            } catch {
                throw WireError(.internal, "cannot record index version \(version) as active: \(error)")
            }
        }
        cached.withLock { $0 = version }
    }
}
