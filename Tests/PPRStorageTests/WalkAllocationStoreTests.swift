import LMDB
import PPRCore
import Testing

@testable import PPRStorage

/// Stores built with walks per vertex that grow with the out-degree (`WalkAllocation`): the manifest records
/// the rule (schema 3), the index is the same whatever the thread and shard counts, and a store written
/// before the rule existed (manifest schema 2, uniform R) still answers correctly. On the committed
/// email-Eu-core fixture (hubs up to 13x the mean out-degree).
@Suite struct WalkAllocationStoreTests {
    let degreeRule = WalkParameters(
        restartProbability: 0.15, walksPerVertex: 16, maxWalkLength: 100, seed: 3,
        allocation: WalkAllocation(hubScale: 1, maxWalksPerVertex: 200))

    func emailGraph() throws -> CSRGraph {
        try EdgeListReader.ingest(try ingestFixture("email-Eu-core.txt")).graph
    }

    @Test func manifestRecordsTheAllocationAndOlderSchemasReadAsUniform() throws {
        var manifest = StoreManifest(graphChecksum: 0xABCD, vertexCount: 9, walkParameters: degreeRule)
        manifest.version = 4
        let bytes = manifest.encoded()
        #expect(bytes.count == StoreManifest.encodedByteCount)
        let decoded = try StoreManifest(decoding: bytes.span)
        #expect(decoded == manifest)
        #expect(decoded.walkParameters.allocation == WalkAllocation(hubScale: 1, maxWalksPerVertex: 200))
        // A schema 2 manifest (before walk allocations): the same fields, uniform R.
        var old = Array(bytes.prefix(StoreManifest.schema2ByteCount))
        old[4] = 2
        let uniform = try StoreManifest(decoding: old.span)
        #expect(uniform.walkParameters.allocation == .uniform)
        #expect(uniform.walkParameters.walksPerVertex == 16 && uniform.version == 4 && uniform.graphChecksum == 0xABCD)
        // A schema 3 manifest cut short, or with an allocation out of range, is refused.
        #expect(throws: StoreError.self) { try StoreManifest(decoding: Array(bytes.dropLast()).span) }
        var zeroWalks = bytes
        zeroWalks.replaceSubrange((bytes.count - 4)..., with: [0, 0, 0, 0])  // Rmax 0
        #expect(throws: StoreError.self) { try StoreManifest(decoding: zeroWalks.span) }
    }

    @Test func theIndexIsTheSameForAnyThreadAndShardCount() throws {
        let graph = try emailGraph()
        let budget = WalkBudget(parameters: degreeRule, graph: graph)
        var walker = FingerprintWalker(graph: graph, parameters: degreeRule)
        let expected = (0..<VertexIndex(graph.vertexCount)).map { walker.fingerprint(of: $0) }
        #expect(
            (0..<graph.vertexCount).contains { budget.walks(outDegree: graph.outDegree(VertexIndex($0))) == 200 })
        for (threads, shards) in [(1, 1), (2, 1), (2, 2), (1, 3)] {
            var union = [Fingerprint?](repeating: nil, count: graph.vertexCount)
            for shard in 0..<shards {
                try withTemporaryStore { store in
                    let report = try IndexBuilder(
                        graph: graph, graphChecksum: 7, parameters: degreeRule, shardIndex: shard, shardCount: shards,
                        threadCount: threads
                    ).build(into: store)
                    #expect(report.manifest.walkParameters == degreeRule)
                    let reader = try store.reader(
                        version: report.manifest.version, expecting: 7, restartProbability: 0.15)
                    #expect(reader.walkParameters.allocation == degreeRule.allocation)
                    for v in stride(from: shard, to: graph.vertexCount, by: shards) {
                        union[v] = try reader.fingerprint(of: VertexIndex(v))
                    }
                }
            }
            #expect(union == expected, "\(threads) threads, \(shards) shards")
        }
    }

    /// Answers of both kinds of store against exact PPR: a degree-rule store, and a uniform store whose
    /// manifest is rewritten as schema 2 (what a release before walk allocations left on disk).
    @Test(arguments: [false, true])
    func storesAnswerAccurately(schema2Uniform: Bool) throws {
        let graph = try emailGraph()
        let walk = schema2Uniform ? WalkParameters(seed: 3, allocation: .uniform) : degreeRule
        try withTemporaryStore { store in
            let report = try IndexBuilder(graph: graph, graphChecksum: 7, parameters: walk, threadCount: 2)
                .build(into: store)
            try store.activate(report.manifest.version)
            if schema2Uniform {
                var record = store.encodeRecord(.complete, report.manifest)
                record = Array(record.prefix(1 + StoreManifest.schema2ByteCount))
                record[1 + 4] = 2
                try store.environment.write { txn in
                    try txn.put(record, forKey: StoreLayout.versionKey(report.manifest.version), in: store.meta)
                }
            }
            let reader = try store.reader(expecting: 7, restartProbability: 0.15)
            #expect(reader.walkParameters.allocation == walk.allocation)
            var query = DecompositionQuery(graph: graph)
            var precision = 0.0
            var l1 = 0.0
            let sources = (0..<20).map { VertexIndex(($0 * 47 + 11) % graph.vertexCount) }
            for source in sources {
                let p = Personalization(source: source)
                let exact = try PowerIteration.solve(graph: graph, personalization: p).scores
                let (scores, _) = try query.scores(
                    p, parameters: AccuracyPreset.default.parameters(), fingerprints: reader)
                precision += AccuracyMetrics.precision(atK: 10, approximate: scores, exact: exact)
                l1 += AccuracyMetrics.l1Distance(scores, exact)
            }
            precision /= Double(sources.count)
            l1 /= Double(sources.count)
            #expect(precision >= 0.95, "mean precision@10 \(precision)")
            #expect(l1 <= 0.012, "mean L1 \(l1)")
        }
    }
}
