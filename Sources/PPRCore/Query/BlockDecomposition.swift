/// The expand step of vertex-centric decomposition for a block of queries at once (issue 7, shared
/// decomposition; DESIGN §2 Batch).
///
/// Semantics are those of `Decomposition`, query by query: at each level a vertex whose flow for query
/// `q` exceeds `eps` keeps `alpha * f` and pushes `(1-alpha) * f / |out|` to each out-neighbour (dangling
/// pushes leave); flow at most `eps` joins `q`'s frontier; after `T` levels all remaining flow does. The
/// block differs only in layout and in the order of additions, so its answers equal the single-query
/// answers up to floating-point rounding.
///
/// Layout (vertex-major): every per-vertex quantity is a row of `width` values, one per query of the
/// block, at `v * width ..< (v + 1) * width`. Pushing a row adds one `width`-wide share vector to each
/// out-neighbour's row (a dense vector operation); a row is pushed only when some query's flow there
/// exceeds `eps`, and when few queries expand it, their shares are pushed one by one instead.
///
/// Memory: one instance owns `vertexCount * capacity * bytesPerSlot` bytes (flow and next flow as
/// Double, kept mass, frontier flow and the combine accumulator as Float: 28 bytes per slot), plus
/// `O(vertexCount)` marks, allocated once and reused for every block. The footprint depends on the graph
/// and the block capacity, never on the length of a batch. `capacity(vertexCount:memoryBudget:)` picks
/// the capacity for a budget. Safety (`@unchecked Sendable`): one thread uses an instance at a time (a
/// pool hands it out).
public final class BlockDecomposition: @unchecked Sendable {
    /// Most queries in one block (the row width); bounds a request's work and the size of a block reply.
    public static let maxCapacity = 64
    /// Bytes per (vertex, query) slot across the buffers (8 + 8 + 4 + 4 + 4).
    public static let bytesPerSlot = 28
    /// Default memory budget of one block's buffers (256 MiB).
    public static let defaultMemoryBudget = 256 << 20

    /// The block capacity that fits `memoryBudget` bytes on a graph of `vertexCount` vertices, in
    /// `1 ... maxCapacity` (large graphs get narrower blocks; at least one query per block).
    public static func capacity(vertexCount: Int, memoryBudget: Int = defaultMemoryBudget) -> Int {
        let fit = memoryBudget / max(1, vertexCount * bytesPerSlot)
        return min(maxCapacity, max(1, fit))
    }

    public let graph: CSRGraph
    /// Queries a block may hold (rows are allocated this wide).
    public let capacity: Int
    private var flow: UnsafeMutablePointer<Double>
    private var next: UnsafeMutablePointer<Double>
    /// `alpha * f` kept by expanded vertices: row `v` for each vertex in `keptRows`; zero elsewhere.
    public let kept: UnsafeMutablePointer<Float>
    /// Frontier flow: row `v` for each vertex in `frontierRows`; zero elsewhere.
    public let frontier: UnsafeMutablePointer<Float>
    /// Scratch of the combine step (all zero between uses): one row per target vertex.
    public let accumulator: UnsafeMutablePointer<Float>
    /// Vertices with a kept row (distinct, in discovery order).
    public private(set) var keptRows: [VertexIndex] = []
    /// Vertices with a frontier row (distinct, in discovery order).
    public private(set) var frontierRows: [VertexIndex] = []
    /// Queries in the current block: the row stride.
    public private(set) var width = 0
    /// Expand statistics per query of the current block (`frontierSize` is left to the combine).
    public private(set) var statistics: [Expansion.Statistics] = []
    private var keptMark: [Bool]
    private var frontierMark: [Bool]
    /// `nextMark[v] == stamp` while `v` is listed for the next level.
    private var nextMark: [UInt32]
    private var stamp: UInt32 = 0

    /// Allocates the buffers for blocks of up to `capacity` queries (clamped to `1 ... maxCapacity`).
    public init(graph: CSRGraph, capacity: Int) {
        self.graph = graph
        self.capacity = min(Self.maxCapacity, max(1, capacity))
        let slots = max(1, graph.vertexCount * self.capacity)
        flow = .allocate(capacity: slots)
        flow.initialize(repeating: 0, count: slots)
        next = .allocate(capacity: slots)
        next.initialize(repeating: 0, count: slots)
        kept = .allocate(capacity: slots)
        kept.initialize(repeating: 0, count: slots)
        frontier = .allocate(capacity: slots)
        frontier.initialize(repeating: 0, count: slots)
        accumulator = .allocate(capacity: slots)
        accumulator.initialize(repeating: 0, count: slots)
        keptMark = [Bool](repeating: false, count: graph.vertexCount)
        frontierMark = keptMark
        nextMark = [UInt32](repeating: 0, count: graph.vertexCount)
    }

    deinit {
        flow.deallocate()
        next.deallocate()
        kept.deallocate()
        frontier.deallocate()
        accumulator.deallocate()
    }

    /// Whether `v` has a kept row in the current block.
    @inline(__always)
    public func hasKeptRow(_ v: Int) -> Bool { keptMark[v] }

