import Synchronization

/// The graph's transition matrix by target (the transpose of `CSRGraph`): for each vertex its in-edges'
/// sources in ascending order and their transition probabilities `P(w, v)` (`1 / d(w)`, or `w_e / sum of
/// w(w, ·)` on a weighted graph, DESIGN §1), plus the dangling vertices and the vertices cut into
/// `bandCount` pull bands of about equal work (`PPREquationStep` splits a step over threads by them).
/// Self-loops are not in-edges here: each vertex's loop probability `P(v, v)` is kept apart
/// (`loopProbability`), because the step solves that term instead of pulling it (`PPREquationStep`).
/// Built once per graph in `O(n + m)`: 4 bytes per edge and 16 per vertex (a weighted graph also keeps each
/// in-edge's probability, 8 more per edge, and each vertex's sum of squared probabilities instead of its
/// inverse degree; a graph with self-loops keeps `P(v, v)` and the loop-solved sums, 16 more per vertex),
/// plus, once the whole-vector step first asks for it, the pull's copy of the in-edges (`PullSlices`: about
/// 4 more bytes per edge, 12 on a weighted graph, and 13 per vertex, 21 with self-loops). The per-vertex
/// lists serve the block step, the refinement and the reference step; the slices serve the whole-vector
/// step, whose speed matters most. A worker process, whose block steps read only the lists, never builds
/// the slices.
public struct InEdges: Sendable {
    public let vertexCount: Int
    let offsets: [Int]
    let sources: [VertexIndex]
    /// `P(w, v)` by in-edge, weighted graphs only (empty otherwise).
    let probabilities: [Double]
    /// `1 / d(w)` by vertex (0 for dangling vertices), unweighted graphs only (empty otherwise).
    let inverseDegree: [Double]
    /// `q(w)` by vertex (`squaredTransitionSum`): `sum over out-edges of P(w, v)^2` on a weighted graph, the
    /// loop-solved form on a graph with self-loops, empty otherwise (then `1 / d(w)`).
    let squaredProbabilities: [Double]
    let dangling: [VertexIndex]
    /// `P(v, v)` by vertex (the sum over its self-loops), or empty when the graph has none.
    let loopProbability: [Double]
    /// The share of edges `w -> v` (`w != v`) whose reverse `v -> w` is also an edge: how much of a step's
    /// spread error the next step brings back (`ErrorEstimate.smoothingFactor`).
    public let reciprocity: Double
    /// The in-edges laid out for the whole-vector pull, cut into `bandCount` bands of slices: built on first
    /// use (`O(n + m)`, under a lock, once for all copies of this value).
    public var slices: PullSlices {
        pullSlices.value {
            PullSlices(
                vertexCount: vertexCount, offsets: offsets, sources: sources, probabilities: probabilities,
                loopProbability: loopProbability)
        }
    }
    private let pullSlices = BuiltOnce<PullSlices>()
    /// Whether `PPREquationStep` rounds each term `x(w) / d(w)` to Float (unweighted graphs only): by
    /// default when the Double vector of those terms would not fit a core's L2 (`floatTermsMinimumVertices`).
    public let floatTerms: Bool

    /// Fewest vertices for Float terms by default: 131,072 Doubles are 1 MiB, the L2 per core of the hosts
    /// measured. Measured with the sliced pull (`PullSlices`; `pwbench engine`, "Smoothing step", one
    /// thread, alternating runs): on R-MAT scale 20 (646k vertices: 5.2 MB of Double, 2.6 MB of Float)
    /// Float terms made a step 1.54-1.88 -> 1.17-1.36 ns/edge; on soc-Slashdot0902 (82k vertices: 656 KB,
    /// in L2 either way) no different (0.61 against 0.59-0.60). (With the earlier per-vertex pull, Float
    /// terms were 20-25 % slower there: its scalar widening cost more than the bytes saved.)
    public static let floatTermsMinimumVertices = 131_072

    /// Pull bands per graph: more than the threads of one step (2 cores), so a thread that starts late or
    /// is descheduled leaves bands to the others (claimed one at a time). A constant: the bands decide only
    /// who computes a vertex, never how, so the answer does not depend on them.
    public static let bandCount = 8

