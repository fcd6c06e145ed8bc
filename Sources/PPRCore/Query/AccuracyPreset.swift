/// A named bundle of query knobs (DESIGN §2, "Accuracy presets"): users choose accuracy by name, and
/// explicit knobs (`eps`, `maxLevels`) override the preset's.
///
/// The values are measured against exact PPR on soc-Slashdot0902 and the other SNAP graphs; the query
/// engine (issue 6) owns their tuning. Batch, evaluate and export jobs use the same presets.
public enum AccuracyPreset: String, CaseIterable, Equatable, Sendable, CustomStringConvertible {
    /// The fastest setting whose precision@10 stays at or above 0.95.
    case fast
    /// The service default: precision@10 >= 0.99 and L1 <= 0.06 on soc-Slashdot0902.
    case `default`
    /// Precision@10 >= 0.995 and L1 <= 0.02 on soc-Slashdot0902.
    case high

    /// Expansion threshold `eps` of this preset.
    public var eps: Double {
        switch self {
        case .fast: 1e-3
        case .default: QueryParameters.defaultEps
        case .high: 1e-5
        }
    }

    /// Expansion levels `T` of this preset.
    public var maxLevels: Int { QueryParameters.defaultMaxLevels }

    /// The preset's knobs, with `eps`/`maxLevels` replaced where the caller gave them explicitly.
    public func parameters(
        eps explicitEps: Double? = nil, maxLevels explicitLevels: Int? = nil, k: Int = QueryParameters.defaultK,
        exclusions: Exclusions = Exclusions()
    ) -> QueryParameters {
        QueryParameters(eps: explicitEps ?? eps, maxLevels: explicitLevels ?? maxLevels, k: k, exclusions: exclusions)
    }

    /// Parses a preset name (`fast`, `default`, `high`); nil for anything else.
    public init?(name: String) { self.init(rawValue: name) }

    public var description: String { rawValue }
}
