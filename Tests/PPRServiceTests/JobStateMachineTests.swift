import PPRService
import PPRWire
import Testing

@Suite struct JobStateMachineTests {
    let failure = WireError(.unavailable, "shard 0 did not answer")
    let cancel = WireError(.cancelled, "job 1 was cancelled")

    @Test func legalTransitionsFollowTheLifeOfAJob() {
        #expect(JobStateMachine.next(from: .queued, on: .start) == .running)
        #expect(JobStateMachine.next(from: .queued, on: .cancel(cancel)) == .cancelled)
        #expect(JobStateMachine.next(from: .queued, on: .fail(failure)) == .failed)
        #expect(JobStateMachine.next(from: .running, on: .succeed(JobResult())) == .succeeded)
        #expect(JobStateMachine.next(from: .running, on: .fail(failure)) == .failed)
        #expect(JobStateMachine.next(from: .running, on: .cancel(cancel)) == .cancelled)
    }

    @Test func illegalTransitionsAreRefused() {
        #expect(JobStateMachine.next(from: .queued, on: .succeed(JobResult())) == nil)
        #expect(JobStateMachine.next(from: .running, on: .start) == nil)
        for final in [JobState.succeeded, .failed, .cancelled] {
            #expect(JobStateMachine.isFinal(final))
            for event in [JobEvent.start, .succeed(JobResult()), .fail(failure), .cancel(cancel)] {
                #expect(JobStateMachine.next(from: final, on: event) == nil)
            }
        }
    }

    @Test func applyRecordsTimesResultAndErrorAndRefusesWithAClearError() throws {
        var record = JobRecord(id: 7, spec: .evaluate(EvaluateJobParams()), state: .queued, progressTotal: 50)
        try JobStateMachine.apply(.start, to: &record, nowMicros: 100)
        #expect(record.state == .running && record.startedUnixMicros == 100)
        try JobStateMachine.apply(.succeed(JobResult(precisionAt10: 0.9)), to: &record, nowMicros: 200)
        #expect(record.state == .succeeded && record.finishedUnixMicros == 200)
        #expect(record.result?.precisionAt10 == 0.9 && record.progressDone == 50)
        let error = #expect(throws: WireError.self) {
            try JobStateMachine.apply(.cancel(cancel), to: &record, nowMicros: 300)
        }
        #expect(error?.code == .failedPrecondition)
        #expect(error?.message == "job 7 is SUCCEEDED: cannot cancel it")
        #expect(record.state == .succeeded && record.finishedUnixMicros == 200)  // untouched

        var failing = JobRecord(id: 8, spec: .evaluate(EvaluateJobParams()), state: .running)
        try JobStateMachine.apply(.fail(failure), to: &failing, nowMicros: 5)
        #expect(failing.state == .failed && failing.error == failure && failing.result == nil)
    }
}
