// JobLedger: the coordinator's own LMDB store of job records and cluster metadata (DESIGN §3).
//
// Layout: db `jobs` maps the job id as 8 big-endian bytes (so cursor order is id order, oldest first)
// to `JobLedgerRecord.encoded()`; db `meta` holds the format record ("PWJL" + version), the next job
// id, the active index version and the next index version number, each a little-endian UInt64.
// Ids are handed out in the same write transaction that stores the record, so they are dense,
// ascending and never reused. Every commit is fsynced (LMDB's default), so a record written before a
// crash is there after the restart.
import Foundation
import LMDB

/// An LMDB environment at a directory holding the coordinator's job records and metadata.
///
/// All methods are synchronous and may block on disk I/O or on another writer (see the LMDB module's
/// note on blocking): call them from a dedicated thread or queue. Open each directory once per process.
public final class JobLedger: Sendable {
    /// The environment's directory.
    public let directory: String
    private let environment: Environment
    /// db `jobs`: id (big-endian) → record.
    private let jobs: Database
    /// db `meta`: format, counters, versions.
    private let meta: Database

    /// Job records are small: 1 GiB of sparse map holds millions of them.
    public static let defaultMapSizeBytes = 1 << 30
    static let formatMagic: UInt32 = 0x4C4A_5750  // "PWJL"
    static let formatVersion: UInt32 = 1
    private static let nextJobKey = "next-job-id"
    private static let activeVersionKey = "active-index-version"
    private static let nextVersionKey = "next-index-version"

    /// Opens the ledger at `directory`, creating the directory and an empty ledger if needed.
    public init(directory: String, mapSizeBytes: Int = defaultMapSizeBytes) throws(JobLedgerError) {
        self.directory = directory
        let opened = try StoreOpening.open(
            directory: directory, mapSizeBytes: mapSizeBytes, maxDatabases: 4, databases: ["jobs"],
            magic: Self.formatMagic, formatVersion: Self.formatVersion, as: JobLedgerError.self)
        environment = opened.environment
        meta = opened.meta
        jobs = opened.databases[0]
    }

    // MARK: Jobs

    /// Stores `draft` under the next job id and returns it with that id.
    public func create(_ draft: JobLedgerRecord) throws(JobLedgerError) -> JobLedgerRecord {
        try perform {
            try environment.write { txn in
                let id = try counter(Self.nextJobKey, txn.value(forKey: Self.nextJobKey, in: meta)) ?? 1
                var record = draft
                record.id = id
                try txn.put(record.encoded(), forKey: Self.key(id), in: jobs, options: .noOverwrite)
                try txn.put(Self.bytes(id + 1), forKey: Self.nextJobKey, in: meta)
                return record
            }
        }
    }

    /// Replaces the stored record of `record.id`; `jobNotFound` if there is none.
    public func update(_ record: JobLedgerRecord) throws(JobLedgerError) {
        try perform {
            try environment.write { txn in
                guard try txn.value(forKey: Self.key(record.id), in: jobs) != nil else {
                    throw JobLedgerError.jobNotFound(record.id)
                }
                try txn.put(record.encoded(), forKey: Self.key(record.id), in: jobs)
            }
        }
    }

    /// The record of job `id`, or nil if there is none.
    public func get(id: UInt64) throws(JobLedgerError) -> JobLedgerRecord? {
        try perform {
            try environment.read { txn in
                try txn.value(forKey: Self.key(id), in: jobs).map { bytes in try decode(bytes, id: id) }
            }
        }
    }

    /// Jobs newest first: at most `limit` (0 = all), only those in `state` when given.
    ///
    /// Without a state filter only the last `limit` ids are read (ids are dense); with one, the whole
    /// table is scanned (job tables are small: one record per submitted job).
    public func list(limit: Int = 0, state: JobLedgerRecord.State? = nil) throws(JobLedgerError) -> [JobLedgerRecord] {
        try perform {
            try environment.read { txn in
                var start: [UInt8]? = nil
                if limit > 0, state == nil,
                    let next = try counter(Self.nextJobKey, txn.value(forKey: Self.nextJobKey, in: meta)),
                    next > UInt64(limit)
                {
                    start = Self.key(next - UInt64(limit))
                }
                var records: [JobLedgerRecord] = []
                try txn.forEach(in: jobs, from: start) { key, value in
                    let id = key.count == 8 ? Self.readBigEndian(key) : 0
                    let record = try decode(StoreLayout.copy(value), id: id)
                    if state == nil || record.state == state { records.append(record) }
                    return true
                }
                records.reverse()
                return limit > 0 && records.count > limit ? Array(records.prefix(limit)) : records
            }
        }
    }

