import PPRCore
import Testing

@testable import PPRStorage

/// The manifest records whether the graph was weighted, and a store built on a graph's unweighted version is
/// refused for the weighted one (and the reverse), naming the mix-up.
@Suite struct WeightedManifestTests {
    private func graphs() throws -> (unweighted: LoadedGraph, weighted: LoadedGraph) {
        (try GraphFile.load(try ingestFixture("tiny.pwg")), try GraphFile.load(try ingestFixture("tiny-weighted.pwg")))
    }

    @Test func manifestRecordsWhetherTheGraphIsWeighted() throws {
        let (unweighted, weighted) = try graphs()
        for loaded in [unweighted, weighted] {
            try withTemporaryStore { store in
                let report = try IndexBuilder(
                    graph: loaded.graph, graphChecksum: loaded.checksum, parameters: parameters, threadCount: 1
                ).build(into: store)
                try store.activate(report.manifest.version)
                let manifest = try #require(try store.activeManifest())
                #expect(manifest.graphWeighted == loaded.graph.isWeighted)
                #expect(manifest.graphChecksum == loaded.checksum)
                let reader = try store.reader(
                    expecting: loaded.checksum, graphWeighted: loaded.graph.isWeighted, restartProbability: 0.15)
                #expect(reader.manifest.graphWeighted == loaded.graph.isWeighted)
            }
        }
    }

    @Test(arguments: [false, true])
    func storeOfTheOtherWeightingIsRefusedSayingWhich(builtWeighted: Bool) throws {
        let (unweighted, weighted) = try graphs()
        let (built, served) = builtWeighted ? (weighted, unweighted) : (unweighted, weighted)
        #expect(built.checksum != served.checksum, "the checksum covers the weights")
        try withTemporaryStore { store in
            let report = try IndexBuilder(
                graph: built.graph, graphChecksum: built.checksum, parameters: parameters, threadCount: 1
            ).build(into: store)
            try store.activate(report.manifest.version)
            let error = #expect(throws: StoreError.self) {
                try store.reader(
                    expecting: served.checksum, graphWeighted: served.graph.isWeighted, restartProbability: 0.15)
            }
            #expect(
                error
                    == .graphWeightingMismatch(
                        path: store.directory, expectedChecksum: served.checksum,
                        graphWeighted: served.graph.isWeighted, indexedChecksum: built.checksum))
            let text = "\(error.map { "\($0)" } ?? "")"
            let expected =
                builtWeighted
                ? "was built for a weighted graph (checksum \(GraphFileFormat.hex(built.checksum))), but the graph is unweighted"
                : "was built for an unweighted graph (checksum \(GraphFileFormat.hex(built.checksum))), but the graph is weighted"
            #expect(text.contains(expected), "\(text)")
            // Without the weighting, the checksum alone still refuses the store.
            #expect(
                throws: StoreError.graphMismatch(
                    path: store.directory, expectedChecksum: served.checksum, indexedChecksum: built.checksum)
            ) {
                try store.reader(expecting: served.checksum, restartProbability: 0.15)
            }
        }
    }

    @Test func schema1ManifestsDecodeAsUnweighted() throws {
        var manifest = StoreManifest(
            graphChecksum: 0xF250_344F_B96E_57C6, vertexCount: 7, walkParameters: parameters, graphWeighted: true)
        manifest.version = 3
        let bytes = manifest.encoded()
        #expect(bytes.count == StoreManifest.encodedByteCount)
        #expect(try StoreManifest(decoding: bytes.span) == manifest)
        // A manifest as earlier releases wrote it: schema 1, no graph flags.
        var old = Array(bytes.prefix(StoreManifest.schema1ByteCount))
        old[4] = 1
        let decoded = try StoreManifest(decoding: old.span)
        #expect(!decoded.graphWeighted && decoded.graphChecksum == manifest.graphChecksum && decoded.version == 3)
        // Unknown graph flags are refused, not ignored.
        var unknown = bytes
        unknown[StoreManifest.schema2ByteCount - 4] = 0x03
        #expect(throws: StoreError.self) { try StoreManifest(decoding: unknown.span) }
        #expect(throws: StoreError.self) { try StoreManifest(decoding: Array(old.dropLast()).span) }
    }
}
