import ArgumentParser
import Foundation
import PPRCore
import PPRWire

/// `pwctl export`: submits an export job (top-K PPR of every vertex, or of listed sources, as NumPy files).
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Submit an export job: the top-K PPR neighbours of every vertex as NumPy CSR files.",
        discussion: """
            The coordinator writes --output (a directory) on its own host, only inside its job directory \
            (coordinator.jobFilesDir; `powerwalkd local --job-files-dir`, default DATA-DIR/jobs): \
            vertices.npy (uint64 [n]), indptr.npy (int64 [n+1]), neighbors.npy (uint64 [nnz]), \
            scores.npy (float32 [nnz], each row highest first) and meta.json. The directory appears only \
            when complete (it replaces one of the same name). --sources names a file in the job directory, one \
            vertex id per line. Paths are sent as given and taken relative to the job directory. Prints the \
            job id, or with --wait the final record.
            """
    )

    @Option(name: .long, parsing: .unconditional, help: "Neighbours per row (K, default 32).")
    var top: Int?

    @Option(name: .long, help: "Directory to create, relative to the coordinator's job directory.")
    var output: String

    @Option(name: .long, help: "File of source ids in the job directory, one per line (default: every vertex).")
    var sources: String?

    @Option(name: .long, help: "Accuracy preset: fast, default or high (default: the server's).")
    var accuracy: String?

    @OptionGroup var submission: JobSubmissionOptions

    @OptionGroup var coordinator: CoordinatorOptions

    func validate() throws {
        guard !output.isEmpty else { throw ValidationError("--output must name a directory") }
        try QueryKnobChecks.top(top)
        if let sources, sources.isEmpty { throw ValidationError("--sources must name a file") }
        try QueryKnobChecks.accuracy(accuracy)
    }

    /// The job as submitted: paths as given (the coordinator resolves them in its job directory).
    func spec() -> JobSpec {
        .export(ExportJobParams(outputPath: output, topK: top, sourcesPath: sources ?? "", accuracy: accuracy ?? ""))
    }

    func run() async throws {
        try await ClientFailure.reporting { try await submission.submit(spec(), coordinator: coordinator) }
    }
}
