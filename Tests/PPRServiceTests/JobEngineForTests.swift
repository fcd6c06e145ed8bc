// An in-process JobContext for the job tests: a real graph file, a real FingerprintStore built by
// IndexBuilder, and DecompositionQuery answering through it (what the coordinator does over shards).
import Foundation
import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Synchronization

/// A temporary directory for one test, removed afterwards.
struct JobSandbox: Sendable {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pw-jobs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { "\(directory)/\(name)" }

    func write(_ text: String, to name: String) throws -> String {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    /// Names in the directory (hidden ones too), sorted.
    func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory).sorted() }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// A random directed graph with external ids `10 * i + 7` (so ids and indices differ).
func jobTestGraph(vertexCount: Int, seed: UInt64) throws -> CSRGraph {
    var rng = WalkSeed(rawState: seed)
    var builder = GraphBuilder()
    for i in 0..<vertexCount {
        let degree = Int(rng.next() % 6)  // 0 = dangling
        for _ in 0..<degree {
            let j = Int(rng.next() % UInt64(vertexCount))
            builder.addEdge(from: UInt64(10 * i + 7), to: UInt64(10 * j + 7))
        }
        if degree == 0 { builder.addEdge(from: UInt64(10 * ((i + 1) % vertexCount) + 7), to: UInt64(10 * i + 7)) }
    }
    return try builder.build().graph
}

/// The engine behind `JobEngineContext`: graph and one complete, active index version.
final class JobEngine: Sendable {
    let graph: LoadedGraph
    let store: FingerprintStore
    let reader: FingerprintStoreReader
    /// The version the store serves.
    let version: UInt64

    init(
        sandbox: JobSandbox, vertexCount: Int = 300, walks: Int = 64,
        alpha: Double = PPRDefaults.restartProbability
    ) throws {
        let csr = try jobTestGraph(vertexCount: vertexCount, seed: 42)
        let path = sandbox.path("graph.pwg")
        try GraphFile.write(csr, to: path)
        graph = try GraphFile.load(path)
        store = try FingerprintStore(directory: sandbox.path("fingerprints"))
        let builder = IndexBuilder(
            graph: graph.graph, graphChecksum: graph.checksum,
            parameters: WalkParameters(restartProbability: alpha, walksPerVertex: walks), threadCount: 2)
        let built = try builder.build(into: store).manifest.version
        try store.activate(built)
        version = UInt64(built)
        reader = try store.reader(expecting: graph.checksum, restartProbability: alpha)
    }

    /// Answers one query as the coordinator would; errors as the wire carries them.
    func answer(_ query: QueryRequest) throws(WireError) -> QueryResponse {
        let csr = graph.graph
        var sources: [(VertexIndex, Double)] = []
        for source in query.sources {
            guard let v = csr.index(of: source.vertex) else {
                throw WireError(.notFound, "vertex \(source.vertex) does not exist")
            }
            sources.append((v, source.weight))
        }
        if let alpha = query.restartProbability, alpha != reader.walkParameters.restartProbability {
            throw WireError(.failedPrecondition, "alpha \(alpha) differs from the index's")
        }
        do {
            let personalization = try Personalization(sources)
            let parameters = QueryParameters(
                eps: query.eps ?? QueryParameters.defaultEps,
                maxLevels: query.maxLevels ?? QueryParameters.defaultMaxLevels, k: query.topK ?? 10,
                exclusions: Exclusions(sources: query.excludeSources, sourceNeighbors: query.excludeOutNeighbors))
            var engine = DecompositionQuery(graph: csr)
            let result = try engine.run(personalization, parameters: parameters, fingerprints: reader)
            return QueryResponse(results: result.top.map { RankedVertex(csr.id(of: $0.vertex), score: $0.score) })
        } catch {
            throw WireError(.invalidArgument, "\(error)")
        }
    }
}

/// `JobContext` over a `JobEngine`, with a hook that can hold an answer call (for cancel tests).
final class JobEngineContext: JobContext {
    let engine: JobEngine
    /// Called before each `answer` with the 1-based call number; may suspend.
    let beforeAnswer: @Sendable (Int) async -> Void
    private let calls = Mutex(0)
    private let active = Mutex<UInt64?>(nil)

    /// The real worker behind `callShard`, when the test has one.
    let worker: Worker?

    init(engine: JobEngine, worker: Worker? = nil, beforeAnswer: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.engine = engine
        self.worker = worker
        self.beforeAnswer = beforeAnswer
    }

    var graph: LoadedGraph { engine.graph }
    var shardCount: Int { worker?.shards.count ?? 1 }
    var answerCalls: Int { calls.withLock { $0 } }

    func answer(_ queries: [QueryRequest]) async throws(WireError) -> [QueryResponse] {
        let call = calls.withLock { count in
            count += 1
            return count
        }
        await beforeAnswer(call)
        return try queries.map { query throws(WireError) in try engine.answer(query) }
    }

    func callShard(
        _ shard: ShardID, _ request: WireRequest, deadline: Duration
    ) async throws(WireError) -> WireResponse {
        guard let worker else { throw WireError(.unimplemented, "\(shard): no workers in this test") }
        let reply = await worker.shards[shard.rawValue].handle(request)
        if let error = reply.failure { throw error }
        return reply
    }

    func activeIndexVersion() async -> UInt64? { active.withLock { $0 } }

    func setActiveIndexVersion(_ version: UInt64) async throws(WireError) { active.withLock { $0 = version } }

    /// The engine's store answers every query, whatever version is recorded as active.
    func activeIndexManifest() async throws(WireError) -> ActiveIndex {
        ActiveIndex(version: active.withLock { $0 } ?? engine.version, walk: engine.reader.walkParameters)
    }
}

/// Holds the answer call number `call` until the calling task is cancelled, and says when it got there.
final class AnswerGate: Sendable {
    let reached: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation
    let call: Int

    init(holding call: Int) {
        self.call = call
        (reached, signal) = AsyncStream.makeStream()
    }

    @Sendable func hold(_ number: Int) async {
        guard number == call else { return }
        signal.yield()
        try? await Task.sleep(for: .seconds(3600))  // ends early when the job's task is cancelled
    }

    /// Waits until the held call has started.
    func waitUntilReached() async {
        var iterator = reached.makeAsyncIterator()
        _ = await iterator.next()
    }
}
