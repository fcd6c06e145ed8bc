// The coordinator keeps its jobs and its active index version in its own LMDB: after SIGTERM and a
// restart on the same data dir, `pwctl jobs list` prints the same records, and queries are answered
// from the same index without re-indexing. The jobs recorded before the restart are one of each kind,
// plus a batch job that fails on a malformed input line (checked here too: exit 5, no output file).
import Foundation
import Testing

extension EndToEnd {
    @Suite("coordinator restart")
    struct CoordinatorRestartTests {
        @Test("job records and the active index survive a coordinator restart")
        func recordsAndIndexSurviveRestart() async throws {
            try await ClusterProcess.with(shards: 2) { cluster in
                let indexed = try await cluster.indexJob()
                #expect(indexed.state == "succeeded")
                let input = cluster.jobFile("sources.txt")
                try "0\n7 9\n".write(toFile: input, atomically: true, encoding: .utf8)
                _ = try await cluster.pwctlOutput(
                    ["batch", "--input", "sources.txt", "--output", "answers.jsonl", "--wait"])
                _ = try await cluster.pwctlOutput(["evaluate", "--samples", "3", "--wait"])
                // A batch job whose input has a malformed line fails as a whole (exit 5), writing nothing.
                let bad = cluster.jobFile("bad.txt")
                let badOutput = cluster.jobFile("bad.jsonl")
                try "0\n1:x\n".write(toFile: bad, atomically: true, encoding: .utf8)
                let failed = try await cluster.pwctl(
                    ["batch", "--input", "bad.txt", "--output", "bad.jsonl", "--wait", "--json"])
                #expect(failed.status == 5 && !failed.signalled, "\(failed)")
                let failedJob = try Pwctl.decode(JobJSON.self, from: failed.stdout)
                #expect(failedJob.state == "failed")
                #expect(failedJob.error?.code == "INVALID_ARGUMENT")
                #expect(failedJob.error?.message.contains("\(bad) line 2") == true, "\(failedJob)")
                #expect(!FileManager.default.fileExists(atPath: badOutput))

                let jobsBefore = try await cluster.pwctlOutput(["jobs", "list", "--json"])
                let listed = try Pwctl.decode(JobListJSON.self, from: jobsBefore)
                #expect(listed.jobs.map(\.type) == ["batch-query", "evaluate", "batch-query", "index"])
                #expect(listed.jobs.map(\.state) == ["failed", "succeeded", "succeeded", "succeeded"])
                let answerBefore = try await cluster.query(["--source", "0"])
                let statusBefore = try Pwctl.decode(StatusJSON.self, from: try await cluster.waitUntilAnswering())

                let stopped = try await cluster.stopCoordinator()
                #expect(stopped.succeeded, "coordinator did not exit 0 on SIGTERM: \(stopped)")
                try await cluster.startCoordinator()

                let jobsAfter = try await cluster.pwctlOutput(["jobs", "list", "--json"])
                #expect(jobsAfter == jobsBefore)
                let statusAfter = try Pwctl.decode(StatusJSON.self, from: try await cluster.waitUntilAnswering())
                #expect(statusAfter.active_index_version == statusBefore.active_index_version)
                #expect(statusAfter.active_index_version == indexed.result?.index_version)
                let answerAfter = try await cluster.query(["--source", "0"])
                #expect(answerAfter.results == answerBefore.results)
                #expect(answerAfter.index_version == answerBefore.index_version)
            }
        }
    }
}

/// `pwctl status --json` (the fields the tests check).
struct StatusJSON: Decodable {
    struct Shard: Decodable {
        var shard: Int
        var state: String
        var detail: String?
    }

    var active_index_version: UInt64
    var shards: [Shard]
}
