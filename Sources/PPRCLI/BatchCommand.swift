import ArgumentParser
import PPRCore
import PPRWire

/// `pwctl batch`: submits a batch-query job (a file of sources in, top-k per source out).
struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Submit a batch-query job: top-k vertices for every source listed in a file.",
        discussion: """
            The coordinator reads --input and writes --output on its own host, only inside its job directory \
            (coordinator.jobFilesDir; `powerwalkd local --job-files-dir`, default DATA-DIR/jobs). Paths are sent \
            as given and taken relative to that directory; the job record shows the resolved absolute paths. \
            Prints the job id, or with --wait the final job record.
            """
    )

    @Option(name: .long, help: "File of sources, read by the coordinator (relative to its job directory).")
    var input: String

    @Option(name: .long, help: "File the answers are written to by the coordinator (relative to its job directory).")
    var output: String

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

    @Flag(name: .customLong("exclude-sources"), help: "Leave each query's sources out of its answer.")
    var excludeSources = false

    @Flag(name: .customLong("exclude-out-neighbors"), help: "Leave the sources' out-neighbours out of the answer.")
    var excludeOutNeighbors = false

    @OptionGroup var submission: JobSubmissionOptions

    @OptionGroup var coordinator: CoordinatorOptions

    func validate() throws {
        guard !input.isEmpty else { throw ValidationError("--input must name a file") }
        guard !output.isEmpty else { throw ValidationError("--output must name a file") }
        try QueryKnobChecks.top(top)
        try QueryKnobChecks.eps(eps)
        try QueryKnobChecks.maxLevels(maxLevels)
        try QueryKnobChecks.accuracy(accuracy)
    }

    /// The job as submitted: paths as given (the coordinator resolves them in its job directory).
    func spec() -> JobSpec {
        .batchQuery(
            BatchQueryJobParams(
                inputPath: input, outputPath: output, topK: top, eps: eps, maxLevels: maxLevels,
                excludeSources: excludeSources, excludeOutNeighbors: excludeOutNeighbors, accuracy: accuracy))
    }

    func run() async throws {
        try await ClientFailure.reporting { try await submission.submit(spec(), coordinator: coordinator) }
    }
}
