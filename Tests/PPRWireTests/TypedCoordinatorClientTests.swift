import PPRCore
import PPRWire
import Synchronization
import Testing

/// A stand-in front over a real inproc NNG socket: one query answer per source, a job that ends after
/// `pollsUntilDone` GetJob requests, a status, and replies of the wrong kind or size where the test asks.
private final class ScriptedFront: Sendable {
    let pollsUntilDone: Int
    let polls = Mutex(0)

    init(pollsUntilDone: Int) { self.pollsUntilDone = pollsUntilDone }

    func handle(_ request: WireRequest) -> WireResponse {
        switch request {
        case .query(let query):
            guard query.sources.first?.vertex != VertexID(42) else {
                return .failure(WireError(.notFound, "unknown vertex 42"))
            }
            return .query(QueryResponse(results: query.sources.map { RankedVertex($0.vertex, score: $0.weight) }))
        case .batchQuery(let batch):
            // A batch whose first query asks for top 1 gets one answer too few.
            let answered = batch.queries.first?.topK == 1 ? batch.queries.dropLast() : batch.queries[...]
            return .batchQuery(
                BatchQueryResponse(
                    responses: answered.map { QueryResponse(results: [RankedVertex($0.sources[0].vertex, score: 1)]) }))
        case .submitJob(let submit):
            return .job(JobRecord(id: 77, spec: submit.spec, state: .queued))
        case .getJob(let get):
            let count = polls.withLock {
                $0 += 1
                return $0
            }
            return .job(
                JobRecord(
                    id: get.id, spec: .evaluate(EvaluateJobParams()),
                    state: count >= pollsUntilDone ? .succeeded : .running))
        case .listJobs:
            return .jobList(
                ListJobsResponse(jobs: [JobRecord(id: 5, spec: .evaluate(EvaluateJobParams()), state: .failed)]))
        case .cancelJob:
            // The wrong kind of reply, on purpose.
            return .clusterStatus(ClusterStatus(shards: [], coordinatorVersion: "x"))
        case .clusterStatus:
            return .clusterStatus(ClusterStatus(shards: [], coordinatorVersion: "test", activeIndexVersion: 9))
        default:
            return .failure(WireError(.unimplemented, "\(request.method)"))
        }
    }
}

private func withFront<R>(
    pollsUntilDone: Int = 3, _ body: (CoordinatorClient, ScriptedFront) async throws -> R
) async throws -> R {
    let front = ScriptedFront(pollsUntilDone: pollsUntilDone)
    let server = try WireServer(listeningOn: "inproc://typed-client-\(UInt64.random(in: 0...UInt64.max))") {
        front.handle($0)
    }
    defer { server.close() }
    let client = try CoordinatorClient(connectingTo: server.url, deadline: .seconds(60))
    defer { client.close() }
    return try await body(client, front)
}

@Suite struct TypedCoordinatorClientTests {
    @Test func eachMethodReturnsItsTypedReply() async throws {
        try await withFront { client, _ in
            let answer = try await client.query(QueryRequest(sources: [QuerySource(VertexID(7), weight: 2)]))
            #expect(answer.results == [RankedVertex(VertexID(7), score: 2)])
            let batch = try await client.batchQuery(
                BatchQueryRequest(queries: [
                    QueryRequest(sources: [QuerySource(VertexID(3))]),
                    QueryRequest(sources: [QuerySource(VertexID(4))]),
                ]))
            #expect(
                batch.responses.map(\.results) == [
                    [RankedVertex(VertexID(3), score: 1)], [RankedVertex(VertexID(4), score: 1)],
                ])
            let submitted = try await client.submit(.evaluate(EvaluateJobParams(sampleCount: 3)))
            #expect(submitted.id == 77 && submitted.state == .queued)
            #expect(try await client.jobs().map(\.id) == [5])
            let status = try await client.status()
            #expect(status.coordinatorVersion == "test" && status.activeIndexVersion == 9)
        }
    }

    @Test func aServerErrorKeepsItsCodeAndMessage() async throws {
        try await withFront { client, _ in
            let error = await #expect(throws: WireError.self) {
                try await client.query(QueryRequest(sources: [QuerySource(VertexID(42))]))
            }
            #expect(error == WireError(.notFound, "unknown vertex 42"))
        }
    }

    @Test func aReplyOfTheWrongKindOrSizeIsInternal() async throws {
        try await withFront { client, _ in
            let wrongKind = await #expect(throws: WireError.self) { try await client.cancel(77) }
            #expect(wrongKind?.code == .internal)
            #expect(wrongKind?.message.contains("CancelJob") == true)
            let short = await #expect(throws: WireError.self) {
                try await client.batchQuery(
                    BatchQueryRequest(queries: [
                        QueryRequest(sources: [QuerySource(VertexID(3))], topK: 1),
                        QueryRequest(sources: [QuerySource(VertexID(4))]),
                    ]))
            }
            #expect(short?.code == .internal)
            #expect(short?.message.contains("2 queries with 1 responses") == true)
        }
    }

    @Test func awaitJobPollsUntilTheJobEnds() async throws {
        try await withFront(pollsUntilDone: 3) { client, front in
            let submitted = try await client.submit(.evaluate(EvaluateJobParams()))
            var seen: [JobState] = []
            let final = try await client.awaitJob(submitted, every: .milliseconds(5), within: .seconds(60)) {
                seen.append($0.state)
            }
            #expect(final.state == .succeeded)
            #expect(seen == [.queued, .running, .running, .succeeded])
            #expect(front.polls.withLock { $0 } == 3)
        }
    }

    @Test func awaitJobGivesUpAtItsLimit() async throws {
        try await withFront(pollsUntilDone: 1_000_000) { client, _ in
            let submitted = try await client.submit(.evaluate(EvaluateJobParams()))
            let error = await #expect(throws: WireError.self) {
                try await client.awaitJob(submitted, every: .milliseconds(10), within: .milliseconds(100))
            }
            #expect(error?.code == .deadlineExceeded)
        }
    }

    @Test func nothingListeningIsUnavailableAtOnceWhenFailingFast() async throws {
        let options = CoordinatorClient.Options(
            url: "ipc:///tmp/pw-typed-client-\(UInt64.random(in: 0...UInt64.max)).ipc", deadline: .seconds(20),
            failFast: true)
        let client = try CoordinatorClient(options)
        defer { client.close() }
        let error = await #expect(throws: WireError.self) { try await client.status() }
        #expect(error?.code == .unavailable)  // not DEADLINE_EXCEEDED after 20 s
        #expect(error?.message.contains("nothing listens at") == true)
        #expect(client.withDeadline(.seconds(1)).deadline == .seconds(1))
    }

    @Test func aTLSURLWithoutCertificatesIsRefused() throws {
        #expect(throws: WireError.self) { try CoordinatorClient(connectingTo: "tls+tcp://127.0.0.1:1") }
    }
}
