import Foundation
import PPRCore
import PPRStorage

/// `pwbench block --accuracy-sources N`: the accuracy of a block's answers against exact PPR, next to the
/// same sources asked one at a time (issue 7: a batch keeps the accuracy of single queries). The block is
/// expanded once and combined on every shard's store as the workers do (pruned at the coordinator's ratio
/// for one reply per shard, `BlockPruning.ratio`, and unpruned), then merged as the coordinator merges (sum
/// of the shards' vectors over the sum of their masses). Single queries run on a whole-graph store: their
/// answers do not depend on the shard count.
struct BlockAccuracy {
    var precision10 = 0.0
    var precision100 = 0.0
    var l1 = 0.0
    var sources = 0

    mutating func add(_ approximate: [Double], _ truth: [Double]) {
        precision10 += AccuracyMetrics.precision(atK: 10, approximate: approximate, exact: truth)
        precision100 += AccuracyMetrics.precision(atK: 100, approximate: approximate, exact: truth)
        l1 += AccuracyMetrics.l1Distance(approximate, truth)
        sources += 1
    }

    var summary: String {
        let n = Double(max(1, sources))
        return "P@10 \(fixed(precision10 / n, 4)), P@100 \(fixed(precision100 / n, 4)), L1 \(fixed(l1 / n, 4)) "
            + "(\(sources) sources)"
    }

    /// Builds a store of `shardIndex` of `shardCount` under `directory` and opens its reader.
    static func store(
        _ graph: CSRGraph, checksum: UInt64, parameters: WalkParameters, shardIndex: Int, shardCount: Int,
        directory: URL
    ) throws -> FingerprintStoreReader {
        let store = try FingerprintStore(
            directory: directory.appendingPathComponent("accuracy-\(shardIndex)-of-\(shardCount)").path)
        let report = try IndexBuilder(
            graph: graph, graphChecksum: checksum, parameters: parameters, shardIndex: shardIndex,
            shardCount: shardCount, threadCount: 2
        ).build(into: store)
        try store.activate(report.manifest.version)
        return try store.reader(expecting: checksum, restartProbability: parameters.restartProbability)
    }

    /// The merged, normalised answer of query `q` from the shards' parts.
    static func merged(_ parts: [[BlockShardResult]], _ q: Int, vertexCount: Int) -> [Double] {
        var scores = [Double](repeating: 0, count: vertexCount)
        var total = 0.0
        for part in parts {
            total += part[q].mass
            for (v, score) in zip(part[q].vertices, part[q].scores) { scores[Int(v)] += Double(score) }
        }
        guard total > 0 else { return scores }
        for v in scores.indices { scores[v] /= total }
        return scores
    }

    /// Rows: the block's answers (pruned and unpruned) and single queries against exact PPR, on the first
    /// `count` of `sources`.
    static func rows(
        graph: CSRGraph, checksum: UInt64, parameters: WalkParameters, knobs: QueryParameters, shards: Int,
        topK: Int, sources: [VertexIndex], count: Int, smoothingSteps: Int = 0, directory: URL
    ) throws -> [(String, String)] {
        let chosen = Array(sources.prefix(max(1, count)))
        let readers = try (0..<shards).map {
            try store(
                graph, checksum: checksum, parameters: parameters, shardIndex: $0, shardCount: shards,
                directory: directory)
        }
        let whole =
            shards == 1
            ? readers[0]
            : try store(
                graph, checksum: checksum, parameters: parameters, shardIndex: 0, shardCount: 1, directory: directory)
        let block = BlockDecomposition(graph: graph, capacity: chosen.count)
        try block.expand(
            chosen.map { Personalization(source: $0) }, restartProbability: parameters.restartProbability,
            eps: knobs.eps, maxLevels: knobs.maxLevels, sampleBelow: knobs.sampleBelow,
            lowDegreeFactor: knobs.lowDegreeFactor, walkBudget: WalkBudget(parameters: parameters, graph: graph))
        let candidates = [Int](repeating: topK, count: chosen.count)
        let ratio = BlockPruning.ratio(BlockPruning.defaultRatio, replies: shards)
        var pruned: [[BlockShardResult]] = []
        var unpruned: [[BlockShardResult]] = []
        let stepper = BlockEquationStep(graph: graph, alpha: parameters.restartProbability)
        for reader in readers {
            let matrix = try reader.blockMatrix(reader.ownedVertices)
            pruned.append(
                try reader.combineBlock(
                    block, candidates: candidates, pruneRatio: ratio, matrix: matrix, smoothingSteps: smoothingSteps,
                    equationStep: stepper
                ).0)
            unpruned.append(
                try reader.combineBlock(
                    block, candidates: candidates, pruneRatio: 0, matrix: matrix, smoothingSteps: smoothingSteps,
                    equationStep: stepper
                ).0)
        }
        // Single answers with the block's steps, whatever the preset's (the engine steps and normalises them).
        var stepped = knobs
        stepped.smoothingSteps = smoothingSteps
        let exact = ExactVectors(graph: graph, alpha: parameters.restartProbability)
        var single = DecompositionQuery(graph: graph)
        var batch = BlockAccuracy()
        var full = BlockAccuracy()
        var alone = BlockAccuracy()
        for (q, source) in chosen.enumerated() {
            let truth = try exact.scores(of: source)
            batch.add(merged(pruned, q, vertexCount: graph.vertexCount), truth)
            full.add(merged(unpruned, q, vertexCount: graph.vertexCount), truth)
            let answer = try single.scores(Personalization(source: source), parameters: stepped, fingerprints: whole).0
            alone.add(answer, truth)
        }
        return [
            (
                "Block accuracy",
                "\(batch.summary); replies pruned at \(ratio) over \(shards) shards (L1 counts unsent mass), "
                    + "\(smoothingSteps) steps"
            ),
            ("Block unpruned", full.summary),
            ("Single accuracy", "\(alone.summary), \(smoothingSteps) steps"),
        ]
    }
}
