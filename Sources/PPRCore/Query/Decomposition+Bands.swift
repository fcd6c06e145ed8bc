import Synchronization

/// The level loop of `Decomposition` over one or more threads, split by vertex band (`TargetBands`).
///
/// Role `r` (one per thread) owns the vertices of its bands: at each level it scans its own active vertices in
/// ascending order (threshold test, kept, frontier, statistics: the per-vertex work, done once), lists the
/// expanded ones with their share, then pushes every role's list, in role order (so ascending source order),
/// along the edges that enter its own bands. Every flow slot therefore receives its shares in ascending
/// source order, as in a one-thread push: the answer is bit-identical whatever the thread count. Role 0's
/// sources come first in every slot's order, so it pushes into its own bands as it expands. The statistics
/// sums run in that same order: the calling thread adds its own values as it goes, and the other roles'
/// values (recorded per level, `FlowSequences`) once their lists are published.
///
/// Handoff (per query, `PushHandoff`): a role's work at level `L` is one unit, claimed by an atomic
/// compare-exchange on the role's `state` (`2L + 1` while it runs, `2L` when done), so a helper thread that
/// starts late or never leaves its units to the calling thread. The calling thread opens level `L`, expands
/// its band, then for each other role either claims the unit (it was not taken) or waits for the role's list;
/// the roles then push. Small levels (fewer than `soloEdges` edges pushed at the level before), and levels
/// before every helper job has started (all of them when the jobs wait for a busy pool), are done by the
/// calling thread alone, in one fused pass at one-thread cost. Waits spin (a query's levels are tens of
/// microseconds apart), then block on a lock the awaited thread holds while it works.
extension Decomposition {
    /// A level whose previous level pushed fewer edges than this runs on the calling thread alone.
    static let soloEdges = 2_048

    /// The level loop; the scratch vectors are all zero on entry and on exit.
    func runBands(
        _ personalization: Personalization, alpha: Double, maxLevels: Int, dropFloor: Double, rule: ExpansionThreshold,
        scratch: ExpandScratch
    ) -> (pushed: [WeightedVertex], frontier: [WeightedVertex], stats: Expansion.Statistics) {
        // Empty arrays have no base address: a graph without edges pushes nothing, so a dummy entry will do.
        let targetArray = graph.targets.isEmpty ? [0] : graph.targets
        let splitArray = bands.map { $0.splits.isEmpty ? [0] : $0.splits } ?? [0]
        return graph.offsets.withUnsafeBufferPointer { offsets in
            targetArray.withUnsafeBufferPointer { targets in
                (graph.weights ?? []).withUnsafeBufferPointer { weights in
                    splitArray.withUnsafeBufferPointer { splits in
                        guard let offsetBase = offsets.baseAddress, let targetBase = targets.baseAddress,
                            let splitBase = splits.baseAddress
                        else { return ([], [], Expansion.Statistics()) }
                        let push = BandPush(
                            offsets: offsetBase, targets: targetBase,
                            weights: graph.isWeighted ? weights.baseAddress : nil, splits: splitBase,
                            scratch: scratch, rule: rule, alpha: alpha, dropFloor: dropFloor,
                            handoff: PushHandoff(roles: scratch.roles.count))
                        return push.run(personalization, maxLevels: maxLevels, threads: threads)
                    }
                }
            }
        }
    }
}

/// One entry of a role's list: an expanded vertex and the share each out-edge carries (on a weighted graph,
/// the scale `(1-alpha) f / Σw` that edge `e` multiplies by its weight).
struct PushEntry {
    var vertex: VertexIndex
    var share: Double
}

/// A growable list in raw memory, for the level loop (no uniqueness or bounds checks on reads).
struct RawList<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    func deallocate() { base.deallocate() }

    mutating func removeAll() { count = 0 }

    @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { grow() }
        base[count] = element
        count &+= 1
    }

    @inline(never)
    private mutating func grow() {
        let newCapacity = capacity * 2
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    var buffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: base, count: count) }
}

