import Foundation
import PPRCore
import Yams

/// Reads a `ServiceConfig` from YAML text and the environment.
///
/// The YAML tree is flattened to dotted key paths (`coordinator.listen`, `shards.0.replicas.1.url`); each
/// key can be overridden by the environment variable named `POWERWALK_` + the path upper-cased with dots
/// as underscores (`POWERWALK_COORDINATOR_LISTEN`, `POWERWALK_SHARDS_0_REPLICAS_1_URL`). Unknown keys are
/// an error (a typo must not silently fall back to a default), and so is a value of the wrong type; both
/// messages name the key.
public struct ConfigLoader {
    private var values: [String: String]
    private var used: Set<String> = []
    private let origin: String
    /// The `POWERWALK_*` variable that set a key, so an error blames the variable, not the file.
    private var fromEnvironment: [String: String] = [:]

    /// Parses YAML `text`; `origin` (a path) appears in error messages.
    public init(yaml text: String, origin: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigError)
    {
        self.origin = origin
        let tree: Any?
        do { tree = try Yams.load(yaml: text) } catch { throw .unreadable(origin, "\(error)") }
        var flat: [String: String] = [:]
        if let tree { Self.flatten(tree, prefix: "", into: &flat) }
        values = flat
        for (name, value) in environment where name.hasPrefix("POWERWALK_") {
            if let key = Self.keyPath(forEnvironmentName: name, known: flat) {
                values[key] = value
                fromEnvironment[key] = name
            }
        }
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigError) -> ServiceConfig
    {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw .unreadable(path, "cannot read the file") }
        var loader = try ConfigLoader(yaml: text, origin: path, environment: environment)
        return try loader.serviceConfig()
    }

    /// Builds the configuration, applying defaults for absent keys.
    public mutating func serviceConfig() throws(ConfigError) -> ServiceConfig {
        guard let graph = string("graph") else { throw .missing(origin, "graph") }
        var shards: [ShardConfig] = []
        while values.keys.contains(where: { $0.hasPrefix("shards.\(shards.count).") }) {
            var replicas: [ReplicaConfig] = []
            let shard = "shards.\(shards.count).replicas"
            while let url = string("\(shard).\(replicas.count).url") {
                guard let dataDir = string("\(shard).\(replicas.count).dataDir") else {
                    throw .missing(origin, "\(shard).\(replicas.count).dataDir")
                }
                replicas.append(ReplicaConfig(url: url, dataDir: dataDir))
            }
            guard !replicas.isEmpty else { throw .missing(origin, "\(shard).0.url") }
            shards.append(ShardConfig(replicas: replicas))
        }
        guard !shards.isEmpty else { throw .missing(origin, "shards") }

        var config = ServiceConfig(graph: graph, shards: shards)
        config.coordinator.listen = string("coordinator.listen") ?? config.coordinator.listen
        config.coordinator.dataDir = string("coordinator.dataDir") ?? config.coordinator.dataDir
        config.coordinator.concurrency = try int("coordinator.concurrency", min: 1) ?? config.coordinator.concurrency
        config.coordinator.queryHelpers =
            try int("coordinator.queryHelpers", min: 0, max: EngineLimits.queryThreads.upperBound - 1)
            ?? config.coordinator.queryHelpers
        if let name = string("coordinator.stepHelpers") {
            guard let policy = StepHelperPolicy(rawValue: name) else {
                throw invalid("coordinator.stepHelpers", name, "one of \(StepHelperPolicy.names)")
            }
            config.coordinator.stepHelpers = policy
        }
        if let name = string("coordinator.replyPrecision") {
            guard let precision = ReplyPrecision(rawValue: name) else {
                throw invalid("coordinator.replyPrecision", name, "one of \(ReplyPrecision.names)")
            }
            config.coordinator.replyPrecision = precision
        }
        if let jobFilesDir = string("coordinator.jobFilesDir") {
            guard !jobFilesDir.isEmpty else {
                throw invalid("coordinator.jobFilesDir", "", "a directory path")
            }
            config.coordinator.jobFilesDir = jobFilesDir
        }
        // The same ranges as index jobs and queries enforce, so a bad default fails at start, not per request.
        config.index.walks = try int("index.walks", in: EngineLimits.walksPerVertex) ?? config.index.walks
        config.index.maxLength = try int("index.maxLength", in: EngineLimits.maxWalkLength) ?? config.index.maxLength
        config.index.alpha =
            try double("index.alpha", where: { EngineLimits.isValidAlpha($0) }, "a number between 0 and 1 (exclusive)")
            ?? config.index.alpha
        config.index.seed = try uint64("index.seed") ?? config.index.seed
        config.index.threads =
            try int("index.threads", in: EngineLimits.indexThreads) ?? config.index.threads
        config.query.topK = try int("query.topK", in: EngineLimits.topK) ?? config.query.topK
        if let name = string("query.accuracy") {
            guard let preset = AccuracyPreset(name: name) else {
                throw invalid("query.accuracy", name, "one of \(AccuracyPreset.names)")
            }
            config.query.accuracy = preset
            config.query.eps = preset.eps
            config.query.maxLevels = preset.maxLevels
        }
        config.query.eps =
            try double("query.eps", where: { EngineLimits.isValidEps($0) }, "a number ≥ 0") ?? config.query.eps
        config.query.maxLevels = try int("query.maxLevels", in: EngineLimits.maxLevels) ?? config.query.maxLevels
        config.deadlines.combineMillis = try int("deadlines.combineMillis", min: 1) ?? config.deadlines.combineMillis
        config.deadlines.controlMillis = try int("deadlines.controlMillis", min: 1) ?? config.deadlines.controlMillis
        config.deadlines.healthProbeMillis =
            try int("deadlines.healthProbeMillis", min: 10, max: 60_000) ?? config.deadlines.healthProbeMillis
        config.limits.maxRequestBytes = try int("limits.maxRequestBytes", min: 1024) ?? config.limits.maxRequestBytes
        config.limits.mapSizeBytes = try int("limits.mapSizeBytes", min: 1 << 20) ?? config.limits.mapSizeBytes
        config.limits.residentFingerprintBytes =
            try int("limits.residentFingerprintBytes", min: 0) ?? config.limits.residentFingerprintBytes
        config.limits.combineEntries = try int("limits.combineEntries", min: 1) ?? config.limits.combineEntries
        config.limits.maxFrontRequestBytes =
            try int("limits.maxFrontRequestBytes", min: 1024) ?? config.limits.maxFrontRequestBytes
        config.limits.maxConnections = try int("limits.maxConnections", min: 1) ?? config.limits.maxConnections
        config.limits.idleConnectionMillis =
            try int("limits.idleConnectionMillis", min: 100) ?? config.limits.idleConnectionMillis
        config.limits.maxReplyEntries =
            try int("limits.maxReplyEntries", min: EngineLimits.topK.upperBound) ?? config.limits.maxReplyEntries
        config.metrics.listen = string("metrics.listen").flatMap { $0.isEmpty ? nil : $0 }
        config.shutdown.gracePeriodMillis =
            try int("shutdown.gracePeriodMillis", min: 0, max: ShutdownConfig.maxGracePeriodMillis)
            ?? config.shutdown.gracePeriodMillis
        config.security = try securityConfig()
        try config.checkTransportSecurity(origin: origin)

        if let unknown = values.keys.filter({ !used.contains($0) }).sorted().first {
            throw .unknownKey(origin, unknown)
        }
        return config
    }

    /// The `security` section: absent, or with all of caFile, certFile and keyFile.
    private mutating func securityConfig() throws(ConfigError) -> SecurityConfig? {
        let files = SecurityConfig.keys.map { string($0) }
        guard files.contains(where: { $0 != nil }) else { return nil }
        for (key, value) in zip(SecurityConfig.keys.prefix(3), files) where value == nil {
            throw .missing(origin, key)
        }
        for (key, value) in zip(SecurityConfig.keys, files) where value?.isEmpty == true {
            throw invalid(key, "", "a file path")
        }
        return SecurityConfig(
            caFile: files[0]!, certFile: files[1]!, keyFile: files[2]!, clientCaFile: files[3], tokensFile: files[4])
    }

    /// `key`'s value is not usable: blamed on the environment variable that set it, else on the file.
    private func invalid(_ key: String, _ value: String, _ expected: String) -> ConfigError {
        if let variable = fromEnvironment[key] { return .invalidEnvironment(variable, key, value, expected) }
        return .invalid(origin, key, value, expected)
    }

    private mutating func string(_ key: String) -> String? {
        guard let value = values[key] else { return nil }
        used.insert(key)
        return value
    }

    private mutating func int(_ key: String, min: Int, max: Int? = nil) throws(ConfigError) -> Int? {
        guard let text = string(key) else { return nil }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")), value >= min, value <= max ?? .max else {
            throw invalid(key, text, max.map { "an integer in \(min) ... \($0)" } ?? "an integer ≥ \(min)")
        }
        return value
    }

    private mutating func int(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        try int(key, min: range.lowerBound, max: range.upperBound)
    }

    private mutating func uint64(_ key: String) throws(ConfigError) -> UInt64? {
        guard let text = string(key) else { return nil }
        guard let value = UInt64(text) else { throw invalid(key, text, "an unsigned 64-bit integer") }
        return value
    }

    private mutating func double(
        _ key: String, where isValid: (Double) -> Bool, _ expected: String
    ) throws(ConfigError) -> Double? {
        guard let text = string(key) else { return nil }
        guard let value = Double(text), value.isFinite, isValid(value) else {
            throw invalid(key, text, expected)
        }
        return value
    }

    private static func flatten(_ node: Any, prefix: String, into flat: inout [String: String]) {
        let join = { (key: String) in prefix.isEmpty ? key : "\(prefix).\(key)" }
        if let map = node as? [String: Any] {
            for (key, child) in map { flatten(child, prefix: join(key), into: &flat) }
        } else if let list = node as? [Any] {
            for (i, child) in list.enumerated() { flatten(child, prefix: join(String(i)), into: &flat) }
        } else {
            flat[prefix] = "\(node)"
        }
    }

    /// `POWERWALK_INDEX_MAXLENGTH` → `index.maxLength`, matched against the keys the loader knows.
    ///
    /// Other `POWERWALK_*` variables are ignored rather than refused: orchestrators inject their own
    /// (Kubernetes adds `POWERWALK_COORDINATOR_SERVICE_HOST` for a Service of that name).
    private static func keyPath(forEnvironmentName name: String, known: [String: String]) -> String? {
        let wanted = String(name.dropFirst("POWERWALK_".count))
        return Set(known.keys).union(ServiceConfig.scalarKeys).first { environmentName(for: $0) == wanted }
    }

    /// The environment variable that overrides `key`, without the `POWERWALK_` prefix.
    static func environmentName(for key: String) -> String {
        key.uppercased().replacingOccurrences(of: ".", with: "_")
    }
}

