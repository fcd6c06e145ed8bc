import PPRCore
import Testing

@Suite struct TopKTests {
    let scores: [Double] = [0.1, 0.3, 0.3, 0, 0.3, 0.2, 0]

    @Test func ordersByScoreThenVertex() {
        #expect(TopK.select(scores, k: 3).map(\.vertex) == [1, 2, 4])
        #expect(TopK.select(scores, k: 4).map(\.vertex) == [1, 2, 4, 5])
        #expect(TopK.select(scores, k: 4).map(\.score) == [0.3, 0.3, 0.3, 0.2])
    }

    @Test func neverListsZeroScores() {
        #expect(TopK.select(scores, k: 100).map(\.vertex) == [1, 2, 4, 5, 0])
        #expect(TopK.select([0, 0], k: 2).isEmpty)
        #expect(TopK.select(scores, k: 0).isEmpty)
    }

    @Test func tiesAtTheCutKeepTheLowerVertex() {
        let flat = [Double](repeating: 0.25, count: 40)
        #expect(TopK.select(flat, k: 5).map(\.vertex) == [0, 1, 2, 3, 4])
        #expect(TopK.select(flat.reversed(), k: 5).map(\.vertex) == [0, 1, 2, 3, 4])
    }

    @Test func exclusionRemovesWithoutRenormalising() {
        let top = TopK.select(scores, k: 3, excluding: ExcludedSet([2, 2, 6]))
        #expect(
            top == [
                ScoredVertex(vertex: 1, score: 0.3), ScoredVertex(vertex: 4, score: 0.3),
                ScoredVertex(vertex: 5, score: 0.2),
            ])
    }

    @Test func sparseSelectionMatchesDense() {
        let sparse = [4, 0, 5, 2, 1].map { WeightedVertex(vertex: VertexIndex($0), weight: scores[$0]) }
        for k in 1...6 {
            #expect(
                TopK.select(sparse, k: k, excluding: ExcludedSet([4]))
                    == TopK.select(scores, k: k, excluding: ExcludedSet([4])))
        }
    }

    @Test func matchesAFullSortOnRandomScores() {
        var rng = WalkSeed(rawState: 9)
        // Few distinct values, so ties are common.
        let random = (0..<1000).map { _ in Double(rng.next() % 50) / 50 }
        let expected = random.indices.filter { random[$0] > 0 }
            .sorted { random[$0] > random[$1] || (random[$0] == random[$1] && $0 < $1) }
        #expect(TopK.select(random, k: 37).map { Int($0.vertex) } == Array(expected.prefix(37)))
    }

    @Test func precisionCountsOverlapOfTopSets() {
        let exact: [Double] = [0.4, 0.3, 0.2, 0.1]
        #expect(AccuracyMetrics.precision(atK: 2, approximate: [0.1, 0.3, 0.4, 0.2], exact: exact) == 0.5)
        #expect(AccuracyMetrics.precision(atK: 2, approximate: exact, exact: exact) == 1)
        #expect(AccuracyMetrics.l1Distance([0.5, 0.5], [0.25, 0.75]) == 0.5)
    }
}
