// Transport security and identity with real processes' parts in one process: a real Worker and a
// real coordinator front over tls+tcp:// on loopback, certificates made by openssl for each test.
import Foundation
import Logging
import PPRCore
import PPRService
import PPRStorage
import PPRTestSupport
import PPRWire
import Testing

/// One shard's worker and a coordinator front, both over TLS; certificates, tokens and graph in a temp dir.
final class SecureTestCluster: @unchecked Sendable {
    let certs: TestCertificates
    let directory: String
    let config: ServiceConfig
    let worker: Worker
    let front: CoordinatorServer
    let adminToken = "admin-token-0123456789abcdef"
    let queryToken = "query-token-0123456789abcdef"

    init(clientCA: Bool, tokens: Bool) throws {
        certs = try TestCertificates()
        directory = certs.directory.appendingPathComponent("cluster").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let graphPath = "\(directory)/graph.pwg"
        try GraphFile.write(CoordinatorTestCluster.randomGraph(vertexCount: 120, seed: 3), to: graphPath)
        let tokensPath = "\(directory)/tokens"
        try "# roles\nquery \(queryToken)\nadmin \(adminToken)\n".write(
            toFile: tokensPath, atomically: true, encoding: .utf8)
        var config = ServiceConfig(
            graph: graphPath,
            shards: [
                ShardConfig(replicas: [ReplicaConfig(url: "tls+tcp://127.0.0.1:0", dataDir: "\(directory)/shard-0")])
            ])
        config.coordinator.listen = "tls+tcp://127.0.0.1:0"
        config.coordinator.dataDir = "\(directory)/coordinator"
        config.limits.mapSizeBytes = 1 << 28
        // The worker's certificate for the worker, the coordinator's for the coordinator.
        var workerConfig = config
        workerConfig.security = SecurityConfig(
            caFile: certs.path("ca.pem"), certFile: certs.path("worker-0.pem"), keyFile: certs.path("worker-0.key"))
        var logger = Logger(label: "powerwalk.security.test")
        logger.logLevel = .warning
        worker = try Worker(config: workerConfig, shards: [0], logger: logger)
        config.shards[0].replicas[0].url = worker.urls[0]
        config.security = SecurityConfig(
            caFile: certs.path("ca.pem"), certFile: certs.path("coordinator.pem"),
            keyFile: certs.path("coordinator.key"),
            clientCaFile: clientCA ? certs.path("client-ca.pem") : nil, tokensFile: tokens ? tokensPath : nil)
        self.config = config
        let coordinator = try Coordinator(
            config: config, graph: try GraphFile.load(graphPath),
            ledger: try JobLedger(directory: config.coordinator.dataDir),
            logger: logger)
        front = try CoordinatorServer(coordinator)
    }

    /// A fail-fast typed client of the front (as pwctl makes it) with the client certificate (or none) and
    /// a token.
    func client(
        certificate: Bool = true, token: String? = nil, caFile: String? = nil, deadline: Duration = .seconds(30)
    ) throws -> CoordinatorClient {
        try CoordinatorClient(
            .init(
                url: front.url,
                tls: WireTLS(
                    caFile: caFile ?? certs.path("ca.pem"),
                    certificateFile: certificate ? certs.path("client.pem") : nil,
                    keyFile: certificate ? certs.path("client.key") : nil, requirePeerCertificate: true),
                token: token, deadline: deadline, failFast: true))
    }

    func close() async {
        await front.shutdown()
        await worker.shutdown()
        certs.remove()
    }
}

