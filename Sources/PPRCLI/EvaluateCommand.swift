import ArgumentParser
import PPRCore
import PPRWire

/// `pwctl evaluate`: submits an evaluate job (the live index against exact PPR on sampled sources).
struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Submit an evaluate job: accuracy of the live index against exact PPR on sampled sources.",
        discussion: """
            With --wait prints, when it ends, precision@10, precision@100, the mean L1 error, the queries' own \
            error estimates (mean and max) beside it, and the alpha evaluated (the active index's).
            """
    )

    @Option(name: .long, help: "Source vertices to sample (default: the server's).")
    var samples: Int?

    @Option(name: .long, help: "Seed of the sampling (default: the server's).")
    var seed: UInt64?

    @Option(name: .long, parsing: .unconditional, help: "Vertices per answer (default: the server's).")
    var top: Int?

    @Option(
        name: .long, parsing: .unconditional, help: "Expansion threshold on a vertex's flow (default: the server's).")
    var eps: Double?

    @Option(
        name: .customLong("max-levels"), parsing: .unconditional,
        help: "Decomposition levels T (default: the server's).")
    var maxLevels: Int?

    @Option(name: .long, help: "Accuracy preset: fast, default or high (default: the server's).")
    var accuracy: String?

    @OptionGroup var submission: JobSubmissionOptions

    @OptionGroup var coordinator: CoordinatorOptions

    func validate() throws {
        if let samples, !EngineLimits.evaluateSamples.contains(samples) {
            throw ValidationError(
                "--samples must be in \(EngineLimits.text(EngineLimits.evaluateSamples)), not \(samples)")
        }
        try QueryKnobChecks.top(top)
        try QueryKnobChecks.eps(eps)
        try QueryKnobChecks.maxLevels(maxLevels)
        try QueryKnobChecks.accuracy(accuracy)
    }

    /// The job as submitted.
    var spec: JobSpec {
        .evaluate(
            EvaluateJobParams(
                sampleCount: samples, seed: seed, topK: top, eps: eps, maxLevels: maxLevels, accuracy: accuracy))
    }

    func run() async throws {
        try await ClientFailure.reporting { try await submission.submit(spec, coordinator: coordinator) }
    }
}
