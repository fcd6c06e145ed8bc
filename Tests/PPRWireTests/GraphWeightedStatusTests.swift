import PPRCore
import PPRWire
import Testing

/// Decodes `response` after encoding it.
private func roundTrip(_ response: WireResponse, method: WireMethod) throws -> WireResponse {
    try WireCodec.decodeResponse(
        WireCodec.encode(WireResponseEnvelope(method: method, requestID: 4, response: response))
    ).response
}

private func manifest(weighted: Bool) -> ManifestSummary {
    ManifestSummary(
        graphChecksum: 77,
        walk: WalkParameters(restartProbability: 0.15, walksPerVertex: 8, maxWalkLength: 50, seed: 3),
        encodingVersion: 1, fingerprintCount: 9, indexVersion: 3, graphWeighted: weighted)
}

/// `ClusterStatus.graph_weighted` (25) carries `GraphSummary.weighted`, and `ShardStatus.manifest_graph_weighted`
/// (20) the shard manifest's `graphWeighted`, both ways.
@Test(arguments: [true, false])
func clusterStatusCarriesWhetherTheGraphIsWeighted(weighted: Bool) throws {
    let status = ClusterStatus(
        shards: [
            ShardStatus(
                shard: ShardID(0), workerURL: "tcp://w:1", state: .serving, activeVersion: 3,
                manifest: manifest(weighted: !weighted))
        ],
        coordinatorVersion: "0.1.0",
        graph: GraphSummary(path: "/g.pwg", vertexCount: 9, edgeCount: 12, checksum: 77, weighted: weighted),
        activeIndexVersion: 3)
    guard case .clusterStatus(let back) = try roundTrip(.clusterStatus(status), method: .clusterStatus) else {
        Issue.record("not a cluster status")
        return
    }
    #expect(back == status)
    #expect(back.graph?.weighted == weighted)
    #expect(back.shards.first?.manifest?.graphWeighted == !weighted)
}

/// `WorkerHealth.manifest_graph_weighted` (20) carries the active manifest's `graphWeighted`.
@Test(arguments: [true, false])
func workerHealthCarriesWhetherTheIndexedGraphIsWeighted(weighted: Bool) throws {
    let health = WorkerHealth(shards: [ShardID(0)], activeVersion: 3, manifest: manifest(weighted: weighted))
    guard case .workerHealth(let back) = try roundTrip(.workerHealth(health), method: .workerHealth) else {
        Issue.record("not a worker health")
        return
    }
    #expect(back == health)
    #expect(back.manifest?.graphWeighted == weighted)
}
