import Foundation
import PPRCore
import PPRService
import PPRWire
import Testing

/// Helper threads borrowed from idle cores (`coordinator.queryHelpers`: the coordinator's expand, the workers'
/// combine; the steps' helpers also with `coordinator.stepHelpers: always`) change no answer: the same ids,
/// scores and error estimates with and without them, on one and two
/// shards and with exclusions; and concurrent clients with helpers enabled all get their answers (no deadlock,
/// every call within its deadline). Real clusters: workers on NNG ipc:// sockets with LMDB stores.
@Suite struct FrontHelperThreadsTests {
    /// Enough vertices and edges that levels and combines are large enough to be split between threads.
    static let vertexCount = 6_000

    /// Single-source and multi-source queries, with each kind of exclusion.
    static let requests: [QueryRequest] = [
        QueryRequest(sources: [QuerySource(VertexID(1003))], topK: 50, eps: 1e-5),
        QueryRequest(sources: [QuerySource(VertexID(1000 + 3 * 2_500))], topK: 30, eps: 3e-5, excludeSources: true),
        QueryRequest(
            sources: [QuerySource(VertexID(1030), weight: 2), QuerySource(VertexID(1300), weight: 1)], topK: 40,
            eps: 1e-5, excludeOutNeighbors: true),
        QueryRequest(
            sources: [QuerySource(VertexID(1000 + 3 * 4_321))], topK: 25, eps: 1e-5,
            exclude: [VertexID(1000 + 3 * 4_322), VertexID(1003)]),
        QueryRequest(sources: [QuerySource(VertexID(1000 + 3 * 5_999))], topK: 10),
    ]

    /// The parts of an answer that must not depend on threads (not the elapsed time).
    struct Answer: Equatable {
        var results: [RankedVertex]
        var errorEstimate: Double
        var fingerprintsUsed: Int
        var verticesExpanded: Int
        var levels: Int

        init(_ response: QueryResponse) {
            results = response.results
            errorEstimate = response.errorEstimate
            fingerprintsUsed = response.fingerprintsUsed
            verticesExpanded = response.verticesExpanded
            levels = response.levels
        }
    }

    /// Every request's answer from a fresh cluster with `queryHelpers` helpers.
    static func answers(
        shardCount: Int, queryHelpers: Int, stepHelpers: StepHelperPolicy = .idle,
        replyPrecision: ReplyPrecision = .double
    ) async throws -> [Answer] {
        let cluster = try CoordinatorTestCluster(
            shardCount: shardCount, vertexCount: vertexCount, queryHelpers: queryHelpers, stepHelpers: stepHelpers,
            replyPrecision: replyPrecision)
        do {
            #expect(try await cluster.index() == 1)
            var answers: [Answer] = []
            for request in requests {
                answers.append(Answer(try queryResponse(try await cluster.call(.query(request)))))
            }
            await cluster.close()
            return answers
        } catch {
            await cluster.close()
            throw error
        }
    }

    @Test(arguments: [1, 2])
    func answersAreBitIdenticalWithAndWithoutHelpers(shardCount: Int) async throws {
        let without = try await Self.answers(shardCount: shardCount, queryHelpers: 0)
        let with = try await Self.answers(shardCount: shardCount, queryHelpers: 1)
        let always = try await Self.answers(shardCount: shardCount, queryHelpers: 1, stepHelpers: .always)
        #expect(without.count == Self.requests.count)
        #expect(without.allSatisfy { !$0.results.isEmpty })
        for (i, (a, b)) in zip(without, with).enumerated() {
            #expect(a == b, "request \(i), \(shardCount) shards")
        }
        for (i, (a, b)) in zip(without, always).enumerated() {
            #expect(a == b, "request \(i), \(shardCount) shards, step helpers always")
        }
        // The excluded vertices are not listed.
        #expect(!without[3].results.contains { $0.vertex == VertexID(1003) })
        #expect(!without[1].results.contains { $0.vertex == VertexID(1000 + 3 * 2_500) })
    }

    /// `coordinator.replyPrecision: float`: the answers through 2 and 3 shards stay within float rounding of
    /// the double answer (scores relative 1e-6; the same vertices wherever scores are not tied that closely;
    /// error estimates relative 1e-5), while the double answers agree within 1e-12 whatever the shard count.
    @Test func floatRepliesStayWithinFloatRoundingOfTheDoubleAnswers() async throws {
        let reference = try await Self.answers(shardCount: 1, queryHelpers: 0)
        for shardCount in [2, 3] {
            let doubles = try await Self.answers(shardCount: shardCount, queryHelpers: 0)
            for (a, b) in zip(reference, doubles) { expectSameAnswer(b.results, a.results) }
        }
        // One shard is one worker process serving every shard: it answers each query whole (`WholeQuery`), so
        // no dense reply crosses the wire and the float setting changes nothing.
        #expect(try await Self.answers(shardCount: 1, queryHelpers: 0, replyPrecision: .float) == reference)
        for shardCount in [2, 3] {
            let floats = try await Self.answers(shardCount: shardCount, queryHelpers: 0, replyPrecision: .float)
            #expect(floats.count == reference.count)
            // The replies came dense as floats: some score is not the double answer's bit for bit.
            #expect(zip(reference, floats).contains { $0.results.map(\.score) != $1.results.map(\.score) })
            for (i, (a, b)) in zip(reference, floats).enumerated() {
                let tolerance = 1e-6 * (a.results.first?.score ?? 0)
                expectSameAnswer(b.results, a.results, tolerance: tolerance)
                #expect(abs(a.errorEstimate - b.errorEstimate) <= 1e-5 * a.errorEstimate, "request \(i)")
                #expect(a.fingerprintsUsed == b.fingerprintsUsed)
            }
        }
    }

    @Test(arguments: [StepHelperPolicy.idle, .always])
    func concurrentClientsWithHelpersAllGetTheirAnswers(stepHelpers: StepHelperPolicy) async throws {
        let cluster = try CoordinatorTestCluster(
            shardCount: 2, vertexCount: Self.vertexCount, queryHelpers: 1, stepHelpers: stepHelpers)
        do {
            #expect(try await cluster.index() == 1)
            var expected: [Answer] = []
            for request in Self.requests {
                expected.append(Answer(try queryResponse(try await cluster.call(.query(request)))))
            }
            let clients = try (0..<8).map { _ in try WireClient(dialing: cluster.front.url) }
            defer { for client in clients { client.close() } }
            let rounds = 3
            let outcomes = try await withThrowingTaskGroup(of: [(Int, Answer)].self) { group in
                for (c, client) in clients.enumerated() {
                    group.addTask {
                        var got: [(Int, Answer)] = []
                        for round in 0..<rounds {
                            let i = (c + round) % Self.requests.count
                            let reply = try await client.call(.query(Self.requests[i]), deadline: .seconds(60))
                            got.append((i, Answer(try queryResponse(reply))))
                        }
                        return got
                    }
                }
                var all: [(Int, Answer)] = []
                for try await got in group { all += got }
                return all
            }
            #expect(outcomes.count == clients.count * rounds)
            for (i, answer) in outcomes { #expect(answer == expected[i], "request \(i)") }
            await cluster.close()
        } catch {
            await cluster.close()
            throw error
        }
    }
}
