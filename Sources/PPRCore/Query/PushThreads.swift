/// How many threads the expand step of one query uses (`Decomposition`), and how the extra ones start.
///
/// PPRCore starts no threads itself: the caller hands a `start` that runs a job on another thread (e.g.
/// `DispatchQueue.global().async`). The calling thread is thread 0; `count - 1` jobs are started per query.
/// A job that starts late, or never, costs speed only: the calling thread does the level's work of any
/// thread that has not claimed it yet (`Decomposition+Bands.swift`), and a job started after its query ended
/// returns at once. `start` must not run the job before it returns (the job waits on the calling thread).
public struct PushThreads: Sendable {
    /// Threads per query, `1 ... TargetBands.bandCount` (the calling thread counts as one).
    public let count: Int
    /// Runs a job on another thread, asynchronously.
    let start: @Sendable (@escaping @Sendable () -> Void) -> Void

    /// `count` is clamped to `1 ... TargetBands.bandCount`.
    public init(count: Int, start: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void) {
        self.count = min(max(1, count), TargetBands.bandCount)
        self.start = start
    }

    /// One thread: the calling one (no job is ever started).
    public static let single = PushThreads(count: 1) { _ in }
}
