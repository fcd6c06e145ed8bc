/// The expand step of vertex-centric decomposition (DESIGN §2, Query; Liu et al., CIKM 2016).
///
/// Flow `f_0 = p`. At each level `t < T`, every vertex `v` with `f_t(v)` above its threshold (`eps`, or
/// lower for vertices of low out-degree; dangling vertices always, see `expand`) is expanded: it keeps
/// `alpha * f_t(v)` in the answer and pushes `(1-alpha) * f_t(v) / |out(v)|` to each out-neighbour (on a
/// weighted graph `(1-alpha) * f_t(v) * w(v,u) / Σ w(v,·)` to out-neighbour `u`, DESIGN §1); at a
/// dangling vertex the pushed part leaves (fingerprints estimate `pt`, where dangling walks are
/// dropped, and the answer is normalised once at the end). A vertex whose flow is at most its threshold
/// is not expanded: its flow joins the frontier, whose fingerprints the combine step adds up (optionally
/// sampled, see `expand`). After `T` levels all remaining flow joins the frontier. Flow below `dropFloor` (default 0: none) is discarded.
///
/// Invariant (flow conservation): every unit of flow is expanded, handed to the frontier or dropped, so
/// `flowPushed + frontierFlow + droppedFlow == 1 + (1-alpha) * flowPushed - danglingLoss`.
///
/// Each level expands its vertices in ascending vertex order (the order the incoming shares of a vertex
/// are summed in, so the result is one defined sum; the block push sums in the same order).
///
/// Cost: `O(expanded vertices + pushed edges + frontier log frontier)` per query plus a scan of `n / 64`
/// bit words per level (about 1,300 words on soc-Slashdot0902): dense scratch arrays are indexed by
/// `VertexIndex` and cleared as they are read or through touched lists, and a `Decomposition` keeps them
/// between queries (one `O(n)` allocation per instance).
public struct Decomposition {
    /// The graph the flow moves on.
    public let graph: CSRGraph
    /// Flow of the current level, by vertex; all zero between calls.
    private var flow: [Double]
    /// Flow of the next level, by vertex; all zero between calls.
    private var nextFlow: [Double]
    /// Kept answer (`alpha * f`) by vertex; all zero between calls.
    private var kept: [Double]
    /// Frontier weight by vertex; all zero between calls.
    private var frontierWeight: [Double]
    /// One bit per vertex: the current level's vertices, then (for `drain`) vertex order; all zero between calls.
    private var marks: [UInt64]
    /// One bit per vertex: the next level's vertices; all zero between calls.
    private var nextMarks: [UInt64]
    /// The kept and frontier touched lists, kept between calls so their capacity is reused.
    private var lists = VertexLists()

    /// Scratch for queries on `graph` (allocates four dense vectors of `vertexCount` doubles).
    public init(graph: CSRGraph) {
        self.graph = graph
        flow = [Double](repeating: 0, count: graph.vertexCount)
        nextFlow = flow
        kept = flow
        frontierWeight = flow
        marks = [UInt64](repeating: 0, count: (graph.vertexCount + 63) / 64)
        nextMarks = marks
    }

    /// Expands `personalization` once, with fresh scratch (convenient; reuse a `Decomposition` in loops).
    public static func expand(
        graph: CSRGraph, personalization: Personalization, restartProbability: Double,
        eps: Double, maxLevels: Int, dropFloor: Double = 0, sampleBelow: Double = 0, lowDegreeFactor: Double = 1,
        walkBudget: WalkBudget = .uniform
    ) throws(QueryError) -> Expansion {
        var decomposition = Decomposition(graph: graph)
        return try decomposition.expand(
            personalization: personalization, restartProbability: restartProbability,
            eps: eps, maxLevels: maxLevels, dropFloor: dropFloor, sampleBelow: sampleBelow,
            lowDegreeFactor: lowDegreeFactor, walkBudget: walkBudget)
    }