/// Where the flow of a level goes, for the statistics sums.
protocol FlowTally {
    /// `f` was expanded (`flowPushed`).
    mutating func expanded(_ f: Double)
    /// A dangling vertex's expansion lost `loss`.
    mutating func dangling(_ loss: Double)
    /// `f` joined the frontier.
    mutating func frontier(_ f: Double)
    /// `f` was below the drop floor.
    mutating func dropped(_ f: Double)
}

/// The statistics sums, added as the flow moves (one thread, or the replay of `FlowSequences`).
struct FlowSums: FlowTally {
    var flowPushed = 0.0
    var danglingLoss = 0.0
    var frontierFlow = 0.0
    var droppedFlow = 0.0

    @inline(__always) mutating func expanded(_ f: Double) { flowPushed += f }
    @inline(__always) mutating func dangling(_ loss: Double) { danglingLoss += loss }
    @inline(__always) mutating func frontier(_ f: Double) { frontierFlow += f }
    @inline(__always) mutating func dropped(_ f: Double) { droppedFlow += f }
}

/// A helper role's values for the statistics sums of one level, in order: the calling thread adds them
/// to its sums after its own (`FlowSums`) once the level's lists are published, so every sum runs in the
/// one-thread order (level by level, band by band) and is bit-identical.
struct FlowSequences: FlowTally {
    var expandedFlows = RawList<Double>(capacity: 1024)
    var danglingLosses = RawList<Double>(capacity: 64)
    var frontierFlows = RawList<Double>(capacity: 4096)
    var droppedFlows = RawList<Double>(capacity: 64)

    @inline(__always) mutating func expanded(_ f: Double) { expandedFlows.append(f) }
    @inline(__always) mutating func dangling(_ loss: Double) { danglingLosses.append(loss) }
    @inline(__always) mutating func frontier(_ f: Double) { frontierFlows.append(f) }
    @inline(__always) mutating func dropped(_ f: Double) { droppedFlows.append(f) }

    /// Adds the recorded values to `sums`, each sum in recording order, and forgets them.
    mutating func replay(into sums: inout FlowSums) {
        for f in expandedFlows.buffer { sums.flowPushed += f }
        for loss in danglingLosses.buffer { sums.danglingLoss += loss }
        for f in frontierFlows.buffer { sums.frontierFlow += f }
        for f in droppedFlows.buffer { sums.droppedFlow += f }
        removeAll()
    }

    mutating func removeAll() {
        expandedFlows.removeAll()
        danglingLosses.removeAll()
        frontierFlows.removeAll()
        droppedFlows.removeAll()
    }

    func deallocate() {
        expandedFlows.deallocate()
        danglingLosses.deallocate()
        frontierFlows.deallocate()
        droppedFlows.deallocate()
    }
}

/// How `expandBand` hands on an expansion.
enum PushMode {
    /// Push along every out-edge now (this thread owns every band for the level).
    case all
    /// List it for `pushBand`.
    case list
    /// Push along the edges into this role's bands now and list it for the others: role 0 only, whose
    /// sources come first in every slot's order.
    case ownAndList
}

/// What one thread's role owns: its vertex band's marks words and target bands, its lists of the two level
/// parities, its touched lists and its statistics. Used by one thread at a time (handed over through
/// `PushHandoff`).
final class BandRole {
    /// The marks words of its vertices.
    let words: Range<Int>
    /// Its bands in `TargetBands` (all of them with one thread).
    let bands: Range<Int>
    /// Expanded vertices of the even and odd levels (read by the other roles once published).
    var evenEntries: RawList<PushEntry>
    var oddEntries: RawList<PushEntry>
    /// Edges pushed at the even and odd levels (published with the lists).
    var evenEdges = 0
    var oddEdges = 0
    var keptTouched = RawList<VertexIndex>(capacity: 256)
    var frontierTouched = RawList<VertexIndex>(capacity: 256)
    var tally = FlowSequences()
    var verticesExpanded = 0
    var edgesPushed = 0

    init(words: Range<Int>, bands: Range<Int>, entryCapacity: Int) {
        self.words = words
        self.bands = bands
        evenEntries = RawList(capacity: entryCapacity)
        oddEntries = RawList(capacity: entryCapacity)
    }

