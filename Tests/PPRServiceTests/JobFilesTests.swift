// The job directory rule (coordinator.jobFilesDir): every escape form is refused before anything is read or
// created, at submit and again when the job runs; error messages never quote a file outside the directory.
import Foundation
import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

/// A job directory `jobs/` and, beside it, an `outside/` directory holding a victim file.
private struct Layout {
    let sandbox: JobSandbox
    let files: JobFiles
    var jobs: String { sandbox.path("jobs") }
    var outside: String { sandbox.path("outside") }
    var victim: String { sandbox.path("outside/victim.txt") }

    init() throws {
        sandbox = try JobSandbox()
        files = JobFiles(directory: sandbox.path("jobs"))
        try files.prepare()
        try FileManager.default.createDirectory(atPath: sandbox.path("outside"), withIntermediateDirectories: true)
        try "secret-token and more\n".write(
            toFile: sandbox.path("outside/victim.txt"), atomically: true, encoding: .utf8)
        try "1\n2\n".write(toFile: sandbox.path("jobs/in.txt"), atomically: true, encoding: .utf8)
    }

    func link(_ name: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: "\(jobs)/\(name)", withDestinationPath: target)
    }

    func victimText() throws -> String { try String(contentsOfFile: victim, encoding: .utf8) }
}

/// Runs `body`, expecting a refusal that names the job directory's config key.
private func expectRefused(
    _ what: String, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        try body()
        Issue.record("\(what) was accepted", sourceLocation: sourceLocation)
    } catch {
        #expect(error is JobFilesError, "\(what): \(error)", sourceLocation: sourceLocation)
        let wire = WireError(from: error)
        #expect(wire.code == .invalidArgument, "\(what): \(wire)", sourceLocation: sourceLocation)
        #expect(wire.message.contains("coordinator.jobFilesDir"), "\(what): \(wire)", sourceLocation: sourceLocation)
        #expect(!wire.message.contains("secret-token"), "\(what) leaks: \(wire)", sourceLocation: sourceLocation)
    }
}

