// DialerWatchdog: finds a background dialer that stopped redialling (nng 1.5.2, issue #1518; see
// Dialer.swift) and restarts it.
//
// How: a dialer without a connection must keep trying (every reconnect interval, at most a few seconds
// apart), and nng counts every attempt's outcome. A dialer that has no connection and whose counters stood
// still for `stalledChecks` consecutive checks has stopped: it is restarted. An attempt that waits on an
// unreachable host also counts nothing while it waits; restarting it only starts the same attempt again.
import Synchronization

/// Watches one dialer and restarts it when it has stopped redialling.
public final class DialerWatchdog: Sendable {
    public let dialer: Dialer
    /// Consecutive checks without a connection or a counted outcome before the dialer is restarted.
    private let stalledChecks: Int
    /// The outcomes counted at the last check and how many checks in a row saw them unchanged, unconnected.
    private let state = Mutex<(outcomes: UInt64, stalled: Int)>((0, 0))
    private let restartCount = Atomic<Int>(0)

    /// - Parameter stalledChecks: pick it so that `stalledChecks` check periods exceed the socket's
    ///   longest reconnect interval by a margin.
    public init(dialer: Dialer, stalledChecks: Int = 5) {
        precondition(stalledChecks >= 1, "the watchdog needs at least one check")
        self.dialer = dialer
        self.stalledChecks = stalledChecks
        state.withLock { $0.outcomes = dialer.activity?.outcomes ?? 0 }
    }

    /// Restarts done so far.
    public var restarts: Int { restartCount.load(ordering: .relaxed) }

    /// One check; returns whether it restarted the dialer (a failed restart is retried at the next one).
    @discardableResult
    public func check() -> Bool {
        guard let now = dialer.activity else { return false }  // no statistics, or closed meanwhile
        let stalled = state.withLock { state -> Bool in
            if now.connections > 0 || now.outcomes != state.outcomes {
                state = (now.outcomes, 0)
                return false
            }
            state.stalled += 1
            return state.stalled >= stalledChecks
        }
        guard stalled else { return false }
        guard (try? dialer.restart()) != nil else { return false }
        restartCount.add(1, ordering: .relaxed)
        state.withLock { $0 = (0, 0) }  // a new dialer counts from zero
        return true
    }

    /// Checks every `period` until the task is cancelled.
    public func run(every period: Duration) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: period) } catch { return }
            check()
        }
    }
}
