import PPRCore
import PPRWire
import Testing

@testable import PPRService

/// The pure index-task state machine, step by step.
@Suite struct WorkerLifecycleTests {
    let shard = ShardID(2)

    @Test func aTaskRunsReportsProgressAndSucceeds() throws {
        var lifecycle = IndexTaskLifecycle()
        #expect(
            lifecycle.start(version: 4, total: 10, shard: shard)
                == .begin(IndexTaskStatus(version: 4, state: .running, progressTotal: 10)))
        lifecycle.progress(version: 4, done: 6, total: 10)
        #expect(try lifecycle.status(version: 4, shard: shard).get().progressDone == 6)
        lifecycle.progress(version: 3, done: 9, total: 10)  // another version's report is ignored
        #expect(try lifecycle.status(version: 4, shard: shard).get().progressDone == 6)
        lifecycle.finish(version: 4, error: nil)
        #expect(
            lifecycle.current == IndexTaskStatus(version: 4, state: .succeeded, progressDone: 10, progressTotal: 10))
        #expect(!lifecycle.isRunning)
    }

    @Test func oneTaskAtATimeAndRetriesAnswerTheExistingStatus() {
        var lifecycle = IndexTaskLifecycle()
        _ = lifecycle.start(version: 4, total: 10, shard: shard)
        guard case .existing(let same) = lifecycle.start(version: 4, total: 10, shard: shard) else {
            Issue.record("a retry of the running version must answer its status")
            return
        }
        #expect(same.state == .running)
        guard case .refuse(let error) = lifecycle.start(version: 5, total: 10, shard: shard) else {
            Issue.record("another version must be refused while one runs")
            return
        }
        #expect(error.code == .failedPrecondition && error.message.contains("shard 2"))
        lifecycle.finish(version: 4, error: nil)
        guard case .existing(let done) = lifecycle.start(version: 4, total: 10, shard: shard) else {
            Issue.record("a retry of a succeeded version must answer its status")
            return
        }
        #expect(done.state == .succeeded)
        guard case .begin = lifecycle.start(version: 5, total: 10, shard: shard) else {
            Issue.record("a new version may start once the last ended")
            return
        }
    }

    @Test func cancelSetsTheFlagAndTheBuildsEndDecidesTheState() {
        var lifecycle = IndexTaskLifecycle()
        #expect(
            lifecycle.cancel(version: 1, shard: shard)
                == .unknown(WireError(.notFound, "shard 2 has no index task for version 1")))
        _ = lifecycle.start(version: 1, total: 10, shard: shard)
        guard case .cancelling = lifecycle.cancel(version: 1, shard: shard) else {
            Issue.record("a running task is cancelling")
            return
        }
        #expect(lifecycle.cancelRequested)
        lifecycle.finish(version: 1, error: WireError(.cancelled, "index build of version 1 was cancelled"))
        #expect(lifecycle.current?.state == .cancelled && !lifecycle.cancelRequested)
        #expect(lifecycle.cancel(version: 1, shard: shard) == .finished(lifecycle.current!))

        _ = lifecycle.start(version: 2, total: 10, shard: shard)
        lifecycle.finish(version: 2, error: WireError(.alreadyExists, "index version 2 was already used"))
        #expect(lifecycle.current?.state == .failed && lifecycle.current?.error?.code == .alreadyExists)
        // A failed version may be retried under the same number (the store decides whether it is free).
        guard case .begin = lifecycle.start(version: 2, total: 10, shard: shard) else {
            Issue.record("a failed task may be started again")
            return
        }
    }
}
