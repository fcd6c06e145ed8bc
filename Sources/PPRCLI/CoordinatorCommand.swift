import ArgumentParser
import Logging
import PPRService
import PPRStorage
import PPRWire

/// `powerwalkd coordinator`: the client front of a cluster (queries, jobs, status) over NNG.
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Serve queries, jobs and cluster status, fanning out to the shards' workers.",
        discussion: """
            Reads the cluster config (shards, deadlines, limits); --listen overrides coordinator.listen. \
            When no index version is recorded, it adopts the workers' common active version. \
            Stops cleanly on SIGTERM or SIGINT.
            """
    )

    @Option(name: .long, help: "Cluster config file (YAML).")
    var config: String

    @Option(name: .long, help: "NNG URL to serve clients on (overrides coordinator.listen).")
    var listen: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Flag(name: .long, help: ListenCheck.insecureHelp)
    var insecure = false

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level: unknown level '\(logLevel)'")
        }
    }

    func run() async throws {
        let signals = ShutdownSignal()  // before anything slow, so an early SIGTERM is caught too
        var settings = try ConfigLoader.load(path: config)
        if let listen { settings.coordinator.listen = listen }
        let logger = Self.makeLogger(label: "powerwalk.coordinator", level: logLevel)
        try ListenCheck.verify(
            [(listen == nil ? "coordinator.listen" : "--listen", settings.coordinator.listen)],
            secured: settings.security != nil, insecure: insecure, logger: logger)
        let graph = try GraphFile.load(settings.graph)
        let ledger = try JobLedger(directory: settings.coordinator.dataDir)
        let coordinator = try Coordinator(
            config: settings, graph: graph, ledger: ledger, softwareVersion: PowerWalkVersion.string, logger: logger)
        let server = try CoordinatorServer(coordinator)
        try await coordinator.start()
        logger.notice("coordinator serving", metadata: ["url": "\(server.url)", "shards": "\(coordinator.shardCount)"])
        let signal = await signals.wait()
        logger.notice("stopping", metadata: ["signal": "\(signal)"])
        await server.shutdown()
    }
}

extension CoordinatorCommand {
    /// A logger writing lines on stderr at `level` (shared with `powerwalkd local`).
    static func makeLogger(label: String, level: String) -> Logger {
        var logger = Logger(label: label, factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }
}
