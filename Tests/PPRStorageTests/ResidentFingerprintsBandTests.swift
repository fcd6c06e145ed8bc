// The target-band layout of ResidentFingerprints and the combine split over threads, on real 2-shard LMDB
// stores built from the committed email-Eu-core fixture: the same sums bit for bit as the LMDB path for
// any thread count, every fingerprint read back intact from the bands, and small combines kept on the
// calling thread.
import Foundation
import PPRCore
import Testing

@testable import PPRStorage

@Suite struct ResidentFingerprintsBandTests {
    static let walk = WalkParameters(restartProbability: 0.15, walksPerVertex: 16, maxWalkLength: 100, seed: 5)

    static func fixtureGraph() throws -> CSRGraph {
        try EdgeListReader.read(try ingestFixture("email-Eu-core.txt")).graph
    }

    /// Builds shard `shard` of 2 of `graph` into a fresh store with `budget`, activates it.
    static func withShard<R>(
        _ graph: CSRGraph, _ shard: Int, budget: Int, _ body: (FingerprintStoreReader) throws -> R
    ) throws -> R {
        try withTemporaryDirectory { directory in
            let store = try FingerprintStore(directory: directory, residentBudgetBytes: budget)
            let builder = IndexBuilder(
                graph: graph, graphChecksum: 7, parameters: walk, shardIndex: shard, shardCount: 2, threadCount: 2)
            try store.activate(try builder.build(into: store).manifest.version)
            return try body(try store.reader(expecting: 7, restartProbability: walk.restartProbability))
        }
    }

    /// Every vertex of `shard` three times (ascending, as Expansion lists a frontier), seeded weights.
    static func frontier(_ graph: CSRGraph, shard: Int) -> [WeightedVertex] {
        var rng = WalkSeed(rawState: 23)
        return stride(from: shard, to: graph.vertexCount, by: 2).flatMap { v in
            (0..<3).map { _ in
                WeightedVertex(vertex: VertexIndex(v), weight: Double(rng.next() % 1_000_003) / 999_983)
            }
        }
    }

    @Test func aCombineSplitOverOneTwoOrThreeThreadsAddsTheLMDBSumsBitForBit() throws {
        let graph = try Self.fixtureGraph()
        for shard in 0..<2 {
            let frontier = Self.frontier(graph, shard: shard)
            // Budget 0: every combine reads LMDB (varint decode, one thread).
            let (lmdb, lmdbEntries) = try Self.withShard(graph, shard, budget: 0) { reader in
                #expect(try reader.loadResidentFingerprints() == nil)
                var sums = [Double](repeating: 0, count: graph.vertexCount)
                var entries = 0
                try reader.accumulate(frontier, into: &sums, entries: &entries)
                return (sums, entries)
            }
            #expect(lmdb.contains { $0 > 0 })
            try Self.withShard(graph, shard, budget: 1 << 24) { reader in
                let table = try #require(try reader.loadResidentFingerprints())
                // Large enough that the combine is really split.
                #expect(table.expectedEntries(of: frontier) >= ResidentFingerprints.parallelMinimumEntries)
                // Helpers lent at once, never (every core busy), or late (the caller may take every band).
                let lenders = [
                    ResidentFingerprints.anyCore, IdleCores.never,
                    IdleCores(cores: 64) { job in
                        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(1), execute: job)
                    },
                ]
                for threads in [1, 2, 3, 4, 8] {
                    for (l, cores) in lenders.enumerated() {
                        var split = reader
                        split.combineThreads = threads
                        split.combineCores = cores
                        var sums = [Double](repeating: 0, count: graph.vertexCount)
                        var entries = 0
                        try split.accumulate(frontier, into: &sums, entries: &entries)
                        #expect(sums == lmdb, "shard \(shard), \(threads) threads, lender \(l)")
                        #expect(entries == lmdbEntries)
                    }
                }
            }
        }
    }

    @Test func theBandsHoldEveryFingerprintIntactAndSplitTheEntriesEvenly() throws {
        let graph = try Self.fixtureGraph()
        try Self.withShard(graph, 1, budget: 1 << 24) { reader in
            let table = try #require(try reader.loadResidentFingerprints())
            let bands = ResidentFingerprints.bandCount
            #expect(table.bandStarts.count == bands + 1)
            #expect(table.bandStarts.first == 0 && table.bandStarts.last == graph.vertexCount)
            #expect(zip(table.bandStarts, table.bandStarts.dropFirst()).allSatisfy { $0 < $1 })
            let local = reader.manifest.localVertexCount
            #expect(
                table.bands.allSatisfy { $0.offsets.count == local + 1 && $0.offsets.last == UInt32($0.targets.count) })
            var perBand = [Int](repeating: 0, count: bands)
            var perTarget = [Int](repeating: 0, count: graph.vertexCount)
            for l in 0..<local {
                let vertex = VertexIndex(l * 2 + 1)
                var vertices: [VertexIndex] = []
                var visits: [UInt32] = []
                for (b, band) in table.bands.enumerated() {
                    let run = Int(band.offsets[l])..<Int(band.offsets[l + 1])
                    for e in run {
                        let target = Int(band.targets[e])
                        #expect(table.bandStarts[b] <= target && target < table.bandStarts[b + 1])
                        vertices.append(band.targets[e])
                        visits.append(UInt32(band.counts[e]))
                        perTarget[target] += 1
                    }
                    perBand[b] += run.count
                }
                let stored = try #require(try reader.fingerprint(of: vertex))
                #expect(vertices == stored.vertices && visits == stored.visitCounts, "vertex \(vertex)")
            }
            #expect(perBand.reduce(0, +) == table.entryCount && table.entryCount == reader.manifest.entryCount)
            // Each band is within one target's entries of an even share.
            let most = try #require(perTarget.max())
            for count in perBand { #expect(abs(count - table.entryCount / bands) <= most + 1, "\(perBand)") }
        }
    }

    @Test func smallCombinesStayOnTheCallingThread() throws {
        let minimum = ResidentFingerprints.parallelMinimumEntries
        #expect(ResidentFingerprints.parts(entries: minimum - 1, threads: 2) == 1)
        #expect(ResidentFingerprints.parts(entries: 0, threads: 4) == 1)
        #expect(ResidentFingerprints.parts(entries: minimum, threads: 2) == 2)
        #expect(ResidentFingerprints.parts(entries: minimum, threads: 1) == 1)
        #expect(ResidentFingerprints.parts(entries: minimum, threads: 64) == ResidentFingerprints.bandCount)
        // A small frontier still gives the LMDB sums through a reader asking for two threads.
        let graph = try Self.fixtureGraph()
        let small = Array(Self.frontier(graph, shard: 0).prefix(6))
        let lmdb = try Self.withShard(graph, 0, budget: 0) { reader in
            var sums = [Double](repeating: 0, count: graph.vertexCount)
            try reader.accumulate(small, into: &sums)
            return sums
        }
        try Self.withShard(graph, 0, budget: 1 << 24) { reader in
            let table = try #require(try reader.loadResidentFingerprints())
            #expect(table.expectedEntries(of: small) < minimum)
            var split = reader
            split.combineThreads = 2
            var sums = [Double](repeating: 0, count: graph.vertexCount)
            try split.accumulate(small, into: &sums)
            #expect(sums == lmdb && lmdb.contains { $0 > 0 })
        }
    }
}
