import ArgumentParser
import Foundation
import PPRCore
import PPRService

/// `pwbench engine EDGES`: the one-machine engine figures of issue 2 on one graph.
///
/// Steps: ingest (parse + build + atomic write); index with 1 and with 2 threads (walk steps per second
/// per thread, bytes per vertex); query latency over random sources with the default knobs; accuracy
/// (precision@10, precision@100, L1) against exact power iteration on a seeded sample. Sources are drawn
/// with `WalkSeed(globalSeed: --seed)` so runs are comparable. Then the same figures per class of source
/// (uniform out-degree >= 1, hubs, dangling: `SourceClasses.swift`); exact vectors are solved once per run.
///
/// `--weights` walks and queries the graph with synthetic edge weights (`syntheticWeights`: log-uniform
/// in [1, 100), a fixed function of the edge's ids and `--weight-seed`), and also reports the walker's
/// weighted step rate against the unweighted one on the same graph, measured in the same run.
struct EngineBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine", abstract: "Ingest, index, query latency and accuracy on one edge list.")

    @Argument(help: "Edge list (SNAP text, optionally .gz), e.g. ../shared/data/soc-Slashdot0902.txt.gz")
    var edges: String

    @Option(help: "Walks per vertex (R).") var walks = WalkParameters.defaultWalksPerVertex
    @Option(
        name: .customLong("hub-scale"),
        help: "Walk allocation c: vertices above c times the mean out-degree get more walks; 0 gives uniform R.")
    var hubScale = WalkParameters.defaultAllocation.hubScale
    @Option(name: .customLong("max-walks"), help: "Most walks of one vertex (Rmax) under the degree rule.")
    var maxWalks = WalkParameters.defaultAllocation.maxWalksPerVertex
    @Option(help: "Accuracy presets to measure, comma-separated (fast, default, high).")
    var accuracy = "fast,default,high"
    @Option(help: "Expansion threshold eps (overrides the presets').") var eps: Double?
    @Option(name: .customLong("max-levels"), help: "Expansion levels T (overrides the presets').") var maxLevels: Int?
    @Option(name: .customLong("sample-below"), help: "Frontier sampling threshold (overrides the presets').")
    var sampleBelow: Double?
    @Option(
        help:
            ArgumentHelp(
                "Extra knob sets for tuning, ';'-separated 'eps,sampleBelow,lowDegreeFactor[,refine[,smoothingSteps]]' "
                    + "(measured after the presets).")
    )
    var sweep: String?
    @Option(
        name: .customLong("smoothing-steps"),
        help: "Steps of the PPR equation applied to the whole answer (overrides the presets'; 0 ... 4).")
    var smoothingSteps: Int?
    @Option(help: "Top candidates rescored by one step of the PPR equation (overrides the presets'; 0: none).")
    var refine: Int?
    @Option(help: "Queries timed for latency.") var queries = 1_000
    @Option(name: .customLong("accuracy-sources"), help: "Sources compared with exact PPR.") var accuracySources = 50
    @Option(help: "Seed for the walks and the sampled sources.") var seed: UInt64 = 1
    @Option(
        name: .customLong("source-classes"),
        help: "Source classes measured apart, --accuracy-sources each (uniform, hub, dangling; '' for none).")
    var sourceClasses = "uniform,hub,dangling"
    @Flag(name: .customLong("list-misses"), help: "List the class sources missing precision@10 1 or @100 0.98.")
    var listMisses = false
    @Flag(help: "Per class: frontier flow and variance by out-degree, missed top-k vertices, L1 split (slow).")
    var diagnose = false
    @Option(help: "Thread counts to index with, comma-separated.") var threads = "1,2"
    @Flag(name: .customLong("walk-only"), help: "Stop after the walker-only pass (for profiling it).")
    var walkOnlyPass = false
    @Flag(help: "Give every edge a synthetic weight (log-uniform in [1, 100), from --weight-seed and its ids).")
    var weights = false
    @Option(name: .customLong("weight-seed"), help: "Seed of the synthetic weights.") var weightSeed: UInt64 = 1
    @Option(
        name: .customLong("resident-budget-mib"),
        help: "Memory for decoded fingerprints, MiB (default 1024; 0 combines every query from LMDB).")
    var residentBudgetMiB: Int?
    @Option(
        name: .customLong("query-threads"),
        help:
            "Threads one query's expand and combine may use (split by target band; same answers). Default: every core.")
    var queryThreads: Int?

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pwbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ContinuousClock()
        var rows: [(String, String)] = [("Graph", edges)]

        let ingestStart = clock.now
        let graphPath = directory.appendingPathComponent("graph.pwg").path
        let statistics = try LocalGraph.ingest(edges, writingTo: graphPath).statistics
        rows.append(("Ingest", "\(seconds(clock.now - ingestStart)) s"))
        rows.append(("Vertices", "\(statistics.vertexCount)"))
        rows.append(("Edges", "\(statistics.edgeCount)"))
        let plain = try LocalGraph.load(graphPath)
        // Synthetic weights go through a graph file as an ingested weighted graph would (its checksum covers them).
        let loaded =
            weights
            ? try LocalGraph.write(
                syntheticWeights(plain.graph, seed: weightSeed),
                to: directory.appendingPathComponent("weighted.pwg").path)
            : plain
        let graph = loaded.graph

        let parameters = walkParameters
        try parameters.validate()
        let (walkSeconds, walkSteps, walkHash) = walkOnly(graph, parameters)
        let walkRate = Double(walkSteps) / walkSeconds
        rows.append(
            (
                "Walk only (CPU)",
                "\(fixed(walkSeconds, 3)) s, \(fixed(walkRate / 1e6, 1)) M steps/s, "
                    + "fingerprint hash \(String(walkHash, radix: 16))"
            ))
        if weights {
            rows.append(("Weights", "synthetic, weight seed \(weightSeed) (log-uniform in [1, 100))"))
            let tableStart = threadCPUSeconds()
            let table = AliasTable(graph: graph)
            rows.append(
                (
                    "Alias tables (CPU)",
                    "\(fixed(threadCPUSeconds() - tableStart, 3)) s, \(table.edgeCount * 8 / 1024) KiB"
                ))
            let (plainSeconds, plainSteps, _) = walkOnly(plain.graph, parameters)
            let plainRate = Double(plainSteps) / plainSeconds
            rows.append(
                (
                    "Walk only unweighted",
                    "\(fixed(plainSeconds, 3)) s, \(fixed(plainRate / 1e6, 1)) M steps/s; "
                        + "weighted/unweighted step rate \(fixed(walkRate / plainRate, 2))"
                ))
        }
        if walkOnlyPass {
            for (label, value) in rows { print("\(label): \(value)") }
            return
        }
        var index: LocalIndex?
        for threadCount in threads.split(separator: ",").compactMap({ Int($0) }) {
            let candidate = try LocalIndex(
                directory: directory.appendingPathComponent("store-\(threadCount)").path,
                residentBudgetBytes: residentBudgetMiB.map { max(0, $0) << 20 })
            let report = try candidate.build(loaded, parameters: parameters, threadCount: threadCount)
            let perThread = Double(report.walkSteps) / report.seconds / Double(threadCount) / 1e6
            rows.append(
                ("Index \(threadCount) thr", "\(fixed(report.seconds, 3)) s, \(fixed(perThread, 1)) M steps/s/thread"))
            rows.append(("Bytes/vertex", fixed(report.bytesPerVertex, 1)))
            index = candidate
        }
        guard let index else { throw ValidationError("--threads names no thread count") }
        if let queryThreads, !EngineLimits.queryThreads.contains(queryThreads) {
            throw ValidationError("--query-threads must be in \(EngineLimits.text(EngineLimits.queryThreads))")
        }
        var engine = try index.queryEngine(
            over: loaded, alpha: parameters.restartProbability, queryThreads: queryThreads)
        rows.append(("Query threads", "\(engine.queryThreads) (expand and combine split by target band)"))
        let residentStart = clock.now
        let residentBytes = try engine.loadFingerprints()
        rows.append(
            (
                "Resident fps",
                residentBytes.map {
                    "\(fixed(Double($0) / 1_048_576, 1)) MiB, decoded in \(seconds(clock.now - residentStart)) s"
                }
                    ?? "none (over budget): combined from LMDB"
            ))
        rows += try stepCost(graph: graph, engine: &engine, alpha: parameters.restartProbability)
        let exact = ExactVectors(graph: graph, alpha: parameters.restartProbability)
        for (label, knobs) in try knobSets() {
            rows.append(("-- \(label)", describe(knobs)))
            rows += try measure(graph: graph, engine: &engine, knobs: knobs, exact: exact, parameters: parameters)
            rows += try classRows(engine: &engine, knobs: knobs, exact: exact)
        }
        rows.append(("Index", "R \(walks), seed \(seed), walks per vertex \(parameters.allocation)"))
        let width = rows.map(\.0.count).max()! + 2
        for (label, value) in rows {
            print((label + ":").padding(toLength: width, withPad: " ", startingAt: 0) + value)
        }
    }
}

