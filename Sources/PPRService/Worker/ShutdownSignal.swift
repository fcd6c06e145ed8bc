// ShutdownSignal: waits for SIGTERM or SIGINT without a global handler. The signals' default action is
// turned off (SIG_IGN) and Dispatch signal sources report them instead, so the process can close its
// servers and stop its builds before exiting.
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The signals that ask a daemon to stop, caught from `init` on.
public final class ShutdownSignal: Sendable {
    private let names: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    // Safety of Sendable: the sources are only created in init and cancelled in deinit.
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]

    /// Starts catching SIGTERM and SIGINT: from now on they no longer kill the process.
    public init() {
        let (names, continuation) = AsyncStream.makeStream(of: String.self)
        let queue = DispatchQueue(label: "powerwalk.signals")
        sources = [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(name) }
            source.resume()
            return source
        }
        self.names = names
        self.continuation = continuation
    }

    deinit {
        for source in sources { source.cancel() }
        continuation.finish()
    }

    /// Waits for the first SIGTERM or SIGINT caught since `init`; returns its name.
    public func wait() async -> String {
        for await name in names { return name }
        return "end of signal stream"  // not reached: the stream finishes only in deinit
    }
}
