// Waiting for SIGTERM/SIGINT without blocking a thread: the signals are ignored at the process level
// and delivered to Dispatch sources instead, whose handlers feed an AsyncStream.
import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The termination signals a daemon stops cleanly on.
public enum TerminationSignal {
    /// Suspends until the process receives SIGTERM or SIGINT; returns the signal's name.
    public static func wait() async -> String {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let queue = DispatchQueue(label: "powerwalk.signals")
        var sources: [any DispatchSourceSignal] = []
        for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            signal(number, SIG_IGN)  // let the source see it instead of the default action (terminate)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(name) }
            source.resume()
            sources.append(source)
        }
        var signals = stream.makeAsyncIterator()
        let name = await signals.next() ?? "SIGTERM"
        for source in sources { source.cancel() }
        continuation.finish()
        return name
    }
}
