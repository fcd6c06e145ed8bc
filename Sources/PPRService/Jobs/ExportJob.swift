// Export job (issue 7 item 2): the top-K PPR vector of every vertex (or of listed sources) for machine
// learning, computed with the shared decomposition (BatchExecutor, through `context.answer`) and
// written as NumPy `.npy` files (format 1.0, plain `numpy.load`):
//   vertices.npy  uint64 [n]     external id of each row, in row order
//   indptr.npy    int64  [n+1]   CSR row offsets
//   neighbors.npy uint64 [nnz]   external ids, each row highest score first
//   scores.npy    float32 [nnz]  normalised PPR scores
//   meta.json                    graph checksum, index version, alpha, K, preset, sources, creation time
// The directory is written as OUTPUT.tmp-<job id> and renamed to OUTPUT when complete (fsynced files),
// so OUTPUT never exists partially; a cancel or a failure removes the temporary directory.
// Paths: the sources file and the output directory are inside the job directory (JobFiles), checked when
// the job is submitted and again when it runs.
import Foundation
import Logging
import PPRCore
import PPRStorage
import PPRWire

/// One run of an export job.
struct ExportJob {
    /// Sources per `context.answer` call when K is small (a few blocks of the shared decomposition);
    /// `JobSettings.roundSize` lowers it so a round holds at most `maxRoundEntries` ranked vertices.
    static let roundSize = 1_536

    let job: ResolvedExportJob
    let handle: JobHandle

    func run() async throws(WireError) -> JobResult {
        let graph = handle.context.graph.graph
        let files = handle.settings.jobFiles
        let (topK, preset) = (job.topK, job.accuracy)
        let rows = try await sources(graph)
        let total = rows.count
        let roundSize = handle.settings.roundSize(
            preferred: Self.roundSize, topK: topK, vertexCount: graph.vertexCount)
        handle.logger.info("job \(handle.id): export of \(total) rows, top \(topK), preset \(preset)")
        await handle.progress(0, of: total)
        let (outputPath, jobID) = (job.outputPath, handle.id)
        let directory = try JobFiles.wire { () throws(JobFilesError) in
            try files.createOutputDirectory(outputPath, job: jobID)
        }
        let temporary = directory.temporaryPath
        let started = Date()
        do throws(WireError) {
            let files = try io { try ExportFiles(directory: temporary) }
            try io { try files.vertices.append(rows.map { graph.id(of: $0).rawValue }) }
            try io { try files.indptr.append([Int64(0)]) }
            var written = 0
            var entries: Int64 = 0
            var indexVersion: UInt64 = 0
            while written < total {
                try handle.checkCancelled()
                let round = rows[written..<min(total, written + roundSize)]
                let requests = round.map { vertex in
                    // The preset by name, so all its knobs (sampling, steps) apply, not only eps and levels.
                    QueryRequest(
                        sources: [QuerySource(graph.id(of: vertex))], topK: topK, eps: preset.eps,
                        maxLevels: preset.maxLevels, accuracy: preset.rawValue)
                }
                let responses = try await handle.context.answer(requests)
                guard responses.count == requests.count else {
                    throw WireError(.internal, "\(responses.count) answers to \(requests.count) export rows")
                }
                var offsets: [Int64] = []
                var neighbors: [UInt64] = []
                var scores: [Float] = []
                for response in responses {
                    indexVersion = response.indexVersion
                    for ranked in response.results {
                        neighbors.append(ranked.vertex.rawValue)
                        scores.append(Float(ranked.score))
                    }
                    entries += Int64(response.results.count)
                    offsets.append(entries)
                }
                try io {
                    try files.indptr.append(offsets)
                    try files.neighbors.append(neighbors)
                    try files.scores.append(scores)
                }
                written += round.count
                await handle.progress(written, of: total)
            }
            try handle.checkCancelled()
            let alpha = await indexAlpha()
            let meta = Self.meta(
                checksum: handle.context.graph.checksum, indexVersion: indexVersion, alpha: alpha, topK: topK,
                preset: preset, rows: total, entries: Int(entries), sourcesPath: job.sourcesPath, created: started)
            try io {
                try files.finish()
                try Self.writeSynced(meta, to: temporary + "/meta.json")
            }
            try handle.checkCancelled()  // a cancel during the last round still leaves nothing
            try JobFiles.wire { () throws(JobFilesError) in try directory.commit() }
            return JobResult(
                outputPath: directory.destination, queriesAnswered: total, exportRows: total,
                exportEntries: Int(entries))
        } catch {
            directory.discard()
            throw error
        }
    }

