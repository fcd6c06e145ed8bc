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
        for slot in 0..<split.helperLocks.count {
            let started = lend {
                guard split.enter() else { return }  // the caller finished every part without it
                split.helperLocks[slot].mutex.withLock { _ in split.claim(part) }
                split.leave()
            }
            if !started { break }
        }
        split.claim(part)
        split.close()
    }
}

/// The parts of one `forEach` and the handoff between the calling thread and its helpers.
///
/// The caller never waits for a helper that has not started (`enter` fails after `close`); one that is
/// working is waited for by spinning briefly, then by blocking on the lock it holds while it works.
private final class PartSplit: Sendable {
    let parts: Int
    /// The next part to claim.
    let next = Atomic<Int>(0)
    /// Helpers between `enter` and `leave` (low bits), and `closedBit` once the caller is done.
    private let state = Atomic<Int>(0)
    private static let closedBit = 1 << 32
    /// About 100-300 microseconds of spinning before blocking (as `PushHandoff.spinLimit`): a part takes
    /// hundreds of microseconds, and waking a blocked thread on a busy host costs a scheduling round.
    static let spinLimit = 1 << 16
    /// Held by helper `h` while it claims parts.
    let helperLocks: [HelperLock]

    init(parts: Int, helpers: Int) {
        self.parts = parts
        helperLocks = (0..<helpers).map { _ in HelperLock() }
    }

    /// Runs the next unclaimed part until none is left.
    func claim(_ part: (Int) -> Void) {
        while true {
            let p = next.add(1, ordering: .relaxed).oldValue
            guard p < parts else { return }
            part(p)
        }
    }

    /// A helper may start: false when the caller has closed the split (the helper then does nothing).
    func enter() -> Bool {
        let old = state.wrappingAdd(1, ordering: .acquiring).oldValue
        guard old & Self.closedBit == 0 else {
            state.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// A helper has run its parts (its writes are visible to the caller after `close`).
    func leave() { state.wrappingSubtract(1, ordering: .releasing) }

    /// The caller has no part left: stops helpers from starting and waits for those working.
    func close() {
        var current = state.bitwiseOr(Self.closedBit, ordering: .acquiringAndReleasing).newValue
        var spins = 0
        while current & (Self.closedBit - 1) != 0 {
            spins &+= 1
            if spins == PartSplit.spinLimit {
                for lock in helperLocks { lock.mutex.withLock { _ in } }
                spins = 0
            }
            current = state.load(ordering: .acquiring)
        }
    }
}

/// The lock a helper of `forEach` holds while it works (a class: `Mutex` is not copyable into an array).
private final class HelperLock: Sendable {
    let mutex = Mutex(())
}
