// WireURL: what an NNG URL must look like before it reaches nng, so a mistake such as a missing scheme
// (`localhost:7400`) is named as such instead of surfacing as `nng_dial: Invalid argument`; and how
// deadlines read in messages (whole milliseconds, never `4.99999982 seconds`).

/// URL and duration wording shared by the wire endpoints.
public enum WireURL {
    /// Why `url` cannot be dialled or listened on (it has no `scheme://`), or nil. Other mistakes in a URL
    /// are left to nng, whose transports decide what they accept.
    public static func problem(with url: String) -> String? {
        guard url.contains("://") else {
            return "the URL has no scheme: use tcp://HOST:PORT, tls+tcp://HOST:PORT, ipc://PATH or inproc://NAME"
        }
        return nil
    }

    /// `duration` in whole milliseconds, rounded to the nearest (`5000 ms`).
    public static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let (millis, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return "\(seconds) s" }
        return "\(millis + (attoseconds + 500_000_000_000_000) / 1_000_000_000_000_000) ms"
    }
}
