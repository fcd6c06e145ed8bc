// LedgerAccess: the job ledger's blocking LMDB calls on a serial BlockingQueue (one writer anyway).
import Dispatch
import PPRStorage
import PPRWire

/// The job ledger behind a serial queue, its errors as INTERNAL wire errors.
struct LedgerAccess: Sendable {
    let ledger: JobLedger
    private let queue: BlockingQueue

    init(_ ledger: JobLedger) {
        self.ledger = ledger
        queue = BlockingQueue(label: "powerwalk.jobs.ledger", concurrent: false, qos: .utility)
    }

    /// Runs `body` with the ledger on the ledger queue.
    func run<T: Sendable>(_ body: @escaping @Sendable (JobLedger) throws -> T) async throws(WireError)
        -> T
    {
        let ledger = ledger
        return try await queue.run { () throws(WireError) -> T in
            do { return try body(ledger) } catch let error as WireError { throw error } catch {
                throw WireError(.internal, "job ledger: \(error)")
            }
        }
    }
}
