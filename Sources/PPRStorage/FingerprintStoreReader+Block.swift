// Block combine: the shard side of the shared decomposition (issue 7; DESIGN §2 Batch).
//
// After `BlockDecomposition.expand` (every shard expands the whole block: it maps the graph), a shard
// adds up the fingerprints of the frontier vertices it owns for all the block's queries at once:
// 1. Decode: the owned frontier vertices, ascending, are decoded once each (one B-tree lookup per chunk)
//    into a table (`decode`, shared with the batch combine).
// 2. Cut: the table's entries are bucketed by target tile (8,192 consecutive targets) and within it by
//    source (segments), each carrying its target's offset in the tile and its weight `alpha * visits / R`
//    as Float (a BlockMatrix). A worker builds the matrix of its whole shard once per index version when
//    it fits `maxCachedEntries`, and then steps 1-2 cost nothing per block.
// 3. Scatter, per 16-query tile: the tile's frontier rows of the owned sources are copied into a compact
//    buffer (one 64-byte row per source, flagged when all zero), then for each target tile its
//    accumulator rows (512 KiB, in L2) are zeroed and every segment of a non-zero source adds
//    `weight * row` into its targets' rows, 16 lanes (one SIMD16<Float>) at a time. Each target's sum
//    is thus taken in source order, then `kept[x]` is added where this shard owns x.
// 4. Emit per query: its mass (sum over x: Float sums over runs of 64 rows, each run widened to Double,
//    `RowRuns`; within 64 * 2^-24 of the exact sum, deterministic), and the entries at or above
//    `pruneRatio * theta_q`, where `theta_q` is the `candidates`-th largest of `pushed(x) + acc[x, q]`
//    (the shard knows every vertex's pushed mass). Each is at most the final unnormalised score, so
//    `theta_q` is a lower bound on the final `candidates`-th score: a vertex of the final top list has a
//    part of at least `theta_q / shards` on some shard, so with `pruneRatio <= 1 / shards` it is always
//    sent, and its score lacks at most `shards * pruneRatio * theta_q`. `pruneRatio == 0` sends every
//    non-zero entry (exact).
// 5. Steps (`smoothingSteps` > 0, issue 6's smoothing in the block path): before step 4, the tile's share
//    (fingerprint sums plus owned pushed mass) is stepped by the PPR equation (`BlockEquationStep`, a
//    pull over the in-edges, 16 lanes at a time). M is linear, so the shards' stepped shares add up to
//    the stepped answer. The share's mass is summed once, in the same pass as the spread, and the first
//    step takes it as its `sum(x)`. Without self-loops M preserves it, so no step sums the rows again and
//    it is the stepped share's `mass`; with them (M keeps the mass only at its fixed point) every step
//    sums its input and the stepped share is summed once more for `mass`, so the coordinator's division
//    by the shards' summed masses normalises the stepped answer, as a single query's is normalised again.
//    `theta_q` is then the candidates-th largest value of this shard's stepped share alone (M is
//    non-negative: M^k(share) <= M^k(answer) everywhere; the other shards' pushed mass would need its
//    own steps), so it stays a lower bound and the pruning guarantee holds; it is looser, so more entries
//    are sent (measured: 11.4k -> 16.1k per query, see README "Shared decomposition"). `spread` (for
//    `ErrorEstimate`) stays that of the unstepped fingerprint sums, its roots taken in vector operations
//    (`squareRoots`).
// 6. The sent entries: one pass over the rows compares each with the limits and keeps the rows with a
//    sent lane and their lane bits (and counts per lane); a second pass over those rows writes each set
//    bit's entry into its query's range of one buffer reused across tiles.
//
// Several shards of one worker process combine as one (`combineBlock(_:parts:...)`, a block naming
// co-shards): their matrices are scattered into the same accumulator, one after the other, and the
// group's share is stepped, bounded and emitted once, with every vertex of the group's shards "owned".
//
// Memory: the decode table and the matrix (16 bytes per entry of the owned frontier fingerprints, and 12
// per segment: at most one per entry), per call a compact buffer of 64 bytes per owned source and an
// accumulator of 64 bytes per graph vertex (one 16-query tile at a time, whatever the block width), and
// the sent entries of one 16-query tile; with steps, one more set of 64 bytes per graph vertex (the
// steps' second buffer) and the transposed graph (`BlockEquationStep`, built once per graph and process).
// The block itself is only read, so several shards of one process may combine the same block at once.
// Blocking: LMDB reads and CPU work; run it off the cooperative pool.
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
    /// With steps: `sum_w c(w) q(w)` and `sum_w c(w)` over this shard's fingerprint sums `c` (pushed mass
    /// left out; `BlockEquationStep.squaredTransitionSums`), for `ErrorEstimate.smoothingFactor`.
    public var frontierMoment: Double = 0
    public var frontierMass: Double = 0
}