extension EngineBenchmark {
    /// The index's walk parameters from `--walks`, `--seed`, `--hub-scale` and `--max-walks`.
    var walkParameters: WalkParameters {
        WalkParameters(
            walksPerVertex: walks, seed: seed,
            allocation: hubScale == 0 ? .uniform : WalkAllocation(hubScale: hubScale, maxWalksPerVertex: maxWalks))
    }

    /// The presets asked for (with explicit overrides applied) and the sweep's knob sets.
    func knobSets() throws -> [(String, QueryParameters)] {
        var sets: [(String, QueryParameters)] = []
        for name in accuracy.split(separator: ",") where !name.isEmpty {
            guard let preset = AccuracyPreset(name: String(name)) else {
                throw ValidationError("--accuracy: unknown preset \(name) (fast, default, high)")
            }
            var knobs = preset.parameters(eps: eps, maxLevels: maxLevels, k: 100)
            if let sampleBelow { knobs.sampleBelow = sampleBelow }
            if let refine { knobs.refineCandidates = refine }
            if let smoothingSteps { knobs.smoothingSteps = smoothingSteps }
            sets.append((preset.rawValue, knobs))
        }
        for pair in (sweep ?? "").split(separator: ";") {
            let numbers = pair.split(separator: ",").compactMap { Double($0) }
            guard (3...5).contains(numbers.count) else {
                throw ValidationError(
                    "--sweep: '\(pair)' is not 'eps,sampleBelow,lowDegreeFactor[,refine[,smoothingSteps]]'")
            }
            var knobs = AccuracyPreset.default.parameters(eps: numbers[0], maxLevels: maxLevels, k: 100)
            knobs.sampleBelow = numbers[1]
            knobs.lowDegreeFactor = numbers[2]
            if let refine { knobs.refineCandidates = refine }
            if let smoothingSteps { knobs.smoothingSteps = smoothingSteps }
            if numbers.count >= 4 { knobs.refineCandidates = Int(numbers[3]) }
            if numbers.count == 5 { knobs.smoothingSteps = Int(numbers[4]) }
            sets.append(("sweep", knobs))
        }
        return sets
    }

