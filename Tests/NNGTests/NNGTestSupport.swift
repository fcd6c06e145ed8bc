import NNG

/// The transports the wrapper tests run over.
enum Transport: String, CaseIterable, Sendable {
    case inproc, tcp

    /// A fresh address: a unique inproc name, or loopback tcp with a kernel-chosen port.
    func uniqueAddress() -> String {
        switch self {
        case .inproc: "inproc://nng-tests-\(UInt64.random(in: 0...UInt64.max))"
        case .tcp: "tcp://127.0.0.1:0"
        }
    }
}

/// A rep socket listening on a fresh address and a req socket dialled to it; both closed afterwards.
func withReqRepPair<R>(
    over transport: Transport,
    configureServer: (Socket) throws -> Void = { _ in },
    _ body: (_ server: Socket, _ client: Socket) async throws -> R
) async throws -> R {
    let server = try Socket(.rep0)
    defer { server.close() }
    try configureServer(server)
    let url = try server.listen(transport.uniqueAddress())
    let client = try Socket(.req0)
    defer { client.close() }
    try client.setReconnectTimes(min: .milliseconds(10), max: .milliseconds(100))
    try client.dial(url)
    return try await body(server, client)
}

/// Serves `server` with `contexts` rep contexts, replying with `reply(request bytes)`, until it closes.
func startEchoServer(
    _ server: Socket, contexts: Int, reply: @escaping @Sendable ([UInt8]) -> [UInt8]
) throws -> [Task<Void, Never>] {
    try (0..<contexts).map { _ in
        let context = try server.makeContext()
        return Task {
            while true {
                do {
                    let request = try await context.receive()
                    try await context.send(try Message(reply(request.bytes)))
                } catch {
                    if (error as? NNGError)?.code == .closed { return }
                }
            }
        }
    }
}

/// Sends `bytes` on a fresh req context and waits for the reply.
/// The default deadline is long: when the parallel suite starts, CPU-bound tests can hold both cooperative
/// threads of a 2-core host for over 20 s, and the echo server's tasks (on that pool) answer nothing meanwhile
/// (a 10 s deadline failed that way in CI). A reply comes at once otherwise.
func call(_ client: Socket, _ bytes: [UInt8], timeout: Duration = .seconds(90)) async throws(NNGError) -> [UInt8] {
    let context = try client.makeContext()
    defer { context.close() }
    try await context.send(try Message(bytes), timeout: timeout)
    return try await context.receive(timeout: timeout).bytes
}
