import Foundation
import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

@Suite struct JobRecoveryTests {
    @Test func aRestartFailsRunningJobsAndRunsQueuedOnes() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let input = try fixture.input(count: 20)
        let output = fixture.sandbox.path("out.jsonl")
        // What a previous coordinator left: job 1 running (with its temp file), job 2 queued.
        var parameters = JobLedgerParameters()
        parameters.inputPath = input
        parameters.outputPath = output
        parameters.topK = 10
        parameters.eps = 1e-4
        parameters.maxLevels = 10
        let running = try fixture.ledger.create(
            JobLedgerRecord(
                kind: .batchQuery, state: .running, parameters: parameters, progressDone: 7, progressTotal: 20))
        let queued = try fixture.ledger.create(
            JobLedgerRecord(kind: .batchQuery, state: .queued, parameters: parameters))
        let leftover = output + ".tmp-\(running.id)"
        try "{\"line\":3}\n".write(toFile: leftover, atomically: false, encoding: .utf8)

        let runner = try await fixture.runner()
        let interrupted = try await runner.get(id: running.id)
        #expect(interrupted.state == .failed)
        #expect(interrupted.error?.message == JobRunner.restartMessage)
        #expect(interrupted.error?.message == "interrupted by a coordinator restart; resubmit")
        #expect(interrupted.progressDone == 7)
        #expect(!FileManager.default.fileExists(atPath: leftover))
        let done = try await runner.waitUntilFinished(id: queued.id)
        #expect(done.state == .succeeded && done.result?.queriesAnswered == 20)
        #expect(try fixture.outputObjects(output).count == 20)
        #expect(try fixture.ledger.get(id: queued.id)?.state == .succeeded)
    }

    @Test func aRestartRemovesTheTemporaryDirectoryOfAnInterruptedExport() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let output = fixture.sandbox.path("export")
        var parameters = JobLedgerParameters()
        parameters.outputPath = output
        parameters.topK = 5
        let running = try fixture.ledger.create(
            JobLedgerRecord(kind: .export, state: .running, parameters: parameters, progressDone: 3, progressTotal: 9))
        // What the interrupted run left: its temporary directory with a partly written array.
        let leftover = output + ".tmp-\(running.id)"
        try FileManager.default.createDirectory(atPath: leftover, withIntermediateDirectories: false)
        try "partial".write(toFile: leftover + "/scores.npy", atomically: false, encoding: .utf8)

        let runner = try await fixture.runner()
        #expect(try await runner.get(id: running.id).state == .failed)
        #expect(!FileManager.default.fileExists(atPath: leftover))
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func shutdownFailsTheRunningJobAndKeepsQueuedOnesForTheNextStart() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let input = try fixture.input(count: 5)
        let gate = AnswerGate(holding: 1)
        let runner = try await fixture.runner(beforeAnswer: gate.hold)
        let spec = JobSpec.batchQuery(BatchQueryJobParams(inputPath: input, outputPath: fixture.sandbox.path("o")))
        let first = try await runner.submit(spec)
        let second = try await runner.submit(spec)
        await gate.waitUntilReached()
        await runner.shutdown()
        #expect(try fixture.ledger.get(id: first.id)?.state == .failed)
        #expect(try fixture.ledger.get(id: second.id)?.state == .queued)
        let refused = await #expect(throws: WireError.self) { try await runner.submit(spec) }
        #expect(refused?.code == .unavailable)

        let next = try await fixture.runner()
        #expect(try await next.waitUntilFinished(id: second.id).state == .succeeded)
    }

    @Test func queuedJobsKeepTheirAccuracyPresetAcrossARestart() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let input = try fixture.input(count: 5)
        let gate = AnswerGate(holding: 1)
        let runner = try await fixture.runner(beforeAnswer: gate.hold)
        let blocker = JobSpec.batchQuery(BatchQueryJobParams(inputPath: input, outputPath: fixture.sandbox.path("o")))
        _ = try await runner.submit(blocker)
        let batch = try await runner.submit(
            .batchQuery(BatchQueryJobParams(inputPath: input, outputPath: fixture.sandbox.path("p"), accuracy: "fast")))
        let evaluate = try await runner.submit(.evaluate(EvaluateJobParams(sampleCount: 3, accuracy: "high")))
        await gate.waitUntilReached()
        await runner.shutdown()

        let next = try await fixture.runner()
        let batchDone = try await next.waitUntilFinished(id: batch.id)
        let evaluateDone = try await next.waitUntilFinished(id: evaluate.id)
        #expect(batchDone.state == .succeeded && evaluateDone.state == .succeeded)
        guard case .batchQuery(let batchParams) = batchDone.spec, case .evaluate(let evaluateParams) = evaluateDone.spec
        else {
            Issue.record("specs changed kind: \(batchDone.spec), \(evaluateDone.spec)")
            return
        }
        // The preset's eps, resolved at submit, and its name (its sampling knobs) both survive.
        #expect(batchParams.accuracy == "fast" && batchParams.eps == AccuracyPreset.fast.eps)
        #expect(evaluateParams.accuracy == "high" && evaluateParams.eps == AccuracyPreset.high.eps)
    }
}
