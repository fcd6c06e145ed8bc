// ClientBatch: `pwctl query --batch FILE [--output FILE]`, a batch run from the client's host. The local
// sources file (the batch-query job's input format, LF or CRLF) is checked whole, then sent through
// inline BatchQuery requests of `round` queries (each answered with the shared decomposition), and the
// answers are written locally as the batch-query job's JSON lines, in input order. A round refused for
// one query's sake (NOT_FOUND, INVALID_ARGUMENT) is re-asked one query at a time, so that query gets an
// error line and the others their answers. --output is written under a temporary name and renamed
// when complete; without it the lines go to stdout as they come.
import ArgumentParser
import Foundation
import PPRService
import PPRWire

/// Streams a local sources file through inline batches.
struct ClientBatch {
    /// Queries per BatchQuery request.
    static let defaultRound = 1_024

    let path: String
    let output: String?
    let round: Int
    /// Every knob of the command's query (top, preset, eps, levels, steps, exclusions, alpha), with no
    /// sources: each line's query is this with the line's sources, so a batch asks what `pwctl query`
    /// would ask for each of its lines alone.
    let knobs: QueryRequest

    /// Runs the batch; returns (answered, failed) query counts.
    @discardableResult
    func run(client: CoordinatorClient) async throws -> (answered: Int, failed: Int) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ClientFailure(.notFound, "--batch \(path): cannot read the file")
        }
        let queries = try BatchLines.parse(String(decoding: data, as: UTF8.self), path: path)
        let sink = try Sink(output: output)
        var answered = 0
        var failed = 0
        do {
            var start = 0
            while start < queries.count {
                let chunk = Array(queries[start..<min(queries.count, start + round)])
                var text = ""
                for (query, outcome) in zip(chunk, try await answer(chunk, client: client)) {
                    switch outcome {
                    case .success(let response):
                        text += BatchLines.line(query, results: response.results, errorEstimate: response.errorEstimate)
                        answered += 1
                    case .failure(let error):
                        text += BatchLines.line(query, error: error)
                        failed += 1
                    }
                }
                try sink.write(text)
                start += chunk.count
            }
            try sink.commit()
        } catch {
            sink.discard()
            throw error
        }
        return (answered, failed)
    }

    /// The request of one line of the file.
    func request(_ query: BatchLines.Query) -> QueryRequest {
        var request = knobs
        request.sources = query.sources
        return request
    }

    private func answer(_ chunk: [BatchLines.Query], client: CoordinatorClient) async throws(WireError)
        -> [Result<QueryResponse, WireError>]
    {
        let batch = await Self.outcome { () async throws(WireError) in
            try await client.batchQuery(BatchQueryRequest(queries: chunk.map(request))).responses
        }
        switch batch {
        case .success(let responses): return responses.map { .success($0) }
        case .failure(let error) where !Self.isPerQuery(error): throw error
        case .failure: break
        }
        var outcomes: [Result<QueryResponse, WireError>] = []
        for query in chunk {
            let single = await Self.outcome { () async throws(WireError) in try await client.query(request(query)) }
            if case .failure(let error) = single, !Self.isPerQuery(error) { throw error }
            outcomes.append(single)
        }
        return outcomes
    }

    /// The outcome of `call` as a value, so the error can be classified before it is thrown on.
    private static func outcome<T>(_ call: () async throws(WireError) -> T) async -> Result<T, WireError> {
        do { return .success(try await call()) } catch { return .failure(error) }
    }

    /// Errors that belong to one query, not to the cluster.
    private static func isPerQuery(_ error: WireError) -> Bool {
        error.code == .notFound || error.code == .invalidArgument
    }

    /// Where the lines go: stdout, or a temporary file renamed over the output at the end.
    private final class Sink {
        let output: String?
        let temporary: String?
        let handle: FileHandle

        init(output: String?) throws {
            self.output = output
            guard let output else {
                temporary = nil
                handle = FileHandle.standardOutput
                return
            }
            let temporary = output + ".tmp-\(getpid())"
            guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
                throw ClientFailure(.invalidArgument, "--output \(output): cannot create \(temporary)")
            }
            self.temporary = temporary
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
        }

        func write(_ text: String) throws { try handle.write(contentsOf: Data(text.utf8)) }

        func commit() throws {
            guard let output, let temporary else { return }
            try handle.synchronize()
            try handle.close()
            if FileManager.default.fileExists(atPath: output) { try FileManager.default.removeItem(atPath: output) }
            try FileManager.default.moveItem(atPath: temporary, toPath: output)
        }

        func discard() {
            guard let temporary else { return }
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
        }
    }
}

/// `pwctl query --batch FILE [--output FILE] [--round N]`.
struct ClientBatchOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Local file of sources, one query per line (ID or ID:WEIGHT ...), answered through inline batches.",
            valueName: "file"))
    var batch: String?

    @Option(
        name: .long, help: ArgumentHelp("With --batch: write the JSON lines here (default stdout).", valueName: "file"))
    var output: String?

    @Option(name: .long, help: "With --batch: queries per BatchQuery request.")
    var round = ClientBatch.defaultRound

    /// Checks the combination with the rest of `pwctl query`.
    func validate(isLocal: Bool, hasSources: Bool) throws {
        guard let batch else {
            if output != nil { throw ValidationError("--output applies to --batch") }
            return
        }
        guard !batch.isEmpty else { throw ValidationError("--batch must name a file") }
        if isLocal { throw ValidationError("--batch goes to the coordinator; omit --graph and --store") }
        if hasSources { throw ValidationError("--batch reads its sources from the file; omit --source") }
        guard round >= 1 else { throw ValidationError("--round must be at least 1, not \(round)") }
    }

    /// Runs the batch when `--batch` was given; false otherwise (a single query then).
    func run(_ command: QueryCommand) async throws -> Bool {
        guard let batch else { return false }
        let client = try command.coordinator.client()
        let runner = ClientBatch(path: batch, output: output, round: round, knobs: command.knobs())
        let (answered, failed) = try await runner.run(client: client)
        if output != nil {
            FileHandle.standardError.write(Data("\(answered) answered, \(failed) failed\n".utf8))
        }
        return true
    }
}
