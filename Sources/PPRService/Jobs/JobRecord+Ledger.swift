// Conversion between the wire's JobRecord and the ledger's JobLedgerRecord (PPRStorage does not know
// the wire types). Specs are stored resolved (defaults filled in), so the conversion is lossless.
import PPRStorage
import PPRWire

extension JobLedgerRecord {
    /// The storage form of `record`.
    init(_ record: JobRecord) {
        var parameters = JobLedgerParameters()
        let kind: Kind
        switch record.spec {
        case .index(let p):
            kind = .index
            parameters.walksPerVertex = p.walksPerVertex
            parameters.maxWalkLength = p.maxWalkLength
            parameters.restartProbability = p.restartProbability
            parameters.seed = p.seed
            parameters.threads = p.threads
        case .batchQuery(let p):
            kind = .batchQuery
            parameters.inputPath = p.inputPath
            parameters.outputPath = p.outputPath
            parameters.topK = p.topK
            parameters.eps = p.eps
            parameters.maxLevels = p.maxLevels
            parameters.excludeSources = p.excludeSources
            parameters.excludeOutNeighbors = p.excludeOutNeighbors
        case .evaluate(let p):
            kind = .evaluate
            parameters.sampleCount = p.sampleCount
            parameters.seed = p.seed
            parameters.topK = p.topK
            parameters.eps = p.eps
            parameters.maxLevels = p.maxLevels
        case .export(let p):
            kind = .export
            parameters.outputPath = p.outputPath
            parameters.topK = p.topK
            parameters.inputPath = p.sourcesPath.isEmpty ? nil : p.sourcesPath
            parameters.accuracy = p.accuracy
        }
        self.init(
            id: record.id, kind: kind, state: State(record.state), parameters: parameters,
            progressDone: record.progressDone, progressTotal: record.progressTotal,
            createdUnixMicros: record.createdUnixMicros, startedUnixMicros: record.startedUnixMicros,
            finishedUnixMicros: record.finishedUnixMicros,
            failure: record.error.map { Failure(code: $0.code.rawValue, message: $0.message) },
            result: record.result.map(JobLedgerResult.init))
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
    }
}

extension JobRecord {
    /// The wire form of a stored record; INTERNAL naming the job if its parameters are incomplete.
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
                    excludeSources: p.excludeSources ?? false, excludeOutNeighbors: p.excludeOutNeighbors ?? false))
        case .evaluate:
            spec = .evaluate(
                EvaluateJobParams(
                    sampleCount: p.sampleCount, seed: p.seed, topK: p.topK, eps: p.eps, maxLevels: p.maxLevels))
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
                    exportEntries: r.exportEntries ?? 0)
            })
    }
}
