// ListenerWatchdog: finds a listener that stopped accepting (nng 1.5.2, issue #1518; see Listener.swift)
// and restarts it.
//
// How it tells a stopped listener from a working one: every connection attempt that reaches a working
// listener moves one of its accept counters, and a stopped one never moves again. The failure that stops
// it is counted as "other", so only a new "other" failure raises suspicion. The watchdog then makes
// attempts of its own: a raw connection that sends eight zero bytes, a malformed TLS record (or SP header
// on tcp:// and ipc://), which the transport refuses at once with a protocol or crypto error, never the
// fatal one. If no counter moves across three such attempts, the listener has stopped: it is restarted
// on the same address. (A working listener pauses 100 ms after a harmless "other" failure and misses
// what arrives meanwhile; the attempts are spaced wider than that.)
internal import CNNG
import Synchronization

/// Watches one listener and restarts it when it has stopped accepting connections.
public final class ListenerWatchdog: Sendable {
    /// What one check concluded.
    public enum Verdict: Sendable, Equatable {
        /// Nothing suspicious since the last check.
        case quiet
        /// A new "other" failure, but the listener went on to count later outcomes.
        case accepting
        /// The listener counted nothing more, even for the watchdog's own attempts: it was restarted.
        case restarted
        /// As `restarted`, but listening again failed (the error's description); the next check retries.
        case restartFailed(String)
    }

    public let listener: Listener
    /// Attempts that must all go uncounted before the listener is declared stopped.
    private let attempts: Int
    /// How long to wait for an attempt to be counted.
    private let countWait: Duration
    /// The "other" failures already examined.
    private let examinedOther = Mutex<UInt64>(0)
    private let restartCount = Atomic<Int>(0)
    /// The last restart failed: the listener is closed and the next check listens again.
    private let restartPending = Mutex<Bool>(false)

    /// Whether `url`'s transport negotiates on accepted connections (tcp, tls+tcp, ipc), and so can be
    /// stopped by the nng 1.5.2 bug.
    public static func applies(to url: String) -> Bool {
        ["tcp://", "tcp4://", "tcp6://", "tls+tcp://", "tls+tcp4://", "tls+tcp6://", "ipc://"].contains {
            url.hasPrefix($0)
        }
    }

    public init(listener: Listener, attempts: Int = 3, countWait: Duration = .milliseconds(500)) {
        precondition(attempts >= 1, "the watchdog needs at least one attempt")
        self.listener = listener
        self.attempts = attempts
        self.countWait = countWait
        examinedOther.withLock { $0 = listener.activity?.otherFailures ?? 0 }
    }

    /// Restarts done so far (failed ones included).
    public var restarts: Int { restartCount.load(ordering: .relaxed) }

    /// False after a restart that could not listen again (until a later check succeeds): nothing accepts
    /// connections at the address then.
    public var isListening: Bool { !restartPending.withLock { $0 } }

    /// Checks every `period` until the task is cancelled; `report` hears every verdict but `.quiet`.
    public func run(every period: Duration, report: @Sendable (Verdict) -> Void) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: period) } catch { return }
            let verdict = await check()
            if verdict != .quiet { report(verdict) }
        }
    }

    /// One check: looks for a new "other" failure and, when there is one, whether the listener still
    /// counts outcomes (restarting it when it does not). After a failed restart, tries again at once.
    public func check() async -> Verdict {
        if restartPending.withLock({ $0 }) { return restart() }
        guard let now = listener.activity else { return .quiet }  // no statistics, or closed meanwhile
        let examined = examinedOther.withLock { $0 }
        guard now.otherFailures != examined else { return .quiet }
        if await countsOutcomes(after: now.outcomes) {
            examinedOther.withLock { $0 = now.otherFailures }
            return .accepting
        }
        if Task.isCancelled { return .quiet }  // shutting down: the socket is about to close anyway
        return restart()
    }

    private func restart() -> Verdict {
        restartCount.add(1, ordering: .relaxed)
        do {
            try listener.restart()
        } catch {
            restartPending.withLock { $0 = true }
            return .restartFailed(error.description)
        }
        restartPending.withLock { $0 = false }
        examinedOther.withLock { $0 = 0 }  // a new listener counts from zero
        return .restarted
    }

    /// Whether the listener counts an outcome beyond `mark`, making attempts of its own when needed.
    private func countsOutcomes(after mark: UInt64) async -> Bool {
        for _ in 0..<attempts {
            await ListenerProbe.sendMalformedOpening(to: listener.url, timeout: countWait)
            let deadline = ContinuousClock.now + countWait
            repeat {
                guard let now = listener.activity else { return true }  // closed: nothing to restart
                if now.outcomes > mark { return true }
                do { try await Task.sleep(for: .milliseconds(50)) } catch { return true }
            } while ContinuousClock.now < deadline
        }
        return false
    }
}

/// A raw connection that opens with bytes no transport accepts.
enum ListenerProbe {
    /// Connects to `url` without TLS or SP negotiation (`tls+tcp://` is dialled as `tcp://`), sends eight
    /// zero bytes and waits up to `timeout` for the listener's transport to close the connection.
    /// Failures are ignored: the caller only looks at what the listener counted.
    static func sendMalformedOpening(to url: String, timeout: Duration) async {
        // A wildcard listener (tcp://*:port, tcp://:port) is reached through loopback.
        let streamURL = (url.hasPrefix("tls+") ? String(url.dropFirst(4)) : url)
            .replacing("://*:", with: "://127.0.0.1:").replacing("://:", with: "://127.0.0.1:")
        var dialer: OpaquePointer?
        guard nng_stream_dialer_alloc(&dialer, streamURL) == 0, let dialer else { return }
        defer { nng_stream_dialer_free(dialer) }
        guard let io = try? AsyncIO() else { return }
        guard await io.run(timeout: timeout, { nng_stream_dialer_dial(dialer, $0) }) == 0,
            let stream = io.firstOutput()
        else { return }
        defer { nng_stream_free(stream) }  // closes it too
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        io.setBuffer(UnsafeMutableRawBufferPointer(rebasing: buffer[..<8]))
        guard await io.run(timeout: timeout, { nng_stream_send(stream, $0) }) == 0 else { return }
        // Read (and drop) what comes back, such as a TLS alert or the SP header, until the close.
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            io.setBuffer(buffer)
            if await io.run(timeout: deadline - ContinuousClock.now, { nng_stream_recv(stream, $0) }) != 0 { return }
        }
    }
}
