import ArgumentParser
import Foundation
import PPRCore
import PPRService
import PPRWire

/// `pwctl query`: the top-k PPR vertices of a personalization, locally from a store or from the coordinator.
///
/// Local mode (`--graph` and `--store`) runs the decomposition query in process on the store's active
/// index version; wire mode (neither) sends the same query to the coordinator. Both print the same output.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Answer a Personalized PageRank query (top-k vertices by score).",
        discussion: """
            With --graph and --store the query runs in this process on the store's active index version; \
            without them it is sent to the coordinator (--coordinator). Several --source flags form one \
            weighted personalization: ID has weight 1, ID:WEIGHT any weight > 0; weights are normalised. \
            --json prints one object: {"results":[{"vertex":ID,"score":S},...],"fingerprints_used":N, \
            "flow_pushed":X,"vertices_expanded":N,"levels":N,"elapsed_ms":X,"index_version":N, \
            "error_estimate":X}. --accuracy chooses a preset (fast, default, high); --eps, --max-levels \
            and --smoothing-steps override its knobs. error_estimate is the engine's estimate of the L1 \
            distance between the whole answer vector and exact PPR.
            """
    )

    @Option(name: .long, help: "Graph file (local mode, with --store).")
    var graph: String?

    @Option(name: .long, help: "Fingerprint store directory (local mode, with --graph).")
    var store: String?

    @OptionGroup var target: PersonalizationOptions

    @Option(
        name: .long, parsing: .unconditional, help: "Restart probability alpha (default: the index's; must equal it).")
    var alpha: Double?

    @Option(
        name: .long,
        help: "Accuracy preset: fast, default or high (default: the server's; in local mode 'default').")
    var accuracy: String?

    @Option(
        name: .long, parsing: .unconditional, help: "Expansion threshold on a vertex's flow (default: the preset's).")
    var eps: Double?

    @Option(
        name: .customLong("max-levels"), parsing: .unconditional,
        help: "Decomposition levels T (default: the preset's).")
    var maxLevels: Int?

    @Option(
        name: .customLong("smoothing-steps"), parsing: .unconditional,
        help: "Steps of the PPR equation applied to the whole answer, 0 ... 4 (default: the preset's).")
    var smoothingSteps: Int?

    @Option(
        name: .customLong("refine"), parsing: .unconditional,
        help: ArgumentHelp(
            "Top candidates rescored by one more step of the PPR equation after the steps (default: 0, none).",
            discussion: "Single queries only: with --batch the request is refused."))
    var refine: Int?

    @OptionGroup var batch: ClientBatchOptions

    @OptionGroup var coordinator: CoordinatorOptions

    /// Whether the query runs in process.
    var isLocal: Bool { store != nil }

    func validate() throws {
        try batch.validate(isLocal: store != nil || graph != nil, hasSources: !target.sourceArguments.isEmpty)
        if batch.batch == nil { try target.requireSources() }
        try target.validate()
        try PersonalizationOptions.validate(alpha: alpha)
        switch (graph, store) {
        case (.some, nil): throw ValidationError("--graph needs --store (local mode); omit both to ask the coordinator")
        case (nil, .some): throw ValidationError("--store needs --graph (local mode)")
        default: break
        }
        if isLocal, coordinator.coordinator != nil {
            throw ValidationError("--coordinator applies to wire mode; omit --graph and --store to use it")
        }
        try QueryKnobChecks.eps(eps)
        try QueryKnobChecks.maxLevels(maxLevels)
        try QueryKnobChecks.smoothingSteps(smoothingSteps)
        try QueryKnobChecks.refineCandidates(refine)
        if refine != nil, batch.batch != nil {
            throw ValidationError("--refine applies to single queries; a --batch is answered without it")
        }
        try QueryKnobChecks.accuracy(accuracy)
    }

    func run() async throws {
        try await ClientFailure.reporting {
            if try await batch.run(self) { return }  // --batch FILE (ClientBatch.swift)
            let output = isLocal ? try localOutput() : try await wireOutput()
            print(target.json ? try output.json() : output.text())
        }
    }

    /// Runs the query in process. The CLI has nothing else to run meanwhile, so it stays on this task.
    func localOutput() throws -> QueryOutput {
        guard let graph, let store else {
            throw ClientFailure(.invalidArgument, "local mode needs --graph and --store")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: store, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ClientFailure(.notFound, "--store \(store): no such directory")
        }
        let loaded = try LocalGraph.load(graph)
        var engine = try LocalIndex(directory: store).queryEngine(over: loaded)
        // The request the coordinator would get, checked by the same path it uses (ResolvedQuery) against
        // the index's alpha, so a mistake gives the same code, message and exit status in both modes.
        let resolved = try ResolvedQuery(
            try wireRequest(), graph: loaded.graph, defaults: QueryDefaults(), alpha: engine.restartProbability)
        let clock = ContinuousClock()
        let started = clock.now
        let result = try engine.run(resolved.personalization, parameters: resolved.parameters)
        return QueryOutput(
            local: result, graph: loaded.graph, indexVersion: engine.indexVersion, elapsed: clock.now - started)
    }

    /// The query as the coordinator receives it; unset knobs take the server's defaults.
    func wireRequest() throws -> QueryRequest {
        var request = knobs()
        request.sources = try target.sources().map { QuerySource(VertexID($0.id), weight: $0.weight) }
        return request
    }

    /// Every knob of the query but its sources: a single query's and each line's of a `--batch`.
    func knobs() -> QueryRequest {
        QueryRequest(
            sources: [], topK: target.top, eps: eps, maxLevels: maxLevels, exclude: target.exclude.map { VertexID($0) },
            excludeSources: target.excludeSources, excludeOutNeighbors: target.excludeOutNeighbors,
            restartProbability: alpha, accuracy: accuracy, smoothingSteps: smoothingSteps,
            refineCandidates: refine)
    }

    private func wireOutput() async throws -> QueryOutput {
        QueryOutput(wire: try await coordinator.client().query(try wireRequest()))
    }
}

