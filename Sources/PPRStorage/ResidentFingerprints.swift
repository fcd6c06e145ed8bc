// ResidentFingerprints: one version's fingerprints decoded once into flat arrays, for the combine step.
//
// The LMDB path of a combine (FingerprintStoreReader.accumulate) pays per query: a read transaction, a
// B-tree lookup per 256-vertex chunk, the chunk header checks and a varint decode per entry (~7 ns per
// entry). Decoded once per version, the fingerprints form CSRs by shard-local vertex and the combine
// becomes a plain scatter loop with no per-entry check: every target was checked against the graph and
// every offset against the arrays when the table was built.
//
// Target bands: the graph's vertices are cut into `bandCount` contiguous ranges of target vertices
// (`bandStarts`, chosen when the table is built so that each range receives about the same number of the
// version's entries), and each band has its own CSR (`Band`: offsets by shard-local vertex, targets,
// counts) holding, for every fingerprint, its entries whose targets fall in the band. A combine scatters
// band by band, each band for the whole frontier in frontier order; over T threads each thread claims the
// next unclaimed band until none is left. One thread alone writes a band's accumulator slots, and every
// slot receives its terms in frontier order, exactly as one pass over whole fingerprints adds them: the
// sums are bit-identical whatever the thread count and whichever thread takes which band (B is a
// constant, independent of T). One CSR per band (rather than each fingerprint's entries grouped by band
// in one CSR) keeps each band's reads sequential: interleaved, a band pass read its short runs between the
// other bands' entries and cost 2-3x the CPU per entry (measured).
//
// The scatter adds, for frontier entry (v, w) and fingerprint entry (x, c), `w * alpha / R * Double(c)`
// into a Double accumulator, in frontier order for each slot: bit for bit what the LMDB path adds (it
// adds `w * alpha / R` for c = 1, and `s * 1.0 == s`), so an answer does not depend on which path served
// it, and stays within Double rounding of itself whatever the shard count.
//
// Threads: the calling thread and helpers lent by an `IdleCores` (pool threads, only while a core is idle;
// waking one costs about 10 µs on the 2-core host, measured), only for combines expected to read at least
// `parallelMinimumEntries`; the caller never waits for a helper that has not started (`IdleCores.forEach`).
//
// Memory: `bytesPerEntry` (6: a UInt32 target and a UInt16 visit count) per fingerprint entry plus
// `bytesPerVertex` (a UInt32 offset per band) per shard-local vertex; ResidentFingerprintCache keeps
// tables under a per-store budget.
import CPrefetch
import Dispatch
import Foundation
import LMDB
import PPRCore
import Synchronization

/// A complete version's fingerprints, decoded and validated, held in memory. Read-only once built.
public final class ResidentFingerprints: Sendable {
    /// Bytes per fingerprint entry: a UInt32 target vertex and a UInt16 visit count.
    public static let bytesPerEntry = 6
    /// Target bands per table: the most threads one combine can use (the host has 2 cores). Each band
    /// splits every fingerprint's run, which costs one thread some CPU on small frontiers: with 4 bands a
    /// one-thread `fast` combine took ~50% more CPU than one CSR, with 2 about 17% (`default` 10% and 5%).
    public static let bandCount = 2
    /// Bytes per shard-local vertex: a UInt32 offset per band (each band's offsets also hold the end).
    public static let bytesPerVertex = 4 * bandCount
    /// Fewest fingerprint entries a combine must be expected to read to be split over threads: below it,
    /// waking a pool thread costs more than it saves. Waking one costs about 10 µs on the 2-core host and
    /// a second thread saves at most ~1.5 ns per entry, so the break-even is near 7k entries; this keeps a
    /// 2x margin (README, "Target bands").
    public static let parallelMinimumEntries = 16_384
    /// The default budget of a store's resident tables (all versions together): 1 GiB, about 178 M
    /// fingerprint entries (soc-Slashdot0902 at R = 16 takes 7.3 M entries, 44 MiB). Above it a version is
    /// combined from LMDB (`FingerprintStore(directory:residentBudgetBytes:)` sets another).
    public static let defaultBudgetBytes = 1 << 30
    /// Lends a pool thread whenever a combine asks (`FingerprintStoreReader.combineCores`' default: the
    /// in-process engine, whose `combineThreads` says how many threads a query may use).
    public static let anyCore = IdleCores(cores: .max) { DispatchQueue.global().async(execute: $0) }

