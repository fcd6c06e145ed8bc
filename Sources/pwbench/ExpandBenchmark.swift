import ArgumentParser
import Foundation
import PPRCore
import PPRStorage

/// `pwbench expand EDGES`: the expand (push) step alone, per preset, with no index: single queries
/// (`Decomposition.expand`) and the shared block push (`BlockDecomposition.expand`), on the sources
/// `pwbench engine` times (same sampler and seed).
///
/// Prints thread-CPU p50 and mean per query (with `--query-threads` above 1, wall-clock p50 and mean too: the
/// helpers' time is not the caller's CPU), the work (levels, vertices expanded, edges pushed, frontier
/// size per query) and a digest of every output bit (kept and frontier entries, statistics), so a change
/// of the push can be checked to give the same answers bit for bit, or shown to differ.
struct ExpandBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expand", abstract: "The expand step alone (single queries and the block push), no index.")

    @Argument(help: "Edge list (SNAP text, optionally .gz), e.g. ../shared/data/soc-Slashdot0902.txt.gz")
    var edges: String
    @Option(help: "Accuracy presets to measure, comma-separated (fast, default, high).")
    var accuracy = "fast,default,high"
    @Option(help: "Single queries per preset.") var queries = 300
    @Option(help: "Blocks pushed per preset (0: none).") var blocks = 2
    @Option(help: "Queries per block.") var width = 64
    @Option(help: "Seed of the sampled sources (as pwbench engine's --seed).") var seed: UInt64 = 1
    @Option(help: "Passes over the sources; the fastest pass's figures are printed.") var passes = 2
    @Option(
        help: """
            Threads per single query's push, comma-separated to compare in one run (e.g. 1,2; at most \
            \(TargetBands.bandCount)); the digests must match.
            """)
    var queryThreads = "1"
    @Option(
        help: """
            How a query's helper threads start: dispatch (global queue), thread (a new Thread per query), \
            none (never: the calling thread claims every unit; measures the split's own cost).
            """)
    var helpers = "dispatch"
    @Option(help: "Cost of a vertex visit in pushed edges, for the band boundaries (TargetBands).")
    var bandVertexCost = TargetBands.defaultVertexCost

    func run() throws {
        let presets = try accuracy.split(separator: ",").map { name in
            guard let preset = AccuracyPreset(name: String(name)) else {
                throw ValidationError("--accuracy: unknown preset \(name) (\(AccuracyPreset.names))")
            }
            return preset
        }
        let graph = try EdgeListReader.read(edges).0
        row("Graph", "\(edges): \(graph.vertexCount) vertices, \(graph.edgeCount) edges")
        var sampler = WalkSeed(globalSeed: seed, vertex: 0)
        let n = UInt64(max(1, graph.vertexCount))
        let sources = (0..<max(queries, blocks * width)).map { _ in VertexIndex(sampler.next() % n) }
        let threadCounts = try queryThreads.split(separator: ",").map { text in
            guard let count = Int(text), (1...TargetBands.bandCount).contains(count) else {
                throw ValidationError("--query-threads: \(text) is not in 1...\(TargetBands.bandCount)")
            }
            return count
        }
        let bands = threadCounts.contains { $0 > 1 } ? TargetBands(graph: graph, vertexCost: bandVertexCost) : nil
        if let bands {
            row("Bands", "\(bands.starts) (layout \(bands.byteCount / 1024) KiB)")
        }
        let decompositions = threadCounts.map { count in
            Decomposition(graph: graph, threads: Self.threads(count, helpers: helpers), bands: bands)
        }
        for preset in presets {
            let knobs = preset.parameters()
            for (count, original) in zip(threadCounts, decompositions) {
                var decomposition = original
                var best: [Double] = []
                var bestWall: [Double] = []
                var digest = Digest()
                var work = Expansion.Statistics()
                for _ in 0..<max(1, passes) {
                    var cpu: [Double] = []
                    var wall: [Double] = []
                    digest = Digest()
                    work = Expansion.Statistics()
                    for source in sources.prefix(queries) {
                        let start = threadCPUSeconds()
                        let wallStart = ContinuousClock.now
                        let expansion = try decomposition.expand(
                            personalization: Personalization(source: source), restartProbability: 0.15,
                            eps: knobs.eps, maxLevels: knobs.maxLevels, sampleBelow: knobs.sampleBelow,
                            lowDegreeFactor: knobs.lowDegreeFactor)
                        wall.append(milliseconds(ContinuousClock.now - wallStart))
                        cpu.append((threadCPUSeconds() - start) * 1000)
                        digest.add(expansion)
                        work.levels += expansion.statistics.levels
                        work.verticesExpanded += expansion.statistics.verticesExpanded
                        work.edgesPushed += expansion.statistics.edgesPushed
                        work.frontierSize += expansion.statistics.frontierSize
                    }
                    cpu.sort()
                    wall.sort()
                    if best.isEmpty || cpu[cpu.count / 2] < best[best.count / 2] { best = cpu }
                    if bestWall.isEmpty || wall[wall.count / 2] < bestWall[bestWall.count / 2] { bestWall = wall }
                }
                let count1 = max(1, queries)
                if !best.isEmpty {
                    let wallFigures =
                        count == 1
                        ? ""
                        : "wall p50 \(fixed(bestWall[bestWall.count / 2], 3)) ms, "
                            + "mean \(fixed(bestWall.reduce(0, +) / Double(count1), 3)) ms; caller "
                    row(
                        "\(preset) single" + (count == 1 ? "" : " x\(count)"),
                        wallFigures
                            + "CPU p50 \(fixed(best[best.count / 2], 3)) ms, "
                            + "mean \(fixed(best.reduce(0, +) / Double(count1), 3)) ms; "
                            + "per query \(work.levels / count1) levels, \(work.verticesExpanded / count1) expanded, "
                            + "\(work.edgesPushed / count1) edges, \(work.frontierSize / count1) frontier; "
                            + "digest \(String(digest.hash, radix: 16))")
                }
            }
            guard blocks > 0 else { continue }
            let block = BlockDecomposition(graph: graph, capacity: width)
            var blockBest = Double.infinity
            var blockDigest = Digest()
            var edgesPushed = 0
            for _ in 0..<max(1, passes) {
                var total = 0.0
                blockDigest = Digest()
                edgesPushed = 0
                for b in 0..<blocks {
                    let personalizations = sources[b * width..<(b + 1) * width].map { Personalization(source: $0) }
                    let start = threadCPUSeconds()
                    try block.expand(
                        personalizations, restartProbability: 0.15, eps: knobs.eps, maxLevels: knobs.maxLevels,
                        sampleBelow: knobs.sampleBelow, lowDegreeFactor: knobs.lowDegreeFactor)
                    total += threadCPUSeconds() - start
                    blockDigest.add(block)
                    edgesPushed += block.statistics.reduce(0) { $0 + $1.edgesPushed }
                    block.reset()
                }
                blockBest = min(blockBest, total)
            }
            row(
                "\(preset) block",
                "CPU \(fixed(blockBest * 1000 / Double(blocks * width), 3)) ms per query "
                    + "(\(blocks) blocks of \(width)), \(edgesPushed / (blocks * width)) edges/query; "
                    + "digest \(String(blockDigest.hash, radix: 16))")
        }
    }
}

