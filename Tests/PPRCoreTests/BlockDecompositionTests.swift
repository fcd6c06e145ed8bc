import PPRCore
import Testing

/// The block expansion (vertex-major, many queries at once) against the single-query expansion, query by
/// query, on the committed email-Eu-core fixture and a random graph with dangling vertices.
@Suite struct BlockDecompositionTests {
    /// Compares the block's kept and frontier rows of query `q` with `single` (Float rounding).
    static func expectSame(_ block: BlockDecomposition, _ q: Int, _ single: Expansion) {
        let width = block.stride
        var pushed: [VertexIndex: Double] = [:]
        for v in block.keptRows where block.kept[Int(v) * width + q] != 0 {
            pushed[v] = Double(block.kept[Int(v) * width + q])
        }
        var frontier: [VertexIndex: Double] = [:]
        for v in block.frontierRows where block.frontier[Int(v) * width + q] != 0 {
            frontier[v] = Double(block.frontier[Int(v) * width + q])
        }
        #expect(pushed.count == single.pushed.count)
        #expect(frontier.count == single.frontier.count)
        for entry in single.pushed {
            let found = pushed[entry.vertex] ?? -1
            #expect(abs(found - entry.weight) <= 1e-6 * entry.weight + 1e-12, "pushed \(entry.vertex)")
        }
        for entry in single.frontier {
            let found = frontier[entry.vertex] ?? -1
            #expect(abs(found - entry.weight) <= 1e-6 * entry.weight + 1e-12, "frontier \(entry.vertex)")
        }
        let stats = block.statistics[q]
        #expect(stats.verticesExpanded == single.statistics.verticesExpanded)
        #expect(stats.levels == single.statistics.levels)
        #expect(abs(stats.flowPushed - single.statistics.flowPushed) <= 1e-9)
    }

    @Test(arguments: [(1e-4, 20), (1e-3, 3), (0.0, 2), (1e-4, 0)])
    func blockEqualsSingleExpansions(eps: Double, levels: Int) throws {
        let graph = try TestSupport.loadGraph("email-Eu-core.txt").graph
        let block = BlockDecomposition(graph: graph, capacity: 24)
        var single = Decomposition(graph: graph)
        // 24 queries: single sources spread over the graph and two weighted personalizations.
        var queries = (0..<22).map { Personalization(source: VertexIndex(($0 * 45) % graph.vertexCount)) }
        queries.append(try Personalization([(3, 1), (500, 2), (900, 0.5)]))
        queries.append(try Personalization([(7, 1), (7, 1)]))
        for _ in 0..<2 {  // twice: the second block reuses the buffers (all zero after reset)
            try block.expand(queries, restartProbability: 0.15, eps: eps, maxLevels: levels)
            #expect(block.width == queries.count)
            for (q, query) in queries.enumerated() {
                let expected = try single.expand(
                    personalization: query, restartProbability: 0.15, eps: eps, maxLevels: levels)
                Self.expectSame(block, q, expected)
            }
            block.reset()
        }
    }

    /// The presets' frontier sampling and low-degree rule: the shared push draws the same samples on the
    /// same sums, so each query keeps exactly its single-query frontier and statistics.
    @Test(arguments: AccuracyPreset.allCases) func blockEqualsSingleWithPresetKnobs(_ preset: AccuracyPreset) throws {
        let graph = try TestSupport.loadGraph("email-Eu-core.txt").graph
        let block = BlockDecomposition(graph: graph, capacity: 64)
        var single = Decomposition(graph: graph)
        let queries = (0..<64).map { Personalization(source: VertexIndex(($0 * 13 + 1) % graph.vertexCount)) }
        let knobs = preset.parameters()
        try block.expand(
            queries, restartProbability: 0.15, eps: knobs.eps, maxLevels: knobs.maxLevels,
            sampleBelow: knobs.sampleBelow, lowDegreeFactor: knobs.lowDegreeFactor)
        for (q, query) in queries.enumerated() {
            let expected = try single.expand(
                personalization: query, restartProbability: 0.15, eps: knobs.eps, maxLevels: knobs.maxLevels,
                sampleBelow: knobs.sampleBelow, lowDegreeFactor: knobs.lowDegreeFactor)
            Self.expectSame(block, q, expected)
            let stats = block.statistics[q]
            #expect(stats.frontierSize == expected.statistics.frontierSize)
            #expect(stats.verticesSampledOut == expected.statistics.verticesSampledOut)
            #expect(stats.edgesPushed == expected.statistics.edgesPushed)
            #expect(abs(stats.frontierSecondMoment - expected.statistics.frontierSecondMoment) <= 1e-12)
        }
    }