    func describe(_ knobs: QueryParameters) -> String {
        "eps \(knobs.eps), sample below \(knobs.sampleBelow), low-degree factor \(knobs.lowDegreeFactor), T \(knobs.maxLevels), "
            + "refine \(knobs.refineCandidates), smoothing steps \(knobs.smoothingSteps)"
    }

    /// The cost of one whole-vector step of the PPR equation (`PPREquationStep`) on a default answer: wall
    /// time per step with one thread and with the engine's query threads, alternating (same vector, same
    /// machine state), and the transposed graph's build time and memory.
    func stepCost(graph: CSRGraph, engine: inout LocalQueryEngine, alpha: Double) throws -> [(String, String)] {
        let clock = ContinuousClock()
        let buildStart = threadCPUSeconds()
        let inEdges = InEdges(graph: graph)
        _ = inEdges.slices  // built on first use: counted in the build
        let buildMs = (threadCPUSeconds() - buildStart) * 1000
        let p = Personalization(source: 0)
        let answer = try engine.scores(p, parameters: AccuracyPreset.default.parameters()).scores
        let counts = engine.queryThreads == 1 ? [1] : [1, engine.queryThreads]
        var times = [[Double]](repeating: [], count: counts.count)
        var cpu: [Double] = []
        var scratch = PPREquationStep.Scratch()
        // A buffer of its own (a copy of `answer` would be copied again when the step first writes it).
        var x = [Double](repeating: 0, count: answer.count)
        for round in 0..<100 {
            for i in round & 1 == 0 ? Array(counts.indices) : counts.indices.reversed() {
                let threads =
                    counts[i] == 1
                    ? PushThreads.single
                    : PushThreads(count: counts[i]) { DispatchQueue.global(qos: .userInitiated).async(execute: $0) }
                for v in x.indices { x[v] = answer[v] }
                let start = clock.now
                let cpuStart = threadCPUSeconds()
                PPREquationStep.apply(
                    steps: 1, to: &x, personalization: p, alpha: alpha, inEdges: inEdges, scratch: &scratch,
                    threads: threads)
                if counts[i] == 1 { cpu.append((threadCPUSeconds() - cpuStart) * 1000) }
                times[i].append(milliseconds(clock.now - start))
            }
        }
        let medians = times.map { $0.sorted()[$0.count / 2] }
        let cpuMedian = cpu.sorted()[cpu.count / 2]
        let perEdge = cpuMedian * 1e6 / Double(max(1, graph.edgeCount))
        var text =
            "one thread \(fixed(cpuMedian, 3)) ms CPU (\(fixed(perEdge, 2)) ns/edge), \(fixed(medians[0], 3)) ms wall"
        if counts.count > 1 {
            text += "; \(counts[1]) threads \(fixed(medians[1], 3)) ms wall (alternating, median of 100)"
        }
        return [
            ("Smoothing step", text),
            (
                "In-edges",
                "\(fixed(Double(inEdges.byteCount) / 1_048_576, 1)) MiB "
                    + "(\(fixed(Double(inEdges.byteCount) / Double(max(1, graph.edgeCount)), 2)) B/edge), "
                    + "built in \(fixed(buildMs, 1)) ms CPU"
            ),
        ]
    }

