// BlockingExecutor: runs blocking work (LMDB transactions, CPU-heavy combines) on Dispatch threads, not on
// Swift's cooperative pool, and bridges the result back with a continuation. The pool is GCD's: on a
// 2-core box the cooperative pool has 2 threads, and one long LMDB read on it would stall every task.
// Concurrency is bounded by the callers (a WireServer serves at most `contexts` requests at once).
import Dispatch

/// Runs synchronous closures off the cooperative pool.
struct BlockingExecutor: Sendable {
    private let queue: DispatchQueue

    /// A queue named `label` (visible in debuggers and thread dumps); serial unless `concurrent`.
    init(label: String, concurrent: Bool = true) {
        queue = DispatchQueue(label: label, qos: .userInitiated, attributes: concurrent ? .concurrent : [])
    }

    /// Runs `body` on a Dispatch thread and returns its result (or rethrows its error).
    func run<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        let result: Result<R, any Error> = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Result { try body() }) }
        }
        return try result.get()
    }
}
