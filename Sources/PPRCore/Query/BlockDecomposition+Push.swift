/// The shared push of a block (issue 7): the expand step of up to `pushLanes` queries at once, vertex-major.
///
/// Each level walks the union of the tile's active vertices once: a vertex's flow is one row of
/// `pushLanes` Doubles (one 64-byte cache line), its expansion decision is taken per lane with the
/// single-query rule (the threshold depends only on the vertex), and one pass over its out-edges pushes
/// every expanding lane's share with one vector add per edge. The queries of a block meet at the same
/// hubs, so the tile pushes far fewer edges than its queries would one by one (counted with a numpy model
/// of the push on soc-Slashdot0902, default preset, 64 random sources: 818k edges per query one at a
/// time, 2.35M per tile of 8, i.e. 2.8x fewer edge visits, each one cache-line vector add).
///
/// Semantics are those of `Decomposition.expand` lane by lane: the same thresholds, the same share
/// arithmetic in Double (`(1 - alpha) * f / d`), the same frontier sampling draws on the Double frontier
/// sum; only the order in which a vertex's incoming shares are added differs (Double rounding), and kept
/// mass is summed over levels in Float (the row format). Unweighted graphs only: weighted graphs take the
/// per-query path, where the weighted transition (`w / sum w`) lives. To push weighted flow here, scale
/// the vertex's `share` by `w_e / sum w` (instead of `1 / d`) wherever `pushTile` adds it along an edge:
/// the direct loop, and the bins (whose pairs would then name the edge).
///
/// Memory: transient, per `expand` call: five rows per vertex (flow, next flow, frontier and kept sums,
/// shares) of `pushLanes` Doubles plus the vertex lists (`pushBytesPerVertex`), and 8 bytes per edge for
/// the target bins; graphs whose scratch would exceed `pushMemoryBudget` take the per-query path.
extension BlockDecomposition {
    /// Queries pushed together: 8 Double lanes, one cache line per vertex row.
    public static let pushLanes = 8
    /// Transient bytes per vertex of the tile push: five rows of `pushLanes` Doubles and about two list
    /// slots (plus `pushBytesPerEdge`).
    static let pushBytesPerVertex = 5 * 64 + 8
    /// Transient bytes per edge: one bin slot.
    static let pushBytesPerEdge = 8
    /// Largest transient push scratch (256 MiB: soc-Slashdot0902 needs 34 MB).
    static let pushMemoryBudget = 256 << 20

    /// Largest graph (its rows of one `pushLanes` tile, 64 bytes per vertex) the shared push is used on: one
    /// core's L2 (1 MiB). Measured with `pwbench expand EDGES --queries 300 --blocks 2` after the bitmap
    /// single-query expand: per query, the shared push beat 64 single expansions on wiki-Vote (7,115 vertices,
    /// rows 0.45 MB: 0.20 against 0.26 ms, `default`) and lost on soc-Slashdot0902 (82,168 vertices, rows
    /// 5.3 MB: 4.99 against 3.70 ms), where every row add misses the cache.
    static let sharedPushRowBytes = 1 << 20

    /// Whether a block of `width` queries is expanded by the shared push (else query by query, with the
    /// same answers: each lane of the shared push follows the single-query rule).
    func usesSharedPush(width: Int) -> Bool {
        let bytes = graph.vertexCount * Self.pushBytesPerVertex + graph.edgeCount * Self.pushBytesPerEdge
        return !graph.isWeighted && width >= 2 && bytes <= Self.pushMemoryBudget
            && graph.vertexCount * 8 * MemoryLayout<Double>.stride <= Self.sharedPushRowBytes
    }

    /// Expands `queries` tile by tile into the block rows and `statistics` (the knobs are validated).
    func pushTiles(
        _ queries: [Personalization], alpha: Double, eps: Double, maxLevels: Int, sampleBelow: Double,
        lowDegreeFactor: Double, walkBudget: WalkBudget = .uniform
    ) {
        let scratch = PushScratch(graph: graph)
        defer { scratch.deallocate() }
        let knobs = PushKnobs(
            alpha: alpha, eps: eps, maxLevels: maxLevels, sampleBelow: sampleBelow, lowDegreeFactor: lowDegreeFactor,
            walkBudget: walkBudget)
        var first = 0
        while first < queries.count {
            let tile = queries[first..<min(queries.count, first + Self.pushLanes)]
            pushTile(tile, firstLane: first, knobs, scratch)
            first += Self.pushLanes
        }
    }

