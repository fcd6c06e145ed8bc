// `pwctl ingest` as a user runs it: a good edge list becomes a graph file; a malformed one fails with
// a message naming the file and the line, and leaves no output file behind.
import Foundation
import Testing

extension EndToEnd {
    @Suite("pwctl ingest")
    struct IngestTests {
        @Test("an edge list becomes a graph file with the fixture's counts")
        func ingestsTheFixture() async throws {
            let scratch = try ScratchDirectory("ingest")
            defer { scratch.remove() }
            let graph = scratch.path("graph.pwg")
            let output = try await Pwctl.output(["ingest", try Binaries.emailEuCore.path, "--out", graph, "--json"])
            struct Report: Decodable {
                var vertices: Int
                var edges: Int
                var output: String
                var selfLoops: Int
                /// The deprecated camelCase alias, printed for one release.
                var selfLoopsAlias: Int

                enum CodingKeys: String, CodingKey {
                    case vertices, edges, output, selfLoops = "self_loops", selfLoopsAlias = "selfLoops"
                }
            }
            let report = try Pwctl.decode(Report.self, from: output)
            #expect(report.vertices == 1005)
            #expect(report.edges == 25571)
            #expect(report.selfLoops == 642 && report.selfLoopsAlias == 642)
            #expect(report.output == graph)
            let size = try FileManager.default.attributesOfItem(atPath: graph)[.size] as? Int
            #expect((size ?? 0) > 0)
        }

        @Test("a malformed line fails naming the file and line, and writes nothing")
        func malformedLineFails() async throws {
            let scratch = try ScratchDirectory("ingest-bad")
            defer { scratch.remove() }
            let edges = scratch.path("edges.txt")
            try "# comment\n0 1\n1 2\n2 three\n3 0\n".write(toFile: edges, atomically: true, encoding: .utf8)
            let graph = scratch.path("graph.pwg")
            let result = try await Pwctl.run(["ingest", edges, "--out", graph])
            #expect(!result.succeeded && !result.signalled, "\(result)")
            #expect(result.stderr.contains("\(edges):4"), "\(result)")
            #expect(result.stdout.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: graph))
            let left = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)
            #expect(left == ["edges.txt"], "temporary files left behind: \(left)")
        }
    }
}
