/// The vertices cut into `bandCount` contiguous bands of about equal work, and every out-edge list cut
/// at the band boundaries: the layout a multi-thread push (`Decomposition` with `PushThreads`) splits its
/// work by. A thread owns the vertices of its bands: it alone reads and clears their flow, and it alone adds
/// the shares pushed to them, so every slot still sums its shares in ascending source order (bit-identical
/// answers whatever the thread count).
///
/// Targets are sorted in each out-edge list, so a vertex's edges into bands `a..<b` are one contiguous run;
/// `splits` holds, per vertex, where each interior band starts inside its list (`bandCount - 1` UInt32
/// offsets, 12 bytes per vertex: about 1 MB on soc-Slashdot0902). Built once per graph in `O(n + m)`.
/// `bandCount` is a constant, not the thread count: thread `t` of `T` takes bands
/// `t * bandCount / T ..< (t + 1) * bandCount / T`.
public struct TargetBands: Sendable {
    /// Bands per graph; also the most threads one query's push can use.
    public static let bandCount = 4
    /// Band boundaries are multiples of this many vertices (except the last, `vertexCount`): 512 vertices are
    /// one cache line of the one-bit-per-vertex marks, so two threads never write the same line of it.
    static let alignment = 512

    /// Band `b` is the vertices `starts[b] ..< starts[b + 1]`; `bandCount + 1` entries, `starts[0] == 0`.
    public let starts: [Int]
    /// `splits[v * (bandCount - 1) + b - 1]`: the position, counted from `v`'s first out-edge, of its first
    /// edge into band `b` (for `b` in `1 ..< bandCount`).
    let splits: [UInt32]

    /// The cost of visiting a vertex in a level, in pushed edges, by default (`init(graph:vertexCost:)`).
    public static let defaultVertexCost = 0

    /// The layout of `graph`. A band's work is the edges pushed into it (its in-degree) plus the visits of its
    /// vertices that have in-edges, each weighed `vertexCost` edges.
    public init(graph: CSRGraph, vertexCost: Int = defaultVertexCost) {
        let n = graph.vertexCount
        let bands = Self.bandCount
        var inDegree = [UInt32](repeating: 0, count: n)
        for t in graph.targets { inDegree[Int(t)] &+= 1 }
        let cost = max(0, vertexCost)
        var total = 0
        for d in inDegree { total += Int(d) + (d > 0 ? cost : 0) }
        var starts = [0]
        var cumulative = 0
        var v = 0
        for b in 1..<bands {
            let goal = total / bands * b + total % bands * b / bands
            while v < n, cumulative < goal {
                cumulative += Int(inDegree[v]) + (inDegree[v] > 0 ? cost : 0)
                v += 1
            }
            let boundary = min(n, (v + Self.alignment - 1) / Self.alignment * Self.alignment)
            while v < boundary {
                cumulative += Int(inDegree[v]) + (inDegree[v] > 0 ? cost : 0)
                v += 1
            }
            starts.append(boundary)
        }
        starts.append(n)
        var splits = [UInt32](repeating: 0, count: n * (bands - 1))
        for u in 0..<n {
            let start = Int(graph.offsets[u])
            let end = Int(graph.offsets[u + 1])
            var e = start
            for b in 1..<bands {
                while e < end, Int(graph.targets[e]) < starts[b] { e += 1 }
                splits[u * (bands - 1) + b - 1] = UInt32(truncatingIfNeeded: e - start)
            }
        }
        self.starts = starts
        self.splits = splits
    }

    /// Bytes held by the layout.
    public var byteCount: Int { splits.count * MemoryLayout<UInt32>.stride + starts.count * MemoryLayout<Int>.stride }

    /// The edges of `v` into bands `bands` (indices into `graph.targets`).
    public func edgeRange(of v: VertexIndex, bands: Range<Int>, graph: CSRGraph) -> Range<Int> {
        let start = Int(graph.offsets[Int(v)])
        func boundary(_ b: Int) -> Int {
            if b == 0 { return start }
            if b == Self.bandCount { return Int(graph.offsets[Int(v) + 1]) }
            return start + Int(splits[Int(v) * (Self.bandCount - 1) + b - 1])
        }
        return boundary(bands.lowerBound)..<boundary(bands.upperBound)
    }
}
