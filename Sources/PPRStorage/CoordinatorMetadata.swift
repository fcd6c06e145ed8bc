/// The coordinator's cluster-wide index state, kept in its job ledger beside the job records.
public struct CoordinatorMetadata: Equatable, Sendable {
    /// The index version queries read, if one was ever activated.
    public var activeIndexVersion: UInt64?
    /// The lowest version number not yet handed to a build (numbers are never reused, even after a failed build).
    public var nextIndexVersion: UInt64

    /// Makes metadata; a fresh ledger has no active version and hands out 1 first.
    public init(activeIndexVersion: UInt64? = nil, nextIndexVersion: UInt64 = 1) {
        self.activeIndexVersion = activeIndexVersion
        self.nextIndexVersion = nextIndexVersion
    }
}
