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
/// bit words per level (about 1,300 words on soc-Slashdot0902): dense scratch vectors are indexed by
/// `VertexIndex` and cleared as they are read or through touched lists, and a `Decomposition` keeps them
/// between queries (one `O(n)` allocation per instance).
///
/// With `PushThreads` of more than one thread, each level is split by vertex band (`TargetBands`,
/// `Decomposition+Bands.swift`): every thread expands the active vertices of its band and pushes all
/// expansions along the edges into its band, so each flow slot still sums its shares in ascending source
/// order and the result is bit-identical to one thread's.
public struct Decomposition {
    /// The graph the flow moves on.
    public let graph: CSRGraph
    /// Threads per query (1: the calling thread only).
    public let threads: PushThreads
    /// The band layout the threads split by (nil with one thread).
    let bands: TargetBands?
    /// Dense scratch vectors, all zero between calls; shared by copies of this value until one expands.
    private var scratch: ExpandScratch

    /// Scratch for queries on `graph` (allocates four dense vectors of `vertexCount` doubles). With more than
    /// one thread, `bands` is the graph's band layout (built here when nil: build it once per graph and pass
    /// it to every instance) and each thread's lists add 32 bytes per vertex of its band.
    public init(graph: CSRGraph, threads: PushThreads = .single, bands: TargetBands? = nil) {
        self.graph = graph
        self.threads = threads
        self.bands = threads.count > 1 ? bands ?? TargetBands(graph: graph) : nil
        scratch = ExpandScratch(vertexCount: graph.vertexCount, bands: self.bands, threads: threads.count)
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
        // Copies of this value share `scratch` until one of them expands: the expanding copy takes fresh scratch.
        if !isKnownUniquelyReferenced(&scratch) {
            scratch = ExpandScratch(vertexCount: graph.vertexCount, bands: bands, threads: threads.count)
        }
        let rule = ExpansionThreshold(graph: graph, eps: eps, lowDegreeFactor: lowDegreeFactor, walkBudget: walkBudget)
        let (pushed, frontier, statistics) = runBands(
            personalization, alpha: alpha, maxLevels: maxLevels, dropFloor: dropFloor, rule: rule, scratch: scratch)
        var expansion = Expansion(pushed: pushed, frontier: frontier, statistics: statistics)
        if sampleBelow > 0 {
            expansion.frontier = Self.sample(
                expansion.frontier, below: sampleBelow, seed: Self.seed(of: personalization), &expansion.statistics)
        }
        expansion.statistics.frontierSize = expansion.frontier.count
        for entry in expansion.frontier { expansion.statistics.sampledFrontierFlow += entry.weight }
        // Scales the flows to the walks each vertex has and sums `f² R / R(u)` (`Σ f²` when uniform).
        expansion.statistics.frontierSecondMoment = walkBudget.combineWeights(&expansion.frontier, graph: graph)
        return expansion
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

    /// The non-zero entries of `vector` at `touched`, ascending by vertex; zeroes them. `marks` (`words` bit
    /// words, one bit per vertex, all zero on entry and on exit) orders them without sorting when there are
    /// enough. `touched` may list a vertex twice; it is reordered.
    static func drain(
        _ vector: UnsafeMutablePointer<Double>, _ touched: UnsafeMutableBufferPointer<VertexIndex>,
        _ marks: UnsafeMutablePointer<UInt64>, words: Int
    ) -> [WeightedVertex] {
        var touched = touched
        var result: [WeightedVertex] = []
        guard !touched.isEmpty else { return result }
        result.reserveCapacity(touched.count)
        // Enough touched vertices: marking them and scanning the bit words beats sorting them (same
        // ascending result; a vertex listed twice is marked once).
        if words <= touched.count &* 8 {
            var low = words, high = 0
            for v in touched {
                let word = Int(v &>> 6)
                marks[word] |= 1 &<< UInt64(v & 63)
                low = min(low, word)
                high = max(high, word)
            }
            var word = low
            while word <= high {
                var bits = marks[word]
                if bits != 0 {
                    marks[word] = 0
                    let base = word &<< 6
                    repeat {
                        let v = base | bits.trailingZeroBitCount
                        bits &= bits &- 1
                        let value = vector[v]
                        guard value != 0 else { continue }
                        result.append(WeightedVertex(vertex: VertexIndex(truncatingIfNeeded: v), weight: value))
                        vector[v] = 0
                    } while bits != 0
                }
                word &+= 1
            }
            return result
        }
        touched.sort()  // in place: the list is not used again
        for v in touched {
            let value = vector[Int(v)]
            guard value != 0 else { continue }  // a duplicate of the previous entry, already drained
            result.append(WeightedVertex(vertex: v, weight: value))
            vector[Int(v)] = 0
        }
        return result
    }
}

/// A growable list of vertices in raw memory for the level loop: appends without uniqueness checks,
/// and with no capacity check after `reserve`. Its owner frees it with `deallocate()`.
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
