import PPRCore
import PPRWire
import Testing

/// The transports the endpoint tests run over.
enum WireTransport: String, CaseIterable, Sendable {
    case inproc, tcp
    func uniqueAddress() -> String {
        switch self {
        case .inproc: "inproc://wire-tests-\(UInt64.random(in: 0...UInt64.max))"
        case .tcp: "tcp://127.0.0.1:0"
        }
    }
}

/// Answers a query with its first source scored by the number of sources; other methods UNIMPLEMENTED.
@Sendable func echoHandler(_ request: WireRequest) async -> WireResponse {
    guard case .query(let query) = request, let first = query.sources.first else {
        return .failure(WireError(.unimplemented, "\(request.method) is not served here"))
    }
    return .query(QueryResponse(results: [RankedVertex(first.vertex, score: Double(query.sources.count))]))
}

/// A one-source query.
func query(_ vertex: UInt64) -> WireRequest { .query(QueryRequest(sources: [QuerySource(VertexID(vertex))])) }

/// A server with `handler` on a fresh address and a client dialled to it; both closed afterwards.
func withServer<R>(
    over transport: WireTransport, contexts: Int = 4, maxRequestBytes: Int = 1 << 20,
    handler: @escaping WireServer.Handler = echoHandler,
    _ body: (WireServer, WireClient) async throws -> R
) async throws -> R {
    let server = try WireServer(
        listeningOn: transport.uniqueAddress(), contexts: contexts, maxRequestBytes: maxRequestBytes, handler: handler)
    defer { server.close() }
    let client = try WireClient(dialing: server.url)
    defer { client.close() }
    return try await body(server, client)
}

@Suite struct WireEndpointTests {
    @Test(arguments: WireTransport.allCases)
    func concurrentCallsEachGetTheirOwnAnswer(over transport: WireTransport) async throws {
        try await withServer(over: transport) { _, client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        let sources = (0...i % 5).map { QuerySource(VertexID(UInt64(i * 10 + $0))) }
                        let request = WireRequest.query(QueryRequest(sources: sources))
                        let reply = try await client.call(request, deadline: .seconds(60))
                        #expect(
                            reply
                                == .query(
                                    QueryResponse(results: [
                                        RankedVertex(VertexID(UInt64(i * 10)), score: Double(sources.count))
                                    ])))
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test(arguments: WireTransport.allCases)
    func handlerFailureArrivesAsWireError(over transport: WireTransport) async throws {
        try await withServer(over: transport) { _, client in
            let error = await #expect(throws: WireError.self) {
                _ = try await client.call(.workerHealth(WorkerHealthRequest()), deadline: .seconds(60))
            }
            #expect(error?.code == .unimplemented)
            #expect(error?.message == "WorkerHealth is not served here")
        }
    }

    @Test(arguments: WireTransport.allCases)
    func garbageGetsInvalidArgumentAndTheNextRequestIsServed(over transport: WireTransport) async throws {
        try await withServer(over: transport, contexts: 1) { _, client in
            let reply = try await client.callRaw([0xFF, 0xFF, 0xFF, 0x01, 0x02], deadline: .seconds(60))
            #expect(reply.response.failure?.code == .invalidArgument)
            #expect(reply.response.failure?.message.contains("not a protobuf") == true)
            let next = try await client.call(query(5), deadline: .seconds(60))
            #expect(next == .query(QueryResponse(results: [RankedVertex(VertexID(5), score: 1)])))
        }
    }

