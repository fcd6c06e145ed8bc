import ArgumentParser
import Foundation
import PPRWire

/// Where the coordinator is, how to authenticate to it and how long to wait for it: the options
/// every wire command shares. Each may stand before the subcommand (see `PwctlArguments`).
struct CoordinatorOptions: ParsableArguments {
    /// The environment variable naming the default coordinator URL.
    static let environmentVariable = "PWCTL_COORDINATOR"
    /// The URL used when neither the flag nor the environment names one.
    static let fallbackURL = "tcp://127.0.0.1:7400"

    @Option(
        name: .long,
        help: ArgumentHelp("Coordinator URL (default: $PWCTL_COORDINATOR, else \(fallbackURL)).", valueName: "url"))
    var coordinator: String?

    @Option(name: .customLong("timeout-ms"), help: "Deadline of each request to the coordinator, in milliseconds.")
    var timeoutMilliseconds: Int = 30_000

    @Option(
        name: .customLong("tls-ca"),
        help: ArgumentHelp(
            "CA file (PEM) the coordinator's certificate must chain to; needed for tls+tcp:// (default: $PWCTL_TLS_CA).",
            valueName: "file"))
    var tlsCA: String?

    @Option(
        name: .customLong("tls-cert"),
        help: ArgumentHelp(
            "Client certificate (PEM) for a front with security.clientCaFile (default: $PWCTL_TLS_CERT).",
            valueName: "file"))
    var tlsCertificate: String?

    @Option(
        name: .customLong("tls-key"),
        help: ArgumentHelp("Private key (PEM) of --tls-cert (default: $PWCTL_TLS_KEY).", valueName: "file"))
    var tlsKey: String?

    @Option(
        name: .customLong("token-file"),
        help: ArgumentHelp(
            "File holding the bearer token (its first line; a 'ROLE TOKEN' line works too) for a front with "
                + "security.tokensFile (default: $PWCTL_TOKEN_FILE).",
            valueName: "file"))
    var tokenFile: String?

    func validate() throws {
        guard timeoutMilliseconds >= 1 else {
            throw ValidationError("--timeout-ms must be at least 1, not \(timeoutMilliseconds)")
        }
        if let coordinator, coordinator.isEmpty { throw ValidationError("--coordinator must name a URL") }
    }

    /// The URL to dial: the flag, else the environment variable (if non-empty), else the fallback.
    func url(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let coordinator { return coordinator }
        if let fromEnvironment = environment[Self.environmentVariable], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return Self.fallbackURL
    }

    /// The per-request deadline.
    var deadline: Duration { .milliseconds(timeoutMilliseconds) }

    /// The flag's value, else the environment variable's (if non-empty).
    private func setting(_ flag: String?, _ variable: String, _ environment: [String: String]) -> String? {
        if let flag { return flag }
        if let value = environment[variable], !value.isEmpty { return value }
        return nil
    }

    /// TLS settings for a `tls+tcp://` coordinator: `--tls-ca` (required), `--tls-cert` and `--tls-key`
    /// (together or not at all).
    func tls(for url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ClientFailure)
        -> WireTLS?
    {
        let ca = setting(tlsCA, "PWCTL_TLS_CA", environment)
        let certificate = setting(tlsCertificate, "PWCTL_TLS_CERT", environment)
        let key = setting(tlsKey, "PWCTL_TLS_KEY", environment)
        guard WireTLS.isTLS(url) else {
            guard ca == nil, certificate == nil, key == nil else {
                throw ClientFailure(
                    .invalidArgument, "--tls-ca/--tls-cert/--tls-key need a tls+tcp:// coordinator, not \(url)")
            }
            return nil
        }
        guard let ca else {
            throw ClientFailure(
                .invalidArgument, "\(url) is a TLS URL: give --tls-ca (or $PWCTL_TLS_CA), the CA of its certificate")
        }
        guard (certificate == nil) == (key == nil) else {
            throw ClientFailure(.invalidArgument, "--tls-cert and --tls-key go together")
        }
        for file in [ca, certificate, key].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: file) {
            throw ClientFailure(.invalidArgument, "cannot read \(file)")
        }
        return WireTLS(caFile: ca, certificateFile: certificate, keyFile: key, requirePeerCertificate: true)
    }

    /// The token of `--token-file` (or `$PWCTL_TOKEN_FILE`): the last field of the file's first
    /// non-empty line that is not a `#` comment.
    func token(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ClientFailure) -> String? {
        guard let path = setting(tokenFile, "PWCTL_TOKEN_FILE", environment) else { return nil }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ClientFailure(.invalidArgument, "cannot read the token file \(path)")
        }
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty && !$0.hasPrefix("#") }
        guard let token = line?.split(whereSeparator: { $0 == " " || $0 == "\t" }).last.map(String.init) else {
            throw ClientFailure(.invalidArgument, "the token file \(path) holds no token")
        }
        return token
    }

    /// A client of the coordinator. Its first request makes the connection and fails at once with
    /// UNAVAILABLE ("nothing listens at URL") when nothing listens, instead of waiting for the deadline.
    func client() throws -> CoordinatorClient {
        let url = url()
        let token = try token()
        if token != nil, !WireTLS.isTLS(url) {
            FileHandle.standardError.write(Data("warning: sending a token to \(url) without TLS (in clear)\n".utf8))
        }
        return try CoordinatorClient(
            .init(url: url, tls: try tls(for: url), token: token, deadline: deadline, failFast: true))
    }
}
