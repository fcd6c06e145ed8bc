// A secured cluster of real processes: one worker and a coordinator over tls+tcp:// on loopback with
// mutual TLS, a client CA and a tokens file (certificates made by deploy/tls/make-certs.sh), driven by
// pwctl with --tls-ca/--tls-cert/--tls-key/--token-file given before the subcommand. Also the start-up
// refusals: a non-TLS URL with security set, and a non-loopback listen without --insecure.
import Foundation
import Testing

extension EndToEnd {
    @Suite("secured cluster")
    struct SecureClusterTests {
        /// Runs deploy/tls/make-certs.sh into `scratch/tls`; returns that directory.
        private func makeCertificates(_ scratch: ScratchDirectory) async throws -> String {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../deploy/tls/make-certs.sh").standardized
            let directory = scratch.path("tls")
            let result = try await ChildProcess.run(
                URL(fileURLWithPath: "/bin/bash"), [script.path, directory, "coordinator", "worker-0"],
                timeout: .seconds(60))
            guard result.succeeded else { throw HarnessError("make-certs.sh failed: \(result)") }
            return directory
        }

        private func config(graph: String, scratch: ScratchDirectory, front: String, worker: String, tls: String)
            -> String
        {
            """
            graph: \(graph)
            shards:
              - replicas:
                  - url: "\(worker)"
                    dataDir: \(scratch.path("shard-0"))
            coordinator:
              listen: "\(front)"
              dataDir: \(scratch.path("coordinator"))
            index:
              walks: \(Pwctl.walks)
              maxLength: \(Pwctl.maxLength)
              alpha: \(Pwctl.alpha)
              seed: \(Pwctl.seed)
              threads: 1
            limits:
              mapSizeBytes: 1073741824
            security:
              caFile: \(tls)/ca.pem
              clientCaFile: \(tls)/client-ca.pem
              tokensFile: \(tls)/tokens

            """
        }

        @Test("mutual TLS, client certificates and tokens through pwctl; exit 6 and 7 for token failures")
        func securedClusterServesPwctl() async throws {
            let scratch = try ScratchDirectory("secure")
            defer { scratch.remove() }
            let graph = try await Pwctl.ingestFixture(into: scratch)
            let tls = try await makeCertificates(scratch)
            let ports = try FreePort.ports(2)
            let front = "tls+tcp://127.0.0.1:\(ports[0])"
            let configPath = scratch.path("cluster.yaml")
            try config(
                graph: graph, scratch: scratch, front: front, worker: "tls+tcp://127.0.0.1:\(ports[1])", tls: tls
            )
            .write(toFile: configPath, atomically: true, encoding: .utf8)
            // Each process gets its own certificate through the environment, as the manifests do.
            func identity(_ name: String) -> [String: String] {
                [
                    "POWERWALK_SECURITY_CERTFILE": "\(tls)/\(name).pem",
                    "POWERWALK_SECURITY_KEYFILE": "\(tls)/\(name).key",
                ]
            }
            let worker = try ChildProcess(
                name: "powerwalkd worker", executable: try Binaries.powerwalkd,
                arguments: ["worker", "--config", configPath, "--shard", "0", "--contexts", "2"],
                environment: identity("worker-0"))
            defer { worker.send(SIGKILL) }
            try await worker.waitForStderr(containing: "worker serving", timeout: .seconds(60))
            let coordinator = try ChildProcess(
                name: "powerwalkd coordinator", executable: try Binaries.powerwalkd,
                arguments: ["coordinator", "--config", configPath], environment: identity("coordinator"))
            defer { coordinator.send(SIGKILL) }
            try await coordinator.waitForStderr(containing: "coordinator serving", timeout: .seconds(60))

            let tokens = try String(contentsOfFile: "\(tls)/tokens", encoding: .utf8)
            for line in tokens.split(separator: "\n") {
                try String(line).write(
                    toFile: "\(tls)/\(line.split(separator: " ")[0]).token", atomically: true, encoding: .utf8)
            }
            let tlsFlags = [
                "--tls-ca", "\(tls)/ca.pem", "--tls-cert", "\(tls)/client.pem", "--tls-key", "\(tls)/client.key",
            ]
            func pwctl(_ arguments: [String], token: String?) async throws -> CommandResult {
                let tokenFlags = token.map { ["--token-file", "\(tls)/\($0).token"] } ?? []
                return try await Pwctl.run(
                    ["--coordinator", front] + tlsFlags + tokenFlags + arguments, timeout: .seconds(120))
            }
            // admin: build the index over the mutual-TLS link and query it.
            let indexed = try await pwctl(["index", "--wait", "--json"] + Pwctl.walkArguments, token: "admin")
            #expect(indexed.succeeded, "\(indexed)")
            let query = try await pwctl(["query", "--source", "1", "--top", "3", "--json"], token: "query")
            #expect(query.succeeded, "\(query)")
            // query role may not submit jobs (7); no token at all is unauthenticated (6).
            let denied = try await pwctl(["index"] + Pwctl.walkArguments, token: "query")
            #expect(denied.status == 7 && denied.stderr.contains("PERMISSION_DENIED"), "\(denied)")
            let anonymous = try await pwctl(["status"], token: nil)
            #expect(anonymous.status == 6 && anonymous.stderr.contains("UNAUTHENTICATED"), "\(anonymous)")
            // No client certificate: the TLS handshake is refused at once (exit 4), not a deadline.
            let noCertificate = try await Pwctl.run(
                [
                    "status", "--coordinator", front, "--tls-ca", "\(tls)/ca.pem", "--token-file", "\(tls)/admin.token",
                    "--timeout-ms", "600000",
                ], timeout: .seconds(60))
            #expect(noCertificate.status == 4, "\(noCertificate)")
            // The environment variables work like the flags.
            let fromEnvironment = try await ChildProcess.run(
                try Binaries.pwctl, ["status"],
                environment: [
                    "PWCTL_COORDINATOR": front, "PWCTL_TLS_CA": "\(tls)/ca.pem", "PWCTL_TLS_CERT": "\(tls)/client.pem",
                    "PWCTL_TLS_KEY": "\(tls)/client.key", "PWCTL_TOKEN_FILE": "\(tls)/query.token",
                ], timeout: .seconds(60))
            #expect(fromEnvironment.succeeded, "\(fromEnvironment)")
            #expect(!coordinator.stderr.contains(tokens.split(separator: " ")[1].prefix(20)), "a token was logged")
            coordinator.send(SIGTERM)
            worker.send(SIGTERM)
            _ = try await coordinator.waitForExit(timeout: .seconds(30))
            _ = try await worker.waitForExit(timeout: .seconds(30))
        }

