/// The expand step of vertex-centric decomposition for a block of queries (issue 7, shared
/// decomposition; DESIGN §2 Batch), laid out for the block combine.
///
/// Semantics are those of `Decomposition`, query by query (same thresholds, levels, sampling draws; sums
/// up to rounding), and the results are laid out vertex-major for the combine: every per-vertex quantity
/// is a row of `stride` Float values (one per query of the block, padded to a multiple of 16 so a row tile
/// is one 64-byte cache line and one 16-lane vector), at `v * stride ..< (v + 1) * stride`.
///
/// How a block is expanded: blocks of two or more queries on an unweighted graph whose 8-query rows fit
/// one core's L2 (`sharedPushRowBytes`, up to 16,384 vertices) take the shared push (`BlockDecomposition+Push.swift`): tiles of 8 queries pushed
/// together, vertex-major, level lists in vertex order, pushes bucketed by target range. Others run the
/// single-query code per query on this instance's scratch (weighted graphs: their transition lives there).
/// Measured (`pwbench block`, default preset, 64 queries, CPU time on the loaded shared 2-core host): the
/// shared push takes 0.32 s per block on soc-Slashdot0902 against 0.33 s for the 64 single expansions
/// (its rows do not stay in L2), 0.011 s against 0.024 s on wiki-Vote and 0.009 s against 0.021 s on
/// email-Eu-core (rows in cache, pushed directly). An earlier 64-wide Double row push without the
/// ordering and bucketing took 0.39 s against 0.16 s. Since single queries push in vertex order with bit
/// marks, they are 1.4-1.7x cheaper and the shared push leads on soc-Slashdot0902 only for `high`
/// (`pwbench expand`, README "Shared push"), hence the L2 bound.
///
/// Memory: one instance owns `vertexCount * stride * 8` bytes (kept mass and frontier flow as Float)
/// plus one single-query scratch (`4 * vertexCount` Doubles), allocated once and reused for every block.
/// It depends on the graph and the block capacity, never on the length of a batch;
/// `capacity(vertexCount:memoryBudget:)` picks the capacity for a budget. Safety (`@unchecked
/// Sendable`): one thread writes an instance at a time (a pool hands it out); after `expand` returns,
/// several threads may read it until `reset()`.
public final class BlockDecomposition: @unchecked Sendable {
    /// Most queries in one block (the row width); bounds a request's work and the size of a block reply.
    public static let maxCapacity = 64
    /// Default memory budget of one block's buffers (256 MiB).
    public static let defaultMemoryBudget = 256 << 20

    /// Bytes per vertex a block's combine needs whatever the block's width: its 16-lane accumulator and the
    /// steps' second set of 16-lane rows (64 bytes each).
    public static let fixedBytesPerVertex = 2 * 64
    /// Bytes per vertex of one 16-lane tile of the kept and frontier rows (4 bytes a lane each).
    public static let tileBytesPerVertex = 16 * 8

    /// The block capacity for `memoryBudget` bytes on a graph of `vertexCount` vertices: whole 16-lane tiles,
    /// the widest (up to `maxCapacity`) whose buffers fit the budget, and never less than one tile.
    ///
    /// Why whole tiles: rows are allocated 16 lanes at a time, and the combine, its steps and its passes over
    /// the rows run tile by tile, each costing the same however many of its lanes hold a query. Until
    /// 2026-12-03 the capacity was the budget over 12 bytes per query slot: 34 queries at R-MAT scale 20 paid
    /// for 48 lanes, 9 at scale 22 for 16. A graph too large for one tile in the budget still gets one tile:
    /// its rows were that wide before too.
    public static func capacity(vertexCount: Int, memoryBudget: Int = defaultMemoryBudget) -> Int {
        let tiles = (memoryBudget / max(1, vertexCount) - fixedBytesPerVertex) / tileBytesPerVertex
        return min(maxCapacity, max(16, tiles * 16))
    }

    /// Row length for `width` queries: a multiple of 16 lanes.
    public static func stride(for width: Int) -> Int { (max(1, width) + 15) / 16 * 16 }

    public let graph: CSRGraph
    /// Queries a block may hold.
    public let capacity: Int
    /// Row length (Float lanes) of the current block: `stride(for: width)`.
    public private(set) var stride = 16
    /// `alpha * f` kept by expanded vertices: row `v` for each vertex in `keptRows`; zero elsewhere.
    public let kept: UnsafeMutablePointer<Float>
    /// Frontier flow: row `v` for each vertex in `frontierRows`; zero elsewhere.
    public let frontier: UnsafeMutablePointer<Float>
    /// Vertices with a kept row (distinct; in discovery order, ascending on the per-query path).
    public internal(set) var keptRows: [VertexIndex] = []
    /// Vertices with a frontier row (distinct; in discovery order, ascending on the per-query path).
    public internal(set) var frontierRows: [VertexIndex] = []
    /// Queries in the current block.
    public private(set) var width = 0
    /// The current block's queries, lane by lane (the restart term of `BlockEquationStep`).
    public private(set) var personalizations: [Personalization] = []
    /// Expand statistics per query of the current block.
    public internal(set) var statistics: [Expansion.Statistics] = []
    /// `keptMark[v]`: `v` has a kept row (raw storage: read in the combine's inner loops).
    let keptMark: UnsafeMutablePointer<Bool>
    let frontierMark: UnsafeMutablePointer<Bool>
    private var single: Decomposition
    private let slots: Int