@Suite struct SecurityTests {
    @Test func mutualTLSClusterIndexesAndAnswersWithTokenRoles() async throws {
        let cluster = try SecureTestCluster(clientCA: true, tokens: true)
        let admin = try cluster.client(token: cluster.adminToken)
        let reader = try cluster.client(token: cluster.queryToken)
        let anonymous = try cluster.client()
        let forged = try cluster.client(token: "admin-token-0123456789abcdeX")
        do {
            try await cluster.front.coordinator.start()
            // admin: submit an index job through the mutual-TLS link to the worker, and follow it.
            let params = IndexJobParams(
                walksPerVertex: 8, maxWalkLength: 30, restartProbability: 0.15, seed: 1, threads: 1)
            let submitted = try await admin.submit(.index(params))
            let indexed = try await reader.awaitJob(submitted, every: .milliseconds(50), within: .seconds(30))
            #expect(indexed.state == .succeeded)
            // query role: queries work, submission does not.
            let query = QueryRequest(sources: [QuerySource(VertexID(1000))], topK: 5)
            let answer = try await reader.query(query)
            #expect(!answer.results.isEmpty)
            let denied = await #expect(throws: WireError.self) { _ = try await reader.cancel(submitted.id) }
            #expect(denied?.code == .permissionDenied)
            // No token, or a token one character off: UNAUTHENTICATED, and the reply never quotes it.
            let missing = await #expect(throws: WireError.self) { _ = try await anonymous.status() }
            #expect(missing?.code == .unauthenticated)
            let wrong = await #expect(throws: WireError.self) { _ = try await forged.query(query) }
            #expect(wrong?.code == .unauthenticated)
            #expect(wrong?.message.contains("admin-token") == false)
        }
        for client in [admin, reader, anonymous, forged] { client.close() }
        await cluster.close()
    }

    @Test func workerRefusesPeersWithoutAClusterCertificate() async throws {
        let cluster = try SecureTestCluster(clientCA: false, tokens: false)
        let url = cluster.worker.urls[0]
        let certs = cluster.certs
        // A certificate of the client CA (another CA) and no certificate at all: both refused in the handshake.
        for (certificate, key) in [(certs.path("client.pem"), certs.path("client.key")), (nil, nil)]
            as [(String?, String?)]
        {
            let client = try WireClient(
                dialing: url,
                tls: WireTLS(
                    caFile: certs.path("ca.pem"), certificateFile: certificate, keyFile: key,
                    requirePeerCertificate: true),
                failFast: true)
            let error = await #expect(throws: WireError.self) {
                _ = try await client.call(.workerHealth(WorkerHealthRequest()), deadline: .seconds(60))
            }
            #expect(error?.code == .unavailable)
            client.close()
        }
        // A cluster certificate gets an answer.
        let member = try WireClient(
            dialing: url,
            tls: WireTLS(
                caFile: certs.path("ca.pem"), certificateFile: certs.path("coordinator.pem"),
                keyFile: certs.path("coordinator.key"), requirePeerCertificate: true), failFast: true)
        guard case .workerHealth = try await member.call(.workerHealth(WorkerHealthRequest()), deadline: .seconds(60))
        else {
            Issue.record("expected a health reply"); return
        }
        member.close()
        await cluster.close()
    }

    @Test func frontWithAClientCARefusesClientsWithoutACertificate() async throws {
        let cluster = try SecureTestCluster(clientCA: true, tokens: false)
        let anonymous = try cluster.client(certificate: false, deadline: .seconds(60))
        let error = await #expect(throws: WireError.self) { _ = try await anonymous.status() }
        #expect(error?.code == .unavailable)
        // A client that does not trust the front's CA refuses the front.
        let distrustful = try cluster.client(caFile: cluster.certs.path("client-ca.pem"), deadline: .seconds(60))
        await #expect(throws: WireError.self) { _ = try await distrustful.status() }
        let member = try cluster.client(deadline: .seconds(60))
        #expect(try await member.status().shards.count == 1)
        for client in [anonymous, distrustful, member] { client.close() }
        await cluster.close()
    }

    @Test func aBatchThatCouldReplyTooMuchIsRefusedBeforeAnyWork() async throws {
        // The attack of issue 8: 20,000 queries × top_k 1,048,576 in one ~400 KB request. No index
        // exists, so any work would fail differently (FAILED_PRECONDITION); the cap answers first.
        let cluster = try CoordinatorTestCluster(shardCount: 1, vertexCount: 200)
        let queries = (0..<20_000).map { i in
            QueryRequest(sources: [QuerySource(VertexID(1000 + 3 * (i % 200)))], topK: 1 << 20)
        }
        let error = await #expect(throws: WireError.self) {
            _ = try await cluster.call(.batchQuery(BatchQueryRequest(queries: queries)))
        }
        #expect(error?.code == .resourceExhausted)
        #expect(error?.message.contains("limits.maxReplyEntries") == true)
        // Under the cap (top_k is clamped to the vertex count): not refused by it.
        let small = (0..<10).map { _ in QueryRequest(sources: [QuerySource(VertexID(1000))], topK: 1 << 20) }
        let other = await #expect(throws: WireError.self) {
            _ = try await cluster.call(.batchQuery(BatchQueryRequest(queries: small)))
        }
        #expect(other?.code != .resourceExhausted)
        await cluster.close()
    }
}

