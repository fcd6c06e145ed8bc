import Foundation
import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

/// A job ledger written by an earlier version still loads: its queued jobs run with the parameters they were
/// accepted with, its finished jobs list as they were.
@Suite struct JobLedgerCompatibilityTests {
    /// Stored bytes as the previous version wrote them: "PWJR", schema version 1 (little-endian), then the
    /// record as JSON with sorted keys and nil fields left out (batch-query and evaluate records had no
    /// `accuracy`).
    static func previousVersionRecord(_ json: String) -> [UInt8] {
        Array("PWJR".utf8) + [1, 0, 0, 0] + Array(json.utf8)
    }

    @Test func queuedJobsOfAPreviousVersionRunAndFinishedOnesList() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let input = try fixture.input(count: 12)
        let output = fixture.sandbox.path("old-out.jsonl")
        let records = [
            """
            {"createdUnixMicros":1700000000000000,"finishedUnixMicros":1700000005000000,"id":1,"indexVersion":3,\
            "kind":"index","parameters":{"maxWalkLength":60,"restartProbability":0.15,"seed":7,"threads":0,\
            "walksPerVertex":32},"progressDone":300,"progressTotal":300,"result":{"indexVersion":3},\
            "startedUnixMicros":1700000001000000,"state":"succeeded"}
            """,
            """
            {"createdUnixMicros":1700000010000000,"id":2,"kind":"batch-query","parameters":{"eps":0.0001,\
            "excludeOutNeighbors":false,"excludeSources":true,"inputPath":"\(input)","maxLevels":10,\
            "outputPath":"\(output)","topK":5},"progressDone":0,"progressTotal":0,"state":"queued"}
            """,
            """
            {"createdUnixMicros":1700000020000000,"id":3,"kind":"evaluate","parameters":{"eps":1e-05,\
            "maxLevels":10,"sampleCount":12,"seed":4,"topK":10},"progressDone":0,"progressTotal":0,\
            "state":"queued"}
            """,
        ]
        var ids: [UInt64] = []
        for json in records {
            let decoded = try JobLedgerRecord(decoding: Self.previousVersionRecord(json))
            ids.append(try fixture.ledger.create(decoded).id)
        }

        let runner = try await fixture.runner()
        let index = try await runner.get(id: ids[0])
        #expect(index.state == .succeeded && index.result?.indexVersion == 3)
        #expect(
            index.spec
                == .index(
                    IndexJobParams(
                        walksPerVertex: 32, maxWalkLength: 60, restartProbability: 0.15, seed: 7, threads: 0)))

        let batch = try await runner.waitUntilFinished(id: ids[1])
        #expect(batch.state == .succeeded, "\(String(describing: batch.error))")
        #expect(batch.result?.queriesAnswered == 12)
        let lines = try fixture.outputObjects(output)
        #expect(lines.count == 12)
        // The stored top_k (5), not the default (10); a source that reaches few vertices may list fewer.
        let listed = lines.map { ($0["results"] as? [Any])?.count ?? -1 }
        #expect(listed.max() == 5 && listed.allSatisfy { $0 >= 1 }, "\(listed)")
        guard case .batchQuery(let batchParams) = batch.spec else {
            Issue.record("spec changed kind: \(batch.spec)")
            return
        }
        #expect(batchParams.topK == 5 && batchParams.excludeSources && batchParams.accuracy == nil)

        let evaluate = try await runner.waitUntilFinished(id: ids[2])
        #expect(evaluate.state == .succeeded, "\(String(describing: evaluate.error))")
        #expect(evaluate.result?.queriesAnswered == 12 && evaluate.progressDone == 12)
        #expect(try #require(evaluate.result?.precisionAt10) >= 0.9)
    }

    @Test func aStoredJobMissingAParameterFailsNamingItInsteadOfRunningWithADefault() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let json = """
            {"createdUnixMicros":1700000020000000,"id":1,"kind":"evaluate","parameters":{"eps":1e-05,\
            "maxLevels":10,"seed":4,"topK":10},"progressDone":0,"progressTotal":0,"state":"queued"}
            """
        let stored = try fixture.ledger.create(JobLedgerRecord(decoding: Self.previousVersionRecord(json)))
        let runner = try await fixture.runner()
        let failed = try await runner.get(id: stored.id)
        #expect(failed.state == .failed)
        #expect(failed.error?.code == .internal)
        #expect(
            failed.error?.message == "job \(stored.id): the stored evaluate record has no valid sample_count",
            "\(String(describing: failed.error))")
    }
}
