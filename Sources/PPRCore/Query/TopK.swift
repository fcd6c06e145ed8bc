/// Deterministic top-k selection: score descending, ties broken by `VertexIndex` ascending.
///
/// Method: one pass keeping a binary min-heap of the `k` best seen so far under that order (the root is
/// the worst kept entry); a candidate enters only if it beats the root, and only then is the exclusion
/// set consulted. Vertices with score 0 are never listed. `O(n + c log k)` for `n` scores and `c`
/// heap entries; the result does not depend on anything but the scores, so it is bit-stable.
public enum TopK {
    /// The `k` best vertices of a dense score vector indexed by `VertexIndex`.
    public static func select(_ scores: [Double], k: Int, excluding excluded: ExcludedSet = .empty) -> [ScoredVertex] {
        guard k > 0 else { return [] }
        var heap = Heap(capacity: k)
        let span = scores.span
        // Once the heap is full, a score below its root's can never enter: one compare per vertex against a
        // register instead of the heap's root (most vertices of a stepped answer are positive and small).
        var floor = 0.0
        for i in 0..<span.count {
            let score = span[unchecked: i]
            guard score > 0, score >= floor else { continue }
            let candidate = ScoredVertex(vertex: VertexIndex(i), score: score)
            if heap.wouldAccept(candidate), !excluded.contains(candidate.vertex) {
                heap.insert(candidate)
                if heap.isFull { floor = heap.worstScore }
            }
        }
        return heap.sortedBestFirst()
    }

    /// The `k` best of sparse entries (any order, one per vertex).
    public static func select(
        _ entries: [WeightedVertex], k: Int, excluding excluded: ExcludedSet = .empty
    ) -> [ScoredVertex] {
        guard k > 0 else { return [] }
        var heap = Heap(capacity: k)
        for entry in entries where entry.weight > 0 {
            let candidate = ScoredVertex(vertex: entry.vertex, score: entry.weight)
            if heap.wouldAccept(candidate), !excluded.contains(candidate.vertex) { heap.insert(candidate) }
        }
        return heap.sortedBestFirst()
    }

    /// `a` ranks before `b`: higher score, or equal score and lower vertex.
    @inline(__always)
    public static func ranksBefore(_ a: ScoredVertex, _ b: ScoredVertex) -> Bool {
        a.score > b.score || (a.score == b.score && a.vertex < b.vertex)
    }

    /// A bounded min-heap under `ranksBefore` (root = worst kept).
    private struct Heap {
        let capacity: Int
        var items: [ScoredVertex] = []

        init(capacity: Int) {
            self.capacity = capacity
            items.reserveCapacity(min(capacity, 1 << 16))
        }

        var isFull: Bool { items.count == capacity }
        /// The root's score (the worst kept); only when not empty.
        var worstScore: Double { items[0].score }

        @inline(__always)
        func wouldAccept(_ candidate: ScoredVertex) -> Bool {
            items.count < capacity || TopK.ranksBefore(candidate, items[0])
        }

        mutating func insert(_ candidate: ScoredVertex) {
            if items.count < capacity {
                items.append(candidate)
                var child = items.count - 1
                while child > 0 {
                    let parent = (child - 1) / 2
                    guard TopK.ranksBefore(items[parent], items[child]) else { break }
                    items.swapAt(parent, child)
                    child = parent
                }
            } else {
                items[0] = candidate
                var parent = 0
                while true {
                    var worst = parent
                    let left = 2 * parent + 1
                    let right = left + 1
                    if left < items.count, TopK.ranksBefore(items[worst], items[left]) { worst = left }
                    if right < items.count, TopK.ranksBefore(items[worst], items[right]) { worst = right }
                    guard worst != parent else { break }
                    items.swapAt(parent, worst)
                    parent = worst
                }
            }
        }

        func sortedBestFirst() -> [ScoredVertex] { items.sorted(by: TopK.ranksBefore) }
    }
}

/// A vertex of an answer with its PPR score.
public struct ScoredVertex: Equatable, Sendable {
    public var vertex: VertexIndex
    public var score: Double
    public init(vertex: VertexIndex, score: Double) {
        self.vertex = vertex
        self.score = score
    }
}
