import PPRWire
import Testing

/// `ClusterStatus.graph_weighted` (field 25) carries `GraphSummary.weighted` both ways.
@Test(arguments: [true, false])
func clusterStatusCarriesWhetherTheGraphIsWeighted(weighted: Bool) throws {
    let status = ClusterStatus(
        shards: [], coordinatorVersion: "0.1.0",
        graph: GraphSummary(path: "/g.pwg", vertexCount: 9, edgeCount: 12, checksum: 77, weighted: weighted),
        activeIndexVersion: 3)
    let bytes = WireCodec.encode(
        WireResponseEnvelope(method: .clusterStatus, requestID: 4, response: .clusterStatus(status)))
    let decoded = try WireCodec.decodeResponse(bytes)
    guard case .clusterStatus(let back) = decoded.response else {
        Issue.record("decoded \(decoded.response)")
        return
    }
    #expect(back == status)
    #expect(back.graph?.weighted == weighted)
}
