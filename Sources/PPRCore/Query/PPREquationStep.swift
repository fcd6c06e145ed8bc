import Synchronization

/// One step of the PPR equation over the whole answer ("smoothing", issue 6): the reference form every
/// path (in-process, the coordinator's merge, the block combine) must agree with.
///
/// Exact PPR satisfies `pi = alpha p + (1 - alpha) (P^T pi + D(pi) p)` (DESIGN §1: a walk at a dangling
/// vertex restarts from `p`; `D(x)` is the mass of `x` on dangling vertices). The step used here is its
/// linear, mass-preserving form `M x = (1 - alpha) P^T x + (alpha sum(x) + (1 - alpha) D(x)) p`, equal to
/// the equation's right-hand side on a normalised `x`. Linear, so a block's shards may each apply it to
/// their own share and the coordinator add the results; mass-preserving, so `sum(M x) = sum(x)` (both to
/// the Float rounding of its terms on large graphs, below).
///
/// Why: applied to a Monte Carlo answer `a = pi + e`, it leaves `pi` fixed and turns the error into
/// `(1 - alpha) P^T e` (plus its dangling share): each vertex's error becomes a weighted average of its
/// in-neighbours' errors, so the fingerprints' noise averages out. Measured (`pwbench engine
/// --diagnose`, soc-Slashdot0902, 30 uniform sources): the default preset's L1 0.065 goes to 0.027 after
/// one step and 0.016 after two.
///
/// Evaluation order (the one definition every path follows bit for bit; `apply(steps:to:...)` is the fast
/// form): vertex `v`'s pull `(P^T x)(v)` sums the terms `x(w) P(w, v)` of its in-edges (ascending `w`) in
/// `pullLanes` interleaved partial sums (term `i` goes to lane `i % 2`, except that an odd list's last
/// term goes to lane 0), combined as `s0 + s1`: two independent addition chains (one waits ~4 cycles per
/// edge; the compiler adds the pair with one vector add). Two rather than four: most in-lists are short,
/// and four lanes' longer tail loop (up to 3 terms one by one) and extra loop exit cost more than the
/// chains save (one-thread step, alternating builds, `pwbench engine` "Smoothing step": soc-Slashdot0902
/// 1.35-1.51 -> 1.12-1.13 ns/edge, R-MAT scale 20 1.74-2.08 -> 1.44-1.62 ns/edge). On an unweighted
/// graph the term is `x(w) * (1 / d(w))`, rounded once to Float (and summed in Double) when
/// `InEdges.floatTerms`; on a weighted one `x(w) * P(w, v)` with the in-edge's probability, all Double.
/// Then `(1 - alpha) * pull`, then the restart term is added to the sources of `p`; `sum(x)` runs in
/// `LaneSum`'s four interleaved partial sums and `D(x)` in ascending vertex order. Every vertex's value
/// depends only on `x`, so any split of the vertices over threads gives the same bits.
///
/// Why Float terms on large graphs: the pull reads `x(w) / d(w)` at random, once per in-edge; as Float
/// that vector is half the bytes (R-MAT scale 20: 2.6 MB instead of 5.2 MB), half the L3 traffic once it
/// no longer fits L2 (`InEdges.floatTermsMinimumVertices` has the measurements; on graphs whose vector
/// fits L2 the widening costs more than it saves). The rounding is at most 2^-24 of each term and the sums
/// stay Double, so each pulled value is within 2^-24 (6e-8) of its all-Double value: `M` keeps exact PPR
/// and the mass to that relative precision, far below the Monte Carlo error it smooths (L1 ~1e-2).
public enum PPREquationStep {
    /// Partial sums per vertex pull.
    public static let pullLanes = 2

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
            var lanes = [Double](repeating: 0, count: pullLanes)
            let whole = start + (end - start) / pullLanes * pullLanes
            for e in start..<whole { lanes[(e - start) % pullLanes] += term(e) }
            for e in whole..<end { lanes[0] += term(e) }
            next[v] = (1 - alpha) * (lanes[0] + lanes[1])
        }
        let total = LaneSum.sum(x.span)
        let restart = alpha * total + (1 - alpha) * inEdges.danglingMass(x)
        for entry in personalization.entries { next[Int(entry.vertex)] += restart * entry.weight }
        return next
    }

    /// Reusable vectors of the fast step (two of the graph's size once used); one per thread of queries.
    public struct Scratch: Sendable {
        /// `x(w) / d(w)` by vertex (unweighted graphs without `InEdges.floatTerms`).
        var prescaled: [Double] = []
        /// `Float(x(w) / d(w))` by vertex (`InEdges.floatTerms`).
        var prescaledFloat: [Float] = []
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
    /// Per step: one pass for `sum(x)` and `x(w) / d(w)` (prescaled once per vertex rather than per
    /// edge, as Float when `InEdges.floatTerms`), then the pulls split by `InEdges` band over `threads`
    /// (the calling thread and up to `threads.count - 1` jobs; a job that starts late leaves its bands to
    /// the others). `x.count` must equal `inEdges.vertexCount` (otherwise `x` is left unchanged).
    @discardableResult
    public static func apply(
        steps: Int, to x: inout [Double], personalization: Personalization, alpha: Double, inEdges: InEdges,
        scratch: inout Scratch, threads: PushThreads = .single
    ) -> Report {
        let n = inEdges.vertexCount
        guard steps > 0, x.count == n, n > 0 else { return Report() }
        if scratch.next.count != n { scratch.next = [Double](repeating: 0, count: n) }
        if inEdges.floatTerms {
            if scratch.prescaledFloat.count != n { scratch.prescaledFloat = [Float](repeating: 0, count: n) }
        } else if !inEdges.isWeighted, scratch.prescaled.count != n {
            scratch.prescaled = [Double](repeating: 0, count: n)
        }
        let parts = inEdges.sources.count < parallelMinimumEdges ? 1 : threads.count
        var report = Report(edges: steps * inEdges.sources.count)
        for step in 0..<steps {
            let (total, moment): (Double, Double)
            do {
                let values = x.span
                if inEdges.isWeighted {
                    (total, moment) = LaneSum.sumAndWeighted(values, weights: inEdges.squaredProbabilities.span) {
                        _, _ in
                    }
                } else if inEdges.floatTerms {
                    var prescaled = scratch.prescaledFloat.mutableSpan
                    (total, moment) = LaneSum.sumAndWeighted(values, weights: inEdges.inverseDegree.span) {
                        prescaled[unchecked: $0] = Float($1)
                    }
                } else {
                    var prescaled = scratch.prescaled.mutableSpan
                    (total, moment) = LaneSum.sumAndWeighted(values, weights: inEdges.inverseDegree.span) {
                        prescaled[unchecked: $0] = $1
                    }
                }
            }
            if step == 0 { report.squaredTransitionMoment = moment }
            let restart = alpha * total + (1 - alpha) * inEdges.danglingMass(x)
            pull(x, inEdges: inEdges, scratch: &scratch, scale: 1 - alpha, parts: parts, threads: threads)
            for entry in personalization.entries { scratch.next[Int(entry.vertex)] += restart * entry.weight }
            swap(&x, &scratch.next)
        }
        return report
    }

    /// `scratch.next[v] = scale * pull(v)` for every vertex, band by band over up to `parts` threads.
    private static func pull(
        _ x: [Double], inEdges: InEdges, scratch: inout Scratch, scale: Double, parts: Int, threads: PushThreads
    ) {
        // Empty arrays have no base address: a graph without edges pulls nothing, so a dummy entry will do.
        let sourceArray = inEdges.sources.isEmpty ? [0] : inEdges.sources
        // One-entry stand-ins for the vector a graph does not read (a weighted graph reads `x`, an
        // unweighted one `prescaled` or, with Float terms, `prescaledFloat`), so every buffer has a base
        // address.
        let prescaled = inEdges.floatTerms ? scratch.prescaledFloat : [Float(0)]
        let values = inEdges.isWeighted ? x : inEdges.floatTerms ? [0] : scratch.prescaled
        inEdges.offsets.withUnsafeBufferPointer { offsets in
            sourceArray.withUnsafeBufferPointer { sources in
                values.withUnsafeBufferPointer { values in
                    prescaled.withUnsafeBufferPointer { prescaled in
                        inEdges.probabilities.withUnsafeBufferPointer { probabilities in
                            scratch.next.withUnsafeMutableBufferPointer { output in
                                guard let offsets = offsets.baseAddress, let sources = sources.baseAddress,
                                    let values = values.baseAddress, let prescaled = prescaled.baseAddress,
                                    let output = output.baseAddress
                                else { return }
                                let job = PullJob(
                                    offsets: offsets, sources: sources, values: values,
                                    prescaled: inEdges.floatTerms ? prescaled : nil,
                                    probabilities: inEdges.isWeighted ? probabilities.baseAddress : nil,
                                    output: output, bandStarts: inEdges.bandStarts, scale: scale)
                                let split = PullSplit()
                                for _ in 1..<parts {
                                    threads.start { split.help(job) }
                                }
                                split.claimBands(job)
                                split.close()
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
    let offsets: UnsafePointer<Int>
    let sources: UnsafePointer<VertexIndex>
    /// `x(w)` on a weighted graph, `x(w) / d(w)` on an unweighted one without Float terms.
    let values: UnsafePointer<Double>
    /// `Float(x(w) / d(w))` with Float terms (`InEdges.floatTerms`), nil otherwise.
    let prescaled: UnsafePointer<Float>?
    /// Nil on an unweighted graph.
    let probabilities: UnsafePointer<Double>?
    let output: UnsafeMutablePointer<Double>
    let bandStarts: [Int]
    let scale: Double

    /// The pulls of one band, in the order `PPREquationStep` documents. Safety of the reads: `InEdges`
    /// built the offsets within `sources` and every source below its vertex count (`values.count`).
    func run(band: Int) {
        for v in bandStarts[band]..<bandStarts[band + 1] {
            var (s0, s1) = (0.0, 0.0)
            var e = offsets[v]
            let end = offsets[v + 1]
            let whole = e + (end - e) / 2 * 2
            if let probabilities {
                while e < whole {
                    s0 += values[Int(sources[e])] * probabilities[e]
                    s1 += values[Int(sources[e + 1])] * probabilities[e + 1]
                    e += 2
                }
                while e < end {
                    s0 += values[Int(sources[e])] * probabilities[e]
                    e += 1
                }
            } else if let prescaled {
                while e < whole {
                    s0 += Double(prescaled[Int(sources[e])])
                    s1 += Double(prescaled[Int(sources[e + 1])])
                    e += 2
                }
                while e < end {
                    s0 += Double(prescaled[Int(sources[e])])
                    e += 1
                }
            } else {
                while e < whole {
                    s0 += values[Int(sources[e])]
                    s1 += values[Int(sources[e + 1])]
                    e += 2
                }
                while e < end {
                    s0 += values[Int(sources[e])]
                    e += 1
                }
            }
            output[v] = scale * (s0 + s1)
        }
    }
}

/// The bands of one pull and the handoff between the calling thread and its helpers (as the combine's
/// `SplitCombine`): the caller never waits for a helper that has not started (`enter` fails once the caller
/// has closed), and waits for one that is working by spinning, then blocking on the lock it holds.
private final class PullSplit: Sendable {
    /// The next band to claim.
    let next = Atomic<Int>(0)
    /// Helpers between `enter` and `leave` (low bits), and `closedBit` once the caller is done.
    private let state = Atomic<Int>(0)
    /// Held by a helper while it pulls.
    private let busy = Mutex<Void>(())
    private static let closedBit = 1 << 32

    func claimBands(_ job: PullJob) {
        while true {
            let band = next.add(1, ordering: .relaxed).oldValue
            guard band < InEdges.bandCount else { return }
            job.run(band: band)
        }
    }

    /// A helper's job: pulls bands holding `busy`, unless the caller has already closed the pull (then the
    /// job may outlive `job`'s pointers and touches nothing).
    func help(_ job: PullJob) {
        let old = state.wrappingAdd(1, ordering: .acquiring).oldValue
        guard old & Self.closedBit == 0 else {
            state.wrappingSubtract(1, ordering: .relaxed)
            return
        }
        busy.withLock { _ in claimBands(job) }
        state.wrappingSubtract(1, ordering: .releasing)
    }

    /// The caller has no band left: stops helpers from starting and waits for those that entered.
    func close() {
        var current = state.bitwiseOr(Self.closedBit, ordering: .acquiringAndReleasing).newValue
        var spins = 0
        while current & (Self.closedBit - 1) != 0 {
            spins &+= 1
            if spins & 1023 == 0 { busy.withLock { _ in } }
            current = state.load(ordering: .acquiring)
        }
    }
}
