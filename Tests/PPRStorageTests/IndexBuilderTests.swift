import LMDB
import PPRCore
import Testing

@testable import PPRStorage

@Suite struct IndexBuilderTests {
    @Test func oneAndTwoThreadsWriteByteIdenticalChunks() throws {
        let graph = try randomGraph(vertexCount: 1500, seed: 8)
        let chunks = try [1, 2].map { threads in
            try withTemporaryStore { store in
                var builder = IndexBuilder(graph: graph, graphChecksum: 3, parameters: parameters, threadCount: threads)
                builder.commitBytes = 2_000  // several transactions
                let report = try builder.build(into: store)
                #expect(report.threadCount == threads)
                return try rawChunks(store, version: report.manifest.version)
            }
        }
        #expect(chunks[0].count == 6)  // 1500 vertices in chunks of 256
        #expect(chunks[0] == chunks[1])
    }

    @Test func twoShardsTogetherHoldTheFingerprintsOfOneShard() throws {
        let graph = try randomGraph(vertexCount: 777, seed: 9)
        let whole = try withTemporaryStore { store in
            let version = try IndexBuilder(graph: graph, graphChecksum: 1, parameters: parameters, threadCount: 2)
                .build(into: store).manifest.version
            let reader = try store.reader(version: version, expecting: 1, restartProbability: 0.15)
            return try (0..<VertexIndex(777)).map { try reader.fingerprint(of: $0) }
        }
        var union = [Fingerprint?](repeating: nil, count: 777)
        for shard in 0..<2 {
            try withTemporaryStore { store in
                let builder = IndexBuilder(
                    graph: graph, graphChecksum: 1, parameters: parameters, shardIndex: shard, shardCount: 2,
                    threadCount: 2 - shard)
                let report = try builder.build(into: store)
                #expect(report.manifest.fingerprintCount == (shard == 0 ? 389 : 388))
                let reader = try store.reader(version: report.manifest.version, expecting: 1, restartProbability: 0.15)
                for v in stride(from: shard, to: 777, by: 2) { union[v] = try reader.fingerprint(of: VertexIndex(v)) }
            }
        }
        #expect(whole.allSatisfy { $0 != nil })
        #expect(union == whole)
    }

