import PPRCore
import PPRStorage
import PPRWire
import Testing

@testable import PPRService

/// Dense single-frontier combine replies (`CombineRequest.denseReplies`, `PartialSum.dense`): the same doubles
/// as the sparse form, so the coordinator's answers and error estimates are bit-identical either way.
@Suite struct DenseCombineReplyTests {
    /// The sparse form of a reply, whatever form it came in (a dense reply lists its non-zero slots).
    static func sparse(_ sum: PartialSum) -> (vertices: [VertexIndex], scores: [Double]) {
        guard !sum.dense.isEmpty else { return (sum.vertices, sum.scores) }
        let nonZero = sum.dense.indices.filter { sum.dense[$0] != 0 }
        return (nonZero.map { VertexIndex($0) }, nonZero.map { sum.dense[$0] })
    }

    /// On a real worker over real LMDB stores (1 and 2 shards), a frontier touching most vertices comes back
    /// dense and a small one sparse when dense replies are allowed; both equal the sparse-only reply exactly,
    /// and a request that does not allow them always gets the sparse form.
    @Test(arguments: [1, 2])
    func denseRepliesHoldTheSparseRepliesDoubles(shardCount: Int) async throws {
        let vertexCount = 600
        let graph = try workerTestGraph(vertexCount: vertexCount, seed: 11)
        try await withIndexedShards(graph: graph, shardCount: shardCount) { shard, client in
            let owned = stride(from: shard, to: vertexCount, by: shardCount)
            let wide = owned.map { WeightedVertex(vertex: VertexIndex($0), weight: 1 / Double(vertexCount)) }
            let narrow = [WeightedVertex(vertex: VertexIndex(shard), weight: 0.5)]
            for (frontier, expectDense) in [(wide, true), (narrow, false)] {
                var replies: [CombineResponse] = []
                for dense in [false, true] {
                    let request = CombineRequest(indexVersion: 1, frontiers: [frontier], denseReplies: dense)
                    let reply = try await client.call(.combine(request), deadline: .seconds(60))
                    guard case .combine(let response) = reply else { throw WireError(.internal, "reply \(reply)") }
                    replies.append(response)
                }
                let (plain, allowed) = (replies[0], replies[1])
                #expect(plain.partialSums[0].dense.isEmpty)
                #expect(allowed.partialSums[0].dense.count == (expectDense ? vertexCount : 0))
                #expect(allowed.fingerprintsRead == plain.fingerprintsRead)
                let (a, b) = (Self.sparse(plain.partialSums[0]), Self.sparse(allowed.partialSums[0]))
                #expect(!a.vertices.isEmpty)
                #expect(a.vertices == b.vertices)
                #expect(a.scores == b.scores)  // bit for bit
            }
            // A foreign vertex is refused before any work, dense or not, and the pooled vector stays zero.
            if shardCount > 1 {
                let foreign = CombineRequest(
                    indexVersion: 1, frontiers: [[WeightedVertex(vertex: VertexIndex(1 - shard), weight: 1)]],
                    denseReplies: true)
                #expect(await callError(client, .combine(foreign)) != nil)
            }
            let again = try await client.call(
                .combine(CombineRequest(indexVersion: 1, frontiers: [narrow], denseReplies: true)),
                deadline: .seconds(60))
            guard case .combine(let response) = again else { throw WireError(.internal, "reply \(again)") }
            let recomputed = handSum(narrow, graph: graph)
            for (x, score) in zip(response.partialSums[0].vertices, response.partialSums[0].scores) {
                #expect(abs(score - recomputed[Int(x)]) <= 1e-12 * recomputed[Int(x)])
            }
        }
    }

    /// Float dense replies (`CombineRequest.floatReplies`) from a real worker: every slot is the double reply's
    /// slot rounded to the nearest float (so within a relative 2^-24 of it), zeros where it is zero; the
    /// fingerprints read are the same, and a sparse reply stays doubles.
    @Test(arguments: [1, 2])
    func floatDenseRepliesAreTheDoubleRepliesRounded(shardCount: Int) async throws {
        let vertexCount = 600
        let graph = try workerTestGraph(vertexCount: vertexCount, seed: 12)
        try await withIndexedShards(graph: graph, shardCount: shardCount) { shard, client in
            let owned = stride(from: shard, to: vertexCount, by: shardCount)
            let wide = owned.map { WeightedVertex(vertex: VertexIndex($0), weight: 1 / Double(vertexCount)) }
            let narrow = [WeightedVertex(vertex: VertexIndex(shard), weight: 0.5)]
            var replies: [CombineResponse] = []
            for (frontier, floats) in [(wide, false), (wide, true), (narrow, true)] {
                let request = CombineRequest(
                    indexVersion: 1, frontiers: [frontier], denseReplies: true, floatReplies: floats)
                let reply = try await client.call(.combine(request), deadline: .seconds(60))
                guard case .combine(let response) = reply else { throw WireError(.internal, "reply \(reply)") }
                replies.append(response)
            }
            let (doubles, floats, small) = (replies[0].partialSums[0], replies[1].partialSums[0], replies[2])
            #expect(doubles.dense.count == vertexCount && !doubles.denseAsFloats)
            #expect(floats.dense.count == vertexCount && floats.denseAsFloats)
            #expect(replies[1].fingerprintsRead == replies[0].fingerprintsRead)
            #expect(doubles.dense.contains { Double(Float($0)) != $0 }, "no slot needed rounding")
            for (d, f) in zip(doubles.dense, floats.dense) {
                #expect(f == Double(Float(d)))
                #expect(abs(f - d) <= d * 0x1p-24)
            }
            #expect(small.partialSums[0].dense.isEmpty && !small.partialSums[0].scores.isEmpty)
        }
    }

