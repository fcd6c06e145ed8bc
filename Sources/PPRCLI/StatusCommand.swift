import ArgumentParser
import Foundation
import PPRCore
import PPRWire

/// `pwctl status`: the cluster as the coordinator sees it; exits 4 when it cannot serve.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Show the cluster: graph, active index version, every shard's and replica's state, version and manifest.",
        discussion: """
            Exits 0 when the cluster is ready, 4 when it is not (the status is still printed, and the reasons \
            go to stderr) or the coordinator does not answer. Ready for queries (the default): an index \
            version is active and every shard is reachable and serves it. Ready for index (--ready-for index): \
            every shard's worker answers, so an index job can run (what a first build waits for). \
            --wait-ready SECONDS polls every half second until ready, and exits 4 at the deadline.
            """
    )

    /// What "ready" means.
    enum Readiness: String, ExpressibleByArgument, CaseIterable {
        /// An active index version, and every shard reachable and serving it.
        case queries
        /// Every shard's worker reachable (an index job can run; no index needed yet).
        case index
    }

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    @Option(
        name: .customLong("wait-ready"),
        help: "Poll until the cluster is ready, for at most SECONDS; exit 4 if it is not ready by then.")
    var waitReady: Double?

    @Option(name: .customLong("ready-for"), help: "What ready means: queries (default) or index.")
    var readyFor: Readiness = .queries

    @OptionGroup var coordinator: CoordinatorOptions

    /// Time between two polls of `--wait-ready`.
    static let pollInterval: Duration = .milliseconds(500)

    /// The exit code of a cluster that is not ready (the same as UNAVAILABLE's).
    static let notReady = ClientFailure.exitStatus(for: .unavailable)

    func validate() throws {
        if let waitReady, !(waitReady.isFinite && waitReady >= 0 && waitReady <= 86_400) {
            throw ValidationError("--wait-ready must be a number of seconds in 0 ... 86400, not \(waitReady)")
        }
    }

    func run() async throws {
        try await ClientFailure.reporting {
            let verdict = try await check(client: try coordinator.client())
            print(json ? try verdict.output.json() : verdict.output.text())
            guard verdict.reasons.isEmpty else {
                FileHandle.standardError.write(Data("not ready: \(verdict.reasons.joined(separator: "; "))\n".utf8))
                throw Self.notReady
            }
        }
    }

    /// The last status and why it is not ready (empty: ready). Without `--wait-ready`, one call; with it,
    /// polls until ready or the deadline. Throws the last call's error if the coordinator never answered.
    func check(client: CoordinatorClient) async throws(WireError) -> (output: StatusOutput, reasons: [String]) {
        let clock = ContinuousClock()
        let end = waitReady.map { clock.now + .milliseconds(Int64(($0 * 1000).rounded())) }
        var last: (output: StatusOutput, reasons: [String])?
        while true {
            // Each call is bounded by --timeout-ms and by what is left of the wait.
            var bounded = client
            if let end {
                bounded = client.withDeadline(max(.milliseconds(1), min(client.deadline, end - clock.now)))
            }
            do throws(WireError) {
                let output = StatusOutput(try await bounded.status())
                let reasons = output.notReady(for: readyFor)
                if reasons.isEmpty { return (output, []) }
                last = (output, reasons)
            } catch {
                guard let end, clock.now < end else {
                    if let last { return last }
                    throw error
                }
            }
            guard let end, clock.now + Self.pollInterval < end else { break }
            try? await Task.sleep(for: Self.pollInterval)
        }
        if let last { return last }
        throw WireError(.unavailable, "the coordinator at \(client.url) did not answer pwctl status in time")
    }
}

/// A cluster status as pwctl prints it (JSON keys in snake case; checksums as 0x-prefixed hex).
struct StatusOutput: Codable, Equatable {
    struct Graph: Codable, Equatable {
        var path: String
        var vertices: Int
        var edges: Int
        var checksum: String
        /// Whether the graph carries edge weights.
        var weighted: Bool
    }

    struct Manifest: Codable, Equatable {
        var graphChecksum: String
        var alpha: Double
        var walks: Int
        var maxLength: Int
        var seed: UInt64
        var encodingVersion: Int
        var fingerprints: Int
        var indexVersion: UInt64
        /// Whether the index was built on a weighted graph.
        var graphWeighted: Bool

        enum CodingKeys: String, CodingKey {
            case graphChecksum = "graph_checksum", alpha, walks, maxLength = "max_length", seed
            case encodingVersion = "encoding_version", fingerprints, indexVersion = "index_version"
            case graphWeighted = "graph_weighted"
        }
    }

    struct Replica: Codable, Equatable {
        var replica: Int
        var url: String
        var state: String
        var activeVersion: UInt64
        var consecutiveFailures: Int
        var progressDone: Int?
        var progressTotal: Int?
        var detail: String?

        enum CodingKeys: String, CodingKey {
            case replica, url, state, activeVersion = "active_version", consecutiveFailures = "consecutive_failures"
            case progressDone = "progress_done", progressTotal = "progress_total", detail
        }
    }

    struct Shard: Codable, Equatable {
        var shard: Int
        var worker: String
        var state: String
        var activeVersion: UInt64
        var manifest: Manifest?
        var detail: String?
        /// Every replica, in config order (absent in replies of coordinators without replica status).
        var replicas: [Replica]?

        enum CodingKeys: String, CodingKey {
            case shard, worker, state, activeVersion = "active_version", manifest, detail, replicas
        }
    }

    var coordinatorVersion: String
    var activeIndexVersion: UInt64
    var graph: Graph?
    var shards: [Shard]

