// BlockingQueue: runs blocking work (LMDB transactions, file I/O, CPU-heavy expansions, combines and exact PPR)
// on a Dispatch queue, never on Swift's cooperative pool, and bridges the result back with a continuation.
// On a 2-core machine the cooperative pool has 2 threads; one long LMDB read or combine on it would stall
// every task of the process. Concurrency is bounded by the callers (a WireServer serves at most
// `contexts` requests at once; jobs run one at a time).
import Dispatch

/// Runs synchronous closures on a Dispatch queue of its own.
struct BlockingQueue: Sendable {
    private let queue: DispatchQueue

    /// A queue named `label` (visible in debuggers and thread dumps); serial unless `concurrent`.
    init(label: String, concurrent: Bool, qos: DispatchQoS = .userInitiated) {
        queue = DispatchQueue(label: label, qos: qos, attributes: concurrent ? .concurrent : [])
    }

    /// The result of `body`, computed on the queue; its error is passed through with its type (a domain
    /// error stays one; the caller maps it to the wire where it answers).
    func run<T: Sendable, Failure: Error>(
        _ body: @escaping @Sendable () throws(Failure) -> T
    ) async throws(Failure) -> T {
        let result: Result<T, Failure> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(Failure) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// The result of `body`, computed on the queue; any error is rethrown as it is.
    func perform<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        let result: Result<R, any Error> = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Result { try body() }) }
        }
        return try result.get()
    }
}
