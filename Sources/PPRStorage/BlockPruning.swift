/// The prune ratio of block replies (`FingerprintStoreReader.combineBlock`, step 4 of its file comment): the
/// one rule the coordinator (`BatchExecutor`) and `pwbench block` apply.
///
/// A reply leaves out its values below `ratio * theta_q`, theta_q a lower bound on the query's
/// (k + excluded)-th final score. A vertex of the final top list scores at least theta_q, so some reply
/// holds a part of at least theta_q / replies: with `ratio <= 1 / replies` it is always sent, and a listed
/// score lacks at most `replies * ratio * theta_q`. When one reply holds the whole answer (one shard, or one
/// worker process serving every shard) theta_q is the exact (k + excluded)-th score, nothing is missing
/// from any score, and ratio 1 sends the top list itself (ties included): on soc-Slashdot0902 with the
/// default preset, about 16k entries per query at 1e-2 against 100 at k = 100.
public enum BlockPruning {
    /// The ratio when several replies are merged.
    public static let defaultRatio = 1e-2

    /// The ratio of a block answered by `replies` replies when `configured` is asked for (0: unpruned,
    /// every non-zero entry sent, whatever the replies).
    public static func ratio(_ configured: Double, replies: Int) -> Double {
        guard configured > 0 else { return 0 }
        return replies <= 1 ? 1 : min(configured, 1 / Double(replies))
    }
}
