// Bridges blocking work (LMDB commits, file I/O, exact power iteration) off Swift's cooperative pool:
// the closure runs on a Dispatch queue and the calling task waits on a continuation.
import Dispatch
import PPRStorage
import PPRWire

/// Runs blocking closures on a Dispatch queue, never on the cooperative pool.
struct OffPool: Sendable {
    /// Serial for the ledger (one writer anyway), concurrent for CPU work.
    let queue: DispatchQueue

    /// A queue of its own named `label`.
    init(label: String, serial: Bool) {
        queue = DispatchQueue(label: label, qos: .utility, attributes: serial ? [] : .concurrent)
    }

    /// The result of `body`, computed on the queue; its error is passed through as a `WireError`.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(WireError) -> T) async throws(WireError) -> T {
        let result: Result<T, WireError> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(WireError) { continuation.resume(returning: .success(try body())) } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}

/// The job ledger behind a serial queue, its errors as INTERNAL wire errors.
struct LedgerAccess: Sendable {
    let ledger: JobLedger
    private let pool: OffPool

    init(_ ledger: JobLedger) {
        self.ledger = ledger
        pool = OffPool(label: "powerwalk.jobs.ledger", serial: true)
    }

    /// Runs `body` with the ledger on the ledger queue.
    func run<T: Sendable>(_ body: @escaping @Sendable (JobLedger) throws -> T) async throws(WireError)
        -> T
    {
        let ledger = ledger
        return try await pool.run { () throws(WireError) -> T in
            do { return try body(ledger) } catch let error as WireError { throw error } catch {
                throw WireError(.internal, "job ledger: \(error)")
            }
        }
    }
}
