import ArgumentParser
import Foundation
import PPRCore
import PPRWire

/// `pwctl batch`: submits a batch-query job (a file of sources in, top-k per source out).
struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Submit a batch-query job: top-k vertices for every source listed in a file.",
        discussion: """
            The coordinator reads --input and writes --output on its own host; relative paths are made \
            absolute here first. Prints the job id, or with --wait the final job record.
            """
    )

    @Option(name: .long, help: "File of sources, read by the coordinator.")
    var input: String

    @Option(name: .long, help: "File the answers are written to, by the coordinator.")
    var output: String

    @Option(name: .long, help: "Vertices per answer (default: the server's).")
    var top: Int?

    @Option(name: .long, help: "Expansion threshold on a vertex's flow (default: the server's).")
    var eps: Double?

    @Option(name: .customLong("max-levels"), help: "Decomposition levels T (default: the server's).")
    var maxLevels: Int?

    @Option(name: .long, help: "Accuracy preset: fast, default or high (default: the server's).")
    var accuracy: String?

    @Flag(name: .customLong("exclude-sources"), help: "Leave each query's sources out of its answer.")
    var excludeSources = false

    @Flag(name: .customLong("exclude-out-neighbors"), help: "Leave the sources' out-neighbours out of the answer.")
    var excludeOutNeighbors = false

    @OptionGroup var submission: JobSubmissionOptions

    @OptionGroup var coordinator: CoordinatorOptions

    func validate() throws {
        guard !input.isEmpty else { throw ValidationError("--input must name a file") }
        guard !output.isEmpty else { throw ValidationError("--output must name a file") }
        if let top, top < 1 { throw ValidationError("--top must be at least 1, not \(top)") }
        if let eps, !(eps.isFinite && eps >= 0) {
            throw ValidationError("--eps must be a finite number >= 0, not \(eps)")
        }
        if let maxLevels, maxLevels < 0 { throw ValidationError("--max-levels must be at least 0, not \(maxLevels)") }
        if let accuracy, AccuracyPreset(name: accuracy) == nil {
            throw ValidationError("--accuracy must be one of \(AccuracyPreset.names), not '\(accuracy)'")
        }
    }

    /// The job as submitted, with absolute paths.
    func spec(currentDirectory: String = FileManager.default.currentDirectoryPath) -> JobSpec {
        .batchQuery(
            BatchQueryJobParams(
                inputPath: Self.absolute(input, from: currentDirectory),
                outputPath: Self.absolute(output, from: currentDirectory), topK: top, eps: eps, maxLevels: maxLevels,
                excludeSources: excludeSources, excludeOutNeighbors: excludeOutNeighbors, accuracy: accuracy))
    }

    /// `path` made absolute against `directory`, with `.` and `..` resolved.
    static func absolute(_ path: String, from directory: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: directory, isDirectory: true))
            .standardizedFileURL.path
    }

    func run() async throws {
        try await ClientFailure.reporting { try await submission.submit(spec(), coordinator: coordinator) }
    }
}