@Suite struct JobFilesTests {
    @Test func relativePathsResolveInsideAndAbsolutePathsInsideAreAccepted() throws {
        let layout = try Layout()
        defer { layout.sandbox.remove() }
        let real = try #require(
            realpath(layout.jobs, nil).map { pointer in
                defer { free(pointer) }
                return String(cString: pointer)
            })
        #expect(try layout.files.resolveInput("in.txt") == "\(real)/in.txt")
        #expect(try layout.files.resolveInput("./in.txt") == "\(real)/in.txt")
        #expect(try layout.files.resolveInput("\(layout.jobs)/in.txt") == "\(real)/in.txt")
        #expect(try layout.files.resolveOutput("out.jsonl") == "\(real)/out.jsonl")
        try FileManager.default.createDirectory(atPath: "\(layout.jobs)/sub", withIntermediateDirectories: false)
        try layout.link("alias", to: "\(layout.jobs)/sub")  // a link that stays inside is followed
        #expect(try layout.files.resolveOutput("alias/out.jsonl") == "\(real)/sub/out.jsonl")
        let read = try layout.files.readInput("in.txt")
        #expect(read.bytes == Array("1\n2\n".utf8))
    }

    @Test func anInputLargerThanTheBoundIsRefusedBeforeItIsRead() throws {
        let layout = try Layout()
        defer { layout.sandbox.remove() }
        // Sparse: the size without the disk space.
        let huge = FileManager.default.createFile(atPath: "\(layout.jobs)/huge.txt", contents: nil)
        #expect(huge)
        let handle = try #require(FileHandle(forWritingAtPath: "\(layout.jobs)/huge.txt"))
        try handle.truncate(atOffset: UInt64(JobFiles.maxInputBytes) + 1)
        try handle.close()
        let error = #expect(throws: JobFilesError.self) { _ = try layout.files.readInput("huge.txt") }
        #expect(error?.description.contains("larger than 256 MiB") == true, "\(String(describing: error))")
        #expect(WireError(from: try #require(error)).code == .invalidArgument)
    }

    @Test func everyEscapeFormIsRefusedBeforeAnythingIsReadOrCreated() throws {
        let layout = try Layout()
        defer { layout.sandbox.remove() }
        let files = layout.files
        try layout.link("out-dir", to: layout.outside)
        try layout.link("passwd", to: layout.victim)
        try layout.link("existing.jsonl", to: layout.victim)

        expectRefused("absolute input") { _ = try files.resolveInput(layout.victim) }
        expectRefused("/etc/passwd") { _ = try files.readInput("/etc/passwd") }
        expectRefused("'..' input") { _ = try files.resolveInput("../outside/victim.txt") }
        expectRefused("'..' inside") { _ = try files.resolveInput("sub/../in.txt") }
        expectRefused("input through a linked directory") { _ = try files.resolveInput("out-dir/victim.txt") }
        expectRefused("linked input file") { _ = try files.readInput("passwd") }
        expectRefused("absolute output") { _ = try files.resolveOutput("\(layout.outside)/new.jsonl") }
        expectRefused("'..' output") { _ = try files.resolveOutput("../../tmp/pwned.jsonl") }
        expectRefused("output through a linked directory") { _ = try files.createOutput("out-dir/new.jsonl", job: 1) }
        expectRefused("output onto a linked existing file") { _ = try files.createOutput("existing.jsonl", job: 1) }
        expectRefused("output directory through a link") {
            _ = try files.createOutputDirectory("out-dir/export", job: 1)
        }
        expectRefused("NUL byte") { _ = try files.resolveInput("in.txt\u{0}x") }

        #expect(try layout.victimText() == "secret-token and more\n")  // not overwritten
        // Nothing was created outside the job directory.
        #expect(try FileManager.default.contentsOfDirectory(atPath: layout.outside) == ["victim.txt"])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: layout.jobs).filter { $0.contains(".tmp-") }.isEmpty)
    }

    @Test func aComponentSwappedForALinkAfterTheCheckIsNotFollowed() throws {
        let layout = try Layout()
        defer { layout.sandbox.remove() }
        let fm = FileManager.default
        try fm.createDirectory(atPath: "\(layout.jobs)/data", withIntermediateDirectories: false)
        try "7\n".write(toFile: "\(layout.jobs)/data/in.txt", atomically: true, encoding: .utf8)
        let checked = try layout.files.resolveInput("data/in.txt")  // as at submit: the ledger keeps this path
        // Between submit and run the directory becomes a link out of the job directory.
        try fm.removeItem(atPath: "\(layout.jobs)/data")
        try layout.link("data", to: layout.outside)
        try fm.copyItem(atPath: layout.victim, toPath: "\(layout.outside)/in.txt")
        expectRefused("swapped input") { _ = try layout.files.readInput(checked) }
        expectRefused("swapped output") { _ = try layout.files.createOutput("data/out.jsonl", job: 3) }
        #expect(!fm.fileExists(atPath: "\(layout.outside)/out.jsonl.tmp-3"))
    }

    @Test func fileAndDirectoryOutputsAppearWholeOrNotAtAll() throws {
        let layout = try Layout()
        defer { layout.sandbox.remove() }
        let fm = FileManager.default
        let file = try layout.files.createOutput("answers.jsonl", job: 4)
        try file.write("{\"line\":1}\n")
        #expect(!fm.fileExists(atPath: "\(layout.jobs)/answers.jsonl"))
        try file.commit()
        #expect(try String(contentsOfFile: "\(layout.jobs)/answers.jsonl", encoding: .utf8) == "{\"line\":1}\n")

        let discarded = try layout.files.createOutput("other.jsonl", job: 5)
        try discarded.write("partial")
        discarded.discard()
        #expect(!fm.fileExists(atPath: "\(layout.jobs)/other.jsonl"))

        for round in 1...2 {  // the second round replaces the first directory whole
            let directory = try layout.files.createOutputDirectory("export", job: UInt64(10 + round))
            try "\(round)".write(toFile: "\(directory.temporaryPath)/part-\(round)", atomically: true, encoding: .utf8)
            try directory.commit()
        }
        #expect(try fm.contentsOfDirectory(atPath: "\(layout.jobs)/export") == ["part-2"])
        #expect(try fm.contentsOfDirectory(atPath: layout.jobs).sorted() == ["answers.jsonl", "export", "in.txt"])
    }

    @Test func submitRefusesEscapesNamingTheKeyAndTheRecordShowsResolvedPaths() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        var settings = fixture.settings()
        settings.jobFiles = JobFiles(directory: fixture.sandbox.path("jobs"))
        let runner = JobRunner(
            ledger: fixture.ledger, context: JobEngineContext(engine: fixture.engine), settings: settings)
        try await runner.start()  // creates the job directory
        let jobs = fixture.sandbox.path("jobs")
        #expect(FileManager.default.fileExists(atPath: jobs))
        let ids = fixture.engine.graph.graph.externalIDs
        try "\(ids[0])\n\(ids[1])\n".write(toFile: "\(jobs)/in.txt", atomically: true, encoding: .utf8)

        for (input, output) in [("/etc/passwd", "o.jsonl"), ("in.txt", "/tmp/pwned.jsonl"), ("in.txt", "a/../../x")] {
            let error = await #expect(throws: WireError.self) {
                try await runner.submit(.batchQuery(BatchQueryJobParams(inputPath: input, outputPath: output)))
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("coordinator.jobFilesDir") == true, "\(String(describing: error))")
            #expect(error?.message.contains("root") == false)  // /etc/passwd's first token is never quoted
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/pwned.jsonl"))

        let job = try await runner.submit(
            .batchQuery(BatchQueryJobParams(inputPath: "in.txt", outputPath: "out.jsonl")))
        guard case .batchQuery(let params) = job.spec else { throw HarnessFailure("not a batch job") }
        #expect(params.inputPath.hasPrefix("/") && params.inputPath.hasSuffix("/jobs/in.txt"))
        #expect(params.outputPath.hasPrefix("/") && params.outputPath.hasSuffix("/jobs/out.jsonl"))
        let done = try await runner.waitUntilFinished(id: job.id)
        #expect(done.state == .succeeded, "\(String(describing: done.error))")
        #expect(done.result?.outputPath == params.outputPath)
    }

    @Test func anInputSwappedForALinkWhileQueuedFailsTheJobWhenItRuns() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let jobs = fixture.sandbox.path("jobs")
        var settings = fixture.settings()
        settings.jobFiles = JobFiles(directory: jobs)
        let gate = AnswerGate(holding: 1)
        let runner = JobRunner(
            ledger: fixture.ledger, context: JobEngineContext(engine: fixture.engine, beforeAnswer: gate.hold),
            settings: settings)
        try await runner.start()
        let ids = fixture.engine.graph.graph.externalIDs
        try "\(ids[0])\n".write(toFile: "\(jobs)/a.txt", atomically: true, encoding: .utf8)
        try "\(ids[1])\n".write(toFile: "\(jobs)/b.txt", atomically: true, encoding: .utf8)
        let secret = try fixture.sandbox.write("not-a-number\n", to: "secret.txt")
        let first = try await runner.submit(.batchQuery(BatchQueryJobParams(inputPath: "a.txt", outputPath: "a.jsonl")))
        let second = try await runner.submit(
            .batchQuery(BatchQueryJobParams(inputPath: "b.txt", outputPath: "b.jsonl")))
        await gate.waitUntilReached()  // the first job runs; the second is queued with checked paths
        try FileManager.default.removeItem(atPath: "\(jobs)/b.txt")
        try FileManager.default.createSymbolicLink(atPath: "\(jobs)/b.txt", withDestinationPath: secret)
        _ = try await runner.cancel(id: first.id)
        let failed = try await runner.waitUntilFinished(id: second.id)
        #expect(failed.state == .failed)
        #expect(failed.error?.code == .invalidArgument)
        #expect(
            failed.error?.message.contains("coordinator.jobFilesDir") == true, "\(String(describing: failed.error))")
        #expect(failed.error?.message.contains("not-a-number") == false)
        #expect(!FileManager.default.fileExists(atPath: "\(jobs)/b.jsonl"))
    }

    @Test func aParseErrorQuotesOnlyTheOffendingTokenCut() async throws {
        let fixture = try JobFixture()
        defer { fixture.sandbox.remove() }
        let runner = try await fixture.runner()
        let long = String(repeating: "x", count: 500)
        let input = try fixture.sandbox.write("\(long) second-token\n", to: "bad.txt")
        let job = try await runner.submit(.batchQuery(BatchQueryJobParams(inputPath: input, outputPath: "o.jsonl")))
        let done = try await runner.waitUntilFinished(id: job.id)
        let message = try #require(done.error?.message)
        #expect(done.error?.code == .invalidArgument)
        #expect(message.contains("line 1: '\(String(repeating: "x", count: 40))…'"), "\(message)")
        #expect(!message.contains(String(repeating: "x", count: 41)) && !message.contains("second-token"))
    }
}

private struct HarnessFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
