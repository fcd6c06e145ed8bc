// FingerprintStore: the index versions of one shard's fingerprints in an LMDB environment.
// Layout, keys and crash-safety argument: see StoreLayout.swift.
import Foundation
import LMDB
import PPRCore

/// An LMDB environment at a directory holding index versions of fingerprints for one shard.
///
/// All methods are synchronous and may block on disk I/O or on another writer (see the LMDB module's
/// note on blocking). Open each directory once per process and share the instance.
public final class FingerprintStore: Sendable {
    /// The environment's directory.
    public let directory: String
    /// Owned; closed when the store and every reader of it are gone.
    let environment: Environment
    /// db `meta`.
    let meta: Database
    /// Decoded copies of versions' fingerprints for the combine step (ResidentFingerprintCache).
    let resident: ResidentFingerprintCache

    /// A sparse 1 TiB map: address space only; the file grows with the data.
    public static let defaultMapSizeBytes = 1 << 40

    /// Opens the store at `directory`, creating the directory and an empty store if needed.
    ///
    /// - Parameter residentBudgetBytes: most bytes the decoded copies of its versions' fingerprints may take
    ///   in memory (`ResidentFingerprints`); a version above it is combined from LMDB. 0 keeps none.
    public init(
        directory: String, mapSizeBytes: Int = defaultMapSizeBytes,
        residentBudgetBytes: Int = ResidentFingerprints.defaultBudgetBytes
    ) throws(StoreError) {
        self.directory = directory
        resident = ResidentFingerprintCache(budgetBytes: residentBudgetBytes)
        let opened = try StoreOpening.open(
            directory: directory, mapSizeBytes: mapSizeBytes, maxDatabases: 128, databases: [],
            magic: StoreLayout.storeMagic, formatVersion: StoreLayout.storeFormatVersion, as: StoreError.self)
        environment = opened.environment
        meta = opened.meta
    }

    /// Runs LMDB work, turning its errors into `StoreError`s that name this store.
    func perform<R>(_ body: () throws -> R) throws(StoreError) -> R {
        do {
            return try body()
        } catch let error as StoreError {
            throw error
        } catch let error as LMDBError {
            throw .storage(path: directory, error)
        } catch {
            throw .corruptIndex(path: directory, detail: "\(error)")
        }
    }

    // MARK: Inspecting versions

    /// Every version, ascending.
    public func versions() throws(StoreError) -> [IndexVersionInfo] {
        try perform {
            try environment.read { txn in
                let active = try Self.activeVersion(txn, meta)
                var records: [(UInt32, [UInt8])] = []
                try txn.forEach(in: meta, from: Array(StoreLayout.versionKeyPrefix.utf8)) { key, value in
                    let name = String(decoding: StoreLayout.copy(key), as: UTF8.self)
                    guard name.hasPrefix(StoreLayout.versionKeyPrefix) else { return false }
                    records.append(
                        (UInt32(name.dropFirst(StoreLayout.versionKeyPrefix.count)) ?? 0, StoreLayout.copy(value)))
                    return true
                }
                return try records.map { version, bytes in
                    let (state, manifest) = try decodeRecord(bytes.span, version: version)
                    return IndexVersionInfo(
                        version: version, state: state, manifest: manifest, isActive: version == active)
                }
            }
        }
    }

    /// The active version's number, if one was activated.
    public func activeVersion() throws(StoreError) -> UInt32? {
        try perform { try environment.read { txn in try Self.activeVersion(txn, meta) } }
    }

    /// The active version's manifest, if one was activated.
    public func activeManifest() throws(StoreError) -> StoreManifest? {
        try versions().first(where: \.isActive)?.manifest
    }

    /// Bytes of the data file in use (pages up to the last one written).
    public func sizeBytes() throws(StoreError) -> Int {
        try perform {
            let info = try environment.info()
            return (info.lastPageNumber + 1) * (try environment.statistics().pageSizeBytes)
        }
    }

    // MARK: Record helpers

    static func activeVersion(_ txn: borrowing ReadTransaction, _ meta: Database) throws -> UInt32? {
        try txn.withValue(forKey: StoreLayout.activeKey, in: meta) { span in
            span.count == 4 ? StoreLayout.readUInt32(span, at: 0) : nil
        } ?? nil
    }

    func decodeRecord(_ bytes: Span<UInt8>, version: UInt32) throws(StoreError) -> (IndexVersionState, StoreManifest) {
        guard bytes.count >= 1, let state = IndexVersionState(rawValue: bytes[0]) else {
            throw .corruptIndex(path: directory, detail: "record of version \(version) has no valid state")
        }
        do {
            return (state, try StoreManifest(decoding: bytes.extracting(1...)))
        } catch {
            throw .corruptIndex(path: directory, detail: "manifest of version \(version): \(error)")
        }
    }

    func encodeRecord(_ state: IndexVersionState, _ manifest: StoreManifest) -> [UInt8] {
        [state.rawValue] + manifest.encoded()
    }

    /// The record of `version` inside a read or write transaction (both lend `withValue`).
    func record(_ version: UInt32, value: [UInt8]?) throws(StoreError) -> (IndexVersionState, StoreManifest) {
        guard let value else { throw .versionNotFound(version) }
        return try decodeRecord(value.span, version: version)
    }

    func fingerprintDatabase(_ version: UInt32, create: Bool = false) throws(StoreError) -> Database? {
        try perform {
            try environment.openDatabase(
                named: StoreLayout.fingerprintDatabaseName(version),
                options: create ? [.create, .integerKey] : .integerKey)
        }
    }
}
