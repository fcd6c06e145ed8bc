// Running pwctl and reading what it prints: the query JSON, job records, batch output lines.
import Foundation
import Testing

/// Runs the built `pwctl`.
enum Pwctl {
    /// Walk parameters every test indexes with (small R keeps the suite fast on two cores).
    static let walks = 8
    static let maxLength = 100
    static let alpha = 0.15
    static let seed: UInt64 = 7

    /// `--walks … --max-length … --alpha … --seed …`: the same index locally and over the wire.
    static let walkArguments = [
        "--walks", "\(walks)", "--max-length", "\(maxLength)", "--alpha", "\(alpha)", "--seed", "\(seed)",
    ]

    /// Runs `pwctl arguments`, talking to `coordinator` (via PWCTL_COORDINATOR) when given.
    static func run(
        _ arguments: [String], coordinator: String? = nil, timeout: Duration = .seconds(60)
    ) async throws -> CommandResult {
        let environment = coordinator.map { ["PWCTL_COORDINATOR": $0] } ?? [:]
        return try await ChildProcess.run(try Binaries.pwctl, arguments, environment: environment, timeout: timeout)
    }

    /// Like `run`, but the command must succeed; returns its stdout.
    static func output(
        _ arguments: [String], coordinator: String? = nil, timeout: Duration = .seconds(60)
    ) async throws -> String {
        let result = try await run(arguments, coordinator: coordinator, timeout: timeout)
        guard result.succeeded else {
            throw HarnessError("pwctl \(arguments.joined(separator: " ")) failed: \(result)")
        }
        return result.stdout
    }

    /// Ingests the email-Eu-core fixture into `scratch/graph.pwg`; returns the graph path.
    static func ingestFixture(into scratch: ScratchDirectory) async throws -> String {
        let graph = scratch.path("graph.pwg")
        _ = try await output(["ingest", try Binaries.emailEuCore.path, "--out", graph])
        return graph
    }

    /// Decodes one JSON value from the whole of `text` (which must hold exactly one line of output).
    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.count == 1 else { throw HarnessError("expected one line of JSON, got \(lines.count):\n\(text)") }
        return try JSONDecoder().decode(T.self, from: Data(lines[0].utf8))
    }
}

/// One ranked vertex of an answer (query output, batch output line).
struct RankedEntry: Decodable, Equatable {
    var vertex: UInt64
    var score: Double
}

/// `pwctl query --json` output (the fields the tests check).
struct QueryJSON: Decodable {
    var results: [RankedEntry]
    var fingerprints_used: Int?
    var index_version: UInt64?
}

/// `pwctl … --json` job record (the fields the tests check).
struct JobJSON: Decodable, Equatable {
    struct Failure: Decodable, Equatable {
        var code: String
        var message: String
    }

    struct Result: Decodable, Equatable {
        var index_version: UInt64?
        var output_path: String?
        var queries_answered: Int?
        var precision_at_10: Double?
        var precision_at_100: Double?
        var l1_error: Double?
    }

    var id: UInt64
    var type: String
    var state: String
    var error: Failure?
    var result: Result?
}

/// `pwctl jobs list --json`.
struct JobListJSON: Decodable, Equatable {
    var jobs: [JobJSON]
}

/// One line of a batch-query job's output file.
struct BatchLineJSON: Decodable {
    struct Source: Decodable, Equatable {
        var vertex: UInt64
        var weight: Double
    }

    var line: Int
    var sources: [Source]
    var results: [RankedEntry]?
    var error: JobJSON.Failure?
    /// The engine's estimate of the answer's L1 error (answered lines).
    var error_estimate: Double?
}

/// Checks that two top-k answers agree: scores rank by rank within `tolerance`, and every vertex in both
/// lists has the same score in both. A vertex in only one list must tie (within `tolerance`) with the
/// other list's last score: equal scores may be ordered or cut off differently.
func expectSameAnswer(
    _ actual: [RankedEntry], _ expected: [RankedEntry], tolerance: Double = 1e-12,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "answer sizes differ", sourceLocation: sourceLocation)
    for (a, e) in zip(actual, expected) {
        #expect(abs(a.score - e.score) <= tolerance, "rank score \(a) vs \(e)", sourceLocation: sourceLocation)
    }
    let expectedScores = Dictionary(expected.map { ($0.vertex, $0.score) }, uniquingKeysWith: { a, _ in a })
    let cutoff = expected.last?.score ?? 0
    for entry in actual {
        if let score = expectedScores[entry.vertex] {
            #expect(abs(entry.score - score) <= tolerance, "vertex \(entry.vertex)", sourceLocation: sourceLocation)
        } else {
            #expect(
                abs(entry.score - cutoff) <= tolerance, "vertex \(entry.vertex) not in the expected answer",
                sourceLocation: sourceLocation)
        }
    }
}
