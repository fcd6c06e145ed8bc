// The C calls behind ReadTransaction and WriteTransaction, shared by both.
internal import CLMDB

/// liblmdb calls on a live transaction handle; every MDB_val built here lives only for the call.
enum TransactionOperations {
    /// Calls `body` with an MDB_val pointing at the key's bytes.
    @inline(__always)
    static func withKeyVal<R>(_ key: some DatabaseKey, _ body: (inout MDB_val) throws -> R) rethrows -> R {
        try key.withKeyBytes { span in
            // Safety: the MDB_val borrows the span's storage only while `body` runs; liblmdb does not
            // write through key pointers (mutating cast is for the C signature only).
            try span.withUnsafeBufferPointer { buffer in
                var val = MDB_val(mv_size: buffer.count, mv_data: UnsafeMutableRawPointer(mutating: buffer.baseAddress))
                return try body(&val)
            }
        }
    }

    /// Calls `body` with a span over the bytes an MDB_val returned by liblmdb points at.
    @inline(__always)
    static func withSpan<R>(_ val: MDB_val, _ body: (Span<UInt8>) throws -> R) rethrows -> R {
        // Safety: liblmdb returns pointers into the memory map (or the transaction's dirty pages) that stay
        // valid until the transaction ends or the next write; the span is confined to `body`, which runs
        // inside the transaction closure, and Span cannot escape it.
        let buffer = UnsafeBufferPointer(start: val.mv_data?.assumingMemoryBound(to: UInt8.self), count: val.mv_size)
        return try body(buffer.span)
    }

    static func withValue<R>(
        _ txn: OpaquePointer, _ key: some DatabaseKey, _ database: Database, _ body: (Span<UInt8>) throws -> R
    ) throws -> R? {
        var data = MDB_val()
        let rc = withKeyVal(key) { keyVal in mdb_get(txn, database.dbi, &keyVal, &data) }
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_get")
        return try withSpan(data, body)
    }

    static func put(
        _ txn: OpaquePointer, _ value: Span<UInt8>, _ key: some DatabaseKey, _ database: Database,
        _ options: PutOptions
    ) throws(LMDBError) {
        let rc = withKeyVal(key) { keyVal in
            // Safety: as for keys, liblmdb copies the value bytes during the call and keeps no pointer.
            value.withUnsafeBufferPointer { buffer in
                var data = MDB_val(
                    mv_size: buffer.count, mv_data: UnsafeMutableRawPointer(mutating: buffer.baseAddress))
                return mdb_put(txn, database.dbi, &keyVal, &data, options.rawValue)
            }
        }
        try check(rc, "mdb_put")
    }

    static func delete(_ txn: OpaquePointer, _ key: some DatabaseKey, _ database: Database) throws(LMDBError) -> Bool {
        let rc = withKeyVal(key) { keyVal in mdb_del(txn, database.dbi, &keyVal, nil) }
        if rc == MDB_NOTFOUND { return false }
        try check(rc, "mdb_del")
        return true
    }

    static func statistics(_ txn: OpaquePointer, _ database: Database) throws(LMDBError) -> DatabaseStatistics {
        var raw = MDB_stat()
        try check(mdb_stat(txn, database.dbi, &raw), "mdb_stat")
        return DatabaseStatistics(raw)
    }

    static func forEach(
        _ txn: OpaquePointer, _ database: Database, _ startKey: [UInt8]?,
        _ body: (Span<UInt8>, Span<UInt8>) throws -> Bool
    ) throws {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, database.dbi, &cursor), "mdb_cursor_open")
        // Safety: the cursor belongs to this transaction and is closed before we return.
        defer { mdb_cursor_close(cursor) }
        var key = MDB_val()
        var data = MDB_val()
        var rc: CInt
        if let startKey {
            rc = withKeyVal(startKey) { start in
                key = start
                return mdb_cursor_get(cursor, &key, &data, MDB_SET_RANGE)
            }
        } else {
            rc = mdb_cursor_get(cursor, &key, &data, MDB_FIRST)
        }
        while rc == MDB_SUCCESS {
            let goOn = try withSpan(key) { k in try withSpan(data) { v in try body(k, v) } }
            if !goOn { return }
            rc = mdb_cursor_get(cursor, &key, &data, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { try check(rc, "mdb_cursor_get") }
    }
}
