/// A Graph500-style Kronecker (R-MAT) edge generator (issue 7 item 4, scale runs).
///
/// Each of `edgeFactor * 2^scale` directed edges picks one quadrant per bit of the vertex ids, with the
/// initiator probabilities A, B, C (Graph500: 0.57, 0.19, 0.19; D = 1 - A - B - C); vertex labels are
/// then permuted by a seeded Fisher-Yates shuffle (as Graph500 does, so hubs are not the small ids).
/// Deterministic: the same parameters and seed give the same edges in the same order (one SplitMix64
/// stream). Self-loops and duplicate edges are kept, as in Graph500.
public struct RMATGenerator: Sendable {
    public static let graph500 = (a: 0.57, b: 0.19, c: 0.19)

    public let scale: Int
    public let edgeFactor: Int
    public let seed: UInt64
    public let a: Double, b: Double, c: Double

    /// Checks `1 <= scale <= 30`, `edgeFactor >= 1` and the probabilities.
    public init(
        scale: Int, edgeFactor: Int, seed: UInt64, a: Double = graph500.a, b: Double = graph500.b,
        c: Double = graph500.c
    ) {
        precondition((1...30).contains(scale) && edgeFactor >= 1, "R-MAT: scale 1 ... 30, edge factor >= 1")
        precondition(a >= 0 && b >= 0 && c >= 0 && a + b + c <= 1, "R-MAT: probabilities")
        (self.scale, self.edgeFactor, self.seed, self.a, self.b, self.c) = (scale, edgeFactor, seed, a, b, c)
    }

    public var vertexCount: Int { 1 << scale }
    public var edgeCount: Int { edgeFactor << scale }

    /// Calls `body(source, target)` for every edge, in order.
    public func forEachEdge(_ body: (UInt32, UInt32) throws -> Void) rethrows {
        let n = vertexCount
        var random = WalkSeed(rawState: seed ^ 0x6772_6170_6835_3030)  // "graph500"
        var permutation = (0..<n).map { UInt32($0) }
        for i in stride(from: n - 1, to: 0, by: -1) {
            permutation.swapAt(i, Int(random.next() % UInt64(i + 1)))
        }
        let ab = a + b
        let abc = a + b + c
        let unit = 1.0 / Double(UInt64(1) << 53)
        for _ in 0..<edgeCount {
            var source = 0
            var target = 0
            for _ in 0..<scale {
                let r = Double(random.next() >> 11) * unit
                source <<= 1
                target <<= 1
                if r < a {
                    continue
                } else if r < ab {
                    target |= 1
                } else if r < abc {
                    source |= 1
                } else {
                    source |= 1
                    target |= 1
                }
            }
            try body(permutation[source], permutation[target])
        }
    }
}
