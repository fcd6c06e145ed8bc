import Foundation
import PPRCore
import PPRService
import PPRWire
import Testing

@testable import PPRCLI

/// `--json` keys are snake_case everywhere; `ingest` and local `index` also print their old camelCase keys,
/// as deprecated aliases, for one release.
@Suite struct JSONKeysTests {
    private func object(_ line: String) throws -> [String: Any] {
        #expect(!line.contains("\n"))
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    /// Every key of `value` and of the objects inside it.
    private func keys(_ value: Any) -> [String] {
        switch value {
        case let object as [String: Any]: object.keys.sorted() + object.values.flatMap(keys)
        case let array as [Any]: array.flatMap(keys)
        default: []
        }
    }

    private func isSnakeCase(_ key: String) -> Bool {
        !key.isEmpty && key.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }
    }

    @Test func ingestPrintsSnakeCaseKeysAndTheOldKeysAsAliases() throws {
        let report = IngestReport(
            vertices: 5, edges: 9, dangling: 1, selfLoops: 2, duplicates: 3, weighted: true,
            checksum: "0x00000000000000ab",
            output: "/data/g.pwg", seconds: 0.12345)
        let line = try report.json()
        let json = try object(line)
        #expect(json["self_loops"] as? Int == 2)
        #expect(json["selfLoops"] as? Int == 2)  // deprecated alias
        #expect(json["vertices"] as? Int == 5 && json["edges"] as? Int == 9 && json["dangling"] as? Int == 1)
        #expect(json["duplicates"] as? Int == 3 && json["checksum"] as? String == "0x00000000000000ab")
        #expect(json["output"] as? String == "/data/g.pwg")
        #expect(json["weighted"] as? Bool == true)
        #expect(
            Set(json.keys) == [
                "checksum", "dangling", "duplicates", "edges", "output", "seconds", "selfLoops",
                "self_loops", "vertices", "weighted",
            ])
        // One line, keys sorted, numbers as JSONEncoder prints them (integers stay integers).
        #expect(
            line == #"{"checksum":"0x00000000000000ab","dangling":1,"duplicates":3,"edges":9,"output":"/data/g.pwg","#
                + #""seconds":0.123,"selfLoops":2,"self_loops":2,"vertices":5,"weighted":true}"#)
    }

    @Test func localIndexPrintsSnakeCaseKeysAndTheOldKeysAsAliases() throws {
        let build = LocalIndex.BuildReport(
            version: 4, vertexCount: 100,
            walkParameters: WalkParameters(restartProbability: 0.2, walksPerVertex: 16, maxWalkLength: 50, seed: 9),
            threadCount: 2, seconds: 0.5, walkSteps: 1_000_000, entryCount: 4_000, bytesPerVertex: 12.5)
        let json = try object(try IndexReport(report: build, store: "/s", storeBytes: 65_536).json())
        let renamed: [(String, String, Double)] = [
            ("max_length", "maxLength", 50), ("walk_steps", "walkSteps", 1_000_000),
            ("steps_per_second_per_thread", "stepsPerSecondPerThread", 1_000_000),
            ("bytes_per_vertex", "bytesPerVertex", 12.5),
            ("store_bytes", "storeBytes", 65_536),
        ]
        for (key, alias, value) in renamed {
            #expect((json[key] as? NSNumber)?.doubleValue == value, "\(key)")
            #expect((json[alias] as? NSNumber)?.doubleValue == value, "\(alias)")
        }
        #expect(json["version"] as? Int == 4 && json["walks"] as? Int == 16 && json["seed"] as? Int == 9)
        #expect(json.keys.filter { !isSnakeCase($0) }.sorted() == renamed.map(\.1).sorted())
    }

    @Test func queryJobAndStatusOutputsHaveOnlySnakeCaseKeys() throws {
        let query = QueryOutput(
            wire: QueryResponse(
                results: [RankedVertex(VertexID(3), score: 0.5)], fingerprintsUsed: 9, flowPushed: 0.5,
                verticesExpanded: 4, levels: 2, elapsed: .microseconds(1500), indexVersion: 3))
        let job = JobOutput(
            JobRecord(
                id: 1, spec: .index(IndexJobParams(walksPerVertex: 8, maxWalkLength: 40, seed: 5, threads: 1)),
                state: .failed, createdUnixMicros: 1, startedUnixMicros: 2, finishedUnixMicros: 3,
                error: WireError(.unavailable, "shard 1"), result: JobResult(indexVersion: 2)))
        let status = StatusOutput(
            ClusterStatus(
                shards: [
                    ShardStatus(
                        shard: ShardID(0), workerURL: "tcp://w0:1", state: .serving, activeVersion: 2,
                        manifest: ManifestSummary(
                            graphChecksum: 1, walk: WalkParameters(walksPerVertex: 4), encodingVersion: 1,
                            fingerprintCount: 5, indexVersion: 2),
                        replicas: [ReplicaStatus(replica: 0, url: "tcp://w0:1", state: .indexing, progressTotal: 3)])
                ], coordinatorVersion: "x", graph: GraphSummary(path: "/g", vertexCount: 1, edgeCount: 1, checksum: 1),
                activeIndexVersion: 2))
        for line in [try query.json(), try job.json(), try status.json(), try JSONOutput.string(["jobs": [job]])] {
            let all = keys(try object(line))
            #expect(all.count > 3)
            #expect(all.filter { !isSnakeCase($0) } == [], "\(line)")
        }
    }
}