    /// Transposes `graph`; `floatTerms` overrides the size rule (`floatTermsMinimumVertices`; ignored on a
    /// weighted graph, whose terms stay Double).
    public init(graph: CSRGraph, floatTerms: Bool? = nil) {
        let n = graph.vertexCount
        vertexCount = n
        self.floatTerms = graph.weights == nil && (floatTerms ?? (n >= Self.floatTermsMinimumVertices))
        var counts = [Int](repeating: 0, count: n + 1)
        var loops = 0
        for w in 0..<n {
            for e in graph.neighborRange(VertexIndex(truncatingIfNeeded: w)) {
                let v = Int(graph.targets[e])
                if v == w { loops += 1 } else { counts[v + 1] += 1 }
            }
        }
        for v in 0..<n { counts[v + 1] += counts[v] }
        offsets = counts
        var next = Array(counts.dropLast())
        let inEdgeCount = graph.edgeCount - loops
        var sources = [VertexIndex](repeating: 0, count: inEdgeCount)
        var probabilities = [Double](repeating: 0, count: graph.weights == nil ? 0 : inEdgeCount)
        var inverseDegree = [Double](repeating: 0, count: graph.weights == nil ? n : 0)
        var squaredProbabilities = [Double](repeating: 0, count: graph.weights == nil ? 0 : n)
        var loopProbability = [Double](repeating: 0, count: loops > 0 ? n : 0)
        var dangling: [VertexIndex] = []
        for w in 0..<n {
            let range = graph.neighborRange(VertexIndex(truncatingIfNeeded: w))
            guard !range.isEmpty else {
                dangling.append(VertexIndex(truncatingIfNeeded: w))
                continue
            }
            var total = 0.0
            if let weights = graph.weights {
                for e in range { total += weights[e] }
            } else {
                inverseDegree[w] = 1 / Double(range.count)
            }
            for e in range {
                let v = Int(graph.targets[e])
                let probability = graph.weights.map { $0[e] / total } ?? inverseDegree[w]
                if graph.weights != nil { squaredProbabilities[w] += probability * probability }
                guard v != w else {
                    loopProbability[w] += probability
                    continue
                }
                sources[next[v]] = VertexIndex(truncatingIfNeeded: w)
                if graph.weights != nil { probabilities[next[v]] = probability }
                next[v] += 1
            }
        }
        // q(w) (`squaredTransitionSum`): with the self-loops solved, w's error reaches each v != w scaled by
        // v's loop scale and none stays at w, so q(w) = sum over v != w of (P(w, v) loopScale(v))^2, taken
        // at the default alpha (the estimate's statistic; no step depends on it).
        if loops > 0 {
            squaredProbabilities = [Double](repeating: 0, count: n)
            for v in 0..<n {
                let scale = Self.loopScale(loopProbability: loopProbability[v], alpha: PPRDefaults.restartProbability)
                for e in counts[v]..<counts[v + 1] {
                    let w = Int(sources[e])
                    let scaled = (probabilities.isEmpty ? inverseDegree[w] : probabilities[e]) * scale
                    squaredProbabilities[w] += scaled * scaled
                }
            }
        }
        self.sources = sources
        self.probabilities = probabilities
        self.inverseDegree = inverseDegree
        self.squaredProbabilities = squaredProbabilities
        self.dangling = dangling
        self.loopProbability = loopProbability
        reciprocity = Self.reciprocity(graph: graph, offsets: counts, sources: sources)
    }

    /// Whether some vertex has a self-loop (then a step solves its term: `loopScale`).
    public var hasLoops: Bool { !loopProbability.isEmpty }

    /// `1 / (1 - (1 - alpha) P(v, v))`: the factor by which the step solves `v`'s self-loop term (1 without
    /// one). The one expression every step form uses, so they agree bit for bit.
    @inline(__always)
    public func loopScale(_ v: Int, alpha: Double) -> Double {
        loopProbability.isEmpty ? 1 : Self.loopScale(loopProbability: loopProbability[v], alpha: alpha)
    }

