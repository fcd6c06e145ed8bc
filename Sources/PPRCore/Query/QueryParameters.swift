/// The per-query knobs of a decomposition query (DESIGN §2) and their measured defaults.
public struct QueryParameters: Equatable, Sendable {
    /// Default expansion threshold: flow at or below it goes to fingerprints instead of being pushed.
    ///
    /// The `default` preset's (`AccuracyPreset`): with three steps of the PPR equation on the whole answer
    /// (`defaultSmoothingSteps`) and `sampleBelow` 2e-4 it reads about 1.5k fingerprints (0.25 M entries)
    /// per soc-Slashdot0902 query. Until 2026-12-03 it was 1e-4 with two steps, which read twice the
    /// fingerprints for a larger L1 (a step buys more accuracy than halving eps; README "Choosing a preset").
    /// Beyond T = 10 levels cost and accuracy barely move: the flow falls below eps first.
    public static let defaultEps: Double = 2e-4
    /// Default number of expansion levels `T`.
    public static let defaultMaxLevels: Int = 20
    /// Default number of answers.
    public static let defaultK: Int = 10
    /// Default frontier sampling threshold (the `default` preset's).
    public static let defaultSampleBelow: Double = 2e-4
    /// Default low-degree threshold factor (the `default` preset's).
    public static let defaultLowDegreeFactor: Double = 0.1
    /// Default steps of the PPR equation on the whole answer (the `default` preset's).
    public static let defaultSmoothingSteps: Int = 3
    /// Default drop floor: 0, nothing is thrown away.
    public static let defaultDropFloor: Double = 0

    /// Expansion threshold `eps` (absolute flow; `p` sums to 1).
    public var eps: Double
    /// Expansion levels `T`; 0 answers with the fingerprints of `p` alone.
    public var maxLevels: Int
    /// Frontier flow below this is discarded rather than read from a fingerprint (0 keeps all).
    public var dropFloor: Double
    /// Frontier flow below this is sampled (kept with probability `f / sampleBelow` at weight
    /// `sampleBelow`, see `Decomposition.expand`); 0 reads every frontier fingerprint.
    public var sampleBelow: Double
    /// Expansion threshold factor floor for vertices of below-mean out-degree (see
    /// `Decomposition.expand`); 1 gives every vertex the threshold `eps`.
    public var lowDegreeFactor: Double
    /// Top candidates of the answer rescored by one step of the PPR equation (`ScoreRefinement`); 0: none.
    public var refineCandidates: Int = 0
    /// Steps of the PPR equation applied to the whole answer after the combine (`PPREquationStep`); 0: none.
    public var smoothingSteps: Int
    /// Number of answers.
    public var k: Int
    /// What to leave out of the answer list.
    public var exclusions: Exclusions

    public init(
        eps: Double = defaultEps, maxLevels: Int = defaultMaxLevels, dropFloor: Double = defaultDropFloor,
        k: Int = defaultK, exclusions: Exclusions = Exclusions(), sampleBelow: Double = defaultSampleBelow,
        lowDegreeFactor: Double = defaultLowDegreeFactor, smoothingSteps: Int = defaultSmoothingSteps
    ) {
        self.smoothingSteps = smoothingSteps
        self.sampleBelow = sampleBelow
        self.lowDegreeFactor = lowDegreeFactor
        self.eps = eps
        self.maxLevels = maxLevels
        self.dropFloor = dropFloor
        self.k = k
        self.exclusions = exclusions
    }

    /// Checks ranges; the error names the offending parameter.
    public func validate(restartProbability: Double) throws(QueryError) {
        try Self.validate(restartProbability: restartProbability, eps: eps, maxLevels: maxLevels, dropFloor: dropFloor)
        try Self.validate(sampleBelow: sampleBelow, lowDegreeFactor: lowDegreeFactor)
        guard EngineLimits.refineCandidates.contains(refineCandidates) else {
            throw .invalidParameter(
                .outOfRange(
                    name: "refine-candidates", value: "\(refineCandidates)",
                    expected: EngineLimits.text(EngineLimits.refineCandidates)))
        }
        guard EngineLimits.smoothingSteps.contains(smoothingSteps) else {
            throw .invalidParameter(
                .outOfRange(
                    name: "smoothing-steps", value: "\(smoothingSteps)",
                    expected: EngineLimits.text(EngineLimits.smoothingSteps)))
        }
        guard EngineLimits.topK.contains(k) else {
            throw .invalidParameter(
                .outOfRange(name: "k", value: "\(k)", expected: EngineLimits.text(EngineLimits.topK)))
        }
    }

    static func validate(sampleBelow: Double, lowDegreeFactor: Double) throws(QueryError) {
        guard EngineLimits.fraction.contains(sampleBelow) else {
            throw .invalidParameter(.outOfRange(name: "sample-below", value: "\(sampleBelow)", expected: "0 ... 1"))
        }
        guard EngineLimits.fraction.contains(lowDegreeFactor) else {
            throw .invalidParameter(
                .outOfRange(name: "low-degree-factor", value: "\(lowDegreeFactor)", expected: "0 ... 1"))
        }
    }

    static func validate(
        restartProbability alpha: Double, eps: Double, maxLevels: Int, dropFloor: Double
    ) throws(QueryError) {
        guard EngineLimits.isValidAlpha(alpha) else {
            throw .invalidParameter(.outOfRange(name: "alpha", value: "\(alpha)", expected: "0 < alpha < 1"))
        }
        guard EngineLimits.isValidEps(eps) else {
            throw .invalidParameter(.outOfRange(name: "eps", value: "\(eps)", expected: EngineLimits.epsText))
        }
        guard EngineLimits.maxLevels.contains(maxLevels) else {
            throw .invalidParameter(
                .outOfRange(name: "levels", value: "\(maxLevels)", expected: EngineLimits.text(EngineLimits.maxLevels)))
        }
        guard dropFloor.isFinite, dropFloor >= 0 else {
            throw .invalidParameter(
                .outOfRange(name: "drop-floor", value: "\(dropFloor)", expected: "a finite number >= 0"))
        }
    }
}

/// Why a query could not run.
public enum QueryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The personalization is invalid for this graph.
    case personalization(PersonalizationError)
    /// A query parameter is out of range.
    case invalidParameter(ParameterError)
    /// The fingerprints were built with another alpha than the query asks for.
    case restartProbabilityMismatch(query: Double, index: Double)

    public var description: String {
        switch self {
        case .personalization(let error): error.description
        case .invalidParameter(let error): error.description
        case .restartProbabilityMismatch(let query, let index):
            "invalid alpha \(query): the fingerprints were built with alpha \(index)"
        }
    }
}
