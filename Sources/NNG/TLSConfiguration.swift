internal import CNNG
import Glibc

/// An `nng_tls_config`: the certificates and peer checks of one side of `tls+tcp://` connections.
///
/// nng 1.5.2 (built with Mbed TLS 2.28) verifies a peer's certificate chain against the CA file and
/// can tell whether a connection's peer verified (`Socket` uses that), but it cannot report the peer's
/// name to the application, and a server cannot restrict which names it accepts: any certificate the
/// CA signed is accepted. Keep one CA per trust domain for that reason.
public final class TLSConfiguration: @unchecked Sendable {
    /// Which end of a connection the configuration is for.
    public enum Role: Sendable {
        /// Dials (`nng_dial`): presents its certificate if it has one, verifies the server's.
        case client
        /// Listens (`nng_listen`).
        case server
    }

    /// What a side demands of its peer's certificate.
    public enum PeerVerification: Sendable {
        /// No certificate is asked for or checked.
        case none
        /// The peer must present a certificate that `caFile` signed; otherwise the handshake fails.
        case required
    }

    // Safety: the config is immutable after init (nng refuses changes once a transport holds it) and
    // reference-counted by nng; this object owns one reference, dropped in deinit.
    let handle: OpaquePointer  // owned nng_tls_config*

    /// Loads a configuration from PEM files.
    ///
    /// - Parameters:
    ///   - caFile: CA certificate(s) that must have signed the peer's certificate (needed for `.required`).
    ///   - certificateFile, keyFile: this side's certificate chain and unencrypted private key (a server
    ///     needs them; a client needs them when its server requires a client certificate).
    ///   - peer: whether the peer's certificate is required and verified.
    public init(
        role: Role, caFile: String?, certificateFile: String?, keyFile: String?, peer: PeerVerification
    ) throws(NNGError) {
        var raw: OpaquePointer?
        try check(
            nng_tls_config_alloc(&raw, role == .server ? NNG_TLS_MODE_SERVER : NNG_TLS_MODE_CLIENT),
            "nng_tls_config_alloc")
        handle = raw!
        switch peer {
        case .none: try check(nng_tls_config_auth_mode(handle, NNG_TLS_AUTH_MODE_NONE), "nng_tls_config_auth_mode")
        case .required:
            try check(nng_tls_config_auth_mode(handle, NNG_TLS_AUTH_MODE_REQUIRED), "nng_tls_config_auth_mode")
        }
        if let caFile { try check(nng_tls_config_ca_file(handle, caFile), "nng_tls_config_ca_file") }
        if let certificateFile, let keyFile {
            // nng_tls_config_cert_key_file wants both in one file; own_cert takes them apart.
            let certificate = try Self.readPEM(certificateFile)
            let key = try Self.readPEM(keyFile)
            try check(nng_tls_config_own_cert(handle, certificate, key, nil), "nng_tls_config_own_cert")
        }
    }

    /// The text of a PEM file (at most 1 MiB: certificates and keys are a few KiB).
    private static func readPEM(_ path: String) throws(NNGError) -> String {
        guard let file = fopen(path, "rb") else {
            throw NNGError(code: .notFound, operation: "reading \(path)")
        }
        defer { fclose(file) }
        let capacity = 1 << 20
        var bytes = [UInt8](repeating: 0, count: capacity)
        let count = fread(&bytes, 1, capacity, file)
        guard ferror(file) == 0, count < capacity else {
            throw NNGError(code: .invalid, operation: "reading \(path)")
        }
        return String(decoding: bytes[..<count], as: UTF8.self)
    }

    deinit { nng_tls_config_free(handle) }
}
