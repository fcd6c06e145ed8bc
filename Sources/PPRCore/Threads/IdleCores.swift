import Synchronization

/// Lends the idle cores of a process to the parallel steps of single queries: "run this banded work with
/// up to N helper threads if cores are idle".
///
/// Query threads that do CPU work count themselves busy (`working`); a helper starts only while fewer than
/// `cores` threads are busy, and counts as busy until it returns. A helper that is not lent, or starts late,
/// costs speed only: the work is split into parts (target bands) that the calling thread claims too, and
/// every part's result is the same whichever thread ran it (the callers' bands write disjoint slots in a
/// fixed order), so answers do not depend on whether a core was idle. Under load (every core busy) no helper
/// starts: measured on the 2-core host, a second thread per query made latency 2-7x worse under 8 clients.
///
/// PPRCore starts no threads itself: `start` runs a job on another thread (e.g. `DispatchQueue.global().async`).
public final class IdleCores: Sendable {
    /// Threads that may be busy at once before no helper is lent (the process's cores).
    public let cores: Int
    /// Query threads working now (`working`) plus helpers running.
    private let busy = Atomic<Int>(0)
    private let start: @Sendable (@escaping @Sendable () -> Void) -> Void
    /// Asked before each loan: whether the host has a core that no thread (of any process) is using now.
    private let hostIdle: @Sendable () -> Bool
    /// Helpers lent so far (benchmarks, tests).
    private let lent = Atomic<Int>(0)

    /// Lends helpers while fewer than `cores` threads are busy and `hostIdle()` says a core of the host is
    /// free (other processes count there); `start` runs a job on another thread and must not run it before it
    /// returns.
    public init(
        cores: Int, hostIdle: @escaping @Sendable () -> Bool = { true },
        start: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void
    ) {
        self.cores = max(0, cores)
        self.hostIdle = hostIdle
        self.start = start
    }

    /// Never lends a helper: every part runs on the calling thread.
    public static let never = IdleCores(cores: 0) { _ in }

    /// Threads busy now (query threads inside `working` and running helpers).
    public var busyThreads: Int { busy.load(ordering: .relaxed) }

    /// Helpers lent since this instance was made.
    public var helpersLent: Int { lent.load(ordering: .relaxed) }

    /// Runs `body` with the calling thread counted busy (a query's own thread doing CPU work).
    public func working<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        busy.add(1, ordering: .relaxed)
        defer { busy.subtract(1, ordering: .relaxed) }
        return try body()
    }

    /// Starts `job` on another thread when a core is idle now (fewer than `cores` threads busy, and, when
    /// `askingHost`, the host agrees); the job counts as busy until it returns. Returns false, and drops `job`,
    /// when every core is busy.
    @discardableResult
    public func lend(askingHost: Bool = true, _ job: @escaping @Sendable () -> Void) -> Bool {
        var current = busy.load(ordering: .relaxed)
        guard current < cores, !askingHost || hostIdle() else { return false }
        while current < cores {
            let (exchanged, original) = busy.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged {
                startCounted(job)
                return true
            }
            current = original
        }
        return false
    }

    /// The threads of one query's expand step (`Decomposition`): the calling thread and up to `count - 1`
    /// helpers, each lent only if `allowed()` and a core is idle when the query starts it (the host asked
    /// too unless `askingHost` is false).
    public func pushThreads(
        count: Int, askingHost: Bool = true, allowed: @escaping @Sendable () -> Bool = { true }
    ) -> PushThreads {
        PushThreads(count: count) { [self] job in
            if allowed() { lend(askingHost: askingHost, job) }
        }
    }

    /// Threads of a query's step that start their helpers whatever the load (`count - 1` of them, each run on
    /// `start` at once, counted busy while it runs so other loans see it): for a short step right after a wait,
    /// when the host's and this process's counts still show threads that are about to sleep.
    public func unconditionalPushThreads(count: Int) -> PushThreads {
        PushThreads(count: count) { [self] job in
            busy.add(1, ordering: .relaxed)
            startCounted(job)
        }
    }

    /// Starts `job`, already counted in `busy`, as a lent helper; it leaves `busy` when it returns.
    private func startCounted(_ job: @escaping @Sendable () -> Void) {
        lent.add(1, ordering: .relaxed)
        start { [self] in
            job()
            busy.subtract(1, ordering: .relaxed)
        }
    }

    /// Runs `part(p)` exactly once for every `p` in `0 ..< parts`: on the calling thread and on up to
    /// `helpers` helpers lent from idle cores, each thread claiming the next unclaimed part. Returns when
    /// every part has run. `part` must give the same result whichever thread runs it (e.g. writes only its
    /// own band's slots); it may capture raw pointers valid for the duration of this call: a helper runs it
    /// only before this call returns (one that starts later does nothing).
    public func forEach(parts: Int, helpers: Int, _ part: @escaping @Sendable (Int) -> Void) {
        guard parts > 0 else { return }
        let split = PartSplit(parts: parts, helpers: max(0, min(helpers, parts - 1)))
        for slot in 0..<split.helpers {
            guard lend({ split.help(slot: slot, part) }) else { break }
        }
        split.claim(part)
        split.close()
    }
}
