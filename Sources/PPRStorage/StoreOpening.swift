// StoreOpening: how both of our LMDB stores (FingerprintStore, JobLedger) open a directory: create it,
// open the environment and the named databases, then write the format record of a new store or check
// the one found. Each store words the failures as its own error type.
import Foundation
import LMDB

/// The errors a store reports when its directory cannot be opened as one (cases of `StoreError` and
/// `JobLedgerError`).
protocol StoreOpeningError: Error {
    /// The LMDB environment failed.
    static func storage(path: String, _ error: LMDBError) -> Self
    /// The directory holds something that is not this store at this format version.
    static func incompatibleFormat(path: String, detail: String) -> Self
}

extension StoreError: StoreOpeningError {}
extension JobLedgerError: StoreOpeningError {}

/// An opened store environment: db `meta` (which holds the format record) and the other databases.
struct OpenedStore {
    let environment: Environment
    /// db `meta`.
    let meta: Database
    /// The databases named in `open`'s `databases`, in that order.
    let databases: [Database]
}

enum StoreOpening {
    /// The key of the format record in db `meta`: [UInt32 magic][UInt32 format version], little-endian.
    static let formatKey = "format"
    static let metaDatabaseName = "meta"

    /// Opens the store at `directory`, creating the directory, the databases (`meta` and `databases`)
    /// and the format record if needed; an existing record must carry `magic` and `formatVersion`.
    static func open<Failure: StoreOpeningError>(
        directory: String, mapSizeBytes: Int, maxDatabases: Int, databases names: [String], magic: UInt32,
        formatVersion: UInt32, as _: Failure.Type
    ) throws(Failure) -> OpenedStore {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .incompatibleFormat(path: directory, detail: "cannot create the directory: \(error)")
        }
        let opened: OpenedStore?
        do throws(LMDBError) {
            let environment = try Environment(path: directory, mapSizeBytes: mapSizeBytes, maxDatabases: maxDatabases)
            var databases: [Database] = []
            for name in [metaDatabaseName] + names {
                guard let database = try environment.openDatabase(named: name, options: .create) else { break }
                databases.append(database)
            }
            opened =
                databases.count == names.count + 1
                ? OpenedStore(environment: environment, meta: databases[0], databases: Array(databases.dropFirst()))
                : nil
        } catch {
            throw .storage(path: directory, error)
        }
        guard let opened else { throw .incompatibleFormat(path: directory, detail: "databases missing") }
        if let mismatch = try checkFormat(
            opened, directory: directory, magic: magic, version: formatVersion, as: Failure.self)
        {
            throw .incompatibleFormat(path: directory, detail: mismatch)
        }
        return opened
    }

    /// Writes the format record of a new store, or checks an existing one: nil if it matches, else why not.
    private static func checkFormat<Failure: StoreOpeningError>(
        _ store: OpenedStore, directory: String, magic: UInt32, version: UInt32, as _: Failure.Type
    ) throws(Failure) -> String? {
        do {
            return try store.environment.write { txn -> String? in
                if let existing = try txn.value(forKey: formatKey, in: store.meta) {
                    guard existing.count == 8, StoreLayout.readUInt32(existing.span, at: 0) == magic else {
                        return "unknown format record"
                    }
                    let found = StoreLayout.readUInt32(existing.span, at: 4)
                    return found == version ? nil : "format \(found), expected \(version)"
                }
                var record: [UInt8] = []
                StoreLayout.appendUInt32(magic, to: &record)
                StoreLayout.appendUInt32(version, to: &record)
                try txn.put(record, forKey: formatKey, in: store.meta)
                return nil
            }
        } catch let error as LMDBError {
            throw .storage(path: directory, error)
        } catch {
            throw .incompatibleFormat(path: directory, detail: "\(error)")  // the body throws only LMDBError
        }
    }
}
