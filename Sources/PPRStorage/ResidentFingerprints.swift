// ResidentFingerprints: one version's fingerprints decoded once into flat arrays, for the combine step.
//
// The LMDB path of a combine (FingerprintStoreReader.accumulate) pays per query: a read transaction, a
// B-tree lookup per 256-vertex chunk, the chunk header checks and a varint decode per entry (~7 ns per
// entry). Decoded once per version, the fingerprints form a CSR by shard-local vertex (`offsets`,
// `targets`, `counts`) and the combine becomes a plain scatter loop with no per-entry check: every
// target was checked against the graph and every offset against the arrays when the table was built.
//
// The scatter adds, for frontier entry (v, w) and fingerprint entry (x, c), `w * alpha / R * Double(c)`
// into a Double accumulator, in frontier order then entry order: bit for bit what the LMDB path adds
// (it adds `w * alpha / R` for c = 1, and `s * 1.0 == s`), so an answer does not depend on which path
// served it, and stays within Double rounding of itself whatever the shard count.
//
// Memory: `bytesPerEntry` (6: a UInt32 target and a UInt16 visit count) per fingerprint entry plus a
// UInt32 offset per shard-local vertex; ResidentFingerprintCache keeps tables under a per-store budget.
import LMDB
import PPRCore

/// A complete version's fingerprints, decoded and validated, held in memory. Read-only once built.
public final class ResidentFingerprints: Sendable {
    /// Bytes per fingerprint entry: a UInt32 target vertex and a UInt16 visit count.
    public static let bytesPerEntry = 6
    /// Bytes per shard-local vertex: its UInt32 offset.
    public static let bytesPerVertex = 4
    /// The default budget of a store's resident tables (all versions together): 1 GiB, about 178 M
    /// fingerprint entries (soc-Slashdot0902 at R = 16 takes 7.3 M entries, 44 MiB). Above it a version is
    /// combined from LMDB (`FingerprintStore(directory:residentBudgetBytes:)` sets another).
    public static let defaultBudgetBytes = 1 << 30

    /// The version it was decoded from.
    public let version: UInt32
    /// Entries of shard-local vertex `l` are `offsets[l] ..< offsets[l + 1]`; `localVertexCount + 1` values,
    /// non-decreasing, the last equal to `targets.count`.
    let offsets: [UInt32]
    /// Target vertices (each `< vertexCount`).
    let targets: [UInt32]
    /// Visit counts (each >= 1).
    let counts: [UInt16]
    let vertexCount: Int
    let shardIndex: Int
    let shardCount: Int

    /// Fingerprint entries held.
    public var entryCount: Int { targets.count }

    /// Bytes the table takes.
    public var byteCount: Int { Self.byteCount(entryCount: entryCount, localVertexCount: offsets.count - 1) }

    /// Bytes a table of `entryCount` entries over `localVertexCount` vertices takes.
    public static func byteCount(entryCount: Int, localVertexCount: Int) -> Int {
        entryCount * bytesPerEntry + (localVertexCount + 1) * bytesPerVertex
    }

    init(
        version: UInt32, offsets: [UInt32], targets: [UInt32], counts: [UInt16], vertexCount: Int, shardIndex: Int,
        shardCount: Int
    ) {
        self.version = version
        self.offsets = offsets
        self.targets = targets
        self.counts = counts
        self.vertexCount = vertexCount
        self.shardIndex = shardIndex
        self.shardCount = shardCount
    }

    /// Adds `weight * unit * count` into `accumulator[x]` for each fingerprint entry (x, count) of each
    /// frontier entry, in frontier order. The frontier's vertices must be owned by this shard (the
    /// caller checked); `accumulator` has one slot per graph vertex. Returns the entries added.
    @inline(__always)
    func scatter(_ frontier: [WeightedVertex], unit: Double, into accumulator: inout MutableSpan<Double>) -> Int {
        // Local copies (retains, no element copy): a span needs a borrow that outlives the loop.
        let (offsetArray, targetArray, countArray) = (self.offsets, self.targets, self.counts)
        let offsets = offsetArray.span
        let targets = targetArray.span
        let counts = countArray.span
        let shardCount = shardCount
        var added = 0
        for entry in frontier {
            let local = Int(entry.vertex) / shardCount
            let start = Int(offsets[local])
            let end = Int(offsets[local + 1])
            let scale = entry.weight * unit
            added &+= end &- start
            // Safety of the unchecked reads and writes: validated when the table was built (offsets within
            // the arrays and non-decreasing, every target below vertexCount == accumulator.count).
            for e in start..<end {
                accumulator[unchecked: Int(targets[unchecked: e])] += scale * Double(counts[unchecked: e])
            }
        }
        return added
    }
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
            version: manifest.version, offsets: offsets, targets: targets, counts: counts, vertexCount: vertexCount,
            shardIndex: manifest.shardIndex, shardCount: manifest.shardCount)
    }

    private func residentCorrupt(_ detail: String) -> StoreError {
        .corruptIndex(path: store.directory, detail: "version \(manifest.version) \(detail)")
    }
}
