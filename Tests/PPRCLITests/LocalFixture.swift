import Foundation
import PPRCore
import PPRStorage

/// A small seeded random graph in a temp dir, written as a graph file and indexed into a store.
///
/// External ids are `1000 + 7 * i` (so they differ from internal indices); vertex 0 gets no out-edges
/// (dangling) and vertex 1 a self-loop.
struct LocalFixture {
    let directory: URL
    let graphPath: String
    let storePath: String
    let graph: CSRGraph

    static let vertexCount = 60
    static let walks = WalkParameters(restartProbability: 0.15, walksPerVertex: 2000, maxWalkLength: 100, seed: 5)

    /// Runs `body` with a fresh fixture and removes its directory afterwards.
    static func with<R>(indexed: Bool = true, _ body: (LocalFixture) async throws -> R) async throws -> R {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pwctl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixture = try LocalFixture(directory: directory, indexed: indexed)
        return try await body(fixture)
    }

    private init(directory: URL, indexed: Bool) throws {
        self.directory = directory
        graphPath = directory.appendingPathComponent("graph.pwg").path
        storePath = directory.appendingPathComponent("store").path
        var builder = GraphBuilder()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {  // SplitMix64 step, reduced to 0..<bound
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
        func id(_ i: Int) -> UInt64 { UInt64(1000 + 7 * i) }
        builder.addEdge(from: id(1), to: id(1))
        for source in 1..<Self.vertexCount {
            for _ in 0..<(1 + next(4)) { builder.addEdge(from: id(source), to: id(next(Self.vertexCount))) }
        }
        builder.addEdge(from: id(2), to: id(0))  // vertex 0 appears as a target only
        graph = try builder.build().graph
        let checksum = try GraphFile.write(graph, to: graphPath)
        guard indexed else { return }
        let store = try FingerprintStore(directory: storePath)
        let report = try IndexBuilder(graph: graph, graphChecksum: checksum, parameters: Self.walks, threadCount: 2)
            .build(into: store)
        try store.activate(report.manifest.version)
    }

    /// The external id of internal vertex `i`.
    func id(_ i: Int) -> UInt64 { graph.id(of: VertexIndex(i)).rawValue }

    /// Exact PPR (power iteration) for weighted external sources, by internal index.
    func exact(_ sources: [(UInt64, Double)], alpha: Double = 0.15) throws -> [Double] {
        let weighted = sources.map { (graph.index(of: VertexID($0.0))!, $0.1) }
        return try PowerIteration.solve(
            graph: graph, personalization: try Personalization(weighted), restartProbability: alpha
        ).scores
    }

    /// The top `k` external ids of a dense score vector.
    func topIDs(_ scores: [Double], k: Int) -> [UInt64] {
        TopK.select(scores, k: k).map { graph.id(of: $0.vertex).rawValue }
    }
}