    /// The level loop of one tile (lane `j` is query `firstLane + j`); scratch rows are zero on entry and exit.
    private func pushTile(
        _ tile: ArraySlice<Personalization>, firstLane: Int, _ knobs: PushKnobs, _ scratch: PushScratch
    ) {
        var flowRows = scratch.flow
        var nextRows = scratch.next
        var active = scratch.active
        var next = scratch.nextList
        var frontierList = scratch.frontierList
        var keptList = scratch.keptList
        let bins = scratch.bins
        defer {
            scratch.active = active
            scratch.nextList = next
            scratch.frontierList = frontierList
            scratch.keptList = keptList
        }
        active.count = 0
        next.count = 0
        frontierList.count = 0
        keptList.count = 0
        for (j, query) in tile.enumerated() {
            for entry in query.entries {
                let v = Int(entry.vertex)
                if flowRows[v] == .zero { active.append(entry.vertex) }
                flowRows[v][j] = entry.weight
            }
        }
        let one = PushRow(repeating: 1)
        var counters = LaneCounters()
        let (offsetArray, targetArray) = (graph.offsets, graph.targets)
        let offsets = offsetArray.span
        let targets = targetArray.span
        let rule = ExpansionThreshold(
            graph: graph, eps: knobs.eps, lowDegreeFactor: knobs.lowDegreeFactor, walkBudget: knobs.walkBudget)
        let oneMinusAlpha = 1 - knobs.alpha
        let alpha = knobs.alpha
        var level = 0
        while level < knobs.maxLevels, active.count > 0 {
            level += 1
            var seen = PushRow()
            var expanding = 0
            for i in 0..<active.count {
                let vertex = active.base[i]
                let v = Int(vertex)
                let f = flowRows[v]
                let live = f .> 0
                guard any(live) else { continue }  // listed twice after an underflowed push
                flowRows[v] = .zero
                seen.replace(with: 1, where: live)
                let start = Int(offsets[unchecked: v])
                let end = Int(offsets[unchecked: v + 1])
                var expand = live
                // Dangling vertices are always expanded; others below their threshold go to the frontier.
                if end > start {
                    expand = f .> rule.threshold(outDegree: end - start)
                    let toFrontier = live .& .!expand
                    if any(toFrontier) {
                        let added = PushRow().replacing(with: f, where: toFrontier)
                        if scratch.frontier[v] == .zero { frontierList.append(vertex) }
                        scratch.frontier[v] += added
                        counters.frontierFlow += added
                    }
                    guard any(expand) else { continue }
                }
                let pushed = PushRow().replacing(with: f, where: expand)
                if scratch.kept[v] == .zero { keptList.append(vertex) }
                scratch.kept[v] += alpha * pushed
                counters.expanded += PushRow().replacing(with: one, where: expand)
                counters.flowPushed += pushed
                guard end > start else {
                    counters.danglingLoss += oneMinusAlpha * pushed
                    continue
                }
                counters.edges += PushRow().replacing(with: Double(end - start), where: expand)
                let share = oneMinusAlpha * pushed / Double(end - start)
                guard bins.count > 1 else {
                    // One bin: the rows stay in cache anyway, so the shares go straight to their targets.
                    let marks = scratch.marks
                    for e in start..<end {
                        let w = Int(targets[unchecked: e])
                        marks[w &>> 6] |= 1 &<< UInt64(w & 63)
                        nextRows[w] += share
                    }
                    continue
                }
                scratch.shares[expanding] = share
                for e in start..<end {
                    bins.append(targets[unchecked: e], UInt32(truncatingIfNeeded: expanding))
                }
                expanding += 1
            }
            // Second half of the level: the shares reach their targets bin by bin, so the next-flow rows
            // and the shares being added stay in cache.
            let marks = scratch.marks
            for b in 0..<bins.count {
                let pairs = bins.base[b]
                for i in 0..<bins.counts[b] {
                    let pair = pairs[i]
                    let w = Int(truncatingIfNeeded: pair &>> 32)
                    marks[w &>> 6] |= 1 &<< UInt64(w & 63)
                    nextRows[w] += scratch.shares[Int(truncatingIfNeeded: pair & 0xFFFF_FFFF)]
                }
                bins.counts[b] = 0
            }
            counters.levels += seen
            scratch.collectMarked(into: &next)
            swap(&flowRows, &nextRows)
            swap(&active, &next)
            next.count = 0
        }
        // After T levels the remaining flow joins the frontier.
        for i in 0..<active.count {
            let vertex = active.base[i]
            let v = Int(vertex)
            let f = flowRows[v]
            guard any(f .> 0) else { continue }
            flowRows[v] = .zero
            if scratch.frontier[v] == .zero { frontierList.append(vertex) }
            scratch.frontier[v] += f
            counters.frontierFlow += f
        }
        drainKept(firstLane: firstLane, scratch, keptList)
        drainFrontier(tile, firstLane: firstLane, knobs, scratch, frontierList, &counters)
    }

