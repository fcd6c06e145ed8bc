// QueryPhases: where a single query's time goes inside this process, kept as the last few thousand samples
// per phase (bounded memory) so `pwbench service` can print medians next to the client's round trip. The
// coordinator records its steps (waiting for a thread, expand, the shards' round trip, merge); a worker its
// combine (waiting for a thread, the combine itself). What the client sees beyond their sum is the wire,
// NNG and the cooperative pool's scheduling (README, front section).
import Synchronization

/// Durations of the steps of single queries, by phase.
public final class QueryPhases: Sendable {
    /// A step of one query.
    public enum Phase: Int, CaseIterable, Sendable, CustomStringConvertible {
        /// Coordinator: the query waited for a Dispatch thread before its expand.
        case expandWait
        /// Coordinator: the expand step (thread time on the wall).
        case expand
        /// Coordinator: request encode, the shards' combines and replies, decode (the fan-out, send to last reply).
        case shards
        /// Coordinator: the query waited for a Dispatch thread before its merge.
        case mergeWait
        /// Coordinator: the merge of the partial sums, normalisation, top k and error estimate.
        case merge
        /// Worker: a single-frontier combine waited for a Dispatch thread.
        case combineWait
        /// Worker: a single-frontier combine (fingerprint adds and the reply vector).
        case combine
        /// Worker: a single-frontier combine request from the shard's handler to its reply (checks of the
        /// frontier, the thread hops, the combine); `shards` minus this is the wire both ways (encode, NNG,
        /// decode) and the coordinator's scheduling.
        case combineRequest
        /// Coordinator: a whole query's round trip to the process serving every shard (encode, its query,
        /// the reply, decode), instead of `shards` and the merge (QueryExecutor).
        case whole
        /// Worker: a whole query (expand, combine, steps, top k), from its handler to its reply.
        case wholeQuery

        public var description: String {
            switch self {
            case .expandWait: "expand wait"
            case .expand: "expand"
            case .shards: "shards"
            case .mergeWait: "merge wait"
            case .merge: "merge"
            case .combineWait: "combine wait"
            case .combine: "combine"
            case .combineRequest: "combine request"
            case .whole: "whole"
            case .wholeQuery: "whole query"
            }
        }
    }

    /// Samples kept per phase (the latest).
    static let capacity = 4_096
    private let samples = Mutex([[Duration]](repeating: [], count: Phase.allCases.count))

    /// The process's recorder (the coordinator and the worker shards of an all-in-one cluster share it).
    public static let process = QueryPhases()

    /// Records one step's duration.
    func record(_ phase: Phase, _ duration: Duration) {
        samples.withLock { all in
            if all[phase.rawValue].count == Self.capacity { all[phase.rawValue].removeFirst(Self.capacity / 2) }
            all[phase.rawValue].append(duration)
        }
    }

    /// Records the time since `start`; returns now (the start of the next step).
    @discardableResult
    func record(_ phase: Phase, since start: ContinuousClock.Instant) -> ContinuousClock.Instant {
        let now = ContinuousClock.now
        record(phase, now - start)
        return now
    }

    /// Forgets every sample (a benchmark's phases start afresh).
    public func reset() { samples.withLock { all in for p in all.indices { all[p].removeAll() } } }

    /// The median of each phase recorded since the last reset, with its sample count (phases without one are
    /// left out).
    public func medians() -> [(phase: Phase, median: Duration, count: Int)] {
        let all = samples.withLock { $0 }
        return Phase.allCases.compactMap { phase in
            let sorted = all[phase.rawValue].sorted()
            guard !sorted.isEmpty else { return nil }
            return (phase, sorted[sorted.count / 2], sorted.count)
        }
    }
}
