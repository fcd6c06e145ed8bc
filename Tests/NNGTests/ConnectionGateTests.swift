import NNG
import Synchronization
import Testing

/// The connection cap's bookkeeping over real tcp sockets: busy connections are never closed, silent
/// ones are (and their clients redial by themselves).
@Suite struct ConnectionGateTests {
    /// Waits (at most 5 s) until `condition` holds.
    private func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test func connectionsAwaitingARepliesAreNeitherEvictedNorClosedForSilence() async throws {
        let server = try Socket(.rep0)
        defer { server.close() }
        try server.limitConnections(to: 2, requireVerifiedPeer: false)
        let url = try server.listen("tcp://127.0.0.1:0")
        // Two contexts that take a request, mark its connection busy and never answer.
        let received = Counter()
        let holders = try (0..<2).map { _ in
            let context = try server.makeContext()
            return Task {
                guard let message = try? await context.receive() else { return }
                server.connectionBusy(message.connectionID)
                received.value.add(1, ordering: .relaxed)
                try? await Task.sleep(for: .seconds(60))
            }
        }
        defer { holders.forEach { $0.cancel() } }
        var clients: [Socket] = []
        defer { clients.forEach { $0.close() } }
        var pending: [Task<Void, Never>] = []
        defer { pending.forEach { $0.cancel() } }
        for _ in 0..<2 {
            let client = try Socket(.req0)
            clients.append(client)
            try await client.dialFirstAttempt(url)
            pending.append(Task { _ = try? await call(client, [7], timeout: .seconds(20)) })
        }
        #expect(try await eventually { received.value.load(ordering: .relaxed) == 2 })
        #expect(server.closeSilentConnections(olderThan: .zero) == 0)
        let third = try Socket(.req0)
        clients.append(third)
        try third.dial(url)
        await #expect(throws: NNGError.self) { _ = try await call(third, [8], timeout: .milliseconds(500)) }
        #expect(server.connectionCounts.open == 2)
        #expect(server.connectionCounts.refused >= 1)
    }

    @Test func silentConnectionsAreClosedAndTheirClientsRedial() async throws {
        let server = try Socket(.rep0)
        defer { server.close() }
        try server.limitConnections(to: 8, requireVerifiedPeer: false)
        let url = try server.listen("tcp://127.0.0.1:0")
        let tasks = try startEchoServer(server, contexts: 1) { $0 }
        defer { tasks.forEach { $0.cancel() } }
        let client = try Socket(.req0)
        defer { client.close() }
        try client.setReconnectTimes(min: .milliseconds(10), max: .milliseconds(100))
        try await client.dialFirstAttempt(url)
        #expect(try await eventually { server.connectionCounts.open == 1 })
        try await Task.sleep(for: .milliseconds(100))
        #expect(server.closeSilentConnections(olderThan: .seconds(60)) == 0)  // not silent that long
        #expect(server.closeSilentConnections(olderThan: .milliseconds(20)) == 1)
        #expect(try await eventually { server.connectionCounts.open == 0 || server.connectionCounts.open == 1 })
        #expect(try await call(client, [4, 2]) == [4, 2])  // redialled in the background
    }
}

/// A count shared with tasks.
private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
