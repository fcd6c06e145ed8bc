// ResidentFingerprints: one version's fingerprints decoded once into flat arrays, for the combine step.
//
// The LMDB path of a combine (FingerprintStoreReader.accumulate) pays per query: a read transaction, a
// B-tree lookup per 256-vertex chunk, the chunk header checks and a varint decode per entry (~7 ns per
// entry). Decoded once per version, the fingerprints form a CSR by shard-local vertex (`offsets`,
// `targets`, `counts`) and the combine becomes a plain scatter loop with no per-entry check: every
// target was checked against the graph and every offset against the arrays when the table was built.
//
// Target bands: the graph's vertices are cut into `bandCount` contiguous ranges of target vertices
// (`bandStarts`, chosen when the table is built so that each range receives about the same number of
// the version's entries), and `offsets` holds, per shard-local vertex, where each band's entries start
// (a fingerprint's entries are ascending by target, so its band b entries are one run). In a combine
// over T threads each thread claims the next unclaimed band until none is left, walks the whole frontier
// in frontier order and adds only that band's entries: it alone writes those accumulator slots, and each
// slot receives its terms in exactly the single-thread order. The sums are bit-identical whatever the
// thread count and whichever thread takes which band (B is a constant, independent of T).
//
// The scatter adds, for frontier entry (v, w) and fingerprint entry (x, c), `w * alpha / R * Double(c)`
// into a Double accumulator, in frontier order then entry order: bit for bit what the LMDB path adds
// (it adds `w * alpha / R` for c = 1, and `s * 1.0 == s`), so an answer does not depend on which path
// served it, and stays within Double rounding of itself whatever the shard count.
//
// Threads: `DispatchQueue.concurrentPerform` (its pool threads are reused; about 10 µs per call on an
// idle 2-core host, measured), and only for combines of at least `parallelMinimumEntries` entries.
//
// Memory: `bytesPerEntry` (6: a UInt32 target and a UInt16 visit count) per fingerprint entry plus
// `bytesPerVertex` (a UInt32 band offset per band) per shard-local vertex; ResidentFingerprintCache keeps
// tables under a per-store budget.
import Dispatch
import LMDB
import PPRCore
import Synchronization

/// A complete version's fingerprints, decoded and validated, held in memory. Read-only once built.
public final class ResidentFingerprints: Sendable {
    /// Bytes per fingerprint entry: a UInt32 target vertex and a UInt16 visit count.
    public static let bytesPerEntry = 6
    /// Target bands per table: the most threads one combine can use. Threads claim bands one at a time, so
    /// a thread that starts late does fewer; 4 lets 2 threads balance for 12 bytes per vertex more than one
    /// band.
    public static let bandCount = 4
    /// Bytes per shard-local vertex: a UInt32 offset per band.
    public static let bytesPerVertex = 4 * bandCount
    /// Fewest fingerprint entries a combine must read to be split over threads: below it, waking a pool
    /// thread costs more than it saves. (Measured on soc-Slashdot0902, README "Resident fingerprints".)
    public static let parallelMinimumEntries = 16_384
    /// The default budget of a store's resident tables (all versions together): 1 GiB, about 178 M
    /// fingerprint entries (soc-Slashdot0902 at R = 16 takes 7.3 M entries, 43 MiB). Above it a version is
    /// combined from LMDB (`FingerprintStore(directory:residentBudgetBytes:)` sets another).
    public static let defaultBudgetBytes = 1 << 30

    /// The version it was decoded from.
    public let version: UInt32
    /// Entries of shard-local vertex `l` whose targets lie in band `b` are
    /// `offsets[l * bandCount + b] ..< offsets[l * bandCount + b + 1]`; `localVertexCount * bandCount + 1`
    /// values, non-decreasing, the last equal to `targets.count`.
    let offsets: [UInt32]
    /// Band `b` holds the target vertices `bandStarts[b] ..< bandStarts[b + 1]`; `bandCount + 1` values,
    /// non-decreasing, from 0 to `vertexCount`.
    let bandStarts: [Int]
    /// Target vertices (each `< vertexCount`), ascending within each fingerprint.
    let targets: [UInt32]
    /// Visit counts (each >= 1).
    let counts: [UInt16]
    let vertexCount: Int
    let shardIndex: Int
    let shardCount: Int

    /// Fingerprint entries held.
    public var entryCount: Int { targets.count }

