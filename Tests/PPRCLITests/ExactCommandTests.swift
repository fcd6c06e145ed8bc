import Foundation
import PPRCore
import PPRWire
import Testing

@testable import PPRCLI

@Suite struct ExactCommandTests {
    @Test func printsPowerIterationsTopKWithExternalIDs() async throws {
        try await LocalFixture.with(indexed: false) { fixture in
            let (a, b) = (fixture.id(6), fixture.id(20))
            let command: ExactCommand = try parse(
                [
                    "exact", "--graph", fixture.graphPath, "--source", "\(a)", "--source", "\(b):0.5", "--top", "15",
                    "--json",
                ])
            let line = try command.exactOutput().json()
            let output = try JSONDecoder().decode(QueryOutput.self, from: Data(line.utf8))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["fingerprints_used"] == nil && object["iterations"] != nil && object["elapsed_ms"] != nil)
            #expect(output.converged == true && (output.iterations ?? 0) > 10)

            let exact = try fixture.exact([(a, 1), (b, 0.5)])
            let expected = TopK.select(exact, k: 15).map {
                QueryOutput.Entry(vertex: fixture.graph.id(of: $0.vertex).rawValue, score: $0.score)
            }
            #expect(output.results == expected)  // JSON round-trips doubles exactly
        }
    }

    @Test func alphaAndExclusionsApply() async throws {
        try await LocalFixture.with(indexed: false) { fixture in
            let source = fixture.id(8)
            let command: ExactCommand = try parse(
                ["exact", "--graph", fixture.graphPath, "--source", "\(source)", "--alpha", "0.3", "--exclude-sources"])
            let output = try command.exactOutput()
            let exact = try fixture.exact([(source, 1)], alpha: 0.3)
            let expected = fixture.topIDs(exact, k: 11).filter { $0 != source }.prefix(10)
            #expect(output.results.map(\.vertex) == Array(expected))
            let unknown: ExactCommand = try parse(["exact", "--graph", fixture.graphPath, "--source", "3"])
            // The query path's message for an unknown vertex (issue 9: one message in every mode).
            let error = #expect(throws: (any Error).self) { try unknown.exactOutput() }
            let failure = try #require(error.map(ClientFailure.from))
            #expect(failure.code == .notFound && failure.message == "source vertex 3 is not in the graph")
        }
    }

    @Test func aMissingGraphFileIsNamed() throws {
        let command: ExactCommand = try parse(["exact", "--graph", "/nonexistent/g.pwg", "--source", "1"])
        let failure = ClientFailure.from(try #require(throws: (any Error).self) { try command.exactOutput() })
        #expect(failure.message.contains("/nonexistent/g.pwg"))
    }
}
