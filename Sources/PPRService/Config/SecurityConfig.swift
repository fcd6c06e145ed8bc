// SecurityConfig: the `security:` section (TLS certificates, client CA, tokens) and the listen rules
// that follow from it. See config/README.md ("security") and README.md ("Running it securely").
import Foundation
import PPRWire

/// TLS and token settings of a process; `nil` in `ServiceConfig.security` means plain TCP.
///
/// With it, every URL of the config must be `tls+tcp://`. Coordinator↔worker links are mutual TLS
/// against `caFile` (the cluster CA). The front presents `certFile` to clients and, with
/// `clientCaFile`, requires a client certificate signed by that (separate) CA.
public struct SecurityConfig: Equatable, Sendable {
    /// The cluster CA (PEM): signs coordinator and worker certificates.
    public var caFile: String
    /// This process's certificate (PEM), signed by `caFile`.
    public var certFile: String
    /// This process's private key (PEM, unencrypted).
    public var keyFile: String
    /// The client CA (PEM): when set, front clients must present a certificate it signed. Must not
    /// be the cluster CA, or a client certificate would open the workers' ports.
    public var clientCaFile: String?
    /// `ROLE TOKEN` lines (roles `query`, `admin`): when set, every front request needs a token.
    public var tokensFile: String?

    /// Makes a security section.
    public init(
        caFile: String, certFile: String, keyFile: String, clientCaFile: String? = nil, tokensFile: String? = nil
    ) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.clientCaFile = clientCaFile
        self.tokensFile = tokensFile
    }

    /// A worker's listener: its certificate; peers must present one the cluster CA signed.
    public var workerServerTLS: WireTLS {
        WireTLS(caFile: caFile, certificateFile: certFile, keyFile: keyFile, requirePeerCertificate: true)
    }

    /// The coordinator's dialler to workers: verifies them against the cluster CA, presents its certificate.
    public var clusterClientTLS: WireTLS {
        WireTLS(caFile: caFile, certificateFile: certFile, keyFile: keyFile, requirePeerCertificate: true)
    }

    /// The front's listener: the process certificate; client certificates only with `clientCaFile`.
    public var frontServerTLS: WireTLS {
        WireTLS(
            caFile: clientCaFile, certificateFile: certFile, keyFile: keyFile,
            requirePeerCertificate: clientCaFile != nil)
    }

    /// The keys of the section, for the environment overrides.
    static let keys: [String] = [
        "security.caFile", "security.certFile", "security.keyFile", "security.clientCaFile", "security.tokensFile",
    ]
}

extension ServiceConfig {
    /// Refuses a config whose URLs do not match its security: with `security`, each must be `tls+tcp://`.
    func checkTransportSecurity(origin: String) throws(ConfigError) {
        guard security != nil else { return }
        var urls = [("coordinator.listen", coordinator.listen)]
        for (s, shard) in shards.enumerated() {
            for (r, replica) in shard.replicas.enumerated() {
                urls.append(("shards.\(s).replicas.\(r).url", replica.url))
            }
        }
        if let (key, url) = urls.first(where: { !WireTLS.isTLS($0.1) }) {
            throw .invalid(origin, key, url, "a tls+tcp:// URL, because the security section is set")
        }
    }
}

/// Where a process may listen without TLS: loopback and local sockets, or anywhere with `--insecure`.
public enum ListenPolicy {
    /// Checks a listen URL; returns a warning to log when an insecure non-loopback listen is allowed.
    ///
    /// - Parameters:
    ///   - url: the URL to listen on; `key` names its setting (`coordinator.listen`, `--listen`).
    ///   - secured: whether the process runs with a `security` section (TLS URLs are then required).
    ///   - insecure: the operator's `--insecure` flag.
    /// - Throws: `ListenPolicyError` when a plain-TCP listen on a non-loopback address is not allowed.
    public static func check(_ url: String, key: String, secured: Bool, insecure: Bool) throws(ListenPolicyError)
        -> String?
    {
        if secured {
            guard WireTLS.isTLS(url) else { throw .notTLS(key: key, url: url) }
            return nil
        }
        guard let host = tcpHost(url), !isLoopback(host) else { return nil }
        guard insecure else { throw .insecureListen(key: key, url: url) }
        return "listening on \(url) (\(key)) without TLS or authentication (--insecure): anyone who can reach it "
            + "can query, submit jobs and call worker control methods"
    }

    /// The host of a `tcp://`/`tls+tcp://` URL (`nil` for ipc://, inproc://).
    static func tcpHost(_ url: String) -> String? {
        guard let range = url.range(of: "://"), url.hasPrefix("tcp") || url.hasPrefix("tls+tcp") else { return nil }
        let authority = url[range.upperBound...]
        if authority.hasPrefix("[") {
            guard let end = authority.firstIndex(of: "]") else { return String(authority) }
            return String(authority[authority.index(after: authority.startIndex)..<end])
        }
        return String(authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// 127.0.0.0/8, ::1 and localhost.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// A listen address the listen rules refuse.
public enum ListenPolicyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `security` is set but `url` is not `tls+tcp://`.
    case notTLS(key: String, url: String)
    /// A non-loopback plain-TCP listen without `--insecure`.
    case insecureListen(key: String, url: String)

    public var description: String {
        switch self {
        case .notTLS(let key, let url):
            "\(key) is \(url), but the security section is set: every URL must be tls+tcp://"
        case .insecureListen(let key, let url):
            "\(key) is \(url), a non-loopback address without TLS: set the security section (config/README.md) "
                + "or pass --insecure to serve it unauthenticated"
        }
    }
}
