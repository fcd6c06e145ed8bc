import ArgumentParser
import Foundation
import PPRCore
import PPRService

/// `pwbench hubs EDGES...`: the prototype behind walks per vertex that grow with the out-degree (issue 6,
/// items 1 and 5; the forward-push / SpeedPPR rule).
///
/// Uniform R gives every vertex R walks and one expansion threshold eps: a hub of out-degree d reached by
/// flow above eps costs d pushes and up to d new frontier fingerprints. The degree rule gives vertex `u`
/// `R(u) = clamp(R * d(u) / (c * d̄), R, Rmax)` walks and keeps it in the frontier while its flow is at most
/// `eps * R(u) / R`: the variance bound `Σ f² / R(u) <= eps/R * Σ f` is the one of uniform R, and the hub
/// is combined through one larger fingerprint instead of being pushed. Frontier sampling uses the same
/// factor (`sampleBelow * R(u) / R`), and the combine weighs `u`'s visit counts by `alpha / R(u)`.
///
/// Everything here is in memory (fingerprints encoded with `FingerprintCodec`, combined with its
/// `accumulate`) and the expand loop is this file's own (the uniform rule reproduces `Decomposition`'s
/// frontier exactly, which the output checks), so the rules are compared with the same code. Accuracy is
/// measured against exact power iteration.
struct HubsPrototype: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hubs", abstract: "Prototype: walks per vertex growing with out-degree vs uniform R.")

    @Argument(help: "Edge lists (SNAP text, optionally .gz).") var edges: [String]
    @Option(help: "Base walks per vertex R.") var walks = WalkParameters.defaultWalksPerVertex
    @Option(
        help: """
            Degree rules 'c,Rmax[,scaled]' separated by ';' (uniform R is always measured first); scaled 1 (default) \
            samples the frontier below sampleBelow * R(u)/R, 0 below sampleBelow.
            """)
    var rules = "1,256;2,256;1,1024;4,1024"
    @Option(help: "Expansion threshold eps (overrides the preset's).") var eps: Double?
    @Option(name: .customLong("sample-below"), help: "Frontier sampling threshold (overrides the preset's).")
    var sampleBelow: Double?
    @Option(help: "Accuracy preset whose knobs are used.") var accuracy = "default"
    @Option(help: "Queries timed.") var queries = 300
    @Option(name: .customLong("accuracy-sources"), help: "Sources compared with exact PPR.") var accuracySources = 40
    @Option(help: "Seed for the walks and the sampled sources.") var seed: UInt64 = 1

    func run() throws {
        guard let preset = AccuracyPreset(name: accuracy) else { throw ValidationError("--accuracy: unknown preset") }
        var knobs = preset.parameters(eps: eps, k: 100)
        if let sampleBelow { knobs.sampleBelow = sampleBelow }
        var parsedRules: [(Double, Int, Bool)] = [(1, walks, true)]
        for rule in rules.split(separator: ";") {
            let fields = rule.split(separator: ",")
            guard fields.count == 2 || fields.count == 3, let c = Double(fields[0]), let most = Int(fields[1]),
                c > 0, most >= walks
            else {
                throw ValidationError("--rules: '\(rule)' is not 'c,Rmax[,scaled]' with c > 0 and Rmax >= R")
            }
            parsedRules.append((c, most, fields.count == 2 || fields[2] != "0"))
        }
        for path in edges {
            let graph = try EdgeListReaderBridge.load(path)
            print(
                "== \(path): \(graph.vertexCount) vertices, \(graph.edgeCount) edges, mean out-degree "
                    + "\(fixed(Double(graph.edgeCount) / Double(max(1, graph.vertexCount)), 2)); preset \(preset): "
                    + "eps \(knobs.eps), sample below \(knobs.sampleBelow), low-degree \(knobs.lowDegreeFactor)")
            try measure(graph, knobs: knobs, rules: parsedRules)
        }
    }

    func measure(_ graph: CSRGraph, knobs: QueryParameters, rules: [(Double, Int, Bool)]) throws {
        let alpha = PPRDefaults.restartProbability
        let n = UInt64(graph.vertexCount)
        var sampler = WalkSeed(globalSeed: seed, vertex: 0)
        let timed = (0..<queries).map { _ in VertexIndex(sampler.next() % n) }
        let checked = (0..<accuracySources).map { _ in VertexIndex(sampler.next() % n) }
        let exactStart = threadCPUSeconds()
        let exact = try checked.map {
            try PowerIteration.solve(graph: graph, personalization: Personalization(source: $0)).scores
        }
        print("exact: \(fixed((threadCPUSeconds() - exactStart) / Double(max(1, checked.count)), 2)) s CPU per source")
        print(
            "rule              walks/v  entries/v  bytes/v  build_s  p50_ms  expand_ms  combine_ms  fprints  "
                + "entries/q  edges/q  p@10    p@100   L1      est     est2x")
        var baselineFrontier: Double?
        for (c, most, scaled) in rules {
            let rule = PrototypeRule(graph: graph, walks: walks, c: c, maxWalks: most, scaledSampling: scaled)
            let buildStart = threadCPUSeconds()
            let store = PrototypeStore(graph: graph, rule: rule, seed: seed, alpha: alpha)
            let buildSeconds = threadCPUSeconds() - buildStart
            var expander = PrototypeExpander(graph: graph, rule: rule)
            var accumulator = [Double](repeating: 0, count: graph.vertexCount)
            var cpu: [Double] = [], expandCPU: [Double] = [], combineCPU: [Double] = []
            var fingerprints = 0, entries = 0, edgesPushed = 0
            for source in timed {
                let start = threadCPUSeconds()
                let expansion = expander.expand(source: source, alpha: alpha, knobs: knobs)
                let expanded = threadCPUSeconds()
                entries += try store.accumulate(expansion.frontier, into: &accumulator)
                let combined = threadCPUSeconds()
                for entry in expansion.pushed { accumulator[Int(entry.vertex)] += entry.weight }
                normalise(&accumulator)
                _ = TopK.select(accumulator, k: 10)
                for v in 0..<accumulator.count { accumulator[v] = 0 }
                let end = threadCPUSeconds()
                cpu.append((end - start) * 1000)
                expandCPU.append((expanded - start) * 1000)
                combineCPU.append((combined - expanded) * 1000)
                fingerprints += expansion.frontier.count
                edgesPushed += expansion.edgesPushed
            }
            var p10 = 0.0, p100 = 0.0, l1 = 0.0, estimated = 0.0, withinTwo = 0
            for (i, source) in checked.enumerated() {
                let expansion = expander.expand(source: source, alpha: alpha, knobs: knobs)
                _ = try store.accumulate(expansion.frontier, into: &accumulator)
                let spread = ErrorEstimate.spread(accumulator)
                for entry in expansion.pushed { accumulator[Int(entry.vertex)] += entry.weight }
                let total = normalise(&accumulator)
                p10 += AccuracyMetrics.precision(atK: 10, approximate: accumulator, exact: exact[i])
                p100 += AccuracyMetrics.precision(atK: 100, approximate: accumulator, exact: exact[i])
                let distance = AccuracyMetrics.l1Distance(accumulator, exact[i])
                l1 += distance
                // ErrorEstimate with R(u): the variance of u's fingerprint is alpha * pt / R(u), so the
                // frontier's mean weight counts w² * R / R(u) (uniform R: w²).
                let flow = expansion.frontier.reduce(0) { $0 + $1.weight }
                let moment = expansion.frontier.reduce(0) { $0 + $1.weight * $1.weight / rule.ratio[Int($1.vertex)] }
                let estimate =
                    flow > 0 && total > 0
                    ? min(
                        2, ErrorEstimate.scale * (alpha * moment / flow / Double(walks)).squareRoot() * spread / total)
                    : 0
                estimated += estimate
                if estimate <= 2 * distance, distance <= 2 * estimate { withinTwo += 1 }
                for v in 0..<accumulator.count { accumulator[v] = 0 }
            }
            cpu.sort()
            expandCPU.sort()
            combineCPU.sort()
            let q = Double(max(1, queries))
            let s = Double(max(1, accuracySources))
            let meanFrontier = Double(fingerprints) / q
            if baselineFrontier == nil { baselineFrontier = meanFrontier }
            let label =
                c == 1 && most == walks ? "uniform R=\(walks)" : "c=\(fixed(c, 1)),Rmax=\(most)\(scaled ? "" : ",u")"
            let columns: [String] = [
                label.padding(toLength: 17, withPad: " ", startingAt: 0),
                fixed(rule.meanWalks, 1), fixed(Double(store.entryCount) / Double(n), 1),
                fixed(Double(store.byteCount) / Double(n), 1), fixed(buildSeconds, 1),
                fixed(cpu[cpu.count / 2], 2), fixed(expandCPU[expandCPU.count / 2], 2),
                fixed(combineCPU[combineCPU.count / 2], 2), fixed(meanFrontier, 0),
                fixed(Double(entries) / q, 0), fixed(Double(edgesPushed) / q, 0), fixed(p10 / s, 4),
                fixed(p100 / s, 4), fixed(l1 / s, 4), fixed(estimated / s, 4), fixed(Double(withinTwo) / s, 2),
            ]
            print(columns.joined(separator: "  "))
            if c == 1 && most == walks {
                // The prototype's expand loop against the engine's on the same sources: the frontiers must agree.
                var decomposition = Decomposition(graph: graph)
                var engineFrontier = 0
                var engineCPU: [Double] = []
                for source in timed {
                    let start = threadCPUSeconds()
                    defer { engineCPU.append((threadCPUSeconds() - start) * 1000) }
                    engineFrontier +=
                        try decomposition.expand(
                            personalization: Personalization(source: source), restartProbability: alpha,
                            eps: knobs.eps, maxLevels: knobs.maxLevels, sampleBelow: knobs.sampleBelow,
                            lowDegreeFactor: knobs.lowDegreeFactor
                        ).frontier.count
                }
                engineCPU.sort()
                print(
                    "  (engine's Decomposition on the same sources: \(fixed(Double(engineFrontier) / q, 0)) fprints, "
                        + "expand p50 \(fixed(engineCPU[engineCPU.count / 2], 2)) ms CPU)")
            }
        }
    }

    @discardableResult
    func normalise(_ vector: inout [Double]) -> Double {
        var total = 0.0
        for value in vector { total += value }
        guard total > 0 else { return total }
        for v in 0..<vector.count { vector[v] /= total }
        return total
    }
}