    func reset() {
        keptTouched.removeAll()
        frontierTouched.removeAll()
        tally.removeAll()
        verticesExpanded = 0
        edgesPushed = 0
    }

    deinit {
        evenEntries.deallocate()
        oddEntries.deallocate()
        keptTouched.deallocate()
        frontierTouched.deallocate()
        tally.deallocate()
    }
}

/// The dense scratch of a `Decomposition` in raw memory (all zero between calls), and its roles.
final class ExpandScratch {
    /// Flow by vertex: level `L` reads `flows[(L-1) & 1]` and writes `flows[L & 1]`.
    let flows: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>)
    /// One bit per vertex: the active vertices, same parity as `flows`.
    let marks: (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt64>)
    /// Kept answer (`alpha * f`) by vertex.
    let kept: UnsafeMutablePointer<Double>
    /// Frontier weight by vertex.
    let frontier: UnsafeMutablePointer<Double>
    let wordCount: Int
    let roles: [BandRole]

    /// Scratch for `vertexCount` vertices and `threads` roles over `bands` (one role when nil).
    init(vertexCount n: Int, bands: TargetBands?, threads: Int) {
        func zeroed<T: BitwiseCopyable>(_ count: Int, _ zero: T) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(1, count))
            pointer.initialize(repeating: zero, count: max(1, count))
            return pointer
        }
        wordCount = (n + 63) / 64
        flows = (zeroed(n, 0.0), zeroed(n, 0.0))
        marks = (zeroed(wordCount, UInt64(0)), zeroed(wordCount, UInt64(0)))
        kept = zeroed(n, 0.0)
        frontier = zeroed(n, 0.0)
        guard let bands, threads > 1 else {
            roles = [BandRole(words: 0..<wordCount, bands: 0..<TargetBands.bandCount, entryCapacity: 1)]
            return
        }
        let count = TargetBands.bandCount
        roles = (0..<threads).map { t in
            let first = t * count / threads
            let end = (t + 1) * count / threads
            let low = bands.starts[first]
            let high = bands.starts[end]
            return BandRole(words: low / 64..<(high + 63) / 64, bands: first..<end, entryCapacity: high - low)
        }
    }

    deinit {
        flows.0.deallocate()
        flows.1.deallocate()
        marks.0.deallocate()
        marks.1.deallocate()
        kept.deallocate()
        frontier.deallocate()
    }
}

/// The per-query signals of each role (`Decomposition+Bands.swift`'s handoff).
final class RoleSignals: Sendable {
    /// `2L`: the role's units up to level `L` are done; `2L + 1`: unit `L` is running; `closed`: no more.
    let state = Atomic<Int>(0)
    /// The last level whose list this role has published.
    let published = Atomic<Int>(0)
    /// Held by whoever expands the role's band for a shared level, from before its claim until it publishes:
    /// a thread waiting for the list blocks here once it has spun long enough.
    let expanding = Mutex<Void>(())
    /// Held by a helper for its whole unit: waiting for the unit to end blocks here.
    let running = Mutex<Void>(())
    /// Whether the role's helper job has started (until then its levels are not shared).
    let started = Atomic<Bool>(false)
    static let closed = -2
}

/// The handoff of one query between the calling thread and the helpers.
final class PushHandoff: Sendable {
    /// The last level the calling thread opened to the helpers (solo levels are not opened).
    let opened = Atomic<Int>(0)
    /// Held by the calling thread while it works between shared levels (pushing, solo levels): an idle
    /// helper that has spun long enough blocks here.
    let gate = Mutex<Void>(())
    let roles: [RoleSignals]

    init(roles: Int) { self.roles = (0..<roles).map { _ in RoleSignals() } }

    /// Spins until `ready()`; every `spinLimit` tries blocks in `block` (taking a lock the awaited thread
    /// holds while it is busy), so a descheduled partner costs a futex wait, not a spinning core.
    static func wait(until ready: () -> Bool, blockingIn block: () -> Void) {
        var spins = 0
        while !ready() {
            spins &+= 1
            if spins == spinLimit {
                block()
                spins = 0
            }
        }
    }

