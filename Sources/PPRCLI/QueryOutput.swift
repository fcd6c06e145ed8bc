import Foundation
import PPRCore
import PPRWire

/// What `pwctl query` and `pwctl exact` print: one JSON object (`--json`) or a ranked table.
///
/// The JSON keys are a contract scripts rely on: `results` (`vertex` is the external id), then
/// `fingerprints_used`, `flow_pushed`, `vertices_expanded`, `levels`, `elapsed_ms`, `index_version`,
/// `error_estimate` for decomposition answers, or `iterations` and `converged` for exact ones. Absent figures are omitted.
struct QueryOutput: Codable, Equatable {
    /// One answer row.
    struct Entry: Codable, Equatable {
        /// External vertex id.
        var vertex: UInt64
        /// Normalised PPR score (the whole vector sums to 1; the list is the top k of it).
        var score: Double
    }

    var results: [Entry]
    var fingerprintsUsed: Int?
    var flowPushed: Double?
    var verticesExpanded: Int?
    var levels: Int?
    /// Wall time of the answer (server-side in wire mode), milliseconds.
    var elapsedMilliseconds: Double
    var indexVersion: UInt64?
    /// Power iterations run (exact answers only).
    var iterations: Int?
    /// Whether power iteration reached its tolerance (exact answers only).
    var converged: Bool?
    /// Estimated L1 distance of the whole answer vector to exact PPR (decomposition answers only).
    var errorEstimate: Double?

    enum CodingKeys: String, CodingKey {
        case results
        case fingerprintsUsed = "fingerprints_used"
        case flowPushed = "flow_pushed"
        case verticesExpanded = "vertices_expanded"
        case levels
        case elapsedMilliseconds = "elapsed_ms"
        case indexVersion = "index_version"
        case iterations, converged
        case errorEstimate = "error_estimate"
    }

    /// A local decomposition answer; vertex indices become external ids of `graph`.
    init(local result: DecompositionQuery.Result, graph: CSRGraph, indexVersion: UInt32, elapsed: Duration) {
        let statistics = result.metadata.expansion
        results = result.top.map { Entry(vertex: graph.id(of: $0.vertex).rawValue, score: $0.score) }
        fingerprintsUsed = result.metadata.fingerprintsUsed
        flowPushed = statistics.flowPushed
        verticesExpanded = statistics.verticesExpanded
        levels = statistics.levels
        elapsedMilliseconds = Self.milliseconds(elapsed)
        self.indexVersion = UInt64(indexVersion)
        errorEstimate = result.metadata.errorEstimate
    }

    /// The coordinator's answer, field for field.
    init(wire response: QueryResponse) {
        results = response.results.map { Entry(vertex: $0.vertex.rawValue, score: $0.score) }
        fingerprintsUsed = response.fingerprintsUsed
        flowPushed = response.flowPushed
        verticesExpanded = response.verticesExpanded
        levels = response.levels
        elapsedMilliseconds = Self.milliseconds(response.elapsed)
        indexVersion = response.indexVersion
        errorEstimate = response.errorEstimate
    }

    /// An exact answer: `top` of a power-iteration solve.
    init(exact top: [ScoredVertex], solve: PowerIteration.Result, graph: CSRGraph, elapsed: Duration) {
        results = top.map { Entry(vertex: graph.id(of: $0.vertex).rawValue, score: $0.score) }
        elapsedMilliseconds = Self.milliseconds(elapsed)
        iterations = solve.iterations
        converged = solve.converged
    }

    /// One line of JSON.
    func json() throws -> String { try JSONOutput.string(self) }

    /// A ranked table (rank, vertex, score), a blank line, then `Label: value` lines.
    func text() -> String {
        let vertexWidth = max(6, results.map { String($0.vertex).count }.max() ?? 0)
        let rankWidth = max(4, String(results.count).count)
        var lines = [pad("Rank", rankWidth, left: true) + "  " + pad("Vertex", vertexWidth) + "  Score"]
        for (rank, entry) in results.enumerated() {
            lines.append(
                pad("\(rank + 1)", rankWidth, left: true) + "  " + pad("\(entry.vertex)", vertexWidth) + "  "
                    + String(format: "%.9f", entry.score))
        }
        if results.isEmpty { lines.append("(no vertex with a positive score)") }
        var rows: [(String, String)] = []
        if let fingerprintsUsed { rows.append(("Fingerprints used", "\(fingerprintsUsed)")) }
        if let flowPushed { rows.append(("Flow pushed", String(format: "%.6f", flowPushed))) }
        if let verticesExpanded { rows.append(("Vertices expanded", "\(verticesExpanded)")) }
        if let levels { rows.append(("Levels", "\(levels)")) }
        if let iterations { rows.append(("Iterations", "\(iterations)")) }
        if let converged { rows.append(("Converged", converged ? "yes" : "no")) }
        if let errorEstimate {
            rows.append(("Error estimate", String(format: "%.4f (L1, whole vector)", errorEstimate)))
        }
        if let indexVersion { rows.append(("Index version", "\(indexVersion)")) }
        rows.append(("Elapsed", String(format: "%.3f ms", elapsedMilliseconds)))
        return lines.joined(separator: "\n") + "\n\n" + LabeledLines.format(rows)
    }

    /// `duration` in milliseconds, rounded to microseconds.
    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return ((Double(seconds) * 1e3 + Double(attoseconds) * 1e-15) * 1000).rounded() / 1000
    }

    private func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return left ? fill + text : text + fill
    }
}