    /// Expands `personalization` for at most `maxLevels` levels, reusing this instance's scratch.
    ///
    /// `sampleBelow` (0: off) samples the frontier: a vertex whose total frontier flow `f` is below it
    /// keeps its fingerprint with probability `f / sampleBelow`, at weight `sampleBelow` (unbiased:
    /// the expected weight is `f`). Small flows then cost one fingerprint per `sampleBelow` of flow
    /// instead of one each, which evens out the weights and so spends each fingerprint read where it
    /// lowers the variance most. The draws hash the personalization and the vertex, so the frontier is
    /// deterministic and does not depend on the shard count.
    ///
    /// `lowDegreeFactor` (1: off) lowers the expansion threshold of a vertex of out-degree `d` below the
    /// mean degree `d̄` to `eps * max(lowDegreeFactor, d / d̄)`: expanding costs `d` pushes and keeps
    /// `alpha * f` exactly, so cheap vertices are expanded further. Dangling vertices are always expanded.
    ///
    /// `walkBudget` (the index's walks per vertex, `WalkBudget`; uniform: off) raises the threshold of a
    /// vertex given `R(u)` walks to `eps * R(u) / R` (`ExpansionThreshold`) and hands the combine each
    /// frontier flow as `f * R / R(u)` (`WalkBudget.combineWeights`; `frontierSecondMoment` then counts
    /// `f² * R / R(u)`).
    public mutating func expand(
        personalization: Personalization, restartProbability alpha: Double,
        eps: Double, maxLevels: Int, dropFloor: Double = 0, sampleBelow: Double = 0, lowDegreeFactor: Double = 1,
        walkBudget: WalkBudget = .uniform
    ) throws(QueryError) -> Expansion {
        do { try personalization.validate(vertexCount: graph.vertexCount) } catch { throw .personalization(error) }
        try QueryParameters.validate(restartProbability: alpha, eps: eps, maxLevels: maxLevels, dropFloor: dropFloor)
        try QueryParameters.validate(sampleBelow: sampleBelow, lowDegreeFactor: lowDegreeFactor)
        // Work on locals: spans over stored properties would hold exclusive access to all of self.
        var flow: [Double] = [], nextFlow: [Double] = [], kept: [Double] = [], frontierWeight: [Double] = []
        var marks: [UInt64] = [], nextMarks: [UInt64] = []
        // Copies of this value share `lists` until one of them expands: the expanding copy takes fresh ones.
        if !isKnownUniquelyReferenced(&lists) { lists = VertexLists() }
        swap(&flow, &self.flow)
        swap(&nextFlow, &self.nextFlow)
        swap(&kept, &self.kept)
        swap(&frontierWeight, &self.frontierWeight)
        swap(&marks, &self.marks)
        swap(&nextMarks, &self.nextMarks)
        defer {
            swap(&flow, &self.flow)
            swap(&nextFlow, &self.nextFlow)
            swap(&kept, &self.kept)
            swap(&frontierWeight, &self.frontierWeight)
            swap(&marks, &self.marks)
            swap(&nextMarks, &self.nextMarks)
        }
        var expansion = run(
            personalization, alpha: alpha, eps: eps, maxLevels: maxLevels, dropFloor: dropFloor,
            sampleBelow: sampleBelow, lowDegreeFactor: lowDegreeFactor, walkBudget: walkBudget, flow: &flow,
            nextFlow: &nextFlow, kept: &kept, frontierWeight: &frontierWeight, marks: &marks,
            nextMarks: &nextMarks, lists: lists)
        if !walkBudget.isUniform {
            expansion.statistics.frontierSecondMoment = walkBudget.combineWeights(&expansion.frontier, graph: graph)
        }
        return expansion
    }

