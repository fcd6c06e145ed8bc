/// Computes fingerprints by random walks with full-path counting (DESIGN §2, Indexing).
///
/// For vertex `u`, `R` walks start at `u`; each visit (the start included) counts. At each step the
/// walk stops with probability alpha, ends at a dangling vertex, or ends after `Lmax` steps;
/// otherwise it moves to a uniformly random out-neighbour. `alpha * visits(v) / R` is then unbiased
/// for `pt_u(v)` up to the truncation bias `(1 - alpha)^Lmax`.
///
/// One 64-bit draw per step: the walk stops when the draw is below `alpha * 2^64`; otherwise the
/// draw's low 32 bits, scaled by the degree (Lemire's multiply-shift), pick the neighbour. Given
/// that the walk goes on, those low bits are uniform to within 2^-32.
///
/// A walker owns scratch buffers and is meant to be reused for many vertices by one thread.
public struct FingerprintWalker {
    public let graph: CSRGraph
    public let parameters: WalkParameters
    private let stopThreshold: UInt64
    /// Visit counts by vertex; all zero between calls.
    private var counts: [UInt32]
    /// Vertices with a non-zero count in `counts`.
    private var touched: [VertexIndex] = []
    /// Walk steps taken (moves along an edge), for throughput figures.
    public private(set) var stepCount: Int = 0

    public init(graph: CSRGraph, parameters: WalkParameters) {
        self.graph = graph
        self.parameters = parameters
        self.stopThreshold = parameters.stopThreshold
        self.counts = [UInt32](repeating: 0, count: graph.vertexCount)
    }

    /// Walks advanced in lockstep. A step is a chain of dependent cache misses (offsets, then targets),
    /// so one walk at a time is memory-latency bound; independent walks overlap their misses.
    static let laneCount = 16

    /// The fingerprint of `u`: a function of `(graph, parameters, u)` only.
    ///
    /// Walk `i` of `u` draws from its own SplitMix64 stream, seeded by the `i`-th output of the stream of
    /// `(seed, u)`, so interleaving walks in lanes does not change the counts.
    public mutating func fingerprint(of u: VertexIndex) -> Fingerprint {
        // Work on locals: a span over a stored property would hold exclusive access to all of self.
        var counts: [UInt32] = []
        var touched: [VertexIndex] = []
        swap(&counts, &self.counts)
        swap(&touched, &self.touched)
        defer {
            swap(&counts, &self.counts)
            swap(&touched, &self.touched)
        }
        let steps = walk(from: u, counts: &counts, touched: &touched)
        stepCount &+= steps
        Self.sortAscending(&touched)
        var countSpan = counts.mutableSpan
        var visitCounts = [UInt32]()
        visitCounts.reserveCapacity(touched.count)
        for v in touched {
            visitCounts.append(countSpan[unchecked: Int(v)])
            countSpan[unchecked: Int(v)] = 0
        }
        let result = Fingerprint(vertices: touched, visitCounts: visitCounts)
        touched = []
        return result
    }

