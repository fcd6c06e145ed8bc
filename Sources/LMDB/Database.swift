// Database handles and the option sets of the LMDB wrapper.
internal import CLMDB

/// A handle to one (named or main) database inside an `Environment`.
///
/// A plain value: it stays valid while the environment is open and the database is not dropped.
/// Using a handle of one environment with another environment is a programming error.
public struct Database: Hashable, Sendable {
    /// liblmdb's `MDB_dbi`.
    let dbi: UInt32
    /// The name it was opened with (nil for the main database).
    public let name: String?
    /// The options it was opened with.
    public let options: Options

    /// How a database is opened.
    public struct Options: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Create the database if it does not exist.
        public static let create = Options(rawValue: UInt32(MDB_CREATE))
        /// Keys are native-endian `UInt32` or `UInt64` and sort numerically (use the `UInt32` key overloads).
        public static let integerKey = Options(rawValue: UInt32(MDB_INTEGERKEY))
    }
}

/// How `WriteTransaction.put` stores a value.
public struct PutOptions: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Fail with `.keyExists` instead of replacing an existing value.
    public static let noOverwrite = PutOptions(rawValue: UInt32(MDB_NOOVERWRITE))
    /// The key sorts after every key in the database: a fast path for sorted bulk loads
    /// (fails with `.keyExists` otherwise).
    public static let append = PutOptions(rawValue: UInt32(MDB_APPEND))
}

/// B-tree figures of a database or of the environment's main database (`MDB_stat`).
public struct DatabaseStatistics: Equatable, Sendable {
    /// Bytes per page.
    public var pageSizeBytes: Int
    /// Height of the B-tree.
    public var depth: Int
    public var branchPages: Int
    public var leafPages: Int
    /// Pages holding values larger than a page.
    public var overflowPages: Int
    /// Key/value pairs.
    public var entryCount: Int

    init(_ stat: MDB_stat) {
        pageSizeBytes = Int(stat.ms_psize)
        depth = Int(stat.ms_depth)
        branchPages = stat.ms_branch_pages
        leafPages = stat.ms_leaf_pages
        overflowPages = stat.ms_overflow_pages
        entryCount = stat.ms_entries
    }
}

/// Environment-wide figures (`MDB_envinfo`).
public struct EnvironmentInfo: Equatable, Sendable {
    /// Size of the memory map (the most the data file may grow to).
    public var mapSizeBytes: Int
    /// Last page in use: `(lastPageNumber + 1) * pageSize` bytes of the file hold data.
    public var lastPageNumber: Int
    /// ID of the last committed transaction.
    public var lastTransactionID: Int
    /// Reader table size.
    public var maxReaders: Int
    /// Reader slots in use.
    public var readerCount: Int
}
