/// A frontier vertex and the probability flow that reached it.
public struct WeightedVertex: Equatable, Sendable {
    public var vertex: VertexIndex
    public var weight: Double
    public init(vertex: VertexIndex, weight: Double) {
        self.vertex = vertex
        self.weight = weight
    }
}

/// Where a query finds fingerprints: an LMDB store, the shards behind a coordinator, or memory (tests).
///
/// The combine step of DESIGN §2: add `sum over (v, w) of w * F_v` into a dense accumulator indexed
/// by `VertexIndex`. Implementations read each fingerprint once and allocate nothing per entry.
public protocol FingerprintSource {
    /// The walk parameters the fingerprints were built with (alpha and R scale the visit counts).
    var walkParameters: WalkParameters { get }

    /// Adds `weight * F_v` into `accumulator` for each frontier entry.
    func accumulate(_ frontier: [WeightedVertex], into accumulator: inout [Double]) throws

    /// `accumulate`, also adding the number of fingerprint entries read to `entries`.
    func accumulate(_ frontier: [WeightedVertex], into accumulator: inout [Double], entries: inout Int) throws
}

extension FingerprintSource {
    /// Sources that do not count entries leave `entries` unchanged.
    public func accumulate(_ frontier: [WeightedVertex], into accumulator: inout [Double], entries: inout Int) throws {
        try accumulate(frontier, into: &accumulator)
    }
}
