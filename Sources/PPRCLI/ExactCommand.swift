import ArgumentParser
import PPRCore
import PPRService

/// `pwctl exact`: exact PPR by power iteration over the whole graph, the ground truth for a query.
struct ExactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exact",
        abstract: "Exact Personalized PageRank by power iteration (ground truth; no index needed).",
        discussion: """
            Iterates until the L1 change of one iteration is below --tolerance. Prints the same output as \
            `pwctl query`, with "iterations" and "converged" in place of the decomposition figures.
            """
    )

    @Option(name: .long, help: "Graph file written by `pwctl ingest`.")
    var graph: String

    @OptionGroup var target: PersonalizationOptions

    @Option(
        name: .long, parsing: .unconditional,
        help: "Restart probability alpha (default \(PPRDefaults.restartProbability)).")
    var alpha: Double?

    @Option(name: .long, help: "Stop when one iteration changes the vector by less than this (L1).")
    var tolerance: Double = PowerIteration.defaultTolerance

    @Option(name: .customLong("max-iterations"), help: "Give up after this many iterations.")
    var maxIterations: Int = PowerIteration.defaultMaxIterations

    func validate() throws {
        try target.requireSources()
        try target.validate()
        try PersonalizationOptions.validate(alpha: alpha)
        guard tolerance > 0, tolerance.isFinite else {
            throw ValidationError("--tolerance must be > 0, not \(tolerance)")
        }
        guard maxIterations >= 1 else {
            throw ValidationError("--max-iterations must be at least 1, not \(maxIterations)")
        }
    }

    func run() async throws {
        try await ClientFailure.reporting {
            let output = try exactOutput()
            print(target.json ? try output.json() : output.text())
        }
    }

    /// Solves in process (the CLI has nothing else to run meanwhile, so it stays on this task).
    func exactOutput() throws -> QueryOutput {
        let loaded = try LocalGraph.load(graph)
        let (personalization, exclusions) = try target.resolve(in: loaded.graph)
        let clock = ContinuousClock()
        let started = clock.now
        let solve = try PowerIteration.solve(
            graph: loaded.graph, personalization: personalization,
            restartProbability: alpha ?? PPRDefaults.restartProbability, tolerance: tolerance,
            maxIterations: maxIterations)
        let excluded = exclusions.resolve(personalization: personalization, graph: loaded.graph)
        let top = TopK.select(solve.scores, k: target.top ?? QueryParameters.defaultK, excluding: excluded)
        return QueryOutput(exact: top, solve: solve, graph: loaded.graph, elapsed: clock.now - started)
    }
}
