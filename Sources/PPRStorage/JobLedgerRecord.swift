// JobLedgerRecord: the storage form of a job (DESIGN §3: jobs have an id, state, progress, a result or
// an error, and survive a coordinator restart).
//
// PPRStorage does not know the wire types, so a record is a plain value of its own; PPRService converts
// it to and from `JobRecord`. Stored bytes: magic "PWJR", a little-endian UInt32 schema version, then the
// record as JSON with sorted keys. JSON keeps the format readable with `mdb_dump` and lets a later schema
// add optional fields that older records simply lack.
import Foundation

/// One job as the coordinator's ledger keeps it.
public struct JobLedgerRecord: Codable, Equatable, Sendable {
    /// What the job does.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case index
        case batchQuery = "batch-query"
        case evaluate
        case export
    }

    /// Where the job is in its life; `succeeded`, `failed` and `cancelled` are final.
    public enum State: String, Codable, Sendable, CaseIterable {
        case queued, running, succeeded, failed, cancelled

        /// Whether nothing more happens to a job in this state.
        public var isFinal: Bool { self == .succeeded || self == .failed || self == .cancelled }
    }

    /// Why a job failed or was cancelled: a wire status code number and a message naming the cause.
    public struct Failure: Codable, Equatable, Sendable {
        public var code: Int32
        public var message: String
        /// Makes a failure.
        public init(code: Int32, message: String) {
            self.code = code
            self.message = message
        }
    }

    /// Assigned by `JobLedger.create`; ascending in submission order.
    public var id: UInt64
    public var kind: Kind
    public var state: State
    /// The job's parameters, with defaults already filled in (what the job runs with).
    public var parameters: JobLedgerParameters
    /// Units done out of total (vertices, queries or sources, by kind).
    public var progressDone: Int
    public var progressTotal: Int
    /// Microseconds since the Unix epoch.
    public var createdUnixMicros: Int64
    public var startedUnixMicros: Int64?
    public var finishedUnixMicros: Int64?
    /// Set when the job failed or was cancelled.
    public var failure: Failure?
    /// Set when the job succeeded.
    public var result: JobLedgerResult?
    /// The index version an index job builds, recorded when it starts so that a restart can cancel it.
    public var indexVersion: UInt64?

    /// Makes a record; `id` is replaced by `JobLedger.create`.
    public init(
        id: UInt64 = 0, kind: Kind, state: State = .queued, parameters: JobLedgerParameters = .init(),
        progressDone: Int = 0, progressTotal: Int = 0, createdUnixMicros: Int64 = 0, startedUnixMicros: Int64? = nil,
        finishedUnixMicros: Int64? = nil, failure: Failure? = nil, result: JobLedgerResult? = nil,
        indexVersion: UInt64? = nil
    ) {
        self.id = id
        self.kind = kind
        self.state = state
        self.parameters = parameters
        self.progressDone = progressDone
        self.progressTotal = progressTotal
        self.createdUnixMicros = createdUnixMicros
        self.startedUnixMicros = startedUnixMicros
        self.finishedUnixMicros = finishedUnixMicros
        self.failure = failure
        self.result = result
        self.indexVersion = indexVersion
    }
}

/// The parameters of any job kind in one flat value; a kind uses its own fields and leaves the rest nil.
public struct JobLedgerParameters: Codable, Equatable, Sendable {
    // index
    public var walksPerVertex: Int?
    public var maxWalkLength: Int?
    public var restartProbability: Double?
    /// Walk seed (index) or sampling seed (evaluate).
    public var seed: UInt64?
    public var threads: Int?
    // batch-query
    public var inputPath: String?
    public var outputPath: String?
    public var excludeSources: Bool?
    public var excludeOutNeighbors: Bool?
    // batch-query and evaluate
    public var topK: Int?
    public var eps: Double?
    public var maxLevels: Int?
    // evaluate
    public var sampleCount: Int?
    // export (also outputPath, topK, and inputPath for the sources file)
    public var accuracy: String?

    /// Makes parameters; every field defaults to nil.
    public init() {}
}

/// What a succeeded job produced; the fields set depend on the kind.
public struct JobLedgerResult: Codable, Equatable, Sendable {
    public var precisionAt10: Double?
    public var precisionAt100: Double?
    public var l1Error: Double?
    public var outputPath: String?
    public var indexVersion: UInt64?
    public var queriesAnswered: Int?
    /// Export: rows and entries written.
    public var exportRows: Int?
    public var exportEntries: Int?
    /// Evaluate: the alpha evaluated, and the mean and largest error estimate of its queries (absent in
    /// records written before they were reported).
    public var restartProbability: Double?
    public var meanErrorEstimate: Double?
    public var maxErrorEstimate: Double?

    /// Makes a result; every field defaults to nil.
    public init(
        precisionAt10: Double? = nil, precisionAt100: Double? = nil, l1Error: Double? = nil,
        outputPath: String? = nil, indexVersion: UInt64? = nil, queriesAnswered: Int? = nil
    ) {
        self.precisionAt10 = precisionAt10
        self.precisionAt100 = precisionAt100
        self.l1Error = l1Error
        self.outputPath = outputPath
        self.indexVersion = indexVersion
        self.queriesAnswered = queriesAnswered
    }
}

extension JobLedgerRecord {
    /// "PWJR" little-endian: marks the bytes as a job record.
    static let magic: UInt32 = 0x524A_5750
    /// Bumped when a change is not backward compatible (new optional fields do not need a bump).
    public static let schemaVersion: UInt32 = 1

    /// The stored bytes: magic, schema version, JSON.
    public func encoded() throws(JobLedgerError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json: Data
        do { json = try encoder.encode(self) } catch {
            throw .unencodable(id: id, detail: "\(error)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count)
        StoreLayout.appendUInt32(Self.magic, to: &bytes)
        StoreLayout.appendUInt32(Self.schemaVersion, to: &bytes)
        bytes.append(contentsOf: json)
        return bytes
    }

    /// Decodes stored bytes; `detail` of the error says what is wrong.
    public init(decoding bytes: [UInt8]) throws(JobLedgerError.DecodeFailure) {
        guard bytes.count >= 8, StoreLayout.readUInt32(bytes.span, at: 0) == Self.magic else {
            throw JobLedgerError.DecodeFailure(detail: "not a job record (\(bytes.count) bytes, no magic)")
        }
        let version = StoreLayout.readUInt32(bytes.span, at: 4)
        guard version == Self.schemaVersion else {
            throw JobLedgerError.DecodeFailure(detail: "schema version \(version), expected \(Self.schemaVersion)")
        }
        do {
            self = try JSONDecoder().decode(JobLedgerRecord.self, from: Data(bytes[8...]))
        } catch {
            throw JobLedgerError.DecodeFailure(detail: "\(error)")
        }
    }
}
