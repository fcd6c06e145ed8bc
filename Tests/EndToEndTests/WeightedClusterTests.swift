// A weighted graph served by a cluster of processes: nothing changes for the user but the answers, which
// follow the weights. The weighted email-Eu-core fixture (networkx-checked in PPRCoreTests) is ingested
// with --weights, indexed by a 2-shard cluster and queried; each top 10 is checked against `pwctl exact`
// on the weighted graph (power iteration with w(v,u)/Σw(v,·)), and must agree with it better than with the
// unweighted graph's exact top 10.
import Foundation
import Testing

extension EndToEnd {
    @Suite("weighted cluster")
    struct WeightedClusterTests {
        static var weightedEdges: String {
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("PPRCoreTests/Fixtures/email-Eu-core-weighted.txt").path
        }

        @Test("a 2-shard cluster over a weighted graph answers with the weighted exact top 10")
        func weightedClusterMatchesWeightedExactPPR() async throws {
            let scratch = try ScratchDirectory("weighted-cluster")
            defer { scratch.remove() }
            let graph = scratch.path("weighted.pwg")
            let ingested = try await Pwctl.output(["ingest", Self.weightedEdges, "--out", graph, "--weights", "--json"])
            #expect(ingested.contains("\"weighted\":true"), "\(ingested)")
            let plain = scratch.path("plain.pwg")
            _ = try await Pwctl.output(["ingest", Self.weightedEdges, "--out", plain])
            let cluster = try ClusterProcess(scratch: scratch, graph: graph, shards: 2, combineMillis: 2_000)
            defer { cluster.killAll() }
            try await cluster.start()
            _ = try await cluster.indexJob()
            var hits = 0
            var unweightedHits = 0
            let sources = ["0", "42", "160", "7"]
            for source in sources {
                let answer = try await cluster.query(["--source", source])
                #expect(answer.results.count == 10)
                let exact = try Pwctl.decode(
                    QueryJSON.self,
                    from: try await Pwctl.output(
                        ["exact", "--graph", graph, "--top", "10", "--json", "--source", source]))
                let unweighted = try Pwctl.decode(
                    QueryJSON.self,
                    from: try await Pwctl.output(
                        ["exact", "--graph", plain, "--top", "10", "--json", "--source", source]))
                let truth = Set(exact.results.map(\.vertex))
                hits += answer.results.filter { truth.contains($0.vertex) }.count
                let unweightedTruth = Set(unweighted.results.map(\.vertex))
                unweightedHits += answer.results.filter { unweightedTruth.contains($0.vertex) }.count
            }
            // R = 8 walks (Pwctl.walkArguments): precision@10 against the weighted exact answer.
            #expect(Double(hits) / Double(10 * sources.count) >= 0.8, "precision@10 \(Double(hits) / 40)")
            // A cluster that ignored the weights would agree better with the unweighted answer.
            #expect(hits > unweightedHits, "weighted hits \(hits), unweighted hits \(unweightedHits)")
            try await cluster.stop()
        }
    }
}
