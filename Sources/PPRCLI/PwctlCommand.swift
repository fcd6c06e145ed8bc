import ArgumentParser

/// `pwctl`: the operator CLI. Engine commands run in-process on local files; the others talk to the
/// coordinator (`--coordinator`, default `$PWCTL_COORDINATOR`, else tcp://127.0.0.1:7400).
public struct PwctlCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pwctl",
        abstract: "Operate PowerWalk: ingest graphs, build fingerprint indexes, answer PPR queries, run jobs.",
        discussion: """
            query and index run locally with --graph/--store, else against the coordinator given by \
            --coordinator URL (default: $PWCTL_COORDINATOR, else tcp://127.0.0.1:7400) with a deadline of \
            --timeout-ms per request. Failures print `error: CODE: message` on stderr. Exit codes: \
            0 success, 1 other failure, 2 invalid argument, 3 not found (vertex, job, file), \
            4 coordinator or worker unavailable or deadline exceeded, 5 a job followed with --wait failed \
            or was cancelled, 64 command-line usage error.
            """,
        version: PowerWalkVersion.string,
        subcommands: [
            IngestCommand.self,
            IndexCommand.self,
            QueryCommand.self,
            ExactCommand.self,
            BatchCommand.self,
            ExportCommand.self,
            EvaluateCommand.self,
            JobsCommand.self,
            StatusCommand.self,
        ]
    )

    public init() {}
}
