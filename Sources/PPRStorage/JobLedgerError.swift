import LMDB

/// Why the job ledger refused an operation; each case names the store, job or field at fault.
public enum JobLedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The underlying LMDB environment failed.
    case storage(path: String, LMDBError)
    /// The directory holds something that is not a job ledger of this format version.
    case incompatibleFormat(path: String, detail: String)
    /// Stored bytes do not decode (a damaged ledger); never a crash.
    case corruptRecord(path: String, key: String, detail: String)
    /// `update` named a job the ledger does not hold.
    case jobNotFound(UInt64)
    /// A record could not be encoded (e.g. a non-finite number in a result).
    case unencodable(id: UInt64, detail: String)

    /// Why bytes did not decode as a record (wrapped into `corruptRecord` by the ledger).
    public struct DecodeFailure: Error, Equatable, Sendable {
        public var detail: String
        /// Makes a failure.
        public init(detail: String) { self.detail = detail }
    }

    public var description: String {
        switch self {
        case .storage(let path, let error): "job ledger \(path): \(error)"
        case .incompatibleFormat(let path, let detail): "\(path) is not a compatible job ledger: \(detail)"
        case .corruptRecord(let path, let key, let detail): "corrupt \(key) in job ledger \(path): \(detail)"
        case .jobNotFound(let id): "job \(id) does not exist"
        case .unencodable(let id, let detail): "job \(id) cannot be stored: \(detail)"
        }
    }
}
