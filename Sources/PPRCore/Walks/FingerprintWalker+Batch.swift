// The walks of many vertices interleaved in one set of lanes (the batch API of FingerprintWalker).
//
// With one vertex's R walks in R lanes, lanes retire as walks stop (alpha per step), so most rounds run
// few lanes and few cache misses overlap. Here a lane whose walk ends starts the next walk of the
// current vertex, or of the next vertex once that one's R walks have all started: lanes stay busy until
// the whole sequence is drained.
//
// Visits of different vertices mix in the lanes, so a visit is not counted at once: it is appended to
// the visit log of its vertex's slot (a sequential write, no dependent load). When the last walk of a
// vertex ends, its log is counted into the shared `counts` array and turned into the fingerprint; the
// slot is then free for a later vertex. At most `lanes + 1` vertices are in flight (each has a walk in
// a lane, or is the vertex whose walks are being started).
//
// Walk i of vertex u still draws from its own stream (the i-th output of the stream of (seed, u)) and
// counts commute, so every fingerprint equals `fingerprint(of: u)`.
extension FingerprintWalker {
    /// Walks advanced in lockstep by the batch API.
    static let batchLaneCount = 48
    /// Above this many visits per vertex (`R * (Lmax + 1)`) the per-slot logs would be too large, and the
    /// batch API falls back to one vertex at a time.
    static let batchVisitLimit = 1 << 13

    /// The fingerprints of `vertices`, in order; each equals `fingerprint(of:)` of that vertex.
    ///
    /// Faster than one call per vertex: the walks of consecutive vertices share the lanes. Vertices given
    /// so many walks (`budget`) that their visit log would exceed `batchVisitLimit` are walked one at a time.
    public mutating func fingerprints(of vertices: some Sequence<VertexIndex>) -> [Fingerprint] {
        let sources = Array(vertices)
        let length = parameters.maxWalkLength
        let walkCounts = sources.map { budget.walks(outDegree: graph.outDegree($0)) }
        let fits = walkCounts.map { walks in
            let visits = walks.multipliedReportingOverflow(by: length + 1)
            return !visits.overflow && visits.partialValue <= Self.batchVisitLimit
        }
        let batched = sources.indices.filter { fits[$0] }
        guard batched.count > 1, !graph.targets.isEmpty else { return sources.map { fingerprint(of: $0) } }
        let mostWalks = batched.map { walkCounts[$0] }.max() ?? 1
        let slotCapacity = mostWalks * (length + 1)
        ensureTouchedCapacity(walks: mostWalks)
        let slotCount = Self.batchLaneCount + 2
        if visitLog.count < slotCount * slotCapacity {
            visitLog = [VertexIndex](repeating: 0, count: slotCount * slotCapacity)
        }
        var counts: [UInt32] = []
        var touched: [VertexIndex] = []
        var log: [VertexIndex] = []
        swap(&counts, &self.counts)
        swap(&touched, &self.touched)
        swap(&log, &visitLog)
        let batchSources = batched.map { sources[$0] }
        let batchWalks = batched.map { walkCounts[$0] }
        let (walked, steps, sink) =
            if let aliasEntries {
                walkBatch(
                    AliasPicker.self, batchSources, walks: batchWalks, table: aliasEntries.span,
                    slotCapacity: slotCapacity, counts: &counts, touched: &touched, log: &log)
            } else {
                walkBatch(
                    UniformPicker.self, batchSources, walks: batchWalks, table: Span(), slotCapacity: slotCapacity,
                    counts: &counts, touched: &touched, log: &log)
            }
        swap(&counts, &self.counts)
        swap(&touched, &self.touched)
        swap(&log, &visitLog)
        stepCount &+= steps
        prefetchSink ^= sink
        guard batched.count < sources.count else { return walked }
        var fingerprints = [Fingerprint](repeating: Fingerprint(), count: sources.count)
        for (position, fingerprint) in zip(batched, walked) { fingerprints[position] = fingerprint }
        for position in sources.indices where !fits[position] {
            fingerprints[position] = fingerprint(of: sources[position], walks: walkCounts[position])
        }
        return fingerprints
    }

