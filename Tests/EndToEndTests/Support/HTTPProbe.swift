// HTTPProbe: GETs of the daemons' /metrics, /healthz and /readyz (through PPRTestSupport's HTTPExchange),
// and the parsing and polling the end-to-end tests need on top.
import Foundation
import PPRTestSupport

enum HTTPProbe {
    /// `GET path` (or another method) from 127.0.0.1:`port`.
    static func get(port: Int, _ path: String, method: String = "GET") async throws -> HTTPAnswer {
        try await HTTPExchange.send(port: port, "\(method) \(path)")
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
            let answer = try? await get(port: port, path)
            if let answer, accept(answer) { return answer }
            guard clock.now < end else {
                throw HarnessError("GET \(path) on port \(port) never matched; last: \(String(describing: answer))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