@Suite struct FrontTokensTests {
    @Test func rolesAndRefusals() throws {
        let tokens = try FrontTokens(
            text: "# c\n\nquery qqqqqqqqqqqqqqqqqqqq\nadmin aaaaaaaaaaaaaaaaaaaa\n", origin: "t")
        #expect(tokens.role(of: "qqqqqqqqqqqqqqqqqqqq") == .query)
        #expect(tokens.role(of: "aaaaaaaaaaaaaaaaaaaa") == .admin)
        #expect(tokens.role(of: "aaaaaaaaaaaaaaaaaaa") == nil)
        #expect(tokens.authorize(.query, token: "qqqqqqqqqqqqqqqqqqqq") == nil)
        #expect(tokens.authorize(.listJobs, token: "qqqqqqqqqqqqqqqqqqqq") == nil)
        #expect(
            tokens.authorize(.submitJob, token: "qqqqqqqqqqqqqqqqqqqq").map { WireError(from: $0).code }
                == .permissionDenied)
        #expect(
            tokens.authorize(.cancelJob, token: "qqqqqqqqqqqqqqqqqqqq")
                == .roleNotAllowed(method: .cancelJob, role: "query"))
        #expect(tokens.authorize(.submitJob, token: "aaaaaaaaaaaaaaaaaaaa") == nil)
        #expect(tokens.authorize(.query, token: nil).map { WireError(from: $0).code } == .unauthenticated)
        #expect(tokens.authorize(.query, token: "nope").map { WireError(from: $0).code } == .unauthenticated)
        #expect(WireError(from: FrontAccessError.replyTooLarge(queries: 2, limit: 1)).code == .resourceExhausted)
    }

    @Test(arguments: [
        ("query short\n", "at least 16"), ("reader aaaaaaaaaaaaaaaaaaaa\n", "unknown role 'reader'"),
        ("admin aaaaaaaaaaaaaaaaaaaa extra\n", "expected 'ROLE TOKEN'"),
        ("admin aaaaaaaaaaaaaaaaaaaa\nquery aaaaaaaaaaaaaaaaaaaa\n", "appears twice"),
        ("# only a comment\n", "no tokens"),
    ])
    func badFilesAreRefusedWithoutQuotingTokens(_ text: String, _ reason: String) {
        let error = #expect(throws: FrontAccessError.self) { _ = try FrontTokens(text: text, origin: "tokens.txt") }
        let wire = error.map { WireError(from: $0) }
        #expect(wire?.code == .invalidArgument)
        #expect(wire?.message.contains(reason) == true, "\(String(describing: error))")
        #expect(wire?.message.contains("security.tokensFile tokens.txt") == true)
        #expect(wire?.message.contains("aaaaaaaa") == false)
    }

    @Test func constantTimeEqualityComparesWholeValues() {
        let a = Array("0123456789abcdef".utf8)
        #expect(FrontTokens.constantTimeEqual(a, a))
        #expect(!FrontTokens.constantTimeEqual(a, Array("0123456789abcdeX".utf8)))  // last byte differs
        #expect(!FrontTokens.constantTimeEqual(a, Array("X123456789abcdef".utf8)))  // first byte differs
        #expect(!FrontTokens.constantTimeEqual(a, Array("0123456789abcde".utf8)))  // a prefix
        #expect(!FrontTokens.constantTimeEqual(a, a + [0]))  // a trailing NUL
        #expect(!FrontTokens.constantTimeEqual([], a))
        #expect(FrontTokens.constantTimeEqual([], []))
        // Lengths that differ by a multiple of 256 still differ.
        #expect(!FrontTokens.constantTimeEqual([UInt8](repeating: 1, count: 256), [UInt8](repeating: 1, count: 512)))
    }
}

