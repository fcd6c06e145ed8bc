import ArgumentParser

/// `pwctl index` (stub until implemented).
struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "index", abstract: "Not implemented yet.")

    func run() async throws {
        throw ValidationError("pwctl index is not implemented yet")
    }
}