    @Test(arguments: WireTransport.allCases)
    func requestOverTheLimitGetsResourceExhausted(over transport: WireTransport) async throws {
        try await withServer(over: transport, maxRequestBytes: 1024) { _, client in
            // About 1.8 KB: over the limit, under twice the limit (where NNG itself would drop it).
            let exclude = (0..<300).map { VertexID(UInt64(1) << 40 + $0) }
            let big = QueryRequest(sources: [QuerySource(VertexID(1))], exclude: exclude)
            let error = await #expect(throws: WireError.self) {
                _ = try await client.call(.query(big), deadline: .seconds(60))
            }
            #expect(error?.code == .resourceExhausted)
            #expect(error?.message.contains("limit of 1024 bytes") == true)
            let next = try await client.call(query(2), deadline: .seconds(60))
            #expect(next == .query(QueryResponse(results: [RankedVertex(VertexID(2), score: 1)])))
        }
    }

    @Test func requestFarOverTheLimitIsDroppedOnTCPAndServingGoesOn() async throws {
        try await withServer(over: .tcp, maxRequestBytes: 1024) { _, client in
            let huge = QueryRequest(sources: [QuerySource(VertexID(1))], exclude: (0..<5000).map { VertexID($0) })
            let error = await #expect(throws: WireError.self) {
                _ = try await client.call(.query(huge), deadline: .milliseconds(300))
            }
            #expect(error?.code == .deadlineExceeded)
            let next = try await client.call(query(2), deadline: .seconds(60))
            #expect(next == .query(QueryResponse(results: [RankedVertex(VertexID(2), score: 1)])))
        }
    }

    @Test(arguments: WireTransport.allCases)
    func handlerThatNeverAnswersHitsTheDeadline(over transport: WireTransport) async throws {
        let silent: WireServer.Handler = { _ in
            try? await Task.sleep(for: .seconds(3600))
            return .failure(WireError(.cancelled, "server closed"))
        }
        try await withServer(over: transport, handler: silent) { _, client in
            // A deadline computed from a clock (as `status --wait-ready` does) is not whole; the message
            // reads in whole milliseconds all the same.
            let deadline = Duration.milliseconds(200) - .nanoseconds(180)
            let start = ContinuousClock.now
            let error = await #expect(throws: WireError.self) {
                _ = try await client.call(.clusterStatus(ClusterStatusRequest()), deadline: deadline)
            }
            #expect(error?.code == .deadlineExceeded)
            #expect(error?.message.contains("ClusterStatus") == true)
            #expect(error?.message.hasSuffix("within 200 ms") == true, "\(String(describing: error))")
            // Generous slack: fails only if the deadline were ignored (the handler sleeps an hour). Tests run
            // in parallel on a 2-core machine, so resuming after the timeout can wait for a busy pool thread.
            #expect(ContinuousClock.now - start < deadline + .seconds(60))
        }
    }

    /// A URL without `scheme://` is named as such, not passed to nng (`nng_dial: Invalid argument`).
    @Test func aURLWithoutASchemeSaysSo() throws {
        let dial = #expect(throws: WireError.self) { _ = try WireClient(dialing: "127.0.0.1:7400", failFast: true) }
        #expect(dial?.code == .invalidArgument)
        #expect(
            dial?.message.contains("cannot dial 127.0.0.1:7400: the URL has no scheme") == true,
            "\(String(describing: dial))")
        let listen = #expect(throws: WireError.self) {
            _ = try WireServer(listeningOn: "localhost:7400", handler: echoHandler)
        }
        #expect(listen?.message.contains("cannot listen on localhost:7400: the URL has no scheme") == true)
    }

    @Test func deadlinesReadInWholeMilliseconds() {
        #expect(WireURL.milliseconds(.seconds(4.99999982)) == "5000 ms")
        #expect(WireURL.milliseconds(.milliseconds(30_000)) == "30000 ms")
        #expect(WireURL.milliseconds(.microseconds(1_499)) == "1 ms")
    }

    @Test func callBeforeTheServerStartsSucceedsOnceItListens() async throws {
        let url = WireTransport.inproc.uniqueAddress()
        let client = try WireClient(dialing: url)
        defer { client.close() }
        async let reply = client.call(.query(QueryRequest(sources: [QuerySource(VertexID(3))])), deadline: .seconds(60))
        try await Task.sleep(for: .milliseconds(100))
        let server = try WireServer(listeningOn: url, handler: echoHandler)
        defer { server.close() }
        #expect(try await reply == .query(QueryResponse(results: [RankedVertex(VertexID(3), score: 1)])))
    }

    @Test func listeningTwiceOnOneAddressNamesIt() throws {
        let url = WireTransport.inproc.uniqueAddress()
        let first = try WireServer(listeningOn: url, handler: echoHandler)
        defer { first.close() }
        let error = #expect(throws: WireError.self) { _ = try WireServer(listeningOn: url, handler: echoHandler) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains(url) == true)
    }
}
