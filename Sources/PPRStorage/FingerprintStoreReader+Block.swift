// Block combine: the shard side of the shared decomposition (issue 7; DESIGN §2 Batch).
//
// After `BlockDecomposition.expand` (every shard expands the whole block: it maps the graph), a shard
// adds up the fingerprints of the frontier vertices it owns for all the block's queries at once:
// 1. Decode: the owned frontier vertices, ascending, are decoded once each (one B-tree lookup per chunk)
//    into a table (`decode`, shared with the batch combine).
// 2. Transpose: the table's entries are bucketed by target vertex x (counting sort), each carrying the
//    frontier row it comes from and its weight `alpha * visits / R` as Float (a BlockMatrix). A worker
//    builds the matrix of its whole shard once per index version when it fits `maxCachedEntries`, and
//    then steps 1-2 cost nothing per block.
// 3. Gather: for each target x, `acc[x] = kept[x] (if this shard owns x) + sum of weight * frontier[v]`,
//    computed 16 lanes (one cache line, one SIMD16<Float>) at a time in registers and stored once per x.
// 4. Emit per query: its exact mass (sum over x, in Double), and the entries at or above
//    `pruneRatio * theta_q`, where `theta_q` is the `candidates`-th largest of `pushed(x) + acc[x, q]`
//    (the shard knows every vertex's pushed mass). Each is at most the final unnormalised score, so
//    `theta_q` is a lower bound on the final `candidates`-th score: a vertex of the final top list has a
//    part of at least `theta_q / shards` on some shard, so with `pruneRatio <= 1 / shards` it is always
//    sent, and its score lacks at most `shards * pruneRatio * theta_q`. `pruneRatio == 0` sends every
//    non-zero entry (exact).
//
// Memory: the decode table and the transpose (16 bytes per entry of the owned frontier fingerprints),
// `vertexCount + 1` offsets, and an accumulator of `vertexCount * stride` Floats (allocated per call, never
// zeroed: only rows that are written are read). The block itself is only read, so several shards of one
// process may combine the same block at once. Blocking: LMDB reads and CPU work; run it off the
// cooperative pool.
import LMDB
import PPRCore

/// One query's share from one shard (see BlockResult on the wire).
public struct BlockShardResult: Equatable, Sendable {
    /// Vertices ascending, with their (pruned) values.
    public var vertices: [VertexIndex] = []
    public var scores: [Float] = []
    /// Sum of all values before pruning.
    public var mass: Double = 0
    /// Owned frontier vertices of the query (fingerprints combined for it).
    public var frontierSize = 0
    /// Sum over vertices of the square root of this shard's fingerprint sum (pushed mass left out), for
    /// `ErrorEstimate`.
    public var spread: Double = 0
}

/// Fingerprints of a set of vertices transposed by target vertex: the entries with target `x` are
/// `start[x] ..< start[x + 1]` of `source` (an index into `vertices`) and `weight` (`alpha * visits / R`).
/// Built once per index version for a whole shard (when it fits `maxCachedEntries`) or per block for the
/// block's frontier.
public struct BlockMatrix: Sendable {
    /// Largest matrix (in entries) a worker keeps for a whole shard: 64 Mi entries, 512 MiB.
    public static let maxCachedEntries = 1 << 26
    /// The index version it was built from.
    public let version: UInt32
    /// Source vertices, ascending.
    public let vertices: [VertexIndex]
    public let start: [Int]
    public let source: [UInt32]
    public let weight: [Float]
    /// Distinct chunks read to build it.
    public let chunksRead: Int
}

extension FingerprintStoreReader {
    /// Every vertex this shard owns, ascending.
    public var ownedVertices: [VertexIndex] {
        stride(from: manifest.shardIndex, to: manifest.vertexCount, by: manifest.shardCount).map { VertexIndex($0) }
    }

    /// Decodes the fingerprints of `vertices` (ascending, owned) once and transposes them by target.
    public func blockMatrix(_ vertices: [VertexIndex]) throws(StoreError) -> BlockMatrix {
        let vertexCount = manifest.vertexCount
        let (table, chunksRead) = try decode(vertices)
        let unit = manifest.restartProbability / Double(manifest.walkParameters.walksPerVertex)
        var start = [Int](repeating: 0, count: vertexCount + 1)
        for x in table.vertices { start[Int(x) + 1] += 1 }
        for x in 0..<vertexCount { start[x + 1] += start[x] }
        var fill = start
        let entryCount = table.vertices.count
        var source = [UInt32](repeating: 0, count: entryCount)
        var weight = [Float](repeating: 0, count: entryCount)
        for d in vertices.indices {
            for e in table.entryStart[d]..<table.entryStart[d + 1] {
                let x = Int(table.vertices[e])
                let p = fill[x]
                fill[x] = p + 1
                source[p] = UInt32(d)
                weight[p] = Float(Double(table.counts[e]) * unit)
            }
        }
        return BlockMatrix(
            version: manifest.version, vertices: vertices, start: start, source: source, weight: weight,
            chunksRead: chunksRead)
    }

