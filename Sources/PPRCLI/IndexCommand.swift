import ArgumentParser
import Foundation
import PPRCore
import PPRService
import PPRWire

/// `pwctl index`: builds a fingerprint index, locally into an LMDB store or as a cluster job.
///
/// Local mode (`--graph` and `--store`): the new index version becomes active only once it is complete,
/// so an interrupted build never leaves a store that looks complete; older versions are deleted after the
/// switch. Job mode (neither): submits an index job to the coordinator, which builds a new version on
/// every shard and activates it when all are done.
struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build the fingerprint index of a graph (R walks per vertex), locally or as a cluster job.",
        discussion: """
            With --graph and --store the index is built in this process. Without them an index job is \
            submitted to the coordinator: unset walk options take the server's defaults; the job id is \
            printed, or with --wait the final job record (exit 5 unless it succeeded). The same graph, \
            parameters and seed give byte-identical fingerprints whatever --threads is. A progress bar is \
            drawn on stderr when it is a terminal.
            """
    )

    @Option(name: .long, help: "Graph file written by `pwctl ingest` (local mode, with --store).")
    var graph: String?

    @Option(name: .long, help: "Directory of the LMDB fingerprint store, created if missing (local mode).")
    var store: String?

    @OptionGroup var walk: WalkOptions

    @Option(name: .long, help: "Walk threads (default: all cores; in job mode the server's).")
    var threads: Int?

    @OptionGroup var submission: JobSubmissionOptions

    @OptionGroup var coordinator: CoordinatorOptions

    /// Whether the index is built in this process.
    var isLocal: Bool { store != nil }

    func validate() throws {
        try walk.validate()
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, not \(threads)") }
        switch (graph, store) {
        case (.some, nil): throw ValidationError("--graph needs --store (local mode); omit both to submit a job")
        case (nil, .some): throw ValidationError("--store needs --graph (local mode)")
        default: break
        }
        if isLocal, submission.wait { throw ValidationError("--wait applies to job mode; omit --graph and --store") }
        if isLocal, coordinator.coordinator != nil {
            throw ValidationError("--coordinator applies to job mode; omit --graph and --store to use it")
        }
    }

    /// The index job as submitted (job mode).
    var spec: JobSpec { .index(walk.jobParameters(threads: threads)) }

    func run() async throws {
        try await ClientFailure.reporting {
            if let graph, let store {
                try buildLocally(graph: graph, storeDirectory: store)
            } else {
                try await submission.submit(spec, coordinator: coordinator)
            }
        }
    }

    /// Builds, activates and reports a new version in this process (blocking; the CLI does nothing else).
    private func buildLocally(graph: String, storeDirectory: String) throws {
        let loaded = try LocalGraph.load(graph)
        let index = try LocalIndex(directory: storeDirectory)
        var bar = ProgressBar()
        let report = try index.build(
            loaded, parameters: walk.parameters,
            threadCount: threads ?? ProcessInfo.processInfo.activeProcessorCount
        ) { done, total, steps in
            bar.update(done: done, total: total, steps: steps)
        }
        bar.finish()
        let output = IndexReport(report: report, store: index.directory, storeBytes: try index.sizeBytes())
        print(submission.json ? try output.json() : output.text())
    }
}

/// The walk parameters of an index build, shared by the local command and the index job.
///
/// Unset options take the defaults below locally, and the server's defaults in job mode.
struct WalkOptions: ParsableArguments {
    @Option(name: .long, help: "Walks per vertex R (default \(WalkParameters.defaultWalksPerVertex)).")
    var walks: Int?

    @Option(
        name: .customLong("max-length"),
        help: "Longest walk in steps Lmax (default \(WalkParameters.defaultMaxWalkLength)).")
    var maxLength: Int?

    @Option(name: .long, help: "Restart (stop) probability alpha (default \(PPRDefaults.restartProbability)).")
    var alpha: Double?

    @Option(
        name: .long,
        help: "Random seed; each vertex's walks derive from (seed, vertex) (default \(WalkParameters.defaultSeed)).")
    var seed: UInt64?

    /// The parameters of a local build.
    var parameters: WalkParameters {
        WalkParameters(
            restartProbability: alpha ?? PPRDefaults.restartProbability,
            walksPerVertex: walks ?? WalkParameters.defaultWalksPerVertex,
            maxWalkLength: maxLength ?? WalkParameters.defaultMaxWalkLength, seed: seed ?? WalkParameters.defaultSeed)
    }

    /// The parameters of an index job: only what was given.
    func jobParameters(threads: Int?) -> IndexJobParams {
        IndexJobParams(
            walksPerVertex: walks, maxWalkLength: maxLength, restartProbability: alpha, seed: seed, threads: threads)
    }

    func validate() throws {
        do { try parameters.validate() } catch { throw ValidationError(error.description) }
    }
}

/// What `pwctl index` reports.
struct IndexReport: Codable, Equatable {
    var version: UInt32
    var vertices: Int
    var walks: Int
    var maxLength: Int
    var alpha: Double
    var seed: UInt64
    var threads: Int
    var seconds: Double
    var walkSteps: Int
    var stepsPerSecondPerThread: Double
    var entries: Int
    var bytesPerVertex: Double
    var storeBytes: Int
    var store: String

    init(report: LocalIndex.BuildReport, store: String, storeBytes: Int) {
        version = report.version
        vertices = report.vertexCount
        walks = report.walkParameters.walksPerVertex
        maxLength = report.walkParameters.maxWalkLength
        alpha = report.walkParameters.restartProbability
        seed = report.walkParameters.seed
        threads = report.threadCount
        seconds = report.seconds
        walkSteps = report.walkSteps
        stepsPerSecondPerThread = Double(report.walkSteps) / max(report.seconds, 1e-9) / Double(report.threadCount)
        entries = report.entryCount
        bytesPerVertex = report.bytesPerVertex
        self.storeBytes = storeBytes
        self.store = store
    }

    func text() -> String {
        LabeledLines.format([
            ("Version", "\(version)"), ("Vertices", "\(vertices)"),
            ("Walks", "\(walks) per vertex, max length \(maxLength), alpha \(alpha), seed \(seed)"),
            ("Threads", "\(threads)"), ("Seconds", String(format: "%.3f", seconds)),
            ("Walk steps", "\(walkSteps)"),
            ("Steps/s/thr", String(format: "%.1f M", stepsPerSecondPerThread / 1e6)),
            ("Entries", "\(entries)"), ("Bytes/vertex", String(format: "%.1f", bytesPerVertex)),
            ("Store bytes", "\(storeBytes)"), ("Store", store),
        ])
    }

    /// One JSON object, keys in snake_case (`max_length`, `store_bytes`, ...); the old camelCase keys
    /// (`maxLength`, ...) are printed too, as deprecated aliases, for one release.
    func json() throws -> String { try JSONOutput.stringWithCamelCaseAliases(self) }
}
