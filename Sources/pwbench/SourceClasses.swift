import ArgumentParser
import Foundation
import PPRCore
import PPRService

/// Exact PPR vectors of single sources, solved once per benchmark run and shared by every preset (the
/// power iteration costs far more than the queries it checks). Kept up to a memory budget; a source beyond
/// it is solved again each time it is asked for.
final class ExactVectors {
    let graph: CSRGraph
    let alpha: Double
    private var solved: [VertexIndex: [Double]] = [:]
    private let capacity: Int

    init(graph: CSRGraph, alpha: Double, budgetBytes: Int = 1 << 30) {
        self.graph = graph
        self.alpha = alpha
        capacity = budgetBytes / max(1, graph.vertexCount * MemoryLayout<Double>.stride)
    }

    /// `pi_source` by power iteration (DESIGN §1: a walk at a dangling vertex restarts from the source).
    func scores(of source: VertexIndex) throws -> [Double] {
        if let known = solved[source] { return known }
        let scores = try PowerIteration.solve(
            graph: graph, personalization: Personalization(source: source), restartProbability: alpha
        ).scores
        if solved.count < capacity { solved[source] = scores }
        return scores
    }
}

/// Accuracy of one knob set on one class of sources (`AccuracySourceClass`): means over the sources.
struct ClassAccuracy {
    var sources = 0
    var precision10 = 0.0
    var precision100 = 0.0
    var tieAware10 = 0.0
    var tieAware100 = 0.0
    var l1 = 0.0
    var estimate = 0.0
    /// Per-source lines for `--list-misses`: sources whose precision@10 or @100 is below 1 / 0.98.
    var misses: [String] = []

    /// `value` averaged over the sources.
    func mean(_ value: Double) -> Double { value / Double(max(1, sources)) }

    var summary: String {
        guard sources > 0 else { return "no vertex of this class" }
        return "\(sources) sources: P@10 \(fixed(mean(precision10), 4)) (tie-aware \(fixed(mean(tieAware10), 4))), "
            + "P@100 \(fixed(mean(precision100), 4)) (tie-aware \(fixed(mean(tieAware100), 4))), "
            + "L1 \(fixed(mean(l1), 4)), error_estimate \(fixed(mean(estimate), 4))"
    }
}

extension EngineBenchmark {
    /// The classes asked for by `--source-classes`.
    func sourceClassList() throws -> [AccuracySourceClass] {
        try sourceClasses.split(separator: ",").map { name in
            guard let sourceClass = AccuracySourceClass(rawValue: String(name)) else {
                throw ValidationError("--source-classes: unknown class \(name) (uniform, hub, dangling)")
            }
            return sourceClass
        }
    }

    /// One row per source class: `accuracySources` sources of the class (`AccuracySourceClass.sample`
    /// with `--seed`, the same sources for every preset), precision@10/@100 (strict and tie-aware), L1
    /// and mean `error_estimate` against exact PPR; with `--list-misses`, one row per missing source.
    func classRows(
        engine: inout LocalQueryEngine, knobs: QueryParameters, exact: ExactVectors
    ) throws -> [(String, String)] {
        var rows: [(String, String)] = []
        let budget = WalkBudget(parameters: walkParameters, graph: exact.graph)
        let inDegreeRanks = diagnose ? AccuracyDiagnosis.inDegreeRanks(exact.graph) : []
        for sourceClass in try sourceClassList() {
            var figures = ClassAccuracy()
            var diagnosis = AccuracyDiagnosis()
            for source in sourceClass.sample(exact.graph, count: accuracySources, seed: seed) {
                let approximate = try accumulate(
                    source, sourceClass, into: &figures, engine: &engine, knobs: knobs, exact: exact)
                guard diagnose, exact.graph.outDegree(source) > 0 else { continue }
                try diagnosis.add(
                    source: source, approximate: approximate, exact: try exact.scores(of: source), graph: exact.graph,
                    budget: budget, knobs: knobs, alpha: exact.alpha, inDegreeRank: inDegreeRanks)
            }
            rows.append(("Class \(sourceClass)", figures.summary))
            if listMisses { rows += figures.misses.map { ("  miss", $0) } }
            rows += diagnosis.rows
        }
        return rows
    }

    /// Adds one source's figures; returns its answer (the full normalised vector).
    private func accumulate(
        _ source: VertexIndex, _ sourceClass: AccuracySourceClass, into figures: inout ClassAccuracy,
        engine: inout LocalQueryEngine, knobs: QueryParameters, exact: ExactVectors
    ) throws -> [Double] {
        let (approximate, metadata) = try engine.scores(Personalization(source: source), parameters: knobs)
        let truth = try exact.scores(of: source)
        let p10 = AccuracyMetrics.precision(atK: 10, approximate: approximate, exact: truth)
        let p100 = AccuracyMetrics.precision(atK: 100, approximate: approximate, exact: truth)
        let tie10 = AccuracyMetrics.tieAwarePrecision(atK: 10, approximate: approximate, exact: truth)
        let tie100 = AccuracyMetrics.tieAwarePrecision(atK: 100, approximate: approximate, exact: truth)
        let l1 = AccuracyMetrics.l1Distance(approximate, truth)
        figures.sources += 1
        figures.precision10 += p10
        figures.precision100 += p100
        figures.tieAware10 += tie10
        figures.tieAware100 += tie100
        figures.l1 += l1
        figures.estimate += metadata.errorEstimate
        guard p10 < 1 || p100 < 0.98 else { return approximate }
        let graph = exact.graph
        figures.misses.append(
            "\(sourceClass) id \(graph.externalIDs[Int(source)]) out-degree \(graph.outDegree(source)): "
                + "P@10 \(fixed(p10, 2)) (tie-aware \(fixed(tie10, 2)), \(tiedAtK(10, truth)) tied at 10th, "
                + "\(boundary(10, truth, approximate))), "
                + "P@100 \(fixed(p100, 2)) (tie-aware \(fixed(tie100, 2)), \(tiedAtK(100, truth)) tied at 100th, "
                + "\(boundary(100, truth, approximate))), "
                + "L1 \(fixed(l1, 4)), error_estimate \(fixed(metadata.errorEstimate, 4)), "
                + "frontier flow \(fixed(metadata.expansion.frontierFlow, 3))")
        return approximate
    }

    /// How well the top k is separated: the gap between the k-th and (k+1)-th exact scores against the
    /// largest score error among the exact ranks k-4 ... k+5 (the vertices that compete for the last
    /// places). A gap below the error makes precision@k a coin toss at the boundary (a near tie) rather
    /// than a sign of a bad answer.
    private func boundary(_ k: Int, _ exact: [Double], _ approximate: [Double]) -> String {
        let top = TopK.select(exact, k: k + 5)
        guard top.count > k else { return "fewer than \(k + 1) positive scores" }
        let gap = top[k - 1].score - top[k].score
        let error = top[max(0, k - 5)...].map { abs(approximate[Int($0.vertex)] - $0.score) }.max() ?? 0
        return "gap \(String(format: "%.1e", gap)) vs error \(String(format: "%.1e", error)) "
            + "at score \(String(format: "%.1e", top[k - 1].score))"
    }

    /// How many vertices tie with the k-th exact score (`AccuracyMetrics.tieTolerance`).
    private func tiedAtK(_ k: Int, _ exact: [Double]) -> Int {
        guard let kth = TopK.select(exact, k: k).last?.score else { return 0 }
        let tolerance = AccuracyMetrics.tieTolerance(kth)
        return exact.reduce(0) { $0 + (abs($1 - kth) <= tolerance ? 1 : 0) }
    }
}
