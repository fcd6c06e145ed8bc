import ArgumentParser

/// `pwctl exact` (stub until implemented).
struct ExactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exact", abstract: "Not implemented yet.")

    func run() async throws {
        throw ValidationError("pwctl exact is not implemented yet")
    }
}