/// One shard's part of a block combine (`FingerprintStoreReader.combineBlock(_:parts:...)`): its reader and,
/// when the worker keeps one, the matrix of its whole shard.
public struct BlockShardPart: Sendable {
    public let reader: FingerprintStoreReader
    public let matrix: BlockMatrix?
    /// Makes a part.
    public init(reader: FingerprintStoreReader, matrix: BlockMatrix?) {
        self.reader = reader
        self.matrix = matrix
    }
}

/// Fingerprints of a set of source vertices, cut by target range: the targets are cut into tiles of
/// `targetsPerTile` consecutive vertices, and within a tile the entries are grouped by source (segments,
/// sources ascending). Segment `g` of tile `t` (`segmentStart[t] ..< segmentStart[t + 1]`) has source
/// `vertices[segmentSource[g]]` and the entries `entryStart[g] ..< entryStart[g + 1]` of `target` (the
/// target's offset within its tile) and `weight` (`alpha * visits / R`). Built once per index version for a
/// whole shard (when it fits `maxCachedEntries`) or per block for the block's frontier.
///
/// Why tiles: the combine adds a 64-byte frontier row (16 queries) into a 64-byte accumulator row per
/// entry. A target tile's accumulator rows (`targetsPerTile * 64` bytes, 512 KiB) stay in one core's L2
/// (1 MiB) while its entries are added, and the frontier rows are read in ascending source order (a
/// stream), where a whole-graph accumulator (5.3 MB on soc-Slashdot0902) or the shard's frontier rows
/// (2.6 MB) read at random missed L2 on nearly every entry.
public struct BlockMatrix: Sendable {
    /// Largest matrix (in entries) a worker keeps for a whole shard: 64 Mi entries, 512 MiB.
    public static let maxCachedEntries = 1 << 26
    /// Targets per tile: 8,192 accumulator rows of 16 Float lanes, 512 KiB, half of one core's L2.
    public static let defaultTargetsPerTile = 8192
    /// The index version it was built from.
    public let version: UInt32
    /// Source vertices, ascending.
    public let vertices: [VertexIndex]
    /// Targets per tile (tile `t` holds targets `t * targetsPerTile ..< (t + 1) * targetsPerTile`).
    public let targetsPerTile: Int
    /// Tile `t`'s segments are `segmentStart[t] ..< segmentStart[t + 1]`.
    let segmentStart: [Int]
    /// Each segment's source, as an index into `vertices`.
    let segmentSource: [UInt32]
    /// Segment `g`'s entries are `entryStart[g] ..< entryStart[g + 1]`.
    let entryStart: [Int]
    /// Each entry's target, as its offset within its tile.
    let target: [UInt32]
    public let weight: [Float]
    /// Targets with at least one entry, ascending.
    let targets: [UInt32]
    /// Distinct chunks read to build it.
    public let chunksRead: Int

    /// Entries held.
    public var entryCount: Int { weight.count }

    /// Target tiles.
    public var tileCount: Int { segmentStart.count - 1 }
}

extension FingerprintStoreReader {
    /// Every vertex this shard owns, ascending.
    public var ownedVertices: [VertexIndex] {
        stride(from: manifest.shardIndex, to: manifest.vertexCount, by: manifest.shardCount).map { VertexIndex($0) }
    }

