import Foundation
import NNG
import PPRTestSupport
import Testing

/// The listener watchdog on real listeners. Over tcp:// and tls+tcp://, peers that close during
/// negotiation make nng count "other" failures while the listener keeps working: the watchdog must leave
/// it (and its connections) alone. Over ipc://, nng 1.5.2 stops the listener at the first such peer: the
/// watchdog must restart it. (PPRWireTests/ListenerRestartTests provokes the stop over tls+tcp://.)
@Suite struct ListenerWatchdogTests {
    enum Scheme: String, CaseIterable, Sendable { case tcp, tls }

    @Test(arguments: Scheme.allCases)
    func peersThatCloseDuringNegotiationDoNotRestartAWorkingListener(over scheme: Scheme) async throws {
        let certs = try TestCertificates()
        defer { certs.remove() }
        let server = try Socket(.rep0)
        defer { server.close() }
        try server.limitConnections(to: 64, requireVerifiedPeer: false)
        let address: String
        var serverTLS: TLSConfiguration?
        var clientTLS: TLSConfiguration?
        switch scheme {
        case .tcp: address = "tcp://127.0.0.1:0"
        case .tls:
            address = "tls+tcp://127.0.0.1:0"
            serverTLS = try TLSConfiguration(
                role: .server, caFile: nil, certificateFile: certs.path("worker-0.pem"),
                keyFile: certs.path("worker-0.key"), peer: .none)
            clientTLS = try TLSConfiguration(
                role: .client, caFile: certs.path("ca.pem"), certificateFile: nil, keyFile: nil, peer: .required)
        }
        let listener = try server.openListener(address, tls: serverTLS)
        let tasks = try startEchoServer(server, contexts: 2) { $0.reversed() }
        defer { tasks.forEach { $0.cancel() } }
        let client = try Socket(.req0)
        defer { client.close() }
        try await client.dialFirstAttempt(listener.url, tls: clientTLS)
        #expect(try await call(client, [1, 2]) == [2, 1])

        let watchdog = ListenerWatchdog(listener: listener)
        #expect(await watchdog.check() == .quiet)
        for _ in 0..<5 { try RawSockets.connectAndClose(listener.url) }
        try await Self.waitForOtherFailure(listener)
        #expect(await watchdog.check() == .accepting)
        #expect(await watchdog.check() == .quiet)
        #expect(watchdog.restarts == 0)
        // The connection made before is the same one (a restart would have closed it) and still answers.
        #expect(server.connectionCounts.refused == 0)
        #expect(try await call(client, [3, 4]) == [4, 3])
    }

    @Test func anIPCListenerStoppedByOneClosedConnectionIsRestarted() async throws {
        // Another listener made first: nng 1.5.2's own lookup (nng_stat_find_listener) would read its
        // statistics instead of the watched listener's.
        let decoy = try Socket(.rep0)
        defer { decoy.close() }
        try decoy.listen("tcp://127.0.0.1:0")
        let (server, listener, tasks) = try ipcEchoServer(path: Self.freshSocketPath())
        defer { server.close() }
        defer { tasks.forEach { $0.cancel() } }
        let watchdog = ListenerWatchdog(listener: listener)
        // Whether an early close stops the listener (NNG_ECLOSED) or not (NNG_ECONNSHUT) is a race inside
        // nng, usually won on the first try: close connections until one stops it (at most 40).
        var tries = 0
        while watchdog.restarts == 0, tries < 40 {
            tries += 1
            let other = listener.activity?.otherFailures ?? 0
            try RawSockets.connectAndClose(listener.url)
            try await Self.waitForOtherFailure(listener, above: other)
            let early = try Socket(.req0)
            defer { early.close() }
            try await early.dialFirstAttempt(listener.url)
            let answered = (try? await call(early, [1], timeout: .seconds(2))) != nil
            // Closed before the check: after a restart its dialer would redial the new listener, and a close
            // during that negotiation can stop the new listener too (seen once in a full run).
            early.close()
            if answered {
                #expect(await watchdog.check() == .accepting)  // answered: it still accepts
            } else {
                #expect(await watchdog.check() == .restarted)  // stopped: connected, but never answered
            }
        }
        #expect(watchdog.restarts == 1, "no early close stopped the listener in \(tries) tries")
        let client = try Socket(.req0)
        defer { client.close() }
        try await client.dialFirstAttempt(listener.url)
        #expect(try await call(client, [1, 2], timeout: .seconds(10)) == [2, 1])
        #expect(await watchdog.check() == .quiet)
    }