    // MARK: Metadata

    /// The active index version and the next version number.
    public func metadata() throws(JobLedgerError) -> CoordinatorMetadata {
        try perform {
            try environment.read { txn in
                try readMetadata(
                    active: txn.value(forKey: Self.activeVersionKey, in: meta),
                    next: txn.value(forKey: Self.nextVersionKey, in: meta))
            }
        }
    }

    /// Changes the metadata atomically and returns the stored result.
    ///
    /// `nextIndexVersion` never goes down and always stays above the active version, whatever `body` does.
    @discardableResult
    public func updateMetadata(_ body: (inout CoordinatorMetadata) -> Void) throws(JobLedgerError)
        -> CoordinatorMetadata
    {
        try perform {
            try environment.write { txn in
                let old = try readMetadata(
                    active: txn.value(forKey: Self.activeVersionKey, in: meta),
                    next: txn.value(forKey: Self.nextVersionKey, in: meta))
                var new = old
                body(&new)
                let floor = max(old.nextIndexVersion, (new.activeIndexVersion ?? 0) + 1)
                new.nextIndexVersion = max(new.nextIndexVersion, floor)
                if let active = new.activeIndexVersion {
                    try txn.put(Self.bytes(active), forKey: Self.activeVersionKey, in: meta)
                } else {
                    try txn.delete(forKey: Self.activeVersionKey, in: meta)
                }
                try txn.put(Self.bytes(new.nextIndexVersion), forKey: Self.nextVersionKey, in: meta)
                return new
            }
        }
    }

    /// Records `version` as the active index version.
    public func setActiveIndexVersion(_ version: UInt64) throws(JobLedgerError) {
        try updateMetadata { $0.activeIndexVersion = version }
    }

    /// Hands out a new index version number, at least `minimum`, and moves the counter past it.
    public func reserveIndexVersion(atLeast minimum: UInt64 = 1) throws(JobLedgerError) -> UInt64 {
        var reserved: UInt64 = 0
        try updateMetadata { metadata in
            reserved = max(metadata.nextIndexVersion, minimum)
            metadata.nextIndexVersion = reserved + 1
        }
        return reserved
    }

    // MARK: Helpers

    private func readMetadata(active: [UInt8]?, next: [UInt8]?) throws(JobLedgerError) -> CoordinatorMetadata {
        let active = try counter(Self.activeVersionKey, active)
        let next = try counter(Self.nextVersionKey, next) ?? 1
        return CoordinatorMetadata(activeIndexVersion: active, nextIndexVersion: next)
    }

    /// Runs LMDB work, turning its errors into `JobLedgerError`s that name this ledger.
    private func perform<R>(_ body: () throws -> R) throws(JobLedgerError) -> R {
        do {
            return try body()
        } catch let error as JobLedgerError {
            throw error
        } catch let error as LMDBError {
            throw .storage(path: directory, error)
        } catch {
            throw .corruptRecord(path: directory, key: "data", detail: "\(error)")
        }
    }

    private func decode(_ bytes: [UInt8], id: UInt64) throws(JobLedgerError) -> JobLedgerRecord {
        do {
            return try JobLedgerRecord(decoding: bytes)
        } catch {
            throw .corruptRecord(path: directory, key: "job \(id)", detail: error.detail)
        }
    }

    /// A little-endian UInt64 meta value (nil when absent).
    private func counter(_ name: String, _ bytes: [UInt8]?) throws(JobLedgerError) -> UInt64? {
        guard let bytes else { return nil }
        guard bytes.count == 8 else {
            throw .corruptRecord(path: directory, key: name, detail: "\(bytes.count) bytes, expected 8")
        }
        return StoreLayout.readUInt64(bytes.span, at: 0)
    }

    private static func bytes(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        StoreLayout.appendUInt64(value, to: &bytes)
        return bytes
    }

    /// The key of job `id`: big-endian, so byte order is numeric order.
    static func key(_ id: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: id >> (8 * UInt64(7 - $0))) }
    }

    private static func readBigEndian(_ span: Span<UInt8>) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(span[$1]) }
    }
}
