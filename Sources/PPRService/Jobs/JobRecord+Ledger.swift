// Conversion between the runner's jobs (JobRecord + ResolvedJob) and the ledger's JobLedgerRecord
// (PPRStorage does not know the wire types). Jobs are stored resolved (defaults filled in), so a stored
// record gives back the job it was accepted as; the wire record of a stored job is read leniently, so that
// listing jobs never fails on an old or damaged record.
import PPRCore
import PPRStorage
import PPRWire

extension JobLedgerRecord {
    /// The storage form of `record`, whose resolved job is `job`.
    init(_ record: JobRecord, job: ResolvedJob) {
        let kind: Kind =
            switch job {
            case .index: .index
            case .batchQuery: .batchQuery
            case .evaluate: .evaluate
            case .export: .export
            }
        self.init(
            id: record.id, kind: kind, state: State(record.state), parameters: JobLedgerParameters(job),
            progressDone: record.progressDone, progressTotal: record.progressTotal,
            createdUnixMicros: record.createdUnixMicros, startedUnixMicros: record.startedUnixMicros,
            finishedUnixMicros: record.finishedUnixMicros,
            failure: record.error.map { Failure(code: $0.code.rawValue, message: $0.message) },
            result: record.result.map(JobLedgerResult.init))
    }
}

extension JobLedgerParameters {
    /// The stored parameters of `job`: every field of its kind set.
    init(_ job: ResolvedJob) {
        self.init()
        switch job {
        case .index(let j):
            walksPerVertex = j.walk.walksPerVertex
            maxWalkLength = j.walk.maxWalkLength
            restartProbability = j.walk.restartProbability
            seed = j.walk.seed
            threads = j.threads
        case .batchQuery(let j):
            inputPath = j.inputPath
            outputPath = j.outputPath
            excludeSources = j.excludeSources
            excludeOutNeighbors = j.excludeOutNeighbors
            store(j.query)
        case .evaluate(let j):
            sampleCount = j.sampleCount
            seed = j.seed
            store(j.query)
        case .export(let j):
            outputPath = j.outputPath
            topK = j.topK
            inputPath = j.sourcesPath
            accuracy = j.accuracy.rawValue
        }
    }

    private mutating func store(_ query: ResolvedJobQuery) {
        topK = query.topK
        eps = query.eps
        maxLevels = query.maxLevels
        accuracy = query.accuracy?.rawValue
    }
}

extension ResolvedJob {
    /// The job a stored record describes, as it was accepted; INTERNAL naming the job and the first missing
    /// or unreadable parameter (records are written resolved, so this means a damaged ledger).
    ///
    /// Reads records of every earlier version: batch-query and evaluate records written before the accuracy
    /// preset was stored have none (the server's default preset, as they ran then); an export record without
    /// one takes the default preset, as the export job did.
    init(_ stored: JobLedgerRecord) throws(WireError) {
        let p = stored.parameters
        let kind = stored.kind.rawValue
        func incomplete(_ field: String) -> WireError {
            WireError(from: StoredJobError.incompleteRecord(job: stored.id, kind: kind, field: field))
        }
        func preset(_ name: String?) throws(WireError) -> AccuracyPreset? {
            guard let name else { return nil }
            guard let preset = AccuracyPreset(name: name) else { throw incomplete("accuracy (\(name.prefix(64)))") }
            return preset
        }
        func query() throws(WireError) -> ResolvedJobQuery {
            guard let topK = p.topK else { throw incomplete("top_k") }
            guard let eps = p.eps else { throw incomplete("eps") }
            guard let maxLevels = p.maxLevels else { throw incomplete("max_levels") }
            return ResolvedJobQuery(topK: topK, eps: eps, maxLevels: maxLevels, accuracy: try preset(p.accuracy))
        }
        switch stored.kind {
        case .index:
            guard let alpha = p.restartProbability else { throw incomplete("restart_probability") }
            guard let walks = p.walksPerVertex else { throw incomplete("walks_per_vertex") }
            guard let length = p.maxWalkLength else { throw incomplete("max_walk_length") }
            guard let seed = p.seed else { throw incomplete("seed") }
            guard let threads = p.threads else { throw incomplete("threads") }
            let walk = WalkParameters(
                restartProbability: alpha, walksPerVertex: walks, maxWalkLength: length, seed: seed)
            self = .index(ResolvedIndexJob(walk: walk, threads: threads))
        case .batchQuery:
            guard let input = p.inputPath else { throw incomplete("input_path") }
            guard let output = p.outputPath else { throw incomplete("output_path") }
            self = .batchQuery(
                ResolvedBatchQueryJob(
                    inputPath: input, outputPath: output, query: try query(),
                    excludeSources: p.excludeSources ?? false, excludeOutNeighbors: p.excludeOutNeighbors ?? false))
        case .evaluate:
            guard let samples = p.sampleCount else { throw incomplete("sample_count") }
            guard let seed = p.seed else { throw incomplete("seed") }
            self = .evaluate(ResolvedEvaluateJob(sampleCount: samples, seed: seed, query: try query()))
        case .export:
            guard let output = p.outputPath else { throw incomplete("output_path") }
            guard let topK = p.topK else { throw incomplete("top_k") }
            self = .export(
                ResolvedExportJob(
                    outputPath: output, topK: topK, sourcesPath: p.inputPath,
                    accuracy: try preset(p.accuracy) ?? .default))
        }
    }
}

