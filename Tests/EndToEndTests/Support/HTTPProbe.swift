// HTTPProbe: a minimal HTTP/1.1 GET over a loopback TCP socket, for the daemons' /metrics, /healthz and
// /readyz (the probe listener answers one request per connection and closes it). Bounded: a 5 s
// receive/send timeout and at most 4 MiB read.
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An HTTP answer: status code and body.
struct HTTPAnswer {
    var status: Int
    var body: String
}

enum HTTPProbe {
    /// `GET path` (or another method) from 127.0.0.1:`port`.
    static func get(port: Int, _ path: String, method: String = "GET") throws -> HTTPAnswer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: errno \(errno)") }
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
        guard connected == 0 else { throw HarnessError("connect 127.0.0.1:\(port): errno \(errno)") }
        let request = Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else {
            throw HarnessError("send to 127.0.0.1:\(port): errno \(errno)")
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while received.count < 4 << 20 {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else { throw HarnessError("recv from 127.0.0.1:\(port): errno \(errno)") }
            received.append(contentsOf: chunk[..<n])
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw HarnessError("no HTTP head in '\(text)'") }
        let statusLine = text[..<split.lowerBound].split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw HarnessError("bad status line '\(statusLine)'") }
        return HTTPAnswer(status: status, body: String(text[split.upperBound...]))
    }

    /// Samples of a Prometheus text exposition: `name{labels}` → value (comments skipped).
    static func samples(_ exposition: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    /// Polls `GET path` until `accept` holds (bounded by `timeout`); returns the last answer.
    static func poll(
        port: Int, _ path: String, timeout: Duration = .seconds(30), until accept: (HTTPAnswer) -> Bool
    ) async throws -> HTTPAnswer {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while true {
            let answer = try? get(port: port, path)
            if let answer, accept(answer) { return answer }
            guard clock.now < end else {
                throw HarnessError("GET \(path) on port \(port) never matched; last: \(String(describing: answer))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