/// Loads an edge list through the engine's ingest path (into a temporary graph file).
enum EdgeListReaderBridge {
    static func load(_ path: String) throws -> CSRGraph {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pwbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("graph.pwg").path
        _ = try LocalGraph.ingest(path, writingTo: file)
        return try LocalGraph.load(file).graph
    }
}

/// Walks per vertex `R(u) = clamp(floor(R * d(u) / (c * d̄)), R, Rmax)`, and the per-vertex factors the
/// expand step uses: `ratio = R(u) / R` and the threshold factor (the engine's low-degree factor times ratio).
struct PrototypeRule {
    let walks: [Int]
    let ratio: [Double]
    /// The sampling threshold's factor: `ratio`, or 1 when sampling ignores R(u).
    let sampleRatio: [Double]
    let meanWalks: Double

    init(graph: CSRGraph, walks base: Int, c: Double, maxWalks: Int, scaledSampling: Bool) {
        let meanDegree = Double(graph.edgeCount) / Double(max(1, graph.vertexCount))
        var walks = [Int](repeating: base, count: graph.vertexCount)
        var ratio = [Double](repeating: 1, count: graph.vertexCount)
        var total = 0
        for v in 0..<graph.vertexCount {
            let d = Double(graph.outDegree(VertexIndex(v)))
            let wanted = (Double(base) * d / (c * meanDegree)).rounded(.down)
            let r = Int(min(Double(maxWalks), max(Double(base), wanted)))
            walks[v] = r
            ratio[v] = Double(r) / Double(base)
            total += r
        }
        self.walks = walks
        self.ratio = ratio
        sampleRatio = scaledSampling ? ratio : [Double](repeating: 1, count: ratio.count)
        meanWalks = Double(total) / Double(max(1, graph.vertexCount))
    }
}

