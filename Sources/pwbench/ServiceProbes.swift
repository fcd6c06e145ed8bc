// ServiceProbes: the timed measurements of `pwbench service`, all made through the coordinator front.
//
// Latency is client-side (encode, tcp round trip, coordinator, fan-out to the shards, decode); each
// reply also carries the coordinator's own time (`elapsed`, whole microseconds), so the gap between the
// two is what the wire and the front cost. Concurrent clients each dial their own CoordinatorClient (one
// NNG req socket each), as separate client processes would.
import Foundation
import PPRCore
import PPRWire

/// Latency samples of a run of queries, in milliseconds.
struct LatencySamples {
    /// Client-side round trip per query.
    var client: [Double] = []
    /// The coordinator's own time per query, from the reply.
    var server: [Double] = []
    /// Sum of `fingerprintsUsed` over the replies.
    var fingerprints = 0

    mutating func append(_ other: LatencySamples) {
        client += other.client
        server += other.server
        fingerprints += other.fingerprints
    }

    /// The `p`-th percentile (0...100) of `values`, as EngineBenchmark computes it.
    static func percentile(_ values: [Double], _ p: Int) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, sorted.count * p / 100)]
    }

    /// "p50 X ms, p99 Y ms" of the client and server samples.
    func summary() -> (client: String, server: String) {
        func line(_ values: [Double]) -> String {
            "p50 \(fixed(Self.percentile(values, 50), 3)) ms, p99 \(fixed(Self.percentile(values, 99), 3)) ms"
        }
        return (line(client), line(server))
    }
}

/// The measurements; `topK` is sent with every query.
struct ServiceProbes {
    let url: String
    let topK: Int

    /// One query for `source`.
    func request(_ source: VertexID) -> QueryRequest { QueryRequest(sources: [QuerySource(source)], topK: topK) }

    /// Queries `sources` one after the other on `client`.
    func sequential(_ sources: [VertexID], client: CoordinatorClient) async throws -> LatencySamples {
        let clock = ContinuousClock()
        var samples = LatencySamples()
        for source in sources {
            let start = clock.now
            let response = try await client.query(request(source))
            samples.client.append(milliseconds(clock.now - start))
            samples.server.append(milliseconds(response.elapsed))
            samples.fingerprints += response.fingerprintsUsed
        }
        return samples
    }

    /// `count` lookups of job `id`'s record one after the other: the front's round trip with almost no
    /// work behind it (the coordinator reads one ledger record), what a query's client-side time pays on top
    /// of its `elapsed`.
    func roundTrips(_ count: Int, job id: UInt64, client: CoordinatorClient) async throws -> [Double] {
        let clock = ContinuousClock()
        var samples: [Double] = []
        for _ in 0..<count {
            let start = clock.now
            _ = try await client.job(id)
            samples.append(milliseconds(clock.now - start))
        }
        return samples
    }

    /// `clients` concurrent clients, each its own connection, sharing `sources` round-robin.
    ///
    /// - Returns: the merged samples and the wall time from the first send to the last reply.
    func concurrent(_ sources: [VertexID], clients: Int) async throws -> (LatencySamples, Duration) {
        let connections = try (0..<clients).map { _ in try CoordinatorClient(connectingTo: url, deadline: .seconds(60))
        }
        defer { for connection in connections { connection.close() } }
        for connection in connections { _ = try await connection.query(request(sources[0])) }  // connect first
        let clock = ContinuousClock()
        let start = clock.now
        let merged = try await withThrowingTaskGroup(of: LatencySamples.self) { group in
            for (c, connection) in connections.enumerated() {
                let share = stride(from: c, to: sources.count, by: clients).map { sources[$0] }
                group.addTask { try await self.sequential(share, client: connection) }
            }
            var merged = LatencySamples()
            for try await samples in group { merged.append(samples) }
            return merged
        }
        return (merged, clock.now - start)
    }

    /// `sources` through inline BatchQuery requests of `chunk` queries each, one after the other.
    ///
    /// - Returns: the wall time and the summed coordinator time of the batches.
    func inlineBatches(_ sources: [VertexID], chunk: Int, client: CoordinatorClient) async throws
        -> (wall: Duration, server: Duration)
    {
        let clock = ContinuousClock()
        let start = clock.now
        var server = Duration.zero
        for first in stride(from: 0, to: sources.count, by: chunk) {
            let queries = sources[first..<min(sources.count, first + chunk)].map(request)
            let response = try await client.batchQuery(BatchQueryRequest(queries: queries))
            server += response.elapsed
        }
        return (clock.now - start, server)
    }

    /// Writes `sources` one per line to `input`, runs a batch-query job over it, and checks that the
    /// output has one line per source.
    ///
    /// - Returns: the client's wall time (submit to seen done), the job's own time (started to finished),
    ///   and the number of output lines carrying an error.
    func batchJob(_ sources: [VertexID], input: String, output: String, client: CoordinatorClient) async throws
        -> (wall: Duration, job: Duration, errors: Int)
    {
        let text = sources.map { "\($0.rawValue)\n" }.joined()
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        let clock = ContinuousClock()
        let start = clock.now
        let record = try await client.run(
            .batchQuery(BatchQueryJobParams(inputPath: input, outputPath: output, topK: topK)))
        let wall = clock.now - start
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        guard lines.count == sources.count else {
            throw ServiceBenchmarkError.outputMismatch(path: output, lines: lines.count, expected: sources.count)
        }
        let errors = lines.filter { $0.contains("\"error\":") }.count
        return (wall, jobDuration(record), errors)
    }
}

/// Started (or created) to finished, from a job record's microsecond stamps.
func jobDuration(_ record: JobRecord) -> Duration {
    let start = record.startedUnixMicros ?? record.createdUnixMicros
    return .microseconds((record.finishedUnixMicros ?? start) - start)
}