extension ExpandBenchmark {
    /// `count` threads per query, the extra ones started as `helpers` says.
    static func threads(_ count: Int, helpers: String) -> PushThreads {
        switch helpers {
        case "thread": PushThreads(count: count) { job in Thread { job() }.start() }
        case "none": PushThreads(count: count) { _ in }
        default: PushThreads(count: count) { job in DispatchQueue.global(qos: .userInitiated).async(execute: job) }
        }
    }
}

/// FNV-1a over output bits.
private struct Digest {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325

    mutating func add(_ value: UInt64) { hash = (hash ^ value) &* 0x100_0000_01B3 }

    mutating func add(_ expansion: Expansion) {
        for entry in expansion.pushed + expansion.frontier {
            add(UInt64(entry.vertex))
            add(entry.weight.bitPattern)
        }
        let s = expansion.statistics
        for count in [s.levels, s.verticesExpanded, s.edgesPushed, s.frontierSize, s.verticesSampledOut] {
            add(UInt64(count))
        }
        for sum in [s.flowPushed, s.danglingLoss, s.frontierFlow, s.sampledFrontierFlow, s.frontierSecondMoment] {
            add(sum.bitPattern)
        }
    }

    /// The block's rows in vertex order (discovery order of the rows is not part of the answer).
    mutating func add(_ block: BlockDecomposition) {
        for (rows, values) in [(block.keptRows, block.kept), (block.frontierRows, block.frontier)] {
            for v in rows.sorted() {
                add(UInt64(v))
                for q in 0..<block.width { add(UInt64(values[Int(v) * block.stride + q].bitPattern)) }
            }
        }
        for s in block.statistics {
            for count in [s.levels, s.verticesExpanded, s.edgesPushed, s.frontierSize, s.verticesSampledOut] {
                add(UInt64(count))
            }
        }
    }
}
