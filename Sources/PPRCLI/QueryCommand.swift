import ArgumentParser

/// `pwctl query` (stub until implemented).
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "query", abstract: "Not implemented yet.")

    func run() async throws {
        throw ValidationError("pwctl query is not implemented yet")
    }
}
