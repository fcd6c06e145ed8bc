// FingerprintStoreReader: the query side of a FingerprintStore (the combine step of DESIGN §2).
//
// accumulate(frontier) visits the frontier sorted by vertex. Two paths add the same numbers in the same
// order (so an answer does not depend on the path):
// - resident: the version's fingerprints decoded once into memory (ResidentFingerprints, under the
//   store's budget; ResidentFingerprintCache builds them in the background after the first combine):
//   a plain scatter loop, ~3x faster per entry, split by target band over `combineThreads` threads;
// - LMDB (until then, or above the budget): one read transaction per call, one B-tree lookup per
//   distinct chunk (vertices of one chunk are adjacent), and each fingerprint decoded straight from the
//   memory map into the accumulator (FingerprintCodec.accumulate).
// Frontier vertices this shard does not own are an error (`StoreError.vertexNotInStore`), never
// silently skipped: routing a vertex to the wrong shard would otherwise lose its mass.
import LMDB
import PPRCore

extension FingerprintStore {
    /// A reader of the active version (or of `version`), refused unless that version is complete and was
    /// built for this graph and alpha. `graphWeighted`, when given, names a weighted/unweighted mix-up in
    /// the refusal (the checksum alone already refuses it: it covers the weights).
    public func reader(
        version requested: UInt32? = nil, expecting graphChecksum: UInt64, graphWeighted: Bool? = nil,
        restartProbability: Double
    ) throws(StoreError) -> FingerprintStoreReader {
        let infos = try versions()
        let chosen = requested.flatMap { v in infos.first { $0.version == v } } ?? infos.first(where: \.isActive)
        guard let info = chosen, info.state == .complete else {
            let states = infos.map { "version \($0.version) \($0.state)" }.joined(separator: ", ")
            let what = requested.map { "version \($0) is not complete" } ?? "no active version"
            throw .noCompleteIndex(path: directory, detail: states.isEmpty ? what : "\(what); \(states)")
        }
        guard info.manifest.graphChecksum == graphChecksum else {
            if let graphWeighted, graphWeighted != info.manifest.graphWeighted {
                throw .graphWeightingMismatch(
                    path: directory, expectedChecksum: graphChecksum, graphWeighted: graphWeighted,
                    indexedChecksum: info.manifest.graphChecksum)
            }
            throw .graphMismatch(
                path: directory, expectedChecksum: graphChecksum, indexedChecksum: info.manifest.graphChecksum)
        }
        guard info.manifest.restartProbability == restartProbability else {
            throw .restartProbabilityMismatch(
                path: directory, requested: restartProbability, indexed: info.manifest.restartProbability)
        }
        guard let database = try fingerprintDatabase(info.version) else {
            throw .corruptIndex(path: directory, detail: "fingerprints of version \(info.version) are missing")
        }
        return FingerprintStoreReader(store: self, database: database, manifest: info.manifest)
    }
}

/// Reads one complete version's fingerprints; safe to use from many threads at once.
public struct FingerprintStoreReader: FingerprintSource, Sendable {
    /// Keeps the environment open.
    let store: FingerprintStore
    /// db `fp.<version>`.
    let database: Database
    /// The version's manifest.
    public let manifest: StoreManifest
    /// Threads one resident combine may use, split by target band (`ResidentFingerprints`): the sums are
    /// the same whatever the count. 1 (the default) keeps the combine on the calling thread, as workers
    /// do: they run as several processes on the same cores, where a query's own threads would compete
    /// with the other queries.
    public var combineThreads = 1
    /// Where a resident combine's helper threads come from (`combineThreads` > 1): by default a pool thread
    /// whenever asked; a worker passes its process's `IdleCores`, so helpers run only on idle cores.
    public var combineCores = ResidentFingerprints.anyCore

    /// The walk parameters the fingerprints were built with.
    public var walkParameters: WalkParameters { manifest.walkParameters }

    /// Decodes this version's fingerprints into memory now, on this thread (or waits for a build in
    /// progress), so that later combines take the resident path; nil when the version stays on the LMDB
    /// path (its table exceeds the store's budget, or a visit count exceeds UInt16). Optional: the first
    /// combine starts the same build in the background.
    ///
    /// - Throws: `StoreError` for a damaged or deleted version.
    @discardableResult
    public func loadResidentFingerprints() throws(StoreError) -> ResidentFingerprints? {
        do {
            return try store.resident.load(for: self)
        } catch let error as StoreError {
            throw error
        } catch {
            throw corrupt("\(error)")
        }
    }

