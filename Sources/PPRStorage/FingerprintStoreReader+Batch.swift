// Batch combine: the shard side of a batch of queries (DESIGN §2 Batch).
//
// Given Q frontiers (query q: pairs (v, w) of vertices this shard owns and their flow), computes for each
// query the sparse partial sum S_q = sum over (v, w) of w * F_v, where F_v(x) = alpha * visits_v(x) / R.
//
// Method, in two phases so that each distinct fingerprint is read and decoded exactly once per batch:
// 1. Read: the distinct frontier vertices of all queries, ascending, are grouped by chunk; one read
//    transaction, one B-tree lookup per distinct chunk, and each fingerprint is decoded straight from the
//    memory map into a compact table (entry vertices and visit counts, concatenated; `entryStart[d]` is where
//    distinct vertex d begins).
// 2. Sum: one dense accumulator (a slot per graph vertex) with a touched list is reused for every query:
//    each frontier entry adds `w * alpha/R * count` for the entries of its decoded fingerprint; the touched
//    vertices are then sorted, their non-zero sums emitted and their slots reset.
//
// Memory: the decoded table (8 bytes per entry of each distinct fingerprint) plus one accumulator of
// `vertexCount` doubles and stamps, whatever the query count. Work: O(E_distinct + sum_q sum_(v in q) |F_v|
// + output sort). Each query's sums are added in its frontier order, so results are bit-stable.
// Blocking: synchronous LMDB reads and CPU work; run it off the cooperative pool.
import LMDB
import PPRCore

/// One query's partial sum from one shard: vertices ascending, only non-zero scores.
public struct ShardPartialSum: Equatable, Sendable {
    /// Internal vertex indices, strictly ascending.
    public var vertices: [VertexIndex]
    /// `sum over (v, w) of w * alpha * visits_v(x) / R` for `x = vertices[i]` (not normalised).
    public var scores: [Double]

    /// Makes a partial sum; the arrays must have equal lengths.
    public init(vertices: [VertexIndex] = [], scores: [Double] = []) {
        precondition(vertices.count == scores.count, "a partial sum needs one score per vertex")
        self.vertices = vertices
        self.scores = scores
    }
}

/// The answer to a batch combine: `partialSums[i]` answers `frontiers[i]`.
public struct BatchCombineResult: Equatable, Sendable {
    /// One sparse partial sum per frontier, in request order.
    public var partialSums: [ShardPartialSum]
    /// Distinct fingerprints read (each once).
    public var fingerprintsRead: Int
    /// Distinct chunks looked up (each once).
    public var chunksRead: Int
}

extension FingerprintStoreReader {
    /// Weighted fingerprint sums for many frontiers at once, reading each distinct fingerprint once.
    ///
    /// Frontiers need not be sorted; a vertex may occur in several frontiers (and more than once in one: its
    /// weights add). Throws `vertexNotInStore` for a vertex this shard does not own (before reading
    /// anything), `noCompleteIndex` if the version was deleted meanwhile, `corruptIndex` for bad bytes.
    public func combine(_ frontiers: [[WeightedVertex]]) throws(StoreError) -> BatchCombineResult {
        var distinct: [VertexIndex] = []
        distinct.reserveCapacity(frontiers.reduce(0) { $0 + $1.count })
        for frontier in frontiers {
            for entry in frontier {
                _ = try location(of: entry.vertex)  // ownership checked up front: no partial work on error
                distinct.append(entry.vertex)
            }
        }
        distinct.sort()
        distinct = Self.uniqued(distinct)
        if frontiers.count == 1 { return try combineOne(frontiers[0], distinct: distinct) }
        let (table, chunksRead) = try decode(distinct)
        var summer = PartialSummer(vertexCount: manifest.vertexCount)
        let unit = manifest.restartProbability / Double(manifest.walkParameters.walksPerVertex)
        let sums = frontiers.map { frontier in
            summer.sum(frontier, distinct: distinct, table: table, unit: unit)
        }
        return BatchCombineResult(partialSums: sums, fingerprintsRead: distinct.count, chunksRead: chunksRead)
    }

