// DaemonLifecycle: what every `powerwalkd` role does around its serving: log format, the metrics and
// probe listener, and the graceful stop on SIGTERM/SIGINT.
//
// Order of a stop: new requests are refused (UNAVAILABLE "shutting down"), requests in flight get up to
// `shutdown.gracePeriodMillis` to answer, then the servers close, the job runner stops a running job at
// its next cancellation point (recorded FAILED "interrupted by a coordinator shutdown; resubmit"), index
// builds are cancelled (the active version is untouched), the probe listener closes, and the process
// exits 0.
import ArgumentParser
import Foundation
import Logging
import PPRObservability
import PPRService
import Prometheus

/// Flags shared by `powerwalkd worker|coordinator|local`.
struct DaemonOptions: ParsableArguments {
    @Option(name: .customLong("log-format"), help: "Log lines on stderr: text (default) or json (one object a line).")
    var logFormat: String = "text"

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(
        name: .customLong("metrics-listen"),
        help: "HOST:PORT for /metrics, /healthz and /readyz (overrides metrics.listen; empty = off).")
    var metricsListen: String?

    @Option(
        name: .customLong("shutdown-grace-millis"),
        help: "Longest wait for requests in flight on SIGTERM/SIGINT (overrides shutdown.gracePeriodMillis).")
    var shutdownGraceMillis: Int?

    func validate() throws {
        guard LogFormat(rawValue: logFormat) != nil else {
            throw ValidationError("--log-format must be text or json, not '\(logFormat)'")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--log-level must be one of \(levels), not '\(logLevel)'")
        }
        if let shutdownGraceMillis, !(0...ShutdownConfig.maxGracePeriodMillis).contains(shutdownGraceMillis) {
            throw ValidationError(
                "--shutdown-grace-millis must be in 0 ... \(ShutdownConfig.maxGracePeriodMillis), not \(shutdownGraceMillis)"
            )
        }
    }

    /// The format chosen (validated).
    var format: LogFormat { LogFormat(rawValue: logFormat) ?? .text }

    /// The level chosen (validated).
    var level: Logger.Level { Logger.Level(rawValue: logLevel) ?? .info }

    /// Applies the flags over the config's `metrics` and `shutdown` keys.
    func apply(to config: inout ServiceConfig) {
        if let metricsListen { config.metrics.listen = metricsListen.isEmpty ? nil : metricsListen }
        if let shutdownGraceMillis { config.shutdown.gracePeriodMillis = shutdownGraceMillis }
    }
}

/// One daemon process's observability and stop handling.
enum DaemonLifecycle {
    /// Sets the process's log format; returns a logger for `label` at the options' level. Call once, first
    /// thing in `run()` (swift-log's bootstrap is once per process).
    static func bootstrap(_ options: DaemonOptions, label: String) -> Logger {
        options.format.bootstrap()
        var logger = Logger(label: label)
        logger.logLevel = options.level
        return logger
    }

    /// When `config` has a metrics listener, records metrics into Prometheus from now on. Call after the
    /// config is known and before the roles are made (their metric handles are taken when they are
    /// made); without a listener metrics stay swift-metrics' no-ops and cost nothing.
    static func bootstrapMetrics(_ config: ServiceConfig) {
        if config.metrics.listen != nil { _ = MetricsBootstrap.prometheus() }
    }

    /// Starts the probe listener when `config.metrics.listen` is set.
    static func startProbes(
        _ config: ServiceConfig, logger: Logger, refresh: @escaping @Sendable (ScrapeGauges) async -> Void,
        readiness: @escaping @Sendable () async -> Readiness
    ) async throws -> ProbeServer? {
        guard let listen = config.metrics.listen else { return nil }
        let registry = MetricsBootstrap.prometheus()
        let gauges = ScrapeGauges()
        let handlers = ProbeHandlers(
            metrics: {
                await refresh(gauges)
                return MetricsBootstrap.exposition(registry)
            },
            readiness: {
                let answer = await readiness()
                return (answer.isReady, answer.reason)
            })
        return try await ProbeServer(listen: listen, handlers: handlers, logger: logger)
    }

    /// The grace period of `config` as a Duration.
    static func grace(_ config: ServiceConfig) -> Duration { .milliseconds(config.shutdown.gracePeriodMillis) }
}