    /// Adds `weight * F_v` into `accumulator` (one slot per graph vertex) for each frontier entry.
    ///
    /// Throws `vertexNotInStore` for a vertex of another shard, `corruptIndex` for bytes that do not decode.
    public func accumulate(_ frontier: [WeightedVertex], into accumulator: inout [Double]) throws {
        var entries = 0
        try accumulate(frontier, into: &accumulator, entries: &entries)
    }

    /// `accumulate`, adding the number of fingerprint entries read to `entries`.
    public func accumulate(_ frontier: [WeightedVertex], into accumulator: inout [Double], entries: inout Int) throws {
        guard accumulator.count == manifest.vertexCount else {
            throw StoreError.accumulatorSize(expected: manifest.vertexCount, actual: accumulator.count)
        }
        let ordered =
            frontier.isSorted { $0.vertex <= $1.vertex } ? frontier : frontier.sorted { $0.vertex < $1.vertex }
        let scale = manifest.restartProbability / Double(manifest.walkParameters.walksPerVertex)
        try read { _ in }  // the version still exists (a deleted one must not start a build)
        if let table = store.resident.table(for: self) {
            for entry in ordered { _ = try location(of: entry.vertex) }  // owned: the table's reads stay in bounds
            entries += table.scatter(
                ordered, unit: scale, threads: combineThreads, cores: combineCores, into: &accumulator)
            return
        }
        var added = 0
        defer { entries += added }
        try read { txn in
            var start = 0
            while start < ordered.count {
                let chunk = try location(of: ordered[start].vertex).chunk
                var end = start + 1
                while end < ordered.count, try location(of: ordered[end].vertex).chunk == chunk { end += 1 }
                let found: Void? = try txn.withValue(forKey: chunk, in: database) { bytes in
                    let count = try checked(chunk) { () throws(ChunkFormatError) in
                        try ChunkFormat.fingerprintCount(bytes)
                    }
                    var target = accumulator.mutableSpan
                    for entry in ordered[start..<end] {
                        let slot = try location(of: entry.vertex).slot
                        let range = try checked(chunk) { () throws(ChunkFormatError) in
                            guard slot < count else { throw ChunkFormatError("no fingerprint in slot \(slot)") }
                            return try ChunkFormat.fingerprintRange(bytes, count: count, slot: slot)
                        }
                        do {
                            added += try FingerprintCodec.accumulate(
                                bytes.extracting(range), scale: entry.weight * scale, into: &target)
                        } catch {
                            throw corrupt("chunk \(chunk) vertex index \(entry.vertex): \(error)")
                        }
                    }
                }
                if found == nil { throw corrupt("chunk \(chunk) missing") }
                start = end
            }
        }
    }

    /// One frontier's partial sum through a caller-owned dense scratch vector (the online query path of a
    /// worker): no `O(n)` allocation per request, which on a busy worker costs page faults that serialise
    /// concurrent requests. `dense` must be all zero with one slot per graph vertex; it is all zero again
    /// on return, also after an error. Returns the sparse sum (ascending vertices, non-zero scores) and
    /// the number of distinct fingerprints read.
    public func combine(_ frontier: [WeightedVertex], scratch dense: inout [Double]) throws(StoreError)
        -> (sum: ShardPartialSum, fingerprintsRead: Int)
    {
        let (_, distinct) = try accumulate(frontier, scratch: &dense)
        return (Self.drainSparse(&dense), distinct)
    }

