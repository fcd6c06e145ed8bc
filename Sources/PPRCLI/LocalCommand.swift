import ArgumentParser
import Foundation
import Logging
import PPRObservability
import PPRService

/// `powerwalkd local`: a coordinator and N shards in one process, for a laptop, the tests and the quickstart.
struct LocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local",
        abstract: "Run the coordinator and N shard workers in one process (all-in-one).",
        discussion: """
            Shard i listens on inproc://powerwalk-localDATA-DIR/shard-i (NNG's in-process transport: no \
            socket file; with --shard-transport ipc, on ipc://DATA-DIR/shard-i.ipc) and stores its fingerprints \
            in DATA-DIR/shard-i; the coordinator keeps jobs and the active index version in DATA-DIR/coordinator; \
            batch jobs read and write files only in --job-files-dir (default DATA-DIR/jobs), named relative to \
            it. The code paths are the cluster's. Build an index with `pwctl index --wait`. SIGTERM or SIGINT stops \
            as `powerwalkd coordinator` does (in-flight requests answer first). --metrics-listen (or \
            POWERWALK_METRICS_LISTEN) serves /metrics, /healthz and /readyz.
            """
    )

    @Option(name: .long, help: "Graph file written by `pwctl ingest`.")
    var graph: String

    @Option(name: .customLong("data-dir"), help: "Directory for the shards' stores, sockets and coordinator data.")
    var dataDir: String

    @Option(name: .long, help: "Number of shards.")
    var shards: Int

    @Option(name: .long, help: "NNG URL to serve clients on.")
    var listen: String = "tcp://127.0.0.1:7400"

    @Option(name: .long, help: "Walk threads per index build (0 = all cores).")
    var threads: Int = 0

    @Option(
        name: .customLong("job-files-dir"),
        help: "Directory batch jobs read and write files in, named relative to it (default: DATA-DIR/jobs).")
    var jobFilesDir: String?

    @Option(
        name: .customLong("shard-transport"),
        help: "How the shards and the coordinator talk: inproc (NNG in-process, default) or ipc (socket files).")
    var shardTransport = ShardTransport.inproc.rawValue

    @Flag(name: .long, help: ListenCheck.insecureHelp)
    var insecure = false

    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        do {
            _ = try ServiceConfig.local(
                graph: graph, dataDirectory: dataDir, shardCount: shards, listen: listen, threads: threads,
                jobFilesDirectory: jobFilesDir, shardTransport: ShardTransport(named: shardTransport))
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let logger = DaemonLifecycle.bootstrap(daemon, label: "powerwalk.local")
        let signals = ShutdownSignal()  // before anything slow, so an early SIGTERM is caught too
        var config = try ServiceConfig.local(
            graph: graph, dataDirectory: dataDir, shardCount: shards, listen: listen, threads: threads,
            jobFilesDirectory: jobFilesDir, shardTransport: ShardTransport(named: shardTransport))
        try ListenCheck.verify([("--listen", listen)], secured: false, insecure: insecure, logger: logger)
        // No config file here: the environment variable sets the listener unless the flag does.
        if let fromEnvironment = ProcessInfo.processInfo.environment["POWERWALK_METRICS_LISTEN"],
            !fromEnvironment.isEmpty
        {
            config.metrics.listen = fromEnvironment
        }
        daemon.apply(to: &config)
        DaemonLifecycle.bootstrapMetrics(config)
        let cluster = try await LocalCluster(config: config, softwareVersion: PowerWalkVersion.string, logger: logger)
        let probes: ProbeServer?
        do {
            probes = try await DaemonLifecycle.startProbes(
                config, logger: logger,
                refresh: { gauges in
                    await cluster.front.coordinator.refreshMetrics(gauges)
                    await cluster.worker.refreshMetrics(gauges)
                },
                readiness: { await cluster.front.readiness() })
        } catch {
            await cluster.shutdown()
            throw error
        }
        logger.notice(
            "powerwalk local serving",
            metadata: ["url": "\(cluster.url)", "shards": "\(shards)", "shardTransport": "\(shardTransport)"])
        let signal = await signals.wait()
        logger.notice("stopping", metadata: ["signal": "\(signal)"])
        let unanswered = await cluster.shutdown(grace: DaemonLifecycle.grace(config))
        if unanswered > 0 { logger.warning("grace period over: cancelled \(unanswered) requests in flight") }
        await probes?.shutdown()
    }
}
