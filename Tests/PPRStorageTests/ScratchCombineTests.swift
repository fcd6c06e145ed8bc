import PPRCore
import Testing

@testable import PPRStorage

/// `FingerprintStoreReader.combine(_:scratch:)`, the worker's single-query path, against the batch combine
/// (itself checked against sums computed by hand in `BatchCombineTests`).
@Suite struct ScratchCombineTests {
    @Test func equalsTheBatchCombineAndLeavesTheScratchZero() throws {
        let graph = try randomGraph(vertexCount: 700, seed: 31)
        try withTemporaryStore { store in
            let version = try IndexBuilder(
                graph: graph, graphChecksum: 5, parameters: parameters, shardIndex: 1, shardCount: 2, threadCount: 1
            ).build(into: store).manifest.version
            let reader = try store.reader(version: version, expecting: 5, restartProbability: 0.15)
            var scratch = [Double](repeating: 0, count: 700)
            for seed in 1...4 as ClosedRange<UInt64> {
                var rng = WalkSeed(rawState: seed)
                let frontier = (0..<30).map { _ in
                    WeightedVertex(
                        vertex: VertexIndex(2 * (rng.next() % 350) + 1), weight: Double(rng.next() % 100 + 1) / 1e4)
                }
                let (sum, read) = try reader.combine(frontier, scratch: &scratch)
                let batch = try reader.combine([frontier])
                #expect(read == batch.fingerprintsRead)
                #expect(sum.vertices == batch.partialSums[0].vertices)
                for (a, b) in zip(sum.scores, batch.partialSums[0].scores) { #expect(abs(a - b) <= 1e-12 * b) }
                #expect(scratch.allSatisfy { $0 == 0 })
            }
            // A vertex of the other shard: refused before any work, and the scratch stays zero.
            #expect(throws: StoreError.vertexNotInStore(4, shardIndex: 1, shardCount: 2, vertexCount: 700)) {
                try reader.combine(
                    [WeightedVertex(vertex: 1, weight: 1), WeightedVertex(vertex: 4, weight: 1)], scratch: &scratch)
            }
            #expect(scratch.allSatisfy { $0 == 0 })
            var short = [Double](repeating: 0, count: 5)
            #expect(throws: StoreError.accumulatorSize(expected: 700, actual: 5)) {
                try reader.combine([WeightedVertex(vertex: 1, weight: 1)], scratch: &short)
            }
        }
    }
}