    /// About 100-300 microseconds of spinning: longer than most waits between the levels of a query, since
    /// waking a blocked thread costs tens of microseconds (more on a virtual machine).
    static let spinLimit = 1 << 16
}

/// One query's push: raw views of the graph, the layout and the scratch, shared with the helper threads.
/// The graph views stay valid while the query runs: the calling thread waits for every claimed unit before
/// it returns, and a helper touches them only inside a unit.
struct BandPush: @unchecked Sendable {
    let offsets: UnsafePointer<UInt64>
    let targets: UnsafePointer<VertexIndex>
    /// Nil on an unweighted graph.
    let weights: UnsafePointer<Double>?
    let splits: UnsafePointer<UInt32>
    let scratch: ExpandScratch
    let rule: ExpansionThreshold
    let alpha: Double
    let dropFloor: Double
    let handoff: PushHandoff

    /// The level loop (see `Decomposition+Bands.swift`).
    func run(
        _ personalization: Personalization, maxLevels: Int, threads: PushThreads
    ) -> (pushed: [WeightedVertex], frontier: [WeightedVertex], stats: Expansion.Statistics) {
        let roles = scratch.roles
        for role in roles { role.reset() }
        for entry in personalization.entries {
            let v = Int(entry.vertex)
            scratch.flows.0[v] = entry.weight
            scratch.marks.0[v &>> 6] |= 1 &<< UInt64(v & 63)
        }
        var sums = FlowSums()
        var level = 0
        var more = !personalization.entries.isEmpty
        if roles.count == 1 {
            while level < maxLevels, more {
                level += 1
                more = expandBand(0, level: level, mode: .all, &sums) > 0
            }
        } else {
            for t in 1..<roles.count { threads.start { [self] in helperLoop(t) } }
            var lastEdges = 0
            var stolen = 0  // bit t: this thread claimed role t's unit of the shared level
            var pushPending = false
            while true {
                // Pushing, solo levels and opening the next shared level happen behind the gate.
                let shared = handoff.gate.withLock { _ -> Bool in
                    if pushPending {
                        (more, lastEdges) = finishSharedLevel(level, stolen: stolen, &sums)
                        pushPending = false
                    }
                    // Small levels, and levels before every helper has started, are not worth sharing.
                    while level < maxLevels, more,
                        lastEdges < Decomposition.soloEdges
                            || !handoff.roles.dropFirst().allSatisfy({ $0.started.load(ordering: .acquiring) })
                    {
                        level += 1
                        (more, lastEdges) = soloLevel(level, &sums)
                    }
                    guard level < maxLevels, more else { return false }
                    level += 1
                    handoff.opened.store(level, ordering: .releasing)
                    return true
                }
                guard shared else { break }
                handoff.roles[0].expanding.withLock { _ in
                    expandBand(0, level: level, mode: .ownAndList, &sums)
                    handoff.roles[0].published.store(level, ordering: .releasing)
                }
                stolen = 0
                for t in 1..<roles.count where claimOrAwaitList(t, level) { stolen |= 1 << t }
                pushPending = true
            }
            close()
        }
        // After T levels the remaining flow joins the frontier (ascending, like a level).
        let flow = level & 1 == 0 ? scratch.flows.0 : scratch.flows.1
        let active = level & 1 == 0 ? scratch.marks.0 : scratch.marks.1
        for role in roles {
            var touched = role.frontierTouched
            for word in role.words {
                var bits = active[word]
                guard bits != 0 else { continue }
                active[word] = 0
                repeat {
                    let v = word &<< 6 | bits.trailingZeroBitCount
                    bits &= bits &- 1
                    let f = flow[v]
                    guard f > 0 else { continue }
                    flow[v] = 0
                    addToFrontier(v, f, &touched, &sums)
                } while bits != 0
            }
            role.frontierTouched = touched
        }
        var stats = Expansion.Statistics()
        stats.levels = level
        stats.flowPushed = sums.flowPushed
        stats.danglingLoss = sums.danglingLoss
        stats.frontierFlow = sums.frontierFlow
        stats.droppedFlow = sums.droppedFlow
        var keptTouched = roles[0].keptTouched
        var frontierTouched = roles[0].frontierTouched
        for role in roles {
            stats.verticesExpanded += role.verticesExpanded
            stats.edgesPushed += role.edgesPushed
            guard role !== roles[0] else { continue }
            for v in role.keptTouched.buffer { keptTouched.append(v) }
            for v in role.frontierTouched.buffer { frontierTouched.append(v) }
        }
        roles[0].keptTouched = keptTouched
        roles[0].frontierTouched = frontierTouched
        let pushed = Decomposition.drain(scratch.kept, keptTouched.buffer, scratch.marks.0, words: scratch.wordCount)
        let frontier = Decomposition.drain(
            scratch.frontier, frontierTouched.buffer, scratch.marks.0, words: scratch.wordCount)
        return (pushed, frontier, stats)
    }

