/// SplitMix64 (Steele, Lea, Flood 2014): the random stream of one vertex's walks.
///
/// The stream of vertex `u` is seeded from `(globalSeed, u)` only, so an index does not depend on
/// thread, shard or worker counts (gapbs's per-block reseeding). We map raw 64-bit outputs to ranges
/// ourselves instead of `random(in:using:)`, whose algorithm the standard library does not promise.
public struct WalkSeed: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// The stream of `vertex` under `globalSeed`.
    public init(globalSeed: UInt64, vertex: VertexIndex) {
        state = Self.mix(globalSeed ^ Self.mix(UInt64(vertex) &+ 0x9E37_79B9_7F4A_7C15))
    }

    public init(rawState: UInt64) { state = rawState }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// The SplitMix64 finaliser: a bijective avalanche of 64 bits.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
