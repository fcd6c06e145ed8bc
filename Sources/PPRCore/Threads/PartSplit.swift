import Synchronization

/// Parts `0 ..< parts` of one piece of work claimed by the calling thread and its helpers, and the handoff
/// between them: the one split behind `IdleCores.forEach` (the combine's target bands) and the steps' pull
/// bands (`PPREquationStep`).
///
/// Each thread claims the next unclaimed part until none is left, so a helper that starts late, or never,
/// costs speed only. The caller never waits for a helper that has not started (`help` does nothing once the
/// caller has closed the split); one that is working is waited for by spinning, then by blocking on the
/// lock that helper holds while it works (one lock per helper, so helpers never wait for each other).
///
/// Why spin that long: a blocked caller is woken by the helper's unlock, and on the 2-vCPU hosts measured a
/// wake-up costs tens of microseconds on the query's critical path. Until 2026-12-03 the steps' pull blocked
/// after 1,024 spins: `perf` of a one-client front run (`pwbench service ... --clients 1`) showed the
/// caller in `futex_lock_pi` under `close` on each step.
final class PartSplit: Sendable {
    let parts: Int
    /// The next part to claim.
    private let next = Atomic<Int>(0)
    /// Helpers between entering and leaving (low bits), and `closedBit` once the caller is done.
    private let state = Atomic<Int>(0)
    private static let closedBit = 1 << 32
    /// About 100-300 microseconds of spinning before blocking: a part takes tens to hundreds of
    /// microseconds, and waking a blocked thread on a busy host costs a scheduling round.
    static let spinLimit = 1 << 16
    /// Held by helper `slot` while it claims parts.
    private let helperLocks: [HelperLock]

    /// A split of `parts` parts for the caller and up to `helpers` helpers (slots `0 ..< helpers`).
    init(parts: Int, helpers: Int) {
        self.parts = parts
        helperLocks = (0..<max(0, helpers)).map { _ in HelperLock() }
    }

    /// Helper slots (`help(slot:_:)`).
    var helpers: Int { helperLocks.count }

    /// The calling thread's share: runs the next unclaimed part until none is left.
    func claim(_ part: (Int) -> Void) {
        while true {
            let p = next.add(1, ordering: .relaxed).oldValue
            guard p < parts else { return }
            part(p)
        }
    }

    /// Helper `slot`'s job (`slot` in `0 ..< helpers`, each used by one helper): claims parts holding its
    /// lock, unless the caller has already closed the split (then `part` may no longer be valid to run and
    /// nothing is touched).
    func help(slot: Int, _ part: (Int) -> Void) {
        let old = state.wrappingAdd(1, ordering: .acquiring).oldValue
        guard old & Self.closedBit == 0 else {
            state.wrappingSubtract(1, ordering: .relaxed)
            return
        }
        helperLocks[slot].mutex.withLock { _ in claim(part) }
        state.wrappingSubtract(1, ordering: .releasing)
    }

    /// The caller has no part left: stops helpers from starting and waits for those working (their writes
    /// are visible to the caller when this returns).
    func close() {
        var current = state.bitwiseOr(Self.closedBit, ordering: .acquiringAndReleasing).newValue
        var spins = 0
        while current & (Self.closedBit - 1) != 0 {
            spins &+= 1
            if spins == Self.spinLimit {
                for lock in helperLocks { lock.mutex.withLock { _ in } }
                spins = 0
            }
            current = state.load(ordering: .acquiring)
        }
    }
}

/// The lock a helper holds while it works (a class: `Mutex` is not copyable into an array).
private final class HelperLock: Sendable {
    let mutex = Mutex(())
}
