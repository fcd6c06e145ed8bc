import NNG
import Testing

@Suite struct SocketTests {
    @Test(arguments: Transport.allCases)
    func requestReplyRoundTrip(over transport: Transport) async throws {
        try await withReqRepPair(over: transport) { server, client in
            let tasks = try startEchoServer(server, contexts: 1) { $0.reversed() }
            defer { server.close(); tasks.forEach { $0.cancel() } }
            let reply = try await call(client, [1, 2, 3, 250])
            #expect(reply == [250, 3, 2, 1])
        }
    }

    @Test(arguments: Transport.allCases)
    func concurrentRequestsAreServedByManyContexts(over transport: Transport) async throws {
        try await withReqRepPair(over: transport) { server, client in
            let tasks = try startEchoServer(server, contexts: 4) { request in request.map { $0 &+ 1 } }
            defer { server.close(); tasks.forEach { $0.cancel() } }
            let replies = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
                for i in 0..<64 {
                    group.addTask { (i, try await call(client, [UInt8(i), UInt8(i), 7])) }
                }
                return try await group.reduce(into: [Int: [UInt8]]()) { $0[$1.0] = $1.1 }
            }
            #expect(replies.count == 64)
            for (i, reply) in replies {
                #expect(reply == [UInt8(i) + 1, UInt8(i) + 1, 8], "reply to request \(i)")
            }
        }
    }

    @Test(arguments: Transport.allCases)
    func receiveDeadlineExpiresWhenNobodyAnswers(over transport: Transport) async throws {
        try await withReqRepPair(over: transport) { _, client in
            let deadline = Duration.milliseconds(200)
            let context = try client.makeContext()
            let start = ContinuousClock.now
            try await context.send(try Message([42]), timeout: deadline)
            let error = await #expect(throws: NNGError.self) { _ = try await context.receive(timeout: deadline) }
            #expect(error?.code == .timedOut)
            #expect(error?.operation == "nng_ctx_recv")
            // Generous slack: this only fails if the deadline were ignored.
            #expect(ContinuousClock.now - start < deadline + .seconds(60))
        }
    }

    @Test func oversizedRequestIsDroppedAndServerKeepsServing() async throws {
        try await withReqRepPair(over: .tcp, configureServer: { try $0.setReceiveMaxSize(bytes: 1024) }) {
            server, client in
            let tasks = try startEchoServer(server, contexts: 2) { $0 }
            defer { server.close(); tasks.forEach { $0.cancel() } }
            let big = [UInt8](repeating: 9, count: 64 * 1024)
            let error = await #expect(throws: NNGError.self) {
                _ = try await call(client, big, timeout: .milliseconds(300))
            }
            #expect(error?.code == .timedOut)
            let small = try await call(client, [1, 2, 3])
            #expect(small == [1, 2, 3])
        }
    }

    @Test(arguments: Transport.allCases)
    func closeWhileReceivePendingFailsWithClosed(over transport: Transport) async throws {
        let server = try Socket(.rep0)
        _ = try server.listen(transport.uniqueAddress())
        let context = try server.makeContext()
        let pending = Task { try await context.receive().count }
        try await Task.sleep(for: .milliseconds(50))
        server.close()
        let result = await pending.result
        #expect(throws: NNGError.self) { _ = try result.get() }
        if case .failure(let error) = result { #expect((error as? NNGError)?.code == .closed) }
    }

    @Test func cancellingTheTaskCancelsTheReceive() async throws {
        let server = try Socket(.rep0)
        defer { server.close() }
        _ = try server.listen(Transport.inproc.uniqueAddress())
        let context = try server.makeContext()
        let pending = Task { try await context.receive().count }
        try await Task.sleep(for: .milliseconds(20))
        pending.cancel()
        if case .failure(let error) = await pending.result {
            #expect((error as? NNGError)?.code == .cancelled)
        } else {
            Issue.record("receive completed although nobody sent")
        }
    }

    @Test func badURLNamesTheCall() throws {
        let socket = try Socket(.req0)
        defer { socket.close() }
        let error = #expect(throws: NNGError.self) { try socket.dial("nonsense://x") }
        #expect(error?.operation == "nng_dialer_create")
        #expect(error?.message.isEmpty == false)
    }

    @Test func messageKeepsItsBytes() throws {
        let message = try Message([0, 1, 2, 255])
        #expect(message.count == 4)
        #expect(message.bytes == [0, 1, 2, 255])
        let empty = try Message([])
        #expect(empty.count == 0)
    }
}
