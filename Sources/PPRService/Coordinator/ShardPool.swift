// ShardPool: the coordinator's connections to the workers, one WireClient per replica of every shard.
//
// A call to a shard tries its replicas in config order within one deadline: each attempt gets an
// equal share of the time left, so a silent first replica cannot use up the whole budget. Only
// transport failures (no reply in time, connection gone) move on to the next replica; a worker's own
// error reply (NOT_FOUND, FAILED_PRECONDITION...) is the shard's answer and is passed on as it is.
// When no replica answers, the error is UNAVAILABLE naming the shard, its URLs and the deadline.
// Dials are non-blocking, so the pool can be made before the workers start.
import PPRCore
import PPRWire

/// WireClients to every replica of every shard, with deadline-bounded calls and parallel fan-out.
public final class ShardPool: Sendable {
    /// `replicas[s]` are shard `s`'s clients, in the order they are tried.
    private let replicas: [[WireClient]]
    /// Exported replica health (1 answered, 0 transport failure), set from the call paths below.
    let replicaHealth: ReplicaHealthMetrics

    /// Dials every replica of `shards` (in the background); `tls` for `tls+tcp://` workers (mutual TLS).
    public init(shards: [ShardConfig], maxResponseBytes: Int = 256 << 20, tls: WireTLS? = nil) throws(WireError) {
        precondition(!shards.isEmpty, "a cluster has at least one shard")
        var replicas: [[WireClient]] = []
        for (index, shard) in shards.enumerated() {
            guard !shard.replicas.isEmpty else {
                throw WireError(.invalidArgument, "shard \(index) has no replica configured")
            }
            var clients: [WireClient] = []
            for replica in shard.replicas {
                clients.append(try WireClient(dialing: replica.url, maxResponseBytes: maxResponseBytes, tls: tls))
            }
            replicas.append(clients)
        }
        self.replicas = replicas
        replicaHealth = ReplicaHealthMetrics(replicaCounts: replicas.map(\.count))
    }

    deinit { close() }

    /// Number of shards.
    public var shardCount: Int { replicas.count }

    /// The URLs of `shard`'s replicas, in the order they are tried.
    public func urls(of shard: ShardID) -> [String] { replicas[shard.rawValue].map(\.url) }

    /// Closes every connection; calls in flight fail with UNAVAILABLE. Idempotent.
    public func close() {
        for clients in replicas { for client in clients { client.close() } }
    }

    /// Sends `request` to `shard`, trying its replicas in order, all within `deadline`.
    ///
    /// - Throws: the worker's own `WireError`; UNAVAILABLE naming the shard when no replica answered in
    ///   time; INVALID_ARGUMENT for a shard outside the cluster; CANCELLED when the task is.
    public func call(_ shard: ShardID, _ request: WireRequest, deadline: Duration) async throws(WireError)
        -> WireResponse
    {
        guard shard.rawValue >= 0, shard.rawValue < replicas.count else {
            throw WireError(.invalidArgument, "\(shard) does not exist: the cluster has \(replicas.count) shards")
        }
        let clients = replicas[shard.rawValue]
        let clock = ContinuousClock()
        let end = clock.now + deadline
        var failures: [String] = []
        for (attempt, client) in clients.enumerated() {
            let left = end - clock.now
            guard left > .zero else { break }
            let share = left / (clients.count - attempt)
            do {
                let reply = try await client.call(request, deadline: share)
                replicaHealth.set(shard: shard.rawValue, replica: attempt, healthy: true)
                return reply
            } catch {
                replicaHealth.set(shard: shard.rawValue, replica: attempt, healthy: !Self.isTransportFailure(error))
                guard Self.isTransportFailure(error) else { throw error }
                if Task.isCancelled { throw WireError(.cancelled, "\(request.method) to \(shard) cancelled") }
                failures.append(error.message)
            }
        }
        let urls = clients.map(\.url).joined(separator: ", ")
        let detail = failures.isEmpty ? "" : " (\(failures.joined(separator: "; ")))"
        throw WireError(
            .unavailable, "\(shard) (\(urls)) did not answer within \(Self.millis(deadline)) ms\(detail)")
    }

    /// Sends `requests[s]` to shard `s` for every shard at once; results in shard order.
    ///
    /// Every call has the same deadline, so the whole fan-out ends within it (plus scheduling).
    public func fanOut(_ requests: [WireRequest], deadline: Duration) async -> [Result<WireResponse, WireError>] {
        precondition(requests.count == replicas.count, "one request per shard")
        let addressed = requests.enumerated().map { (ShardID($0.offset), $0.element) }
        return await fanOut(addressed, deadline: deadline).map(\.1)
    }

    /// Sends each request to its shard at once; results in the order of `requests`.
    public func fanOut(_ requests: [(ShardID, WireRequest)], deadline: Duration) async
        -> [(ShardID, Result<WireResponse, WireError>)]
    {
        // The child result is a named struct, not a tuple built in typed-throws `do` branches: the
        // latter miscompiled in release builds with Swift 6.3.1 (a garbage shard index, then a trap).
        await withTaskGroup(of: ShardReply.self) { group in
            for (position, (shard, request)) in requests.enumerated() {
                group.addTask {
                    let result: Result<WireResponse, WireError>
                    do {
                        result = .success(try await self.call(shard, request, deadline: deadline))
                    } catch {
                        result = .failure(error as? WireError ?? WireError(.internal, "\(error)"))
                    }
                    return ShardReply(position: position, shard: shard, result: result)
                }
            }
            var replies: [ShardReply] = []
            replies.reserveCapacity(requests.count)
            for await reply in group { replies.append(reply) }
            return replies.sorted { $0.position < $1.position }.map { ($0.shard, $0.result) }
        }
    }

    /// Like `fanOut`, but the first failure (lowest shard) is thrown.
    public func fanOutAll(_ requests: [WireRequest], deadline: Duration) async throws(WireError) -> [WireResponse] {
        var responses: [WireResponse] = []
        for result in await fanOut(requests, deadline: deadline) {
            switch result {
            case .success(let response): responses.append(response)
            case .failure(let error): throw error
            }
        }
        return responses
    }

    /// A failure of the connection rather than an answer from the worker.
    private static func isTransportFailure(_ error: WireError) -> Bool {
        error.code == .deadlineExceeded || error.code == .unavailable
    }

    /// Whole milliseconds of a duration, for messages.
    static func millis(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}

/// One shard's outcome in a fan-out, with the position of its request.
private struct ShardReply: Sendable {
    var position: Int
    var shard: ShardID
    var result: Result<WireResponse, WireError>
}
