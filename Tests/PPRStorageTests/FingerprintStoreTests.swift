import Foundation
import PPRCore
import Testing

@testable import PPRStorage

@Suite struct FingerprintStoreTests {
    @Test func fingerprintsRoundTripThroughTheStore() throws {
        let graph = try randomGraph(vertexCount: 700, seed: 3)
        try withTemporaryStore { store in
            let report = try IndexBuilder(graph: graph, graphChecksum: 7, parameters: parameters, threadCount: 1)
                .build(into: store)
            try store.activate(report.manifest.version)
            let reader = try store.reader(expecting: 7, restartProbability: parameters.restartProbability)
            var walker = FingerprintWalker(graph: graph, parameters: parameters)
            for v in 0..<VertexIndex(graph.vertexCount) {
                #expect(try reader.fingerprint(of: v) == walker.fingerprint(of: v))
            }
            #expect(report.manifest.fingerprintCount == 700)
            #expect(report.manifest.byteCount > 700 * 4)
        }
    }

    @Test func anUnfinishedVersionIsBuiltAgainOverItsCopyButACompleteOneIsNot() throws {
        let graph = try randomGraph(vertexCount: 700, seed: 3)
        try withTemporaryStore { store in
            var builder = IndexBuilder(graph: graph, graphChecksum: 7, parameters: parameters, threadCount: 1)
            builder.requestedVersion = 2
            // A build of version 2 whose process died: its record stays `building`.
            var manifest = StoreManifest(graphChecksum: 7, vertexCount: 700, walkParameters: parameters)
            manifest.version = 2
            _ = try store.beginVersion(manifest)
            #expect(throws: StoreError.versionNumberUsed(2, nextFree: 3)) { try builder.build(into: store) }
            builder.restartsUnfinishedVersion = true
            let rebuilt = try builder.build(into: store)
            #expect(rebuilt.manifest.version == 2 && rebuilt.manifest.fingerprintCount == 700)
            try store.activate(2)
            let reader = try store.reader(expecting: 7, restartProbability: parameters.restartProbability)
            var walker = FingerprintWalker(graph: graph, parameters: parameters)
            for v in VertexIndex(0)..<50 { #expect(try reader.fingerprint(of: v) == walker.fingerprint(of: v)) }
            // Complete: never replaced.
            #expect(throws: StoreError.wrongVersionState(2, state: .complete, expected: .failed)) {
                try store.beginOrRestartVersion(manifest)
            }
        }
    }

