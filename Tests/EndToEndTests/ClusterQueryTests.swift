// A 2-shard cluster of processes indexes the graph through a job and answers queries over the wire.
// The oracle is pwctl's in-process engine on a local store built with the same walk parameters and
// seed: the index is the same whatever the shard layout (DESIGN §2), so the answers must agree to
// rounding (1e-12), with ties allowed to order or cut off differently.
import Foundation
import Testing

extension EndToEnd {
    @Suite("cluster queries")
    struct ClusterQueryTests {
        @Test("wire answers equal the in-process engine's; one JSON object; unknown source is exit 3")
        func wireAnswersEqualLocalAnswers() async throws {
            try await ClusterProcess.with(shards: 2) { cluster in
                let indexed = try await cluster.indexJob()
                #expect(indexed.state == "succeeded", "\(indexed)")
                #expect(indexed.result?.index_version != nil)

                let store = cluster.scratch.path("local-store")
                _ = try await Pwctl.output(
                    ["index", "--graph", cluster.graphPath, "--store", store, "--threads", "1"] + Pwctl.walkArguments)
                let local = ["--graph", cluster.graphPath, "--store", store]

                let single = ["--source", "0"]
                let singleWire = try await cluster.query(single)
                #expect(singleWire.results.count == 10)
                expectSameAnswer(singleWire.results, try await Pwctl.query(single + local).results)

                let weighted = ["--source", "1:2", "--source", "5:1", "--source", "160:0.5"]
                let weightedWire = try await cluster.query(weighted)
                #expect(weightedWire.results.count == 10)
                expectSameAnswer(weightedWire.results, try await Pwctl.query(weighted + local).results)

                // Exclude the two best vertices of the weighted answer, the sources and their out-neighbours.
                let best = weightedWire.results.prefix(2).map { String($0.vertex) }
                let excluding = weighted + ["--exclude"] + best + ["--exclude-sources", "--exclude-out-neighbors"]
                let excludedWire = try await cluster.query(excluding)
                #expect(excludedWire.results.count == 10)
                let left = Set(excludedWire.results.map { String($0.vertex) })
                #expect(left.isDisjoint(with: best + ["1", "5", "160"]), "\(excludedWire.results)")
                expectSameAnswer(excludedWire.results, try await Pwctl.query(excluding + local).results)

                // Checks that need an indexed cluster but no oracle share this one (a cluster costs ~2 s).
                try await checkOneJSONObject(cluster)
                try await checkUnknownSource(cluster)
            }
        }

        /// The raw output of `--json`: one line holding one object with the documented keys.
        private func checkOneJSONObject(_ cluster: ClusterProcess) async throws {
            let output = try await cluster.pwctlOutput(["query", "--source", "3", "--top", "5", "--json"])
            #expect(output.split(separator: "\n").count == 1)
            let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
            let results = try #require(object?["results"] as? [[String: Any]])
            #expect(results.count == 5)
            #expect(object?["index_version"] != nil)
        }

        /// An unknown source: NOT_FOUND naming it, exit code 3, nothing on stdout.
        private func checkUnknownSource(_ cluster: ClusterProcess) async throws {
            let result = try await cluster.pwctl(["query", "--source", "4242424242", "--json"])
            #expect(result.status == 3 && !result.signalled, "\(result)")
            #expect(result.stderr.contains("NOT_FOUND"), "\(result)")
            #expect(result.stderr.contains("4242424242"), "\(result)")
            #expect(result.stdout.isEmpty)
        }
    }
}

extension ClusterProcess {
    /// Submits an index job with the tests' walk parameters and follows it (`pwctl index --wait --json`).
    func indexJob() async throws -> JobJSON {
        let output = try await pwctlOutput(["index", "--wait", "--json"] + Pwctl.walkArguments)
        return try Pwctl.decode(JobJSON.self, from: output)
    }

    /// `pwctl query --top 10 --json ARGUMENTS` against the coordinator.
    func query(_ arguments: [String]) async throws -> QueryJSON {
        try Pwctl.decode(QueryJSON.self, from: try await pwctlOutput(["query", "--top", "10", "--json"] + arguments))
    }
}

extension Pwctl {
    /// `pwctl query --top 10 --json ARGUMENTS` in process (ARGUMENTS name --graph and --store).
    static func query(_ arguments: [String]) async throws -> QueryJSON {
        try decode(QueryJSON.self, from: try await output(["query", "--top", "10", "--json"] + arguments))
    }
}