    /// The level loop over dense scratch vectors (all zero on entry and on exit).
    ///
    /// A level's vertices are one bit each in `activeMarks` and are expanded in ascending vertex order
    /// (a scan of the bit words between the lowest and highest marked word): the offsets and out-edge
    /// lists are then read in address order, and a push marks its target with one unconditional bit
    /// operation instead of testing whether the target was already listed (a branch that mispredicts
    /// on every first visit).
    private func run(
        _ personalization: Personalization, alpha: Double, eps: Double, maxLevels: Int, dropFloor: Double,
        sampleBelow: Double, lowDegreeFactor: Double, walkBudget: WalkBudget, flow flowArray: inout [Double],
        nextFlow nextArray: inout [Double],
        kept keptArray: inout [Double], frontierWeight frontierArray: inout [Double], marks marksArray: inout [UInt64],
        nextMarks nextMarksArray: inout [UInt64], lists: VertexLists
    ) -> Expansion {
        var keptTouched = lists.take(0)
        var frontierTouched = lists.take(1)
        defer { lists.give(keptTouched, frontierTouched) }
        var stats = Expansion.Statistics()
        // The active words span `low ... high` (empty when low > high).
        var low = Int.max, high = -1
        do {
            var flow = flowArray.mutableSpan
            var active = marksArray.mutableSpan
            for entry in personalization.entries {
                let v = Int(entry.vertex)
                flow[unchecked: v] = entry.weight
                active[unchecked: v &>> 6] |= 1 &<< UInt64(v & 63)
                low = min(low, v &>> 6)
                high = max(high, v &>> 6)
            }
        }
        let offsets = graph.offsets.span
        let targets = graph.targets.span
        // The transition rule is fixed per graph: the push loop branches per expanded vertex, never per edge.
        let weighted = graph.isWeighted
        let weightArray = graph.weights ?? []
        let weights = weightArray.span
        let rule = ExpansionThreshold(
            graph: graph, eps: eps, lowDegreeFactor: lowDegreeFactor, walkBudget: walkBudget)
        while stats.levels < maxLevels, low <= high {
            stats.levels += 1
            let edgesBefore = stats.edgesPushed
            do {  // the spans end here, before the arrays swap
                var flow = flowArray.mutableSpan
                var nextFlow = nextArray.mutableSpan
                var kept = keptArray.mutableSpan
                var frontier = frontierArray.mutableSpan
                var active = marksArray.mutableSpan
                var nextActive = nextMarksArray.mutableSpan
                for word in low...high {
                    var bits = active[unchecked: word]
                    guard bits != 0 else { continue }
                    active[unchecked: word] = 0
                    repeat {
                        let v = word &<< 6 | bits.trailingZeroBitCount
                        bits &= bits &- 1
                        let f = flow[unchecked: v]
                        guard f > 0 else { continue }  // pushed a share that underflowed to zero
                        flow[unchecked: v] = 0
                        let start = Int(offsets[unchecked: v])
                        let end = Int(offsets[unchecked: v &+ 1])
                        // Dangling vertices cost nothing to expand (their fingerprint is exactly alpha * e_v);
                        // others at or below their threshold go to the frontier.
                        if end > start, f <= rule.threshold(outDegree: end &- start) {
                            Self.addToFrontier(
                                VertexIndex(truncatingIfNeeded: v), f, dropFloor, &frontier, &frontierTouched, &stats)
                            continue
                        }
                        if kept[unchecked: v] == 0 { keptTouched.append(VertexIndex(truncatingIfNeeded: v)) }
                        kept[unchecked: v] += alpha * f
                        stats.verticesExpanded += 1
                        stats.flowPushed += f
                        guard end > start else {
                            stats.danglingLoss += (1 - alpha) * f
                            continue
                        }
                        if weighted {
                            // Edge e carries w_e / Σw of the pushed flow (DESIGN §1); the sum is taken in edge order.
                            var total = 0.0
                            for e in start..<end { total += weights[unchecked: e] }
                            let scale = (1 - alpha) * f / total
                            for e in start..<end {
                                let w = Int(targets[unchecked: e])
                                nextFlow[unchecked: w] += scale * weights[unchecked: e]
                                nextActive[unchecked: w &>> 6] |= 1 &<< UInt64(w & 63)
                            }
                        } else {
                            let share = (1 - alpha) * f / Double(end - start)
                            for e in start..<end {
                                let w = Int(targets[unchecked: e])
                                nextFlow[unchecked: w] += share
                                nextActive[unchecked: w &>> 6] |= 1 &<< UInt64(w & 63)
                            }
                        }
                        stats.edgesPushed += end &- start
                    } while bits != 0
                }
            }
            swap(&flowArray, &nextArray)
            swap(&marksArray, &nextMarksArray)
            // The next level is the marked targets, if any edge was pushed: the whole bit vector is scanned
            // (n / 64 words per level; tracking the targets' range per edge cost more).
            (low, high) = stats.edgesPushed > edgesBefore ? (0, marksArray.count - 1) : (1, 0)
        }
        // After T levels the remaining flow joins the frontier (ascending, like a level).
        var flow = flowArray.mutableSpan
        var frontier = frontierArray.mutableSpan
        var active = marksArray.mutableSpan
        if low <= high {
            for word in low...high {
                var bits = active[unchecked: word]
                guard bits != 0 else { continue }
                active[unchecked: word] = 0
                repeat {
                    let v = word &<< 6 | bits.trailingZeroBitCount
                    bits &= bits &- 1
                    let f = flow[unchecked: v]
                    guard f > 0 else { continue }
                    flow[unchecked: v] = 0
                    Self.addToFrontier(
                        VertexIndex(truncatingIfNeeded: v), f, dropFloor, &frontier, &frontierTouched, &stats)
                } while bits != 0
            }
        }
        var kept = keptArray.mutableSpan
        let pushed = Self.drain(&kept, &keptTouched, &active)
        var frontierEntries = Self.drain(&frontier, &frontierTouched, &active)
        if sampleBelow > 0 {
            frontierEntries = Self.sample(
                frontierEntries, below: sampleBelow, seed: Self.seed(of: personalization), &stats)
        }
        stats.frontierSize = frontierEntries.count
        for entry in frontierEntries {
            stats.sampledFrontierFlow += entry.weight
            stats.frontierSecondMoment += entry.weight * entry.weight
        }
        return Expansion(pushed: pushed, frontier: frontierEntries, statistics: stats)
    }