    enum CodingKeys: String, CodingKey {
        case coordinatorVersion = "coordinator_version", activeIndexVersion = "active_index_version", graph, shards
    }

    init(_ status: ClusterStatus) {
        coordinatorVersion = status.coordinatorVersion
        activeIndexVersion = status.activeIndexVersion
        graph = status.graph.map {
            Graph(
                path: $0.path, vertices: $0.vertexCount, edges: $0.edgeCount,
                checksum: GraphFileFormat.hex($0.checksum), weighted: $0.weighted)
        }
        shards = status.shards.map { shard in
            Shard(
                shard: shard.shard.rawValue, worker: shard.workerURL, state: Self.name(shard.state),
                activeVersion: shard.activeVersion, manifest: shard.manifest.map(Self.manifest),
                detail: shard.detail.isEmpty ? nil : shard.detail,
                replicas: shard.replicas.isEmpty ? nil : shard.replicas.map(Self.replica))
        }
    }

    private static func replica(_ r: ReplicaStatus) -> Replica {
        let building = r.progressTotal > 0
        return Replica(
            replica: r.replica, url: r.url, state: name(r.state), activeVersion: r.activeVersion,
            consecutiveFailures: r.consecutiveFailures, progressDone: building ? r.progressDone : nil,
            progressTotal: building ? r.progressTotal : nil, detail: r.detail.isEmpty ? nil : r.detail)
    }

    static func name(_ state: ReplicaState) -> String {
        switch state {
        case .serving: "serving"
        case .indexing: "indexing"
        case .lagging: "lagging"
        case .catchingUp: "catching-up"
        case .empty: "empty"
        case .unreachable: "unreachable"
        }
    }

    static func name(_ state: ShardState) -> String {
        switch state {
        case .serving: "serving"
        case .empty: "empty"
        case .indexing: "indexing"
        case .unreachable: "unreachable"
        }
    }

    private static func manifest(_ m: ManifestSummary) -> Manifest {
        Manifest(
            graphChecksum: GraphFileFormat.hex(m.graphChecksum), alpha: m.walk.restartProbability,
            walks: m.walk.walksPerVertex, maxLength: m.walk.maxWalkLength, seed: m.walk.seed,
            encodingVersion: m.encodingVersion, fingerprints: m.fingerprintCount, indexVersion: m.indexVersion,
            graphWeighted: m.graphWeighted)
    }

    /// One line of JSON.
    func json() throws -> String { try JSONOutput.string(self) }

    /// Why the cluster is not ready for `purpose` (empty: it is).
    ///
    /// Queries: an index version is active and every shard is reachable and reports it as its active one.
    /// Index: every shard's worker answers.
    func notReady(for purpose: StatusCommand.Readiness) -> [String] {
        var reasons: [String] = []
        if purpose == .queries, activeIndexVersion == 0 {
            reasons.append("no active index version (pwctl index --wait)")
        }
        for shard in shards {
            if shard.state == "unreachable" {
                reasons.append("shard \(shard.shard) is unreachable")
            } else if purpose == .queries, activeIndexVersion != 0, shard.activeVersion != activeIndexVersion {
                reasons.append(
                    shard.activeVersion == 0
                        ? "shard \(shard.shard) has no index"
                        : "shard \(shard.shard) serves version \(shard.activeVersion), not the active \(activeIndexVersion)"
                )
            }
        }
        if shards.isEmpty { reasons.append("the coordinator reports no shard") }
        return reasons
    }

    /// `Label: value` lines, then one line per shard, each followed by one line per replica.
    func text() -> String {
        var rows: [(String, String)] = [
            ("Coordinator", coordinatorVersion), ("Index version", "\(activeIndexVersion)"),
        ]
        if let graph {
            let counts = "\(graph.vertices) vertices, \(graph.edges) edges, \(graph.checksum)"
            rows.append(("Graph", "\(graph.path) (\(counts))"))
            rows.append(("Weighted", graph.weighted ? "yes (walks follow edge weights)" : "no"))
        } else {
            rows.append(("Graph", "none"))
        }
        if let manifest = shards.lazy.compactMap(\.manifest).first {
            let walks = "\(manifest.walks) walks, max length \(manifest.maxLength), seed \(manifest.seed)"
            rows.append(("Manifest", "alpha \(manifest.alpha), \(walks), encoding \(manifest.encodingVersion)"))
        }
        rows.append(("Shards", "\(shards.count) (\(shards.filter { $0.state == "serving" }.count) serving)"))
        let shardLines = shards.map { shard in
            var line = "  shard \(shard.shard)  \(shard.state)  version \(shard.activeVersion)  \(shard.worker)"
            if let fingerprints = shard.manifest?.fingerprints { line += "  \(fingerprints) fingerprints" }
            if let detail = shard.detail { line += "  (\(detail))" }
            return ([line] + (shard.replicas ?? []).map(Self.replicaLine)).joined(separator: "\n")
        }
        return ([LabeledLines.format(rows)] + shardLines).joined(separator: "\n")
    }

    /// `    replica 1  catching-up  version 0  tcp://…  40/100 vertices  (detail)`.
    private static func replicaLine(_ replica: Replica) -> String {
        var line = "    replica \(replica.replica)  \(replica.state)  version \(replica.activeVersion)  \(replica.url)"
        if let done = replica.progressDone, let total = replica.progressTotal { line += "  \(done)/\(total) vertices" }
        if replica.consecutiveFailures > 0 { line += "  \(replica.consecutiveFailures) failures" }
        if let detail = replica.detail { line += "  (\(detail))" }
        return line
    }
}
