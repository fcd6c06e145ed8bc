import Foundation
import PPRStorage
import Testing

@Suite struct JobLedgerTests {
    func draft(_ kind: JobLedgerRecord.Kind, state: JobLedgerRecord.State = .queued) -> JobLedgerRecord {
        var parameters = JobLedgerParameters()
        parameters.seed = UInt64.max  // beyond Double's exact range: must survive JSON
        parameters.inputPath = "/data/in \"quoted\".txt"
        parameters.eps = 1e-4
        return JobLedgerRecord(
            kind: kind, state: state, parameters: parameters, createdUnixMicros: 1_700_000_000_000_000)
    }

    @Test func recordsRoundTripAndSurviveReopen() throws {
        try withTemporaryDirectory { dir in
            var created: [JobLedgerRecord] = []
            do {
                let ledger = try JobLedger(directory: dir + "/ledger")
                for kind in [JobLedgerRecord.Kind.index, .batchQuery, .evaluate] {
                    created.append(try ledger.create(draft(kind)))
                }
                #expect(created.map(\.id) == [1, 2, 3])
                var finished = created[1]
                finished.state = .succeeded
                finished.progressDone = 12
                finished.result = JobLedgerResult(outputPath: "/out.jsonl", queriesAnswered: 12)
                try ledger.update(finished)
                created[1] = finished
                var failed = created[2]
                failed.state = .failed
                failed.failure = .init(code: 14, message: "shard 1 did not answer")
                try ledger.update(failed)
                created[2] = failed
                try ledger.setActiveIndexVersion(4)
            }
            let reopened = try JobLedger(directory: dir + "/ledger")
            #expect(try reopened.get(id: 2) == created[1])
            #expect(try reopened.get(id: 3)?.failure?.message == "shard 1 did not answer")
            #expect(try reopened.get(id: 1)?.parameters.seed == UInt64.max)
            #expect(try reopened.get(id: 99) == nil)
            #expect(try reopened.metadata() == CoordinatorMetadata(activeIndexVersion: 4, nextIndexVersion: 5))
            #expect(try reopened.create(draft(.index)).id == 4)  // ids continue, never reused
        }
    }

    @Test func listIsNewestFirstWithLimitAndStateFilter() throws {
        try withTemporaryDirectory { dir in
            let ledger = try JobLedger(directory: dir)
            for i in 0..<12 { _ = try ledger.create(draft(.evaluate, state: i % 3 == 0 ? .running : .queued)) }
            #expect(try ledger.list().map(\.id) == Array((1...12).reversed()))
            #expect(try ledger.list(limit: 5).map(\.id) == [12, 11, 10, 9, 8])
            #expect(try ledger.list(limit: 50).count == 12)
            #expect(try ledger.list(state: .running).map(\.id) == [10, 7, 4, 1])
            #expect(try ledger.list(limit: 2, state: .running).map(\.id) == [10, 7])
            #expect(try ledger.list(state: .succeeded).isEmpty)
        }
    }

    @Test func updateOfAMissingJobIsRefused() throws {
        try withTemporaryDirectory { dir in
            let ledger = try JobLedger(directory: dir)
            var ghost = draft(.index)
            ghost.id = 42
            #expect(throws: JobLedgerError.jobNotFound(42)) { try ledger.update(ghost) }
            #expect(try ledger.list().isEmpty)
        }
    }

    @Test func indexVersionsAreNeverHandedOutTwice() throws {
        try withTemporaryDirectory { dir in
            let ledger = try JobLedger(directory: dir)
            #expect(try ledger.metadata() == CoordinatorMetadata())
            #expect(try ledger.reserveIndexVersion() == 1)
            #expect(try ledger.reserveIndexVersion() == 2)
            #expect(try ledger.reserveIndexVersion(atLeast: 10) == 10)
            #expect(try ledger.reserveIndexVersion(atLeast: 3) == 11)
            try ledger.setActiveIndexVersion(20)  // e.g. reported by workers: the counter moves past it
            #expect(try ledger.reserveIndexVersion() == 21)
            try ledger.updateMetadata { $0.nextIndexVersion = 1 }  // cannot go back
            #expect(try ledger.metadata().nextIndexVersion == 22)
        }
    }

    @Test func damagedBytesAreAnErrorNotACrash() throws {
        #expect(throws: JobLedgerError.DecodeFailure.self) { try JobLedgerRecord(decoding: [1, 2, 3]) }
        var bytes = try draft(.index).encoded()
        bytes[4] = 9  // schema version 9
        let error = #expect(throws: JobLedgerError.DecodeFailure.self) { try JobLedgerRecord(decoding: bytes) }
        #expect(error?.detail == "schema version 9, expected 1")
        var truncated = try draft(.index).encoded()
        truncated.removeLast(5)
        #expect(throws: JobLedgerError.DecodeFailure.self) { try JobLedgerRecord(decoding: truncated) }
        #expect(try JobLedgerRecord(decoding: draft(.batchQuery).encoded()) == draft(.batchQuery))
    }
}
