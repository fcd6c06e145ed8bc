import Foundation
import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

/// One runner over a fresh ledger and engine in a sandbox.
struct JobFixture {
    let sandbox: JobSandbox
    let ledger: JobLedger
    let engine: JobEngine

    init() throws {
        sandbox = try JobSandbox()
        ledger = try JobLedger(directory: sandbox.path("coordinator"))
        engine = try JobEngine(sandbox: sandbox)
    }

    func runner(
        batchSize: Int = 256, beforeAnswer: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> JobRunner {
        var settings = self.settings()
        settings.batchSize = batchSize
        let runner = JobRunner(
            ledger: ledger, context: JobEngineContext(engine: engine, beforeAnswer: beforeAnswer), settings: settings)
        try await runner.start()
        return runner
    }

    /// Default settings with the sandbox as the job directory.
    func settings() -> JobSettings {
        var settings = JobSettings()
        settings.jobFiles = JobFiles(directory: sandbox.directory)
        return settings
    }

    /// A batch input: `count` single-source queries over known vertices, plus a comment and a blank line.
    func input(count: Int, name: String = "in.txt") throws -> String {
        let ids = engine.graph.graph.externalIDs
        let lines = (0..<count).map { "\(ids[($0 * 7) % ids.count])" }
        return try sandbox.write("# sources\n\n" + lines.joined(separator: "\n") + "\n", to: name)
    }

    /// The output's JSON objects, one per line.
    func outputObjects(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }
}

@Suite struct JobRunnerTests {
    @Test func batchJobWritesOneLinePerQueryInInputOrderWithPerQueryErrors() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let ids = fixture.engine.graph.graph.externalIDs
        let input = try fixture.sandbox.write(
            "# header\n\(ids[0])\n\n\(ids[1]):2 \(ids[2]):1\n999999\n\(ids[3])\n", to: "queries.txt")
        let output = fixture.sandbox.path("answers.jsonl")
        let runner = try await fixture.runner(batchSize: 2)
        let submitted = try await runner.submit(
            .batchQuery(BatchQueryJobParams(inputPath: input, outputPath: output, topK: 5)))
        #expect(submitted.state == .queued && submitted.id == 1)
        let done = try await runner.waitUntilFinished(id: submitted.id)
        #expect(done.state == .succeeded, "\(String(describing: done.error))")
        #expect(done.result?.outputPath == output && done.result?.queriesAnswered == 3)
        #expect(done.progressDone == 4 && done.progressTotal == 4)

        let objects = try fixture.outputObjects(output)
        #expect(objects.map { $0["line"] as? Int } == [2, 4, 5, 6])
        let results = try #require(objects[0]["results"] as? [[String: Any]])
        #expect(!results.isEmpty && results.count <= 5)
        let scores = results.compactMap { $0["score"] as? Double }
        #expect(scores.count == results.count && scores == scores.sorted(by: >))
        let longest = objects.compactMap { ($0["results"] as? [Any])?.count }.max()
        #expect(longest == 5)
        #expect(results.allSatisfy { ids.contains(($0["vertex"] as? NSNumber)?.uint64Value ?? 0) })
        let weighted = try #require(objects[1]["sources"] as? [[String: Any]])
        #expect(weighted.map { $0["weight"] as? Double } == [2, 1])
        let error = try #require(objects[2]["error"] as? [String: Any])
        #expect(error["code"] as? String == "NOT_FOUND")
        #expect((error["message"] as? String)?.contains("999999") == true)
        #expect(try fixture.sandbox.listing().filter { $0.contains(".tmp-") }.isEmpty)
        #expect(try await runner.get(id: 1) == done)  // the ledger holds what waitUntilFinished returned
    }