    /// Moves the tile's kept sums into the Float kept rows (each tile owns its 8 lanes of a row).
    private func drainKept(firstLane: Int, _ scratch: PushScratch, _ list: VertexList) {
        for i in 0..<list.count {
            let vertex = list.base[i]
            let v = Int(vertex)
            if !keptMark[v] {
                keptMark[v] = true
                keptRows.append(vertex)
            }
            UnsafeMutableRawPointer(kept + v * stride + firstLane).storeBytes(
                of: SIMD8<Float>(scratch.kept[v]), as: SIMD8<Float>.self)
            scratch.kept[v] = .zero
        }
    }

    /// Moves the tile's frontier sums into the Float frontier rows, applying frontier sampling per lane
    /// (the single query's draws on the same Double sums) and the walk budget's combine weights
    /// (`WalkBudget.combineWeights`), and writes the tile's statistics.
    private func drainFrontier(
        _ tile: ArraySlice<Personalization>, firstLane: Int, _ knobs: PushKnobs, _ scratch: PushScratch,
        _ list: VertexList, _ counters: inout LaneCounters
    ) {
        let sampleBelow = knobs.sampleBelow
        let seeds = tile.map { Decomposition.seed(of: $0) }
        let lanes = tile.count
        var sampledOut = [Int](repeating: 0, count: lanes)
        var size = [Int](repeating: 0, count: lanes)
        var sampledFlow = [Double](repeating: 0, count: lanes)
        var secondMoment = [Double](repeating: 0, count: lanes)
        for i in 0..<list.count {
            let vertex = list.base[i]
            let v = Int(vertex)
            let f = scratch.frontier[v]
            scratch.frontier[v] = .zero
            let ratio = knobs.walkBudget.ratio(outDegree: graph.outDegree(vertex))
            for j in 0..<lanes where f[j] > 0 {
                var weight = f[j]
                if sampleBelow > 0, weight < sampleBelow {
                    guard Decomposition.uniform(seeds[j], vertex) * sampleBelow < weight else {
                        sampledOut[j] += 1
                        continue
                    }
                    weight = sampleBelow
                }
                if !frontierMark[v] {
                    frontierMark[v] = true
                    frontierRows.append(vertex)
                }
                frontier[v * stride + firstLane + j] = Float(weight / ratio)
                size[j] += 1
                sampledFlow[j] += weight
                secondMoment[j] += weight * (weight / ratio)
            }
        }
        for j in 0..<lanes {
            var stats = Expansion.Statistics()
            stats.levels = Int(counters.levels[j])
            stats.verticesExpanded = Int(counters.expanded[j])
            stats.edgesPushed = Int(counters.edges[j])
            stats.flowPushed = counters.flowPushed[j]
            stats.danglingLoss = counters.danglingLoss[j]
            stats.frontierFlow = counters.frontierFlow[j]
            stats.frontierSize = size[j]
            stats.verticesSampledOut = sampledOut[j]
            stats.sampledFrontierFlow = sampledFlow[j]
            stats.frontierSecondMoment = secondMoment[j]
            statistics.append(stats)
        }
    }
}

/// One vertex's flow over the lanes of a push tile (`BlockDecomposition.pushLanes`).
typealias PushRow = SIMD8<Double>

/// The knobs of one block expansion (validated by the caller).
struct PushKnobs {
    let alpha: Double
    let eps: Double
    let maxLevels: Int
    let sampleBelow: Double
    let lowDegreeFactor: Double
    /// The index's walks per vertex (thresholds and combine weights; uniform: plain eps).
    let walkBudget: WalkBudget
}

/// Per-lane statistics of a tile, as Double lanes (counts stay exact below 2^53).
struct LaneCounters {
    var levels = PushRow()
    var expanded = PushRow()
    var edges = PushRow()
    var flowPushed = PushRow()
    var danglingLoss = PushRow()
    var frontierFlow = PushRow()
}

