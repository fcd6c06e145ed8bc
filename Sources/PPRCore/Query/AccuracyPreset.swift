/// A named bundle of query knobs (DESIGN §2, "Accuracy presets"): users choose accuracy by name, and
/// explicit knobs (`eps`, `maxLevels`, `smoothingSteps`) override the preset's.
///
/// The values are measured against exact PPR on soc-Slashdot0902, wiki-Vote, p2p-Gnutella31,
/// email-Eu-core and R-MAT scale 18; the figures, with the commands that reproduce them, are in README
/// ("Choosing a preset", "Measured figures"), kept in one place so they cannot disagree with this. All
/// three run on the same default index (R = 16, more walks for hubs). Each applies steps of the PPR
/// equation to the whole answer (`PPREquationStep`): a step costs one pass over the graph's edges (about
/// 0.6 ms on one thread on soc-Slashdot0902) and cuts the whole-vector L1 by 2-6x, which buys more
/// accuracy than spending that time on fingerprints. Batch, evaluate and export jobs use the same presets.
public enum AccuracyPreset: String, CaseIterable, Equatable, Sendable, CustomStringConvertible {
    /// The fastest setting whose precision@10 stays at or above 0.95: one step at eps 1e-3 (soc-Slashdot0902:
    /// 0.9825; it was eps 3e-4 before the self-loop step made 1e-3 accurate enough).
    case fast
    /// The service default. Goal: precision@10 >= 0.99, precision@100 >= 0.98, L1 <= 0.06 on every graph
    /// and source class. eps 2e-4 with three steps: against eps 1e-4 with two (the default until 2026-12-03)
    /// it reads half the fingerprints, has a lower L1 (equal on email-Eu-core), and lifts hub sources of R-MAT
    /// graphs from precision@10 0.984-0.988 to 0.996-0.998 (README "Choosing a preset").
    case `default`
    /// eps 1e-4 with four steps (the most `EngineLimits.smoothingSteps` allows today; literals, so that
    /// changing the default or raising the limit does not change the measured preset). Goal:
    /// precision@10 >= 0.995, L1 <= 0.02. With the self-loop step, two more steps buy more than a lower eps:
    /// on soc-Slashdot0902 L1 0.0020 at 0.38-0.45x the time of eps 1e-5 with three steps (L1 0.0014), the
    /// preset before; on R-MAT 18 L1 0.0001 against 0.0002, at 0.57x the time.
    case high

    /// Expansion threshold `eps` of this preset.
    public var eps: Double {
        switch self {
        case .fast: 1e-3
        case .default: QueryParameters.defaultEps
        case .high: 1e-4
        }
    }

    /// Expansion levels `T` of this preset.
    public var maxLevels: Int { QueryParameters.defaultMaxLevels }

    /// Frontier sampling threshold (`QueryParameters.sampleBelow`).
    public var sampleBelow: Double {
        switch self {
        case .fast: 1e-3
        case .default: QueryParameters.defaultSampleBelow
        case .high: 1e-4
        }
    }

    /// Low-degree threshold factor (`QueryParameters.lowDegreeFactor`).
    public var lowDegreeFactor: Double { QueryParameters.defaultLowDegreeFactor }

    /// Steps of the PPR equation applied to the whole answer (`QueryParameters.smoothingSteps`).
    public var smoothingSteps: Int {
        switch self {
        case .fast: 1
        case .default: QueryParameters.defaultSmoothingSteps
        case .high: 4
        }
    }

    /// The preset's knobs, with `eps`/`maxLevels`/`smoothingSteps` replaced where the caller gave them
    /// explicitly.
    public func parameters(
        eps explicitEps: Double? = nil, maxLevels explicitLevels: Int? = nil, smoothingSteps explicitSteps: Int? = nil,
        k: Int = QueryParameters.defaultK, exclusions: Exclusions = Exclusions()
    ) -> QueryParameters {
        var knobs = QueryParameters(
            eps: explicitEps ?? eps, maxLevels: explicitLevels ?? maxLevels, k: k, exclusions: exclusions,
            sampleBelow: sampleBelow, lowDegreeFactor: lowDegreeFactor)
        knobs.smoothingSteps = explicitSteps ?? smoothingSteps
        return knobs
    }

    /// Parses a preset name (`fast`, `default`, `high`); nil for anything else.
    public init?(name: String) { self.init(rawValue: name) }

    /// The names, for help texts and error messages: `fast, default, high`.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    public var description: String { rawValue }
}