    /// Runs the `R` walks of `u` in up to `laneCount` lanes, counting visits; returns the steps taken.
    private func walk(from u: VertexIndex, counts countArray: inout [UInt32], touched: inout [VertexIndex]) -> Int {
        var walkSeeds = WalkSeed(globalSeed: parameters.seed, vertex: u)
        let walks = parameters.walksPerVertex
        let maxLength = parameters.maxWalkLength
        let stopThreshold = self.stopThreshold
        let offsets = graph.offsets.span
        let targets = graph.targets.span
        var counts = countArray.mutableSpan
        var laneVertexArray = [VertexIndex](repeating: u, count: Self.laneCount)
        var laneStateArray = [UInt64](repeating: 0, count: Self.laneCount)
        var laneLengthArray = [Int](repeating: 0, count: Self.laneCount)
        var laneVertex = laneVertexArray.mutableSpan
        var laneState = laneStateArray.mutableSpan
        var laneLength = laneLengthArray.mutableSpan
        var started = 0
        var active = 0
        while active < Self.laneCount, started < walks {
            laneState[active] = walkSeeds.next()
            Self.visit(u, &counts, &touched)
            started += 1
            active += 1
        }
        var steps = 0
        while active > 0 {
            var lane = 0
            while lane < active {
                var ended = laneLength[unchecked: lane] == maxLength
                if !ended {
                    let state = laneState[unchecked: lane] &+ 0x9E37_79B9_7F4A_7C15
                    laneState[unchecked: lane] = state
                    let draw = WalkSeed.mix(state)
                    let current = laneVertex[unchecked: lane]
                    let start = offsets[unchecked: Int(current)]
                    let degree = offsets[unchecked: Int(current) + 1] &- start
                    if draw < stopThreshold || degree == 0 {
                        ended = true
                    } else {
                        let pick = ((draw & 0xFFFF_FFFF) &* degree) >> 32
                        let next = targets[unchecked: Int(start &+ pick)]
                        laneVertex[unchecked: lane] = next
                        laneLength[unchecked: lane] &+= 1
                        Self.visit(next, &counts, &touched)
                        steps &+= 1
                    }
                }
                guard ended else {
                    lane += 1
                    continue
                }
                if started < walks {
                    // Refill the lane with the next walk, so lanes stay busy until the last walks.
                    laneVertex[unchecked: lane] = u
                    laneState[unchecked: lane] = walkSeeds.next()
                    laneLength[unchecked: lane] = 0
                    Self.visit(u, &counts, &touched)
                    started += 1
                    lane += 1
                } else {
                    // Retire the lane: move the last active lane into its slot and step that one next.
                    active -= 1
                    laneVertex[unchecked: lane] = laneVertex[unchecked: active]
                    laneState[unchecked: lane] = laneState[unchecked: active]
                    laneLength[unchecked: lane] = laneLength[unchecked: active]
                }
            }
        }
        return steps
    }

    /// Insertion sort for the short lists of typical fingerprints (the standard library's sort allocates a
    /// merge buffer and cost a sixth of walking time); long lists use the standard sort.
    static func sortAscending(_ vertices: inout [VertexIndex]) {
        guard vertices.count <= 96 else {
            vertices.sort()
            return
        }
        var span = vertices.mutableSpan
        for i in 1..<max(span.count, 1) {
            let value = span[unchecked: i]
            var j = i
            while j > 0, span[unchecked: j - 1] > value {
                span[unchecked: j] = span[unchecked: j - 1]
                j -= 1
            }
            span[unchecked: j] = value
        }
    }

    @inline(__always)
    private static func visit(_ v: VertexIndex, _ counts: inout MutableSpan<UInt32>, _ touched: inout [VertexIndex]) {
        let c = counts[unchecked: Int(v)]
        if c == 0 { touched.append(v) }
        counts[unchecked: Int(v)] = c &+ 1
    }
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

    public static let defaultWalksPerVertex = 16
    public static let defaultMaxWalkLength = 100
    public static let defaultSeed: UInt64 = 1

    public init(
        restartProbability: Double = PPRDefaults.restartProbability,
        walksPerVertex: Int = defaultWalksPerVertex,
        maxWalkLength: Int = defaultMaxWalkLength,
        seed: UInt64 = defaultSeed
    ) {
        self.restartProbability = restartProbability
        self.walksPerVertex = walksPerVertex
        self.maxWalkLength = maxWalkLength
        self.seed = seed
    }

    /// Draws below this value stop the walk: `alpha * 2^64`.
    var stopThreshold: UInt64 {
        let scaled = restartProbability * 18_446_744_073_709_551_616.0
        return scaled >= 18_446_744_073_709_551_615.0 ? UInt64.max : UInt64(scaled)
    }

    /// Checks ranges; the message names the offending parameter.
    public func validate() throws(ParameterError) {
        guard restartProbability > 0, restartProbability < 1 else {
            throw .outOfRange(name: "alpha", value: "\(restartProbability)", expected: "0 < alpha < 1")
        }
        guard walksPerVertex >= 1, walksPerVertex <= 1 << 20 else {
            throw .outOfRange(name: "walks", value: "\(walksPerVertex)", expected: "1 ... 1048576")
        }
        guard maxWalkLength >= 1, maxWalkLength <= 1 << 20 else {
            throw .outOfRange(name: "max-length", value: "\(maxWalkLength)", expected: "1 ... 1048576")
        }
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
