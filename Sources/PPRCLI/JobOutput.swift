import Foundation
import PPRWire

/// A job record as pwctl prints it: one JSON object (`--json`) or `Label: value` lines.
///
/// JSON contract: {"id":N,"type":"index|batch-query|evaluate","state":"queued|running|succeeded|failed|
/// cancelled","progress":{"done":N,"total":N},"created":ISO8601,"started":…?,"finished":…?,"params":{…},
/// "error":{"code":"NOT_FOUND","message":…}?,"result":{…}?}. Absent values are omitted.
struct JobOutput: Codable, Equatable {
    struct Progress: Codable, Equatable {
        var done: Int
        var total: Int
    }

    struct Failure: Codable, Equatable {
        /// Wire code name, e.g. `UNAVAILABLE`.
        var code: String
        var message: String
    }

    /// The parameters the job was submitted with (unset ones took the server's defaults and are omitted).
    struct Parameters: Codable, Equatable {
        var walks: Int?, maxLength: Int?, alpha: Double?, seed: UInt64?, threads: Int?
        var input: String?, output: String?, samples: Int?
        var topK: Int?, eps: Double?, maxLevels: Int?, excludeSources: Bool?, excludeOutNeighbors: Bool?
        var accuracy: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case walks, maxLength = "max_length", alpha, seed, threads, input, output, samples
            case topK = "top_k", eps, maxLevels = "max_levels", excludeSources = "exclude_sources"
            case excludeOutNeighbors = "exclude_out_neighbors", accuracy
        }
    }

    /// What the job produced; which fields are present depends on its type.
    struct Result: Codable, Equatable {
        var indexVersion: UInt64?
        var outputPath: String?
        var queriesAnswered: Int?
        var precisionAt10: Double?
        var precisionAt100: Double?
        var l1Error: Double?
        var rows: Int?
        var entries: Int?
        /// Evaluate: the alpha evaluated and the queries' own error estimates, beside the measured `l1_error`.
        var alpha: Double?
        var meanErrorEstimate: Double?
        var maxErrorEstimate: Double?

        enum CodingKeys: String, CodingKey {
            case indexVersion = "index_version", outputPath = "output_path", queriesAnswered = "queries_answered"
            case precisionAt10 = "precision_at_10", precisionAt100 = "precision_at_100", l1Error = "l1_error"
            case rows, entries, alpha
            case meanErrorEstimate = "mean_error_estimate", maxErrorEstimate = "max_error_estimate"
        }
    }

    var id: UInt64
    var type: String
    var state: String
    var progress: Progress
    var created: String
    var started: String?
    var finished: String?
    var params: Parameters
    var error: Failure?
    var result: Result?

    init(_ record: JobRecord) {
        id = record.id
        type = Self.name(record.type)
        state = Self.name(record.state)
        progress = Progress(done: record.progressDone, total: record.progressTotal)
        created = Self.timestamp(record.createdUnixMicros)
        started = record.startedUnixMicros.map(Self.timestamp)
        finished = record.finishedUnixMicros.map(Self.timestamp)
        params = Self.parameters(record.spec)
        error = record.error.map { Failure(code: $0.code.description, message: $0.message) }
        result = record.result.map { Self.result($0, type: record.type) }
    }

    static func name(_ type: JobType) -> String {
        switch type {
        case .index: "index"
        case .batchQuery: "batch-query"
        case .evaluate: "evaluate"
        case .export: "export"
        }
    }

    static func name(_ state: JobState) -> String {
        switch state {
        case .queued: "queued"
        case .running: "running"
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .cancelled: "cancelled"
        }
    }

    /// ISO 8601 in UTC with milliseconds, e.g. `2025-01-31T09:30:00.250Z`.
    static func timestamp(_ unixMicros: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(unixMicros) / 1e6))
    }

    private static func parameters(_ spec: JobSpec) -> Parameters {
        var p = Parameters()
        switch spec {
        case .index(let index):
            (p.walks, p.maxLength, p.alpha) = (index.walksPerVertex, index.maxWalkLength, index.restartProbability)
            (p.seed, p.threads) = (index.seed, index.threads)
        case .batchQuery(let batch):
            (p.input, p.output, p.topK, p.eps) = (batch.inputPath, batch.outputPath, batch.topK, batch.eps)
            (p.maxLevels, p.excludeSources, p.excludeOutNeighbors) =
                (batch.maxLevels, batch.excludeSources, batch.excludeOutNeighbors)
        case .evaluate(let evaluate):
            (p.samples, p.seed, p.topK) = (evaluate.sampleCount, evaluate.seed, evaluate.topK)
            (p.eps, p.maxLevels) = (evaluate.eps, evaluate.maxLevels)
        case .export(let export):
            (p.output, p.topK, p.accuracy) = (export.outputPath, export.topK, export.accuracy)
            p.input = export.sourcesPath.isEmpty ? nil : export.sourcesPath
        }
        return p
    }

    private static func result(_ result: JobResult, type: JobType) -> Result {
        switch type {
        case .index: Result(indexVersion: result.indexVersion)
        case .batchQuery: Result(outputPath: result.outputPath, queriesAnswered: result.queriesAnswered)
        case .evaluate:
            Result(
                queriesAnswered: result.queriesAnswered, precisionAt10: result.precisionAt10,
                precisionAt100: result.precisionAt100, l1Error: result.l1Error, alpha: result.restartProbability,
                meanErrorEstimate: result.meanErrorEstimate, maxErrorEstimate: result.maxErrorEstimate)
        case .export: Result(outputPath: result.outputPath, rows: result.exportRows, entries: result.exportEntries)
        }
    }

    /// One line of JSON.
    func json() throws -> String { try JSONOutput.string(self) }

    /// `Label: value` lines.
    func text() -> String {
        var rows: [(String, String)] = [
            ("Job", "\(id)"), ("Type", type), ("State", state), ("Progress", "\(progress.done)/\(progress.total)"),
            ("Created", created),
        ]
        if let started { rows.append(("Started", started)) }
        if let finished { rows.append(("Finished", finished)) }
        let parameterText = params.pairs().map { "\($0)=\($1)" }.joined(separator: " ")
        if !parameterText.isEmpty { rows.append(("Params", parameterText)) }
        if let error { rows.append(("Error", "\(error.code): \(error.message)")) }
        if let result {
            if let v = result.indexVersion { rows.append(("Index version", "\(v)")) }
            if let v = result.outputPath { rows.append(("Output", v)) }
            if let v = result.queriesAnswered { rows.append(("Queries", "\(v)")) }
            if let v = result.precisionAt10 { rows.append(("Precision@10", String(format: "%.4f", v))) }
            if let v = result.precisionAt100 { rows.append(("Precision@100", String(format: "%.4f", v))) }
            if let v = result.l1Error { rows.append(("L1", String(format: "%.6f", v))) }
            if let v = result.meanErrorEstimate { rows.append(("Error estimate (mean)", String(format: "%.6f", v))) }
            if let v = result.maxErrorEstimate { rows.append(("Error estimate (max)", String(format: "%.6f", v))) }
            if let v = result.alpha { rows.append(("Alpha", "\(v)")) }
            if let v = result.rows { rows.append(("Rows", "\(v)")) }
            if let v = result.entries { rows.append(("Entries", "\(v)")) }
        }
        return LabeledLines.format(rows)
    }

    /// One row of `pwctl jobs list`: id, type, state, progress, created.
    func row() -> [String] { ["\(id)", type, state, "\(progress.done)/\(progress.total)", created] }

    /// The table `pwctl jobs list` prints.
    static func table(_ jobs: [JobOutput]) -> String {
        let header = ["ID", "TYPE", "STATE", "PROGRESS", "CREATED"]
        let rows = [header] + jobs.map { $0.row() }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.indices.map { column in
                column == row.count - 1
                    ? row[column] : row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

extension JobOutput.Parameters {
    /// The set parameters as (JSON key, value) pairs, in declaration order.
    func pairs() -> [(String, String)] {
        let values: [(CodingKeys, (any CustomStringConvertible)?)] = [
            (.walks, walks), (.maxLength, maxLength), (.alpha, alpha), (.seed, seed), (.threads, threads),
            (.input, input), (.output, output), (.samples, samples), (.topK, topK), (.eps, eps),
            (.maxLevels, maxLevels), (.excludeSources, excludeSources), (.excludeOutNeighbors, excludeOutNeighbors),
            (.accuracy, accuracy),
        ]
        return values.compactMap { key, value in value.map { (key.rawValue, $0.description) } }
    }
}
