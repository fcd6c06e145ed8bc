// The walk loop of FingerprintWalker: the R walks of one vertex, advanced in lanes.
//
// A step of one walk is a chain of dependent cache misses (the vertex's offsets, then the chosen target,
// then its visit count), so one walk at a time is memory-latency bound. Independent walks (lanes) can
// overlap their misses only if the loads of many lanes sit in the CPU's reorder window at once, so each
// round runs in two passes:
// 1. fetch: for every lane, load the target of its pending step (on a weighted graph also the column's
//    alias entry, an independent load) and touch that vertex's offsets and count (a few instructions
//    per lane, no branch: all lanes' misses are in flight together);
// 2. step: for every lane, apply the pending step (or restart the lane's next walk at `u`), count the
//    visit, and compute the next pending step from cached data: draw, stop test, neighbour choice.
// Conditions are 0/1 words computed by arithmetic rather than comparisons: the compiler turns selects
// that depend on loads back into branches, which mispredict here and discard the loads behind them.
// Only retiring a lane (all walks started, this one ended) branches.
//
// Results do not depend on the lanes: walk i uses its own stream (the i-th output of the stream of
// (seed, u)), the walk's own draws decide its path, and visit counts commute.
extension FingerprintWalker {
    /// Walks advanced in lockstep.
    static let laneCount = 16

    /// Runs the `walks` walks of `u`, counting visits into `counts` and listing new vertices in
    /// `touched[0..<touchedCount]`; returns the steps taken, that count and the early loads folded
    /// together (see `prefetchSink`). `picker` turns draws into edges, reading `table` (specialised
    /// per picker: the unweighted loop is the same code as before weights existed).
    func walk<Picker: EdgePicker>(
        _ picker: Picker.Type, from u: VertexIndex, walks: Int, table: Span<UInt64>,
        counts countArray: inout [UInt32], touched touchedArray: inout [VertexIndex]
    ) -> (steps: Int, touched: Int, sink: UInt64) {
        let targets = graph.targets.span
        var counts = countArray.mutableSpan
        var touched = touchedArray.mutableSpan
        guard !targets.isEmpty else {  // no edges: every walk ends where it starts
            counts[Int(u)] = UInt32(walks)
            touched[0] = u
            return (0, 1, 0)
        }
        let offsets = graph.offsets.span
        let stop = Pending(stopThreshold: stopThreshold, maxLength: UInt64(parameters.maxWalkLength))
        var walkSeeds = WalkSeed(globalSeed: parameters.seed, vertex: u)
        let lanes = min(Self.laneCount, walks)
        // One spare entry: a lane reads the state of walk `started` even when none is left to start.
        var startStateArray = [UInt64](repeating: 0, count: walks + 1)
        var startStates = startStateArray.mutableSpan
        for i in 0..<walks { startStates[i] = walkSeeds.next() }
        // Per lane: the stream state after the pending step's draw, the walk's length so far, the edge the
        // pending step takes (the picker's pick; edge 0 when it does not move), whether it moves (0/1), and
        // the fetched target.
        var stateArray = [UInt64](repeating: 0, count: lanes)
        var lengthArray = [UInt64](repeating: 0, count: lanes)
        var edgeArray = [Picker.Pick](repeating: Picker.idle, count: lanes)
        var movesArray = [UInt64](repeating: 0, count: lanes)
        var nextArray = [VertexIndex](repeating: 0, count: lanes)
        var laneState = stateArray.mutableSpan
        var laneLength = lengthArray.mutableSpan
        var laneEdge = edgeArray.mutableSpan
        var laneMoves = movesArray.mutableSpan
        var laneNext = nextArray.mutableSpan
        for lane in 0..<lanes {
            let pending = stop.step(
                Picker.self, from: u, state: startStates[lane], length: 0, offsets: offsets)
            laneState[lane] = pending.state
            laneEdge[lane] = pending.edge
            laneMoves[lane] = pending.moves
        }
        counts[Int(u)] = UInt32(lanes)
        touched[0] = u
        var touchedCount = 1
        var started = lanes
        var active = lanes
        var steps = 0
        var sink: UInt64 = 0
        while active > 0 {
            for lane in 0..<active {
                let next = Picker.target(of: laneEdge[unchecked: lane], targets: targets, table: table)
                laneNext[unchecked: lane] = next
                sink ^= offsets[unchecked: Int(next)] ^ UInt64(counts[unchecked: Int(next)])
            }
            var lane = 0
            while lane < active {
                let moves = laneMoves[unchecked: lane]
                let keep = 0 &- moves
                let restartState = startStates[unchecked: started]
                let vertex = u ^ ((laneNext[unchecked: lane] ^ u) & VertexIndex(truncatingIfNeeded: keep))
                let state = restartState ^ ((laneState[unchecked: lane] ^ restartState) & keep)
                let length = (laneLength[unchecked: lane] &+ 1) & keep
                steps &+= Int(moves)
                started &+= 1 &- Int(moves)
                if started > walks {
                    // The walk ended and none is left to start: retire the lane, moving the last active
                    // lane into its slot and stepping that one next.
                    started = walks
                    active -= 1
                    laneState[unchecked: lane] = laneState[unchecked: active]
                    laneLength[unchecked: lane] = laneLength[unchecked: active]
                    laneEdge[unchecked: lane] = laneEdge[unchecked: active]
                    laneMoves[unchecked: lane] = laneMoves[unchecked: active]
                    laneNext[unchecked: lane] = laneNext[unchecked: active]
                    continue
                }
                let c = counts[unchecked: Int(vertex)]
                touched[unchecked: touchedCount] = vertex
                touchedCount &+= 1 &- Int((UInt64(c) &+ 0xFFFF_FFFF) >> 32)
                counts[unchecked: Int(vertex)] = c &+ 1
                let pending = stop.step(
                    Picker.self, from: vertex, state: state, length: length, offsets: offsets)
                laneState[unchecked: lane] = pending.state
                laneLength[unchecked: lane] = length
                laneEdge[unchecked: lane] = pending.edge
                laneMoves[unchecked: lane] = pending.moves
                lane += 1
            }
        }
        return (steps, touchedCount, sink)
    }
}