    /// Allocates the buffers for blocks of up to `capacity` queries (clamped to `1 ... maxCapacity`).
    public init(graph: CSRGraph, capacity: Int) {
        self.graph = graph
        self.capacity = min(Self.maxCapacity, max(1, capacity))
        slots = max(1, graph.vertexCount * Self.stride(for: self.capacity))
        kept = .allocate(capacity: slots)
        kept.initialize(repeating: 0, count: slots)
        frontier = .allocate(capacity: slots)
        frontier.initialize(repeating: 0, count: slots)
        keptMark = .allocate(capacity: max(1, graph.vertexCount))
        keptMark.initialize(repeating: false, count: max(1, graph.vertexCount))
        frontierMark = .allocate(capacity: max(1, graph.vertexCount))
        frontierMark.initialize(repeating: false, count: max(1, graph.vertexCount))
        single = Decomposition(graph: graph)
    }

    deinit {
        kept.deallocate()
        frontier.deallocate()
        keptMark.deallocate()
        frontierMark.deallocate()
    }

    /// Whether `v` has a kept row in the current block.
    @inline(__always)
    public func hasKeptRow(_ v: Int) -> Bool { keptMark[v] }

    /// Expands `queries` (each a personalization); the result stays in `kept`/`frontier` until `reset()`.
    /// Validates the knobs like `Decomposition.expand`, and applies the same frontier sampling and
    /// low-degree rule (defaults: off) and walk budget (`Decomposition.expand`; default uniform), so each
    /// query's frontier is exactly its single-query frontier.
    public func expand(
        _ queries: [Personalization], restartProbability alpha: Double, eps: Double, maxLevels: Int,
        sampleBelow: Double = 0, lowDegreeFactor: Double = 1, walkBudget: WalkBudget = .uniform
    ) throws(QueryError) {
        guard !queries.isEmpty, queries.count <= capacity else {
            throw .invalidParameter(
                .outOfRange(name: "block", value: "\(queries.count)", expected: "1 ... \(capacity) queries"))
        }
        reset()
        let width = queries.count
        let stride = Self.stride(for: width)
        self.stride = stride
        statistics = []
        statistics.reserveCapacity(width)
        if usesSharedPush(width: width) {
            for query in queries {
                do { try query.validate(vertexCount: graph.vertexCount) } catch { throw .personalization(error) }
            }
            try QueryParameters.validate(restartProbability: alpha, eps: eps, maxLevels: maxLevels, dropFloor: 0)
            try QueryParameters.validate(sampleBelow: sampleBelow, lowDegreeFactor: lowDegreeFactor)
            pushTiles(
                queries, alpha: alpha, eps: eps, maxLevels: maxLevels, sampleBelow: sampleBelow,
                lowDegreeFactor: lowDegreeFactor, walkBudget: walkBudget)
        } else {
            // Up to 16 expansions (one row tile) are held, then written window by window of vertices.
            var group: [Expansion] = []
            group.reserveCapacity(Self.rowGroup)
            for (q, query) in queries.enumerated() {
                let expansion = try single.expand(
                    personalization: query, restartProbability: alpha, eps: eps, maxLevels: maxLevels,
                    sampleBelow: sampleBelow, lowDegreeFactor: lowDegreeFactor, walkBudget: walkBudget)
                statistics.append(expansion.statistics)
                group.append(expansion)
                if group.count == Self.rowGroup || q == width - 1 {
                    writeRows(group, firstLane: q + 1 - group.count, stride: stride)
                    group.removeAll(keepingCapacity: true)
                }
            }
        }
        self.width = width
        personalizations = queries
    }

    /// Expansions written to the rows together by the per-query path: one 16-lane row tile.
    static let rowGroup = 16
    /// Vertices per window of `writeRows`: 1,024 rows of up to 64 lanes, 256 KiB per array, in L2.
    static let rowWindow = 1024

    /// Writes `group` (query `firstLane + j` is `group[j]`; each list ascending by vertex) into the kept and
    /// frontier rows, one window of vertices at a time for all of the group's queries, so the rows being
    /// written stay in L2 (written query by query, every entry missed the cache: 2.9 M scattered writes over
    /// 42 MB per soc-Slashdot0902 block, about a fifth of the expansion's CPU).
    private func writeRows(_ group: [Expansion], firstLane: Int, stride: Int) {
        var keptCursor = [Int](repeating: 0, count: group.count)
        var frontierCursor = [Int](repeating: 0, count: group.count)
        var windowEnd = 0
        while windowEnd < graph.vertexCount {
            windowEnd += Self.rowWindow
            for (j, expansion) in group.enumerated() {
                let q = firstLane + j
                var i = keptCursor[j]
                while i < expansion.pushed.count, Int(expansion.pushed[i].vertex) < windowEnd {
                    let entry = expansion.pushed[i]
                    let v = Int(entry.vertex)
                    if !keptMark[v] {
                        keptMark[v] = true
                        keptRows.append(entry.vertex)
                    }
                    kept[v * stride + q] = Float(entry.weight)
                    i += 1
                }
                keptCursor[j] = i
                i = frontierCursor[j]
                while i < expansion.frontier.count, Int(expansion.frontier[i].vertex) < windowEnd {
                    let entry = expansion.frontier[i]
                    let v = Int(entry.vertex)
                    if !frontierMark[v] {
                        frontierMark[v] = true
                        frontierRows.append(entry.vertex)
                    }
                    frontier[v * stride + q] = Float(entry.weight)
                    i += 1
                }
                frontierCursor[j] = i
            }
        }
    }

    /// Zeroes the kept and frontier rows of the last block (the all-zero invariant between blocks).
    public func reset() {
        for v in keptRows {
            (kept + Int(v) * stride).update(repeating: 0, count: stride)
            keptMark[Int(v)] = false
        }
        for v in frontierRows {
            (frontier + Int(v) * stride).update(repeating: 0, count: stride)
            frontierMark[Int(v)] = false
        }
        keptRows.removeAll(keepingCapacity: true)
        frontierRows.removeAll(keepingCapacity: true)
        width = 0
        personalizations = []
    }
}
