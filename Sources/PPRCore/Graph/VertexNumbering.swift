/// The internal numbering of a graph's vertices: the distinct external ids in ascending order, and the
/// lookup from an external id to its position (`GraphBuilder`).
///
/// Ids no larger than `bitmapIDsPerEdge` times the edge count (SNAP and Graph500 files number their
/// vertices from 0 or 1) are marked in a bitmap with one running count per 64-bit word: no sort, the
/// ids come out in order, and a lookup is two array reads and a popcount. Larger, sparse ids (hashes)
/// are sorted and deduplicated, and looked up by binary search.
struct VertexNumbering {
    /// A bitmap of at most this many bits per input edge (1/4 byte per edge at most, plus 1/16 for
    /// the counts) is preferred to sorting the ids.
    static let bitmapIDsPerEdge: UInt64 = 16

    /// The distinct ids, ascending: `externalIDs[v]` is the id of internal vertex `v`.
    let externalIDs: [UInt64]
    /// Bit `id % 64` of word `id / 64` is set when `id` is a vertex (bitmap numbering only).
    private let bits: [UInt64]
    /// `ranks[w]`: the number of set bits in the words before `w` (bitmap numbering only).
    private let ranks: [UInt32]

    /// Numbers the ids of `blocks` (interleaved source and destination ids) whose largest is `largestID`.
    ///
    /// - Throws: `GraphError.corrupt` when there are more distinct ids than `VertexIndex` can number.
    init(blocks: [[UInt64]], largestID: UInt64) throws(GraphError) {
        let idCount = blocks.reduce(0) { $0 + $1.count }
        if largestID / Self.bitmapIDsPerEdge <= UInt64(idCount / 2) {
            var bits = [UInt64](repeating: 0, count: Int(largestID / 64) + 1)
            for block in blocks {
                for id in block { bits[Int(id / 64)] |= 1 << (id % 64) }
            }
            var ranks = [UInt32](repeating: 0, count: bits.count)
            var count = 0
            for w in 0..<bits.count {
                guard count <= Int(VertexIndex.max) else { break }
                ranks[w] = UInt32(count)
                count += bits[w].nonzeroBitCount
            }
            guard count <= Int(VertexIndex.max) else { throw .corrupt("more than \(VertexIndex.max) vertices") }
            var ids = [UInt64]()
            ids.reserveCapacity(count)
            for (w, word) in bits.enumerated() {
                var remaining = word
                while remaining != 0 {
                    ids.append(UInt64(w) * 64 + UInt64(remaining.trailingZeroBitCount))
                    remaining &= remaining - 1
                }
            }
            (externalIDs, self.bits, self.ranks) = (ids, bits, ranks)
        } else {
            var ids = [UInt64]()
            ids.reserveCapacity(idCount)
            for block in blocks { ids += block }
            ids.sort()
            var write = 0
            for read in 0..<ids.count where read == 0 || ids[read] != ids[write - 1] {
                ids[write] = ids[read]
                write += 1
            }
            guard write <= Int(VertexIndex.max) else { throw .corrupt("more than \(VertexIndex.max) vertices") }
            (externalIDs, bits, ranks) = (Array(ids[0..<write]), [], [])
        }
    }

    /// The internal index of `id`, which must be one of the numbered ids.
    @inline(__always)
    func index(of id: UInt64) -> VertexIndex {
        if !bits.isEmpty {
            let word = Int(id / 64)
            let below = bits[word] & ((1 << (id % 64)) &- 1)
            return ranks[word] + UInt32(below.nonzeroBitCount)
        }
        var low = 0
        var high = externalIDs.count
        while low < high {
            let mid = (low + high) / 2
            if externalIDs[mid] < id { low = mid + 1 } else { high = mid }
        }
        return VertexIndex(low)
    }
}
