// ClientFailure: how every pwctl command reports a failure: `error: CODE: message` on stderr and an
// exit code per class, so scripts can tell "bad input" from "not there" from "try again later".
import ArgumentParser
import Foundation
import PPRService
import PPRWire

/// A failure a pwctl command reports, local or from the coordinator, with its exit status.
///
/// Exit statuses (`exitStatus(for:)`, the one table; README "Errors and exit statuses"): 1 other, 2 invalid
/// argument, 3 not found, 4 unavailable or deadline exceeded, 5 a job followed with `--wait` ended failed
/// or cancelled, 6 unauthenticated (no or unknown token), 7 permission denied (the token's role may not do
/// this); ArgumentParser's usage errors exit with 64.
struct ClientFailure: Error, Equatable, CustomStringConvertible {
    /// The failure class, as the wire names it.
    var code: WireErrorCode
    /// Names the argument, vertex, job or shard at fault.
    var message: String

    init(_ code: WireErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    init(_ error: WireError) { self.init(error.code, error.message) }

    /// `CODE: message`; a local failure with no better class than UNKNOWN is just its message.
    var description: String { code == .unknown ? message : "\(code): \(message)" }

    /// The process exit status of this failure's class.
    var exitCode: ExitCode { Self.exitStatus(for: code) }

    /// The one mapping from a wire code to pwctl's exit status, for local and coordinator failures alike.
    static func exitStatus(for code: WireErrorCode) -> ExitCode {
        switch code {
        case .invalidArgument: ExitCode(2)
        case .notFound: ExitCode(3)
        case .unavailable, .deadlineExceeded: ExitCode(4)
        case .unauthenticated: ExitCode(6)
        case .permissionDenied: ExitCode(7)
        default: ExitCode(1)
        }
    }

    /// Exit code of `--wait` on a job that ended failed or cancelled.
    static let jobDidNotSucceed = ExitCode(5)

    /// Any error as pwctl reports it: its code and message from the one error mapping (`WireError(from:)`,
    /// the coordinator's), so a local failure reads and exits as the cluster's would (DESIGN §4).
    static func from(_ error: any Error) -> ClientFailure {
        if let failure = error as? ClientFailure { return failure }
        return ClientFailure(WireError(from: error))
    }

    /// Runs a command body; a failure is printed as `error: CODE: message` and becomes its exit code.
    ///
    /// Usage errors and explicit exits pass through to ArgumentParser unchanged.
    static func reporting(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ValidationError {
            throw error
        } catch let error as ExitCode {
            throw error
        } catch {
            let failure = from(error)
            FileHandle.standardError.write(Data("error: \(failure)\n".utf8))
            throw failure.exitCode
        }
    }
}