@Suite struct SecurityConfigTests {
    private func load(_ yaml: String, _ environment: [String: String] = [:]) throws(ConfigError) -> ServiceConfig {
        var loader = try ConfigLoader(yaml: yaml, origin: "c.yaml", environment: environment)
        return try loader.serviceConfig()
    }

    private func yaml(url: String, listen: String, security: Bool) -> String {
        let ca = "/etc/powerwalk/tls/ca.pem"  // the loader does not open the files (the listener does)
        return """
            graph: g.pwg
            coordinator:
              listen: \(listen)
            shards:
              - replicas:
                  - url: \(url)
                    dataDir: s0
            """ + (security ? "\nsecurity:\n  caFile: \(ca)\n  certFile: \(ca)\n  keyFile: \(ca)\n" : "\n")
    }

    @Test func securityRequiresTLSURLsNamingTheKey() throws {
        let config = try load(yaml(url: "tls+tcp://w:1", listen: "tls+tcp://0.0.0.0:7400", security: true))
        #expect(config.security?.clientCaFile == nil)
        let error = #expect(throws: ConfigError.self) {
            _ = try load(yaml(url: "tcp://w:1", listen: "tls+tcp://0.0.0.0:7400", security: true))
        }
        #expect(error?.description.contains("shards.0.replicas.0.url") == true)
        let front = #expect(throws: ConfigError.self) {
            _ = try load(yaml(url: "tls+tcp://w:1", listen: "tcp://0.0.0.0:7400", security: true))
        }
        #expect(front?.description.contains("coordinator.listen") == true)
    }

    @Test func theEnvironmentSetsTheSectionAndAPartialSectionIsRefused() throws {
        let file = repositoryRoot + "/config/README.md"
        let config = try load(
            yaml(url: "tls+tcp://w:1", listen: "tls+tcp://127.0.0.1:7400", security: false),
            [
                "POWERWALK_SECURITY_CAFILE": file, "POWERWALK_SECURITY_CERTFILE": file,
                "POWERWALK_SECURITY_KEYFILE": file, "POWERWALK_SECURITY_TOKENSFILE": file,
            ])
        #expect(config.security?.tokensFile == file)
        let error = #expect(throws: ConfigError.self) {
            _ = try load(
                yaml(url: "tls+tcp://w:1", listen: "tls+tcp://127.0.0.1:7400", security: false),
                ["POWERWALK_SECURITY_CAFILE": file])
        }
        #expect(error == .missing("c.yaml", "security.certFile"))
        let empty = #expect(throws: ConfigError.self) {
            _ = try load(
                yaml(url: "tls+tcp://w:1", listen: "tls+tcp://127.0.0.1:7400", security: true),
                ["POWERWALK_SECURITY_CLIENTCAFILE": ""])
        }
        #expect(empty?.description.contains("security.clientCaFile") == true)
    }

    @Test(arguments: [
        ("tcp://127.0.0.1:7400", false, false, true), ("tcp://localhost:1", false, false, true),
        ("tcp://[::1]:1", false, false, true), ("ipc:///tmp/x", false, false, true),
        ("tcp://0.0.0.0:7400", false, false, false), ("tcp://10.1.2.3:7400", false, false, false),
        ("tcp://0.0.0.0:7400", false, true, true), ("tls+tcp://0.0.0.0:7400", true, false, true),
        ("tcp://127.0.0.1:7400", true, false, false),
    ])
    func listenRules(_ url: String, _ secured: Bool, _ insecure: Bool, _ allowed: Bool) {
        let outcome = Result { () throws(ListenPolicyError) in
            try ListenPolicy.check(url, key: "coordinator.listen", secured: secured, insecure: insecure)
        }
        switch outcome {
        case .success(let warning):
            #expect(allowed)
            #expect((warning != nil) == (insecure && !secured))
        case .failure(let error):
            #expect(!allowed)
            #expect(error.description.contains("coordinator.listen"))
        }
    }
}
