import ArgumentParser
import Logging
import PPRObservability
import PPRService

/// `powerwalkd worker`: serves one or more shards of the config's cluster until SIGTERM or SIGINT.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Serve fingerprint shards: combine requests and index tasks from the coordinator.",
        discussion: """
            Each shard is served at the URL of its replica in the config (shards.I.replicas.R.url) from the \
            store in that replica's dataDir. Logs go to stderr. SIGTERM or SIGINT refuses new requests, lets \
            those in flight answer (up to shutdown.gracePeriodMillis), cancels a running index build (the \
            active index is untouched) and exits 0. With metrics.listen (or --metrics-listen) it serves \
            /metrics, /healthz and /readyz (ready when every shard served has an active index version).
            """
    )

    @Option(name: .long, help: "Cluster config file (YAML; POWERWALK_* environment variables override it).")
    var config: String

    @Option(name: .customLong("shard"), help: "Shard to serve (repeat for several).")
    var shards: [Int] = []

    @Option(name: .long, help: "Which replica of each shard this process is (index into its replica list).")
    var replica: Int = 0

    @Option(name: .long, help: "Requests each shard serves at once.")
    var contexts: Int = 8

    @Flag(name: .long, help: ListenCheck.insecureHelp)
    var insecure = false

    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        guard !shards.isEmpty else { throw ValidationError("give at least one --shard") }
        if let negative = shards.first(where: { $0 < 0 }) {
            throw ValidationError("--shard must be a shard number ≥ 0, not \(negative)")
        }
        guard replica >= 0 else { throw ValidationError("--replica must be ≥ 0, not \(replica)") }
        guard contexts >= 1, contexts <= 1024 else { throw ValidationError("--contexts must be in 1 ... 1024") }
    }

    func run() async throws {
        let logger = DaemonLifecycle.bootstrap(daemon, label: "powerwalk.worker")
        let signals = ShutdownSignal()  // before anything slow, so an early SIGTERM is caught too
        var serviceConfig = try ConfigLoader.load(path: config)
        daemon.apply(to: &serviceConfig)
        try ListenCheck.verify(
            shards.filter { $0 < serviceConfig.shards.count && replica < serviceConfig.shards[$0].replicas.count }.map {
                ("shards.\($0).replicas.\(replica).url", serviceConfig.shards[$0].replicas[replica].url)
            }, secured: serviceConfig.security != nil, insecure: insecure, logger: logger)
        DaemonLifecycle.bootstrapMetrics(serviceConfig)
        let gate = RequestGate(role: "worker")
        let worker = try Worker(
            config: serviceConfig, shards: shards, replica: replica,
            options: WorkerOptions(
                config: serviceConfig, contexts: contexts, workerVersion: PowerWalkVersion.string, gate: gate),
            logger: logger)
        let probes: ProbeServer?
        do {
            probes = try await DaemonLifecycle.startProbes(
                serviceConfig, logger: logger, refresh: { await worker.refreshMetrics($0) },
                readiness: { await worker.readiness() })
        } catch {
            await worker.shutdown()
            throw error
        }
        let signal = await signals.wait()
        logger.info("shutting down", metadata: ["signal": "\(signal)", "inFlight": "\(gate.inFlight)"])
        let unanswered = await gate.drain(within: DaemonLifecycle.grace(serviceConfig))
        if unanswered > 0 { logger.warning("grace period over: cancelling \(unanswered) requests in flight") }
        await worker.shutdown()
        await probes?.shutdown()
    }
}
