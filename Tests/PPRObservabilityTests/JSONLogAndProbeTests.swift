// The JSON log line format (parsed back with JSONSerialization, hostile characters included) and the
// probe listener's HTTP behaviour, in process on a loopback port.
import Foundation
import Logging
import PPRTestSupport
import Testing

@testable import PPRObservability

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct JSONLogLineTests {
    @Test func aLineIsOneJSONObjectWithTheDocumentedKeys() throws {
        let message = "quote \" backslash \\ newline \n tab \t bell \u{7} é 😀"
        let line = JSONLogHandler.line(
            timestamp: Date(timeIntervalSince1970: 1_700_000_000.25), level: .warning, label: "powerwalk.test",
            message: message,
            metadata: [
                "plain": "v\"1", "list": .array(["a", "b\n"]), "nested": .dictionary(["k": "v"]),
                "number": .stringConvertible(42),
            ])
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false, "one line per event")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["timestamp", "level", "label", "message", "metadata"])
        #expect(object["message"] as? String == message)
        #expect(object["level"] as? String == "warning")
        #expect(object["label"] as? String == "powerwalk.test")
        #expect(object["timestamp"] as? String == "2023-11-14T22:13:20.250Z")
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["plain"] as? String == "v\"1")
        #expect(metadata["list"] as? [String] == ["a", "b\n"])
        #expect((metadata["nested"] as? [String: String]) == ["k": "v"])
        #expect(metadata["number"] as? String == "42")
    }
}

@Suite struct ProbeServerTests {
    @Test(arguments: [
        ("127.0.0.1:9464", "127.0.0.1", 9464), ("[::1]:0", "::1", 0), ("localhost:80", "localhost", 80),
    ])
    func addressesSplit(_ text: String, _ host: String, _ port: Int) throws {
        let split = try #require(ProbeServer.split(text))
        #expect(split.0 == host && split.1 == port)
    }

    @Test(arguments: ["9464", ":9464", "host:", "host:70000", "host:-1"])
    func badAddressesAreRefused(_ text: String) {
        #expect(ProbeServer.split(text) == nil)
    }

    @Test func servesTheThreePathsAndRefusesTheRest() async throws {
        let ready = ReadyFlag()
        let server = try await ProbeServer(
            listen: "127.0.0.1:0",
            handlers: ProbeHandlers(
                metrics: { "# TYPE x counter\nx 1\n" },
                readiness: { ready.value ? (true, "ready") : (false, "no index version is active") }),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let port = try #require(ProbeServer.split(server.address)?.1)

        #expect(try await get(port, "GET /healthz") == (200, "ok\n"))
        #expect(try await get(port, "GET /readyz") == (503, "no index version is active\n"))
        ready.value = true
        #expect(try await get(port, "GET /readyz") == (200, "ready\n"))
        #expect(try await get(port, "GET /metrics") == (200, "# TYPE x counter\nx 1\n"))
        #expect(try await get(port, "GET /metrics?x=1") == (200, "# TYPE x counter\nx 1\n"))
        #expect(try await get(port, "GET /other").0 == 404)
        #expect(try await get(port, "DELETE /metrics").0 == 405)
        #expect(try await get(port, "POST /metrics", body: "abc").0 == 413)
        await server.shutdown()
    }

    /// One request on a fresh connection; (status, body). Bounded by 5 s socket timeouts.
    private func get(_ port: Int, _ requestLine: String, body: String = "") async throws -> (Int, String) {
        let answer = try await HTTPExchange.send(port: port, requestLine, body: body)
        return (answer.status, answer.body)
    }
}

private final class ReadyFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool {
        get { lock.withLock { flag } }
        set { lock.withLock { flag = newValue } }
    }
}
