import ArgumentParser
import Foundation
import PPRCore
import PPRWire
import Testing

@testable import PPRCLI

@Suite struct LocalQueryTests {
    /// Runs `pwctl query` in local mode and parses its `--json` line back.
    private func queryJSON(_ fixture: LocalFixture, _ arguments: [String]) throws -> (QueryOutput, [String: Any]) {
        let command: QueryCommand = try parse(
            ["query", "--graph", fixture.graphPath, "--store", fixture.storePath, "--json"] + arguments)
        let line = try command.localOutput().json()
        #expect(!line.contains("\n"), "one JSON object on one line")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        return (try JSONDecoder().decode(QueryOutput.self, from: Data(line.utf8)), object)
    }

    @Test func answersMatchPowerIteration() async throws {
        try await LocalFixture.with { fixture in
            let source = fixture.id(5)
            let (output, object) = try queryJSON(fixture, ["--source", "\(source)", "--top", "10"])
            for key in [
                "results", "fingerprints_used", "flow_pushed", "vertices_expanded", "levels", "elapsed_ms",
                "index_version",
            ] {
                #expect(object[key] != nil, "missing \(key)")
            }
            #expect(output.results.count == 10)
            #expect(output.indexVersion == 1 && (output.levels ?? 0) >= 1 && (output.fingerprintsUsed ?? 0) >= 1)
            let exact = try fixture.exact([(source, 1)])
            let truth = Set(fixture.topIDs(exact, k: 10))
            let found = output.results.map(\.vertex)
            let precision = Double(found.filter(truth.contains).count) / 10
            #expect(precision >= 0.9, "precision@10 \(precision)")
            for entry in output.results {
                let v = try #require(fixture.graph.index(of: VertexID(entry.vertex)), "external id \(entry.vertex)")
                #expect(abs(entry.score - exact[Int(v)]) < 0.01, "vertex \(entry.vertex)")
            }
        }
    }

    /// Each preset answers close to exact PPR with an error estimate; an explicit --eps overrides the preset's.
    @Test func accuracyPresetsAnswerWithAnErrorEstimate() async throws {
        try await LocalFixture.with { fixture in
            let source = fixture.id(5)
            let exact = try fixture.exact([(source, 1)])
            let truth = Set(fixture.topIDs(exact, k: 10))
            for preset in ["fast", "default", "high"] {
                let (output, object) = try queryJSON(fixture, ["--source", "\(source)", "--accuracy", preset])
                let estimate = try #require(object["error_estimate"] as? Double, "\(preset): error_estimate")
                #expect(estimate > 0 && estimate < 1, "\(preset): error_estimate \(estimate)")
                let found = output.results.map(\.vertex).filter(truth.contains).count
                #expect(found >= 8, "\(preset): precision@10 \(Double(found) / 10)")
            }
            let (coarse, _) = try queryJSON(fixture, ["--source", "\(source)", "--accuracy", "high", "--eps", "0.5"])
            let (fine, _) = try queryJSON(fixture, ["--source", "\(source)", "--accuracy", "high"])
            #expect((coarse.verticesExpanded ?? 0) < (fine.verticesExpanded ?? 0))
            #expect(parseFailure(["query", "--source", "1", "--accuracy", "medium"]).contains("--accuracy"))
        }
    }

    @Test func theWholeVectorSumsToOne() async throws {
        try await LocalFixture.with { fixture in
            let (output, _) = try queryJSON(fixture, ["--source", "\(fixture.id(9))", "--top", "1000"])
            let total = output.results.reduce(0) { $0 + $1.score }
            #expect(abs(total - 1) < 1e-9)
            #expect(output.results.count <= LocalFixture.vertexCount)
        }
    }

    @Test func weightedSourcesAndExclusionsFollowTheExactAnswer() async throws {
        try await LocalFixture.with { fixture in
            let (a, b) = (fixture.id(3), fixture.id(11))
            let exact = try fixture.exact([(a, 1), (b, 3)])
            let excludedByID = fixture.topIDs(exact, k: 1)[0]
            let arguments = [
                "--source", "\(a)", "--source", "\(b):3", "--exclude-sources", "--exclude", "\(excludedByID)",
            ]
            let (output, _) = try queryJSON(fixture, arguments)
            let listed = Set(output.results.map(\.vertex))
            #expect(!listed.contains(a) && !listed.contains(b) && !listed.contains(excludedByID))
            let excluded: Set<UInt64> = [a, b, excludedByID]
            let truth = Set(fixture.topIDs(exact, k: 40).filter { !excluded.contains($0) }.prefix(10))
            #expect(Double(listed.intersection(truth).count) / 10 >= 0.9)
        }
    }

