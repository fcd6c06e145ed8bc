import ArgumentParser
import PPRCore
import PPRWire
import Synchronization
import Testing

@testable import PPRCLI

/// A stand-in coordinator over a real inproc NNG socket: a job that runs for `pollsUntilDone` polls.
private final class FakeCoordinator: Sendable {
    let pollsUntilDone: Int
    let polls = Mutex(0)

    init(pollsUntilDone: Int) { self.pollsUntilDone = pollsUntilDone }

    func handle(_ request: WireRequest) -> WireResponse {
        switch request {
        case .query(let query):
            if let unknown = query.sources.first(where: { $0.vertex == VertexID(42) }) {
                return .failure(WireError(.notFound, "unknown vertex \(unknown.vertex)"))
            }
            return .query(
                QueryResponse(
                    results: query.sources.map { RankedVertex($0.vertex, score: $0.weight) }, fingerprintsUsed: 9,
                    flowPushed: 0.5, verticesExpanded: 4, levels: 2, elapsed: .microseconds(1500), indexVersion: 3))
        case .submitJob(let submit):
            return .job(JobRecord(id: 77, spec: submit.spec, state: .queued))
        case .getJob(let get):
            let count = polls.withLock {
                $0 += 1; return $0
            }
            let done = count >= pollsUntilDone
            return .job(
                JobRecord(
                    id: get.id, spec: .evaluate(EvaluateJobParams()), state: done ? .succeeded : .running,
                    progressDone: min(count, pollsUntilDone), progressTotal: pollsUntilDone,
                    result: done ? JobResult(precisionAt10: 1, precisionAt100: 0.99, l1Error: 0.01) : nil))
        case .cancelJob:
            return .jobList(ListJobsResponse(jobs: []))  // the wrong kind of reply, on purpose
        default:
            return .failure(WireError(.unimplemented, "\(request.method)"))
        }
    }
}

private func withCoordinator<R>(
    pollsUntilDone: Int = 3, _ body: (String, FakeCoordinator) async throws -> R
) async throws -> R {
    let fake = FakeCoordinator(pollsUntilDone: pollsUntilDone)
    let server = try WireServer(listeningOn: "inproc://pwctl-\(UInt64.random(in: 0...UInt64.max))") {
        fake.handle($0)
    }
    defer { server.close() }
    return try await body(server.url, fake)
}

@Suite struct CoordinatorClientTests {
    @Test func aWireQueryPrintsTheCoordinatorsAnswer() async throws {
        try await withCoordinator { url, _ in
            let query: QueryCommand = try parse(["query", "--source", "7", "--source", "9:2", "--coordinator", url])
            let response = try await query.coordinator.client().query(try query.wireRequest())
            let output = QueryOutput(wire: response)
            #expect(output.results == [.init(vertex: 7, score: 1), .init(vertex: 9, score: 2)])
            #expect(output.fingerprintsUsed == 9 && output.levels == 2 && output.indexVersion == 3)
            #expect(output.elapsedMilliseconds == 1.5)
        }
    }

    @Test func aWireErrorKeepsItsCodeAndExitCode() async throws {
        try await withCoordinator { url, _ in
            let query: QueryCommand = try parse(["query", "--source", "42", "--coordinator", url])
            let error = await #expect(throws: WireError.self) {
                try await query.coordinator.client().query(try query.wireRequest())
            }
            let failure = ClientFailure.from(try #require(error))
            #expect(failure.description == "NOT_FOUND: unknown vertex 42")
            #expect(failure.exitCode == ExitCode(3))
        }
    }

    /// The first attempt is reported, so a stopped coordinator is UNAVAILABLE at once (a deadline
    /// of 10 minutes would otherwise end as DEADLINE_EXCEEDED).
    @Test(arguments: ["inproc://pwctl-nobody-\(UInt64.random(in: 0...UInt64.max))", "tcp://127.0.0.1:1"])
    func noCoordinatorIsUnavailableAtOnceWithExitCodeFour(_ nobody: String) async throws {
        let status: StatusCommand = try parse(["status", "--coordinator", nobody, "--timeout-ms", "600000"])
        let error = await #expect(throws: WireError.self) { try await status.coordinator.client().status() }
        #expect(error?.code == .unavailable)
        #expect(error?.message == "nothing listens at \(nobody)")
        #expect(ClientFailure.from(try #require(error)).exitCode == ExitCode(4))
    }

    @Test func theWaiterFollowsAJobUntilItEnds() async throws {
        try await withCoordinator(pollsUntilDone: 3) { url, fake in
            let evaluate: EvaluateCommand = try parse(["evaluate", "--samples", "5", "--coordinator", url])
            let client = try evaluate.coordinator.client()
            let submitted = try await client.submit(evaluate.spec)
            #expect(submitted.id == 77 && submitted.state == .queued && submitted.spec == evaluate.spec)
            let final = try await JobWaiter(client: client, pollInterval: .milliseconds(5)).wait(for: submitted)
            #expect(final.state == .succeeded && final.result?.precisionAt10 == 1)
            #expect(fake.polls.withLock { $0 } == 3)
            #expect(JobOutput(final).text().contains("Precision@100: 0.9900"))
        }
    }

    @Test func aReplyOfTheWrongKindIsAnInternalError() async throws {
        try await withCoordinator { url, _ in
            let cancel: JobsCommand.CancelJob = try parse(["jobs", "cancel", "5", "--coordinator", url])
            let error = await #expect(throws: WireError.self) { try await cancel.coordinator.client().cancel(5) }
            #expect(error?.code == .internal && error?.message.contains("CancelJob") == true)
        }
    }
}
