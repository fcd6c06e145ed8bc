import ArgumentParser

/// `pwctl ingest` (stub until implemented).
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest", abstract: "Not implemented yet.")

    func run() async throws {
        throw ValidationError("pwctl ingest is not implemented yet")
    }
}