    /// Bytes the table takes.
    public var byteCount: Int {
        Self.byteCount(entryCount: entryCount, localVertexCount: (offsets.count - 1) / Self.bandCount)
    }

    /// Bytes a table of `entryCount` entries over `localVertexCount` vertices takes.
    public static func byteCount(entryCount: Int, localVertexCount: Int) -> Int {
        entryCount * bytesPerEntry + localVertexCount * bytesPerVertex + 4
    }

    /// Builds the band layout of a decoded CSR: `vertexOffsets` (one per local vertex, plus the end) and
    /// `targets` ascending within each vertex's range, each below `vertexCount` (the decoder checked both).
    init(
        version: UInt32, vertexOffsets: [UInt32], targets: [UInt32], counts: [UInt16], vertexCount: Int,
        shardIndex: Int, shardCount: Int
    ) {
        let bandStarts = Self.balancedBands(targets, vertexCount: vertexCount)
        let bands = Self.bandCount
        let localCount = vertexOffsets.count - 1
        var offsets = [UInt32](repeating: 0, count: localCount * bands + 1)
        let targetSpan = targets.span
        for local in 0..<localCount {
            var e = Int(vertexOffsets[local])
            let end = Int(vertexOffsets[local + 1])
            offsets[local * bands] = UInt32(e)
            for band in 1..<bands {
                let first = bandStarts[band]
                while e < end, Int(targetSpan[e]) < first { e += 1 }
                offsets[local * bands + band] = UInt32(e)
            }
        }
        offsets[localCount * bands] = UInt32(targets.count)
        self.version = version
        self.offsets = offsets
        self.bandStarts = bandStarts
        self.targets = targets
        self.counts = counts
        self.vertexCount = vertexCount
        self.shardIndex = shardIndex
        self.shardCount = shardCount
    }

    /// Band starts that give each band about `targets.count / bandCount` of the entries (a fixed function
    /// of the version's fingerprints, so every process cuts a version alike).
    static func balancedBands(_ targets: [UInt32], vertexCount: Int) -> [Int] {
        var perTarget = [Int](repeating: 0, count: vertexCount)
        for target in targets { perTarget[Int(target)] += 1 }
        var starts = [0]
        var seen = 0
        var vertex = 0
        for band in 1..<bandCount {
            let goal = targets.count * band / bandCount
            while vertex < vertexCount, seen + perTarget[vertex] <= goal {
                seen += perTarget[vertex]
                vertex += 1
            }
            starts.append(vertex)
        }
        starts.append(vertexCount)
        return starts
    }

    /// Threads a combine of `entries` entries uses when `threads` are allowed.
    static func parts(entries: Int, threads: Int) -> Int {
        entries < parallelMinimumEntries ? 1 : max(1, min(threads, bandCount))
    }

    /// Fingerprint entries of the frontier's vertices (each owned by this shard: the caller checked).
    func entryCount(of frontier: [WeightedVertex]) -> Int {
        let offsetArray = self.offsets  // a local copy (a retain): the span borrows it
        let offsets = offsetArray.span
        let (bands, shardCount) = (Self.bandCount, shardCount)
        var total = 0
        for entry in frontier {
            let row = Int(entry.vertex) / shardCount * bands
            total &+= Int(offsets[row + bands]) &- Int(offsets[row])
        }
        return total
    }