    /// `1 / (1 - (1 - alpha) P(v, v))` for `P(v, v) = loopProbability` (the pull's 8-lane form, `PullJob`,
    /// computes the same expression lane by lane).
    @inline(__always)
    static func loopScale(loopProbability: Double, alpha: Double) -> Double {
        1 / (1 - (1 - alpha) * loopProbability)
    }

    /// Merges each vertex's ascending in-edge sources with its ascending out-edge targets (`CSRGraph` keeps
    /// them sorted): `O(n + m)`. Over the edges between distinct vertices (the lists hold no self-loop: a
    /// step solves a loop's term, so it sends no error back the way a reversed edge does).
    private static func reciprocity(graph: CSRGraph, offsets: [Int], sources: [VertexIndex]) -> Double {
        guard !sources.isEmpty else { return 0 }
        var matched = 0
        for v in 0..<graph.vertexCount {
            let out = graph.neighborRange(VertexIndex(truncatingIfNeeded: v))
            var o = out.lowerBound
            for e in offsets[v]..<offsets[v + 1] {
                let w = sources[e]
                while o < out.upperBound, graph.targets[o] < w { o += 1 }
                if o < out.upperBound, graph.targets[o] == w { matched += 1 }
            }
        }
        return Double(matched) / Double(sources.count)
    }

    /// Whether the graph has edge weights (each in-edge keeps its probability).
    public var isWeighted: Bool { inverseDegree.isEmpty && vertexCount > 0 }

    /// `q(w) = sum over out-edges w -> v of P(w, v)^2` (`1 / d(w)` on an unweighted graph; 0 for a dangling
    /// vertex), or on a graph with self-loops `sum over v != w of (P(w, v) loopScale(v))^2` at the default
    /// alpha: how much of `w`'s Monte Carlo variance one step passes on (`ErrorEstimate.smoothingFactor`).
    @inline(__always)
    public func squaredTransitionSum(_ w: Int) -> Double {
        squaredProbabilities.isEmpty ? inverseDegree[w] : squaredProbabilities[w]
    }

    /// In-edges of `v`.
    public func inDegree(_ v: Int) -> Int { offsets[v + 1] - offsets[v] }

    /// Bytes held (what a process that steps answers keeps per graph; the slices once built).
    public var byteCount: Int {
        offsets.count * MemoryLayout<Int>.stride + sources.count * MemoryLayout<VertexIndex>.stride
            + probabilities.count * MemoryLayout<Double>.stride + inverseDegree.count * MemoryLayout<Double>.stride
            + squaredProbabilities.count * MemoryLayout<Double>.stride
            + dangling.count * MemoryLayout<VertexIndex>.stride + loopProbability.count * MemoryLayout<Double>.stride
            + (pullSlices.built?.byteCount ?? 0)
    }

    /// `sum over in-edges w -> v (w != v) of vector[w] * P(w, v)`, in ascending `w`.
    @inline(__always)
    func pull(_ v: Int, from vector: [Double]) -> Double {
        var sum = 0.0
        let sources = sources.span, values = vector.span
        if inverseDegree.isEmpty {
            let probabilities = probabilities.span
            for e in offsets[v]..<offsets[v + 1] { sum += values[Int(sources[e])] * probabilities[e] }
        } else {
            let inverseDegree = inverseDegree.span
            for e in offsets[v]..<offsets[v + 1] {
                let w = Int(sources[e])
                sum += values[w] * inverseDegree[w]
            }
        }
        return sum
    }

    /// The mass of `vector` on dangling vertices, in ascending vertex order.
    func danglingMass(_ vector: [Double]) -> Double {
        var total = 0.0
        for v in dangling { total += vector[Int(v)] }
        return total
    }
}

/// A value built on first use, shared by every copy of the struct that holds it.
final class BuiltOnce<Value: Sendable>: Sendable {
    private let state = Mutex<Value?>(nil)

    /// The value, built by `build` under the lock on first use.
    func value(_ build: () -> Value) -> Value {
        state.withLock { state in
            if let state { return state }
            let built = build()
            state = built
            return built
        }
    }

    /// The value if it has been built.
    var built: Value? { state.withLock { $0 } }
}