    /// The batch walk loop: the fetch and step passes of `walk(from:)`, with lanes restarted from a
    /// stream of vertices and visits logged per vertex slot.
    private func walkBatch<Picker: EdgePicker>(
        _ picker: Picker.Type, _ sources: [VertexIndex], walks walkCounts: [Int], table: Span<UInt64>,
        slotCapacity: Int, counts countArray: inout [UInt32],
        touched touchedArray: inout [VertexIndex], log logArray: inout [VertexIndex]
    ) -> (fingerprints: [Fingerprint], steps: Int, sink: UInt64) {
        let targets = graph.targets.span
        let offsets = graph.offsets.span
        var counts = countArray.mutableSpan
        var touched = touchedArray.mutableSpan
        var log = logArray.mutableSpan
        let stop = Pending(stopThreshold: stopThreshold, maxLength: UInt64(parameters.maxWalkLength))
        let lanes = Self.batchLaneCount
        // Slots: per in-flight vertex, the walks not yet ended, the log length and the output position.
        // The last slot is where lanes start: "ended" walks of no vertex, never finished.
        let slotCount = lanes + 2
        let idle = slotCount - 1
        var remainingArray = [Int](repeating: 0, count: slotCount)
        var logLengthArray = [Int](repeating: 0, count: slotCount)
        var positionArray = [Int](repeating: 0, count: slotCount)
        var freeArray = [Int]((0..<idle).reversed())
        var remaining = remainingArray.mutableSpan
        var logLength = logLengthArray.mutableSpan
        var position = positionArray.mutableSpan
        var free = freeArray.mutableSpan
        var freeCount = idle
        remaining[idle] = Int.max
        // The start states of the walks of the vertex being started (`u`, given `walks` walks); walks
        // 0..<started have started.
        var startStateArray = [UInt64](repeating: 0, count: walkCounts.max() ?? 1)
        var startStates = startStateArray.mutableSpan
        var u: VertexIndex = 0
        var walks = 0
        var feedSlot = idle
        var started = walks
        var nextSource = 0
        // Per lane as in `walk(from:)`, plus the slot of the lane's walk. Every lane starts as an ended walk.
        var stateArray = [UInt64](repeating: 0, count: lanes)
        var lengthArray = [UInt64](repeating: 0, count: lanes)
        var edgeArray = [Picker.Pick](repeating: Picker.idle, count: lanes)
        var movesArray = [UInt64](repeating: 0, count: lanes)
        var nextArray = [VertexIndex](repeating: 0, count: lanes)
        var slotArray = [Int](repeating: idle, count: lanes)
        var laneState = stateArray.mutableSpan
        var laneLength = lengthArray.mutableSpan
        var laneEdge = edgeArray.mutableSpan
        var laneMoves = movesArray.mutableSpan
        var laneNext = nextArray.mutableSpan
        var laneSlot = slotArray.mutableSpan
        var results = [Fingerprint](repeating: Fingerprint(), count: sources.count)
        var active = lanes
        var steps = 0
        var sink: UInt64 = 0
        while active > 0 {
            // Two fetch loops: every lane's target load is independent of the others, and so is every
            // offsets load once the targets are in, so each loop keeps all its misses in flight at once.
            for lane in 0..<active {
                laneNext[unchecked: lane] = Picker.target(of: laneEdge[unchecked: lane], targets: targets, table: table)
            }
            for lane in 0..<active {
                sink ^= offsets[unchecked: Int(laneNext[unchecked: lane])]
            }
            var lane = 0
            while lane < active {
                let moves = laneMoves[unchecked: lane]
                let ended = 1 &- moves
                let keep = 0 &- moves
                let oldSlot = laneSlot[unchecked: lane]
                let left = remaining[unchecked: oldSlot] &- Int(ended)
                remaining[unchecked: oldSlot] = left
                if left == 0 {
                    // The vertex's last walk ended: count its log into a fingerprint and free the slot.
                    let base = oldSlot &* slotCapacity
                    var touchedCount = 0
                    for i in base..<(base &+ logLength[unchecked: oldSlot]) {
                        let v = log[unchecked: i]
                        let c = counts[unchecked: Int(v)]
                        touched[unchecked: touchedCount] = v
                        touchedCount &+= 1 &- Int((UInt64(c) &+ 0xFFFF_FFFF) >> 32)
                        counts[unchecked: Int(v)] = c &+ 1
                    }
                    results[position[unchecked: oldSlot]] = collect(
                        touched: touched.span, count: touchedCount, counts: &counts)
                    free[unchecked: freeCount] = oldSlot
                    freeCount &+= 1
                }
                started &+= Int(ended)
                if started > walks {
                    // All walks of `u` have started: start the next vertex, or retire the lane.
                    guard nextSource < sources.count else {
                        started = walks
                        active -= 1
                        laneState[unchecked: lane] = laneState[unchecked: active]
                        laneLength[unchecked: lane] = laneLength[unchecked: active]
                        laneEdge[unchecked: lane] = laneEdge[unchecked: active]
                        laneMoves[unchecked: lane] = laneMoves[unchecked: active]
                        laneNext[unchecked: lane] = laneNext[unchecked: active]
                        laneSlot[unchecked: lane] = laneSlot[unchecked: active]
                        continue
                    }
                    u = sources[nextSource]
                    walks = walkCounts[nextSource]
                    freeCount &-= 1
                    feedSlot = free[unchecked: freeCount]
                    remaining[unchecked: feedSlot] = walks
                    logLength[unchecked: feedSlot] = 0
                    position[unchecked: feedSlot] = nextSource
                    nextSource &+= 1
                    var walkSeeds = WalkSeed(globalSeed: parameters.seed, vertex: u)
                    for i in 0..<walks { startStates[unchecked: i] = walkSeeds.next() }
                    started = 1
                }
                let restartState = startStates[unchecked: started &- 1]
                let vertex = u ^ ((laneNext[unchecked: lane] ^ u) & VertexIndex(truncatingIfNeeded: keep))
                let state = restartState ^ ((laneState[unchecked: lane] ^ restartState) & keep)
                let length = (laneLength[unchecked: lane] &+ 1) & keep
                let slot = feedSlot ^ ((oldSlot ^ feedSlot) & Int(truncatingIfNeeded: keep))
                steps &+= Int(moves)
                let at = logLength[unchecked: slot]
                log[unchecked: slot &* slotCapacity &+ at] = vertex
                logLength[unchecked: slot] = at &+ 1
                let pending = stop.step(
                    Picker.self, from: vertex, state: state, length: length, offsets: offsets)
                laneState[unchecked: lane] = pending.state
                laneLength[unchecked: lane] = length
                laneEdge[unchecked: lane] = pending.edge
                laneMoves[unchecked: lane] = pending.moves
                laneSlot[unchecked: lane] = slot
                lane += 1
            }
        }
        return (results, steps, sink)
    }
}
