// The resident path of the combine (ResidentFingerprints) against the LMDB path on real LMDB stores:
// the same sums bit for bit, the budget fallback, damaged chunks refused with an error, one build under
// concurrent first combines, and the table dropped with its version.
import Foundation
import LMDB
import PPRCore
import Synchronization
import Testing

@testable import PPRStorage

@Suite struct ResidentFingerprintsTests {
    /// Shard 1 of 2 of a 1,000-vertex graph: its owned vertices in an unsorted frontier with a repeat.
    static func shardFrontier() -> [WeightedVertex] {
        var rng = WalkSeed(rawState: 17)
        var frontier = (0..<300).map { _ in
            WeightedVertex(vertex: VertexIndex(rng.next() % 500 * 2 + 1), weight: Double(rng.next() % 1000) / 997)
        }
        frontier.append(frontier[3])
        return frontier
    }

    /// Builds shard 1 of 2 of `graph` into a store at a fresh directory with `budget`, activates it.
    static func withShardStore<R>(
        _ graph: CSRGraph, budget: Int, _ body: (FingerprintStore, FingerprintStoreReader) throws -> R
    ) throws -> R {
        try withTemporaryDirectory { directory in
            let store = try FingerprintStore(directory: directory, residentBudgetBytes: budget)
            let builder = IndexBuilder(
                graph: graph, graphChecksum: 5, parameters: parameters, shardIndex: 1, shardCount: 2, threadCount: 1)
            try store.activate(try builder.build(into: store).manifest.version)
            return try body(store, try store.reader(expecting: 5, restartProbability: parameters.restartProbability))
        }
    }

    @Test func residentSumsEqualTheLMDBSumsBitForBit() throws {
        let graph = try randomGraph(vertexCount: 1000, seed: 21)
        let frontier = Self.shardFrontier()
        // Budget 0: no table, every combine reads LMDB.
        let (lmdb, lmdbEntries) = try Self.withShardStore(graph, budget: 0) { store, reader in
            #expect(try reader.loadResidentFingerprints() == nil)
            var sums = [Double](repeating: 0, count: 1000)
            var entries = 0
            try reader.accumulate(frontier, into: &sums, entries: &entries)
            #expect(store.resident.residentBytes == 0 && store.resident.buildsStarted == 0)
            return (sums, entries)
        }
        let (resident, residentEntries) = try Self.withShardStore(graph, budget: 1 << 20) { store, reader in
            let table = try #require(try reader.loadResidentFingerprints())
            #expect(table.entryCount == reader.manifest.entryCount)
            #expect(store.resident.residentBytes == table.byteCount)
            var sums = [Double](repeating: 0, count: 1000)
            var entries = 0
            try reader.accumulate(frontier, into: &sums, entries: &entries)
            return (sums, entries)
        }
        #expect(lmdb.reduce(0, +) > 1)
        #expect(resident == lmdb)
        #expect(residentEntries == lmdbEntries && lmdbEntries > 300)
    }

    @Test func aTableOverTheBudgetIsNotBuiltAndLMDBServes() throws {
        let graph = try randomGraph(vertexCount: 1000, seed: 21)
        let needed = try Self.withShardStore(graph, budget: 1 << 20) { _, reader in
            let table = try #require(try reader.loadResidentFingerprints())
            #expect(
                table.byteCount
                    == ResidentFingerprints.byteCount(entryCount: reader.manifest.entryCount, localVertexCount: 500))
            return table.byteCount
        }
        try Self.withShardStore(graph, budget: needed - 1) { store, reader in
            #expect(try reader.loadResidentFingerprints() == nil)
            var sums = [Double](repeating: 0, count: 1000)
            try reader.accumulate(Self.shardFrontier(), into: &sums)  // the LMDB path
            #expect(sums.reduce(0, +) > 1)
            #expect(store.resident.residentBytes == 0 && store.resident.buildsStarted == 0)
        }
        try Self.withShardStore(graph, budget: needed) { store, reader in
            let built = try reader.loadResidentFingerprints()
            #expect(built?.byteCount == needed)
            #expect(store.resident.residentBytes == needed)
        }
    }

    @Test(arguments: CorruptionCase.allCases)
    func aDamagedChunkIsRefusedWithAnErrorNamingIt(_ corruption: CorruptionCase) throws {
        try withDamagedChunk(corruption, vertexCount: 600) { (store, reader) throws in
            let error = #expect(throws: StoreError.self) { try reader.loadResidentFingerprints() }
            #expect(error?.description.contains("corrupt index") == true, "\(String(describing: error))")
            #expect(error?.description.contains("chunk 0") == true, "\(String(describing: error))")
            #expect(store.resident.residentBytes == 0)
            // The version stays on the LMDB path, which refuses the damaged chunk per query.
            var sums = [Double](repeating: 0, count: 600)
            let frontier = (0..<256).map { WeightedVertex(vertex: VertexIndex($0), weight: 1) }
            #expect(throws: StoreError.self) { try reader.accumulate(frontier, into: &sums) }
            #expect(try reader.loadResidentFingerprints() == nil)
        }
    }

    @Test func concurrentFirstCombinesBuildOneTableAndDeletingTheVersionDropsIt() throws {
        let graph = try randomGraph(vertexCount: 1000, seed: 21)
        try withTemporaryStore { store in
            let builder = IndexBuilder(graph: graph, graphChecksum: 1, parameters: parameters, threadCount: 1)
            let first = try builder.build(into: store).manifest.version
            try store.activate(first)
            let reader = try store.reader(expecting: 1, restartProbability: 0.15)
            let frontier = (0..<1000).map { WeightedVertex(vertex: VertexIndex($0), weight: 0.001) }
            let reference = Mutex<[Double]?>(nil)
            // Eight first combines at once: each is answered (LMDB until the table is ready), one build starts.
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                var sums = [Double](repeating: 0, count: 1000)
                do { try reader.accumulate(frontier, into: &sums) } catch { Issue.record("\(error)") }
                reference.withLock { known in
                    if let known { #expect(known == sums) } else { known = sums }
                }
            }
            // The background build ends within a bounded wait; then combines read the table.
            let deadline = ContinuousClock.now + .seconds(20)
            while store.resident.residentBytes == 0, ContinuousClock.now < deadline { usleep(2_000) }
            #expect(store.resident.residentBytes > 0)
            #expect(store.resident.buildsStarted == 1)
            let tables = Mutex<[ObjectIdentifier]>([])
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                if let table = try? reader.loadResidentFingerprints() {
                    tables.withLock { $0.append(ObjectIdentifier(table)) }
                }
            }
            #expect(tables.withLock { Set($0).count == 1 && $0.count == 4 })
            var sums = [Double](repeating: 0, count: 1000)
            try reader.accumulate(frontier, into: &sums)
            #expect(sums == reference.withLock { $0 })
            #expect(store.resident.buildsStarted == 1)

            // A new version replaces it; deleting the old one drops its table and its reader is refused.
            let second = try builder.build(into: store).manifest.version
            try store.activate(second)
            try store.deleteVersion(first)
            #expect(store.resident.residentBytes == 0)
            #expect(throws: StoreError.self) { try reader.accumulate(frontier, into: &sums) }
            let newReader = try store.reader(expecting: 1, restartProbability: 0.15)
            #expect(try newReader.loadResidentFingerprints() != nil)
            #expect(store.resident.buildsStarted == 2)
        }
    }
}
