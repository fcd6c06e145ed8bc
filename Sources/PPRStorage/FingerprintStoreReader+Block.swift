// Block combine: the shard side of the shared decomposition (issue 7; DESIGN §2 Batch).
//
// After `BlockDecomposition.expand` (every shard expands the whole block: it maps the graph), a shard
// adds up the fingerprints of the frontier vertices it owns for all the block's queries at once:
// 1. Decode: the owned frontier vertices, ascending, are decoded once each (one B-tree lookup per chunk)
//    into a table (`decode`, shared with the batch combine).
// 2. Transpose: the table's entries are bucketed by target vertex x (counting sort), each carrying the
//    frontier row it comes from and its weight `alpha * visits / R` as Float.
// 3. Gather: for each target x, `acc[x] = kept[x] (if this shard owns x) + sum of weight * frontier[v]`,
//    a `width`-wide Float vector sum whose rows are contiguous (vertex-major), written once per x.
// 4. Emit per query: its exact mass (sum over x, in Double), and the entries at or above
//    `pruneRatio * theta_q`, where `theta_q` is the `candidates`-th largest value of `acc[., q]`. Every
//    shard's value is at most the final unnormalised score, so `theta_q` is a lower bound on the final
//    `candidates`-th score: a vertex of the final top list has a part of at least `theta_q / shards`
//    on some shard, so with `pruneRatio <= 1 / shards` it is always sent, and its score lacks at most
//    `shards * pruneRatio * theta_q`. `pruneRatio == 0` sends every non-zero entry (exact).
//
// Memory: the decode table and the transpose (16 bytes per entry of the owned frontier fingerprints),
// `vertexCount + 1` offsets, and the block's buffers (BlockDecomposition). Blocking: LMDB reads and CPU
// work; run it off the cooperative pool.
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
}

extension FingerprintStoreReader {
    /// Combines the owned part of `block`'s frontier for every query; `candidates[q]` is how many top
    /// entries the caller will look at for query `q` (sets `theta_q`). Leaves `block.accumulator` zero.
    public func combineBlock(
        _ block: BlockDecomposition, candidates: [Int], pruneRatio: Double
    ) throws(StoreError) -> (results: [BlockShardResult], fingerprintsRead: Int) {
        let width = block.width
        precondition(candidates.count == width, "one candidate count per query")
        let vertexCount = manifest.vertexCount
        guard block.graph.vertexCount == vertexCount else {
            throw StoreError.accumulatorSize(expected: vertexCount, actual: block.graph.vertexCount)
        }
        let shardCount = manifest.shardCount
        let shard = manifest.shardIndex
        let owned = block.frontierRows.filter { Int($0) % shardCount == shard }.sorted()
        let (table, _) = try decode(owned)
        let unit = manifest.restartProbability / Double(manifest.walkParameters.walksPerVertex)

        // Transpose by target vertex.
        var start = [Int](repeating: 0, count: vertexCount + 1)
        for x in table.vertices { start[Int(x) + 1] += 1 }
        for x in 0..<vertexCount { start[x + 1] += start[x] }
        var fill = start
        let entryCount = table.vertices.count
        var sourceRow = [Int32](repeating: 0, count: entryCount)
        var weight = [Float](repeating: 0, count: entryCount)
        for d in owned.indices {
            let row = Int32(Int(owned[d]) * width)
            for e in table.entryStart[d]..<table.entryStart[d + 1] {
                let x = Int(table.vertices[e])
                let p = fill[x]
                fill[x] = p + 1
                sourceRow[p] = row
                weight[p] = Float(Double(table.counts[e]) * unit)
            }
        }

        // Gather into the accumulator, one row per target.
        var rows: [Int32] = []
        let acc = block.accumulator
        let kept = block.kept
        let frontier = block.frontier
        sourceRow.withUnsafeBufferPointer { sources in
            weight.withUnsafeBufferPointer { weights in
                for x in 0..<vertexCount {
                    let lo = start[x]
                    let hi = start[x + 1]
                    let keeps = x % shardCount == shard && block.hasKeptRow(x)
                    guard lo < hi || keeps else { continue }
                    let out = acc + x * width
                    if keeps { out.update(from: kept + x * width, count: width) }
                    for p in lo..<hi {
                        let w = weights[p]
                        let input = frontier + Int(sources[p])
                        for q in 0..<width { out[q] += w * input[q] }
                    }
                    rows.append(Int32(x))
                }
            }
        }

        // Thresholds and output.
        var results = [BlockShardResult](repeating: BlockShardResult(), count: width)
        for v in owned {
            let row = frontier + Int(v) * width
            for q in 0..<width where row[q] != 0 { results[q].frontierSize += 1 }
        }
        var thresholds = [Float](repeating: 0, count: width)
        if pruneRatio > 0 {
            for q in 0..<width {
                let theta = Self.largest(candidates[q], column: q, rows: rows, acc: acc, width: width)
                thresholds[q] = Float(pruneRatio * Double(theta))
            }
        }
        for x in rows {
            let row = acc + Int(x) * width
            for q in 0..<width {
                let value = row[q]
                guard value > 0 else { continue }
                results[q].mass += Double(value)
                if value >= thresholds[q] {
                    results[q].vertices.append(VertexIndex(x))
                    results[q].scores.append(value)
                }
            }
            row.update(repeating: 0, count: width)
        }
        return (results, owned.count)
    }

    /// The `k`-th largest positive value of column `q` over `rows` (0 when there are fewer than `k`).
    private static func largest(
        _ k: Int, column q: Int, rows: [Int32], acc: UnsafeMutablePointer<Float>, width: Int
    ) -> Float {
        guard k >= 1 else { return 0 }
        var heap: [Float] = []  // min-heap of the k largest so far
        heap.reserveCapacity(min(k, rows.count))
        for x in rows {
            let value = acc[Int(x) * width + q]
            guard value > 0 else { continue }
            if heap.count < k {
                heap.append(value)
                var i = heap.count - 1
                while i > 0 {
                    let parent = (i - 1) / 2
                    guard heap[parent] > heap[i] else { break }
                    heap.swapAt(parent, i)
                    i = parent
                }
            } else if value > heap[0] {
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
        return heap.count < k ? 0 : heap[0]
    }
}
