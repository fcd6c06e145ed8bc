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

    /// The dialer's statistics now, or nil when nng keeps none. Reads a snapshot of all of nng's
    /// statistics: call it at most every few hundred ms.
    public var activity: DialerActivity? {
        let id = UInt64(nng_dialer_id(handle.withLock { $0 }))
        return StatisticsSnapshot.read { snapshot in
            guard let scope = StatisticsSnapshot.scope(named: "dialer", id: id, in: snapshot) else { return nil }
            return DialerActivity(
                connections: StatisticsSnapshot.value("pipes", in: scope),
                outcomes: Self.outcomeCounters.reduce(0) { $0 &+ StatisticsSnapshot.value($1, in: scope) })
        }
    }

    /// Closes the dialer (and its connection, if any) and dials `url` again in the background.
    public func restart() throws(NNGError) {
        try handle.withLock { (dialer: inout nng_dialer) throws(NNGError) in
            nng_dialer_close(dialer)
            let fresh = try Self.make(socket: socket, url: url, tls: tls)
            let rc = nng_dialer_start(fresh, CInt(NNG_FLAG_NONBLOCK))
            if rc != 0 { nng_dialer_close(fresh) }
            try check(rc, "nng_dialer_start")
            dialer = fresh
        }
    }
}

/// Reads nng's statistics (a snapshot of the whole process's tree, freed after use).
enum StatisticsSnapshot {
    /// `body` over a fresh snapshot; nil when nng keeps no statistics.
    static func read<T>(_ body: (OpaquePointer) -> T?) -> T? {
        var snapshot: OpaquePointer?
        guard nng_stats_get(&snapshot) == 0, let snapshot else { return nil }
        defer { nng_stats_free(snapshot) }
        return body(snapshot)
    }

    /// The scope `name` ("listener", "dialer") whose "id" is `id` in `tree`, depth first. Not
    /// `nng_stat_find_listener`/`_dialer`: in nng 1.5.2 their search below the top level matches by name
    /// only, so they return the process's first listener (or dialer), whichever was asked for.
    static func scope(named name: String, id: UInt64, in tree: OpaquePointer) -> OpaquePointer? {
        if nng_stat_type(tree) == CInt(NNG_STAT_SCOPE.rawValue), String(cString: nng_stat_name(tree)) == name {
            var child = nng_stat_child(tree)
            while let stat = child {
                if String(cString: nng_stat_name(stat)) == "id" { return nng_stat_value(stat) == id ? tree : nil }
                child = nng_stat_next(stat)
            }
            return nil
        }
        var child = nng_stat_child(tree)
        while let stat = child {
            if let found = scope(named: name, id: id, in: stat) { return found }
            child = nng_stat_next(stat)
        }
        return nil
    }

    /// The value of the statistic `name` within `scope` (0 when absent).
    static func value(_ name: String, in scope: OpaquePointer) -> UInt64 {
        nng_stat_find(scope, name).map { nng_stat_value($0) } ?? 0
    }
}