extension ServiceConfig {
    /// Keys outside the shard list, so the environment can set them even when the file does not.
    static let scalarKeys: Set<String> = Set<String>([
        "graph", "coordinator.listen", "coordinator.dataDir", "coordinator.concurrency", "coordinator.jobFilesDir",
        "coordinator.queryHelpers", "coordinator.stepHelpers",
        "coordinator.replyPrecision", "index.walks",
        "index.maxLength", "index.alpha", "index.seed", "index.threads", "query.topK", "query.accuracy", "query.eps",
        "query.maxLevels", "deadlines.combineMillis", "deadlines.controlMillis", "deadlines.healthProbeMillis",
        "limits.maxRequestBytes", "limits.mapSizeBytes", "limits.residentFingerprintBytes", "limits.combineEntries",
        "limits.maxFrontRequestBytes", "limits.maxConnections", "limits.maxReplyEntries",
        "metrics.listen", "shutdown.gracePeriodMillis", "limits.idleConnectionMillis",
    ]).union(SecurityConfig.keys)
}

/// A configuration that cannot be used; every case names the file (or the environment variable) and the key.
public enum ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(String, String)
    case missing(String, String)
    case invalid(String, String, String, String)
    case unknownKey(String, String)
    /// A value set by an environment variable (variable, key, value, expected).
    case invalidEnvironment(String, String, String, String)

    public var description: String {
        switch self {
        case .unreadable(let file, let why): "config \(file): unreadable: \(why)"
        case .missing(let file, let key): "config \(file): missing required key '\(key)'"
        case .invalid(let file, let key, let value, let expected):
            "config \(file): key '\(key)' has value '\(value)', expected \(expected)"
        case .invalidEnvironment(let variable, let key, let value, let expected):
            "environment variable \(variable) (config key '\(key)') has value '\(value)', expected \(expected)"
        case .unknownKey(let file, let key):
            "config \(file): unknown key '\(key)' (see config/README.md for the keys)"
        }
    }
}
