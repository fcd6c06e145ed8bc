import ArgumentParser
import PPRCore
import PPRWire

/// `pwctl status`: the cluster as the coordinator sees it.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Show the cluster: graph, active index version, every shard's and replica's state, version and manifest."
    )

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    @OptionGroup var coordinator: CoordinatorOptions

    func run() async throws {
        try await ClientFailure.reporting {
            let output = StatusOutput(try await coordinator.client().status())
            print(json ? try output.json() : output.text())
        }
    }
}

/// A cluster status as pwctl prints it (JSON keys in snake case; checksums as 0x-prefixed hex).
struct StatusOutput: Codable, Equatable {
    struct Graph: Codable, Equatable {
        var path: String
        var vertices: Int
        var edges: Int
        var checksum: String
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

        enum CodingKeys: String, CodingKey {
            case graphChecksum = "graph_checksum", alpha, walks, maxLength = "max_length", seed
            case encodingVersion = "encoding_version", fingerprints, indexVersion = "index_version"
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
                checksum: GraphFileFormat.hex($0.checksum))
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
            encodingVersion: m.encodingVersion, fingerprints: m.fingerprintCount, indexVersion: m.indexVersion)
    }

    /// One line of JSON.
    func json() throws -> String { try JSONOutput.string(self) }

    /// `Label: value` lines, then one line per shard, each followed by one line per replica.
    func text() -> String {
        var rows: [(String, String)] = [
            ("Coordinator", coordinatorVersion), ("Index version", "\(activeIndexVersion)"),
        ]
        if let graph {
            let counts = "\(graph.vertices) vertices, \(graph.edges) edges, \(graph.checksum)"
            rows.append(("Graph", "\(graph.path) (\(counts))"))
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