    @Test func accumulateEqualsTheWeightedSumOfFingerprints() throws {
        let graph = try randomGraph(vertexCount: 900, seed: 5)
        try withTemporaryStore { store in
            let report = try IndexBuilder(graph: graph, graphChecksum: 1, parameters: parameters, threadCount: 2)
                .build(into: store)
            try store.activate(report.manifest.version)
            let reader = try store.reader(expecting: 1, restartProbability: parameters.restartProbability)
            var rng = WalkSeed(rawState: 99)
            // Unsorted, with a repeated vertex, spread over every chunk.
            var frontier = (0..<400).map { _ in
                WeightedVertex(vertex: VertexIndex(rng.next() % 900), weight: Double(rng.next() % 1000) / 997)
            }
            frontier.append(frontier[0])
            var walker = FingerprintWalker(graph: graph, parameters: parameters)
            var expected = [Double](repeating: 0, count: 900)
            for entry in frontier {
                let fingerprint = walker.fingerprint(of: entry.vertex)
                for (v, count) in zip(fingerprint.vertices, fingerprint.visitCounts) {
                    expected[Int(v)] += entry.weight * 0.15 * Double(count) / Double(parameters.walksPerVertex)
                }
            }
            var actual = [Double](repeating: 0, count: 900)
            try reader.accumulate(frontier, into: &actual)
            for v in 0..<900 { #expect(abs(actual[v] - expected[v]) <= 1e-12 * max(1, expected[v])) }
            #expect(expected.reduce(0, +) > 1)
        }
    }

    @Test func aStoreForAnotherGraphOrAlphaIsRefused() throws {
        let graph = try randomGraph(vertexCount: 50, seed: 1)
        try withTemporaryStore { store in
            let report = try IndexBuilder(graph: graph, graphChecksum: 0xAB, parameters: parameters, threadCount: 1)
                .build(into: store)
            try store.activate(report.manifest.version)
            let otherGraph = #expect(throws: StoreError.self) {
                try store.reader(expecting: 0xAC, restartProbability: 0.15)
            }
            #expect(otherGraph?.description.contains("built for another graph") == true)
            // Checksums read in hex, as ingest and status print them (issue 9).
            #expect(
                otherGraph?.description.contains("(checksum 0x00000000000000ab, expected 0x00000000000000ac)") == true,
                "\(String(describing: otherGraph))")
            let otherAlpha = #expect(throws: StoreError.self) {
                try store.reader(expecting: 0xAB, restartProbability: 0.2)
            }
            #expect(otherAlpha == .restartProbabilityMismatch(path: store.directory, requested: 0.2, indexed: 0.15))
        }
    }

    @Test func anInterruptedBuildIsNeverReadable() throws {
        let graph = try randomGraph(vertexCount: 600, seed: 2)
        try withTemporaryDirectory { directory in
            do {
                let store = try FingerprintStore(directory: directory)
                let manifest = try store.beginVersion(
                    StoreManifest(graphChecksum: 5, vertexCount: graph.vertexCount, walkParameters: parameters))
                var walker = FingerprintWalker(graph: graph, parameters: parameters)
                let fingerprints = (0..<256).map { walker.fingerprint(of: VertexIndex($0)) }
                try store.write([EncodedChunk(index: 0, fingerprints: fingerprints)], to: manifest.version)
            }  // closed without completing: the process died mid-build
            let reopened = try FingerprintStore(directory: directory)
            let error = #expect(throws: StoreError.self) { try reopened.reader(expecting: 5, restartProbability: 0.15) }
            #expect(error?.description.contains("no complete index") == true)
            #expect(error?.description.contains("build interrupted?") == true)
            #expect(try reopened.versions().map(\.state) == [.building])
            #expect(throws: StoreError.self) { try reopened.activate(1) }
            // Completing it now is refused too: chunks 1 and 2 are missing.
            let incomplete = #expect(throws: StoreError.self) { try reopened.completeVersion(1) }
            #expect(incomplete?.description.contains("1 of 3 chunks") == true)
        }
    }

    @Test func aVertexOfAnotherShardIsAnError() throws {
        let graph = try randomGraph(vertexCount: 100, seed: 4)
        try withTemporaryStore { store in
            let builder = IndexBuilder(
                graph: graph, graphChecksum: 1, parameters: parameters, shardIndex: 1, shardCount: 2, threadCount: 1)
            try store.activate(try builder.build(into: store).manifest.version)
            let reader = try store.reader(expecting: 1, restartProbability: 0.15)
            var accumulator = [Double](repeating: 0, count: 100)
            let error = #expect(throws: StoreError.self) {
                try reader.accumulate([WeightedVertex(vertex: 4, weight: 1)], into: &accumulator)
            }
            #expect(error == .vertexNotInStore(4, shardIndex: 1, shardCount: 2, vertexCount: 100))
            #expect(try reader.fingerprint(of: 4) == nil)
            #expect(try reader.fingerprint(of: 5) != nil)
        }
    }

    @Test func manifestRoundTripsAndRejectsABadMagic() throws {
        var manifest = StoreManifest(
            graphChecksum: 0xDEAD_BEEF, vertexCount: 12, walkParameters: parameters, shardIndex: 2, shardCount: 3,
            createdUnixSeconds: 1_700_000_000)
        manifest.version = 4
        manifest.byteCount = 99
        let bytes = manifest.encoded()
        #expect(try StoreManifest(decoding: bytes.span) == manifest)
        var damaged = bytes
        damaged[0] ^= 0xFF
        #expect(throws: StoreError.self) { try StoreManifest(decoding: damaged.span) }
        #expect(throws: StoreError.self) { try StoreManifest(decoding: Array(bytes.dropLast()).span) }
    }
}

// MARK: Shared test support

let parameters = WalkParameters(restartProbability: 0.15, walksPerVertex: 8, maxWalkLength: 50, seed: 11)

/// A random directed graph with some dangling vertices and self-loops, from a seeded generator; with
/// `selfLoops` false, the same graph without its self-loops.
func randomGraph(vertexCount: Int, seed: UInt64, selfLoops: Bool = true) throws -> CSRGraph {
    var rng = WalkSeed(rawState: seed)
    var builder = GraphBuilder()
    for v in 0..<UInt64(vertexCount) {
        let degree = v % 7 == 3 ? 0 : Int(rng.next() % 6) + 1
        for _ in 0..<degree {
            let target = rng.next() % UInt64(vertexCount)
            if selfLoops || target != v { builder.addEdge(from: v * 10, to: target * 10) }
        }
        // A dangling vertex gets an in-edge so that it occurs in the edge list.
        if degree == 0 { builder.addEdge(from: (v + 1) % UInt64(vertexCount) * 10, to: v * 10) }
    }
    let graph = try builder.build().graph
    precondition(graph.vertexCount == vertexCount, "every vertex occurs in the edge list")
    return graph
}

func withTemporaryStore<R>(_ body: (FingerprintStore) throws -> R) throws -> R {
    try withTemporaryDirectory { directory in try body(try FingerprintStore(directory: directory)) }
}
