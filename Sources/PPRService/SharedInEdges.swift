// SharedInEdges: one transpose of the graph (`InEdges`) per process, for the coordinator's steps after a
// query's merge (`QueryExecutor`) and the workers' block steps (`SharedEquationSteps`). In `powerwalkd local`
// the coordinator and the workers load the graph separately, and each built its own transpose (4-12 bytes
// per edge: 190 MB at R-MAT scale 22); the file's checksum says when two loads are the same graph.
import PPRCore
import Synchronization

/// Transposes of the graphs this process serves, by graph file checksum (at most `keep`).
final class SharedInEdges: Sendable {
    /// The process's instance.
    static let shared = SharedInEdges()
    /// Graphs whose transposes are kept (a process serves one graph; two while a graph is replaced).
    static let keep = 2
    private let held = Mutex<[(checksum: UInt64, inEdges: InEdges)]>([])

    /// The transpose of `graph` (the graph file with `checksum`): built on first use, under the lock so that
    /// two users do not both build it.
    func inEdges(of graph: CSRGraph, checksum: UInt64) -> InEdges {
        held.withLock { held in
            if let hit = held.first(where: { $0.checksum == checksum && $0.inEdges.vertexCount == graph.vertexCount }) {
                return hit.inEdges
            }
            let built = InEdges(graph: graph)
            held.append((checksum, built))
            if held.count > Self.keep { held.removeFirst(held.count - Self.keep) }
            return built
        }
    }
}
