import PPRCore
import Testing

@Suite struct PersonalizationTests {
    @Test func normalisesAndMergesDuplicates() throws {
        let p = try Personalization([(5, 2), (3, 1), (3, 1)])
        #expect(p.entries == [WeightedVertex(vertex: 3, weight: 0.5), WeightedVertex(vertex: 5, weight: 0.5)])
        #expect(p.sources == [3, 5])
    }

    @Test func singleSourceHasWeightOne() {
        #expect(Personalization(source: 7).entries == [WeightedVertex(vertex: 7, weight: 1)])
    }

    @Test func rejectsEmpty() {
        #expect(throws: PersonalizationError.empty) { try Personalization([]) }
    }

    @Test(arguments: [0.0, -1.0])
    func rejectsNonPositiveWeight(weight: Double) {
        #expect(throws: PersonalizationError.nonPositiveWeight(vertex: 4, weight: weight)) {
            try Personalization([(1, 1), (4, weight)])
        }
        #expect("\(PersonalizationError.nonPositiveWeight(vertex: 4, weight: weight))".contains("vertex index 4"))
    }

    @Test func rejectsNonFiniteWeight() {
        #expect(throws: PersonalizationError.nonFiniteWeight(vertex: 2, weight: .infinity)) {
            try Personalization([(2, .infinity)])
        }
        #expect(throws: PersonalizationError.self) { try Personalization([(2, .nan)]) }
    }

    @Test func rejectsOverflowingSum() {
        #expect(throws: PersonalizationError.weightSumNotFinite) {
            try Personalization([(1, .greatestFiniteMagnitude), (2, .greatestFiniteMagnitude)])
        }
    }

    @Test func validatesAgainstVertexCount() throws {
        let p = try Personalization([(1, 1), (10, 1)])
        #expect(throws: PersonalizationError.vertexOutOfRange(vertex: 10, vertexCount: 10)) {
            try p.validate(vertexCount: 10)
        }
        try p.validate(vertexCount: 11)
    }
}
