import ArgumentParser
import Logging
import PPRObservability
import PPRService
import PPRWire

/// `powerwalkd coordinator`: the client front of a cluster (queries, jobs, status) over NNG.
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Serve queries, jobs and cluster status, fanning out to the shards' workers.",
        discussion: """
            Reads the cluster config (shards, deadlines, limits); --listen overrides coordinator.listen. \
            When no index version is recorded, it adopts the workers' common active version. \
            SIGTERM or SIGINT refuses new requests, lets those in flight answer (up to \
            shutdown.gracePeriodMillis), stops a running job (FAILED "interrupted by a coordinator shutdown; \
            resubmit") and exits 0. With metrics.listen (or --metrics-listen) it serves /metrics, /healthz \
            and /readyz (ready when an index version is active and every shard serves it).
            """
    )

    @Option(name: .long, help: "Cluster config file (YAML).")
    var config: String

    @Option(name: .long, help: "NNG URL to serve clients on (overrides coordinator.listen).")
    var listen: String?

    @Flag(name: .long, help: ListenCheck.insecureHelp)
    var insecure = false

    @OptionGroup var daemon: DaemonOptions

    func run() async throws {
        let logger = DaemonLifecycle.bootstrap(daemon, label: "powerwalk.coordinator")
        let signals = ShutdownSignal()  // before anything slow, so an early SIGTERM is caught too
        var settings = try ConfigLoader.load(path: config)
        if let listen { settings.coordinator.listen = listen }
        daemon.apply(to: &settings)
        try ListenCheck.verify(
            [(listen == nil ? "coordinator.listen" : "--listen", settings.coordinator.listen)],
            secured: settings.security != nil, insecure: insecure, logger: logger)
        DaemonLifecycle.bootstrapMetrics(settings)
        let coordinator = try Coordinator.open(
            config: settings, softwareVersion: PowerWalkVersion.string, logger: logger)
        let server = try CoordinatorServer(coordinator)
        let probes: ProbeServer?
        do {
            try await coordinator.start()
            probes = try await DaemonLifecycle.startProbes(
                settings, logger: logger, refresh: { await coordinator.refreshMetrics($0) },
                readiness: { await server.readiness() })
        } catch {
            await server.shutdown()
            throw error
        }
        logger.notice("coordinator serving", metadata: ["url": "\(server.url)", "shards": "\(coordinator.shardCount)"])
        let signal = await signals.wait()
        logger.notice("stopping", metadata: ["signal": "\(signal)", "inFlight": "\(server.gate.inFlight)"])
        let unanswered = await server.shutdown(grace: DaemonLifecycle.grace(settings))
        if unanswered > 0 { logger.warning("grace period over: cancelled \(unanswered) requests in flight") }
        await probes?.shutdown()
    }
}
