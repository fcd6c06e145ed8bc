// ListenCheck: the listen rules every powerwalkd role applies before it binds (see ListenPolicy):
// with `security`, TLS URLs only; without it, loopback or local sockets unless --insecure is given.
import ArgumentParser
import Logging
import PPRService

enum ListenCheck {
    /// Help of the `--insecure` flag shared by the roles.
    static let insecureHelp = ArgumentHelp(
        "Allow listening on a non-loopback address without the security section (no TLS, no authentication).")

    /// Checks each `(key, url)` to listen on; logs a warning for each allowed insecure one.
    static func verify(
        _ listens: [(key: String, url: String)], secured: Bool, insecure: Bool, logger: Logger
    ) throws {
        for (key, url) in listens {
            do {
                if let warning = try ListenPolicy.check(url, key: key, secured: secured, insecure: insecure) {
                    logger.warning("\(warning)")
                }
            } catch {
                throw ValidationError(error.description)
            }
        }
    }
}