    /// Latency over `queries` random sources, then accuracy and the error estimate on `accuracySources`
    /// other sources against exact power iteration.
    func measure(
        graph: CSRGraph, engine: inout LocalQueryEngine, knobs: QueryParameters, exact: ExactVectors,
        parameters: WalkParameters
    ) throws -> [(String, String)] {
        let alpha = exact.alpha
        let walkBudget = WalkBudget(parameters: parameters, graph: graph)
        var rows: [(String, String)] = []
        let clock = ContinuousClock()
        var sampler = WalkSeed(globalSeed: seed, vertex: 0)
        let n = UInt64(graph.vertexCount)
        var latencies: [Double] = []
        var cpu: [Double] = []
        var expandCPU: [Double] = []
        var decomposition = Decomposition(graph: graph)
        var fingerprints = 0
        var entries = 0
        var frontierFlow = 0.0
        var combineCPU: [Double] = []
        var combineWall: [Double] = []
        var (combineCPUOne, combineWallOne): ([Double], [Double]) = ([], [])
        var dense = [Double](repeating: 0, count: graph.vertexCount)
        for query in 0..<queries {
            let source = VertexIndex(sampler.next() % n)
            let start = clock.now
            let cpuStart = threadCPUSeconds()
            let result = try engine.run(Personalization(source: source), parameters: knobs)
            latencies.append(milliseconds(clock.now - start))
            cpu.append((threadCPUSeconds() - cpuStart) * 1000)
            let expandStart = threadCPUSeconds()
            let expansion = try decomposition.expand(
                personalization: Personalization(source: source), restartProbability: alpha, eps: knobs.eps,
                maxLevels: knobs.maxLevels, sampleBelow: knobs.sampleBelow, lowDegreeFactor: knobs.lowDegreeFactor,
                walkBudget: walkBudget)
            expandCPU.append((threadCPUSeconds() - expandStart) * 1000)
            // The combine with the engine's threads and, when that is more than one, with one thread, in
            // alternating order (same frontier, same machine state): wall time and the calling thread's CPU.
            let threadCounts = engine.queryThreads == 1 ? [1] : [engine.queryThreads, 1]
            for threads in query & 1 == 0 ? threadCounts : threadCounts.reversed() {
                engine.queryThreads = threads
                let combineStart = threadCPUSeconds()
                let combineWallStart = clock.now
                _ = try engine.accumulate(expansion.frontier, into: &dense)
                let wall = milliseconds(clock.now - combineWallStart)
                let used = (threadCPUSeconds() - combineStart) * 1000
                if threads == threadCounts[0] {
                    (combineWall, combineCPU) = (combineWall + [wall], combineCPU + [used])
                } else {
                    (combineWallOne, combineCPUOne) = (combineWallOne + [wall], combineCPUOne + [used])
                }
                for x in dense.indices { dense[x] = 0 }
            }
            engine.queryThreads = threadCounts[0]
            fingerprints += result.metadata.fingerprintsUsed
            entries += result.metadata.entriesCombined
            frontierFlow += result.metadata.expansion.frontierFlow
        }
        latencies.sort()
        cpu.sort()
        expandCPU.sort()
        let count = max(1, queries)
        rows.append(("Query p50", "\(fixed(latencies[latencies.count / 2], 2)) ms"))
        rows.append(("Query p99", "\(fixed(latencies[min(latencies.count - 1, latencies.count * 99 / 100)], 2)) ms"))
        // Thread CPU time: less disturbed by other processes than wall time on a shared machine. With
        // --query-threads above 1 it is the calling thread's share (the other thread's bands are not in it).
        rows.append(
            (
                "Query CPU p50",
                "\(fixed(cpu[cpu.count / 2], 2)) ms (expand alone \(fixed(expandCPU[expandCPU.count / 2], 2)) ms)"
            ))
        // One thread's CPU is the whole combine's work (with more threads the calling thread has a share).
        let oneThread = combineCPUOne.isEmpty ? combineCPU : combineCPUOne
        let combineMedian = oneThread.isEmpty ? 0 : oneThread.sorted()[oneThread.count / 2]
        let median: ([Double]) -> String = { $0.isEmpty ? "-" : fixed($0.sorted()[$0.count / 2], 2) }
        rows.append(("Fingerprints", "\(fingerprints / count) per query (mean)"))
        rows.append(("Entries", "\(entries / count) per query (mean)"))
        rows.append(
            (
                "Combine CPU p50",
                "\(fixed(combineMedian, 2)) ms, \(fixed(combineMedian * 1e6 / Double(max(1, entries / count)), 2)) ns/entry"
                    + " (one thread)"
            ))
        rows.append(
            (
                "Combine wall p50",
                combineWallOne.isEmpty
                    ? "\(median(combineWall)) ms (one thread)"
                    : "\(median(combineWall)) ms with \(engine.queryThreads) threads, \(median(combineWallOne)) ms with one "
                        + "(same frontiers, alternating)"
            ))
        // The flow left to fingerprints: the part of the answer that carries Monte Carlo error.
        rows.append(("Frontier flow", "\(fixed(frontierFlow / Double(count), 3)) of the mass (mean)"))

        var p10 = 0.0, p100 = 0.0, l1 = 0.0, estimated = 0.0, withinTwo = 0
        for _ in 0..<accuracySources {
            let personalization = Personalization(source: VertexIndex(sampler.next() % n))
            let (approximate, metadata) = try engine.scores(personalization, parameters: knobs)
            let truth = try exact.scores(of: personalization.entries[0].vertex)
            p10 += AccuracyMetrics.precision(atK: 10, approximate: approximate, exact: truth)
            p100 += AccuracyMetrics.precision(atK: 100, approximate: approximate, exact: truth)
            let distance = AccuracyMetrics.l1Distance(approximate, truth)
            l1 += distance
            estimated += metadata.errorEstimate
            if metadata.errorEstimate <= 2 * distance, distance <= 2 * metadata.errorEstimate { withinTwo += 1 }
        }
        let sources = Double(max(1, accuracySources))
        rows.append(("Precision@10", fixed(p10 / sources, 4)))
        rows.append(("Precision@100", fixed(p100 / sources, 4)))
        rows.append(("L1", fixed(l1 / sources, 4)))
        rows.append(
            (
                "error_estimate",
                "\(fixed(estimated / sources, 4)) mean; within 2x of L1 for \(fixed(Double(withinTwo) / sources * 100, 0)) %"
            ))
        return rows
    }
}