    @Test func malformedInputFailsNamingFileAndLineAndWritesNothing() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let ids = fixture.engine.graph.graph.externalIDs
        let input = try fixture.sandbox.write("\(ids[0])\n# fine\n\(ids[1]) 12:abc\n", to: "bad.txt")
        let output = fixture.sandbox.path("out.jsonl")
        let runner = try await fixture.runner()
        let job = try await runner.submit(.batchQuery(BatchQueryJobParams(inputPath: input, outputPath: output)))
        let done = try await runner.waitUntilFinished(id: job.id)
        #expect(done.state == .failed)
        #expect(done.error?.code == .invalidArgument)
        #expect(done.error?.message.hasPrefix("\(input) line 3: '12:abc'") == true)
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(try fixture.sandbox.listing().filter { $0.contains(".tmp-") }.isEmpty)
    }

    @Test func badParametersAreRefusedAtSubmitNamingThem() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let runner = try await fixture.runner()
        let input = try fixture.input(count: 3)
        let output = fixture.sandbox.path("out.jsonl")
        let cases: [(JobSpec, String)] = [
            (.batchQuery(BatchQueryJobParams(inputPath: input, outputPath: output, topK: 0)), "invalid top_k 0"),
            (.batchQuery(BatchQueryJobParams(inputPath: input + ".missing", outputPath: output)), "invalid input_path"),
            (.batchQuery(BatchQueryJobParams(inputPath: input, outputPath: "/no-such-dir/x")), "invalid output_path"),
            (.batchQuery(BatchQueryJobParams(inputPath: input, outputPath: input)), "same file as input_path"),
            (.evaluate(EvaluateJobParams(sampleCount: 0)), "invalid sample_count 0"),
            (.evaluate(EvaluateJobParams(eps: -1)), "invalid eps -1.0"),
            (.index(IndexJobParams(walksPerVertex: 0)), "invalid walks 0"),
            (.index(IndexJobParams(restartProbability: 1.5)), "invalid alpha 1.5"),
        ]
        for (spec, message) in cases {
            let error = await #expect(throws: WireError.self) { try await runner.submit(spec) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains(message) == true, "\(String(describing: error)) lacks \(message)")
        }
        #expect(try await runner.list().isEmpty)  // nothing was recorded
    }

    @Test func cancelStopsBetweenBatchesAndAResubmittedRunWritesEachLineOnce() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let input = try fixture.input(count: 50)
        let output = fixture.sandbox.path("out.jsonl")
        let gate = AnswerGate(holding: 2)
        let runner = try await fixture.runner(batchSize: 10, beforeAnswer: gate.hold)
        let spec = JobSpec.batchQuery(BatchQueryJobParams(inputPath: input, outputPath: output))
        let first = try await runner.submit(spec)
        await gate.waitUntilReached()  // the second batch is being answered
        let cancelled = try await runner.cancel(id: first.id)
        #expect(cancelled.state == .cancelled && cancelled.error?.code == .cancelled)
        #expect(cancelled.progressDone >= 10 && cancelled.progressDone < 50)
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(try fixture.sandbox.listing().filter { $0.contains(".tmp-") }.isEmpty)
        let again = await #expect(throws: WireError.self) { try await runner.cancel(id: first.id) }
        #expect(again?.code == .failedPrecondition)

        let second = try await runner.submit(spec)
        let done = try await runner.waitUntilFinished(id: second.id)
        #expect(done.state == .succeeded)
        let lines = try fixture.outputObjects(output).compactMap { $0["line"] as? Int }
        #expect(lines == Array(3...52))  // two header lines, then one line per query, once each
    }

    @Test func aQueuedJobIsCancelledAtOnceAndJobsRunInSubmissionOrder() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let input = try fixture.input(count: 5)
        let gate = AnswerGate(holding: 1)
        let runner = try await fixture.runner(beforeAnswer: gate.hold)
        let spec = { (name: String) in
            JobSpec.batchQuery(BatchQueryJobParams(inputPath: input, outputPath: fixture.sandbox.path(name)))
        }
        let first = try await runner.submit(spec("a.jsonl"))
        let second = try await runner.submit(spec("b.jsonl"))
        let third = try await runner.submit(spec("c.jsonl"))
        await gate.waitUntilReached()
        #expect(try await runner.get(id: first.id).state == .running)
        let queued = try await runner.list(state: .queued)
        #expect(queued.map(\.id) == [third.id, second.id])
        let cancelled = try await runner.cancel(id: second.id)
        #expect(cancelled.state == .cancelled && cancelled.startedUnixMicros == nil)
        #expect(try await runner.cancel(id: first.id).state == .cancelled)
        let last = try await runner.waitUntilFinished(id: third.id)
        #expect(last.state == .succeeded)
        #expect(try await runner.list().map(\.state) == [.succeeded, .cancelled, .cancelled])
        #expect(try await runner.list(limit: 1).map(\.id) == [third.id])
        let missing = await #expect(throws: WireError.self) { try await runner.get(id: 99) }
        #expect(missing?.code == .notFound && missing?.message == "job 99 does not exist")
    }

    @Test func evaluateJobMeasuresTheLiveIndexAgainstExactPPR() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let runner = try await fixture.runner()
        let job = try await runner.submit(.evaluate(EvaluateJobParams()))
        let done = try await runner.waitUntilFinished(id: job.id)
        #expect(done.state == .succeeded, "\(String(describing: done.error))")
        let result = try #require(done.result)
        #expect(result.queriesAnswered == 50 && done.progressDone == 50)
        #expect(try #require(result.precisionAt10) >= 0.9)
        #expect(try #require(result.precisionAt100) >= 0.8)
        let l1 = try #require(result.l1Error)
        #expect(l1 > 0 && l1 < 0.3)
        if case .evaluate(let params) = done.spec {
            #expect(params.sampleCount == 50 && params.seed == 1 && params.topK == 10)  // stored resolved
        } else {
            Issue.record("spec changed kind: \(done.spec)")
        }
    }

    @Test func anIndexJobThatCannotReachTheShardsFailsAndLeavesTheActiveVersion() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let runner = try await fixture.runner()
        let job = try await runner.submit(.index(IndexJobParams(walksPerVertex: 8)))
        let done = try await runner.waitUntilFinished(id: job.id)
        #expect(done.state == .failed && done.error?.code == .unimplemented)
        #expect(done.error?.message.contains("shard 0") == true)
        #expect(try fixture.ledger.metadata().activeIndexVersion == nil)
        if case .index(let params) = done.spec { #expect(params.maxWalkLength == WalkParameters.defaultMaxWalkLength) }
    }

    /// An export that names no preset runs the configured one (`query.accuracy`), as queries and batch jobs
    /// do; a bad name is refused quoted and cut to 64 characters, as a batch job's is.
    @Test func anExportWithoutAPresetTakesTheConfiguredOne() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        var settings = fixture.settings()
        settings.query.accuracy = .fast
        let runner = JobRunner(
            ledger: fixture.ledger, context: JobEngineContext(engine: fixture.engine), settings: settings)
        try await runner.start()
        for (asked, expected) in [("", "fast"), ("high", "high")] {
            let job = try await runner.submit(
                .export(ExportJobParams(outputPath: "export-\(expected)", accuracy: asked)))
            guard case .export(let params) = job.spec else {
                Issue.record("spec changed kind: \(job.spec)")
                continue
            }
            #expect(params.accuracy == expected)
            _ = try await runner.waitUntilFinished(id: job.id)
        }
        let name = String(repeating: "x", count: 100)
        for spec: JobSpec in [
            .export(ExportJobParams(outputPath: "bad", accuracy: name)),
            .batchQuery(BatchQueryJobParams(inputPath: "in", outputPath: "out", accuracy: name)),
        ] {
            let error = await #expect(throws: WireError.self) { try await runner.submit(spec) }
            #expect(error?.code == .invalidArgument)
            #expect(
                error?.message.contains("invalid accuracy '\(name.prefix(64))'") == true, "\(String(describing: error))"
            )
            #expect(error?.message.contains(name.prefix(65)) == false)
        }
        await runner.shutdown()
    }
}

