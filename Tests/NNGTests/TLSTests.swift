import NNG
import PPRTestSupport
import Testing

/// Real TLS (nng 1.5.2 + Mbed TLS) on loopback with certificates made by openssl for each test.
@Suite struct TLSTests {
    /// A rep server on tls+tcp://127.0.0.1:0 requiring client certificates from `certs`' cluster CA.
    private func server(_ certs: TestCertificates, maxConnections: Int = 64) throws -> (
        Socket, String, [Task<Void, Never>]
    ) {
        let tls = try TLSConfiguration(
            role: .server, caFile: certs.path("ca.pem"), certificateFile: certs.path("worker-0.pem"),
            keyFile: certs.path("worker-0.key"), peer: .required)
        let socket = try Socket(.rep0)
        try socket.limitConnections(to: maxConnections, requireVerifiedPeer: true)
        let url = try socket.listen("tls+tcp://127.0.0.1:0", tls: tls)
        let tasks = try startEchoServer(socket, contexts: 2) { $0.reversed() }
        return (socket, url, tasks)
    }

    private func client(caFile: String, certificate: String?, key: String?) throws -> TLSConfiguration {
        try TLSConfiguration(role: .client, caFile: caFile, certificateFile: certificate, keyFile: key, peer: .required)
    }

    @Test func mutualTLSRoundTrip() async throws {
        let certs = try TestCertificates()
        defer { certs.remove() }
        let (server, url, tasks) = try server(certs)
        defer { server.close(); tasks.forEach { $0.cancel() } }
        #expect(url.hasPrefix("tls+tcp://127.0.0.1:") && !url.hasSuffix(":0"))
        let client = try Socket(.req0)
        defer { client.close() }
        try await client.dialFirstAttempt(
            url,
            tls: try self.client(
                caFile: certs.path("ca.pem"), certificate: certs.path("coordinator.pem"),
                key: certs.path("coordinator.key")))
        #expect(try await call(client, [1, 2, 3]) == [3, 2, 1])
        #expect(server.connectionCounts.open == 1)
    }

    @Test func serverRefusesCertificateOfAnotherCA() async throws {
        let certs = try TestCertificates()
        let other = try TestCertificates()
        defer { certs.remove(); other.remove() }
        let (server, url, tasks) = try server(certs)
        defer { server.close(); tasks.forEach { $0.cancel() } }
        let client = try Socket(.req0)
        defer { client.close() }
        // The client trusts the server (cluster CA) but presents a certificate the other CA signed.
        let tls = try self.client(
            caFile: certs.path("ca.pem"), certificate: other.path("coordinator.pem"), key: other.path("coordinator.key")
        )
        await #expect(throws: NNGError.self) { try await client.dialFirstAttempt(url, tls: tls) }
        #expect(server.connectionCounts.open == 0)
    }

    @Test func serverRefusesClientWithoutCertificate() async throws {
        let certs = try TestCertificates()
        defer { certs.remove() }
        let (server, url, tasks) = try server(certs)
        defer { server.close(); tasks.forEach { $0.cancel() } }
        let client = try Socket(.req0)
        defer { client.close() }
        let tls = try self.client(caFile: certs.path("ca.pem"), certificate: nil, key: nil)
        await #expect(throws: NNGError.self) { try await client.dialFirstAttempt(url, tls: tls) }
        // Background dialling never gets a reply either.
        let background = try Socket(.req0)
        defer { background.close() }
        try background.dial(url, tls: tls)
        await #expect(throws: NNGError.self) { _ = try await call(background, [9], timeout: .milliseconds(500)) }
        #expect(server.connectionCounts.open == 0)
    }

    @Test func plainTCPClientGetsNoReplyFromTLSServer() async throws {
        let certs = try TestCertificates()
        defer { certs.remove() }
        let (server, url, tasks) = try server(certs)
        defer { server.close(); tasks.forEach { $0.cancel() } }
        let client = try Socket(.req0)
        defer { client.close() }
        try client.dial("tcp://" + url.dropFirst("tls+tcp://".count))
        await #expect(throws: NNGError.self) { _ = try await call(client, [9], timeout: .milliseconds(500)) }
    }

    @Test func atTheCapANewConnectionReplacesTheLongestSilentOne() async throws {
        let certs = try TestCertificates()
        defer { certs.remove() }
        let (server, url, tasks) = try server(certs, maxConnections: 2)
        defer { server.close(); tasks.forEach { $0.cancel() } }
        let tls = try self.client(
            caFile: certs.path("ca.pem"), certificate: certs.path("coordinator.pem"), key: certs.path("coordinator.key")
        )
        var clients: [Socket] = []
        defer { clients.forEach { $0.close() } }
        for _ in 0..<3 {
            let client = try Socket(.req0)
            clients.append(client)
            try await client.dialFirstAttempt(url, tls: tls)
            #expect(try await call(client, [1, 2]) == [2, 1])
        }
        // The third connection took the slot of the first (silent longest); the cap held.
        #expect(server.connectionCounts.open == 2)
        #expect(server.connectionCounts.refused >= 1)
    }

    @Test func firstDialAttemptReportsNothingListening() async throws {
        // Bind and close a listener to get a loopback port nobody listens on.
        let probe = try Socket(.rep0)
        let url = try probe.listen("tcp://127.0.0.1:0")
        probe.close()
        let client = try Socket(.req0)
        defer { client.close() }
        let error = await #expect(throws: NNGError.self) { try await client.dialFirstAttempt(url) }
        #expect(error?.code == .connectionRefused)
    }
}
