import Synchronization

/// Items lent to one user at a time and kept for the next one, at most `limit` of them idle: the one reuse
/// pattern behind the coordinator's query scratch, the workers' dense vectors, block buffers and whole-query
/// engines (each an `O(n)` allocation a request should not pay for again; on a busy process fresh large
/// allocations are page faults that serialise concurrent requests).
final class IdlePool<Item: Sendable>: Sendable {
    private let limit: Int
    private let idle = Mutex<[Item]>([])

    /// A pool keeping at most `limit` (at least 1) idle items.
    init(limit: Int) { self.limit = max(1, limit) }

    /// An idle item, or `make()` when every item is lent.
    func take(or make: () -> Item) -> Item {
        idle.withLock { $0.popLast() } ?? make()
    }

    /// Takes `item` back (dropped when `limit` items are idle already).
    func give(_ item: Item) {
        idle.withLock { if $0.count < limit { $0.append(item) } }
    }
}