    @Test func danglingVerticesAndNarrowBlocks() throws {
        let graph = try FingerprintWalkerBatchTests.randomGraph(vertices: 400, edges: 1_500, seed: 9)
        let block = BlockDecomposition(graph: graph, capacity: 3)
        var single = Decomposition(graph: graph)
        let queries = [0, 5, 123].map { Personalization(source: VertexIndex($0)) }
        try block.expand(queries, restartProbability: 0.2, eps: 1e-4, maxLevels: 30)
        for (q, query) in queries.enumerated() {
            let expected = try single.expand(
                personalization: query, restartProbability: 0.2, eps: 1e-4, maxLevels: 30)
            Self.expectSame(block, q, expected)
        }
        // A block wider than the capacity is refused.
        #expect(throws: QueryError.self) {
            try block.expand(queries + queries, restartProbability: 0.2, eps: 1e-4, maxLevels: 3)
        }
    }

    /// A graph of more than one target bin (2^13 vertices): pushes go through the bins.
    @Test func binnedPushEqualsSingleExpansions() throws {
        let graph = try FingerprintWalkerBatchTests.randomGraph(vertices: 20_000, edges: 120_000, seed: 5)
        let block = BlockDecomposition(graph: graph, capacity: 20)
        var single = Decomposition(graph: graph)
        let queries = (0..<20).map { Personalization(source: VertexIndex(($0 * 997) % graph.vertexCount)) }
        let knobs = AccuracyPreset.default.parameters()
        try block.expand(
            queries, restartProbability: 0.15, eps: 1e-5, maxLevels: knobs.maxLevels, sampleBelow: knobs.sampleBelow,
            lowDegreeFactor: knobs.lowDegreeFactor)
        for (q, query) in queries.enumerated() {
            let expected = try single.expand(
                personalization: query, restartProbability: 0.15, eps: 1e-5, maxLevels: knobs.maxLevels,
                sampleBelow: knobs.sampleBelow, lowDegreeFactor: knobs.lowDegreeFactor)
            Self.expectSame(block, q, expected)
            #expect(block.statistics[q].edgesPushed == expected.statistics.edgesPushed)
        }
    }

    /// Above 16,384 vertices blocks expand query by query and write their rows 16 queries and 1,024
    /// vertices at a time (`writeRows`): 40 queries (groups of 16, 16, 8) over 20 windows, each query's
    /// rows equal to its single expansion, every row listed once.
    @Test func perQueryRowsAreWrittenGroupByGroup() throws {
        let graph = try FingerprintWalkerBatchTests.randomGraph(vertices: 20_000, edges: 100_000, seed: 6)
        let block = BlockDecomposition(graph: graph, capacity: 40)
        var single = Decomposition(graph: graph)
        let queries = (0..<40).map { Personalization(source: VertexIndex(($0 * 4_999 + 17) % graph.vertexCount)) }
        try block.expand(queries, restartProbability: 0.15, eps: 1e-4, maxLevels: 20)
        for (q, query) in queries.enumerated() {
            let expected = try single.expand(
                personalization: query, restartProbability: 0.15, eps: 1e-4, maxLevels: 20)
            Self.expectSame(block, q, expected)
        }
        #expect(Set(block.keptRows).count == block.keptRows.count)
        #expect(Set(block.frontierRows).count == block.frontierRows.count)
        #expect(block.frontierRows.contains { $0 >= 19_000 })  // the last window is written too
    }

    /// Whole 16-lane tiles within the budget: a vertex costs 8 bytes per lane plus 128 (the combine's two
    /// 16-lane rows), so 256 MiB holds 64 lanes up to 419,430 vertices (640 bytes each), 48 up to 524,288
    /// (512), 32 up to 699,050 (384), and one tile beyond.
    @Test func capacityIsWholeTilesWithinTheMemoryBudget() {
        #expect(BlockDecomposition.capacity(vertexCount: 82_168) == 64)  // soc-Slashdot0902
        #expect(BlockDecomposition.capacity(vertexCount: 419_430) == 64)
        #expect(BlockDecomposition.capacity(vertexCount: 419_431) == 48)
        #expect(BlockDecomposition.capacity(vertexCount: 524_288) == 48)
        #expect(BlockDecomposition.capacity(vertexCount: 646_282) == 32)  // R-MAT scale 20 (34 before)
        #expect(BlockDecomposition.capacity(vertexCount: 699_051) == 16)
        #expect(BlockDecomposition.capacity(vertexCount: 2_400_000) == 16)  // R-MAT scale 22, about 2.4 M (9 before)
        #expect(BlockDecomposition.capacity(vertexCount: 1 << 30) == 16)
        #expect(BlockDecomposition.capacity(vertexCount: 0) == 64)
        #expect(BlockDecomposition.capacity(vertexCount: 82_168, memoryBudget: 82_168 * 255) == 16)
        for n in [1, 1_000, 82_168, 419_430, 646_282] {
            let lanes = BlockDecomposition.capacity(vertexCount: n)
            #expect(lanes % 16 == 0)
            #expect(n * (lanes * 8 + 128) <= BlockDecomposition.defaultMemoryBudget)
        }
    }
}

/// The R-MAT generator is deterministic for a seed and follows Graph500's skew.
@Suite struct RMATGeneratorTests {
    static func edges(_ generator: RMATGenerator) -> [UInt64] {
        var out: [UInt64] = []
        generator.forEachEdge { out.append(UInt64($0) << 32 | UInt64($1)) }
        return out
    }

    @Test func sameSeedSameEdges() {
        let first = Self.edges(RMATGenerator(scale: 10, edgeFactor: 8, seed: 5))
        let again = Self.edges(RMATGenerator(scale: 10, edgeFactor: 8, seed: 5))
        let other = Self.edges(RMATGenerator(scale: 10, edgeFactor: 8, seed: 6))
        #expect(first.count == 8 << 10)
        #expect(first == again)
        #expect(first != other)
        #expect(first.allSatisfy { ($0 >> 32) < 1024 && ($0 & 0xFFFF_FFFF) < 1024 })
    }

    @Test func degreesAreSkewed() {
        var degree = [Int](repeating: 0, count: 1 << 12)
        RMATGenerator(scale: 12, edgeFactor: 16, seed: 1).forEachEdge { source, _ in degree[Int(source)] += 1 }
        let sorted = degree.sorted(by: >)
        // R-MAT with A = 0.57: the top 1% of vertices hold far more than 1% of the edges.
        let top = sorted.prefix(41).reduce(0, +)
        #expect(Double(top) / Double(16 << 12) > 0.1)
    }
}
