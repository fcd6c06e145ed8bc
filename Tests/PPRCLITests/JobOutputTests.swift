import Foundation
import PPRCore
import PPRWire
import Testing

@testable import PPRCLI

@Suite struct JobOutputTests {
    /// 2023-11-14T22:13:20.250Z.
    private let created: Int64 = 1_700_000_000_250_000

    private func object(_ output: JobOutput) throws -> [String: Any] {
        let line = try output.json()
        #expect(!line.contains("\n"))
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func aSucceededEvaluateJobShowsItsAccuracy() throws {
        let record = JobRecord(
            id: 12, spec: .evaluate(EvaluateJobParams(sampleCount: 50, seed: 7)), state: .succeeded, progressDone: 50,
            progressTotal: 50, createdUnixMicros: created, startedUnixMicros: created + 1_000_000,
            finishedUnixMicros: created + 61_500_000,
            result: JobResult(precisionAt10: 0.982, precisionAt100: 0.971, l1Error: 0.1, queriesAnswered: 50))
        let json = try object(JobOutput(record))
        #expect(json["id"] as? Int == 12 && json["type"] as? String == "evaluate")
        #expect(json["state"] as? String == "succeeded")
        #expect(json["progress"] as? [String: Int] == ["done": 50, "total": 50])
        #expect(json["created"] as? String == "2023-11-14T22:13:20.250Z")
        #expect(json["started"] as? String == "2023-11-14T22:13:21.250Z")
        #expect(json["finished"] as? String == "2023-11-14T22:14:21.750Z")
        #expect(json["error"] == nil)
        #expect(json["params"] as? [String: Int] == ["samples": 50, "seed": 7])
        let result = try #require(json["result"] as? [String: Any])
        #expect(result["precision_at_10"] as? Double == 0.982 && result["precision_at_100"] as? Double == 0.971)
        #expect(result["l1_error"] as? Double == 0.1 && result["queries_answered"] as? Int == 50)
        #expect(result["index_version"] == nil && result["output_path"] == nil)

        let text = JobOutput(record).text()
        #expect(text.contains("Job:           12\n"))
        #expect(text.contains("Precision@10:  0.9820\n") && text.contains("Precision@100: 0.9710\n"))
        #expect(text.hasSuffix("L1:            0.100000"))
    }

    @Test func anEvaluateJobShowsItsAlphaAndErrorEstimatesBesideTheMeasuredError() throws {
        let record = JobRecord(
            id: 13, spec: .evaluate(EvaluateJobParams(sampleCount: 20)), state: .succeeded, progressDone: 20,
            progressTotal: 20, createdUnixMicros: created,
            result: JobResult(
                precisionAt10: 0.99, l1Error: 0.04, queriesAnswered: 20, restartProbability: 0.3,
                meanErrorEstimate: 0.05, maxErrorEstimate: 0.125))
        let result = try #require(try object(JobOutput(record))["result"] as? [String: Any])
        #expect(result["alpha"] as? Double == 0.3 && result["l1_error"] as? Double == 0.04)
        #expect(result["mean_error_estimate"] as? Double == 0.05 && result["max_error_estimate"] as? Double == 0.125)
        let text = JobOutput(record).text()
        #expect(
            text.contains("Error estimate (mean): 0.050000\n") && text.contains("Error estimate (max):  0.125000\n"))
        #expect(text.hasSuffix("Alpha:                 0.3"))
    }

