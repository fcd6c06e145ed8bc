import ArgumentParser
import Testing

@testable import PPRCLI

/// Parses `arguments` as pwctl would (validation included) and returns the subcommand as `T`.
func parse<T: ParsableCommand>(_ arguments: [String], as type: T.Type = T.self) throws -> T {
    let command = try PwctlCommand.parseAsRoot(arguments)
    return try #require(command as? T, "parsed as \(Swift.type(of: command)), not \(T.self)")
}

/// The message pwctl prints for `arguments`, which must fail to parse or validate.
func parseFailure(_ arguments: [String]) -> String {
    do {
        let command = try PwctlCommand.parseAsRoot(arguments)
        Issue.record("\(arguments) parsed as \(type(of: command))")
        return ""
    } catch {
        return PwctlCommand.message(for: error)
    }
}