/// The push's transient rows (all zero between tiles) and vertex lists, for one `expand` call.
final class PushScratch {
    let flow: UnsafeMutablePointer<PushRow>
    let next: UnsafeMutablePointer<PushRow>
    let frontier: UnsafeMutablePointer<PushRow>
    /// Kept sums (`alpha * f` over levels), drained into the block's Float rows after each tile.
    let kept: UnsafeMutablePointer<PushRow>
    /// A level's shares, one row per expanding vertex (at most one per vertex and level).
    let shares: UnsafeMutablePointer<PushRow>
    let bins: TargetBins
    var active = VertexList(capacity: 1024)
    var nextList = VertexList(capacity: 1024)
    var frontierList = VertexList(capacity: 1024)
    var keptList = VertexList(capacity: 1024)
    /// One bit per vertex: the targets of a level's pushes (all zero between levels).
    let marks: UnsafeMutablePointer<UInt64>
    private let count: Int

    init(graph: CSRGraph) {
        count = max(1, graph.vertexCount)
        marks = .allocate(capacity: (count + 63) / 64)
        marks.initialize(repeating: 0, count: (count + 63) / 64)
        flow = .allocate(capacity: count)
        flow.initialize(repeating: .zero, count: count)
        next = .allocate(capacity: count)
        next.initialize(repeating: .zero, count: count)
        frontier = .allocate(capacity: count)
        frontier.initialize(repeating: .zero, count: count)
        kept = .allocate(capacity: count)
        kept.initialize(repeating: .zero, count: count)
        shares = .allocate(capacity: count)
        bins = TargetBins(graph: graph)
    }

    /// Sets `list` to the marked vertices, ascending, and clears the marks: the next level then reads its
    /// rows in address order (the hardware prefetcher follows) instead of at random.
    func collectMarked(into list: inout VertexList) {
        list.count = 0
        list.reserve(count)
        var listed = 0
        for word in 0..<(count + 63) / 64 {
            var bits = marks[word]
            guard bits != 0 else { continue }
            marks[word] = 0
            repeat {
                list.base[listed] = VertexIndex(truncatingIfNeeded: word &<< 6 | bits.trailingZeroBitCount)
                listed &+= 1
                bits &= bits &- 1
            } while bits != 0
        }
        list.count = listed
    }

    func deallocate() {
        marks.deallocate()
        flow.deallocate()
        next.deallocate()
        frontier.deallocate()
        kept.deallocate()
        shares.deallocate()
        bins.deallocate()
        active.deallocate()
        nextList.deallocate()
        frontierList.deallocate()
        keptList.deallocate()
    }
}

/// One level's pushes, `(target, share row)` pairs bucketed by target range (propagation blocking): a
/// bin covers `1 << shift` vertices, whose next-flow rows (512 KiB) stay in L2 while the bin is added.
/// A level pushes each edge at most once (its active list has no repeats), so bin `b` never holds more
/// than the in-edges of its vertices: the buffers are sized once from the graph (8 bytes per edge) and
/// appends need no capacity check. A pair is `target << 32 | share index`.
final class TargetBins {
    /// Vertices per bin: 2^13 rows of 64 bytes (512 KiB; a graph of at most 2^13 vertices has one bin
    /// and is pushed directly).
    static let shift = 13
    let count: Int
    /// Bin `b`'s pairs start at `storage + start[b]`.
    let base: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>>
    let counts: UnsafeMutablePointer<Int>
    private let storage: UnsafeMutablePointer<UInt64>

    init(graph: CSRGraph) {
        count = max(1, (graph.vertexCount + (1 << Self.shift) - 1) >> Self.shift)
        var start = [Int](repeating: 0, count: count + 1)
        for target in graph.targets { start[Int(target &>> UInt32(Self.shift)) + 1] += 1 }
        for b in 0..<count { start[b + 1] += start[b] }
        storage = .allocate(capacity: max(1, graph.edgeCount))
        base = .allocate(capacity: count)
        for b in 0..<count { (base + b).initialize(to: storage + start[b]) }
        counts = .allocate(capacity: count)
        counts.initialize(repeating: 0, count: count)
    }

    func deallocate() {
        storage.deallocate()
        base.deallocate()
        counts.deallocate()
    }

    @inline(__always)
    func append(_ target: VertexIndex, _ share: UInt32) {
        let b = Int(target &>> UInt32(Self.shift))
        let c = counts[b]
        base[b][c] = UInt64(target) &<< 32 | UInt64(share)
        counts[b] = c &+ 1
    }
}