    @Test func aFailedIndexJobShowsItsErrorAndNoResult() throws {
        let record = JobRecord(
            id: 3, spec: .index(IndexJobParams(walksPerVertex: 32, threads: 2)), state: .failed, progressDone: 256,
            progressTotal: 1005, createdUnixMicros: created,
            error: WireError(.unavailable, "shard 1 (tcp://w1:7401) did not answer within 30 seconds"))
        let json = try object(JobOutput(record))
        #expect(json["type"] as? String == "index" && json["state"] as? String == "failed")
        #expect(json["started"] == nil && json["finished"] == nil && json["result"] == nil)
        #expect(json["params"] as? [String: Int] == ["walks": 32, "threads": 2])
        let error = try #require(json["error"] as? [String: String])
        #expect(
            error == ["code": "UNAVAILABLE", "message": "shard 1 (tcp://w1:7401) did not answer within 30 seconds"])
        let text = JobOutput(record).text()
        #expect(text.contains("Progress: 256/1005"))
        #expect(text.contains("Params:   walks=32 threads=2"))
        #expect(text.contains("Error:    UNAVAILABLE: shard 1 (tcp://w1:7401)"))
    }

    @Test func batchAndIndexResultsCarryTheirOwnFields() throws {
        let batch = JobRecord(
            id: 5, spec: .batchQuery(BatchQueryJobParams(inputPath: "/in", outputPath: "/out", topK: 20)),
            state: .succeeded, createdUnixMicros: created,
            result: JobResult(outputPath: "/out", queriesAnswered: 1000))
        let batchJSON = try object(JobOutput(batch))
        #expect(batchJSON["type"] as? String == "batch-query")
        let result = try #require(batchJSON["result"] as? [String: Any])
        #expect(result.count == 2 && result["output_path"] as? String == "/out")
        #expect(result["queries_answered"] as? Int == 1000)
        let params = try #require(batchJSON["params"] as? [String: Any])
        #expect(params["input"] as? String == "/in" && params["top_k"] as? Int == 20)
        #expect(params["exclude_sources"] as? Bool == false && params["eps"] == nil)

        let index = JobRecord(
            id: 6, spec: .index(IndexJobParams()), state: .succeeded, createdUnixMicros: created,
            result: JobResult(indexVersion: 4))
        #expect(try object(JobOutput(index))["result"] as? [String: Int] == ["index_version": 4])
        #expect(JobOutput(index).text().contains("Index version: 4"))
    }

    @Test func everyTypeAndStateHasItsContractName() {
        #expect(JobType.allCases.map(JobOutput.name) == ["index", "batch-query", "evaluate", "export"])
        #expect(JobState.allCases.map(JobOutput.name) == ["queued", "running", "succeeded", "failed", "cancelled"])
        #expect(JobState.allCases.filter(\.isFinal) == [.succeeded, .failed, .cancelled])
    }

    @Test func theListIsATableNewestFirstAsGiven() {
        let jobs = [
            JobRecord(
                id: 11, spec: .evaluate(EvaluateJobParams()), state: .running, progressDone: 3,
                progressTotal: 50, createdUnixMicros: created),
            JobRecord(
                id: 9, spec: .batchQuery(BatchQueryJobParams(inputPath: "/a", outputPath: "/b")),
                state: .queued, createdUnixMicros: created),
        ].map(JobOutput.init)
        let lines = JobOutput.table(jobs).split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "ID  TYPE         STATE    PROGRESS  CREATED",
                "11  evaluate     running  3/50      2023-11-14T22:13:20.250Z",
                "9   batch-query  queued   0/0       2023-11-14T22:13:20.250Z",
            ])
    }
}

@Suite struct StatusOutputTests {
    private let status = ClusterStatus(
        shards: [
            ShardStatus(
                shard: ShardID(0), workerURL: "tcp://w0:7401", state: .serving, activeVersion: 2,
                manifest: ManifestSummary(
                    graphChecksum: 0xABCD,
                    walk: WalkParameters(
                        restartProbability: 0.15, walksPerVertex: 16,
                        maxWalkLength: 100, seed: 1), encodingVersion: 1, fingerprintCount: 503, indexVersion: 2)),
            ShardStatus(shard: ShardID(1), workerURL: "tcp://w1:7401", state: .unreachable, detail: "no reply in 2 s"),
        ],
        coordinatorVersion: "0.1.0",
        graph: GraphSummary(
            path: "/g.pwg", vertexCount: 1005, edgeCount: 25571,
            checksum: 0xABCD), activeIndexVersion: 2)

