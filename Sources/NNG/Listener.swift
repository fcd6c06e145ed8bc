// Listener: one nng listener of a socket, its accept statistics, and a restart on the same address.
//
// Why restart exists: in nng 1.5.2 a listener stops accepting for good when a connection fails during
// negotiation with NNG_ECLOSED (nng issue #1518, fixed in nng 1.6.0). A peer that resets its connection
// right after the TLS handshake can cause that; afterwards the transport still completes handshakes,
// but no connection ever reaches the socket. `ListenerWatchdog` detects this state and restarts.
internal import CNNG
import Synchronization

/// What a listener has done since it started, from nng's listener statistics.
public struct ListenerActivity: Sendable, Equatable {
    /// Every accept outcome nng counted: connections accepted plus every failure, whatever its kind.
    /// A listener that still accepts moves this on each connection attempt that reaches it.
    public var outcomes: UInt64
    /// Failures nng counts as "other". In nng 1.5.2 these include the NNG_ECLOSED that ends accepting,
    /// and also harmless ones (a peer that closed during negotiation).
    public var otherFailures: UInt64

    public init(outcomes: UInt64, otherFailures: UInt64) {
        self.outcomes = outcomes
        self.otherFailures = otherFailures
    }
}

/// An nng listener of a `Socket`: created and started by `Socket.openListener`.
public final class Listener: Sendable {
    /// The URL bound (for `…:0`, with the port the kernel chose), used again by `restart`.
    public let url: String
    private let socket: nng_socket
    private let tls: TLSConfiguration?
    /// The listener now; replaced by `restart`.
    private let handle: Mutex<nng_listener>

    /// The accept outcomes nng keeps per listener, summed into `ListenerActivity.outcomes`.
    private static let outcomeCounters = [
        "accept", "disconnect", "canceled", "other", "timeout", "proto", "auth", "oom", "reject",
    ]

    /// Creates and starts a listener on `url`; see `Socket.listen`.
    init(socket: nng_socket, url: String, tls: TLSConfiguration?) throws(NNGError) {
        self.socket = socket
        self.tls = tls
        let listener = try Self.start(socket: socket, url: url, tls: tls)
        var bound = url
        if url.hasPrefix("tcp") || url.hasPrefix("tls+tcp"), url.hasSuffix(":0") {
            var port: CInt = 0
            let rc = nng_listener_get_int(listener, NNG_OPT_TCP_BOUND_PORT, &port)
            if rc != 0 { nng_listener_close(listener) }
            try check(rc, "nng_listener_get_int")
            bound = String(url.dropLast()) + String(port)
        }
        self.url = bound
        handle = Mutex(listener)
    }

    private static func start(socket: nng_socket, url: String, tls: TLSConfiguration?) throws(NNGError)
        -> nng_listener
    {
        var listener = nng_listener()
        try check(nng_listener_create(&listener, socket, url), "nng_listener_create")
        do throws(NNGError) {
            if let tls, url.hasPrefix("tls+") {
                try check(
                    nng_listener_set_ptr(listener, NNG_OPT_TLS_CONFIG, UnsafeMutableRawPointer(tls.handle)),
                    "nng_listener_set_ptr(tls-config)")
            }
            try check(nng_listener_start(listener, 0), "nng_listener_start")
        } catch {
            nng_listener_close(listener)
            throw error
        }
        return listener
    }

    /// The listener's accept statistics now, or nil when nng keeps none (a library built without
    /// statistics). Reads a snapshot of all of nng's statistics: call it at most every few hundred ms.
    public var activity: ListenerActivity? {
        let id = UInt64(nng_listener_id(handle.withLock { $0 }))
        return StatisticsSnapshot.read { snapshot in
            guard let scope = StatisticsSnapshot.scope(named: "listener", id: id, in: snapshot) else { return nil }
            return ListenerActivity(
                outcomes: StatisticsSnapshot.sum(Self.outcomeCounters, in: scope),
                otherFailures: StatisticsSnapshot.value("other", in: scope))
        }
    }

    /// Closes the listener (and the connections it accepted: their clients redial) and listens again on
    /// `url`. The statistics start again from zero. If listening again fails, the old listener is gone
    /// and the error is thrown; a later call tries again.
    public func restart() throws(NNGError) {
        try handle.withLock { (listener: inout nng_listener) throws(NNGError) in
            nng_listener_close(listener)
            listener = try Self.start(socket: socket, url: url, tls: tls)
        }
    }
}
