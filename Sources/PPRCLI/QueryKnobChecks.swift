// QueryKnobChecks: pwctl's checks of the query knobs it takes as flags (--top, --eps, --max-levels,
// --accuracy, --alpha), against the engine's one table of limits (EngineLimits), so pwctl refuses exactly what the
// coordinator and the in-process engine would refuse, before it reads a graph or dials anyone.
import ArgumentParser
import PPRCore

/// Usage checks shared by query, batch, evaluate and export.
enum QueryKnobChecks {
    /// `--top` within `EngineLimits.topK`.
    static func top(_ top: Int?, flag: String = "--top") throws(ValidationError) {
        guard let top else { return }
        let range = EngineLimits.topK
        if top < range.lowerBound { throw ValidationError("\(flag) must be at least \(range.lowerBound), not \(top)") }
        if top > range.upperBound { throw ValidationError("\(flag) must be at most \(range.upperBound), not \(top)") }
    }

    /// `--eps` a finite number >= 0 (a value out of range is named as such, never "Missing value").
    static func eps(_ eps: Double?) throws(ValidationError) {
        guard let eps, !EngineLimits.isValidEps(eps) else { return }
        throw ValidationError("--eps must be \(EngineLimits.epsText), not \(eps)")
    }

    /// `--max-levels` within `EngineLimits.maxLevels`.
    static func maxLevels(_ levels: Int?) throws(ValidationError) {
        guard let levels else { return }
        let range = EngineLimits.maxLevels
        if levels < range.lowerBound {
            throw ValidationError("--max-levels must be at least \(range.lowerBound), not \(levels)")
        }
        if levels > range.upperBound {
            throw ValidationError("--max-levels must be at most \(range.upperBound), not \(levels)")
        }
    }

    /// `--smoothing-steps` within `EngineLimits.smoothingSteps`.
    static func smoothingSteps(_ steps: Int?) throws(ValidationError) {
        guard let steps, !EngineLimits.smoothingSteps.contains(steps) else { return }
        throw ValidationError(
            "--smoothing-steps must be in \(EngineLimits.text(EngineLimits.smoothingSteps)), not \(steps)")
    }

    /// `--refine` within `EngineLimits.refineCandidates`.
    static func refineCandidates(_ candidates: Int?) throws(ValidationError) {
        guard let candidates, !EngineLimits.refineCandidates.contains(candidates) else { return }
        throw ValidationError(
            "--refine must be in \(EngineLimits.text(EngineLimits.refineCandidates)), not \(candidates)")
    }

    /// `--accuracy` one of the presets' names.
    static func accuracy(_ accuracy: String?) throws(ValidationError) {
        guard let accuracy, AccuracyPreset(name: accuracy) == nil else { return }
        throw ValidationError("--accuracy must be one of \(AccuracyPreset.names), not '\(accuracy)'")
    }

    /// `--alpha` strictly between 0 and 1.
    static func alpha(_ alpha: Double?) throws(ValidationError) {
        guard let alpha, !EngineLimits.isValidAlpha(alpha) else { return }
        throw ValidationError("--alpha must be strictly between 0 and 1, not \(alpha)")
    }
}
