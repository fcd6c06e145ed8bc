import ArgumentParser
import Foundation
import PPRCore
import PPRStorage

/// `pwbench block EDGES`: one shard's block combine in process, phase by phase (issue 7): the block
/// expansion, the combine of one shard's fingerprints for the whole block at several pruning ratios
/// (time and entries sent per query), against the same sources answered one at a time by
/// DecompositionQuery. No network: this is the worker's CPU cost of a block. With `--accuracy-sources N`,
/// also the accuracy of a block of N of these sources against exact PPR (`BlockAccuracy`).
struct BlockBenchmark: ParsableCommand {
    /// CPU time of the calling thread, in seconds (wall time is meaningless on a shared, loaded host).
    static func cpu() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static let configuration = CommandConfiguration(
        commandName: "block", abstract: "Block expansion and combine of one shard, in process.")

    @Argument(help: "Edge list (SNAP text, optionally .gz).") var edges: String
    @Option(help: "Walks per vertex (R).") var walks = WalkParameters.defaultWalksPerVertex
    @Option(help: "Seed of the walks and the sources.") var seed: UInt64 = 1
    @Option(help: "Queries in the block (0 = the capacity for the graph).") var width = 0
    @Option(help: "Shards the store is split into (the block's combine reads shard 0).") var shards = 1
    @Option(name: .customLong("top-k"), help: "Candidates per query (k).") var topK = 100
    @Option(help: "Accuracy preset whose knobs the block uses (fast, default, high).") var accuracy = "default"
    @Option(help: "Expansion threshold (overrides the preset's).") var eps: Double?
    @Option(name: .customLong("max-levels"), help: "Levels T (overrides the preset's).") var maxLevels: Int?
    @Option(
        name: .customLong("smoothing-steps"),
        help: "Steps of the PPR equation each shard applies to its share (default: the preset's).")
    var smoothingSteps: Int?
    @Option(
        name: .customLong("accuracy-sources"),
        help: "Queries of the block compared with exact PPR, with single queries (0 = none).")
    var accuracySources = 0
    @Option(help: "Times each block is expanded and combined; the least CPU time is reported (a loaded host).")
    var repeats = 1

    func run() throws {
        guard let preset = AccuracyPreset(name: accuracy) else {
            throw ValidationError("--accuracy: unknown preset \(accuracy) (\(AccuracyPreset.names))")
        }
        let knobs = preset.parameters(eps: eps, maxLevels: maxLevels, k: topK)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pwbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (built, _) = try EdgeListReader.read(edges)
        let graphPath = directory.appendingPathComponent("graph.pwg").path
        let checksum = try GraphFile.write(built, to: graphPath)
        let graph = try GraphFile.load(graphPath).graph
        let parameters = WalkParameters(walksPerVertex: walks, seed: seed)
        let store = try FingerprintStore(directory: directory.appendingPathComponent("store").path)
        let report = try IndexBuilder(
            graph: graph, graphChecksum: checksum, parameters: parameters, shardIndex: 0, shardCount: shards,
            threadCount: 2
        ).build(into: store)
        try store.activate(report.manifest.version)
        let reader = try store.reader(expecting: checksum, restartProbability: parameters.restartProbability)
        let capacity = width > 0 ? width : BlockDecomposition.capacity(vertexCount: graph.vertexCount)
        let walkBudget = WalkBudget(parameters: parameters, graph: graph)
        var sampler = WalkSeed(globalSeed: seed, vertex: 0)
        let sources = (0..<capacity).map { _ in VertexIndex(sampler.next() % UInt64(graph.vertexCount)) }
        let queries = sources.map { Personalization(source: $0) }
        row(
            "Block",
            "\(capacity) queries, shard 0 of \(shards), preset \(preset), eps \(knobs.eps), T \(knobs.maxLevels), "
                + "k \(topK), \(smoothingSteps ?? knobs.smoothingSteps) steps")

        let matrixStart = Self.cpu()
        let matrix = try reader.blockMatrix(reader.ownedVertices)
        row(
            "Shard matrix",
            "CPU \(fixed(Self.cpu() - matrixStart, 3)) s, \(matrix.entryCount) entries in \(matrix.tileCount) target tiles (built once per version)"
        )
        let steps = smoothingSteps ?? knobs.smoothingSteps
        guard EngineLimits.smoothingSteps.contains(steps) else {
            throw ValidationError(
                "--smoothing-steps: \(steps) is not in \(EngineLimits.text(EngineLimits.smoothingSteps))")
        }
        let stepStart = Self.cpu()
        let stepper = BlockEquationStep(graph: graph, alpha: parameters.restartProbability)
        row("Step graph", "CPU \(fixed(Self.cpu() - stepStart, 3)) s (transposed once per graph)")
        let block = BlockDecomposition(graph: graph, capacity: capacity)
        for ratio in [0, 1e-3, 1e-2] {
            var expanded = Double.infinity
            var combined = Double.infinity
            var outcome: (results: [BlockShardResult], fingerprintsRead: Int) = ([], 0)
            for _ in 0..<max(1, repeats) {
                let expandStart = Self.cpu()
                try block.expand(
                    queries, restartProbability: parameters.restartProbability, eps: knobs.eps,
                    maxLevels: knobs.maxLevels, sampleBelow: knobs.sampleBelow, lowDegreeFactor: knobs.lowDegreeFactor,
                    walkBudget: walkBudget)
                expanded = min(expanded, Self.cpu() - expandStart)
                let combineStart = Self.cpu()
                outcome = try reader.combineBlock(
                    block, candidates: Array(repeating: topK, count: capacity), pruneRatio: ratio, matrix: matrix,
                    smoothingSteps: steps, equationStep: stepper)
                combined = min(combined, Self.cpu() - combineStart)
            }
            let (results, read) = outcome
            let edgesPushed = block.statistics.reduce(0) { $0 + $1.edgesPushed }
            let keptRows = block.keptRows.count
            block.reset()
            let sent = results.reduce(0) { $0 + $1.vertices.count }
            if ratio == 0 { shareDensity(results, vertexCount: graph.vertexCount, steps: steps) }
            row(
                "Ratio \(ratio)",
                "CPU: expand \(fixed(expanded, 3)) s (\(edgesPushed / capacity) edges/query, "
                    + "\(keptRows) rows), combine \(fixed(combined, 3)) s (\(read) fingerprints), "
                    + "\(sent / capacity) entries sent/query, reply ~\(sent * 8 / 1024) KiB")
        }
        stepCost(stepper, queries: queries, alpha: parameters.restartProbability, repeats: max(1, repeats))
        // Single queries on the whole-graph path for comparison (both shards' work: one store of shard 0
        // covers half; the cost per query is what matters).
        var single = Decomposition(graph: graph)
        let singleStart = Self.cpu()
        var frontier = 0
        for query in queries {
            let expansion = try single.expand(
                personalization: query, restartProbability: parameters.restartProbability, eps: knobs.eps,
                maxLevels: knobs.maxLevels, sampleBelow: knobs.sampleBelow, lowDegreeFactor: knobs.lowDegreeFactor,
                walkBudget: walkBudget)
            frontier += expansion.frontier.count
        }
        let singleExpand = Self.cpu() - singleStart
        var engine = DecompositionQuery(graph: graph)
        let queryStart = Self.cpu()
        for query in queries where shards == 1 {
            _ = try engine.run(query, parameters: knobs, fingerprints: reader)
        }
        row(
            "Single queries",
            "CPU \(fixed(Self.cpu() - queryStart, 3)) s for \(capacity) queries on shard 0's store (its half)")
        row(
            "Single expands",
            "CPU \(fixed(singleExpand, 3)) s for \(capacity) queries, \(frontier / capacity) frontier/query")
        guard accuracySources > 0 else { return }
        for (label, value) in try BlockAccuracy.rows(
            graph: graph, checksum: checksum, parameters: parameters, knobs: knobs, shards: shards, topK: topK,
            sources: sources, count: min(accuracySources, capacity), smoothingSteps: steps,
            directory: directory)
        {
            row(label, value)
        }
    }