    @Test func aCancelledBuildLeavesTheActiveVersionIntact() throws {
        let graph = try randomGraph(vertexCount: 2000, seed: 10)
        try withTemporaryStore { store in
            let first = try IndexBuilder(graph: graph, graphChecksum: 1, parameters: parameters, threadCount: 2)
                .build(into: store).manifest
            try store.activate(first.version)
            var polls = 0
            var seen: [IndexBuildProgress] = []
            let error = #expect(throws: StoreError.self) {
                var second = parameters
                second.seed = 12
                _ = try IndexBuilder(graph: graph, graphChecksum: 1, parameters: second, threadCount: 2)
                    .build(into: store, progress: { seen.append($0) }) {
                        polls += 1
                        return polls > 3
                    }
            }
            #expect(error == .cancelled(version: 2))
            #expect(seen.count == 3 && seen.last?.verticesDone == 768 && seen.last?.vertexTotal == 2000)
            let versions = try store.versions()
            #expect(versions.map(\.state) == [.complete, .failed])
            #expect(versions.map(\.isActive) == [true, false])
            #expect(try store.activeManifest() == first)
            #expect(throws: StoreError.self) { try store.activate(2) }
            let reader = try store.reader(expecting: 1, restartProbability: 0.15)
            var walker = FingerprintWalker(graph: graph, parameters: parameters)
            #expect(try reader.fingerprint(of: 1234) == walker.fingerprint(of: 1234))
        }
    }

    @Test func versionsActivateAndOnlyInactiveOnesCanBeDeleted() throws {
        let graph = try randomGraph(vertexCount: 300, seed: 12)
        try withTemporaryStore { store in
            let builder = IndexBuilder(graph: graph, graphChecksum: 1, parameters: parameters, threadCount: 1)
            let v1 = try builder.build(into: store).manifest.version
            let v2 = try builder.build(into: store).manifest.version
            try store.activate(v1)
            let reader1 = try store.reader(expecting: 1, restartProbability: 0.15)
            try store.activate(v2)
            #expect(try store.activeVersion() == v2)
            #expect(try store.reader(expecting: 1, restartProbability: 0.15).manifest.version == v2)
            #expect(throws: StoreError.versionIsActive(v2)) { try store.deleteVersion(v2) }
            try store.deleteVersion(v1)
            #expect(try store.versions().map(\.version) == [v2])
            // A reader of a deleted version fails cleanly rather than reading another version's data.
            #expect(throws: StoreError.self) { try reader1.fingerprint(of: 0) }
            #expect(throws: StoreError.versionNotFound(v1)) { try store.activate(v1) }
            // Numbers are never reused.
            #expect(try builder.build(into: store).manifest.version == 3)
        }
    }

    @Test func aRequestedVersionNumberIsUsedOnceAndNeverReused() throws {
        let graph = try randomGraph(vertexCount: 300, seed: 4)
        try withTemporaryStore { store in
            var builder = IndexBuilder(graph: graph, graphChecksum: 5, parameters: parameters, threadCount: 1)
            builder.requestedVersion = 7
            let first = try builder.build(into: store).manifest.version
            #expect(first == 7)
            #expect(throws: StoreError.versionNumberUsed(7, nextFree: 8)) { try builder.build(into: store) }
            builder.requestedVersion = 0
            let next = try builder.build(into: store).manifest.version
            #expect(next == 8)
        }
    }

    @Test(arguments: CorruptionCase.allCases)
    func corruptChunkBytesAreAnErrorNotACrash(_ corruption: CorruptionCase) throws {
        try withDamagedChunk(corruption, vertexCount: 300) { (_, reader) throws in
            var accumulator = [Double](repeating: 0, count: 300)
            let frontier = (0..<256).map { WeightedVertex(vertex: VertexIndex($0), weight: 1) }
            let error = #expect(throws: StoreError.self) { try reader.accumulate(frontier, into: &accumulator) }
            #expect(error?.description.contains("corrupt index") == true)
        }
    }
}

/// Builds and activates an index of a random graph (seed 13), opens its reader, then damages chunk 0 with
/// `corruption` and runs `body` on the store and the reader opened before the damage.
func withDamagedChunk(
    _ corruption: CorruptionCase, vertexCount: Int, _ body: (FingerprintStore, FingerprintStoreReader) throws -> Void
) throws {
    let graph = try randomGraph(vertexCount: vertexCount, seed: 13)
    try withTemporaryStore { store in
        let version = try IndexBuilder(graph: graph, graphChecksum: 1, parameters: parameters, threadCount: 1)
            .build(into: store).manifest.version
        try store.activate(version)
        let reader = try store.reader(expecting: 1, restartProbability: 0.15)
        let fp = try #require(try store.fingerprintDatabase(version))
        try store.environment.write { txn in
            var bytes = try #require(try txn.value(forKey: UInt32(0), in: fp))
            corruption.apply(&bytes)
            try txn.put(bytes, forKey: UInt32(0), in: fp)
        }
        try body(store, reader)
    }
}

/// Ways to damage chunk 0.
enum CorruptionCase: CaseIterable, Sendable {
    case truncated, countTooLarge, offsetBeyondPayload, garbagePayload, empty

    func apply(_ bytes: inout [UInt8]) {
        switch self {
        case .truncated: bytes.removeLast(bytes.count / 2)
        case .countTooLarge: bytes[0] = 0xFF; bytes[1] = 0xFF
        case .offsetBeyondPayload: bytes[8] = 0xFF; bytes[9] = 0xFF; bytes[10] = 0xFF
        case .garbagePayload: for i in (4 * 258)..<bytes.count { bytes[i] = 0xFF }
        case .empty: bytes = [1]
        }
    }
}

/// Every chunk value of a version, in key order, read straight from LMDB.
func rawChunks(_ store: FingerprintStore, version: UInt32) throws -> [[UInt8]] {
    let fp = try #require(try store.fingerprintDatabase(version))
    return try store.environment.read { txn in
        var chunks: [[UInt8]] = []
        try txn.forEach(in: fp) { _, value in
            chunks.append(StoreLayout.copy(value))
            return true
        }
        return chunks
    }
}