    /// Decodes the fingerprints of `vertices` (ascending, owned) once and cuts them by target tile of
    /// `targetsPerTile` vertices.
    public func blockMatrix(
        _ vertices: [VertexIndex], targetsPerTile: Int = BlockMatrix.defaultTargetsPerTile
    ) throws(StoreError) -> BlockMatrix {
        let vertexCount = manifest.vertexCount
        let perTile = max(1, targetsPerTile)
        let tileCount = max(1, (vertexCount + perTile - 1) / perTile)
        let (table, chunksRead) = try decode(vertices)
        let unit = manifest.restartProbability / Double(manifest.walkParameters.walksPerVertex)
        // Pass 1: entries and segments per tile (a segment: one source's entries in one tile).
        var tileEntries = [Int](repeating: 0, count: tileCount + 1)
        var tileSegments = [Int](repeating: 0, count: tileCount + 1)
        var lastSource = [Int](repeating: -1, count: tileCount)
        var seen = [Bool](repeating: false, count: vertexCount)
        for d in vertices.indices {
            for e in table.entryStart[d]..<table.entryStart[d + 1] {
                let x = Int(table.vertices[e])
                let tile = x / perTile
                tileEntries[tile + 1] += 1
                if lastSource[tile] != d {
                    lastSource[tile] = d
                    tileSegments[tile + 1] += 1
                }
                seen[x] = true
            }
        }
        for t in 0..<tileCount {
            tileEntries[t + 1] += tileEntries[t]
            tileSegments[t + 1] += tileSegments[t]
        }
        // Pass 2: fill, tile by tile in source order (cursors per tile).
        let entryCount = table.vertices.count
        let segmentCount = tileSegments[tileCount]
        var target = [UInt32](repeating: 0, count: entryCount)
        var weight = [Float](repeating: 0, count: entryCount)
        var segmentSource = [UInt32](repeating: 0, count: segmentCount)
        var entryStart = [Int](repeating: entryCount, count: segmentCount + 1)
        var entryCursor = tileEntries
        var segmentCursor = tileSegments
        for t in 0..<tileCount { lastSource[t] = -1 }
        for d in vertices.indices {
            for e in table.entryStart[d]..<table.entryStart[d + 1] {
                let x = Int(table.vertices[e])
                let tile = x / perTile
                let p = entryCursor[tile]
                entryCursor[tile] = p + 1
                if lastSource[tile] != d {
                    lastSource[tile] = d
                    let g = segmentCursor[tile]
                    segmentCursor[tile] = g + 1
                    segmentSource[g] = UInt32(d)
                    entryStart[g] = p
                }
                target[p] = UInt32(x - tile * perTile)
                weight[p] = Float(Double(table.counts[e]) * unit)
            }
        }
        var targets: [UInt32] = []
        for x in 0..<vertexCount where seen[x] { targets.append(UInt32(x)) }
        return BlockMatrix(
            version: manifest.version, vertices: vertices, targetsPerTile: perTile, segmentStart: tileSegments,
            segmentSource: segmentSource, entryStart: entryStart, target: target, weight: weight, targets: targets,
            chunksRead: chunksRead)
    }

    /// Combines the owned part of `block`'s frontier for every query; `candidates[q]` is how many top
    /// entries the caller will look at for query `q` (sets `theta_q`). Reads `block` only. With a
    /// `matrix` of the whole shard (same version) nothing is decoded; without one, the owned frontier
    /// vertices are decoded for this block.
    ///
    /// With `smoothingSteps` > 0 each query's share (fingerprint sums plus owned pushed mass) is stepped by
    /// the PPR equation that many times (`equationStep`, built here when nil) before its mass, its bound
    /// `theta_q` and its sent entries are taken; `spread` stays that of the unstepped fingerprint sums.
    public func combineBlock(
        _ block: BlockDecomposition, candidates: [Int], pruneRatio: Double, matrix cached: BlockMatrix? = nil,
        smoothingSteps: Int = 0, equationStep: BlockEquationStep? = nil
    ) throws(StoreError) -> (results: [BlockShardResult], fingerprintsRead: Int) {
        try Self.combineBlock(
            block, parts: [BlockShardPart(reader: self, matrix: cached)], candidates: candidates,
            pruneRatio: pruneRatio, smoothingSteps: smoothingSteps, equationStep: equationStep)
    }