    /// Level `level` on the calling thread alone: it claims every role's unit and expands the bands in order,
    /// pushing each expansion at once. Returns whether an edge was pushed and how many.
    private func soloLevel(_ level: Int, _ sums: inout FlowSums) -> (more: Bool, edges: Int) {
        let roles = scratch.roles
        for t in 1..<roles.count {
            let signals = handoff.roles[t]
            PushHandoff.wait(
                until: {
                    signals.state.compareExchange(
                        expected: 2 * (level - 1), desired: 2 * level + 1, ordering: .acquiringAndReleasing
                    ).exchanged
                },
                blockingIn: { signals.running.withLock { _ in } })
        }
        var pushes = 0
        var edges = 0
        for (t, role) in roles.enumerated() {
            let before = role.edgesPushed
            pushes += expandBand(t, level: level, mode: .all, &sums)
            edges += role.edgesPushed - before
        }
        for t in 1..<roles.count { handoff.roles[t].state.store(2 * level, ordering: .releasing) }
        return (pushes > 0, edges)
    }

    /// Role `t`'s list of shared level `level`: claims the unit and expands the band here when no helper has
    /// (returns true: this thread then pushes for the role too), or waits until the helper publishes it.
    private func claimOrAwaitList(_ t: Int, _ level: Int) -> Bool {
        let signals = handoff.roles[t]
        let roles = scratch.roles
        var claimed = false
        PushHandoff.wait(
            until: {
                let state = signals.state.load(ordering: .acquiring)
                if state == 2 * (level - 1) {
                    claimed = signals.expanding.withLock { _ -> Bool in
                        guard
                            signals.state.compareExchange(
                                expected: state, desired: 2 * level + 1, ordering: .acquiringAndReleasing
                            ).exchanged
                        else { return false }
                        expandBand(t, level: level, mode: .list, &roles[t].tally)
                        signals.published.store(level, ordering: .releasing)
                        return true
                    }
                    if claimed { return true }
                }
                return signals.published.load(ordering: .acquiring) >= level
            },
            blockingIn: {
                // The helper is either still pushing its previous unit or expanding this one.
                if signals.state.load(ordering: .acquiring) == 2 * level + 1 {
                    signals.expanding.withLock { _ in }
                } else {
                    signals.running.withLock { _ in }
                }
            })
        return claimed
    }

    /// Pushes shared level `level` into this thread's bands and those of the roles it claimed, adds the
    /// other roles' statistics values to `sums`, then returns whether an edge was pushed and how many.
    private func finishSharedLevel(_ level: Int, stolen: Int, _ sums: inout FlowSums) -> (more: Bool, edges: Int) {
        let roles = scratch.roles
        for role in roles.dropFirst() { role.tally.replay(into: &sums) }
        pushBand(0, level: level)
        for t in 1..<roles.count where stolen & 1 << t != 0 {
            pushBand(t, level: level)
            handoff.roles[t].state.store(2 * level, ordering: .releasing)
        }
        var pushes = 0
        var edges = 0
        for role in roles {
            pushes += level & 1 == 0 ? role.evenEntries.count : role.oddEntries.count
            edges += level & 1 == 0 ? role.evenEdges : role.oddEdges
        }
        return (pushes > 0, edges)
    }