/// Fingerprints of `R(u)` walks per vertex, encoded in memory; the combine weighs them by `alpha / R(u)`.
struct PrototypeStore {
    let bytes: [UInt8]
    let offsets: [Int]
    let unit: [Double]
    let entryCount: Int
    var byteCount: Int { bytes.count }

    init(graph: CSRGraph, rule: PrototypeRule, seed: UInt64, alpha: Double) {
        var walker = FingerprintWalker(
            graph: graph,
            parameters: WalkParameters(restartProbability: alpha, walksPerVertex: rule.walks[0], seed: seed))
        var bytes: [UInt8] = []
        var offsets = [0]
        var entries = 0
        for u in 0..<graph.vertexCount {
            let fingerprint = walker.fingerprint(of: VertexIndex(u), walks: rule.walks[u])
            entries += fingerprint.entryCount
            FingerprintCodec.encode(fingerprint, into: &bytes)
            offsets.append(bytes.count)
        }
        self.bytes = bytes
        self.offsets = offsets
        unit = rule.walks.map { alpha / Double($0) }
        entryCount = entries
    }

    func accumulate(_ frontier: [WeightedVertex], into accumulator: inout [Double]) throws -> Int {
        var entries = 0
        let all = bytes.span
        var target = accumulator.mutableSpan
        for entry in frontier {
            let v = Int(entry.vertex)
            entries += try FingerprintCodec.accumulate(
                all.extracting(offsets[v]..<offsets[v + 1]), scale: entry.weight * unit[v], into: &target)
        }
        return entries
    }
}