/// Who the query is about and what to leave out: the options `query` and `exact` share.
struct PersonalizationOptions: ParsableArguments {
    @Option(
        name: .customLong("source"), parsing: .upToNextOption,
        help: ArgumentHelp(
            "Source vertex: ID (weight 1) or ID:WEIGHT (weight > 0); repeat for several.",
            valueName: "id[:weight]"))
    var sourceArguments: [String] = []

    @Option(
        name: .long, parsing: .unconditional,
        help: "Number of vertices to return (default \(QueryParameters.defaultK)).")
    var top: Int?

    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp(
            "Vertices to leave out of the answer.",
            valueName: "id"))
    var exclude: [UInt64] = []

    @Flag(name: .customLong("exclude-sources"), help: "Leave the source vertices out of the answer.")
    var excludeSources = false

    @Flag(name: .customLong("exclude-out-neighbors"), help: "Leave the sources' out-neighbours out of the answer.")
    var excludeOutNeighbors = false

    @Flag(name: .long, help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        _ = try sources()
        try QueryKnobChecks.top(top)
    }

    /// Checks an `--alpha` value (each command declares its own, with its own default).
    static func validate(alpha: Double?) throws {
        try QueryKnobChecks.alpha(alpha)
    }

    /// At least one `--source` (commands call this unless they read sources elsewhere, e.g. `--batch`).
    func requireSources() throws {
        guard !sourceArguments.isEmpty else { throw ValidationError("--source is required: name at least one vertex") }
    }

    /// The `--source` values as (external id, weight) pairs; the error names the bad value.
    func sources() throws(ValidationError) -> [(id: UInt64, weight: Double)] {
        try sourceArguments.map { text throws(ValidationError) in try Self.parseSource(text) }
    }

    /// Parses `ID` or `ID:WEIGHT`.
    static func parseSource(_ text: String) throws(ValidationError) -> (id: UInt64, weight: Double) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let id = UInt64(parts[0]) else {
            throw ValidationError("--source '\(text)': expected ID or ID:WEIGHT, ID an unsigned 64-bit integer")
        }
        guard parts.count == 2 else { return (id, 1) }
        guard let weight = Double(parts[1]), weight.isFinite else {
            throw ValidationError("--source '\(text)': the weight must be a finite number")
        }
        guard weight > 0 else { throw ValidationError("--source '\(text)': the weight must be > 0, not \(weight)") }
        return (id, weight)
    }

    /// The personalization and exclusions over `graph`'s vertex indices; an unknown id is NOT_FOUND with
    /// the message the query path gives (`QueryRequestError`).
    func resolve(in graph: CSRGraph) throws -> (Personalization, Exclusions) {
        let weighted = try sources().map { source in
            guard let v = graph.index(of: VertexID(source.id)) else {
                throw QueryRequestError.unknownVertex(VertexID(source.id), role: .source)
            }
            return (v, source.weight)
        }
        let excluded = try exclude.map { id in
            guard let v = graph.index(of: VertexID(id)) else {
                throw QueryRequestError.unknownVertex(VertexID(id), role: .exclude)
            }
            return v
        }
        let personalization = try Personalization(weighted)
        let exclusions = Exclusions(vertices: excluded, sources: excludeSources, sourceNeighbors: excludeOutNeighbors)
        return (personalization, exclusions)
    }
}