extension JobLedgerRecord.State {
    init(_ state: JobState) {
        switch state {
        case .queued: self = .queued
        case .running: self = .running
        case .succeeded: self = .succeeded
        case .failed: self = .failed
        case .cancelled: self = .cancelled
        }
    }

    /// The wire state.
    var wire: JobState {
        switch self {
        case .queued: .queued
        case .running: .running
        case .succeeded: .succeeded
        case .failed: .failed
        case .cancelled: .cancelled
        }
    }
}

extension JobLedgerResult {
    init(_ result: JobResult) {
        self.init(
            precisionAt10: result.precisionAt10, precisionAt100: result.precisionAt100, l1Error: result.l1Error,
            outputPath: result.outputPath.isEmpty ? nil : result.outputPath,
            indexVersion: result.indexVersion == 0 ? nil : result.indexVersion,
            queriesAnswered: result.queriesAnswered)
        if result.exportRows > 0 || result.exportEntries > 0 {
            exportRows = result.exportRows
            exportEntries = result.exportEntries
        }
        restartProbability = result.restartProbability
        meanErrorEstimate = result.meanErrorEstimate
        maxErrorEstimate = result.maxErrorEstimate
    }
}

extension JobRecord {
    /// The wire form of a stored record, its spec as stored; INTERNAL naming the job if a batch-query or
    /// export record has no paths.
    init(_ stored: JobLedgerRecord) throws(WireError) {
        let p = stored.parameters
        let spec: JobSpec
        switch stored.kind {
        case .index:
            spec = .index(
                IndexJobParams(
                    walksPerVertex: p.walksPerVertex, maxWalkLength: p.maxWalkLength,
                    restartProbability: p.restartProbability, seed: p.seed, threads: p.threads))
        case .batchQuery:
            guard let input = p.inputPath, let output = p.outputPath else {
                throw WireError(.internal, "job \(stored.id): stored batch-query record has no input or output path")
            }
            spec = .batchQuery(
                BatchQueryJobParams(
                    inputPath: input, outputPath: output, topK: p.topK, eps: p.eps, maxLevels: p.maxLevels,
                    excludeSources: p.excludeSources ?? false, excludeOutNeighbors: p.excludeOutNeighbors ?? false,
                    accuracy: p.accuracy))
        case .evaluate:
            spec = .evaluate(
                EvaluateJobParams(
                    sampleCount: p.sampleCount, seed: p.seed, topK: p.topK, eps: p.eps, maxLevels: p.maxLevels,
                    accuracy: p.accuracy))
        case .export:
            guard let output = p.outputPath else {
                throw WireError(.internal, "job \(stored.id): stored export record has no output path")
            }
            spec = .export(
                ExportJobParams(
                    outputPath: output, topK: p.topK, sourcesPath: p.inputPath ?? "", accuracy: p.accuracy ?? ""))
        }
        self.init(
            id: stored.id, spec: spec, state: stored.state.wire, progressDone: stored.progressDone,
            progressTotal: stored.progressTotal, createdUnixMicros: stored.createdUnixMicros,
            startedUnixMicros: stored.startedUnixMicros, finishedUnixMicros: stored.finishedUnixMicros,
            error: stored.failure.map { WireError(WireErrorCode(rawValue: $0.code), $0.message) },
            result: stored.result.map { r in
                JobResult(
                    precisionAt10: r.precisionAt10, precisionAt100: r.precisionAt100, l1Error: r.l1Error,
                    outputPath: r.outputPath ?? "", indexVersion: r.indexVersion ?? 0,
                    queriesAnswered: r.queriesAnswered ?? 0, exportRows: r.exportRows ?? 0,
                    exportEntries: r.exportEntries ?? 0, restartProbability: r.restartProbability,
                    meanErrorEstimate: r.meanErrorEstimate, maxErrorEstimate: r.maxErrorEstimate)
            })
    }
}
