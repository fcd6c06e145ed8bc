/// One step of the PPR equation over the whole answer ("smoothing", issue 6): the reference form every
/// path (in-process, the coordinator's merge, the block combine) must agree with.
///
/// Exact PPR satisfies `pi = alpha p + (1 - alpha) (P^T pi + D(pi) p)` (DESIGN §1: a walk at a dangling
/// vertex restarts from `p`; `D(x)` is the mass of `x` on dangling vertices). The step used here is its
/// linear form with each self-loop's term solved:
/// `(M x)(v) = ((1 - alpha) sum over w != v of P(w, v) x(w) + (alpha sum(x) + (1 - alpha) D(x)) p(v)) /
/// (1 - (1 - alpha) P(v, v))`. Exact PPR is its fixed point, as it is of the plain right-hand side (move
/// the loop's term `(1 - alpha) P(v, v) pi(v)` to the left). Linear, so a block's shards may each apply it
/// to their own share and the coordinator add the results. Without self-loops it preserves the mass,
/// `sum(M x) = sum(x)`; with them only at the fixed point, so every step sums its input again.
///
/// Why the loops are solved: pulled, a loop hands a vertex `(1 - alpha) P(v, v)` of its own Monte Carlo
/// error back, and on soc-Slashdot0902, where 78,303 of 82,168 vertices have a self-loop and 6,550 have
/// no other out-edge, that noise stayed. For example, vertices tied in exact PPR under a hub came out up
/// to 3 % apart. Solved, their values depend only on their other in-neighbours. Measured (`pwbench engine
/// ../shared/data/soc-Slashdot0902.txt.gz --threads 2 --queries 300 --accuracy-sources 40`, `default`):
/// L1 0.043 -> 0.016 on hub sources and 0.030 -> 0.012 on uniform ones, strict precision@10 on hubs
/// 0.91 -> 0.9975. A step costs no more: it pulls 8 % fewer edges, and the pull scales each slice's sums
/// as it writes them (`PullSlices.loopProbabilities`; four alternating pairs of that command with
/// `--accuracy default`: one step on one thread 0.72-1.09 ms against 0.71-1.17 ms before).
///
/// Why: applied to a Monte Carlo answer `a = pi + e`, it leaves `pi` fixed and turns the error into
/// `(1 - alpha) P^T e` (plus its dangling share): each vertex's error becomes a weighted average of its
/// in-neighbours' errors, so the fingerprints' noise averages out. Measured (`pwbench engine
/// --diagnose`, soc-Slashdot0902, 30 uniform sources): the default preset's L1 0.065 goes to 0.027 after
/// one step and 0.016 after two.
///
/// Evaluation order (the one definition every path follows bit for bit; `apply(steps:to:...)` is the fast
/// form): vertex `v`'s pull `(P^T x)(v)` sums the terms `x(w) P(w, v)` of its in-edges in ascending `w`,
/// one addition after the other from 0. The fast form sums 8 vertices at once, one lane each
/// (`PullSlices`), so each vertex's sum is still one chain in that order; the padding after it adds `+0.0`,
/// which changes no sum. (Until slices, the fast form split each list into two interleaved partial sums
/// to shorten the chain; 8 vertices in lanes give 8 chains without it.) On an unweighted graph the term
/// is `x(w) * (1 / d(w))`, rounded once to Float (and summed in Double) when `InEdges.floatTerms`; on a
/// weighted one `x(w) * P(w, v)` with the in-edge's probability, all Double. Then `(1 - alpha) * pull *
/// loopScale(v)` (`InEdges.loopScale`, 1 without a self-loop), then `restart * p(v) * loopScale(v)` is
/// added to the sources of `p`; `sum(x)` runs in `LaneSum`'s four interleaved partial sums and `D(x)`
/// in ascending vertex order. Every vertex's value depends only on `x`, so any
/// split of the slices over threads gives the same bits.
///
/// Why Float terms on large graphs: the pull reads `x(w) / d(w)` at random, once per in-edge; as Float
/// that vector is half the bytes (R-MAT scale 20: 2.6 MB instead of 5.2 MB), half the L3 traffic once it
/// no longer fits L2 (`InEdges.floatTermsMinimumVertices` has the measurements; on graphs whose vector
/// fits L2 the widening costs more than it saves). The rounding is at most 2^-24 of each term and the sums
/// stay Double, so each pulled value is within 2^-24 (6e-8) of its all-Double value: `M` keeps exact PPR
/// and the mass to that relative precision, far below the Monte Carlo error it smooths (L1 ~1e-2).
public enum PPREquationStep {
    /// `M x` for one query, `x` indexed by `VertexIndex` (`x.count` must equal `inEdges.vertexCount`;
    /// otherwise `x` is returned unchanged). The reference: plain loops in the order the type documents.
    public static func apply(
        _ x: [Double], personalization: Personalization, alpha: Double, inEdges: InEdges
    ) -> [Double] {
        guard x.count == inEdges.vertexCount else { return x }
        var next = [Double](repeating: 0, count: x.count)
        for v in 0..<x.count {
            let start = inEdges.offsets[v], end = inEdges.offsets[v + 1]
            func term(_ e: Int) -> Double {
                let w = Int(inEdges.sources[e])
                if inEdges.isWeighted { return x[w] * inEdges.probabilities[e] }
                let share = x[w] * inEdges.inverseDegree[w]
                return inEdges.floatTerms ? Double(Float(share)) : share
            }
            var sum = 0.0
            for e in start..<end { sum += term(e) }
            next[v] = (1 - alpha) * sum * inEdges.loopScale(v, alpha: alpha)
        }
        let total = LaneSum.sum(x.span)
        let restart = alpha * total + (1 - alpha) * inEdges.danglingMass(x)
        for entry in personalization.entries {
            let v = Int(entry.vertex)
            next[v] += restart * entry.weight * inEdges.loopScale(v, alpha: alpha)
        }
        return next
    }