    /// The version it was decoded from.
    public let version: UInt32
    /// One CSR per target band, by shard-local vertex.
    let bands: [Band]
    /// Band `b` holds the target vertices `bandStarts[b] ..< bandStarts[b + 1]`; `bandCount + 1` values,
    /// non-decreasing, from 0 to `vertexCount`.
    let bandStarts: [Int]
    /// Fingerprint entries held.
    public let entryCount: Int
    let localVertexCount: Int
    let vertexCount: Int
    let shardIndex: Int
    let shardCount: Int

    /// The entries of one band's targets: those of shard-local vertex `l` are `offsets[l] ..< offsets[l + 1]`
    /// (`localVertexCount + 1` values, non-decreasing, the last equal to `targets.count`).
    struct Band: Sendable {
        var offsets: [UInt32]
        /// Target vertices, within the band, ascending within each vertex's range.
        var targets: [UInt32]
        /// Visit counts (each >= 1).
        var counts: [UInt16]
    }

    /// Bytes the table takes.
    public var byteCount: Int { Self.byteCount(entryCount: entryCount, localVertexCount: localVertexCount) }

    /// Bytes a table of `entryCount` entries over `localVertexCount` vertices takes.
    public static func byteCount(entryCount: Int, localVertexCount: Int) -> Int {
        entryCount * bytesPerEntry + (localVertexCount + 1) * bytesPerVertex
    }

    init(
        version: UInt32, bands: [Band], bandStarts: [Int], localVertexCount: Int, vertexCount: Int, shardIndex: Int,
        shardCount: Int
    ) {
        self.version = version
        self.bands = bands
        self.bandStarts = bandStarts
        self.entryCount = bands.reduce(0) { $0 + $1.targets.count }
        self.localVertexCount = localVertexCount
        self.vertexCount = vertexCount
        self.shardIndex = shardIndex
        self.shardCount = shardCount
    }

    /// Band starts that give each band about `total / bandCount` of the entries, from the entries per
    /// target vertex (a fixed function of the version's fingerprints, so every process cuts it alike).
    static func balancedBands(perTarget: [UInt32], total: Int) -> [Int] {
        let vertexCount = perTarget.count
        var starts = [0]
        var seen = 0
        var vertex = 0
        for band in 1..<bandCount {
            let goal = total * band / bandCount
            while vertex < vertexCount, seen + Int(perTarget[vertex]) <= goal {
                seen += Int(perTarget[vertex])
                vertex += 1
            }
            starts.append(vertex)
        }
        starts.append(vertexCount)
        return starts
    }

    /// The entries a combine of `frontier` is expected to read (its size times the mean fingerprint size):
    /// what decides the split, without a pass over the bands' offsets.
    func expectedEntries(of frontier: [WeightedVertex]) -> Int {
        frontier.count * entryCount / max(1, localVertexCount)
    }

    /// Threads a combine of about `entries` entries uses when `threads` are allowed.
    static func parts(entries: Int, threads: Int) -> Int {
        entries < parallelMinimumEntries ? 1 : max(1, min(threads, bandCount))
    }

    /// Adds `weight * unit * count` into `accumulator[x]` for each fingerprint entry (x, count) of each
    /// frontier entry, band by band and in frontier order within a band, over up to `threads` threads
    /// (one when the combine reads fewer than about `parallelMinimumEntries` entries); every slot lies in
    /// one band, so the sums do not depend on the split. The frontier's vertices must be owned by this
    /// shard (the caller checked); `accumulator` has one slot per graph vertex. Returns the entries added.
    func scatter(
        _ frontier: [WeightedVertex], unit: Double, threads: Int, cores: IdleCores, into accumulator: inout [Double]
    ) -> Int {
        let parts = Self.parts(entries: expectedEntries(of: frontier), threads: threads)
        let added = Atomic<Int>(0)
        accumulator.withUnsafeMutableBufferPointer { buffer in
            let target = SharedAccumulator(buffer: buffer)
            // Helpers are lent by `cores` (pool threads, only while a core is idle); the calling thread works too.
            cores.forEach(parts: Self.bandCount, helpers: parts - 1) { [self] band in
                added.add(scatter(frontier, unit: unit, band: band, into: target), ordering: .relaxed)
            }
        }
        return added.load(ordering: .relaxed)
    }

