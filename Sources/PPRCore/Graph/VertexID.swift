/// A vertex as the user knows it: the unsigned 64-bit id from the edge list.
///
/// Every answer and every error speaks in `VertexID`s. Inside the engine a vertex is
/// its `VertexIndex`, a dense position `0..<vertexCount` in the CSR arrays.
public struct VertexID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public var description: String { String(rawValue) }

    public static func < (lhs: VertexID, rhs: VertexID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Dense internal position of a vertex, `0..<vertexCount`; ordered as the sorted external ids.
///
/// A plain integer rather than a struct because it is the element type of the hot arrays
/// (CSR targets, fingerprints, accumulators); it never leaves the engine.
public typealias VertexIndex = UInt32
