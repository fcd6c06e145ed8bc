// The JSON log line format (parsed back with JSONSerialization, hostile characters included) and the
// probe listener's HTTP behaviour, in process on a loopback port.
import Foundation
import Logging
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

        #expect(try get(port, "GET /healthz") == (200, "ok\n"))
        #expect(try get(port, "GET /readyz") == (503, "no index version is active\n"))
        ready.value = true
        #expect(try get(port, "GET /readyz") == (200, "ready\n"))
        #expect(try get(port, "GET /metrics") == (200, "# TYPE x counter\nx 1\n"))
        #expect(try get(port, "GET /metrics?x=1") == (200, "# TYPE x counter\nx 1\n"))
        #expect(try get(port, "GET /other").0 == 404)
        #expect(try get(port, "DELETE /metrics").0 == 405)
        #expect(try get(port, "POST /metrics", body: "abc").0 == 413)
        await server.shutdown()
    }

    /// One request on a fresh connection; (status, body). Bounded by 5 s socket timeouts.
    private func get(_ port: Int, _ requestLine: String, body: String = "") throws -> (Int, String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProbeTestError("socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw ProbeTestError("connect") }
        let length = body.isEmpty ? "" : "Content-Length: \(body.utf8.count)\r\n"
        let request = Array("\(requestLine) HTTP/1.1\r\nHost: x\r\n\(length)\r\n\(body)".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while received.count < 1 << 20 {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }
            received.append(contentsOf: chunk[..<n])
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n"),
            let status = Int(text.split(separator: " ").dropFirst().first ?? "")
        else { throw ProbeTestError("no HTTP reply: '\(text)'") }
        return (status, String(text[split.upperBound...]))
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

private struct ProbeTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