    /// One band's entries for the whole frontier, in frontier order: writes only the slots
    /// `bandStarts[band] ..< bandStarts[band + 1]`. Returns the entries added.
    ///
    /// The next frontier entry's run is prefetched while one run is added: runs start at scattered places
    /// in arrays of tens of MB, and the hint hides that first miss (23 % less CPU per entry on
    /// soc-Slashdot0902, README "Combine").
    private func scatter(_ frontier: [WeightedVertex], unit: Double, band: Int, into target: SharedAccumulator) -> Int {
        // Local copies (retains, no element copy): a span needs a borrow that outlives the loop.
        let (offsetArray, targetArray, countArray) = (bands[band].offsets, bands[band].targets, bands[band].counts)
        let offsets = offsetArray.span
        let targets = targetArray.span
        let counts = countArray.span
        let accumulator = target.buffer
        let shardCount = shardCount
        /// The run of frontier entry `i`: its entries in this band.
        func run(_ i: Int) -> Range<Int> {
            let vertex = Int(frontier[i].vertex)
            let local = shardCount == 1 ? vertex : vertex / shardCount
            return Int(offsets[local])..<Int(offsets[local + 1])
        }
        var added = 0
        targetArray.withUnsafeBufferPointer { targetMemory in
            countArray.withUnsafeBufferPointer { countMemory in
                guard !frontier.isEmpty, let targetBase = targetMemory.baseAddress,
                    let countBase = countMemory.baseAddress
                else { return }  // no entries in this band
                var current = run(0)
                for i in frontier.indices {
                    let next = i + 1 < frontier.count ? run(i + 1) : 0..<0
                    pw_prefetch(targetBase + next.lowerBound)  // a hint: never faults, even at the end
                    pw_prefetch(countBase + next.lowerBound)
                    let scale = frontier[i].weight * unit
                    added &+= current.count
                    // Safety of the unchecked reads and writes: validated when the table was built (offsets
                    // within the arrays and non-decreasing, every target below vertexCount == accumulator.count).
                    for e in current {
                        accumulator[Int(targets[unchecked: e])] += scale * Double(counts[unchecked: e])
                    }
                    current = next
                }
            }
        }
        return added
    }
}

/// An accumulator lent to the threads of one combine.
///
/// Safety (`@unchecked Sendable`): it is used only inside `scatter`'s `withUnsafeMutableBufferPointer`: a
/// helper touches it only inside `IdleCores.forEach`, which returns after every helper's last part; the
/// threads write disjoint slots (the bands each claimed).
private struct SharedAccumulator: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Double>
}

extension FingerprintStoreReader {
    /// Why a version's table is not built (the LMDB path serves it).
    enum ResidentRefusal: Error {
        /// Its table would take `bytes`, above the store's budget.
        case overBudget(bytes: Int)
        /// A visit count does not fit the table's UInt16.
        case countTooLarge
    }