    /// Adds `weight * unit * count` into `accumulator[x]` for each fingerprint entry (x, count) of each
    /// frontier entry, in frontier order, split by target band over up to `threads` threads (one when the
    /// combine reads fewer than `parallelMinimumEntries` entries); the sums do not depend on the split.
    /// The frontier's vertices must be owned by this shard (the caller checked); `accumulator` has one
    /// slot per graph vertex. Returns the entries added.
    func scatter(_ frontier: [WeightedVertex], unit: Double, threads: Int, into accumulator: inout [Double]) -> Int {
        let entries = entryCount(of: frontier)
        let parts = Self.parts(entries: entries, threads: threads)
        accumulator.withUnsafeMutableBufferPointer { buffer in
            let target = SharedAccumulator(buffer: buffer)
            guard parts > 1 else {
                scatter(frontier, unit: unit, bands: 0..<Self.bandCount, into: target)
                return
            }
            // Each thread claims the next band until none is left: a thread that starts late (a busy
            // host) leaves its share to the others instead of making them wait for it.
            let next = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: parts) { _ in
                while true {
                    let band = next.add(1, ordering: .relaxed).oldValue
                    guard band < Self.bandCount else { return }
                    scatter(frontier, unit: unit, bands: band..<(band + 1), into: target)
                }
            }
        }
        return entries
    }

    /// The entries of `bands` only, for the whole frontier in frontier order: writes only the slots
    /// `bandStarts[bands.lowerBound] ..< bandStarts[bands.upperBound]`.
    @inline(__always)
    private func scatter(_ frontier: [WeightedVertex], unit: Double, bands: Range<Int>, into target: SharedAccumulator)
    {
        // Local copies (retains, no element copy): a span needs a borrow that outlives the loop.
        let (offsetArray, targetArray, countArray) = (self.offsets, self.targets, self.counts)
        let offsets = offsetArray.span
        let targets = targetArray.span
        let counts = countArray.span
        let accumulator = target.buffer
        let (bandCount, shardCount) = (Self.bandCount, shardCount)
        let (low, high) = (bands.lowerBound, bands.upperBound)
        for entry in frontier {
            let row = Int(entry.vertex) / shardCount &* bandCount
            let start = Int(offsets[row &+ low])
            let end = Int(offsets[row &+ high])
            let scale = entry.weight * unit
            // Safety of the unchecked reads and writes: validated when the table was built (offsets within
            // the arrays and non-decreasing, every target below vertexCount == accumulator.count).
            for e in start..<end {
                accumulator[Int(targets[unchecked: e])] += scale * Double(counts[unchecked: e])
            }
        }
    }
}

/// An accumulator lent to the threads of one combine.
///
/// Safety (`@unchecked Sendable`): it lives only inside `scatter`'s `withUnsafeMutableBufferPointer`
/// (concurrentPerform returns before it), and the threads write disjoint slots (their own target bands).
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
    /// offsets) and each entry (target below the graph's vertex count) once.
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
        var offsets: [UInt32] = []
        offsets.reserveCapacity(local + 1)
        offsets.append(0)
        var targets: [UInt32] = []
        targets.reserveCapacity(expected)
        var counts: [UInt16] = []
        counts.reserveCapacity(expected)
        var tooLarge = false
        try read { txn in
            for chunk in 0..<StoreLayout.chunkCount(localVertexCount: local) where !tooLarge {
                let expectedCount = min(StoreLayout.chunkVertexCount, local - chunk * StoreLayout.chunkVertexCount)
                let found: Void? = try txn.withValue(forKey: UInt32(chunk), in: database) { bytes in
                    do throws(ChunkFormatError) {
                        let count = try ChunkFormat.fingerprintCount(bytes)
                        guard count == expectedCount else {
                            throw ChunkFormatError("holds \(count) fingerprints, expected \(expectedCount)")
                        }
                        for slot in 0..<count {
                            let range = try ChunkFormat.fingerprintRange(bytes, count: count, slot: slot)
                            do {
                                // Targets arrive strictly ascending (the codec's gaps are >= 0): the band
                                // layout relies on it.
                                try FingerprintCodec.forEachEntry(bytes.extracting(range), vertexCount: vertexCount) {
                                    vertex, visits in
                                    targets.append(vertex)
                                    counts.append(UInt16(truncatingIfNeeded: visits))
                                    if visits > UInt32(UInt16.max) { tooLarge = true }
                                }
                            } catch {
                                throw ChunkFormatError("fingerprint \(slot): \(error)")
                            }
                            // The manifest was checked against every chunk when the version completed; more
                            // entries than it claims means the store changed under it: refuse, unbounded.
                            guard targets.count <= expected else {
                                throw ChunkFormatError("more than the manifest's \(expected) entries")
                            }
                            offsets.append(UInt32(targets.count))
                        }
                    } catch {
                        throw residentCorrupt("chunk \(chunk): \(error)")
                    }
                }
                if found == nil { throw residentCorrupt("chunk \(chunk) missing") }
            }
        }
        if tooLarge { throw ResidentRefusal.countTooLarge }
        guard targets.count == expected else {
            throw residentCorrupt("\(targets.count) entries, the manifest says \(expected)")
        }
        return ResidentFingerprints(
            version: manifest.version, vertexOffsets: offsets, targets: targets, counts: counts,
            vertexCount: vertexCount, shardIndex: manifest.shardIndex, shardCount: manifest.shardCount)
    }

    private func residentCorrupt(_ detail: String) -> StoreError {
        .corruptIndex(path: store.directory, detail: "version \(manifest.version) \(detail)")
    }
}
