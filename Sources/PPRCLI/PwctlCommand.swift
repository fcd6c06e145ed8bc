import ArgumentParser

/// `pwctl`: the operator CLI. Engine commands run in-process on local files.
public struct PwctlCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pwctl",
        abstract: "Operate PowerWalk: ingest graphs, build fingerprint indexes, answer PPR queries.",
        version: PowerWalkVersion.string,
        subcommands: [
            IngestCommand.self,
            IndexCommand.self,
            QueryCommand.self,
            ExactCommand.self,
        ]
    )

    public init() {}
}
