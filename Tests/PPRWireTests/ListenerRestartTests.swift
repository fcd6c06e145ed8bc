import Foundation
import PPRCore
import PPRTestSupport
import PPRWire
import Synchronization
import Testing

/// The nng 1.5.2 listener that stops accepting and dialer that stops redialling (nng issue #1518),
/// provoked for real on loopback, and the WireServer's and WireClient's watchdogs that restart them.
@Suite struct ListenerRestartTests {
    @Test func aTLSServerStoppedByResetsAfterTheHandshakeIsRestartedAndAnswersAgain() async throws {
        let certs = try TestCertificates()
        defer { certs.remove() }
        let events = Mutex<[WireServer.ListenerEvent]>([])
        // A front without client certificates, as a deployment with tokens only runs it: anyone can connect.
        let server = try WireServer(
            listeningOn: "tls+tcp://127.0.0.1:0",
            tls: WireTLS(
                caFile: nil, certificateFile: certs.path("coordinator.pem"), keyFile: certs.path("coordinator.key"),
                requirePeerCertificate: false),
            maxConnections: 256, listenerCheck: .milliseconds(200),
            onListenerEvent: { event in events.withLock { $0.append(event) } }, handler: echoHandler)
        defer { server.close() }
        let clientTLS = WireTLS(
            caFile: certs.path("ca.pem"), certificateFile: nil, keyFile: nil, requirePeerCertificate: true)
        let client = try WireClient(dialing: server.url, tls: clientTLS)
        defer { client.close() }
        let answer = WireResponse.query(QueryResponse(results: [RankedVertex(VertexID(7), score: 1)]))
        #expect(try await client.call(query(7), deadline: .seconds(10)) == answer)

        // Bursts of the attack until the listener has stopped and been restarted (usually the first burst).
        let port = try #require(server.url.split(separator: ":").last.flatMap { Int($0) })
        var connections = 0
        let giveUp = ContinuousClock.now + .seconds(150)
        while server.listenerRestarts == 0, ContinuousClock.now < giveUp {
            connections += try await TLSResetAttack.run(port: port, seconds: 3)
        }
        #expect(server.listenerRestarts >= 1, "no restart after \(connections) connections")
        #expect(events.withLock { $0 }.allSatisfy { $0 == .restarted })

        // The attack may have stopped the new listener too: the watchdog finds that within seconds, and
        // both the client that was connected (it redials) and a new one get answers.
        #expect(try await client.call(query(7), deadline: .seconds(15)) == answer)
        let fresh = try WireClient(dialing: server.url, tls: clientTLS, failFast: true)
        defer { fresh.close() }
        #expect(try await fresh.call(query(7), deadline: .seconds(15)) == answer)
    }

    @Test func aClientWhoseDialerStoppedIsAnsweredOnceItsWatchdogRedials() async throws {
        let answer = WireResponse.query(QueryResponse(results: [RankedVertex(VertexID(3), score: 1)]))
        // A plain unix socket server takes each client's first connection and closes it at once; whether
        // that stops the dialer is a race inside nng (usually won): try until one stops (at most 20).
        var tries = 0
        var restarted = false
        while !restarted, tries < 20 {
            tries += 1
            let path = "\(NSTemporaryDirectory())pw-wire-dialer-\(UUID().uuidString).sock"
            let client = try RawSockets.closeFirstConnection(at: path) { try WireClient(dialing: "ipc://\(path)") }
            defer { client.close() }
            let server = try WireServer(listeningOn: "ipc://\(path)", handler: echoHandler)
            defer { server.close() }
            // A stopped dialer is answered only after the watchdog's redial (about 5 s of silence).
            #expect(try await client.call(query(3), deadline: .seconds(20)) == answer)
            restarted = client.dialerRestarts == 1
        }
        #expect(restarted, "no early close stopped the client's dialer in \(tries) tries")
    }
}
