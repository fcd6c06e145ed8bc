// ReadTransaction / WriteTransaction: borrowed views of a live MDB_txn, valid only inside the
// `Environment.read` / `Environment.write` closure that lends them. Both are one type, `Transaction`,
// whose phantom `Mode` says whether it may write: the read API is written once, for both, and the
// write API only for `Transaction<TransactionMode.ReadWrite>`.
internal import CLMDB

/// The two kinds of transaction (phantom types: never instantiated).
public enum TransactionMode {
    /// A read-only snapshot.
    public enum ReadOnly {}
    /// A write transaction.
    public enum ReadWrite {}
}

/// A read-only transaction: a consistent snapshot of the environment.
///
/// Values handed out as `Span`s point into the memory map and are valid only inside the closure
/// that receives them; copy (`value(forKey:in:)`) to keep them.
public typealias ReadTransaction = Transaction<TransactionMode.ReadOnly>

/// A write transaction: reads see its own writes; everything commits together or not at all.
public typealias WriteTransaction = Transaction<TransactionMode.ReadWrite>

/// A live transaction, lent to an `Environment.read` or `Environment.write` closure.
public struct Transaction<Mode>: ~Copyable {
    /// The MDB_txn; owned by the `Environment.read`/`write` call that lends this value.
    let handle: OpaquePointer

    /// Calls `body` with the value stored under `key` (in a write transaction, including its own writes),
    /// straight from the memory map; nil if there is none.
    public func withValue<R>(
        forKey key: some DatabaseKey, in database: Database, _ body: (Span<UInt8>) throws -> R
    ) throws -> R? {
        try TransactionOperations.withValue(handle, key, database, body)
    }

    /// A copy of the value stored under `key`; nil if there is none.
    public func value(forKey key: some DatabaseKey, in database: Database) throws -> [UInt8]? {
        try TransactionOperations.withValue(handle, key, database) { Array(copying: $0) }
    }

    /// Calls `body` for each pair in key order (from `startKey` when given) until it returns false.
    public func forEach(
        in database: Database, from startKey: [UInt8]? = nil, _ body: (Span<UInt8>, Span<UInt8>) throws -> Bool
    ) throws {
        try TransactionOperations.forEach(handle, database, startKey, body)
    }

    /// B-tree figures of `database`.
    public func statistics(of database: Database) throws(LMDBError) -> DatabaseStatistics {
        try TransactionOperations.statistics(handle, database)
    }
}

extension Transaction where Mode == TransactionMode.ReadWrite {
    /// Stores `value` under `key`, replacing any value unless `.noOverwrite`; `.append` for sorted bulk loads.
    public func put(_ value: [UInt8], forKey key: some DatabaseKey, in database: Database, options: PutOptions = [])
        throws(LMDBError)
    {
        try TransactionOperations.put(handle, value.span, key, database, options)
    }

    /// Stores the bytes of `value` under `key` (see `put(_:forKey:in:options:)`).
    public func put(
        bytes value: Span<UInt8>, forKey key: some DatabaseKey, in database: Database, options: PutOptions = []
    ) throws(LMDBError) {
        try TransactionOperations.put(handle, value, key, database, options)
    }

    /// Removes `key`; returns false if it was not there.
    @discardableResult
    public func delete(forKey key: some DatabaseKey, in database: Database) throws(LMDBError) -> Bool {
        try TransactionOperations.delete(handle, key, database)
    }

    /// Empties `database`; with `deleteDatabase` also removes it (its handle is then invalid).
    public func drop(_ database: Database, deleteDatabase: Bool) throws(LMDBError) {
        try check(mdb_drop(handle, database.dbi, deleteDatabase ? 1 : 0), "mdb_drop")
    }
}

extension Array where Element == UInt8 {
    /// A copy of the span's bytes.
    init(copying span: Span<UInt8>) {
        self.init(unsafeUninitializedCapacity: span.count) { buffer, count in
            for i in 0..<span.count { buffer[i] = span[i] }
            count = span.count
        }
    }
}
