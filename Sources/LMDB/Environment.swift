// Environment: an open LMDB environment (one data file, memory-mapped) and its transactions.
//
// Note on blocking: every call here is synchronous and may block on disk I/O (commits fsync) or
// on the single-writer lock. Transactions are synchronous closures, never `async`, because an LMDB
// write transaction belongs to the thread that began it and a task can change threads at any
// `await`. Callers run writes on a thread of their own (or a dedicated queue), not the cooperative
// pool. The environment is opened with MDB_NOTLS, so read transactions are not tied to a thread's
// reader slot and may be used from any thread (still one closure at a time).
internal import CLMDB
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open LMDB environment; closed when the last reference goes away.
///
/// Do not open the same environment twice in one process (liblmdb's locks are per process):
/// share one `Environment` instead. Do not begin a write inside a write on the same thread (the
/// writer lock is not re-entrant: it deadlocks).
public final class Environment: @unchecked Sendable {
    // Safety (@unchecked Sendable): `handle` is immutable after init and liblmdb allows an MDB_env
    // to be shared by threads; transactions never leave the closure (and thread) that began them.
    // The only env-level call liblmdb forbids concurrently, mdb_dbi_open, runs under `openLock`.

    /// The MDB_env; owned, closed in deinit. Never nil after init.
    private let handle: OpaquePointer
    /// Serialises `openDatabase` (mdb_dbi_open must not run in two transactions at once).
    private let openLock = Mutex<Void>(())
    /// The directory (or, with `.noSubdirectory`, the data file) this environment lives at.
    public let path: String

