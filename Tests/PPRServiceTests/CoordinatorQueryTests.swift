import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

/// Runs `body` with a fresh test cluster, closed afterwards whatever happens.
func withTestCluster<R>(
    shardCount: Int = 3, activate: Bool = true, combineMillis: Int = 2_000, combineEntries: Int? = nil,
    healthProbeMillis: Int = 500, oneWorker: Bool = false, _ body: (CoordinatorTestCluster) async throws -> R
) async throws -> R {
    let cluster = try CoordinatorTestCluster(
        shardCount: shardCount, combineMillis: combineMillis, combineEntries: combineEntries,
        healthProbeMillis: healthProbeMillis, oneWorker: oneWorker)
    do {
        if activate { #expect(try await cluster.index() == 1) }
        let result = try await body(cluster)
        await cluster.close()
        return result
    } catch {
        await cluster.close()
        throw error
    }
}

/// The reply's query response, or a test failure.
func queryResponse(_ reply: WireResponse) throws -> QueryResponse {
    guard case .query(let response) = reply else { throw WireError(.internal, "expected a query reply, got \(reply)") }
    return response
}

/// Expects two answer lists to agree: same length, scores within `tolerance`, and the same vertices
/// wherever the scores are not tied within the tolerance (float sums differ only in addition order).
func expectSameAnswer(_ found: [RankedVertex], _ expected: [RankedVertex], tolerance: Double = 1e-12) {
    #expect(found.count == expected.count)
    for (a, b) in zip(found, expected) {
        #expect(abs(a.score - b.score) <= tolerance, "score of rank: \(a) vs \(b)")
        let tied = expected.filter { abs($0.score - b.score) <= tolerance }.map(\.vertex)
        #expect(tied.contains(a.vertex), "vertex \(a.vertex) at the rank of \(b.vertex)")
    }
}

/// The in-process engine's answers through the front. Each comparison runs on the usual cluster (one worker
/// process per shard: the shards' partial sums are merged by the coordinator) and with `oneWorker` (one
/// process serving every shard, which answers each query whole: `WholeQuery`).
@Suite struct CoordinatorQueryTests {
    @Test(arguments: [false, true]) func answersEqualTheInProcessEngine(oneWorker: Bool) async throws {
        try await withTestCluster(oneWorker: oneWorker) { cluster in
            let reference = try cluster.referenceSource()
            let graph = cluster.loaded.graph
            var engine = DecompositionQuery(graph: graph)
            let cases: [(QueryRequest, Personalization, Exclusions)] = [
                (QueryRequest(sources: [QuerySource(VertexID(1003))], topK: 20), Personalization(source: 1), .none),
                (
                    QueryRequest(
                        sources: [QuerySource(VertexID(1030), weight: 2), QuerySource(VertexID(1300), weight: 1)],
                        topK: 15, eps: 1e-3, maxLevels: 4, excludeSources: true),
                    try Personalization([(10, 2), (100, 1)]), Exclusions(sources: true)
                ),
                (
                    QueryRequest(
                        sources: [QuerySource(VertexID(1000))], topK: 10, maxLevels: 0,
                        excludeOutNeighbors: true, restartProbability: 0.15),
                    Personalization(source: 0), Exclusions(sourceNeighbors: true)
                ),
                (
                    QueryRequest(
                        sources: [QuerySource(VertexID(1090))], topK: 8, exclude: [VertexID(1093)]),
                    Personalization(source: 30), Exclusions(vertices: [31])
                ),
            ]
            for (request, personalization, exclusions) in cases {
                let response = try queryResponse(try await cluster.call(.query(request)))
                var parameters = QueryParameters(
                    eps: request.eps ?? QueryParameters.defaultEps,
                    maxLevels: request.maxLevels ?? QueryParameters.defaultMaxLevels,
                    k: request.topK ?? 10, exclusions: exclusions)
                parameters.smoothingSteps = AccuracyPreset.default.smoothingSteps
                let expected = try engine.run(personalization, parameters: parameters, fingerprints: reference)
                expectSameAnswer(
                    response.results, expected.top.map { RankedVertex(graph.id(of: $0.vertex), score: $0.score) })
                #expect(response.fingerprintsUsed == expected.metadata.fingerprintsUsed)
                #expect(response.verticesExpanded == expected.metadata.expansion.verticesExpanded)
                #expect(response.levels == expected.metadata.expansion.levels)
                #expect(response.indexVersion == 1)
                #expect(!response.results.isEmpty)
            }
        }
    }

    /// Each preset through the front equals the in-process engine with that preset, error estimate included;
    /// an explicit eps overrides the named preset's.
    @Test(arguments: [false, true]) func accuracyPresetsAndErrorEstimateMatchTheInProcessEngine(oneWorker: Bool)
        async throws
    {
        try await withTestCluster(oneWorker: oneWorker) { cluster in
            let reference = try cluster.referenceSource()
            let graph = cluster.loaded.graph
            var engine = DecompositionQuery(graph: graph)
            for preset in AccuracyPreset.allCases {
                for (id, eps) in [(1003, nil), (1150, 1e-3)] as [(UInt64, Double?)] {
                    let request = QueryRequest(
                        sources: [QuerySource(VertexID(id))], topK: 10, eps: eps, accuracy: preset.rawValue)
                    let response = try queryResponse(try await cluster.call(.query(request)))
                    let source = try #require(graph.index(of: VertexID(id)))
                    let expected = try engine.run(
                        Personalization(source: source), parameters: preset.parameters(eps: eps, k: 10),
                        fingerprints: reference)
                    expectSameAnswer(
                        response.results, expected.top.map { RankedVertex(graph.id(of: $0.vertex), score: $0.score) })
                    #expect(response.fingerprintsUsed == expected.metadata.fingerprintsUsed)
                    #expect(response.errorEstimate > 0)
                    #expect(
                        abs(response.errorEstimate - expected.metadata.errorEstimate) <= 1e-9 * response.errorEstimate)
                }
            }
        }
    }

    /// Every step count through the front gives the in-process engine's ids, scores and error estimate (the
    /// same `AnswerSmoothing` after the merge; the shards' partial sums are added per shard, so the merged
    /// vector, and the stepped one, may differ from the in-process one in the last bit, as without steps),
    /// with excluded vertices and two sources.
    @Test(arguments: [false, true]) func smoothingStepsMatchTheInProcessEngine(oneWorker: Bool) async throws {
        try await withTestCluster(oneWorker: oneWorker) { cluster in
            let reference = try cluster.referenceSource()
            let graph = cluster.loaded.graph
            var engine = DecompositionQuery(graph: graph, pushThreads: .single)
            for steps in EngineLimits.smoothingSteps {
                let request = QueryRequest(
                    sources: [QuerySource(VertexID(1030), weight: 2), QuerySource(VertexID(1300))], topK: 25,
                    excludeSources: true, smoothingSteps: steps)
                let response = try queryResponse(try await cluster.call(.query(request)))
                let parameters = AccuracyPreset.default.parameters(
                    smoothingSteps: steps, k: 25, exclusions: Exclusions(sources: true))
                let expected = try engine.run(
                    try Personalization([(10, 2), (100, 1)]), parameters: parameters, fingerprints: reference)
                expectSameAnswer(
                    response.results, expected.top.map { RankedVertex(graph.id(of: $0.vertex), score: $0.score) })
                let estimate = expected.metadata.errorEstimate
                #expect(abs(response.errorEstimate - estimate) <= 1e-9 * estimate, "\(steps) steps")
            }
        }
    }

    /// The refinement of the top candidates (`refine_candidates`) after 0, 1 or 2 steps gives the in-process
    /// engine's ids and scores through the front (the same `AnswerSmoothing`), with excluded vertices; a
    /// refined answer differs from the unrefined one.
    @Test(arguments: [false, true]) func refinedAnswersMatchTheInProcessEngine(oneWorker: Bool) async throws {
        try await withTestCluster(oneWorker: oneWorker) { cluster in
            let reference = try cluster.referenceSource()
            let graph = cluster.loaded.graph
            var engine = DecompositionQuery(graph: graph, pushThreads: .single)
            for (steps, candidates) in [(0, 40), (1, 40), (2, 300)] {
                let request = QueryRequest(
                    sources: [QuerySource(VertexID(1030), weight: 2), QuerySource(VertexID(1300))], topK: 25,
                    excludeSources: true, smoothingSteps: steps, refineCandidates: candidates)
                let response = try queryResponse(try await cluster.call(.query(request)))
                var parameters = AccuracyPreset.default.parameters(
                    smoothingSteps: steps, k: 25, exclusions: Exclusions(sources: true))
                parameters.refineCandidates = candidates
                let personalization = try Personalization([(10, 2), (100, 1)])
                let expected = try engine.run(personalization, parameters: parameters, fingerprints: reference)
                expectSameAnswer(
                    response.results, expected.top.map { RankedVertex(graph.id(of: $0.vertex), score: $0.score) })
                parameters.refineCandidates = 0
                let unrefined = try engine.run(personalization, parameters: parameters, fingerprints: reference)
                #expect(unrefined.top.map(\.score) != expected.top.map(\.score), "\(steps) steps")
            }
        }
    }

    /// A budget of 1 frontier entry per combine round answers every query of the batch in its own round.
    @Test(arguments: [nil, 1])
    func batchEqualsIndividualQueries(combineEntries: Int?) async throws {
        try await withTestCluster(combineEntries: combineEntries) { cluster in
            // The default preset's PPR-equation steps on both paths; one query asks for none.
            let queries =
                [1000, 1003, 1150, 1297, 1600].map { id in
                    QueryRequest(sources: [QuerySource(VertexID(UInt64(id)))], topK: 12)
                } + [
                    QueryRequest(
                        sources: [QuerySource(VertexID(1003)), QuerySource(VertexID(1006), weight: 3)],
                        smoothingSteps: 0)
                ]
            guard case .batchQuery(let batch) = try await cluster.call(.batchQuery(BatchQueryRequest(queries: queries)))
            else { throw WireError(.internal, "expected a batch reply") }
            #expect(batch.responses.count == queries.count)
            #expect(batch.indexVersion == 1)
            // A batch takes the shared decomposition (Float sums, pruned replies: BatchExecutor), so
            // scores agree within float rounding plus the pruning bound (shards * ratio * k-th score).
            for (query, batched) in zip(queries, batch.responses) {
                let single = try queryResponse(try await cluster.call(.query(query)))
                let kth = single.results.last?.score ?? 0
                expectSameAnswer(
                    batched.results, single.results, tolerance: 1e-5 * (single.results.first?.score ?? 0) + 3e-2 * kth)
                #expect(batched.fingerprintsUsed == single.fingerprintsUsed)
            }
        }
    }

    @Test func badRequestsGetSpecificErrors() async throws {
        try await withTestCluster { cluster in
            let cases: [(QueryRequest, WireErrorCode, String)] = [
                (QueryRequest(sources: [QuerySource(VertexID(999_999))]), .notFound, "vertex 999999"),
                // An unknown excluded id is NOT_FOUND as in process (issue 9; it used to be ignored here).
                (
                    QueryRequest(sources: [QuerySource(VertexID(1003))], exclude: [VertexID(7)]), .notFound,
                    "excluded vertex 7"
                ),
                (QueryRequest(sources: [QuerySource(VertexID(1003), weight: 0)]), .invalidArgument, "weight"),
                (QueryRequest(sources: [QuerySource(VertexID(1003), weight: -.infinity)]), .invalidArgument, "weight"),
                (QueryRequest(sources: [QuerySource(VertexID(1003))], topK: 0), .invalidArgument, "top_k"),
                (QueryRequest(sources: [QuerySource(VertexID(1003))], eps: .nan), .invalidArgument, "eps"),
                (
                    QueryRequest(sources: [QuerySource(VertexID(1003))], maxLevels: 5_000), .invalidArgument,
                    "max_levels"
                ),
                (
                    QueryRequest(sources: [QuerySource(VertexID(1003))], restartProbability: 0.2), .invalidArgument,
                    "alpha"
                ),
                (QueryRequest(sources: []), .invalidArgument, "sources"),
                (
                    QueryRequest(sources: [QuerySource(VertexID(1003))], accuracy: "medium"), .invalidArgument,
                    "accuracy"
                ),
                (
                    QueryRequest(sources: [QuerySource(VertexID(1003))], smoothingSteps: 5), .invalidArgument,
                    "smoothing_steps"
                ),
                (
                    QueryRequest(sources: [QuerySource(VertexID(1003))], refineCandidates: 65_537), .invalidArgument,
                    "refine_candidates"
                ),
            ]
            for (request, code, named) in cases {
                let error = await #expect(throws: WireError.self) { try await cluster.call(.query(request)) }
                #expect(error?.code == code)
                #expect(error?.message.contains(named) == true, "\(String(describing: error)) should name \(named)")
            }
            let batch = BatchQueryRequest(queries: [
                QueryRequest(sources: [QuerySource(VertexID(1003))]), QueryRequest(sources: [QuerySource(VertexID(5))]),
            ])
            let error = await #expect(throws: WireError.self) { try await cluster.call(.batchQuery(batch)) }
            #expect(error?.code == .notFound)
            #expect(error?.message.contains("query 1") == true)
            // A batch cannot refine (its coordinator holds pruned shares): refused, naming the query and field.
            let refined = BatchQueryRequest(queries: [
                QueryRequest(sources: [QuerySource(VertexID(1003))]),
                QueryRequest(sources: [QuerySource(VertexID(1006))], refineCandidates: 10),
            ])
            let refusal = await #expect(throws: WireError.self) { try await cluster.call(.batchQuery(refined)) }
            #expect(refusal?.code == .invalidArgument)
            #expect(refusal?.message.contains("query 1: refine_candidates") == true, "\(String(describing: refusal))")
            // The server is still serving.
            _ = try queryResponse(try await cluster.call(.query(QueryRequest(sources: [QuerySource(VertexID(1003))]))))
        }
    }

    @Test func noActiveVersionIsAFailedPrecondition() async throws {
        try await withTestCluster(shardCount: 2, activate: false) { cluster in
            #expect(await cluster.coordinator.adoptWorkersVersion() == nil)
            let error = await #expect(throws: WireError.self) {
                try await cluster.call(.query(QueryRequest(sources: [QuerySource(VertexID(1003))])))
            }
            #expect(error?.code == .failedPrecondition)
            #expect(error?.message.contains("no index version is active") == true)
        }
    }
}