/// A job round never holds more ranked vertices than the front's reply cap, whatever top-k a job asks for.
@Suite struct JobRoundSizeTests {
    @Test func aLargeTopKShrinksTheRoundToTheCap() {
        var settings = JobSettings()
        settings.maxRoundEntries = 1 << 21
        // Small k: the preferred round.
        #expect(settings.roundSize(preferred: 1_536, topK: 10, vertexCount: 82_168) == 1_536)
        // k = 2^20 on a graph of 82,168 vertices: each answer holds at most 82,168 entries.
        let size = settings.roundSize(preferred: 1_536, topK: 1 << 20, vertexCount: 82_168)
        #expect(size == (1 << 21) / 82_168)
        #expect(size * 82_168 <= 1 << 21)
        #expect(settings.roundSize(preferred: 1_536, topK: 1 << 20, vertexCount: 4 << 20) == 2)
        // One answer larger than the cap alone: one query per round, never zero.
        settings.maxRoundEntries = 1 << 19
        #expect(settings.roundSize(preferred: 1_536, topK: 1 << 20, vertexCount: 4 << 20) == 1)
    }

    @Test func theCapComesFromLimitsMaxReplyEntries() {
        var config = ServiceConfig(
            graph: "g", shards: [ShardConfig(replicas: [ReplicaConfig(url: "ipc://x", dataDir: "d")])])
        config.limits.maxReplyEntries = 3 << 20
        #expect(JobSettings(config: config).maxRoundEntries == 3 << 20)
    }
}
