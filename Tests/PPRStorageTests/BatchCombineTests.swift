import PPRCore
import Testing

@testable import PPRStorage

/// `FingerprintStoreReader.combine` against sums computed by hand from decoded fingerprints.
@Suite struct BatchCombineTests {
    /// Random frontiers over the vertices `shard` owns, overlapping between queries, with repeats, and weights
    /// spread over several orders of magnitude; the first frontier is empty.
    func frontiers(count: Int, shard: Int, shardCount: Int, vertexCount: Int, seed: UInt64) -> [[WeightedVertex]] {
        var rng = WalkSeed(rawState: seed)
        let owned = Array(stride(from: shard, to: vertexCount, by: shardCount))
        return (0..<count).map { q in
            let size = q == 0 ? 0 : Int(rng.next() % 60) + 1
            return (0..<size).map { _ in
                let v = owned[Int(rng.next() % UInt64(q % 3 == 0 ? 20 : owned.count))]  // some queries share vertices
                let weight = Double(rng.next() % 1000 + 1) / 1000 * (rng.next() % 2 == 0 ? 1e-3 : 1)
                return WeightedVertex(vertex: VertexIndex(v), weight: weight)
            }
        }
    }

    /// The independent sum: decode every fingerprint, add `w * alpha * count / R` entry by entry.
    func expected(_ frontier: [WeightedVertex], _ reader: FingerprintStoreReader, vertexCount: Int) throws -> [Double] {
        let unit = reader.manifest.restartProbability / Double(reader.manifest.walkParameters.walksPerVertex)
        var dense = [Double](repeating: 0, count: vertexCount)
        for entry in frontier {
            let fingerprint = try #require(try reader.fingerprint(of: entry.vertex))
            for (x, count) in zip(fingerprint.vertices, fingerprint.visitCounts) {
                dense[Int(x)] += entry.weight * unit * Double(count)
            }
        }
        return dense
    }

    @Test(arguments: [(0, 1), (0, 2), (1, 2)])
    func eachQuerysPartialSumMatchesTheHandComputedSum(shard: Int, shardCount: Int) throws {
        let vertexCount = 1300  // several chunks per shard
        let graph = try randomGraph(vertexCount: vertexCount, seed: 21)
        try withTemporaryStore { store in
            let builder = IndexBuilder(
                graph: graph, graphChecksum: 5, parameters: parameters, shardIndex: shard, shardCount: shardCount,
                threadCount: 2)
            let version = try builder.build(into: store).manifest.version
            let reader = try store.reader(version: version, expecting: 5, restartProbability: 0.15)
            let batch = frontiers(count: 12, shard: shard, shardCount: shardCount, vertexCount: vertexCount, seed: 3)
            let result = try reader.combine(batch)

            #expect(result.partialSums.count == batch.count)
            let distinct = Set(batch.flatMap { $0.map(\.vertex) })
            #expect(result.fingerprintsRead == distinct.count)
            #expect(result.chunksRead == Set(distinct.map { Int($0) / shardCount / 256 }).count)
            #expect(result.partialSums[0] == ShardPartialSum())
            for (frontier, sum) in zip(batch, result.partialSums) {
                let dense = try expected(frontier, reader, vertexCount: vertexCount)
                let nonZero = dense.indices.filter { dense[$0] != 0 }.map { VertexIndex($0) }
                #expect(sum.vertices == nonZero)  // ascending, exactly the non-zero entries
                for (x, score) in zip(sum.vertices, sum.scores) {
                    #expect(abs(score - dense[Int(x)]) <= 1e-12 * abs(dense[Int(x)]))
                }
                #expect(!frontier.isEmpty == !sum.vertices.isEmpty)
            }
        }
    }

    @Test func agreesWithTheSingleQueryAccumulatePath() throws {
        let graph = try randomGraph(vertexCount: 600, seed: 22)
        try withTemporaryStore { store in
            let version = try IndexBuilder(graph: graph, graphChecksum: 5, parameters: parameters, threadCount: 1)
                .build(into: store).manifest.version
            let reader = try store.reader(version: version, expecting: 5, restartProbability: 0.15)
            let batch = frontiers(count: 5, shard: 0, shardCount: 1, vertexCount: 600, seed: 4)
            let result = try reader.combine(batch)
            for (frontier, sum) in zip(batch, result.partialSums) {
                var dense = [Double](repeating: 0, count: 600)
                try reader.accumulate(frontier, into: &dense)
                var sparse = [Double](repeating: 0, count: 600)
                for (x, score) in zip(sum.vertices, sum.scores) { sparse[Int(x)] = score }
                for x in 0..<600 { #expect(abs(sparse[x] - dense[x]) <= 1e-12 * abs(dense[x])) }
            }
        }
    }

    @Test func aVertexOfAnotherShardIsRefusedNamingIt() throws {
        let graph = try randomGraph(vertexCount: 300, seed: 23)
        try withTemporaryStore { store in
            let version = try IndexBuilder(
                graph: graph, graphChecksum: 5, parameters: parameters, shardIndex: 1, shardCount: 2, threadCount: 1
            ).build(into: store).manifest.version
            let reader = try store.reader(version: version, expecting: 5, restartProbability: 0.15)
            let batch = [[WeightedVertex(vertex: 1, weight: 1)], [WeightedVertex(vertex: 4, weight: 1)]]
            #expect(throws: StoreError.vertexNotInStore(4, shardIndex: 1, shardCount: 2, vertexCount: 300)) {
                try reader.combine(batch)
            }
            #expect(throws: StoreError.vertexNotInStore(301, shardIndex: 1, shardCount: 2, vertexCount: 300)) {
                try reader.combine([[WeightedVertex(vertex: 301, weight: 1)]])
            }
        }
    }

    @Test func aDeletedVersionIsNoLongerRead() throws {
        let graph = try randomGraph(vertexCount: 300, seed: 24)
        try withTemporaryStore { store in
            let builder = IndexBuilder(graph: graph, graphChecksum: 5, parameters: parameters, threadCount: 1)
            let first = try builder.build(into: store).manifest.version
            let second = try builder.build(into: store).manifest.version
            try store.activate(second)
            let reader = try store.reader(version: first, expecting: 5, restartProbability: 0.15)
            #expect(try reader.combine([[WeightedVertex(vertex: 3, weight: 1)]]).fingerprintsRead == 1)
            #expect(try reader.combine([]).partialSums.isEmpty)
            try store.deleteVersion(first)
            #expect {
                try reader.combine([[WeightedVertex(vertex: 3, weight: 1)]])
            } throws: { error in
                guard case StoreError.noCompleteIndex = error else { return false }
                return true
            }
        }
    }
}
