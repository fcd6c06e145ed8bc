// HTTPExchange: one raw HTTP/1.1 request over a fresh loopback TCP connection, for the probe listener's
// tests (it answers one request per connection and closes it). Bounded: 5 s socket timeouts and at most
// 4 MiB read.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An HTTP answer: status code and body.
public struct HTTPAnswer: Equatable, Sendable {
    public var status: Int
    public var body: String
}

/// Why an exchange failed (the call and its errno, or the text that is not HTTP).
public struct HTTPExchangeError: Error, CustomStringConvertible {
    public var description: String
}

public enum HTTPExchange {
    /// Sends `requestLine` (e.g. `GET /metrics`) with an optional body to 127.0.0.1:`port`; the answer.
    ///
    /// The blocking socket calls run on a Dispatch queue, not on Swift's cooperative pool: a test blocking
    /// both pool threads (2 cores) would starve the in-process server it is talking to.
    public static func send(port: Int, _ requestLine: String, body: String = "") async throws -> HTTPAnswer {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try exchange(port: port, requestLine, body: body) })
            }
        }
    }

    private static func exchange(port: Int, _ requestLine: String, body: String) throws -> HTTPAnswer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPExchangeError(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw HTTPExchangeError(description: "connect 127.0.0.1:\(port): errno \(errno)") }
        let length = body.isEmpty ? "" : "Content-Length: \(body.utf8.count)\r\n"
        let request = Array(
            "\(requestLine) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\(length)\r\n\(body)".utf8)
        guard request.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, 0) }) == request.count else {
            throw HTTPExchangeError(description: "send to 127.0.0.1:\(port): errno \(errno)")
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while received.count < 4 << 20 {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }  // closed by the server (or reset after an error answer)
            received.append(contentsOf: chunk[..<n])
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else {
            throw HTTPExchangeError(description: "no HTTP head in '\(text)'")
        }
        let statusLine = text[..<split.lowerBound].split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else {
            throw HTTPExchangeError(description: "bad status line '\(statusLine)'")
        }
        return HTTPAnswer(status: status, body: String(text[split.upperBound...]))
    }
}