    /// Ends the query for the helpers: waits until no unit runs, then closes every role.
    private func close() {
        for signals in handoff.roles.dropFirst() {
            PushHandoff.wait(
                until: {
                    let state = signals.state.load(ordering: .acquiring)
                    return state & 1 == 0
                        && signals.state.compareExchange(
                            expected: state, desired: RoleSignals.closed, ordering: .acquiringAndReleasing
                        ).exchanged
                },
                blockingIn: { signals.running.withLock { _ in } })
        }
    }

    /// A helper thread: claims role `t`'s unit of each opened level, until the query closes. Its locks are
    /// taken before the claim, so a thread that sees the claim can block on them.
    func helperLoop(_ t: Int) {
        let signals = handoff.roles[t]
        signals.started.store(true, ordering: .releasing)
        var spins = 0
        while true {
            let state = signals.state.load(ordering: .acquiring)
            if state == RoleSignals.closed { return }
            let level = state / 2 + 1
            guard state & 1 == 0, handoff.opened.load(ordering: .acquiring) >= level else {
                spins &+= 1
                if spins == PushHandoff.spinLimit {
                    handoff.gate.withLock { _ in }
                    spins = 0
                }
                continue
            }
            spins = 0
            signals.running.withLock { _ in
                let claimed = signals.expanding.withLock { _ -> Bool in
                    guard
                        signals.state.compareExchange(
                            expected: state, desired: 2 * level + 1, ordering: .acquiringAndReleasing
                        ).exchanged
                    else { return false }
                    expandBand(t, level: level, mode: .list, &scratch.roles[t].tally)
                    signals.published.store(level, ordering: .releasing)
                    return true
                }
                guard claimed else { return }
                for (u, other) in handoff.roles.enumerated() where u != t {
                    PushHandoff.wait(
                        until: { other.published.load(ordering: .acquiring) >= level },
                        blockingIn: { other.expanding.withLock { _ in } })
                }
                pushBand(t, level: level)
                signals.state.store(2 * level, ordering: .releasing)
            }
        }
    }

    @inline(__always)
    private func addToFrontier(
        _ v: Int, _ f: Double, _ touched: inout RawList<VertexIndex>, _ tally: inout some FlowTally
    ) {
        guard f >= dropFloor else {
            tally.dropped(f)
            return
        }
        if scratch.frontier[v] == 0 { touched.append(VertexIndex(truncatingIfNeeded: v)) }
        scratch.frontier[v] += f
        tally.frontier(f)
    }