/// The expand step with a per-vertex threshold `eps * lowDegree(u) * R(u) / R` and frontier sampling below
/// `sampleBelow * R(u) / R`. With uniform R it is `Decomposition.run` (same order, same sampling draws).
struct PrototypeExpander {
    struct Result {
        var pushed: [WeightedVertex]
        var frontier: [WeightedVertex]
        var edgesPushed: Int
    }

    let graph: CSRGraph
    let rule: PrototypeRule
    var flow: [Double]
    var nextFlow: [Double]
    var kept: [Double]
    var frontierFlow: [Double]

    init(graph: CSRGraph, rule: PrototypeRule) {
        self.graph = graph
        self.rule = rule
        flow = [Double](repeating: 0, count: graph.vertexCount)
        nextFlow = flow
        kept = flow
        frontierFlow = flow
    }

    mutating func expand(source: VertexIndex, alpha: Double, knobs: QueryParameters) -> Result {
        let inverseMeanDegree = Double(max(1, graph.vertexCount)) / Double(max(1, graph.edgeCount))
        var active: [VertexIndex] = [source]
        var next: [VertexIndex] = []
        var keptTouched: [VertexIndex] = []
        var frontierTouched: [VertexIndex] = []
        flow[Int(source)] = 1
        var levels = 0
        var edgesPushed = 0
        let offsets = graph.offsets
        let targets = graph.targets
        while levels < knobs.maxLevels, !active.isEmpty {
            levels += 1
            for v in active {
                let f = flow[Int(v)]
                guard f > 0 else { continue }
                flow[Int(v)] = 0
                let start = Int(offsets[Int(v)])
                let end = Int(offsets[Int(v) + 1])
                if end > start {
                    let relative = Double(end - start) * inverseMeanDegree
                    let low = relative >= 1 ? 1 : max(knobs.lowDegreeFactor, relative)
                    guard f > knobs.eps * low * rule.ratio[Int(v)] else {
                        if frontierFlow[Int(v)] == 0 { frontierTouched.append(v) }
                        frontierFlow[Int(v)] += f
                        continue
                    }
                }
                if kept[Int(v)] == 0 { keptTouched.append(v) }
                kept[Int(v)] += alpha * f
                guard end > start else { continue }
                let share = (1 - alpha) * f / Double(end - start)
                for e in start..<end {
                    let w = Int(targets[e])
                    if nextFlow[w] == 0 { next.append(VertexIndex(w)) }
                    nextFlow[w] += share
                }
                edgesPushed += end - start
            }
            swap(&flow, &nextFlow)
            swap(&active, &next)
            next.removeAll(keepingCapacity: true)
        }
        for v in active {
            let f = flow[Int(v)]
            guard f > 0 else { continue }
            flow[Int(v)] = 0
            if frontierFlow[Int(v)] == 0 { frontierTouched.append(v) }
            frontierFlow[Int(v)] += f
        }
        keptTouched.sort()
        var pushed: [WeightedVertex] = []
        for v in keptTouched where kept[Int(v)] != 0 {
            pushed.append(WeightedVertex(vertex: v, weight: kept[Int(v)]))
            kept[Int(v)] = 0
        }
        frontierTouched.sort()
        let seed = Self.seed(of: source)
        var frontier: [WeightedVertex] = []
        for v in frontierTouched where frontierFlow[Int(v)] != 0 {
            let f = frontierFlow[Int(v)]
            frontierFlow[Int(v)] = 0
            let below = knobs.sampleBelow * rule.sampleRatio[Int(v)]
            if below > 0, f < below {
                if Self.uniform(seed, v) * below < f { frontier.append(WeightedVertex(vertex: v, weight: below)) }
            } else {
                frontier.append(WeightedVertex(vertex: v, weight: f))
            }
        }
        return Result(pushed: pushed, frontier: frontier, edgesPushed: edgesPushed)
    }

    /// `Decomposition.seed(of:)` of a single source of weight 1.
    static func seed(of source: VertexIndex) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        hash = (hash ^ UInt64(source)) &* 0x100_0000_01B3
        hash = (hash ^ (1.0).bitPattern) &* 0x100_0000_01B3
        return hash
    }

    /// `Decomposition.uniform`.
    static func uniform(_ seed: UInt64, _ vertex: VertexIndex) -> Double {
        var z = seed &+ (UInt64(vertex) &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1p-53
    }
}