/// Computes a walk's next step at a vertex: one draw decides both stopping and the neighbour.
struct Pending {
    let stopThreshold: UInt64
    let maxLength: UInt64

    /// From `vertex`, with the stream at `state` and `length` steps taken: the advanced state, the edge
    /// `Picker` chose (its idle pick when the walk ends there) and 1 if it moves, 0 if it ends (stop draw,
    /// dangling, `Lmax`). Degrees and lengths are below 2^32, so `(x + 0xFFFF_FFFF) >> 32` is 1 exactly
    /// when x > 0.
    @inline(__always)
    func step<Picker: EdgePicker>(
        _ picker: Picker.Type, from vertex: VertexIndex, state: UInt64, length: UInt64, offsets: Span<UInt64>
    ) -> (state: UInt64, edge: Picker.Pick, moves: UInt64) {
        let advanced = state &+ 0x9E37_79B9_7F4A_7C15
        let draw = WalkSeed.mix(advanced)
        let start = offsets[unchecked: Int(vertex)]
        let degree = offsets[unchecked: Int(vertex) &+ 1] &- start
        let hasEdges = (degree &+ 0xFFFF_FFFF) >> 32
        let shorter = ((maxLength &- length) &+ 0xFFFF_FFFF) >> 32
        let goes = 1 &- Self.borrow(draw, stopThreshold)
        let moves = goes & hasEdges & shorter
        let edge = Picker.pick(start: start, degree: degree, draw: draw, keep: 0 &- moves)
        return (advanced, edge, moves)
    }

    /// 1 when `a < b` (unsigned), else 0: the borrow of `a - b`, by bit arithmetic.
    @inline(__always)
    static func borrow(_ a: UInt64, _ b: UInt64) -> UInt64 {
        ((~a & b) | ((~a | b) & (a &- b))) >> 63
    }
}
