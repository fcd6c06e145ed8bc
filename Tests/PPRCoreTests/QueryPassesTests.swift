// The fused O(n) passes of DecompositionQuery after the combine: each gives bit for bit the numbers of
// the separate steps it replaces (ErrorEstimate.spread, Expansion.addPushed, the sum, normalisation,
// TopK.select and clearing).
import Testing

@testable import PPRCore

@Suite struct QueryPassesTests {
    /// A sparse-ish vector of seeded values (zeros included) and pushed entries on some of its slots.
    static func sample(seed: UInt64) -> (vector: [Double], pushed: [WeightedVertex]) {
        var rng = WalkSeed(rawState: seed)
        let vector = (0..<5_000).map { _ in rng.next() % 3 == 0 ? 0 : Double(rng.next() % 1_000_003) / 7_919_993 }
        var pushed: [WeightedVertex] = []
        for v in stride(from: 0, to: 5_000, by: 7) where rng.next() % 2 == 0 {
            pushed.append(WeightedVertex(vertex: VertexIndex(v), weight: Double(rng.next() % 997) / 1_009))
            if rng.next() % 5 == 0 {  // a vertex listed twice: its adds keep their order
                pushed.append(WeightedVertex(vertex: VertexIndex(v), weight: Double(rng.next() % 991) / 1_013))
            }
        }
        pushed.append(WeightedVertex(vertex: 4_999, weight: 0.5))
        return (vector, pushed)
    }

    /// The three steps apart, as the query ran them before they were fused.
    static func reference(_ vector: [Double], _ pushed: [WeightedVertex]) -> ([Double], spread: Double, total: Double) {
        var result = vector
        let spread = ErrorEstimate.spread(result)
        Expansion(pushed: pushed, frontier: [], statistics: Expansion.Statistics()).addPushed(into: &result)
        var total = 0.0
        for value in result { total += value }
        return (result, spread, total)
    }

    @Test(arguments: [false, true])
    func addPushedGivesTheSeparateStepsNumbersBitForBit(shuffled: Bool) {
        for seed in UInt64(1)...4 {
            var (vector, pushed) = Self.sample(seed: seed)
            if shuffled { pushed.reverse() }  // not ascending: the three-step path
            let (expected, spread, total) = Self.reference(vector, pushed)
            let fused = DecompositionQuery.addPushed(pushed, into: &vector)
            #expect(vector == expected)
            #expect(fused.spread.bitPattern == spread.bitPattern && fused.total.bitPattern == total.bitPattern)
            #expect(spread > 1 && total > 1)
        }
    }

    @Test func selectClearingSeesTheNormalisedScoresAndZeroesTheVector() {
        let (vector, _) = Self.sample(seed: 9)
        let total = vector.reduce(0, +)
        var normalised = vector
        DecompositionQuery.scale(&normalised, by: total)
        for k in [0, 1, 10, 100, 10_000] {
            var scratch = vector
            let top = TopK.select(clearing: &scratch, scale: 1 / total, k: k, excluding: .empty)
            #expect(top == TopK.select(normalised, k: k))
            #expect(scratch.allSatisfy { $0 == 0 })
        }
        #expect(TopK.select(normalised, k: 10).count == 10)
    }
}
