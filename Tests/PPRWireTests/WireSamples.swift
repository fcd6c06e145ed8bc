import PPRCore
import PPRWire

/// One filled-in value of every message, with every optional both set and unset somewhere.
enum WireSamples {
    static let walk = WalkParameters(restartProbability: 0.2, walksPerVertex: 32, maxWalkLength: 50, seed: 99)
    static let manifest = ManifestSummary(
        graphChecksum: 0xDEAD_BEEF_0123, walk: walk, encodingVersion: 2, fingerprintCount: 1234, indexVersion: 7)
    static let query = QueryRequest(
        sources: [QuerySource(VertexID(1), weight: 0.5), QuerySource(VertexID(UInt64.max), weight: 2)],
        topK: 10, eps: 1e-4, maxLevels: 0, exclude: [VertexID(3), VertexID(4)], excludeSources: true,
        excludeOutNeighbors: true, restartProbability: 0.15, smoothingSteps: 2, refineCandidates: 65_536)
    static let bareQuery = QueryRequest(sources: [QuerySource(VertexID(42))])
    static let queryResponse = QueryResponse(
        results: [RankedVertex(VertexID(9), score: 0.25), RankedVertex(VertexID(8), score: 0.125)],
        fingerprintsUsed: 17, flowPushed: 0.75, verticesExpanded: 5, levels: 2, elapsed: .microseconds(1234),
        indexVersion: 7)
    static let taskStatus = IndexTaskStatus(
        version: 8, state: .failed, progressDone: 10, progressTotal: 20, error: WireError(.internal, "disk full"))
    static let indexSpec = JobSpec.index(
        IndexJobParams(walksPerVertex: 16, maxWalkLength: 100, restartProbability: 0.15, seed: 5, threads: 2))
    static let batchSpec = JobSpec.batchQuery(
        BatchQueryJobParams(inputPath: "/in/sources.txt", outputPath: "/out/ü.tsv", topK: 5, excludeSources: true))
    static let evaluateSpec = JobSpec.evaluate(EvaluateJobParams(sampleCount: 100, seed: 3))
    static let record = JobRecord(
        id: 12, spec: evaluateSpec, state: .succeeded, progressDone: 100, progressTotal: 100,
        createdUnixMicros: 1_700_000_000_000_000, startedUnixMicros: 1_700_000_000_000_001,
        finishedUnixMicros: nil, error: nil,
        result: JobResult(
            precisionAt10: 0.9, precisionAt100: nil, l1Error: 0.01, queriesAnswered: 100, restartProbability: 0.2,
            meanErrorEstimate: 0.03, maxErrorEstimate: 0.125))

    static let requests: [WireRequest] = [
        .query(query),
        .query(bareQuery),
        .batchQuery(BatchQueryRequest(queries: [query, bareQuery])),
        .batchQuery(BatchQueryRequest(queries: [])),
        .submitJob(SubmitJobRequest(indexSpec)),
        .submitJob(SubmitJobRequest(batchSpec)),
        .submitJob(SubmitJobRequest(evaluateSpec)),
        .submitJob(SubmitJobRequest(.index(IndexJobParams()))),
        .getJob(GetJobRequest(id: 77)),
        .listJobs(ListJobsRequest(limit: 10, state: .running)),
        .listJobs(ListJobsRequest()),
        .cancelJob(CancelJobRequest(id: 78)),
        .clusterStatus(ClusterStatusRequest()),
        .combine(
            CombineRequest(
                indexVersion: 3,
                frontiers: [
                    [WeightedVertex(vertex: 0, weight: 0.5), WeightedVertex(vertex: UInt32.max, weight: 1e-9)], [],
                ])),
        .combine(
            CombineRequest(
                indexVersion: 3, frontiers: [[WeightedVertex(vertex: 2, weight: 0.5)]], denseReplies: true)),
        .combine(
            CombineRequest(
                indexVersion: 3, frontiers: [[WeightedVertex(vertex: 2, weight: 0.5)]], denseReplies: true,
                floatReplies: true)),
        .combine(
            CombineRequest(
                indexVersion: 4, frontiers: [],
                block: BlockCombine(
                    queries: [
                        BlockQuery(
                            sources: [
                                WeightedVertex(vertex: 3, weight: 0.25), WeightedVertex(vertex: 9, weight: 0.75),
                            ],
                            candidates: 12),
                        BlockQuery(sources: [WeightedVertex(vertex: 0, weight: 1)], candidates: 1),
                    ],
                    eps: 1e-4, maxLevels: 20, sampleBelow: 1e-5, lowDegreeFactor: 0.1, pruneRatio: 1e-3,
                    smoothingSteps: 3, coShards: [2, 1]))),
        .combine(
            CombineRequest(
                indexVersion: 5, frontiers: [],
                wholeQuery: WholeQuery(
                    sources: [WeightedVertex(vertex: 3, weight: 0.25), WeightedVertex(vertex: 9, weight: 0.75)],
                    parameters: {
                        var knobs = QueryParameters(
                            eps: 2e-4, maxLevels: 20, k: 25, exclusions: Exclusions(vertices: [3, 7]),
                            sampleBelow: 2e-4, lowDegreeFactor: 0.1, smoothingSteps: 3)
                        knobs.refineCandidates = 40
                        return knobs
                    }(), coShards: [1, 2]))),
        .submitJob(
            SubmitJobRequest(
                .export(
                    ExportJobParams(
                        outputPath: "/data/export", topK: 32, sourcesPath: "/data/s.txt", accuracy: "high")))),
        .submitJob(SubmitJobRequest(.export(ExportJobParams(outputPath: "/data/export2")))),
        .startIndexTask(IndexTaskRequest(version: 8, walk: walk, threads: 2, graphChecksum: 0xABCD)),
        .getIndexTask(GetIndexTaskRequest(version: 8)),
        .cancelIndexTask(CancelIndexTaskRequest(version: 8)),
        .activateVersion(ActivateVersionRequest(version: 8)),
        .workerHealth(WorkerHealthRequest()),
    ]

