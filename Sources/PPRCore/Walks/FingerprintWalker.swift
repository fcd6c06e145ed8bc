/// Computes fingerprints by random walks with full-path counting (DESIGN §2, Indexing).
///
/// For vertex `u`, `R` walks start at `u`; each visit (the start included) counts. At each step the
/// walk stops with probability alpha, ends at a dangling vertex, or ends after `Lmax` steps;
/// otherwise it moves to an out-neighbour: uniformly at random, or on a weighted graph to `w` with
/// probability `w(v,w) / Σ w(v,·)` (DESIGN §1). `alpha * visits(v) / R` is then unbiased for `pt_u(v)`
/// up to the truncation bias `(1 - alpha)^Lmax`.
///
/// One 64-bit draw per step: the walk stops when the draw is below `alpha * 2^64`; otherwise the
/// draw's low 32 bits, scaled by the degree (Lemire's multiply-shift), pick the edge (`EdgePicker`;
/// weighted graphs then toss the product's low bits against the vertex's alias table). Given that the
/// walk goes on, those low bits are uniform to within 2^-32.
///
/// A walker owns scratch buffers and is meant to be reused for many vertices by one thread.
public struct FingerprintWalker {
    public let graph: CSRGraph
    public let parameters: WalkParameters
    let stopThreshold: UInt64
    /// Whether every vertex index is below 2^31 (see `collect`).
    let indicesBelow31Bits: Bool
    /// Visit counts by vertex; all zero between calls.
    var counts: [UInt32]
    /// Vertices with a non-zero count in `counts`, in `touched[0..<touchedCount]` during a walk. One slot
    /// more than a fingerprint can have distinct vertices, so a visit may write the next slot unconditionally.
    var touched: [VertexIndex]
    /// Per-slot visit logs of the batch API (FingerprintWalker+Batch); empty until first used.
    var visitLog: [VertexIndex] = []
    /// Walk steps taken (moves along an edge), for throughput figures.
    public internal(set) var stepCount: Int = 0
    /// The early offset loads folded together; kept so the optimiser cannot remove those loads.
    var prefetchSink: UInt64 = 0
    /// The weighted walk's `AliasTable` entries, or nil on an unweighted graph (steps pick edges uniformly).
    let aliasEntries: [UInt64]?
    /// Walks per vertex (`parameters.allocation` on this graph).
    public let budget: WalkBudget

    /// A walker on `graph`. A weighted graph's steps use `aliasTable` when it covers the graph's edges (build
    /// it once per graph and share it between threads), else a table built here.
    public init(graph: CSRGraph, parameters: WalkParameters, aliasTable: AliasTable? = nil) {
        self.graph = graph
        self.parameters = parameters
        if graph.isWeighted {
            aliasEntries =
                aliasTable.flatMap { $0.edgeCount == graph.edgeCount ? $0.entries : nil }
                ?? AliasTable(graph: graph).entries
        } else {
            aliasEntries = nil
        }
        self.stopThreshold = parameters.stopThreshold
        self.budget = WalkBudget(parameters: parameters, graph: graph)
        self.indicesBelow31Bits = graph.vertexCount <= 1 << 31
        self.counts = [UInt32](repeating: 0, count: graph.vertexCount)
        self.touched = [VertexIndex](
            repeating: 0, count: Self.touchedCapacity(walks: parameters.walksPerVertex, parameters, graph) + 1)
    }

    /// The most distinct vertices `walks` walks can visit, plus the spare slot of `touched`.
    static func touchedCapacity(walks: Int, _ parameters: WalkParameters, _ graph: CSRGraph) -> Int {
        let mostDistinct = walks.multipliedReportingOverflow(by: parameters.maxWalkLength + 1)
        return mostDistinct.overflow ? graph.vertexCount : min(graph.vertexCount, mostDistinct.partialValue)
    }

    /// Grows `touched` for a vertex given more walks than `parameters.walksPerVertex`.
    mutating func ensureTouchedCapacity(walks: Int) {
        let needed = Self.touchedCapacity(walks: walks, parameters, graph) + 1
        if touched.count < needed { touched = [VertexIndex](repeating: 0, count: needed) }
    }

    /// The fingerprint of `u`: a function of `(graph, parameters, u)` only, from `R(u)` walks (`budget`).
    ///
    /// Walk `i` of `u` draws from its own SplitMix64 stream, seeded by the `i`-th output of the stream of
    /// `(seed, u)`, so interleaving walks in lanes does not change the counts.
    public mutating func fingerprint(of u: VertexIndex) -> Fingerprint {
        fingerprint(of: u, walks: budget.walks(outDegree: graph.outDegree(u)))
    }

