// LMDBError: every failing liblmdb call becomes one of these, through `check(_:_:)`.
internal import CLMDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed liblmdb call: its result code, the C function that failed, and liblmdb's own message.
///
/// "Not found" is reported as an optional return by the wrapper's lookups, never as this error.
public struct LMDBError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An LMDB result code (an open set: codes this wrapper does not name still round-trip).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// A key/data pair already exists (`MDB_KEYEXIST`), e.g. a put with `.noOverwrite` or an out-of-order `.append`.
        public static let keyExists = Code(rawValue: MDB_KEYEXIST)
        /// The key or database does not exist (`MDB_NOTFOUND`).
        public static let notFound = Code(rawValue: MDB_NOTFOUND)
        /// The file is not a valid LMDB file or a page is corrupt (`MDB_CORRUPTED`).
        public static let corrupted = Code(rawValue: MDB_CORRUPTED)
        /// The environment had a fatal error (`MDB_PANIC`).
        public static let panic = Code(rawValue: MDB_PANIC)
        /// The file was written by an incompatible liblmdb version (`MDB_VERSION_MISMATCH`).
        public static let versionMismatch = Code(rawValue: MDB_VERSION_MISMATCH)
        /// The file is not an LMDB data file (`MDB_INVALID`).
        public static let invalid = Code(rawValue: MDB_INVALID)
        /// The environment's map size is used up (`MDB_MAP_FULL`).
        public static let mapFull = Code(rawValue: MDB_MAP_FULL)
        /// `maxDatabases` named databases are already open (`MDB_DBS_FULL`).
        public static let databasesFull = Code(rawValue: MDB_DBS_FULL)
        /// `maxReaders` read transactions are already live (`MDB_READERS_FULL`).
        public static let readersFull = Code(rawValue: MDB_READERS_FULL)
        /// The transaction has too many dirty pages (`MDB_TXN_FULL`).
        public static let transactionFull = Code(rawValue: MDB_TXN_FULL)
        /// Another process grew the map beyond this one's size (`MDB_MAP_RESIZED`).
        public static let mapResized = Code(rawValue: MDB_MAP_RESIZED)
        /// The operation does not match the database's flags (`MDB_INCOMPATIBLE`).
        public static let incompatible = Code(rawValue: MDB_INCOMPATIBLE)
        /// The transaction cannot be used any more (`MDB_BAD_TXN`).
        public static let badTransaction = Code(rawValue: MDB_BAD_TXN)
        /// A key or value has an unsupported size, e.g. an integer key that is not 4 or 8 bytes (`MDB_BAD_VALSIZE`).
        public static let badValueSize = Code(rawValue: MDB_BAD_VALSIZE)
        /// The database handle changed unexpectedly (`MDB_BAD_DBI`).
        public static let badDatabase = Code(rawValue: MDB_BAD_DBI)

        public var description: String { "\(rawValue)" }
    }

    /// What went wrong.
    public let code: Code
    /// The liblmdb function that returned the code, e.g. `mdb_put`.
    public let operation: String
    /// liblmdb's explanation (`mdb_strerror`), or errno's for system errors.
    public let message: String

    /// Makes an error for `code`, with liblmdb's message for it.
    public init(code: Code, operation: String) {
        self.code = code
        self.operation = operation
        // Safety: mdb_strerror returns a pointer to a static or thread-local NUL-terminated string,
        // copied here before anything else can overwrite it.
        self.message = String(cString: mdb_strerror(code.rawValue))
    }

    /// Makes an error with an explanation of the wrapper's own (liblmdb's would mislead).
    init(code: Code, operation: String, message: String) {
        self.code = code
        self.operation = operation
        self.message = message
    }

    /// The disk or the map is full: ENOSPC or EDQUOT from the file system, or `MDB_MAP_FULL`.
    public var isDiskFull: Bool { code == .mapFull || code.rawValue == ENOSPC || code.rawValue == EDQUOT }

    public var description: String {
        if code == .mapFull {
            return "\(operation) failed: disk full for this environment: its map size is used up "
                + "(MDB_MAP_FULL, LMDB code \(code.rawValue)); raise the map size or delete old data"
        }
        if isDiskFull {
            return "\(operation) failed: disk full: \(message) (errno \(code.rawValue)); free space on the file "
                + "system that holds the data directory, or move it to a larger one"
        }
        return "\(operation) failed: \(message) (LMDB code \(code.rawValue))"
    }
}

/// The one choke point for liblmdb result codes: success returns, anything else throws `LMDBError`.
@inline(__always)
func check(_ rc: CInt, _ operation: StaticString) throws(LMDBError) {
    guard rc == MDB_SUCCESS else { throw LMDBError(code: LMDBError.Code(rawValue: rc), operation: "\(operation)") }
}
