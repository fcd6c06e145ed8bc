internal import CPPRProto
import PPRCore

// Coordinator ↔ worker messages.
extension ProtoDecode {
    static func combine(_ c: Ppr__V1__CombineRequest) throws(WireDecodeError) -> CombineRequest {
        let frontiers = try messages(c.n_frontiers, c.frontiers) { (f) throws(WireDecodeError) in
            guard f.n_vertices == f.n_weights else {
                throw WireDecodeError("Frontier has \(f.n_vertices) vertices but \(f.n_weights) weights")
            }
            return zip(array(f.n_vertices, f.vertices), array(f.n_weights, f.weights)).map {
                WeightedVertex(vertex: $0, weight: $1)
            }
        }
        var block: BlockCombine?
        if c.n_block_queries > 0 {
            let queries = try messages(c.n_block_queries, c.block_queries) { (q) throws(WireDecodeError) in
                guard q.n_vertices == q.n_weights else {
                    throw WireDecodeError("ExportBlockQuery has \(q.n_vertices) vertices but \(q.n_weights) weights")
                }
                let sources = zip(array(q.n_vertices, q.vertices), array(q.n_weights, q.weights)).map {
                    WeightedVertex(vertex: $0, weight: $1)
                }
                return BlockQuery(sources: sources, candidates: Int(q.candidates))
            }
            block = BlockCombine(
                queries: queries, eps: c.block_eps, maxLevels: Int(c.block_max_levels),
                sampleBelow: c.block_sample_below, lowDegreeFactor: c.block_low_degree_factor,
                pruneRatio: c.prune_ratio, smoothingSteps: Int(c.block_smoothing_steps),
                coShards: array(c.n_block_co_shards, c.block_co_shards).map { Int($0) })
        }
        var whole: WholeQuery?
        if let q = c.whole_query { whole = try wholeQuery(q.pointee) }
        return CombineRequest(
            indexVersion: c.index_version, frontiers: frontiers, block: block, denseReplies: c.dense_replies != 0,
            floatReplies: c.float_replies != 0, wholeQuery: whole)
    }

    static func wholeQuery(_ q: Ppr__V1__WholeQuery) throws(WireDecodeError) -> WholeQuery {
        guard q.n_vertices == q.n_weights else {
            throw WireDecodeError("WholeQuery has \(q.n_vertices) vertices but \(q.n_weights) weights")
        }
        var knobs = QueryParameters(
            eps: q.eps, maxLevels: Int(q.max_levels), k: Int(q.top_k),
            exclusions: Exclusions(vertices: array(q.n_excluded, q.excluded)), sampleBelow: q.sample_below,
            lowDegreeFactor: q.low_degree_factor, smoothingSteps: Int(q.smoothing_steps))
        knobs.refineCandidates = Int(q.refine_candidates)
        return WholeQuery(
            sources: zip(array(q.n_vertices, q.vertices), array(q.n_weights, q.weights)).map {
                WeightedVertex(vertex: $0, weight: $1)
            },
            parameters: knobs, coShards: array(q.n_co_shards, q.co_shards).map { Int($0) })
    }

    static func wholeAnswer(_ a: Ppr__V1__WholeAnswer) throws(WireDecodeError) -> WholeAnswer {
        guard a.n_vertices == a.n_scores else {
            throw WireDecodeError("WholeAnswer has \(a.n_vertices) vertices but \(a.n_scores) scores")
        }
        return WholeAnswer(
            vertices: array(a.n_vertices, a.vertices), scores: array(a.n_scores, a.scores),
            frontierSize: count(a.frontier_size), flowPushed: a.flow_pushed,
            verticesExpanded: count(a.vertices_expanded), levels: Int(a.levels), errorEstimate: a.error_estimate)
    }

    static func combineResponse(_ c: Ppr__V1__CombineResponse) throws(WireDecodeError) -> CombineResponse {
        let sums = try messages(c.n_partial_sums, c.partial_sums) { (s) throws(WireDecodeError) in
            guard s.n_vertices == s.n_scores else {
                throw WireDecodeError("PartialSum has \(s.n_vertices) vertices but \(s.n_scores) scores")
            }
            if s.n_dense_floats > 0 {
                guard s.n_vertices == 0, s.n_dense_scores == 0 else {
                    throw WireDecodeError("PartialSum has \(s.n_dense_floats) dense floats and other scores")
                }
                return PartialSum(dense: widened(s.n_dense_floats, s.dense_floats), asFloats: true)
            }
            if s.n_dense_scores > 0 {
                guard s.n_vertices == 0 else {
                    throw WireDecodeError("PartialSum has both \(s.n_dense_scores) dense scores and sparse entries")
                }
                return PartialSum(dense: array(s.n_dense_scores, s.dense_scores))
            }
            return PartialSum(vertices: array(s.n_vertices, s.vertices), scores: array(s.n_scores, s.scores))
        }
        let blocks = try messages(c.n_block_results, c.block_results) { (r) throws(WireDecodeError) in
            guard r.n_vertices == r.n_scores else {
                throw WireDecodeError("ExportBlockResult has \(r.n_vertices) vertices but \(r.n_scores) scores")
            }
            return BlockResult(
                vertices: array(r.n_vertices, r.vertices), scores: array(r.n_scores, r.scores), mass: r.mass,
                frontierSize: count(r.frontier_size), flowPushed: r.flow_pushed,
                verticesExpanded: count(r.vertices_expanded), levels: Int(r.levels), frontierSpread: r.frontier_spread,
                sampledFrontierFlow: r.sampled_frontier_flow, frontierSecondMoment: r.frontier_second_moment,
                frontierMoment: r.frontier_moment, frontierMass: r.frontier_mass)
        }
        var whole: WholeAnswer?
        if let a = c.whole_answer { whole = try wholeAnswer(a.pointee) }
        return CombineResponse(
            partialSums: sums, indexVersion: c.index_version, fingerprintsRead: count(c.fingerprints_read),
            blockResults: blocks, wholeAnswer: whole)
    }

    static func indexTask(_ c: Ppr__V1__IndexTaskRequest) throws(WireDecodeError) -> IndexTaskRequest {
        IndexTaskRequest(
            version: c.version, walk: walk(try required(c.walk, "IndexTaskRequest.walk")),
            threads: Int(c.threads), graphChecksum: c.graph_checksum
        )
    }

    static func indexTaskStatus(_ c: Ppr__V1__IndexTaskStatus) throws(WireDecodeError) -> IndexTaskStatus {
        IndexTaskStatus(
            version: c.version, state: try known(c.state, "IndexTaskStatus.state"),
            progressDone: count(c.progress_done), progressTotal: count(c.progress_total),
            error: c.error.map { error($0.pointee) }
        )
    }

    static func workerHealth(_ c: Ppr__V1__WorkerHealth) throws(WireDecodeError) -> WorkerHealth {
        var task: IndexTaskStatus?
        if let pointer = c.index_task { task = try indexTaskStatus(pointer.pointee) }
        return WorkerHealth(
            shards: array(c.n_shard_ids, c.shard_ids).map { ShardID(Int($0)) }, activeVersion: c.active_version,
            manifest: c.manifest.map { manifest($0.pointee, graphWeighted: c.manifest_graph_weighted) },
            combineRequests: count(c.combine_requests),
            fingerprintsRead: count(c.fingerprints_read), uptime: duration(micros: c.uptime_micros),
            indexTask: task, workerVersion: string(c.worker_version)
        )
    }
}
