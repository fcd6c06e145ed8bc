// Opening a coordinator from its configuration alone: the graph file and the job ledger it names. The
// daemon (`powerwalkd coordinator`) and the all-in-one cluster open it the same way.
import Logging
import PPRStorage

extension Coordinator {
    /// Loads `config.graph`, opens the job ledger in `config.coordinator.dataDir` and makes the
    /// coordinator (not started: call `start()` before serving).
    ///
    /// - Throws: `GraphFileError`, `JobLedgerError` or the coordinator's `WireError`.
    public static func open(
        config: ServiceConfig, softwareVersion: String,
        logger: Logger = Logger(label: "powerwalk.coordinator", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws -> Coordinator {
        let graph = try GraphFile.load(config.graph)
        let ledger = try JobLedger(directory: config.coordinator.dataDir)
        return try Coordinator(
            config: config, graph: graph, ledger: ledger, softwareVersion: softwareVersion, logger: logger)
    }
}