    /// The fingerprint of `u` from `walks` walks (at least 1) instead of `parameters.walksPerVertex`: a function
    /// of `(graph, parameters, u, walks)` only. Walk `i` is the same walk whatever `walks` is, so a fingerprint of
    /// more walks extends the one of fewer (`WalkAllocation`).
    public mutating func fingerprint(of u: VertexIndex, walks: Int) -> Fingerprint {
        let walks = max(1, walks)
        ensureTouchedCapacity(walks: walks)
        // Work on locals: a span over a stored property would hold exclusive access to all of self.
        var counts: [UInt32] = []
        var touched: [VertexIndex] = []
        swap(&counts, &self.counts)
        swap(&touched, &self.touched)
        defer {
            swap(&counts, &self.counts)
            swap(&touched, &self.touched)
        }
        let (steps, touchedCount, sink) =
            if let aliasEntries {
                walk(
                    AliasPicker.self, from: u, walks: walks, table: aliasEntries.span, counts: &counts,
                    touched: &touched)
            } else {
                walk(UniformPicker.self, from: u, walks: walks, table: Span(), counts: &counts, touched: &touched)
            }
        stepCount &+= steps
        prefetchSink ^= sink
        var countSpan = counts.mutableSpan
        return collect(touched: touched.span, count: touchedCount, counts: &countSpan)
    }

    /// The fingerprint of the visits counted in `counts` at `touched[0..<count]`; zeroes those counts.
    func collect(touched: Span<VertexIndex>, count: Int, counts: inout MutableSpan<UInt32>) -> Fingerprint {
        var vertices = [VertexIndex](repeating: 0, count: count)
        var sorted = vertices.mutableSpan
        if count <= Self.rankSortLimit, indicesBelow31Bits {
            // Rank sort: the listed vertices are distinct, so each one's rank (how many are smaller) is its
            // place. Quadratic but branch-free and vectorised; insertion sort mispredicted once per vertex
            // and took a fifth of walking time.
            for i in 0..<count {
                let value = touched[unchecked: i]
                // `t - value` has its top bit set exactly when t < value, both below 2^31; 32-bit lanes
                // vectorise twice as wide as 64-bit ones.
                var rank: UInt32 = 0
                for j in 0..<count { rank &+= (touched[unchecked: j] &- value) >> 31 }
                sorted[unchecked: Int(rank)] = value
            }
        } else {
            for i in 0..<count { sorted[unchecked: i] = touched[unchecked: i] }
            vertices.sort()
        }
        var visitCounts = [UInt32](repeating: 0, count: count)
        var visits = visitCounts.mutableSpan
        for i in 0..<count {
            let v = Int(vertices[i])
            visits[unchecked: i] = counts[unchecked: v]
            counts[unchecked: v] = 0
        }
        return Fingerprint(vertices: vertices, visitCounts: visitCounts)
    }

    /// Longest list sorted by ranks; longer lists use the standard sort.
    static let rankSortLimit = 160

}

/// What an index is built with; recorded in every store's manifest.
public struct WalkParameters: Equatable, Hashable, Sendable {
    /// Alpha: the probability that a walk stops at each step.
    public var restartProbability: Double
    /// R: walks started from every vertex.
    public var walksPerVertex: Int
    /// Lmax: the most steps a walk takes.
    public var maxWalkLength: Int
    /// Global seed; each vertex's stream derives from `(seed, vertex)`.
    public var seed: UInt64
    /// How many walks each vertex gets: R each (uniform), or more for high out-degree (`WalkAllocation`).
    public var allocation: WalkAllocation

    public static let defaultWalksPerVertex = 16
    public static let defaultMaxWalkLength = 100
    public static let defaultSeed: UInt64 = 1
    /// The allocation new indexes get (`WalkAllocation.defaultDegreeRule`).
    public static let defaultAllocation = WalkAllocation.defaultDegreeRule

    public init(
        restartProbability: Double = PPRDefaults.restartProbability,
        walksPerVertex: Int = defaultWalksPerVertex,
        maxWalkLength: Int = defaultMaxWalkLength,
        seed: UInt64 = defaultSeed,
        allocation: WalkAllocation = defaultAllocation
    ) {
        self.restartProbability = restartProbability
        self.walksPerVertex = walksPerVertex
        self.maxWalkLength = maxWalkLength
        self.seed = seed
        self.allocation = allocation
    }

    /// Draws below this value stop the walk: `alpha * 2^64`.
    var stopThreshold: UInt64 {
        let scaled = restartProbability * 18_446_744_073_709_551_616.0
        return scaled >= 18_446_744_073_709_551_615.0 ? UInt64.max : UInt64(scaled)
    }

    /// Checks ranges; the message names the offending parameter.
    public func validate() throws(ParameterError) {
        guard EngineLimits.isValidAlpha(restartProbability) else {
            throw .outOfRange(name: "alpha", value: "\(restartProbability)", expected: "0 < alpha < 1")
        }
        guard EngineLimits.walksPerVertex.contains(walksPerVertex) else {
            throw .outOfRange(
                name: "walks", value: "\(walksPerVertex)", expected: EngineLimits.text(EngineLimits.walksPerVertex))
        }
        guard EngineLimits.maxWalkLength.contains(maxWalkLength) else {
            throw .outOfRange(
                name: "max-length", value: "\(maxWalkLength)", expected: EngineLimits.text(EngineLimits.maxWalkLength))
        }
        try allocation.validate(walksPerVertex: walksPerVertex)
    }
}

/// A parameter outside its allowed range.
public enum ParameterError: Error, Equatable, Sendable, CustomStringConvertible {
    case outOfRange(name: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .outOfRange(let name, let value, let expected): "invalid \(name) \(value): expected \(expected)"
        }
    }
}