    /// Reusable vectors of the fast step (two of the graph's size once used); one per thread of queries.
    public struct Scratch: Sendable {
        /// The pull's terms by slot (`PullSlices.slot`): `x(w) / d(w)` on an unweighted graph without
        /// `InEdges.floatTerms`, `x(w)` on a weighted one; then a zero for the pads (`PullSlices.padSlot`).
        var terms: [Double] = []
        /// `Float(x(w) / d(w))` by slot with `InEdges.floatTerms`, then the pads' zero.
        var floatTerms: [Float] = []
        var next: [Double] = []
        /// The coordinator's dense answer (`AnswerSmoothing.topK`).
        var answer: [Double] = []

        public init() {}
    }

    /// Fewest in-edges for a step to be split over threads: waking a pool thread costs about 10 µs, a
    /// step about 1 ns per edge.
    public static let parallelMinimumEdges = 16_384

    /// What the fast step did.
    public struct Report: Equatable, Sendable {
        /// In-edges read (the graph's edges once per step).
        public var edges = 0
        /// `sum over w of x(w) * InEdges.squaredTransitionSum(w)` of the input `x`, in `LaneSum` order: what
        /// `ErrorEstimate.smoothingFactor` needs (computed in the first step's pass over `x`).
        public var squaredTransitionMoment = 0.0
    }