    /// Expands `queries` (each a personalization) together; the result stays in `kept`/`frontier` until
    /// `reset()`. Validates the knobs like `Decomposition.expand`.
    public func expand(
        _ queries: [Personalization], restartProbability alpha: Double, eps: Double, maxLevels: Int
    ) throws(QueryError) {
        guard !queries.isEmpty, queries.count <= capacity else {
            throw .invalidParameter(
                .outOfRange(name: "block", value: "\(queries.count)", expected: "1 ... \(capacity) queries"))
        }
        for query in queries {
            do { try query.validate(vertexCount: graph.vertexCount) } catch { throw .personalization(error) }
        }
        try QueryParameters.validate(restartProbability: alpha, eps: eps, maxLevels: maxLevels, dropFloor: 0)
        reset()
        let width = queries.count
        self.width = width
        statistics = [Expansion.Statistics](repeating: Expansion.Statistics(), count: width)
        var active: [VertexIndex] = []
        advanceStamp()
        for (q, query) in queries.enumerated() {
            for entry in query.entries {
                let v = Int(entry.vertex)
                if nextMark[v] != stamp {
                    nextMark[v] = stamp
                    active.append(entry.vertex)
                }
                flow[v * width + q] += entry.weight
            }
        }
        var upcoming: [VertexIndex] = []
        var share = [Double](repeating: 0, count: width)
        var expanding: [Int] = []
        var hadFlow = [Bool](repeating: false, count: width)
        var level = 0
        while level < maxLevels, !active.isEmpty {
            level += 1
            advanceStamp()
            for q in 0..<width { hadFlow[q] = false }
            graph.offsets.withUnsafeBufferPointer { offsets in
                graph.targets.withUnsafeBufferPointer { targets in
                    for vertex in active {
                        let v = Int(vertex)
                        let row = flow + v * width
                        let degree = Int(offsets[v + 1] - offsets[v])
                        expanding.removeAll(keepingCapacity: true)
                        for q in 0..<width {
                            let f = row[q]
                            guard f != 0 else { continue }
                            row[q] = 0
                            hadFlow[q] = true
                            guard f > eps else {
                                markFrontier(v)
                                frontier[v * width + q] += Float(f)
                                statistics[q].frontierFlow += f
                                continue
                            }
                            markKept(v)
                            kept[v * width + q] += Float(alpha * f)
                            statistics[q].verticesExpanded += 1
                            statistics[q].flowPushed += f
                            statistics[q].edgesPushed += degree
                            if degree == 0 {
                                statistics[q].danglingLoss += (1 - alpha) * f
                            } else {
                                share[q] = (1 - alpha) * f / Double(degree)
                                expanding.append(q)
                            }
                        }
                        guard !expanding.isEmpty else { continue }
                        let start = Int(offsets[v])
                        let end = start + degree
                        if expanding.count * 4 < width {
                            // Few queries expand here: push their shares one by one.
                            for e in start..<end {
                                let w = Int(targets[e])
                                if nextMark[w] != stamp {
                                    nextMark[w] = stamp
                                    upcoming.append(VertexIndex(w))
                                }
                                let target = next + w * width
                                for q in expanding { target[q] += share[q] }
                            }
                        } else {
                            share.withUnsafeBufferPointer { shares in
                                let s = shares.baseAddress!
                                for e in start..<end {
                                    let w = Int(targets[e])
                                    if nextMark[w] != stamp {
                                        nextMark[w] = stamp
                                        upcoming.append(VertexIndex(w))
                                    }
                                    let target = next + w * width
                                    for q in 0..<width { target[q] += s[q] }  // zero for non-expanding queries
                                }
                            }
                        }
                        for q in expanding { share[q] = 0 }
                    }
                }
            }
            for q in 0..<width where hadFlow[q] { statistics[q].levels += 1 }
            swap(&flow, &next)
            swap(&active, &upcoming)
            upcoming.removeAll(keepingCapacity: true)
        }
        for vertex in active {  // after T levels, all remaining flow goes to the frontier
            let v = Int(vertex)
            let row = flow + v * width
            for q in 0..<width {
                let f = row[q]
                guard f != 0 else { continue }
                row[q] = 0
                markFrontier(v)
                frontier[v * width + q] += Float(f)
                statistics[q].frontierFlow += f
            }
        }
    }

    /// Zeroes the kept and frontier rows of the last block (the all-zero invariant between blocks).
    public func reset() {
        let width = self.width
        for v in keptRows {
            (kept + Int(v) * width).update(repeating: 0, count: width)
            keptMark[Int(v)] = false
        }
        for v in frontierRows {
            (frontier + Int(v) * width).update(repeating: 0, count: width)
            frontierMark[Int(v)] = false
        }
        keptRows.removeAll(keepingCapacity: true)
        frontierRows.removeAll(keepingCapacity: true)
        self.width = 0
    }

    @inline(__always)
    private func markKept(_ v: Int) {
        if !keptMark[v] {
            keptMark[v] = true
            keptRows.append(VertexIndex(v))
        }
    }

    @inline(__always)
    private func markFrontier(_ v: Int) {
        if !frontierMark[v] {
            frontierMark[v] = true
            frontierRows.append(VertexIndex(v))
        }
    }

    private func advanceStamp() {
        stamp &+= 1
        if stamp == 0 {  // wrapped: clear the marks once
            for i in nextMark.indices { nextMark[i] = 0 }
            stamp = 1
        }
    }
}
