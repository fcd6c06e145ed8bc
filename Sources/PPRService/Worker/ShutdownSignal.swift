// ShutdownSignal: waits for SIGTERM or SIGINT without a global handler. The signals' default action is
// turned off (SIG_IGN) and Dispatch signal sources report them instead, so the process can close its
// servers and stop its builds before exiting.
import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The signals that ask a daemon to stop.
public enum ShutdownSignal {
    /// Waits until the process receives SIGTERM or SIGINT; returns the signal's name.
    ///
    /// Call once, early: from the call on, those signals no longer kill the process.
    public static func wait() async -> String {
        let (names, continuation) = AsyncStream.makeStream(of: String.self)
        let queue = DispatchQueue(label: "powerwalk.signals")
        let sources = [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(name) }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            continuation.finish()
        }
        for await name in names { return name }
        return "end of signal stream"  // not reached: the stream finishes only after we return
    }
}