    /// `combineBlock` for several shards of one index at once (a worker process serving them): one share
    /// per query for all of `parts` together, as if they were one shard owning all their vertices. Their
    /// fingerprint sums go into one accumulator, so the share is stepped, bounded and emitted once instead
    /// of once per shard. Throws `blockShardMismatch` unless `parts` are distinct shards of one index
    /// (vertex count, shard count, alpha, version).
    public static func combineBlock(
        _ block: BlockDecomposition, parts: [BlockShardPart], candidates: [Int], pruneRatio: Double,
        smoothingSteps: Int = 0, equationStep: BlockEquationStep? = nil
    ) throws(StoreError) -> (results: [BlockShardResult], fingerprintsRead: Int) {
        let width = block.width
        let stride = block.stride
        precondition(candidates.count == width, "one candidate count per query")
        guard let manifest = parts.first?.reader.manifest else {
            throw StoreError.blockShardMismatch("a block combine needs at least one shard")
        }
        let vertexCount = manifest.vertexCount
        guard block.graph.vertexCount == vertexCount else {
            throw StoreError.accumulatorSize(expected: vertexCount, actual: block.graph.vertexCount)
        }
        let shardCount = manifest.shardCount
        var owns = [Bool](repeating: false, count: shardCount)
        for part in parts {
            let other = part.reader.manifest
            guard other.vertexCount == vertexCount, other.shardCount == shardCount,
                other.restartProbability == manifest.restartProbability, other.version == manifest.version,
                other.shardIndex >= 0, other.shardIndex < shardCount, !owns[other.shardIndex]
            else {
                throw StoreError.blockShardMismatch(
                    "shard \(other.shardIndex) of \(other.shardCount) (version \(other.version), \(other.vertexCount) "
                        + "vertices) cannot join shards \(parts.map(\.reader.manifest.shardIndex)) of version "
                        + "\(manifest.version) (\(shardCount) shards, \(vertexCount) vertices)")
            }
            owns[other.shardIndex] = true
        }
        // Each part's matrix (its whole shard's, or built here from its owned frontier) and the compact
        // rows of its sources.
        var matrices: [BlockMatrix] = []
        var fingerprintsRead = 0
        for part in parts {
            let shard = part.reader.manifest.shardIndex
            let owned = block.frontierRows.filter { Int($0) % shardCount == shard }.sorted()
            fingerprintsRead += owned.count
            if let cached = part.matrix, cached.version == manifest.version {
                matrices.append(cached)
            } else {
                matrices.append(try part.reader.blockMatrix(owned))
            }
        }
        guard matrices.allSatisfy({ $0.targetsPerTile == matrices[0].targetsPerTile }) else {
            throw StoreError.blockShardMismatch(
                "the shards' matrices have different tile sizes \(matrices.map(\.targetsPerTile))")
        }
        let restartProbability = manifest.restartProbability
        // The rows these shards sum: targets with an entry here, and owned vertices with pushed mass; and
        // what each row needs (flags, computed once: no division in the per-tile loops).
        var flags = [UInt8](repeating: 0, count: vertexCount)
        for matrix in matrices {
            for x in matrix.targets { flags[Int(x)] = RowFlags.entry }
        }
        for v in block.keptRows {
            flags[Int(v)] |= owns[Int(v) % shardCount] ? RowFlags.ownKept : RowFlags.otherKept
        }
        var rows: [Int32] = []
        var rowFlags: [UInt8] = []
        // Other shards' vertices with pushed mass and no entry here (they count for theta only).
        var others: [Int32] = []
        for x in 0..<vertexCount where flags[x] != 0 {
            if flags[x] & (RowFlags.entry | RowFlags.ownKept) != 0 {
                rows.append(Int32(x))
                rowFlags.append(flags[x])
            } else if pruneRatio > 0 {
                others.append(Int32(x))
            }
        }
        // After steps, the share is read on every vertex (a step spreads it along the edges). Its bound
        // theta_q is then taken on this shard's stepped share alone: M is non-negative, so M^k(share) is at
        // most M^k(answer) everywhere, while the other shards' pushed mass would have to be stepped too.
        let steps = max(0, smoothingSteps)
        let stepper =
            steps > 0
            ? (equationStep ?? BlockEquationStep(graph: block.graph, alpha: restartProbability)) : nil
        let stepped: [Int32] = steps > 0 ? (0..<Int32(vertexCount)).map { $0 } : []
        if steps > 0 { others = [] }
        var results = [BlockShardResult](repeating: BlockShardResult(), count: width)
        // One 16-query tile at a time: its frontier rows are copied into a compact buffer (source d at
        // d * 16), then summed target tile by target tile into a dense accumulator of 16 lanes per vertex
        // (see BlockMatrix), then thresholded and emitted.
        let sourceCount = matrices.reduce(0) { $0 + $1.vertices.count }
        let compact = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: max(1, sourceCount))
        defer { compact.deallocate() }
        let live = UnsafeMutablePointer<Bool>.allocate(capacity: max(1, sourceCount))
        defer { live.deallocate() }
        let acc = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: max(1, vertexCount))
        defer { acc.deallocate() }
        // The steps' second set of rows (only with steps).
        let spare = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: steps > 0 ? max(1, vertexCount) : 1)
        defer { spare.deallocate() }
        // The sent entries of a tile (reused from tile to tile): rows with a sent lane and their lane bits,
        // then all lanes' entries, lane after lane.
        var sentRows: [Int32] = []
        var sentBits: [UInt16] = []
        var sentVertices: [VertexIndex] = []
        var sentScores: [Float] = []
        let cursor = UnsafeMutablePointer<Int>.allocate(capacity: 16)
        defer { cursor.deallocate() }
        let laneBits = SIMD16<UInt32>(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)
        for t in 0..<stride / 16 {
            let lanes = min(16, width - t * 16)
            // Owned frontier vertices per query: the non-zero lanes (rows of vertices outside the
            // block's frontier are zero). The parts' sources go into `compact` one matrix after the other,
            // as `scatter` reads them.
            var frontierSize = SIMD16<Int32>()
            var d = 0
            for matrix in matrices {
                for v in matrix.vertices {
                    let row = UnsafeRawPointer(block.frontier + Int(v) * stride + t * 16).loadUnaligned(
                        as: SIMD16<Float>.self)
                    compact[d] = row
                    let nonZero = row .!= 0
                    live[d] = any(nonZero)
                    frontierSize &+= SIMD16<Int32>().replacing(with: 1, where: nonZero)
                    d += 1
                }
            }
            scatter(matrices, compact: compact, live: live, into: acc, vertexCount: vertexCount)
            // One pass over the rows: spread (sum over targets of sqrt of the fingerprint sum, for
            // ErrorEstimate; each root taken in Float), the steps' frontier moment and mass, then the kept
            // mass is added and the share's mass summed. Sums in Float over runs of rows, widened per run
            // (RowRuns). The steps take this mass as their first sum(x); without self-loops M preserves it.
            var spread = RowRuns()
            var frontierMoment = RowRuns()
            var frontierMass = RowRuns()
            var mass = RowRuns()
            for (i, x32) in rows.enumerated() {
                let x = Int(x32)
                if rowFlags[i] & RowFlags.entry != 0 {
                    let sums = acc[x]
                    spread.add(squareRoots(sums))
                    if let stepper {
                        frontierMoment.add(sums * stepper.squaredTransitionSums[x])
                        frontierMass.add(sums)
                    }
                }
                if rowFlags[i] & RowFlags.ownKept != 0 { acc[x] += keptRow(block, x, t) }
                mass.add(acc[x])
            }
            var shareMass = mass.total
            // The share's rows, stepped when asked (then every vertex is a row, none flagged otherKept).
            var share = acc
            var scanRows = rows
            var scanFlags = rowFlags
            if let stepper {
                let first = t * 16
                share = stepper.apply(
                    acc, spare: spare, steps: steps, personalizations: block.personalizations[first..<first + lanes],
                    alpha: restartProbability, total: shareMass)
                scanRows = stepped
                scanFlags = []
                // With self-loops M keeps the mass only at its fixed point: the stepped share's own mass is
                // what the coordinator normalises by (as a single query is normalised after its steps).
                if stepper.inEdges.hasLoops { shareMass = BlockEquationStep.total(share, count: vertexCount) }
            }
            // theta_q: the candidates-th largest of pushed(x) + this shard's sum (every shard expanded the
            // whole block, so the pushed mass of other shards' vertices is known here too): each is at most
            // the final score of x, so theta_q is a lower bound on the final candidates-th score.
            var limit = SIMD16<Float>(repeating: .infinity)
            for lane in 0..<lanes { limit[lane] = .leastNonzeroMagnitude }
            if pruneRatio > 0 {
                var heaps = (0..<lanes).map { TopFloats(capacity: candidates[t * 16 + $0]) }
                var floor = SIMD16<Float>(repeating: .infinity)
                for lane in 0..<lanes { floor[lane] = heaps[lane].floor }
                func visit(_ values: SIMD16<Float>) {
                    let enter = values .> floor
                    guard any(enter) else { return }
                    for lane in 0..<lanes where enter[lane] {
                        heaps[lane].insert(values[lane])
                        floor[lane] = heaps[lane].floor
                    }
                }
                if scanFlags.isEmpty {
                    for x32 in scanRows { visit(share[Int(x32)]) }
                } else {
                    for (i, x32) in scanRows.enumerated() {
                        let x = Int(x32)
                        visit(scanFlags[i] & RowFlags.otherKept != 0 ? acc[x] + keptRow(block, x, t) : acc[x])
                    }
                }
                for x32 in others { visit(keptRow(block, Int(x32), t)) }
                for lane in 0..<lanes {
                    limit[lane] = max(.leastNonzeroMagnitude, Float(pruneRatio * Double(heaps[lane].kth)))
                }
            }
            // The sent entries: counted per lane with each sent row's lane bits, then written straight into
            // per-query arrays, lane by lane along the set bits.
            var sentCount = SIMD16<Int32>()
            sentRows.removeAll(keepingCapacity: true)
            sentBits.removeAll(keepingCapacity: true)
            for x32 in scanRows {
                let sent = share[Int(x32)] .>= limit
                guard any(sent) else { continue }
                sentCount &+= SIMD16<Int32>().replacing(with: 1, where: sent)
                sentRows.append(x32)
                sentBits.append(
                    UInt16(truncatingIfNeeded: SIMD16<UInt32>().replacing(with: laneBits, where: sent).wrappedSum()))
            }
            var offsets = SIMD16<Int32>()
            for lane in 1..<16 { offsets[lane] = offsets[lane - 1] &+ sentCount[lane - 1] }
            let total = Int(offsets[15] &+ sentCount[15])
            if sentVertices.count < total {
                sentVertices = [VertexIndex](repeating: 0, count: total)
                sentScores = [Float](repeating: 0, count: total)
            }
            for lane in 0..<16 { cursor[lane] = Int(offsets[lane]) }
            sentVertices.withUnsafeMutableBufferPointer { vertices in
                sentScores.withUnsafeMutableBufferPointer { scores in
                    for (row, x32) in sentRows.enumerated() {
                        let values = UnsafeRawPointer(share + Int(x32))
                        var bits = UInt32(sentBits[row])
                        while bits != 0 {
                            let lane = bits.trailingZeroBitCount
                            bits &= bits &- 1
                            let p = cursor[lane]
                            vertices[p] = VertexIndex(x32)
                            scores[p] = values.load(fromByteOffset: lane * 4, as: Float.self)
                            cursor[lane] = p + 1
                        }
                    }
                }
            }
            let spreads = spread.total
            let moments = frontierMoment.total
            let masses = frontierMass.total
            for lane in 0..<lanes {
                let q = t * 16 + lane
                let range = Int(offsets[lane])..<Int(offsets[lane] &+ sentCount[lane])
                results[q].vertices = Array(sentVertices[range])
                results[q].scores = Array(sentScores[range])
                results[q].mass = shareMass[lane]
                results[q].spread = spreads[lane]
                results[q].frontierMoment = moments[lane]
                results[q].frontierMass = masses[lane]
                results[q].frontierSize = Int(frontierSize[lane])
            }
        }
        return (results, fingerprintsRead)
    }

    /// Lanes `t * 16 ..< t * 16 + 16` of vertex `x`'s kept row.
    @inline(__always)
    private static func keptRow(_ block: BlockDecomposition, _ x: Int, _ t: Int) -> SIMD16<Float> {
        UnsafeRawPointer(block.kept + x * block.stride + t * 16).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// `acc[x] = sum over entries (d, x, w) of w * compact[d]` over every matrix's entries, for every target
    /// x, tile by tile: a tile's accumulator rows are zeroed and stay in L2 while the matrices' segments
    /// (each in source order, one matrix after the other) are added. Matrix `m`'s source `d` is at
    /// `compact[first + d]`, `first` the sources of the matrices before it.
    private static func scatter(
        _ matrices: [BlockMatrix], compact: UnsafeMutablePointer<SIMD16<Float>>, live: UnsafeMutablePointer<Bool>,
        into acc: UnsafeMutablePointer<SIMD16<Float>>, vertexCount: Int
    ) {
        // Every matrix has the same tile size (checked by the caller) and was built over this graph.
        let perTile = matrices[0].targetsPerTile
        let tileCount = (vertexCount + perTile - 1) / perTile
        for tile in 0..<tileCount {
            let first = tile * perTile
            let base = acc + first
            base.update(repeating: SIMD16<Float>(), count: min(perTile, vertexCount - first))
            var firstSource = 0
            for matrix in matrices {
                add(matrix, tile: tile, compact: compact + firstSource, live: live + firstSource, into: base)
                firstSource += matrix.vertices.count
            }
        }
    }

    /// Adds one matrix's segments of `tile` into the tile's accumulator rows `base`.
    @inline(__always)
    private static func add(
        _ matrix: BlockMatrix, tile: Int, compact: UnsafeMutablePointer<SIMD16<Float>>,
        live: UnsafeMutablePointer<Bool>, into base: UnsafeMutablePointer<SIMD16<Float>>
    ) {
        guard tile < matrix.tileCount else { return }
        matrix.segmentStart.withUnsafeBufferPointer { segmentStart in
            matrix.segmentSource.withUnsafeBufferPointer { segmentSource in
                matrix.entryStart.withUnsafeBufferPointer { entryStart in
                    matrix.target.withUnsafeBufferPointer { target in
                        matrix.weight.withUnsafeBufferPointer { weight in
                            // Safety: targets within the tile and sources within `vertices` (built so).
                            for g in segmentStart[tile]..<segmentStart[tile + 1] {
                                let d = Int(segmentSource[g])
                                guard live[d] else { continue }
                                let row = compact[d]
                                for p in entryStart[g]..<entryStart[g + 1] {
                                    base[Int(target[p])] += weight[p] * row
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What a row of the block combine needs (bits of `flags`).
private enum RowFlags {
    /// The target has fingerprint entries on this shard.
    static let entry: UInt8 = 1
    /// This shard owns the vertex and it has pushed (kept) mass.
    static let ownKept: UInt8 = 2
    /// Another shard owns the vertex and it has pushed mass (it counts for theta only).
    static let otherKept: UInt8 = 4
}

/// The lanes' square roots of non-negative `values`, in vector operations (`SIMD16<Float>.squareRoot()`
/// takes 16 scalar roots, each with a branch for negative inputs): the classic reciprocal-root estimate
/// refined by three Newton steps, then times `values`. Relative error below 1e-6 on normal values (the
/// spread is an error estimate), 0 at 0; deterministic.
@inline(__always)
private func squareRoots(_ values: SIMD16<Float>) -> SIMD16<Float> {
    let bits = unsafeBitCast(values, to: SIMD16<UInt32>.self)
    var y = unsafeBitCast(SIMD16<UInt32>(repeating: 0x5f37_59df) &- (bits &>> 1), to: SIMD16<Float>.self)
    let half = 0.5 * values
    for _ in 0..<3 { y *= 1.5 - half * y * y }
    return values * y
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
