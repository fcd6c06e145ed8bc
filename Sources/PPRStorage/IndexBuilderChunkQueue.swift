// ChunkQueue: hands chunk numbers to IndexBuilder's worker threads and finished chunks back to the
// writer in chunk order.
import Foundation

/// Shared state between IndexBuilder's writer and workers.
final class ChunkQueue: @unchecked Sendable {
    // Safety (@unchecked Sendable): every mutable field is read and written only while `condition` is
    // locked.
    private let condition = NSCondition()
    private let chunkCount: Int
    /// How many chunks workers may run ahead of the writer.
    private let window: Int
    /// Next chunk a worker will claim.
    private var nextClaim = 0
    /// Chunks the writer has taken (all below this number).
    private var taken = 0
    /// Finished chunks not yet taken, by chunk number.
    private var ready: [Int: EncodedChunk] = [:]
    private var cancelled = false
    private var steps = 0

    init(chunkCount: Int, window: Int) {
        self.chunkCount = chunkCount
        self.window = max(1, window)
    }

    /// The next chunk to compute; waits while workers are `window` ahead; nil when all are claimed or cancelled.
    func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled, nextClaim < chunkCount, nextClaim >= taken + window { condition.wait() }
        guard !cancelled, nextClaim < chunkCount else { return nil }
        defer { nextClaim += 1 }
        return nextClaim
    }

    /// A worker's finished chunk.
    func deliver(_ chunk: EncodedChunk, walkSteps: Int) {
        condition.lock()
        defer { condition.unlock() }
        ready[Int(chunk.index)] = chunk
        steps += walkSteps
        condition.broadcast()
    }

    /// Waits for chunk `index` (which must be the next in order); nil if cancelled first.
    func take(_ index: Int) -> EncodedChunk? {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled, ready[index] == nil { condition.wait() }
        guard !cancelled, let chunk = ready.removeValue(forKey: index) else { return nil }
        taken = index + 1
        condition.broadcast()
        return chunk
    }

    /// Stops workers after their current chunk.
    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
    }

    /// Walk steps reported so far.
    var walkSteps: Int {
        condition.lock()
        defer { condition.unlock() }
        return steps
    }
}