    /// The rows: every vertex in index order, or the sources file's ids (one per line, CRLF accepted).
    private func sources(_ graph: CSRGraph) async throws(WireError) -> [VertexIndex] {
        guard let path = job.sourcesPath else { return (0..<graph.vertexCount).map { VertexIndex($0) } }
        let files = handle.settings.jobFiles
        let lines = try await handle.cpu.run { () throws(WireError) in
            let input = try JobFiles.wire { () throws(JobFilesError) in try files.readInput(path, name: "sources_path")
            }
            return try BatchQueryInput.parse(String(decoding: input.bytes, as: UTF8.self), path: input.path)
        }
        var rows: [VertexIndex] = []
        rows.reserveCapacity(lines.count)
        for line in lines {
            guard line.sources.count == 1, line.sources[0].weight == 1 else {
                throw WireError(.invalidArgument, "\(path) line \(line.line): an export source is one vertex id")
            }
            guard let vertex = graph.index(of: line.sources[0].vertex) else {
                throw WireError(.notFound, "\(path) line \(line.line): vertex \(line.sources[0].vertex) does not exist")
            }
            rows.append(vertex)
        }
        return rows
    }

    /// Alpha of the active index, from its manifests (0 when they cannot be read: the export is written).
    private func indexAlpha() async -> Double {
        (try? await handle.context.activeIndexManifest())?.walk.restartProbability ?? 0
    }

    static func meta(
        checksum: UInt64, indexVersion: UInt64, alpha: Double, topK: Int, preset: AccuracyPreset, rows: Int,
        entries: Int, sourcesPath: String?, created: Date
    ) -> String {
        let time = ISO8601DateFormatter().string(from: created)
        let sources = sourcesPath.map(BatchQueryOutput.string) ?? "null"
        return """
            {"graph_checksum":"\(String(checksum, radix: 16))","index_version":\(indexVersion),"alpha":\(alpha),\
            "k":\(topK),"preset":"\(preset.rawValue)","eps":\(preset.eps),"max_levels":\(preset.maxLevels),\
            "sources":\(rows),"sources_file":\(sources),"entries":\(entries),"created":"\(time)",\
            "format":"CSR rows: vertices.npy uint64, indptr.npy int64, neighbors.npy uint64, scores.npy float32"}

            """
    }

    private static func writeSynced(_ text: String, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.synchronize()
        try handle.close()
    }

    /// Runs file work; an error becomes INTERNAL naming it (disk full, permissions).
    private func io<R>(_ body: () throws -> R) throws(WireError) -> R {
        do { return try body() } catch { throw WireError(.internal, "export \(job.outputPath): \(error)") }
    }
}

/// The four arrays of an export being written.
private struct ExportFiles {
    let vertices: NumPyArrayWriter
    let indptr: NumPyArrayWriter
    let neighbors: NumPyArrayWriter
    let scores: NumPyArrayWriter

    init(directory: String) throws {
        vertices = try NumPyArrayWriter(path: directory + "/vertices.npy", dtype: .uint64)
        indptr = try NumPyArrayWriter(path: directory + "/indptr.npy", dtype: .int64)
        neighbors = try NumPyArrayWriter(path: directory + "/neighbors.npy", dtype: .uint64)
        scores = try NumPyArrayWriter(path: directory + "/scores.npy", dtype: .float32)
    }

    func finish() throws {
        for file in [vertices, indptr, neighbors, scores] { try file.finish() }
    }
}
