/// PPR parameters shared by indexing and queries.
///
/// `restartProbability` is alpha of DESIGN §1: at each step a walk stops with probability alpha,
/// otherwise it moves to a random out-neighbour (uniform, or in proportion to the edge weights of a
/// weighted graph). It is never called "damping"
/// (networkx's `alpha` is `1 - restartProbability`).
public enum PPRDefaults {
    /// Default alpha (stop / teleport probability).
    public static let restartProbability: Double = 0.15
}
