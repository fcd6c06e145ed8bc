internal import CNNG
import Synchronization

/// An `nng_aio` bridged to Swift concurrency: one operation at a time, completed through a continuation.
///
/// nng runs the completion callback on one of its own threads; the callback only reads the result
/// and resumes the waiting task, so no task ever blocks a cooperative-pool thread on nng.
final class AsyncIO: @unchecked Sendable {
    /// The task waiting for the running operation, and whether that task asked to cancel it.
    private struct Waiter {
        var continuation: CheckedContinuation<CInt, Never>?
        var cancelRequested = false
    }

    // Safety: `aio` is written once in init and freed in deinit; nng serialises the callback with
    // respect to operations on the aio, and `waiter` (the only mutable state) sits behind a Mutex.
    private var aio: OpaquePointer?  // owned; freed in deinit (nng_aio_free waits for a running callback)
    private let waiter = Mutex(Waiter())

    init() throws(NNGError) {
        var raw: OpaquePointer?
        // Safety: the callback argument is an unretained pointer to self. It stays valid because the
        // aio is freed (and any running callback waited for) in deinit, before self's memory goes.
        let me = Unmanaged.passUnretained(self).toOpaque()
        try check(nng_aio_alloc(&raw, { arg in AsyncIO.complete(arg) }, me), "nng_aio_alloc")
        aio = raw
    }

    deinit {
        if let aio { nng_aio_free(aio) }
    }

    private static func complete(_ arg: UnsafeMutableRawPointer?) {
        // Safety: arg is the pointer passed in init. The callback must not retain self: if it held
        // the last reference, deinit would run here and nng_aio_free would wait for this very
        // callback (a deadlock). Unretained access is valid because deinit waits for us.
        Unmanaged<AsyncIO>.fromOpaque(arg!)._withUnsafeGuaranteedRef { io in
            let rc = nng_aio_result(io.aio)
            let continuation = io.waiter.withLock { state in
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume(returning: rc)
        }
    }

    /// Starts the operation `start` on the aio with a deadline and waits for its completion code.
    ///
    /// Task cancellation cancels the aio (the result is then `NNG_ECANCELED`), whenever it happens.
    func run(timeout: Duration?, _ start: (OpaquePointer) -> Void) async -> CInt {
        let aio = self.aio!
        nng_aio_set_timeout(aio, nngDuration(timeout))
        waiter.withLock { $0.cancelRequested = false }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CInt, Never>) in
                waiter.withLock { state in
                    precondition(state.continuation == nil, "an nng context runs one operation at a time")
                    state.continuation = continuation
                }
                start(aio)
                // A cancel that arrived before start found nothing to abort; abort now instead.
                if waiter.withLock({ $0.cancelRequested }) { nng_aio_cancel(aio) }
            }
        } onCancel: {
            self.cancel()
        }
    }

    /// Aborts the running operation, if any, and marks the waiting one cancelled (safe from any thread).
    private func cancel() {
        waiter.withLock { $0.cancelRequested = true }
        if let aio { nng_aio_cancel(aio) }
    }

    /// Points the aio's data at `buffer` (for stream sends and receives); the buffer must outlive the operation.
    func setBuffer(_ buffer: UnsafeMutableRawBufferPointer) {
        var iov = nng_iov(iov_buf: buffer.baseAddress, iov_len: buffer.count)
        _ = nng_aio_set_iov(aio, 1, &iov)  // one element never exceeds nng's limit; nng copies the vector
    }

    /// The first output of the last operation (the stream of a stream dial).
    func firstOutput() -> OpaquePointer? {
        nng_aio_get_output(aio, 0).map { OpaquePointer($0) }
    }

    /// Hands `message` to the aio for a send.
    func setMessage(_ message: OpaquePointer?) { nng_aio_set_msg(aio, message) }

    /// The message the last operation left on the aio (received, or unsent after a failed send).
    func takeMessage() -> OpaquePointer? {
        let message = nng_aio_get_msg(aio)
        nng_aio_set_msg(aio, nil)
        return message
    }
}
