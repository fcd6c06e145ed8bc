import PPRCore
import Testing

@testable import PPRStorage

/// Index builds on a weighted graph: the same seed gives the same stored fingerprints for any thread or
/// shard count, and they are the weighted walker's (not the unweighted one's).
@Suite struct WeightedIndexBuilderTests {
    /// `randomGraph` with weights from a hash of (source, target): spread over 0.01 ... 100.
    static func weightedGraph(vertexCount: Int, seed: UInt64) throws -> CSRGraph {
        let graph = try randomGraph(vertexCount: vertexCount, seed: seed)
        var weights: [Double] = []
        for v in 0..<graph.vertexCount {
            for e in graph.neighborRange(VertexIndex(v)) {
                let hash = WalkSeed.mix(UInt64(v) << 32 | UInt64(graph.targets[e]))
                weights.append(0.01 * Double(1 + hash % 10_000))
            }
        }
        let weighted = CSRGraph(
            offsets: graph.offsets, targets: graph.targets, externalIDs: graph.externalIDs, weights: weights)
        try weighted.validate()
        return weighted
    }

    @Test func oneAndTwoThreadsWriteByteIdenticalChunks() throws {
        let graph = try Self.weightedGraph(vertexCount: 1500, seed: 8)
        let chunks = try [1, 2].map { threads in
            try withTemporaryStore { store in
                var builder = IndexBuilder(graph: graph, graphChecksum: 3, parameters: parameters, threadCount: threads)
                builder.commitBytes = 2_000
                let report = try builder.build(into: store)
                return try rawChunks(store, version: report.manifest.version)
            }
        }
        #expect(chunks[0].count == 6)
        #expect(chunks[0] == chunks[1])
    }

    @Test func shardsTogetherHoldTheWeightedWalkersFingerprints() throws {
        let graph = try Self.weightedGraph(vertexCount: 777, seed: 9)
        var walker = FingerprintWalker(graph: graph, parameters: parameters)
        let expected = (0..<VertexIndex(777)).map { walker.fingerprint(of: $0) }
        let unweighted = CSRGraph(offsets: graph.offsets, targets: graph.targets, externalIDs: graph.externalIDs)
        var plainWalker = FingerprintWalker(graph: unweighted, parameters: parameters)
        let plain = (0..<VertexIndex(777)).map { plainWalker.fingerprint(of: $0) }
        #expect(zip(expected, plain).filter { $0 != $1 }.count > 300, "the weights change the walks")
        for shardCount in [1, 3] {
            var union = [Fingerprint?](repeating: nil, count: 777)
            for shard in 0..<shardCount {
                try withTemporaryStore { store in
                    let builder = IndexBuilder(
                        graph: graph, graphChecksum: 1, parameters: parameters, shardIndex: shard,
                        shardCount: shardCount, threadCount: 1 + shard % 2)
                    let report = try builder.build(into: store)
                    let reader = try store.reader(
                        version: report.manifest.version, expecting: 1, restartProbability: 0.15)
                    for v in stride(from: shard, to: 777, by: shardCount) {
                        union[v] = try reader.fingerprint(of: VertexIndex(v))
                    }
                }
            }
            #expect(union == expected, "\(shardCount) shards")
        }
    }
}