    /// Phase 1: decodes the fingerprints of `distinct` (ascending, owned) into one table.
    /// One query (the online case): nothing is shared, so the fingerprints are added straight from the
    /// map into a dense accumulator (`accumulate`), and the non-zero sums are collected by one scan in
    /// vertex order, without the decode table or a sort.
    private func combineOne(_ frontier: [WeightedVertex], distinct: [VertexIndex]) throws(StoreError)
        -> BatchCombineResult
    {
        var dense = [Double](repeating: 0, count: manifest.vertexCount)
        do {
            try accumulate(frontier, into: &dense)
        } catch let error as StoreError {
            throw error
        } catch {
            throw batchCorrupt("\(error)")
        }
        var sum = ShardPartialSum()
        let span = dense.span
        for x in 0..<span.count where span[unchecked: x] != 0 {
            sum.vertices.append(VertexIndex(x))
            sum.scores.append(span[unchecked: x])
        }
        var chunks = 0
        var lastChunk: UInt32?
        for vertex in distinct {
            let chunk = try location(of: vertex).chunk
            if chunk != lastChunk { chunks += 1 }
            lastChunk = chunk
        }
        return BatchCombineResult(partialSums: [sum], fingerprintsRead: distinct.count, chunksRead: chunks)
    }

    func decode(_ distinct: [VertexIndex]) throws(StoreError) -> (DecodedFingerprints, Int) {
        var table = DecodedFingerprints()
        table.entryStart.reserveCapacity(distinct.count + 1)
        // The manifest's mean entries per fingerprint sizes the table once instead of growing it.
        let meanEntries = manifest.entryCount / max(1, manifest.fingerprintCount) + 1
        table.vertices.reserveCapacity(distinct.count * meanEntries)
        table.counts.reserveCapacity(distinct.count * meanEntries)
        var chunksRead = 0
        let vertexCount = manifest.vertexCount
        let version = manifest.version
        try store.perform {
            try store.environment.read { txn in
                let live = try txn.withValue(forKey: StoreLayout.versionKey(version), in: store.meta) {
                    $0.count >= 1 && $0[0] == IndexVersionState.complete.rawValue
                }
                guard live == true else {
                    throw StoreError.noCompleteIndex(
                        path: store.directory, detail: "version \(version) was deleted while being read")
                }
                var start = 0
                while start < distinct.count {
                    let chunk = try location(of: distinct[start]).chunk
                    var end = start + 1
                    while end < distinct.count, try location(of: distinct[end]).chunk == chunk { end += 1 }
                    let found: Void? = try txn.withValue(forKey: chunk, in: database) { bytes in
                        try decodeChunk(bytes, chunk, distinct[start..<end], vertexCount, &table)
                    }
                    if found == nil { throw batchCorrupt("chunk \(chunk) missing") }
                    chunksRead += 1
                    start = end
                }
            }
        }
        return (table, chunksRead)
    }

    /// Appends the fingerprints of `vertices` (all in `chunk`, ascending) to `table`.
    private func decodeChunk(
        _ bytes: Span<UInt8>, _ chunk: UInt32, _ vertices: ArraySlice<VertexIndex>, _ vertexCount: Int,
        _ table: inout DecodedFingerprints
    ) throws {
        let count: Int
        do { count = try ChunkFormat.fingerprintCount(bytes) } catch { throw batchCorrupt("chunk \(chunk): \(error)") }
        for vertex in vertices {
            let slot = try location(of: vertex).slot
            guard slot < count else { throw batchCorrupt("chunk \(chunk): no fingerprint in slot \(slot)") }
            let range: Range<Int>
            do {
                range = try ChunkFormat.fingerprintRange(bytes, count: count, slot: slot)
            } catch {
                throw batchCorrupt("chunk \(chunk): \(error)")
            }
            do {
                try FingerprintCodec.forEachEntry(bytes.extracting(range), vertexCount: vertexCount) { v, visits in
                    table.vertices.append(v)
                    table.counts.append(visits)
                }
            } catch {
                throw batchCorrupt("chunk \(chunk) vertex index \(vertex): \(error)")
            }
            table.entryStart.append(table.vertices.count)
        }
    }

