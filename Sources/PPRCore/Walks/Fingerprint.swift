/// A vertex's fingerprint: the visit counts of its `R` walks (full-path counting).
///
/// `F_u(v) = alpha * visitCounts[i] / R` for `v = vertices[i]` is an unbiased estimate of `pt_u(v)`
/// (DESIGN §2) up to truncation at `Lmax` steps. Invariant: `vertices` strictly ascending, every
/// count ≥ 1, both arrays the same length.
public struct Fingerprint: Equatable, Sendable {
    public var vertices: [VertexIndex]
    public var visitCounts: [UInt32]

    public init(vertices: [VertexIndex] = [], visitCounts: [UInt32] = []) {
        precondition(vertices.count == visitCounts.count, "one count per vertex")
        self.vertices = vertices
        self.visitCounts = visitCounts
    }

    public var entryCount: Int { vertices.count }
    /// Total visits over all walks.
    public var totalVisits: Int { visitCounts.reduce(0) { $0 + Int($1) } }
}