    /// A made-up answer: pushed mass on a few vertices and two shards' partial sums with overlaps.
    static func partials(vertexCount: Int) -> (pushed: [WeightedVertex], sums: [[Double]]) {
        var rng = WalkSeed(rawState: 7)
        var sums = [[Double]](repeating: [Double](repeating: 0, count: vertexCount), count: 2)
        for s in 0..<2 {
            for x in 0..<vertexCount where rng.next() % 3 != 0 {
                sums[s][x] = Double(rng.next() % 1_000_000 + 1) * 1e-9
            }
        }
        let pushed = stride(from: 3, to: vertexCount, by: 17).map {
            WeightedVertex(vertex: VertexIndex($0), weight: Double(rng.next() % 1000 + 1) * 1e-6)
        }
        return (pushed, sums)
    }

    /// The coordinator's merge of dense partial sums equals its merge of the same sums in sparse form: same
    /// ids, same scores (==), same order and the same error estimate, with exclusions and k up to and beyond
    /// the number of non-zero entries.
    @Test func mergeOfDenseSumsEqualsMergeOfSparseSums() throws {
        let graph = try workerTestGraph(vertexCount: 400, seed: 3)
        let scratch = QueryScratch(graph: graph)
        let (pushed, sums) = Self.partials(vertexCount: graph.vertexCount)
        let dense = sums.map { PartialSum(dense: $0) }
        let sparse = sums.map { sum in
            let nonZero = sum.indices.filter { sum[$0] != 0 }
            return PartialSum(vertices: nonZero.map { VertexIndex($0) }, scores: nonZero.map { sum[$0] })
        }
        let listed = (0..<graph.vertexCount).filter { x in
            sums[0][x] != 0 || sums[1][x] != 0 || pushed.contains { $0.vertex == VertexIndex(x) }
        }
        let nonZero = listed.count
        var statistics = Expansion.Statistics()
        statistics.sampledFrontierFlow = 0.4
        statistics.frontierSecondMoment = 0.01
        let excluded = ExcludedSet([3, 20, 41, 399])
        let excludedNonZero = listed.filter { excluded.contains(VertexIndex($0)) }.count
        #expect(excludedNonZero >= 1)
        for k in [1, 10, nonZero - 3, nonZero, nonZero + 5] {
            for mixed in [false, true] {
                let denseForm = mixed ? [dense[0], sparse[1]] : dense
                let a = try scratch.merge(
                    pushed: pushed, partials: [(ShardID(0), sparse[0]), (ShardID(1), sparse[1])], topK: k,
                    excluded: excluded, statistics: statistics, walk: workerWalk)
                let b = try scratch.merge(
                    pushed: pushed, partials: [(ShardID(0), denseForm[0]), (ShardID(1), denseForm[1])], topK: k,
                    excluded: excluded, statistics: statistics, walk: workerWalk)
                #expect(a.top.count == min(k, nonZero - excludedNonZero))
                #expect(a.top.map(\.vertex) == b.top.map(\.vertex))
                #expect(a.top.map(\.score) == b.top.map(\.score))
                #expect(a.errorEstimate > 0)
                #expect(a.errorEstimate == b.errorEstimate)
                #expect(!a.top.contains { excluded.contains($0.vertex) })
            }
        }
    }

    /// Dense replies come from another process: a wrong length, a NaN, an infinity or a negative sum is an
    /// INTERNAL error naming the shard, never a trap, and the scratch is clean for the next query.
    @Test func badDenseRepliesAreErrors() throws {
        let graph = try workerTestGraph(vertexCount: 100, seed: 4)
        let scratch = QueryScratch(graph: graph)
        let (pushed, sums) = Self.partials(vertexCount: graph.vertexCount)
        var bad: [[Double]] = [Array(sums[0].prefix(99)), sums[0] + [1e-3]]
        for value in [Double.nan, .infinity, -1e-3] {
            var vector = sums[0]
            vector[57] = value
            bad.append(vector)
        }
        let statistics = Expansion.Statistics()
        for vector in bad {
            for asFloats in [false, true] {
                #expect(throws: WireError.self) {
                    try scratch.merge(
                        pushed: pushed,
                        partials: [
                            (ShardID(0), PartialSum(dense: sums[1])),
                            (ShardID(1), PartialSum(dense: vector, asFloats: asFloats)),
                        ],
                        topK: 10, excluded: .empty, statistics: statistics, walk: workerWalk)
                }
            }
        }
        let clean = try scratch.merge(
            pushed: [], partials: [(ShardID(0), PartialSum(dense: sums[1]))], topK: 5, excluded: .empty,
            statistics: statistics, walk: workerWalk)
        let best = sums[1].indices.max { (sums[1][$0], -$0) < (sums[1][$1], -$1) }
        #expect(clean.top.first?.vertex == best.map { VertexIndex($0) })
    }
}