    /// Combines the owned part of `block`'s frontier for every query; `candidates[q]` is how many top
    /// entries the caller will look at for query `q` (sets `theta_q`). Reads `block` only. With a
    /// `matrix` of the whole shard (same version) nothing is decoded; without one, the owned frontier
    /// vertices are decoded for this block.
    public func combineBlock(
        _ block: BlockDecomposition, candidates: [Int], pruneRatio: Double, matrix cached: BlockMatrix? = nil
    ) throws(StoreError) -> (results: [BlockShardResult], fingerprintsRead: Int) {
        let width = block.width
        let stride = block.stride
        precondition(candidates.count == width, "one candidate count per query")
        let vertexCount = manifest.vertexCount
        guard block.graph.vertexCount == vertexCount else {
            throw StoreError.accumulatorSize(expected: vertexCount, actual: block.graph.vertexCount)
        }
        let shardCount = manifest.shardCount
        let shard = manifest.shardIndex
        let owned = block.frontierRows.filter { Int($0) % shardCount == shard }.sorted()
        let matrix: BlockMatrix
        if let cached, cached.version == manifest.version { matrix = cached } else { matrix = try blockMatrix(owned) }
        let start = matrix.start
        let sourceRow = matrix.source
        let weight = matrix.weight
        let sources = matrix.vertices

        // Gather, one 16-query tile at a time (cache blocking): the tile's frontier rows are first copied
        // into a compact buffer (owned frontier vertex d at d * 16), small enough to stay in L2 while
        // every target x adds up its entries, in registers, and stores its tile once.
        let tiles = stride / 16
        let tileBytes = 16 * MemoryLayout<Float>.stride
        let acc = UnsafeMutablePointer<Float>.allocate(capacity: max(1, vertexCount * stride))
        defer { acc.deallocate() }
        let compact = UnsafeMutablePointer<Float>.allocate(capacity: max(1, sources.count * 16))
        defer { compact.deallocate() }
        var rows: [Int32] = []
        for x in 0..<vertexCount where start[x] < start[x + 1] || (x % shardCount == shard && block.hasKeptRow(x)) {
            rows.append(Int32(x))
        }
        let kept = UnsafeRawPointer(block.kept)
        let compactRaw = UnsafeRawPointer(compact)
        // Per tile: the sum over targets of sqrt(fingerprint sum), before the kept mass (ErrorEstimate).
        var spreads = [SIMD16<Double>](repeating: SIMD16<Double>(), count: tiles)
        for t in 0..<tiles {
            for (d, v) in sources.enumerated() {
                (compact + d * 16).update(from: block.frontier + Int(v) * stride + t * 16, count: 16)
            }
            var spread = SIMD16<Double>()
            sourceRow.withUnsafeBufferPointer { rowsOf in
                weight.withUnsafeBufferPointer { weights in
                    for x32 in rows {
                        let x = Int(x32)
                        var sum = SIMD16<Float>()
                        for p in start[x]..<start[x + 1] {
                            sum +=
                                weights[p]
                                * compactRaw.loadUnaligned(
                                    fromByteOffset: Int(rowsOf[p]) * tileBytes, as: SIMD16<Float>.self)
                        }
                        if start[x] < start[x + 1] { spread += SIMD16<Double>(sum).squareRoot() }
                        if x % shardCount == shard && block.hasKeptRow(x) {
                            sum += kept.loadUnaligned(
                                fromByteOffset: (x * stride + t * 16) * MemoryLayout<Float>.stride,
                                as: SIMD16<Float>.self)
                        }
                        UnsafeMutableRawPointer(acc).storeBytes(
                            of: sum, toByteOffset: (x * stride + t * 16) * MemoryLayout<Float>.stride,
                            as: SIMD16<Float>.self)
                    }
                }
            }
            spreads[t] = spread
        }
        // Thresholds and output.
        var results = [BlockShardResult](repeating: BlockShardResult(), count: width)
        for v in owned {
            let row = block.frontier + Int(v) * stride
            for q in 0..<width where row[q] != 0 { results[q].frontierSize += 1 }
        }
        // Per lane: the smallest value sent (> 0; +infinity for the padding lanes past `width`).
        // theta_q: the candidates-th largest of pushed(x) + this shard's sum (every shard expanded the
        // whole block, so the pushed mass of other shards' vertices is known here too): each is at most
        // the final score of x, so theta_q is a lower bound on the final candidates-th score.
        var thresholds = [Float](repeating: .infinity, count: stride)
        var others: [Int32] = []  // other shards' vertices with pushed mass and no entry here
        if pruneRatio > 0 {
            for v in block.keptRows where Int(v) % shardCount != shard && start[Int(v)] == start[Int(v) + 1] {
                others.append(Int32(v))
            }
        }
        var thetas = [Float](repeating: 0, count: width)
        if pruneRatio > 0 {
            var heaps = (0..<width).map { TopFloats(capacity: candidates[$0]) }
            let keptRaw = UnsafeRawPointer(block.kept)
            for t in 0..<tiles {
                // Per lane: the value to beat (its heap's floor; +infinity for padding lanes).
                var floor = SIMD16<Float>(repeating: .infinity)
                for lane in 0..<16 where t * 16 + lane < width { floor[lane] = heaps[t * 16 + lane].floor }
                func visit(_ x: Int, _ values: SIMD16<Float>) {
                    let enter = values .> floor
                    guard any(enter) else { return }
                    for lane in 0..<16 where enter[lane] {
                        heaps[t * 16 + lane].insert(values[lane])
                        floor[lane] = heaps[t * 16 + lane].floor
                    }
                }
                for x32 in rows {
                    let x = Int(x32)
                    let offset = (x * stride + t * 16) * MemoryLayout<Float>.stride
                    var values = UnsafeRawPointer(acc).loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                    if x % shardCount != shard, block.hasKeptRow(x) {
                        values += keptRaw.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                    }
                    visit(x, values)
                }
                for x32 in others {
                    let offset = (Int(x32) * stride + t * 16) * MemoryLayout<Float>.stride
                    visit(Int(x32), keptRaw.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self))
                }
            }
            for q in 0..<width { thetas[q] = heaps[q].kth }
        }
        for q in 0..<width {
            thresholds[q] = max(Float.leastNonzeroMagnitude, Float(pruneRatio * Double(thetas[q])))
        }
        let raw = UnsafeRawPointer(acc)
        for t in 0..<tiles {
            let limit = thresholds.withUnsafeBytes {
                $0.loadUnaligned(fromByteOffset: t * tileBytes, as: SIMD16<Float>.self)
            }
            var mass = SIMD16<Double>()
            for x32 in rows {
                let x = Int(x32)
                let values = raw.loadUnaligned(
                    fromByteOffset: (x * stride + t * 16) * MemoryLayout<Float>.stride, as: SIMD16<Float>.self)
                mass += SIMD16<Double>(values)
                let sent = values .>= limit
                guard any(sent) else { continue }
                for lane in 0..<16 where sent[lane] {
                    let q = t * 16 + lane
                    results[q].vertices.append(VertexIndex(x))
                    results[q].scores.append(values[lane])
                }
            }
            for lane in 0..<16 where t * 16 + lane < width {
                results[t * 16 + lane].mass = mass[lane]
                results[t * 16 + lane].spread = spreads[t][lane]
            }
        }
        return (results, owned.count)
    }
}

/// The `capacity` largest values seen (a min-heap): `kth` is the smallest of them once full.
private struct TopFloats {
    let capacity: Int
    var heap: [Float] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        heap.reserveCapacity(self.capacity)
    }

    /// Values at or below it cannot enter (0 until full, so any positive value enters).
    var floor: Float { heap.count < capacity ? 0 : heap[0] }

    /// The capacity-th largest value, or 0 when fewer were seen.
    var kth: Float { heap.count < capacity ? 0 : heap[0] }

    mutating func insert(_ value: Float) {
        guard value > floor else { return }
        if heap.count < capacity {
            heap.append(value)
            var i = heap.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard heap[parent] > heap[i] else { break }
                heap.swapAt(parent, i)
                i = parent
            }
            return
        }
        heap[0] = value
        var i = 0
        while true {
            let l = 2 * i + 1
            let r = l + 1
            var m = i
            if l < heap.count, heap[l] < heap[m] { m = l }
            if r < heap.count, heap[r] < heap[m] { m = r }
            guard m != i else { break }
            heap.swapAt(m, i)
            i = m
        }
    }
}
