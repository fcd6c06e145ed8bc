// `pwctl query --batch FILE --output FILE`: a batch run from the client's host against a 2-shard cluster of
// processes. The sources file is local (outside the coordinator's job directory, CRLF line endings); the
// JSON lines written locally are checked against exact PPR (`pwctl exact`, power iteration) and against
// the same queries asked one at a time.
import Foundation
import Testing

extension EndToEnd {
    @Suite("client-side batch")
    struct ClientBatchTests {
        @Test("query --batch writes one line per query with the exact top 10 and an error estimate")
        func clientBatchMatchesExactPPR() async throws {
            try await ClusterProcess.with(shards: 2) { cluster in
                _ = try await cluster.indexJob()
                let input = cluster.scratch.path("local-sources.txt")
                let output = cluster.scratch.path("local-answers.jsonl")
                let sources = ["0", "3", "160", "1:2 5:1", "42", "7"]
                try ("# client-side sources\r\n" + sources.joined(separator: "\r\n") + "\r\n")
                    .write(toFile: input, atomically: true, encoding: .utf8)
                let run = try await cluster.pwctl(["query", "--batch", input, "--output", output, "--top", "10"])
                #expect(run.succeeded, "\(run)")
                let text = try String(contentsOfFile: output, encoding: .utf8)
                let lines = try text.split(separator: "\n").map {
                    try JSONDecoder().decode(BatchLineJSON.self, from: Data($0.utf8))
                }
                #expect(lines.map(\.line) == Array(2...7))
                var hits = 0
                for (arguments, line) in zip(sources, lines) {
                    let results = try #require(line.results, "line \(line.line): \(String(describing: line.error))")
                    #expect(results.count == 10)
                    #expect((line.error_estimate ?? 0) > 0, "line \(line.line) has no error_estimate")
                    let sourceArguments = arguments.split(separator: " ").flatMap { ["--source", String($0)] }
                    let exact = try Pwctl.decode(
                        QueryJSON.self,
                        from: try await Pwctl.output(
                            ["exact", "--graph", cluster.graphPath, "--top", "10", "--json"] + sourceArguments))
                    let truth = Set(exact.results.map(\.vertex))
                    hits += results.filter { truth.contains($0.vertex) }.count
                    // The same query asked alone: the batch keeps the single query's top list (pruning moves
                    // at most near-ties at the end of the list); both apply the preset's PPR-equation steps.
                    let single = try await cluster.query(sourceArguments)
                    let shared = Set(results.map(\.vertex)).intersection(single.results.map(\.vertex))
                    #expect(shared.count >= 9, "line \(line.line): \(results) vs \(single.results)")
                    #expect(abs(results[0].score - single.results[0].score) <= 1e-3 * single.results[0].score)
                }
                // R = 8 walks (Pwctl.walkArguments): precision@10 against exact PPR well above chance.
                #expect(Double(hits) / 60 >= 0.8, "precision@10 \(Double(hits) / 60)")
            }
        }
    }
}