    @Test func outNeighboursCanBeLeftOut() async throws {
        try await LocalFixture.with { fixture in
            let source = VertexIndex(7)
            let neighbors = Set(
                fixture.graph.targets[fixture.graph.neighborRange(source)].map {
                    fixture.graph.id(of: $0).rawValue
                })
            let (output, _) = try queryJSON(
                fixture, ["--source", "\(fixture.id(7))", "--exclude-out-neighbors", "--top", "100"])
            #expect(!neighbors.isEmpty)
            #expect(output.results.allSatisfy { !neighbors.contains($0.vertex) })
        }
    }

    @Test func anUnknownVertexIsNotFoundNamingIt() async throws {
        try await LocalFixture.with { fixture in
            let command: QueryCommand = try parse(
                ["query", "--graph", fixture.graphPath, "--store", fixture.storePath, "--source", "12345"])
            let thrown = #expect(throws: (any Error).self) { try command.localOutput() }
            let error = thrown.map(ClientFailure.from)
            #expect(error?.code == .notFound)
            #expect(error?.message == "source vertex 12345 is not in the graph")
            #expect(error?.exitCode.rawValue == 3)
        }
    }

    @Test func anotherAlphaThanTheIndexIsRefused() async throws {
        try await LocalFixture.with { fixture in
            let command: QueryCommand = try parse([
                "query", "--graph", fixture.graphPath, "--store", fixture.storePath, "--source", "\(fixture.id(1))",
                "--alpha", "0.2",
            ])
            let failure = ClientFailure.from(try #require(throws: (any Error).self) { try command.localOutput() })
            // INVALID_ARGUMENT with the coordinator's message (issue 9; was FAILED_PRECONDITION in process).
            #expect(failure.code == .invalidArgument && failure.exitCode.rawValue == 2, "\(failure)")
            #expect(failure.message.contains("alpha: 0.2 differs from the active index's alpha 0.15"), "\(failure)")
            let same: QueryCommand = try parse([
                "query", "--graph", fixture.graphPath, "--store", fixture.storePath, "--source", "\(fixture.id(1))",
                "--alpha", "0.15",
            ])
            #expect(try same.localOutput().results.count == 10)
        }
    }

    @Test func aMissingStoreOrIndexIsAnErrorAndCreatesNothing() async throws {
        try await LocalFixture.with(indexed: false) { fixture in
            let missing: QueryCommand = try parse(
                ["query", "--graph", fixture.graphPath, "--store", fixture.storePath, "--source", "\(fixture.id(1))"])
            let error = #expect(throws: ClientFailure.self) { try missing.localOutput() }
            #expect(error?.code == .notFound && error?.message.contains(fixture.storePath) == true)
            #expect(!FileManager.default.fileExists(atPath: fixture.storePath))
            try FileManager.default.createDirectory(atPath: fixture.storePath, withIntermediateDirectories: true)
            let failure = ClientFailure.from(try #require(throws: (any Error).self) { try missing.localOutput() })
            #expect(failure.message.contains("no complete index"), "\(failure)")
        }
    }

    @Test func textOutputIsARankedTableThenLabels() async throws {
        try await LocalFixture.with { fixture in
            let command: QueryCommand = try parse([
                "query", "--graph", fixture.graphPath, "--store", fixture.storePath, "--source", "\(fixture.id(4))",
                "--top", "3",
            ])
            let output = try command.localOutput()
            let lines = output.text().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines[0].hasPrefix("Rank") && lines[0].contains("Vertex") && lines[0].hasSuffix("Score"))
            #expect(lines[1].split(separator: " ").first == "1")
            #expect(lines[1].split(separator: " ")[1] == Substring("\(output.results[0].vertex)"))
            #expect(lines[4] == "")
            #expect(lines.contains { $0.hasPrefix("Fingerprints used:") })
            #expect(lines.contains { $0.hasPrefix("Index version:") && $0.hasSuffix(" 1") })
        }
    }
}
