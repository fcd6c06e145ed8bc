/// The one table of limits every path checks a request against (DESIGN §5: every request is bounded).
///
/// The CLI, the coordinator's query validation (`ResolvedQuery`), the jobs and the config loader all read
/// these, so a value accepted in one mode is accepted in the other, and a configured default can never be
/// one that every request would refuse. Beyond a bound a request is more likely a mistake than a need;
/// README ("Limits") lists them.
public enum EngineLimits {
    /// Answers per query (`top_k`, `--top`, `query.topK`). A reply of 2^20 ranked vertices is about 17 MiB.
    public static let topK: ClosedRange<Int> = 1...(1 << 20)
    /// Decomposition levels `T` (`max_levels`, `--max-levels`, `query.maxLevels`); the flow is below any
    /// useful eps long before 1,024 levels.
    public static let maxLevels: ClosedRange<Int> = 0...(1 << 10)
    /// The expansion threshold `eps` is a finite number at least this (`eps`, `--eps`, `query.eps`).
    public static let minimumEps: Double = 0
    /// Walks per vertex `R` (`walks_per_vertex`, `--walks`, `index.walks`).
    public static let walksPerVertex: ClosedRange<Int> = 1...(1 << 20)
    /// Longest walk `Lmax` (`max_walk_length`, `--max-length`, `index.maxLength`).
    public static let maxWalkLength: ClosedRange<Int> = 1...(1 << 20)
    /// Walk threads of an index build (`threads`, `index.threads`); 0 means all cores.
    public static let indexThreads: ClosedRange<Int> = 0...1024
    /// Sampled sources of an evaluate job (`sample_count`, `--samples`); each is an exact power iteration.
    public static let evaluateSamples: ClosedRange<Int> = 1...1_000_000
    /// Threads one in-process query's expand and combine may use (`pwbench engine --query-threads`); more than
    /// the bands a step splits into act as that many (`TargetBands.bandCount` for the expand,
    /// `ResidentFingerprints.bandCount` for the combine).
    public static let queryThreads: ClosedRange<Int> = 1...64
    /// Top candidates rescored by one step of the PPR equation (`QueryParameters.refineCandidates`); each
    /// costs its in-degree, so a few thousand are plenty for any top-k a user reads.
    public static let refineCandidates: ClosedRange<Int> = 0...(1 << 16)
    /// Steps of the PPR equation applied to the whole answer (`QueryParameters.smoothingSteps`); each costs
    /// one pass over every edge of the graph, and the error stops falling after a few.
    public static let smoothingSteps: ClosedRange<Int> = 0...4
    /// Frontier sampling threshold and low-degree factor of a preset (fractions).
    public static let fraction: ClosedRange<Double> = 0...1

    /// Whether `eps` is a usable expansion threshold: finite and at least `minimumEps`.
    public static func isValidEps(_ eps: Double) -> Bool { eps.isFinite && eps >= minimumEps }

    /// Whether `alpha` is a usable restart probability: strictly between 0 and 1.
    public static func isValidAlpha(_ alpha: Double) -> Bool { alpha > 0 && alpha < 1 }

    /// `1 ... 1048576`: how a range reads in messages.
    public static func text(_ range: ClosedRange<Int>) -> String { "\(range.lowerBound) ... \(range.upperBound)" }

    /// What a valid eps is, for messages.
    public static let epsText = "a finite number >= 0"
}
