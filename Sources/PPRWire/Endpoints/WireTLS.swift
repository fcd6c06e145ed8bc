// WireTLS: the certificate files of one TLS endpoint, as plain values (no NNG type leaves PPRWire).
import NNG

/// TLS settings of a `WireServer` or `WireClient` for `tls+tcp://` URLs (PEM files).
///
/// What nng 1.5.2 checks: the peer's certificate chain against `caFile` (when required). It does not
/// check the peer's name: any certificate `caFile` signed is accepted, whatever its subject.
public struct WireTLS: Equatable, Sendable {
    /// CA certificate(s) a peer's certificate must chain to; `nil` only for a server that asks for
    /// no client certificate.
    public var caFile: String?
    /// This side's certificate (chain) and its unencrypted private key.
    public var certificateFile: String?
    public var keyFile: String?
    /// A server: whether a client must present a certificate `caFile` signed. (A client always
    /// verifies the server's certificate against `caFile`.)
    public var requirePeerCertificate: Bool

    /// Makes TLS settings.
    public init(caFile: String?, certificateFile: String?, keyFile: String?, requirePeerCertificate: Bool) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.requirePeerCertificate = requirePeerCertificate
    }

    /// The nng configuration for a server (listening) or a client (dialling) side.
    func configuration(server: Bool) throws(WireError) -> TLSConfiguration {
        do {
            return try TLSConfiguration(
                role: server ? .server : .client, caFile: caFile, certificateFile: certificateFile, keyFile: keyFile,
                peer: server && !requirePeerCertificate ? .none : .required)
        } catch {
            let files = [caFile, certificateFile, keyFile].compactMap { $0 }.joined(separator: ", ")
            throw WireError(.invalidArgument, "cannot load TLS certificates (\(files)): \(error)")
        }
    }

    /// Whether `url` is one TLS applies to.
    public static func isTLS(_ url: String) -> Bool { url.hasPrefix("tls+tcp://") }
}
