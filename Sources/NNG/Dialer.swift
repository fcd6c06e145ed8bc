// Dialer: one nng dialer of a socket (background redial), its statistics, and a restart.
//
// Why restart exists: in nng 1.5.2 a dialer stops redialling for good when a connection attempt fails
// during negotiation with NNG_ECLOSED (nng issue #1518, the dialer side of the listener bug in
// Listener.swift): a server that closes a new connection early (over ipc://, or a reset right after the
// TLS handshake) can cause it. Afterwards the dialer has no connection and makes no attempt, so every
// request waits out its deadline. `DialerWatchdog` detects this state and restarts the dialer.
internal import CNNG
import Synchronization

/// What a dialer has done since it started, from nng's dialer statistics.
public struct DialerActivity: Sendable, Equatable {
    /// Connections open now.
    public var connections: UInt64
    /// Every connection attempt's outcome nng counted: connections made plus every failure.
    public var outcomes: UInt64

    public init(connections: UInt64, outcomes: UInt64) {
        self.connections = connections
        self.outcomes = outcomes
    }
}

/// A background dialer of a `Socket`: created by `Socket.dial` (or a successful `dialFirstAttempt`).
public final class Dialer: Sendable {
    public let url: String
    private let socket: nng_socket
    private let tls: TLSConfiguration?
    /// The dialer now; replaced by `restart`.
    private let handle: Mutex<nng_dialer>

    /// The attempt outcomes nng keeps per dialer, summed into `DialerActivity.outcomes`.
    private static let outcomeCounters = [
        "connect", "refused", "disconnect", "canceled", "other", "timeout", "proto", "auth", "oom", "reject",
    ]

    /// Wraps a dialer already started (or being started) on `socket`.
    init(socket: nng_socket, url: String, tls: TLSConfiguration?, handle: nng_dialer) {
        self.socket = socket
        self.url = url
        self.tls = tls
        self.handle = Mutex(handle)
    }

    /// A created, not yet started dialer with `tls` set for `tls+` URLs.
    static func make(socket: nng_socket, url: String, tls: TLSConfiguration?) throws(NNGError) -> nng_dialer {
        var dialer = nng_dialer()
        try check(nng_dialer_create(&dialer, socket, url), "nng_dialer_create")
        if let tls, url.hasPrefix("tls+") {
            let rc = nng_dialer_set_ptr(dialer, NNG_OPT_TLS_CONFIG, UnsafeMutableRawPointer(tls.handle))
            if rc != 0 { nng_dialer_close(dialer) }
            try check(rc, "nng_dialer_set_ptr(tls-config)")
        }
        return dialer
    }

    /// A dialer started without waiting (the connection is made, and remade, in the background).
    static func start(socket: nng_socket, url: String, tls: TLSConfiguration?) throws(NNGError) -> nng_dialer {
        let dialer = try make(socket: socket, url: url, tls: tls)
        let rc = nng_dialer_start(dialer, CInt(NNG_FLAG_NONBLOCK))
        if rc != 0 { nng_dialer_close(dialer) }
        try check(rc, "nng_dialer_start")
        return dialer
    }

    /// The dialer's statistics now, or nil when nng keeps none. Reads a snapshot of all of nng's
    /// statistics: call it at most every few hundred ms.
    public var activity: DialerActivity? {
        let id = UInt64(nng_dialer_id(handle.withLock { $0 }))
        return StatisticsSnapshot.read { snapshot in
            guard let scope = StatisticsSnapshot.scope(named: "dialer", id: id, in: snapshot) else { return nil }
            return DialerActivity(
                connections: StatisticsSnapshot.value("pipes", in: scope),
                outcomes: StatisticsSnapshot.sum(Self.outcomeCounters, in: scope))
        }
    }

    /// Closes the dialer (and its connection, if any) and dials `url` again in the background.
    public func restart() throws(NNGError) {
        try handle.withLock { (dialer: inout nng_dialer) throws(NNGError) in
            nng_dialer_close(dialer)
            dialer = try Self.start(socket: socket, url: url, tls: tls)
        }
    }
}