    /// `x` replaced by `M^steps x`: bit for bit what `apply` gives `steps` times, whatever `threads.count`.
    /// Per step: one pass for `sum(x)` and the terms `x(w) / d(w)` (computed once per vertex rather than
    /// per edge, as Float when `InEdges.floatTerms`; `x(w)` on a weighted graph) stored by slot, then the
    /// pulls split by band of slices over `threads` (the calling thread and up to `threads.count - 1` jobs;
    /// a job that starts late leaves its bands to the others). `x.count` must equal `inEdges.vertexCount`
    /// (otherwise `x` is left unchanged).
    @discardableResult
    public static func apply(
        steps: Int, to x: inout [Double], personalization: Personalization, alpha: Double, inEdges: InEdges,
        scratch: inout Scratch, threads: PushThreads = .single
    ) -> Report {
        let n = inEdges.vertexCount
        guard steps > 0, x.count == n, n > 0 else { return Report() }
        if scratch.next.count != n { scratch.next = [Double](repeating: 0, count: n) }
        // One more than the vertices: the pads' zero, never overwritten (the terms pass stores slots `0 ..< n`).
        if inEdges.floatTerms {
            if scratch.floatTerms.count != n + 1 { scratch.floatTerms = [Float](repeating: 0, count: n + 1) }
        } else if scratch.terms.count != n + 1 {
            scratch.terms = [Double](repeating: 0, count: n + 1)
        }
        let slices = inEdges.slices
        let slot = slices.slot.span
        let parts = slices.sources.count < parallelMinimumEdges ? 1 : threads.count
        var report = Report(edges: steps * inEdges.sources.count)
        for step in 0..<steps {
            let (total, moment): (Double, Double)
            do {
                let values = x.span
                if inEdges.isWeighted {
                    var terms = scratch.terms.mutableSpan
                    (total, moment) = LaneSum.sumAndWeighted(values, weights: inEdges.squaredProbabilities.span) {
                        v, _ in terms[unchecked: Int(slot[unchecked: v])] = values[unchecked: v]
                    }
                } else if inEdges.floatTerms {
                    var terms = scratch.floatTerms.mutableSpan
                    (total, moment) = LaneSum.sumAndWeighted(values, weights: inEdges.inverseDegree.span) {
                        terms[unchecked: Int(slot[unchecked: $0])] = Float($1)
                    }
                } else {
                    var terms = scratch.terms.mutableSpan
                    (total, moment) = LaneSum.sumAndWeighted(values, weights: inEdges.inverseDegree.span) {
                        terms[unchecked: Int(slot[unchecked: $0])] = $1
                    }
                }
            }
            if step == 0 {
                // Unweighted, the pass's weights are the terms' `1 / d(w)`; with self-loops `q(w)` differs
                // from it (the loop-solved form), so the moment takes one more pass.
                report.squaredTransitionMoment =
                    inEdges.hasLoops && !inEdges.isWeighted
                    ? LaneSum.sumAndWeighted(x.span, weights: inEdges.squaredProbabilities.span) { _, _ in }.weighted
                    : moment
            }
            let restart = alpha * total + (1 - alpha) * inEdges.danglingMass(x)
            pull(
                slices, inEdges: inEdges, scratch: &scratch, scale: 1 - alpha, alpha: alpha, parts: parts,
                threads: threads)
            for entry in personalization.entries {
                let v = Int(entry.vertex)
                scratch.next[v] += restart * entry.weight * inEdges.loopScale(v, alpha: alpha)
            }
            swap(&x, &scratch.next)
        }
        return report
    }

