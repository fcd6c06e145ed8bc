/// A named bundle of query knobs (DESIGN §2, "Accuracy presets"): users choose accuracy by name, and
/// explicit knobs (`eps`, `maxLevels`) override the preset's.
///
/// The values are measured against exact PPR on soc-Slashdot0902 and wiki-Vote (README, "Choosing a
/// preset"); all three run on the same default index (R = 16). Batch, evaluate and export jobs use the same
/// presets.
public enum AccuracyPreset: String, CaseIterable, Equatable, Sendable, CustomStringConvertible {
    /// The fastest setting whose precision@10 stays at or above 0.95 (measured: 0.976, L1 0.18, about
    /// half the CPU of the old default).
    case fast
    /// The service default (measured: precision@10 0.988, precision@100 0.985, L1 0.079, about the CPU of
    /// the old eps = 1e-4 default, which gave L1 0.104). Goal: precision@10 >= 0.99, L1 <= 0.06.
    case `default`
    /// Measured: precision@10 0.992, precision@100 0.995, L1 0.034 at about 2.8x the default's CPU.
    /// Goal: precision@10 >= 0.995, L1 <= 0.02.
    case high

    /// Expansion threshold `eps` of this preset.
    public var eps: Double {
        switch self {
        case .fast: 1e-4
        case .default: QueryParameters.defaultEps
        case .high: 5e-6
        }
    }

    /// Expansion levels `T` of this preset.
    public var maxLevels: Int { QueryParameters.defaultMaxLevels }

    /// Frontier sampling threshold (`QueryParameters.sampleBelow`).
    public var sampleBelow: Double {
        switch self {
        case .fast: 1e-4
        case .default: QueryParameters.defaultSampleBelow
        case .high: 2e-6
        }
    }

    /// Low-degree threshold factor (`QueryParameters.lowDegreeFactor`).
    public var lowDegreeFactor: Double { QueryParameters.defaultLowDegreeFactor }

    /// The preset's knobs, with `eps`/`maxLevels` replaced where the caller gave them explicitly.
    public func parameters(
        eps explicitEps: Double? = nil, maxLevels explicitLevels: Int? = nil, k: Int = QueryParameters.defaultK,
        exclusions: Exclusions = Exclusions()
    ) -> QueryParameters {
        QueryParameters(
            eps: explicitEps ?? eps, maxLevels: explicitLevels ?? maxLevels, k: k, exclusions: exclusions,
            sampleBelow: sampleBelow, lowDegreeFactor: lowDegreeFactor)
    }

    /// Parses a preset name (`fast`, `default`, `high`); nil for anything else.
    public init?(name: String) { self.init(rawValue: name) }

    /// The names, for help texts and error messages: `fast, default, high`.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    public var description: String { rawValue }
}