    /// Flags for `Environment.init`; `.noTLS` is always added.
    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// `path` names the data file itself (the lock file is `path-lock`) rather than a directory.
        public static let noSubdirectory = Flags(rawValue: UInt32(MDB_NOSUBDIR))
        /// Open read-only; writes fail.
        public static let readOnly = Flags(rawValue: UInt32(MDB_RDONLY))
        /// Do not fsync on commit: fast bulk loads, but a system crash may lose the last commits.
        public static let noSync = Flags(rawValue: UInt32(MDB_NOSYNC))
        /// Fsync data but not the meta page on commit.
        public static let noMetaSync = Flags(rawValue: UInt32(MDB_NOMETASYNC))
        /// Read transactions are not bound to a thread's reader slot (always set by this wrapper).
        public static let noTLS = Flags(rawValue: UInt32(MDB_NOTLS))
        /// Turn off OS read-ahead: better when the data set is much larger than RAM.
        public static let noReadAhead = Flags(rawValue: UInt32(MDB_NORDAHEAD))
    }

    /// Opens (creating files as needed) the environment at `path`.
    ///
    /// - Parameters:
    ///   - path: an existing directory, or a file path with `.noSubdirectory`.
    ///   - mapSizeBytes: the largest the data file may grow to; the map is sparse, so a large value costs
    ///     address space, not memory or disk.
    ///   - maxDatabases: named databases that may be open at once.
    ///   - maxReaders: read transactions that may be live at once.
    public init(
        path: String, mapSizeBytes: Int, maxDatabases: Int = 16, maxReaders: Int = 126, flags: Flags = [],
        fileMode: UInt32 = 0o644
    ) throws(LMDBError) {
        var env: OpaquePointer?
        try check(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(code: .invalid, operation: "mdb_env_create") }
        do throws(LMDBError) {
            try check(mdb_env_set_mapsize(env, mapSizeBytes), "mdb_env_set_mapsize")
            try check(mdb_env_set_maxdbs(env, MDB_dbi(maxDatabases)), "mdb_env_set_maxdbs")
            try check(mdb_env_set_maxreaders(env, UInt32(maxReaders)), "mdb_env_set_maxreaders")
            let allFlags = flags.union(.noTLS).rawValue
            if !flags.contains(.readOnly) {
                try Self.preallocateLockFile(
                    flags.contains(.noSubdirectory) ? path + "-lock" : path + "/lock.mdb", maxReaders: maxReaders,
                    fileMode: fileMode)
            }
            try Self.checkWrite(mdb_env_open(env, path, allFlags, mdb_mode_t(fileMode)), "mdb_env_open", at: path)
        } catch {
            mdb_env_close(env)  // liblmdb requires close even when open failed
            throw error
        }
        self.handle = env
        self.path = path
    }

    /// `check`, except that EIO is reported as "disk full" when the file system at `path` has (almost) no
    /// space left: liblmdb turns a short write (what pwrite does when the disk fills mid-way) into EIO, so a
    /// full disk used to surface as "Input/output error".
    static func checkWrite(_ rc: CInt, _ operation: StaticString, at path: String) throws(LMDBError) {
        guard rc == EIO else { return try check(rc, operation) }
        var info = statvfs()
        if statvfs(path, &info) == 0, Int(info.f_bavail) * Int(info.f_frsize) < Self.nearlyFullBytes {
            throw LMDBError(
                code: LMDBError.Code(rawValue: ENOSPC), operation: "\(operation)",
                message: "a write came up short (EIO) and the file system has "
                    + "\(Int(info.f_bavail) * Int(info.f_frsize)) bytes free")
        }
        try check(rc, operation)
    }

    /// Free space below which a short write (EIO) is taken for a full disk.
    static let nearlyFullBytes = 1 << 20

    /// Bytes liblmdb gives its lock file: the reader table header plus one 64-byte slot per reader
    /// (`sizeof(MDB_txninfo) + (maxReaders - 1) * sizeof(MDB_reader)`; 192 + 64 × 125 = 8192 for 126).
    static func lockFileBytes(maxReaders: Int) -> Int { 192 + 64 * max(0, maxReaders - 1) }

    /// Gives the lock file its blocks before liblmdb maps it.
    ///
    /// liblmdb sizes the lock file with ftruncate (a sparse file) and then writes the reader table through
    /// a shared mmap. On a full file system the first store into an unbacked page raises SIGBUS: the process
    /// dies with a bus error instead of getting an error. posix_fallocate reserves the blocks first, so a full
    /// disk is reported here as ENOSPC ("disk full") and liblmdb's later stores hit allocated pages. A larger
    /// existing file is left alone (liblmdb then uses its size). Other fallocate failures (a file system that
    /// cannot preallocate) are left to liblmdb, as before.
    static func preallocateLockFile(_ lockPath: String, maxReaders: Int, fileMode: UInt32) throws(LMDBError) {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, mode_t(fileMode))
        guard fd >= 0 else { return }  // liblmdb reports why when it opens the file itself
        defer { _ = close(fd) }
        let rc = posix_fallocate(fd, 0, off_t(lockFileBytes(maxReaders: maxReaders)))
        if rc == ENOSPC || rc == EDQUOT {
            throw LMDBError(code: LMDBError.Code(rawValue: rc), operation: "posix_fallocate \(lockPath)")
        }
    }

    deinit {
        // Safety: no transaction can be live: each is confined to a closure that holds `self`.
        mdb_env_close(handle)
    }

    /// Runs `body` in a read-only snapshot; nothing it reads changes until it returns.
    public func read<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        let txn = try begin(flags: UInt32(MDB_RDONLY))
        // Safety: the transaction is ended here, after body returns; the borrowed ReadTransaction
        // (~Copyable, passed borrowing) cannot outlive the closure.
        defer { mdb_txn_abort(txn) }
        return try body(ReadTransaction(handle: txn))
    }

    /// Runs `body` in a write transaction: committed if it returns, aborted (nothing written) if it throws.
    ///
    /// Blocks while another write transaction (in any thread or process) is open.
    public func write<R>(_ body: (borrowing WriteTransaction) throws -> R) throws -> R {
        let txn = try begin(flags: 0)
        let result: R
        do {
            result = try body(WriteTransaction(handle: txn))
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        // mdb_txn_commit frees the transaction whether or not it succeeds.
        try Self.checkWrite(mdb_txn_commit(txn), "mdb_txn_commit", at: path)
        return result
    }

    /// Begins a top-level transaction (`flags`: 0 or MDB_RDONLY).
    private func begin(flags: UInt32) throws(LMDBError) -> OpaquePointer {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(handle, nil, flags, &txn), "mdb_txn_begin")
        guard let txn else { throw LMDBError(code: .invalid, operation: "mdb_txn_begin") }
        return txn
    }

    /// Opens the named database (`nil`: the main database); nil if it does not exist and `.create` is not given.
    public func openDatabase(named name: String?, options: Database.Options = []) throws(LMDBError) -> Database? {
        try openLock.withLock { _ throws(LMDBError) -> Database? in
            var txn: OpaquePointer?
            let creating = options.contains(.create)
            try check(mdb_txn_begin(handle, nil, creating ? 0 : UInt32(MDB_RDONLY), &txn), "mdb_txn_begin")
            var dbi: MDB_dbi = 0
            let rc = mdb_dbi_open(txn, name, options.rawValue, &dbi)
            guard rc == MDB_SUCCESS else {
                mdb_txn_abort(txn)
                if rc == MDB_NOTFOUND { return nil }
                try check(rc, "mdb_dbi_open")
                return nil
            }
            // The handle becomes usable by other transactions only once this one commits.
            try Self.checkWrite(mdb_txn_commit(txn), "mdb_txn_commit", at: path)
            return Database(dbi: dbi, name: name, options: options)
        }
    }

    /// Map size, pages in use, readers.
    public func info() throws(LMDBError) -> EnvironmentInfo {
        var raw = MDB_envinfo()
        try check(mdb_env_info(handle, &raw), "mdb_env_info")
        return EnvironmentInfo(
            mapSizeBytes: raw.me_mapsize, lastPageNumber: raw.me_last_pgno, lastTransactionID: raw.me_last_txnid,
            maxReaders: Int(raw.me_maxreaders), readerCount: Int(raw.me_numreaders))
    }

    /// Figures of the main database (which lists the named databases).
    public func statistics() throws(LMDBError) -> DatabaseStatistics {
        var raw = MDB_stat()
        try check(mdb_env_stat(handle, &raw), "mdb_env_stat")
        return DatabaseStatistics(raw)
    }

    /// Flushes buffers to disk (needed only with `.noSync` / `.noMetaSync`).
    public func sync(force: Bool = true) throws(LMDBError) {
        try Self.checkWrite(mdb_env_sync(handle, force ? 1 : 0), "mdb_env_sync", at: path)
    }
}