    private func batchCorrupt(_ detail: String) -> StoreError {
        .corruptIndex(path: store.directory, detail: "version \(manifest.version) \(detail)")
    }

    private static func uniqued(_ sorted: [VertexIndex]) -> [VertexIndex] {
        var result: [VertexIndex] = []
        result.reserveCapacity(sorted.count)
        for v in sorted where result.last != v { result.append(v) }
        return result
    }
}

/// Decoded fingerprints of a batch's distinct vertices: entries of distinct vertex `d` are
/// `entryStart[d] ..< entryStart[d + 1]` of `vertices` / `counts`.
struct DecodedFingerprints {
    var entryStart: [Int] = [0]
    var vertices: [VertexIndex] = []
    var counts: [UInt32] = []
}

/// Phase 2: one dense accumulator with a touched list, reused for every query of a batch.
private struct PartialSummer {
    /// Sums by vertex; zero outside the query being summed.
    private var accumulator: [Double]
    /// `stamp[x] == query` when `x` is in `touched` for the current query (so no reset pass is needed).
    private var stamp: [UInt32]
    private var query: UInt32 = 0
    private var touched: [VertexIndex] = []

    init(vertexCount: Int) {
        accumulator = [Double](repeating: 0, count: vertexCount)
        stamp = [UInt32](repeating: 0, count: vertexCount)
    }

    /// `sum over (v, w) of w * unit * count_v(x)`, sparse; `distinct` holds every frontier vertex.
    mutating func sum(
        _ frontier: [WeightedVertex], distinct: [VertexIndex], table: DecodedFingerprints, unit: Double
    ) -> ShardPartialSum {
        query &+= 1
        if query == 0 {  // wrapped after 2^32 queries: clear the stamps once
            for i in stamp.indices { stamp[i] = 0 }
            query = 1
        }
        // Work on locals: a span over a stored property would hold exclusive access to all of self.
        var accumulator: [Double] = []
        var stamp: [UInt32] = []
        var touched: [VertexIndex] = []
        swap(&accumulator, &self.accumulator)
        swap(&stamp, &self.stamp)
        swap(&touched, &self.touched)
        defer {
            swap(&accumulator, &self.accumulator)
            swap(&stamp, &self.stamp)
            swap(&touched, &self.touched)
        }
        let query = self.query
        var sums = accumulator.mutableSpan
        var marks = stamp.mutableSpan
        let entryVertices = table.vertices.span
        let entryCounts = table.counts.span
        for entry in frontier {
            let d = Self.position(of: entry.vertex, in: distinct)
            let scale = entry.weight * unit
            for e in table.entryStart[d]..<table.entryStart[d + 1] {
                let x = Int(entryVertices[unchecked: e])
                if marks[unchecked: x] != query {
                    marks[unchecked: x] = query
                    touched.append(VertexIndex(x))
                }
                sums[unchecked: x] += scale * Double(entryCounts[unchecked: e])
            }
        }
        var result = ShardPartialSum()
        result.vertices.reserveCapacity(touched.count)
        result.scores.reserveCapacity(touched.count)
        let emit = { (x: Int, sums: inout MutableSpan<Double>) in
            let score = sums[unchecked: x]
            sums[unchecked: x] = 0
            if score != 0 {
                result.vertices.append(VertexIndex(x))
                result.scores.append(score)
            }
        }
        if touched.count * 8 > sums.count {
            // Dense enough that one ordered scan is cheaper than sorting the touched list.
            for x in 0..<sums.count where marks[unchecked: x] == query { emit(x, &sums) }
        } else {
            touched.sort()
            for x in touched { emit(Int(x), &sums) }
        }
        touched.removeAll(keepingCapacity: true)
        return result
    }

    /// Index of `vertex` in the ascending `distinct` (which contains it).
    private static func position(of vertex: VertexIndex, in distinct: [VertexIndex]) -> Int {
        var low = 0
        var high = distinct.count
        while low < high {
            let mid = (low + high) / 2
            if distinct[mid] < vertex { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