/// The walker alone on every vertex (no encoding, no store), best of three passes: thread CPU seconds (less
/// disturbed by a busy machine than wall time), steps and an FNV-1a hash of all fingerprints, so that walker
/// changes can be checked to give exactly the same index.
func walkOnly(_ graph: CSRGraph, _ parameters: WalkParameters) -> (Double, Int, UInt64) {
    var best = Double.infinity
    var steps = 0
    var hash: UInt64 = 0
    let aliasTable = graph.isWeighted ? AliasTable(graph: graph) : nil
    for _ in 0..<3 {
        var walker = FingerprintWalker(graph: graph, parameters: parameters, aliasTable: aliasTable)
        hash = 0xCBF2_9CE4_8422_2325
        let start = threadCPUSeconds()
        // In chunks of 256 vertices through the batch API, as IndexBuilder does.
        for first in stride(from: 0, to: graph.vertexCount, by: 256) {
            let chunk = VertexIndex(first)..<VertexIndex(min(graph.vertexCount, first + 256))
            for fingerprint in walker.fingerprints(of: chunk) {
                for i in 0..<fingerprint.entryCount {
                    hash = (hash ^ UInt64(fingerprint.vertices[i])) &* 0x100_0000_01B3
                    hash = (hash ^ UInt64(fingerprint.visitCounts[i])) &* 0x100_0000_01B3
                }
            }
        }
        best = min(best, threadCPUSeconds() - start)
        steps = walker.stepCount
    }
    return (best, steps, hash)
}

/// CPU time of the calling thread.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func seconds(_ duration: Duration) -> String { fixed(milliseconds(duration) / 1000, 3) }

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) * 1e-15
}

func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

/// `graph` with synthetic weights: edge (s, t) of external ids weighs `100^u`, log-uniform in [1, 100), with
/// `u` the top 53 bits of `mix(mix(s ^ seed) ^ t)` over 2^53 (`WalkSeed.mix`, SplitMix64's finaliser). A
/// fixed function of the ids and the seed, so every run and every ingest order weighs the graph alike.
func syntheticWeights(_ graph: CSRGraph, seed: UInt64) -> CSRGraph {
    var weights: [Double] = []
    weights.reserveCapacity(graph.edgeCount)
    for v in 0..<graph.vertexCount {
        let source = graph.externalIDs[v]
        for e in graph.neighborRange(VertexIndex(v)) {
            let target = graph.externalIDs[Int(graph.targets[e])]
            let hash = WalkSeed.mix(WalkSeed.mix(source ^ seed) ^ target)
            weights.append(exp(Double(hash >> 11) * 0x1p-53 * log(100.0)))
        }
    }
    return CSRGraph(offsets: graph.offsets, targets: graph.targets, externalIDs: graph.externalIDs, weights: weights)
}
