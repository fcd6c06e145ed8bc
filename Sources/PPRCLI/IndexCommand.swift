import ArgumentParser
import Foundation
import PPRCore
import PPRStorage

/// `pwctl index`: builds a fingerprint index for every vertex of a graph into an LMDB store.
///
/// The new index version becomes active only once it is complete, so an interrupted build never
/// leaves a store that looks complete; older versions are deleted after the switch.
struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build the fingerprint index of a graph (R walks per vertex) into an LMDB store.",
        discussion: """
            The same graph, parameters and seed give byte-identical fingerprints whatever --threads is. \
            A progress bar is drawn on stderr when it is a terminal.
            """
    )

    @Option(name: .long, help: "Graph file written by `pwctl ingest`.")
    var graph: String

    @Option(name: .long, help: "Directory of the LMDB fingerprint store (created if missing).")
    var store: String

    @OptionGroup var walk: WalkOptions

    @Option(name: .long, help: "Walk threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .long, help: "Print one JSON object instead of text lines.")
    var json = false

    func validate() throws {
        try walk.validate()
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, not \(threads)") }
    }

    func run() async throws {
        let loaded = try GraphFile.load(graph)
        let store = try FingerprintStore(directory: self.store)
        let builder = IndexBuilder(
            graph: loaded.graph, graphChecksum: loaded.checksum, parameters: walk.parameters, threadCount: threads)
        var bar = ProgressBar()
        let report = try builder.build(into: store) { progress in
            bar.update(done: progress.verticesDone, total: progress.vertexTotal, steps: progress.walkSteps)
        }
        bar.finish()
        try store.activate(report.manifest.version)
        for old in try store.versions() where old.version != report.manifest.version {
            try store.deleteVersion(old.version)
        }
        let output = IndexReport(report: report, store: self.store, storeBytes: try store.sizeBytes())
        print(json ? try output.json() : output.text())
    }
}

/// The walk parameters of an index build, shared by the local command and the index job.
struct WalkOptions: ParsableArguments {
    @Option(name: .long, help: "Walks per vertex (R).")
    var walks: Int = WalkParameters.defaultWalksPerVertex

    @Option(name: .customLong("max-length"), help: "Longest walk in steps (Lmax).")
    var maxLength: Int = WalkParameters.defaultMaxWalkLength

    @Option(name: .long, help: "Restart (stop) probability alpha.")
    var alpha: Double = PPRDefaults.restartProbability

    @Option(name: .long, help: "Random seed; each vertex's walks derive from (seed, vertex).")
    var seed: UInt64 = WalkParameters.defaultSeed

    var parameters: WalkParameters {
        WalkParameters(restartProbability: alpha, walksPerVertex: walks, maxWalkLength: maxLength, seed: seed)
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

    init(report: IndexBuildReport, store: String, storeBytes: Int) {
        let manifest = report.manifest
        version = manifest.version
        vertices = manifest.vertexCount
        walks = manifest.walkParameters.walksPerVertex
        maxLength = manifest.walkParameters.maxWalkLength
        alpha = manifest.restartProbability
        seed = manifest.walkParameters.seed
        threads = report.threadCount
        seconds = report.seconds
        walkSteps = report.walkSteps
        stepsPerSecondPerThread = Double(report.walkSteps) / max(report.seconds, 1e-9) / Double(report.threadCount)
        entries = manifest.entryCount
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

    func json() throws -> String { try JSONOutput.string(self) }
}