    @inline(__always)
    private static func addToFrontier(
        _ v: VertexIndex, _ f: Double, _ dropFloor: Double, _ frontier: inout MutableSpan<Double>,
        _ touched: inout VertexList, _ stats: inout Expansion.Statistics
    ) {
        guard f >= dropFloor else {
            stats.droppedFlow += f
            return
        }
        if frontier[unchecked: Int(v)] == 0 { touched.append(v) }
        frontier[unchecked: Int(v)] += f
        stats.frontierFlow += f
    }

    /// Russian roulette on the entries below `threshold` (see `expand`); entries at or above it stay.
    static func sample(
        _ entries: [WeightedVertex], below threshold: Double, seed: UInt64, _ stats: inout Expansion.Statistics
    ) -> [WeightedVertex] {
        var kept: [WeightedVertex] = []
        kept.reserveCapacity(entries.count)
        for entry in entries {
            guard entry.weight < threshold else {
                kept.append(entry)
                continue
            }
            if uniform(seed, entry.vertex) * threshold < entry.weight {
                kept.append(WeightedVertex(vertex: entry.vertex, weight: threshold))
            } else {
                stats.verticesSampledOut += 1
            }
        }
        return kept
    }

    /// A uniform draw in [0, 1) from `(seed, vertex)` (SplitMix64 finaliser).
    @inline(__always)
    static func uniform(_ seed: UInt64, _ vertex: VertexIndex) -> Double {
        var z = seed &+ (UInt64(vertex) &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1p-53
    }

    /// The sampling seed of a personalization: a hash of its vertices and weights.
    static func seed(of personalization: Personalization) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for entry in personalization.entries {
            hash = (hash ^ UInt64(entry.vertex)) &* 0x100_0000_01B3
            hash = (hash ^ entry.weight.bitPattern) &* 0x100_0000_01B3
        }
        return hash
    }