    /// Role `r`'s vertices of level `level`, ascending: each goes to the frontier or is expanded; an expansion
    /// is pushed or listed for `pushBand` as `mode` says. Returns the expansions that push (out-degree > 0).
    @discardableResult
    private func expandBand(_ r: Int, level: Int, mode: PushMode, _ tally: inout some FlowTally) -> Int {
        let role = scratch.roles[r]
        let odd = level & 1 == 1
        let flow = odd ? scratch.flows.0 : scratch.flows.1
        let nextFlow = odd ? scratch.flows.1 : scratch.flows.0
        let active = odd ? scratch.marks.0 : scratch.marks.1
        let nextActive = odd ? scratch.marks.1 : scratch.marks.0
        let kept = scratch.kept
        let alpha = alpha
        let rule = rule
        var keptTouched = role.keptTouched
        var frontierTouched = role.frontierTouched
        var entries = odd ? role.oddEntries : role.evenEntries
        entries.removeAll()
        let bandCount = TargetBands.bandCount
        let ownHigh = role.bands.upperBound
        var expanded = 0
        var pushes = 0
        var edges = 0
        for word in role.words {
            var bits = active[word]
            guard bits != 0 else { continue }
            active[word] = 0
            repeat {
                let v = word &<< 6 | bits.trailingZeroBitCount
                bits &= bits &- 1
                let f = flow[v]
                guard f > 0 else { continue }  // pushed a share that underflowed to zero
                flow[v] = 0
                let start = Int(offsets[v])
                let end = Int(offsets[v &+ 1])
                // Dangling vertices cost nothing to expand (their fingerprint is exactly alpha * e_v);
                // others at or below their threshold go to the frontier.
                if end > start, f <= rule.threshold(outDegree: end &- start) {
                    addToFrontier(v, f, &frontierTouched, &tally)
                    continue
                }
                if kept[v] == 0 { keptTouched.append(VertexIndex(truncatingIfNeeded: v)) }
                kept[v] += alpha * f
                expanded &+= 1
                tally.expanded(f)
                guard end > start else {
                    tally.dangling((1 - alpha) * f)
                    continue
                }
                let share: Double
                if let weights {
                    // Edge e carries w_e / Σw of the pushed flow (DESIGN §1); the sum is taken in edge order.
                    var total = 0.0
                    for e in start..<end { total += weights[e] }
                    share = (1 - alpha) * f / total
                } else {
                    share = (1 - alpha) * f / Double(end &- start)
                }
                switch mode {
                case .all: Self.push(share, start..<end, targets, weights, nextFlow, nextActive)
                case .list: entries.append(PushEntry(vertex: VertexIndex(truncatingIfNeeded: v), share: share))
                case .ownAndList:
                    let own =
                        ownHigh == bandCount ? end : start &+ Int(splits[v &* (bandCount &- 1) &+ ownHigh &- 1])
                    Self.push(share, start..<own, targets, weights, nextFlow, nextActive)
                    entries.append(PushEntry(vertex: VertexIndex(truncatingIfNeeded: v), share: share))
                }
                pushes &+= 1
                edges &+= end &- start
            } while bits != 0
        }
        role.keptTouched = keptTouched
        role.frontierTouched = frontierTouched
        if odd {
            role.oddEntries = entries
            role.oddEdges = edges
        } else {
            role.evenEntries = entries
            role.evenEdges = edges
        }
        role.verticesExpanded += expanded
        role.edgesPushed += edges
        return pushes
    }

    /// Pushes every role's list of level `level`, in role order, along the edges into role `r`'s bands (role 0
    /// pushed its own list into its bands while expanding).
    private func pushBand(_ r: Int, level: Int) {
        let odd = level & 1 == 1
        let nextFlow = odd ? scratch.flows.1 : scratch.flows.0
        let nextActive = odd ? scratch.marks.1 : scratch.marks.0
        let bands = scratch.roles[r].bands
        let count = TargetBands.bandCount
        let low = bands.lowerBound
        let high = bands.upperBound
        for role in scratch.roles.dropFirst(r == 0 ? 1 : 0) {
            let entries = odd ? role.oddEntries : role.evenEntries
            for i in 0..<entries.count {
                let entry = entries.base[i]
                let v = Int(entry.vertex)
                let start = Int(offsets[v])
                let from = low == 0 ? start : start &+ Int(splits[v &* (count &- 1) &+ low &- 1])
                let to = high == count ? Int(offsets[v &+ 1]) : start &+ Int(splits[v &* (count &- 1) &+ high &- 1])
                Self.push(entry.share, from..<to, targets, weights, nextFlow, nextActive)
            }
        }
    }

    /// Adds `share` (times the edge weight on a weighted graph) to the targets of `edges`, marking them.
    @inline(__always)
    private static func push(
        _ share: Double, _ edges: Range<Int>, _ targets: UnsafePointer<VertexIndex>, _ weights: UnsafePointer<Double>?,
        _ nextFlow: UnsafeMutablePointer<Double>, _ nextActive: UnsafeMutablePointer<UInt64>
    ) {
        if let weights {
            for e in edges {
                let w = Int(targets[e])
                nextFlow[w] += share * weights[e]
                nextActive[w &>> 6] |= 1 &<< UInt64(w & 63)
            }
        } else {
            for e in edges {
                let w = Int(targets[e])
                nextFlow[w] += share
                nextActive[w &>> 6] |= 1 &<< UInt64(w & 63)
            }
        }
    }
}