    static let responses: [WireResponse] = [
        .query(queryResponse),
        .query(QueryResponse(results: [])),
        .batchQuery(BatchQueryResponse(responses: [queryResponse], elapsed: .seconds(2), indexVersion: 7)),
        .job(record),
        .job(JobRecord(id: 1, spec: batchSpec, state: .failed, error: WireError(.notFound, "no such file /in"))),
        .jobList(ListJobsResponse(jobs: [record, JobRecord(id: 2, spec: indexSpec, state: .queued)])),
        .clusterStatus(
            ClusterStatus(
                shards: [
                    ShardStatus(
                        shard: ShardID(0), workerURL: "tcp://10.0.0.1:7001", state: .serving, activeVersion: 7,
                        manifest: manifest),
                    ShardStatus(
                        shard: ShardID(1), workerURL: "tcp://10.0.0.2:7001", state: .unreachable,
                        detail: "no reply within 1s"),
                ],
                coordinatorVersion: "0.1.0",
                graph: GraphSummary(path: "/data/g.csr", vertexCount: 100, edgeCount: 400, checksum: 55),
                activeIndexVersion: 7)),
        .combine(
            CombineResponse(
                partialSums: [
                    PartialSum(vertices: [1, 2, 3], scores: [0.5, 0.25, 0.125]), PartialSum(vertices: [], scores: []),
                    PartialSum(dense: [0, 0.5, 0, 0.25, 1e-300]),
                    PartialSum(dense: [0, 0.5, 0, 0.25, 0x1p-40], asFloats: true),
                ],
                indexVersion: 7, fingerprintsRead: 3)),
        .combine(
            CombineResponse(
                partialSums: [], indexVersion: 7, fingerprintsRead: 5,
                blockResults: [
                    BlockResult(
                        vertices: [1, 4], scores: [0.5, 0.125], mass: 0.75, frontierSize: 3, flowPushed: 0.5,
                        verticesExpanded: 2, levels: 3, frontierSpread: 1.25, sampledFrontierFlow: 0.375,
                        frontierSecondMoment: 0.0625),
                    BlockResult(vertices: [], scores: [], mass: 0),
                ])),
        .combine(
            CombineResponse(
                partialSums: [], indexVersion: 5, fingerprintsRead: 9,
                wholeAnswer: WholeAnswer(
                    vertices: [9, 3], scores: [0.5, 0.125], frontierSize: 9, flowPushed: 0.625, verticesExpanded: 4,
                    levels: 6, errorEstimate: 0.03125))),
        .job(
            JobRecord(
                id: 5, spec: .export(ExportJobParams(outputPath: "/data/export", topK: 8)), state: .succeeded,
                result: JobResult(outputPath: "/data/export", queriesAnswered: 10, exportRows: 10, exportEntries: 80))),
        .indexTask(taskStatus),
        .indexTask(IndexTaskStatus(version: 9, state: .running, progressDone: 1, progressTotal: 2)),
        .activateVersion(ActivateVersionResponse(activeVersion: 8, previousVersion: 7)),
        .workerHealth(
            WorkerHealth(
                shards: [ShardID(0), ShardID(2)], activeVersion: 7, manifest: manifest, combineRequests: 10,
                fingerprintsRead: 99, uptime: .seconds(3600), indexTask: taskStatus, workerVersion: "0.1.0")),
        .workerHealth(WorkerHealth(shards: [])),
        .failure(WireError(.unavailable, "shard 1 did not answer within 200 ms")),
        .failure(WireError(WireErrorCode(rawValue: 99), "a code from the future")),
    ]
}
