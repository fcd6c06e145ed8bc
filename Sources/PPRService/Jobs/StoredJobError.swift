/// A job record in the ledger that does not describe a job the runner can run (a damaged ledger: records
/// are written resolved, with every parameter of their kind).
enum StoredJobError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Job `job` of kind `kind` lacks parameter `field` (or holds a value no version wrote).
    case incompleteRecord(job: UInt64, kind: String, field: String)

    var description: String {
        switch self {
        case .incompleteRecord(let job, let kind, let field):
            "job \(job): the stored \(kind) record has no valid \(field)"
        }
    }
}
