// ProcessGraphs: what a process derives from its graph once, however many of its parts use it. In
// `powerwalkd local` the coordinator and the workers load the graph separately, and each built its own
// transpose (`InEdges`, 4-12 bytes per edge: 190 MB at R-MAT scale 22) for the coordinator's steps after a
// query's merge (`QueryExecutor`) and the workers' block steps; the graph file's checksum says when two
// loads are the same graph.
import PPRCore
import Synchronization

/// The process's values derived from a graph.
enum ProcessGraphs {
    /// Transposes, for the single-query steps and the block steps.
    static let inEdges = PerGraphCache<InEdges> { graph, _ in InEdges(graph: graph) }
    /// The block path's steps (`BlockEquationStep`), over the shared transpose.
    static let blockSteps = PerGraphCache<BlockEquationStep> { graph, checksum in
        BlockEquationStep(inEdges: inEdges.value(of: graph, checksum: checksum))
    }
}

/// A value derived from a graph, built on first use and kept by graph file checksum (at most `keep` graphs: a
/// process serves one graph, two while it is replaced).
final class PerGraphCache<Value: Sendable>: Sendable {
    let keep = 2
    private let build: @Sendable (CSRGraph, _ checksum: UInt64) -> Value
    private let held = Mutex<[(checksum: UInt64, vertexCount: Int, value: Value)]>([])

    init(build: @escaping @Sendable (CSRGraph, _ checksum: UInt64) -> Value) { self.build = build }

    /// The value of `graph` (the graph file with `checksum`): built under the lock on first use, so that two
    /// users do not both build it.
    func value(of graph: CSRGraph, checksum: UInt64) -> Value {
        held.withLock { held in
            if let hit = held.first(where: { $0.checksum == checksum && $0.vertexCount == graph.vertexCount }) {
                return hit.value
            }
            let built = build(graph, checksum)
            held.append((checksum, graph.vertexCount, built))
            if held.count > keep { held.removeFirst(held.count - keep) }
            return built
        }
    }
}