    /// The first half of `combine(_:scratch:)`: adds the frontier's fingerprints into the zeroed `dense` (all
    /// zero again after an error) and returns the fingerprint entries added and the distinct fingerprints read.
    /// The caller then reads `dense` and zeroes it (`drainSparse` does both).
    public func accumulate(_ frontier: [WeightedVertex], scratch dense: inout [Double]) throws(StoreError)
        -> (entries: Int, fingerprintsRead: Int)
    {
        guard dense.count == manifest.vertexCount else {
            throw .accumulatorSize(expected: manifest.vertexCount, actual: dense.count)
        }
        var previous: VertexIndex?
        var distinct = 0
        // Frontiers arrive ascending (Expansion's order, kept by the coordinator's split): no sort then.
        let ordered =
            frontier.isSorted { $0.vertex <= $1.vertex } ? frontier : frontier.sorted { $0.vertex < $1.vertex }
        for entry in ordered {
            _ = try location(of: entry.vertex)  // ownership checked up front: no partial work on error
            if entry.vertex != previous { distinct += 1 }
            previous = entry.vertex
        }
        var entries = 0
        do {
            try accumulate(ordered, into: &dense, entries: &entries)
        } catch {
            var span = dense.mutableSpan
            for x in 0..<span.count { span[unchecked: x] = 0 }
            throw error as? StoreError ?? corrupt("\(error)")
        }
        return (entries, distinct)
    }

    /// The non-zero slots of `dense` as a sparse sum (ascending vertices); zeroes them.
    public static func drainSparse(_ dense: inout [Double]) -> ShardPartialSum {
        var sum = ShardPartialSum()
        var span = dense.mutableSpan
        for x in 0..<span.count where span[unchecked: x] != 0 {
            sum.vertices.append(VertexIndex(x))
            sum.scores.append(span[unchecked: x])
            span[unchecked: x] = 0
        }
        return sum
    }

    /// The fingerprint of `vertex`; nil when this store does not hold it (another shard's or out of range).
    public func fingerprint(of vertex: VertexIndex) throws(StoreError) -> Fingerprint? {
        guard let (chunk, slot) = try? location(of: vertex) else { return nil }
        do {
            return try read { txn in
                let found = try txn.withValue(forKey: chunk, in: database) { bytes in
                    let range = try checked(chunk) { () throws(ChunkFormatError) in
                        let count = try ChunkFormat.fingerprintCount(bytes)
                        guard slot < count else { throw ChunkFormatError("no fingerprint in slot \(slot)") }
                        return try ChunkFormat.fingerprintRange(bytes, count: count, slot: slot)
                    }
                    do {
                        return try FingerprintCodec.decode(bytes.extracting(range), vertexCount: manifest.vertexCount)
                    } catch {
                        throw corrupt("chunk \(chunk) vertex index \(vertex): \(error)")
                    }
                }
                guard let found else { throw corrupt("chunk \(chunk) missing") }
                return found
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw corrupt("\(error)")
        }
    }

    /// Chunk number and slot of an owned vertex.
    @inline(__always)
    func location(of vertex: VertexIndex) throws(StoreError) -> (chunk: UInt32, slot: Int) {
        let shardCount = manifest.shardCount
        guard Int(vertex) < manifest.vertexCount, Int(vertex) % shardCount == manifest.shardIndex else {
            throw .vertexNotInStore(
                vertex, shardIndex: manifest.shardIndex, shardCount: shardCount, vertexCount: manifest.vertexCount)
        }
        let local = Int(vertex) / shardCount
        return (UInt32(local / StoreLayout.chunkVertexCount), local % StoreLayout.chunkVertexCount)
    }

    /// Runs `body` in a read transaction after checking the version still exists (it may have been deleted
    /// since this reader was made, and its database handle reused).
    func read<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        try store.perform {
            try store.environment.read { txn in
                let key = StoreLayout.versionKey(manifest.version)
                let live = try txn.withValue(forKey: key, in: store.meta) {
                    $0.count >= 1 && $0[0] == IndexVersionState.complete.rawValue
                }
                guard live == true else {
                    throw StoreError.noCompleteIndex(
                        path: store.directory, detail: "version \(manifest.version) was deleted while being read")
                }
                return try body(txn)
            }
        }
    }

    private func corrupt(_ detail: String) -> StoreError {
        .corruptIndex(path: store.directory, detail: "version \(manifest.version) \(detail)")
    }

    private func checked<R>(_ chunk: UInt32, _ body: () throws(ChunkFormatError) -> R) throws(StoreError) -> R {
        do { return try body() } catch { throw corrupt("chunk \(chunk): \(error)") }
    }
}

extension Array {
    /// True when `areInOrder` holds for each adjacent pair.
    fileprivate func isSorted(by areInOrder: (Element, Element) -> Bool) -> Bool {
        var i = 1
        while i < count {
            if !areInOrder(self[i - 1], self[i]) { return false }
            i += 1
        }
        return true
    }
}
