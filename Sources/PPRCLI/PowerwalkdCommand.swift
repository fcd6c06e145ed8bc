import ArgumentParser

/// `powerwalkd`: the daemon (worker, coordinator, all-in-one).
public struct PowerwalkdCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "powerwalkd",
        abstract: "The PowerWalk daemon: sharded fingerprint workers and the query coordinator.",
        version: PowerWalkVersion.string,
        subcommands: [
            WorkerCommand.self,
            CoordinatorCommand.self,
            LocalCommand.self,
        ]
    )

    public init() {}
}

/// The version both binaries report.
public enum PowerWalkVersion {
    public static let string = "0.1.0"
}