    /// Decodes every fingerprint of this version into a table, checking each chunk (number, count,
    /// offsets) and each entry (target below the graph's vertex count) once. Two passes: the first counts
    /// the entries per target (to cut the bands), the second fills each band's CSR.
    ///
    /// - Throws: `StoreError` for a damaged or deleted version; `ResidentRefusal.countTooLarge` when a
    ///   visit count exceeds UInt16 (the caller then keeps the LMDB path).
    func decodeResident() throws -> ResidentFingerprints {
        let local = manifest.localVertexCount
        let vertexCount = manifest.vertexCount
        let expected = manifest.entryCount
        guard expected >= 0, expected <= Int(UInt32.max) else {
            throw residentCorrupt("manifest claims \(expected) entries")
        }
        var perTarget = [UInt32](repeating: 0, count: vertexCount)
        var seen = 0
        var tooLarge = false
        try forEachResidentEntry { (target, visits) throws(ChunkFormatError) in
            perTarget[Int(target)] &+= 1
            seen += 1
            if visits > UInt32(UInt16.max) { tooLarge = true }
            // The manifest was checked against every chunk when the version completed; more entries than
            // it claims means the store changed under it: refuse, unbounded.
            guard seen <= expected else { throw ChunkFormatError("more than the manifest's \(expected) entries") }
        } endOfFingerprint: {
        }
        if tooLarge { throw ResidentRefusal.countTooLarge }
        guard seen == expected else { throw residentCorrupt("\(seen) entries, the manifest says \(expected)") }
        let bandStarts = ResidentFingerprints.balancedBands(perTarget: perTarget, total: expected)
        perTarget = []
        var bands = (0..<ResidentFingerprints.bandCount).map { band in
            let size =
                expected * (band + 1) / ResidentFingerprints.bandCount - expected * band
                / ResidentFingerprints.bandCount
            var empty = ResidentFingerprints.Band(offsets: [0], targets: [], counts: [])
            empty.offsets.reserveCapacity(local + 1)
            empty.targets.reserveCapacity(size + size / 8)
            empty.counts.reserveCapacity(size + size / 8)
            return empty
        }
        var band = 0
        var filled = 0
        try forEachResidentEntry { (target, visits) throws(ChunkFormatError) in
            // Targets arrive strictly ascending within a fingerprint (the codec's gaps are >= 0).
            while Int(target) >= bandStarts[band + 1] { band += 1 }
            bands[band].targets.append(target)
            bands[band].counts.append(UInt16(truncatingIfNeeded: visits))
            filled += 1
            guard filled <= expected else { throw ChunkFormatError("more than the manifest's \(expected) entries") }
        } endOfFingerprint: {
            for b in bands.indices { bands[b].offsets.append(UInt32(bands[b].targets.count)) }
            band = 0
        }
        guard filled == expected else { throw residentCorrupt("\(filled) entries, the manifest says \(expected)") }
        return ResidentFingerprints(
            version: manifest.version, bands: bands, bandStarts: bandStarts, localVertexCount: local,
            vertexCount: vertexCount, shardIndex: manifest.shardIndex, shardCount: manifest.shardCount)
    }

    /// Calls `entry` for each entry of each fingerprint of this version in local vertex order (targets
    /// ascending within a fingerprint, each below the graph's vertex count), and `endOfFingerprint` after
    /// each fingerprint, checking every chunk.
    ///
    /// - Throws: `StoreError` for a damaged or deleted version (or when `entry` throws).
    private func forEachResidentEntry(
        _ entry: (UInt32, UInt32) throws(ChunkFormatError) -> Void, endOfFingerprint: () -> Void
    ) throws {
        let local = manifest.localVertexCount
        let vertexCount = manifest.vertexCount
        try read { txn in
            for chunk in 0..<StoreLayout.chunkCount(localVertexCount: local) {
                let expectedCount = min(StoreLayout.chunkVertexCount, local - chunk * StoreLayout.chunkVertexCount)
                let found: Void? = try txn.withValue(forKey: UInt32(chunk), in: database) { bytes in
                    do {
                        let count = try ChunkFormat.fingerprintCount(bytes)
                        guard count == expectedCount else {
                            throw ChunkFormatError("holds \(count) fingerprints, expected \(expectedCount)")
                        }
                        for slot in 0..<count {
                            let range = try ChunkFormat.fingerprintRange(bytes, count: count, slot: slot)
                            var failure: ChunkFormatError?
                            do {
                                try FingerprintCodec.forEachEntry(bytes.extracting(range), vertexCount: vertexCount) {
                                    vertex, visits in
                                    guard failure == nil else { return }
                                    do throws(ChunkFormatError) { try entry(vertex, visits) } catch { failure = error }
                                }
                            } catch {
                                throw ChunkFormatError("fingerprint \(slot): \(error)")
                            }
                            if let failure { throw failure }
                            endOfFingerprint()
                        }
                    } catch {
                        throw residentCorrupt("chunk \(chunk): \(error)")
                    }
                }
                if found == nil { throw residentCorrupt("chunk \(chunk) missing") }
            }
        }
    }

    private func residentCorrupt(_ detail: String) -> StoreError {
        .corruptIndex(path: store.directory, detail: "version \(manifest.version) \(detail)")
    }
}