    @Test func jsonNamesEveryShardAndTheManifest() throws {
        let line = try StatusOutput(status).json()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(json["active_index_version"] as? Int == 2 && json["coordinator_version"] as? String == "0.1.0")
        let graph = try #require(json["graph"] as? [String: Any])
        #expect(graph["vertices"] as? Int == 1005 && graph["checksum"] as? String == "0x000000000000abcd")
        let shards = try #require(json["shards"] as? [[String: Any]])
        #expect(shards.map { $0["state"] as? String } == ["serving", "unreachable"])
        let manifest = try #require(shards[0]["manifest"] as? [String: Any])
        #expect(manifest["alpha"] as? Double == 0.15 && manifest["fingerprints"] as? Int == 503)
        #expect(shards[1]["manifest"] == nil && shards[1]["detail"] as? String == "no reply in 2 s")
    }

    @Test func textHasLabelsThenOneLinePerShard() {
        let lines = StatusOutput(status).text().split(separator: "\n").map(String.init)
        #expect(lines.contains("Index version: 2"))
        #expect(lines.contains("Graph:         /g.pwg (1005 vertices, 25571 edges, 0x000000000000abcd)"))
        #expect(lines.contains("Shards:        2 (1 serving)"))
        #expect(
            lines.suffix(2) == [
                "  shard 0  serving  version 2  tcp://w0:7401  503 fingerprints",
                "  shard 1  unreachable  version 0  tcp://w1:7401  (no reply in 2 s)",
            ])
    }
}

@Suite struct ReplicaStatusOutputTests {
    private let status = ClusterStatus(
        shards: [
            ShardStatus(
                shard: ShardID(0), workerURL: "tcp://a:1,tcp://b:1", state: .serving, activeVersion: 3,
                detail: "1 of 2 replicas serving",
                replicas: [
                    ReplicaStatus(replica: 0, url: "tcp://a:1", state: .serving, activeVersion: 3),
                    ReplicaStatus(
                        replica: 1, url: "tcp://b:1", state: .catchingUp, activeVersion: 2, progressDone: 40,
                        progressTotal: 100, detail: "building index version 3 to catch up"),
                ]),
            ShardStatus(
                shard: ShardID(1), workerURL: "tcp://c:1,tcp://d:1", state: .empty, activeVersion: 2,
                replicas: [
                    ReplicaStatus(replica: 0, url: "tcp://c:1", state: .lagging, activeVersion: 2),
                    ReplicaStatus(
                        replica: 1, url: "tcp://d:1", state: .unreachable, consecutiveFailures: 3, detail: "no reply"),
                ]),
        ],
        coordinatorVersion: "0.1.0", activeIndexVersion: 3)

    @Test func textHasOneLinePerReplicaUnderItsShard() {
        let lines = StatusOutput(status).text().split(separator: "\n").map(String.init)
        #expect(lines.contains("Shards:        2 (1 serving)"))
        #expect(
            lines.suffix(6) == [
                "  shard 0  serving  version 3  tcp://a:1,tcp://b:1  (1 of 2 replicas serving)",
                "    replica 0  serving  version 3  tcp://a:1",
                "    replica 1  catching-up  version 2  tcp://b:1  40/100 vertices  (building index version 3 to catch up)",
                "  shard 1  empty  version 2  tcp://c:1,tcp://d:1",
                "    replica 0  lagging  version 2  tcp://c:1",
                "    replica 1  unreachable  version 0  tcp://d:1  3 failures  (no reply)",
            ])
    }

    @Test func jsonListsReplicasWithStateVersionAndProgress() throws {
        let line = try StatusOutput(status).json()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let shards = try #require(json["shards"] as? [[String: Any]])
        #expect(shards.map { $0["state"] as? String } == ["serving", "empty"])
        let replicas = try #require(shards[0]["replicas"] as? [[String: Any]])
        #expect(replicas.map { $0["state"] as? String } == ["serving", "catching-up"])
        #expect(replicas.map { $0["active_version"] as? Int } == [3, 2])
        #expect(replicas[1]["progress_done"] as? Int == 40 && replicas[1]["progress_total"] as? Int == 100)
        #expect(replicas[0]["progress_done"] == nil)
        let down = try #require((shards[1]["replicas"] as? [[String: Any]])?.last)
        #expect(down["state"] as? String == "unreachable" && down["consecutive_failures"] as? Int == 3)
        #expect(down["url"] as? String == "tcp://d:1")
    }
}