        @Test("security set: a tcp:// URL refuses to start, naming the key")
        func nonTLSURLWithSecurityIsRefused() async throws {
            let scratch = try ScratchDirectory("secure-refuse")
            defer { scratch.remove() }
            let tls = try await makeCertificates(scratch)
            let configPath = scratch.path("cluster.yaml")
            try config(
                graph: scratch.path("none.pwg"), scratch: scratch, front: "tls+tcp://127.0.0.1:1",
                worker: "tcp://127.0.0.1:2", tls: tls
            ).write(toFile: configPath, atomically: true, encoding: .utf8)
            let environment = [
                "POWERWALK_SECURITY_CERTFILE": "\(tls)/worker-0.pem",
                "POWERWALK_SECURITY_KEYFILE": "\(tls)/worker-0.key",
            ]
            let result = try await ChildProcess.run(
                try Binaries.powerwalkd, ["worker", "--config", configPath, "--shard", "0"], environment: environment,
                timeout: .seconds(30))
            #expect(!result.succeeded && result.stderr.contains("shards.0.replicas.0.url"), "\(result)")
            #expect(result.stderr.contains("tls+tcp://"), "\(result)")
        }

        @Test("no security: a non-loopback listen needs --insecure, and then warns")
        func nonLoopbackListenNeedsInsecure() async throws {
            let scratch = try ScratchDirectory("insecure")
            defer { scratch.remove() }
            let graph = try await Pwctl.ingestFixture(into: scratch)
            let port = try FreePort.ports(1)[0]
            let arguments = [
                "local", "--graph", graph, "--data-dir", scratch.path("data"), "--shards", "1",
                "--listen", "tcp://0.0.0.0:\(port)",
            ]
            let refused = try await ChildProcess.run(try Binaries.powerwalkd, arguments, timeout: .seconds(30))
            #expect(!refused.succeeded && refused.stderr.contains("--insecure"), "\(refused)")
            #expect(refused.stderr.contains("--listen"), "\(refused)")
            let allowed = try ChildProcess(
                name: "powerwalkd local --insecure", executable: try Binaries.powerwalkd,
                arguments: arguments + ["--insecure"])
            defer { allowed.send(SIGKILL) }
            try await allowed.waitForStderr(containing: "powerwalk local serving", timeout: .seconds(60))
            #expect(allowed.stderr.contains("without TLS or authentication"), "\(allowed.stderr)")
            allowed.send(SIGTERM)
            _ = try await allowed.waitForExit(timeout: .seconds(30))
        }
    }
}
