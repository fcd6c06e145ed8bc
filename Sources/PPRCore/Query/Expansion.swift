/// The result of the expand step of a decomposition query (DESIGN §2), before any fingerprint is read.
///
/// The query's unnormalised answer is `pushed + sum over frontier of weight * F_v`. A coordinator can
/// run the expand step alone, split `frontier` by shard and let each shard add its fingerprints.
public struct Expansion: Equatable, Sendable {
    /// Counts describing the work of the expand step.
    public struct Statistics: Equatable, Sendable {
        /// Levels in which at least one vertex still held flow (at most `maxLevels`).
        public var levels: Int = 0
        /// Vertex expansions (a vertex expanded at two levels counts twice).
        public var verticesExpanded: Int = 0
        /// Out-edges along which flow was pushed.
        public var edgesPushed: Int = 0
        /// Total flow expanded: the mass that went through the push step.
        public var flowPushed: Double = 0
        /// Mass that left at dangling vertices (the `(1-alpha)` part of their expansions).
        public var danglingLoss: Double = 0
        /// Flow below the drop floor, thrown away.
        public var droppedFlow: Double = 0
        /// Distinct vertices in the frontier: fingerprints the combine step reads.
        public var frontierSize: Int = 0
        /// Total flow handed to fingerprints (before sampling).
        public var frontierFlow: Double = 0
        /// Frontier vertices whose small flow lost the sampling draw (see `Decomposition.expand`).
        public var verticesSampledOut: Int = 0
        /// Sum of the frontier weights after sampling (equals `frontierFlow` in expectation).
        public var sampledFrontierFlow: Double = 0
        /// Sum of the squared frontier weights after sampling: drives the Monte Carlo variance.
        public var frontierSecondMoment: Double = 0

        public init() {}
    }

    /// `alpha * f` kept by expanded vertices, ascending by vertex, one entry per vertex.
    public var pushed: [WeightedVertex]
    /// Flow that goes to fingerprints, ascending by vertex, one entry per vertex, every weight > 0.
    public var frontier: [WeightedVertex]
    /// What the expand step did.
    public var statistics: Statistics

    public init(pushed: [WeightedVertex], frontier: [WeightedVertex], statistics: Statistics) {
        self.pushed = pushed
        self.frontier = frontier
        self.statistics = statistics
    }

    /// The frontier split by owning shard, each part still ascending by vertex.
    public func frontier(partitionedBy partition: Partition) -> [[WeightedVertex]] {
        var parts = [[WeightedVertex]](repeating: [], count: partition.shardCount)
        for entry in frontier {
            parts[partition.shard(of: entry.vertex).rawValue].append(entry)
        }
        return parts
    }

    /// Adds the pushed answer into a dense accumulator indexed by `VertexIndex`.
    public func addPushed(into accumulator: inout [Double]) {
        for entry in pushed { accumulator[Int(entry.vertex)] += entry.weight }
    }
}
