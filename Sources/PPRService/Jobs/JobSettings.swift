import Foundation
import PPRCore
import PPRWire

/// What the job runner takes from the service configuration, plus its own pacing knobs.
public struct JobSettings: Sendable {
    /// Defaults for index jobs (walks, length, alpha, seed, threads).
    public var index: IndexDefaults
    /// Defaults for batch-query and evaluate jobs (top-k, eps, levels), and the preset of an export that names none.
    public var query: QueryDefaults
    /// Deadline of each control call to a shard (index task, activation, health).
    public var controlDeadline: Duration
    /// How often an index job asks the shards how far they are.
    public var pollInterval: Duration = .milliseconds(250)
    /// Progress is written to the ledger at most this often (the in-memory record is always current).
    public var progressPersistInterval: Duration = .seconds(1)
    /// Queries of a batch-query job sent through the query path at once (1,536 = 24 blocks of the shared
    /// decomposition, so the blocks in flight keep the shards busy between rounds).
    public var batchSize: Int = 1_536
    /// Sources of an evaluate job answered at once.
    public var evaluateBatchSize: Int = 16
    /// Ranked vertices one round of a batch-query or export job may hold in memory (the front's reply cap,
    /// `limits.maxReplyEntries`), so a large top-k shrinks the round instead of growing the coordinator.
    public var maxRoundEntries: Int = 1 << 21
    /// The job directory (`coordinator.jobFilesDir`): the only place jobs read and write files.
    public var jobFiles = JobFiles(directory: CoordinatorConfig().jobFilesDirectory)

    /// Settings from explicit defaults.
    public init(
        index: IndexDefaults = .init(), query: QueryDefaults = .init(), controlDeadline: Duration = .seconds(5)
    ) {
        self.index = index
        self.query = query
        self.controlDeadline = controlDeadline
    }

    /// Settings from the service configuration.
    public init(config: ServiceConfig) {
        self.init(
            index: config.index, query: config.query,
            controlDeadline: .milliseconds(config.deadlines.controlMillis))
        jobFiles = JobFiles(directory: config.coordinator.jobFilesDirectory)
        maxRoundEntries = config.limits.maxReplyEntries
    }

    /// Queries per round of a job: at most `preferred`, and few enough that the round's answers hold at
    /// most `maxRoundEntries` ranked vertices (each query holds at most min(topK, vertexCount)); at least 1.
    public func roundSize(preferred: Int, topK: Int, vertexCount: Int) -> Int {
        let perQuery = max(1, min(topK, vertexCount))
        return max(1, min(preferred, maxRoundEntries / perQuery))
    }
}