    /// How dense one shard's unpruned shares are (what a push over the forward edges from the non-zero
    /// rows could skip): the vertices non-zero in a query's share, and in at least one lane of a 16-query
    /// row tile (a step pulls or pushes whole rows).
    private func shareDensity(_ results: [BlockShardResult], vertexCount: Int, steps: Int) {
        var perQuery = 0
        var perTile = 0
        var tiles = 0
        for first in stride(from: 0, to: results.count, by: 16) {
            var union = Set<VertexIndex>()
            for result in results[first..<min(results.count, first + 16)] {
                perQuery += result.vertices.count
                union.formUnion(result.vertices)
            }
            perTile += union.count
            tiles += 1
        }
        let n = Double(max(1, vertexCount))
        row(
            "Share density",
            "\(fixed(Double(perQuery) / Double(max(1, results.count)) / n, 3)) of the vertices per query, "
                + "\(fixed(Double(perTile) / Double(max(1, tiles)) / n, 3)) per 16-query tile "
                + "(unpruned, \(steps) steps)")
    }

    /// The steps alone: one step of every 16-query tile of the block on dense rows (a share's worst case),
    /// per block and per query.
    private func stepCost(_ stepper: BlockEquationStep, queries: [Personalization], alpha: Double, repeats: Int) {
        let n = stepper.vertexCount
        let rows = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: max(1, n))
        defer { rows.deallocate() }
        let spare = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: max(1, n))
        defer { spare.deallocate() }
        var checksum: Float = 0
        var elapsed = Double.infinity
        for _ in 0..<repeats {
            let started = Self.cpu()
            for first in stride(from: 0, to: queries.count, by: 16) {
                rows.initialize(repeating: SIMD16<Float>(repeating: 1 / Float(max(1, n))), count: n)
                let result = stepper.apply(
                    rows, spare: spare, steps: 1, personalizations: queries[first..<min(queries.count, first + 16)],
                    alpha: alpha)
                checksum += result[0][0]
            }
            elapsed = min(elapsed, Self.cpu() - started)
        }
        row(
            "One step",
            "CPU \(fixed(elapsed, 4)) s per block of \(queries.count) (\(fixed(elapsed / Double(queries.count) * 1e3, 3)) "
                + "ms/query, dense rows; checksum \(checksum))")
    }
}
