// RequestGate: the one point every wire request of a server passes through, for two things:
// - metrics: count and time each request by method and outcome (`RequestMetrics`);
// - graceful shutdown: `drain(within:)` makes new requests fail at once with UNAVAILABLE ("shutting down",
//   so a coordinator moves on to another replica and a client retries elsewhere) and waits until the
//   requests already being handled have answered, or the grace period is over. The server is closed
//   only after that, so an in-flight request is not cancelled by the shutdown.
import PPRCore
import PPRWire
import Synchronization

/// Wraps a server's handler with request metrics and a drain for graceful shutdown.
public final class RequestGate: Sendable {
    private let metrics: RequestMetrics
    private let state = Mutex(State())

    private struct State {
        var inFlight = 0
        var draining = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// A gate recording metrics labelled `role` (`front` or `worker`).
    public init(role: String) {
        metrics = RequestMetrics(role: role)
    }

    /// Answers `request` through `handler`, unless draining; records the outcome.
    public func handle(_ request: WireRequest, with handler: (WireRequest) async -> WireResponse) async -> WireResponse
    {
        let clock = ContinuousClock()
        let started = clock.now
        let admitted = state.withLock { state -> Int? in
            guard !state.draining else { return nil }
            state.inFlight += 1
            return state.inFlight
        }
        guard let inFlight = admitted else {
            let refused = WireResponse.failure(WireError(from: ServingError.shuttingDown))
            metrics.record(method: request.method, response: refused, elapsed: clock.now - started)
            return refused
        }
        metrics.setInFlight(inFlight)
        let response = await handler(request)
        metrics.record(method: request.method, response: response, elapsed: clock.now - started)
        let (left, waiters) = state.withLock { state in
            state.inFlight -= 1
            guard state.inFlight == 0 else { return (state.inFlight, [CheckedContinuation<Void, Never>]()) }
            defer { state.idleWaiters.removeAll() }
            return (0, state.idleWaiters)
        }
        metrics.setInFlight(left)
        for waiter in waiters { waiter.resume() }
        return response
    }

    /// Whether `drain` has been called.
    public var isDraining: Bool { state.withLock(\.draining) }

    /// Requests being handled now.
    public var inFlight: Int { state.withLock(\.inFlight) }

    /// Refuses new requests from now on and waits until none is in flight or `grace` has passed.
    /// Returns the number of requests still in flight (0 when all answered in time).
    @discardableResult
    public func drain(within grace: Duration) async -> Int {
        state.withLock { $0.draining = true }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitUntilIdle() }
            group.addTask { try? await Task.sleep(for: grace) }
            await group.next()
            group.cancelAll()
            // A waiter of waitUntilIdle is not cancellable; resume it so the group can finish.
            let waiters = self.state.withLock { state in
                defer { state.idleWaiters.removeAll() }
                return state.idleWaiters
            }
            for waiter in waiters { waiter.resume() }
        }
        return inFlight
    }

    private func waitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state in
                // Cancelled: drain has given up waiting (and may have collected the waiters already).
                if state.inFlight == 0 || Task.isCancelled { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}

/// Why a server refuses a request before handling it.
public enum ServingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The process is shutting down (SIGTERM): requests in flight finish, new ones are refused.
    case shuttingDown

    public var description: String {
        switch self {
        case .shuttingDown: "the server is shutting down; retry on another replica or later"
        }
    }
}

extension Worker {
    /// A shard's wire handler behind `gate` (the shard counts what its combines read: `WorkerShard.countRead`).
    static func gatedHandler(_ shard: WorkerShard, gate: RequestGate) -> WireServer.Handler {
        { request in await gate.handle(request) { await shard.handle($0) } }
    }
}

extension CoordinatorServer {
    /// Graceful stop: refuses new requests, waits up to `grace` for those in flight to answer, then stops
    /// serving and stops the job runner (a running job ends FAILED "interrupted by a coordinator
    /// shutdown; resubmit" and leaves no partial output; an index build leaves the active version as it was).
    /// Returns the number of requests that had not answered within `grace` (cancelled).
    @discardableResult
    public func shutdown(grace: Duration) async -> Int {
        let unanswered = await gate.drain(within: grace)
        await shutdown()
        return unanswered
    }
}
