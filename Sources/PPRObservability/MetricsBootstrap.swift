// MetricsBootstrap: the process's one Prometheus registry behind swift-metrics. `MetricsSystem.bootstrap`
// may be called only once per process, so `powerwalkd` calls `MetricsBootstrap.prometheus()`, which
// bootstraps on its first call and returns the same registry afterwards (several roles in one process,
// or a test calling it twice, are fine). Libraries and in-process tests that never call it get
// swift-metrics' no-op backend.
import CoreMetrics
import Prometheus
import Synchronization

/// The process-wide Prometheus registry that swift-metrics records into.
public enum MetricsBootstrap {
    private static let registry = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Latency buckets of every duration histogram (request handling, from 0.5 ms to 30 s).
    public static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
    ]

    /// Bootstraps swift-metrics with a Prometheus registry on the first call; returns that registry.
    public static func prometheus() -> PrometheusCollectorRegistry {
        registry.withLock { registry in
            if let registry { return registry }
            let made = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: made)
            factory.defaultDurationHistogramBuckets = durationBuckets
            MetricsSystem.bootstrap(factory)
            registry = made
            return made
        }
    }

    /// The registry's metrics in Prometheus text format.
    public static func exposition(_ registry: PrometheusCollectorRegistry) -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 << 10)
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