    @Test func aRestartThatCannotListenIsRetriedAtTheNextCheck() async throws {
        let path = Self.freshSocketPath()
        let (server, listener, tasks) = try ipcEchoServer(path: path)
        defer { server.close() }
        defer { tasks.forEach { $0.cancel() } }
        let watchdog = ListenerWatchdog(listener: listener)
        try RawSockets.connectAndClose(listener.url)
        try await Self.waitForOtherFailure(listener)
        // A directory where the socket was: listening there again fails until it is gone.
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        guard case .restartFailed = await watchdog.check() else {
            Issue.record("listening on a directory's path did not fail")
            return
        }
        try FileManager.default.removeItem(atPath: path)
        #expect(await watchdog.check() == .restarted)
        #expect(watchdog.restarts == 2)
        let client = try Socket(.req0)
        defer { client.close() }
        try await client.dialFirstAttempt(listener.url)
        #expect(try await call(client, [5, 6], timeout: .seconds(10)) == [6, 5])
    }

    @Test func aDialerStoppedByAServerThatClosesEarlyIsRestarted() async throws {
        // A plain unix socket server takes each dialer's first connection and closes it at once; whether
        // that stops the dialer is a race inside nng (usually won): dial until one stops (at most 40).
        var stopped = false
        var tries = 0
        while !stopped, tries < 40 {
            tries += 1
            let path = Self.freshSocketPath()
            let client = try Socket(.req0)
            defer { client.close() }
            try client.setReconnectTimes(min: .milliseconds(10), max: .milliseconds(100))
            let dialer = try RawSockets.closeFirstConnection(at: path) { try client.dial("ipc://\(path)") }
            let (server, _, tasks) = try ipcEchoServer(path: path)
            defer { server.close() }
            defer { tasks.forEach { $0.cancel() } }
            let watchdog = DialerWatchdog(dialer: dialer, stalledChecks: 2)
            // A dialer that still redials reaches the server that now listens there within 100 ms.
            if (try? await call(client, [1], timeout: .seconds(2))) != nil {
                #expect(watchdog.check() == false)
                continue
            }
            stopped = true
            #expect(watchdog.check() == false)
            #expect(watchdog.check() == true)
            #expect(try await call(client, [1, 2], timeout: .seconds(10)) == [2, 1])
            #expect(watchdog.check() == false)
            #expect(watchdog.restarts == 1)
        }
        #expect(stopped, "no early close stopped the dialer in \(tries) tries")
    }

    /// Waits (at most 10 s) until nng has counted more than `count` "other" failures on `listener`.
    private static func waitForOtherFailure(_ listener: Listener, above count: UInt64 = 0) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while (listener.activity?.otherFailures ?? 0) <= count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(
            (listener.activity?.otherFailures ?? 0) > count, "nng counted no failure for the closed connection")
    }

    /// A path for an ipc:// socket of one test.
    private static func freshSocketPath() -> String {
        "\(NSTemporaryDirectory())pw-watchdog-\(UUID().uuidString).sock"
    }

    /// A rep server on `ipc://path` that reverses what it receives.
    private func ipcEchoServer(path: String) throws -> (Socket, Listener, [Task<Void, Never>]) {
        let server = try Socket(.rep0)
        let listener = try server.openListener("ipc://\(path)")
        return (server, listener, try startEchoServer(server, contexts: 2) { $0.reversed() })
    }
}