    /// `scratch.next[v] = scale * pull(v) * loopScale(v)` for every vertex from the terms in `scratch`, over
    /// `slices` (`inEdges.slices`, fetched once per `apply`), band by band over up to `parts` threads.
    private static func pull(
        _ slices: PullSlices, inEdges: InEdges, scratch: inout Scratch, scale: Double, alpha: Double, parts: Int,
        threads: PushThreads
    ) {
        // An empty array may have no base address (or one that must not be read): a graph without edges
        // pulls nothing, so a dummy entry will do; likewise a one-entry stand-in for the vector of terms a
        // graph does not read. The optional arrays (probabilities, loops) are passed only when in use.
        let sourceArray = slices.sources.isEmpty ? [0] : slices.sources
        let orderArray = slices.order.isEmpty ? [0] : slices.order
        let floatTerms = inEdges.floatTerms ? scratch.floatTerms : [Float(0)]
        let terms = inEdges.floatTerms ? [0] : scratch.terms
        slices.starts.withUnsafeBufferPointer { starts in
            sourceArray.withUnsafeBufferPointer { sources in
                orderArray.withUnsafeBufferPointer { order in
                    terms.withUnsafeBufferPointer { terms in
                        floatTerms.withUnsafeBufferPointer { floatTerms in
                            slices.probabilities.withUnsafeBufferPointer { probabilities in
                                slices.loopProbabilities.withUnsafeBufferPointer { loops in
                                    scratch.next.withUnsafeMutableBufferPointer { output in
                                        guard let starts = starts.baseAddress, let sources = sources.baseAddress,
                                            let order = order.baseAddress, let terms = terms.baseAddress,
                                            let floatTerms = floatTerms.baseAddress, let output = output.baseAddress
                                        else { return }
                                        let job = PullJob(
                                            starts: starts, sources: sources, order: order,
                                            vertexCount: inEdges.vertexCount, terms: terms,
                                            floatTerms: inEdges.floatTerms ? floatTerms : nil,
                                            probabilities: inEdges.isWeighted ? probabilities.baseAddress : nil,
                                            output: output, bandStarts: slices.bandStarts, scale: scale,
                                            loops: inEdges.hasLoops ? loops.baseAddress : nil, keep: 1 - alpha)
                                        let split = PartSplit(parts: InEdges.bandCount, helpers: parts - 1)
                                        for slot in 0..<split.helpers {
                                            threads.start { split.help(slot: slot) { job.run(band: $0) } }
                                        }
                                        split.claim { job.run(band: $0) }
                                        split.close()
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One step's pull, shared with the helper threads: raw views that stay valid while the caller is inside
/// `pull` (it waits for every helper that entered before it returns); threads write disjoint bands.
private struct PullJob: @unchecked Sendable {
    let starts: UnsafePointer<Int>
    /// Each entry's source slot (`PullSlices`).
    let sources: UnsafePointer<VertexIndex>
    let order: UnsafePointer<VertexIndex>
    let vertexCount: Int
    /// The terms by slot (`Scratch.terms`; unused with Float terms).
    let terms: UnsafePointer<Double>
    /// The Float terms by slot (`Scratch.floatTerms`) with `InEdges.floatTerms`, nil otherwise.
    let floatTerms: UnsafePointer<Float>?
    /// Nil on an unweighted graph.
    let probabilities: UnsafePointer<Double>?
    let output: UnsafeMutablePointer<Double>
    let bandStarts: [Int]
    let scale: Double
    /// `P(v, v)` in slice order (`PullSlices.loopProbabilities`) on a graph with self-loops, nil otherwise.
    let loops: UnsafePointer<Double>?
    /// `1 - alpha`, for the loops' scale `1 / (1 - (1 - alpha) P(v, v))` (`InEdges.loopScale`, lane by lane).
    let keep: Double

    /// The pulls of one band's slices, 8 vertices per vector (`PullSlices`), in the order `PPREquationStep`
    /// documents. Safety of the reads: `PullSlices` built the starts within `sources`, every source a slot
    /// below the vertex count or the pads' slot (the zero past the last term), and `order` a permutation of
    /// the vertices.
    func run(band: Int) {
        let width = PullSlices.width
        for slice in bandStarts[band]..<bandStarts[band + 1] {
            var sum = SIMD8<Double>()
            var e = starts[slice]
            let end = starts[slice + 1]
            if let probabilities {
                while e < end {
                    sum += gather(terms, e) * UnsafeRawPointer(probabilities + e).loadUnaligned(as: SIMD8<Double>.self)
                    e += width
                }
            } else if let floatTerms {
                while e < end {
                    sum += SIMD8<Double>(gather(floatTerms, e))
                    e += width
                }
            } else {
                while e < end {
                    sum += gather(terms, e)
                    e += width
                }
            }
            sum *= SIMD8(repeating: scale)
            let first = slice * width
            if let loops {
                let loop = UnsafeRawPointer(loops + first).loadUnaligned(as: SIMD8<Double>.self)
                sum *= 1 / (1 - SIMD8(repeating: keep) * loop)
            }
            let lanes = min(width, vertexCount - first)
            for lane in 0..<lanes { output[Int(order[first + lane])] = sum[lane] }
        }
    }

    /// The 8 terms of entries `e ..< e + 8`.
    @inline(__always)
    private func gather<T: SIMDScalar>(_ vector: UnsafePointer<T>, _ e: Int) -> SIMD8<T> {
        SIMD8(
            vector[Int(sources[e])], vector[Int(sources[e + 1])], vector[Int(sources[e + 2])],
            vector[Int(sources[e + 3])], vector[Int(sources[e + 4])], vector[Int(sources[e + 5])],
            vector[Int(sources[e + 6])], vector[Int(sources[e + 7])])
    }
}
