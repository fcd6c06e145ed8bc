import Foundation
import PPRCore
import PPRWire
import Testing

@testable import PPRCLI

/// `pwctl status` prints whether the cluster's graph is weighted, as text and as JSON (`graph.weighted`).
@Test(arguments: [true, false])
func statusPrintsWhetherTheGraphIsWeighted(weighted: Bool) throws {
    let manifest = ManifestSummary(
        graphChecksum: 0xABCD,
        walk: WalkParameters(restartProbability: 0.15, walksPerVertex: 4, maxWalkLength: 9, seed: 1),
        encodingVersion: 1, fingerprintCount: 5, indexVersion: 1, graphWeighted: weighted)
    let status = ClusterStatus(
        shards: [
            ShardStatus(
                shard: ShardID(0), workerURL: "tcp://w:1", state: .serving, activeVersion: 1, manifest: manifest)
        ],
        coordinatorVersion: "0.1.0",
        graph: GraphSummary(path: "/g.pwg", vertexCount: 5, edgeCount: 9, checksum: 0xABCD, weighted: weighted),
        activeIndexVersion: 1)
    let output = StatusOutput(status)
    let lines = output.text().split(separator: "\n").map(String.init)
    #expect(
        lines.contains(weighted ? "Weighted:      yes (walks follow edge weights)" : "Weighted:      no"), "\(lines)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(try output.json().utf8)) as? [String: Any])
    let graph = try #require(json["graph"] as? [String: Any])
    #expect(graph["weighted"] as? Bool == weighted)
    let shards = try #require(json["shards"] as? [[String: Any]])
    let shardManifest = try #require(shards.first?["manifest"] as? [String: Any])
    #expect(shardManifest["graph_weighted"] as? Bool == weighted)
}

@Test func ingestReportPrintsWhetherTheGraphIsWeighted() throws {
    for weighted in [true, false] {
        let report = IngestReport(
            vertices: 3, edges: 4, dangling: 0, selfLoops: 1, duplicates: 2, weighted: weighted, checksum: "0x01",
            output: "/g.pwg", seconds: 0.5)
        #expect(report.text().contains("Weighted:   \(weighted ? "yes" : "no")\n"), "\(report.text())")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try report.json().utf8)) as? [String: Any])
        #expect(json["weighted"] as? Bool == weighted)
    }
}

@Test func ignoredColumnsGiveOneWarningLineNamingThem() {
    #expect(IngestCommand.ignoredColumnsWarning([], file: "e.csv", weighted: false) == nil)
    #expect(
        IngestCommand.ignoredColumnsWarning(["column \"weight\""], file: "e.csv", weighted: false)
            == "warning: e.csv: ignoring column \"weight\" (pass --weights to read edge weights)")
    #expect(
        IngestCommand.ignoredColumnsWarning(["column 4", "column 5"], file: "e.txt", weighted: true)
            == "warning: e.txt: ignoring column 4, column 5")
}