    /// The non-zero entries of `vector` at `touched`, ascending by vertex; zeroes them. `marks` (one bit
    /// per vertex, all zero on entry and on exit) orders them without sorting when there are enough.
    private static func drain(
        _ vector: inout MutableSpan<Double>, _ list: inout VertexList, _ marks: inout MutableSpan<UInt64>
    ) -> [WeightedVertex] {
        var touched = UnsafeMutableBufferPointer(start: list.base, count: list.count)
        var result: [WeightedVertex] = []
        guard !touched.isEmpty else { return result }
        result.reserveCapacity(touched.count)
        // Enough touched vertices: marking them and scanning the bit words beats sorting them (same
        // ascending result; a vertex listed twice is marked once).
        if marks.count <= touched.count &* 8 {
            var low = marks.count, high = 0
            for v in touched {
                let word = Int(v &>> 6)
                marks[unchecked: word] |= 1 &<< UInt64(v & 63)
                low = min(low, word)
                high = max(high, word)
            }
            var word = low
            while word <= high {
                var bits = marks[unchecked: word]
                if bits != 0 {
                    marks[unchecked: word] = 0
                    let base = word &<< 6
                    repeat {
                        let v = base | bits.trailingZeroBitCount
                        bits &= bits &- 1
                        let value = vector[unchecked: v]
                        guard value != 0 else { continue }
                        result.append(WeightedVertex(vertex: VertexIndex(truncatingIfNeeded: v), weight: value))
                        vector[unchecked: v] = 0
                    } while bits != 0
                }
                word &+= 1
            }
            return result
        }
        touched.sort()  // in place: the list is not used again
        for v in touched {
            let value = vector[unchecked: Int(v)]
            guard value != 0 else { continue }  // a duplicate of the previous entry, already drained
            result.append(WeightedVertex(vertex: v, weight: value))
            vector[unchecked: Int(v)] = 0
        }
        return result
    }
}

/// The two touched lists of `Decomposition.run` (kept and frontier), owned here between calls (empty,
/// capacity kept).
final class VertexLists: @unchecked Sendable {  // used by one expanding `Decomposition` at a time
    private var slots = (VertexList(capacity: 256), VertexList(capacity: 256))

    init() {}

    /// Slot `i`'s list (0 or 1), emptied.
    func take(_ i: Int) -> VertexList {
        var list = i == 0 ? slots.0 : slots.1
        list.count = 0
        return list
    }

    /// The lists back after a call (their buffers may have moved when they grew).
    func give(_ a: VertexList, _ b: VertexList) {
        slots = (a, b)
    }

    deinit {
        slots.0.deallocate()
        slots.1.deallocate()
    }
}

/// A growable list of vertices in raw memory for the level loop: appends without uniqueness checks,
/// and with no capacity check after `reserve`. Its memory belongs to a `VertexLists`.
struct VertexList {
    private(set) var base: UnsafeMutablePointer<VertexIndex>
    var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    func deallocate() { base.deallocate() }

    /// Room for `extra` more entries.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count &+ extra > capacity { grow(count + extra) }
    }

    @inline(never)
    private mutating func grow(_ needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let newBase = UnsafeMutablePointer<VertexIndex>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Appends `v`; the caller reserved room.
    @inline(__always)
    mutating func appendUnchecked(_ v: VertexIndex) {
        base[count] = v
        count &+= 1
    }

    @inline(__always)
    mutating func append(_ v: VertexIndex) {
        reserve(1)
        appendUnchecked(v)
    }
}
