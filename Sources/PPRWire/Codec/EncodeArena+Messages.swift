internal import CPPRProto
import PPRCore

// Swift message → protobuf-c struct, one function per message; the arena owns every allocation.
extension EncodeArena {
    func error(_ error: WireError) -> UnsafeMutablePointer<Ppr__V1__Error> {
        let m = message(ppr__v1__error__init)
        m.pointee.code = cEnum(error.code.rawValue)
        m.pointee.message = string(error.message)
        return m
    }

    func query(_ query: QueryRequest) -> UnsafeMutablePointer<Ppr__V1__QueryRequest> {
        let m = message(ppr__v1__query_request__init)
        let sources = query.sources.map { source in
            let s = message(ppr__v1__weighted_source__init)
            s.pointee.vertex = source.vertex.rawValue
            s.pointee.weight = source.weight
            return s
        }
        m.pointee.n_sources = sources.count
        m.pointee.sources = messages(sources)
        if let topK = query.topK {
            m.pointee.opt_top_k_case = PPR__V1__QUERY_REQUEST__OPT_TOP_K_TOP_K
            m.pointee.top_k = wireUInt32(topK)
        }
        if let eps = query.eps {
            m.pointee.opt_eps_case = PPR__V1__QUERY_REQUEST__OPT_EPS_EPS
            m.pointee.eps = eps
        }
        if let levels = query.maxLevels {
            m.pointee.opt_max_levels_case = PPR__V1__QUERY_REQUEST__OPT_MAX_LEVELS_MAX_LEVELS
            m.pointee.max_levels = wireUInt32(levels)
        }
        m.pointee.n_exclude = query.exclude.count
        m.pointee.exclude = array(query.exclude.map(\.rawValue))
        m.pointee.exclude_sources = query.excludeSources ? 1 : 0
        m.pointee.exclude_out_neighbors = query.excludeOutNeighbors ? 1 : 0
        if let alpha = query.restartProbability {
            m.pointee.opt_alpha_case = PPR__V1__QUERY_REQUEST__OPT_ALPHA_ALPHA
            m.pointee.alpha = alpha
        }
        if let accuracy = query.accuracy { m.pointee.accuracy = string(accuracy) }
        if let steps = query.smoothingSteps {
            m.pointee.opt_smoothing_steps_case = PPR__V1__QUERY_REQUEST__OPT_SMOOTHING_STEPS_SMOOTHING_STEPS
            m.pointee.smoothing_steps = wireUInt32(steps)
        }
        if let candidates = query.refineCandidates {
            m.pointee.opt_refine_candidates_case = PPR__V1__QUERY_REQUEST__OPT_REFINE_CANDIDATES_REFINE_CANDIDATES
            m.pointee.refine_candidates = wireUInt32(candidates)
        }
        return m
    }

    func queryResponse(_ response: QueryResponse) -> UnsafeMutablePointer<Ppr__V1__QueryResponse> {
        let m = message(ppr__v1__query_response__init)
        let results = response.results.map { entry in
            let s = message(ppr__v1__scored_vertex__init)
            s.pointee.vertex = entry.vertex.rawValue
            s.pointee.score = entry.score
            return s
        }
        m.pointee.n_results = results.count
        m.pointee.results = messages(results)
        m.pointee.fingerprints_used = wireUInt64(response.fingerprintsUsed)
        m.pointee.flow_pushed = response.flowPushed
        m.pointee.vertices_expanded = wireUInt64(response.verticesExpanded)
        m.pointee.levels = wireUInt32(response.levels)
        m.pointee.elapsed_micros = wireMicros(response.elapsed)
        m.pointee.index_version = response.indexVersion
        m.pointee.error_estimate = response.errorEstimate
        return m
    }

    func batchQuery(_ batch: BatchQueryRequest) -> UnsafeMutablePointer<Ppr__V1__BatchQueryRequest> {
        let m = message(ppr__v1__batch_query_request__init)
        m.pointee.n_queries = batch.queries.count
        m.pointee.queries = messages(batch.queries.map(query))
        return m
    }

    func batchQueryResponse(_ batch: BatchQueryResponse) -> UnsafeMutablePointer<Ppr__V1__BatchQueryResponse> {
        let m = message(ppr__v1__batch_query_response__init)
        m.pointee.n_responses = batch.responses.count
        m.pointee.responses = messages(batch.responses.map(queryResponse))
        m.pointee.elapsed_micros = wireMicros(batch.elapsed)
        m.pointee.index_version = batch.indexVersion
        return m
    }

    func walk(_ walk: WalkParameters) -> UnsafeMutablePointer<Ppr__V1__WalkParams> {
        let m = message(ppr__v1__walk_params__init)
        m.pointee.alpha = walk.restartProbability
        m.pointee.walks_per_vertex = wireUInt32(walk.walksPerVertex)
        m.pointee.max_walk_length = wireUInt32(walk.maxWalkLength)
        m.pointee.seed = walk.seed
        m.pointee.hub_scale = walk.allocation.hubScale
        m.pointee.max_walks_per_vertex = wireUInt32(walk.allocation.maxWalksPerVertex)
        return m
    }

    func manifest(_ manifest: ManifestSummary) -> UnsafeMutablePointer<Ppr__V1__ManifestSummary> {
        let m = message(ppr__v1__manifest_summary__init)
        m.pointee.graph_checksum = manifest.graphChecksum
        m.pointee.alpha = manifest.walk.restartProbability
        m.pointee.walks_per_vertex = wireUInt32(manifest.walk.walksPerVertex)
        m.pointee.max_walk_length = wireUInt32(manifest.walk.maxWalkLength)
        m.pointee.seed = manifest.walk.seed
        m.pointee.walk_hub_scale = manifest.walk.allocation.hubScale
        m.pointee.max_walks_per_vertex = wireUInt32(manifest.walk.allocation.maxWalksPerVertex)
        m.pointee.encoding_version = wireUInt32(manifest.encodingVersion)
        m.pointee.fingerprint_count = wireUInt64(manifest.fingerprintCount)
        m.pointee.index_version = manifest.indexVersion
        return m
    }

    func clusterStatus(_ status: ClusterStatus) -> UnsafeMutablePointer<Ppr__V1__ClusterStatus> {
        let m = message(ppr__v1__cluster_status__init)
        let shards = status.shards.map { shard in
            let s = message(ppr__v1__shard_status__init)
            s.pointee.shard_id = wireUInt32(shard.shard.rawValue)
            s.pointee.worker_url = string(shard.workerURL)
            s.pointee.state = cEnum(shard.state.rawValue)
            s.pointee.active_version = shard.activeVersion
            s.pointee.manifest = shard.manifest.map(manifest)
            s.pointee.manifest_graph_weighted = shard.manifest?.graphWeighted == true ? 1 : 0
            s.pointee.detail = string(shard.detail)
            let replicas = shard.replicas.map(replicaStatus)
            s.pointee.n_replicas = replicas.count
            s.pointee.replicas = messages(replicas)
            return s
        }
        m.pointee.n_shards = shards.count
        m.pointee.shards = messages(shards)
        m.pointee.coordinator_version = string(status.coordinatorVersion)
        if let graph = status.graph {
            let g = message(ppr__v1__graph_summary__init)
            g.pointee.path = string(graph.path)
            g.pointee.vertex_count = wireUInt64(graph.vertexCount)
            g.pointee.edge_count = wireUInt64(graph.edgeCount)
            g.pointee.checksum = graph.checksum
            m.pointee.graph = g
            m.pointee.graph_weighted = graph.weighted ? 1 : 0
        }
        m.pointee.active_index_version = status.activeIndexVersion
        return m
    }

    func replicaStatus(_ replica: ReplicaStatus) -> UnsafeMutablePointer<Ppr__V1__ReplicaStatus> {
        let r = message(ppr__v1__replica_status__init)
        r.pointee.replica = wireUInt32(replica.replica)
        r.pointee.url = string(replica.url)
        r.pointee.state = cEnum(replica.state.rawValue)
        r.pointee.active_version = replica.activeVersion
        r.pointee.consecutive_failures = wireUInt32(replica.consecutiveFailures)
        r.pointee.progress_done = wireUInt64(replica.progressDone)
        r.pointee.progress_total = wireUInt64(replica.progressTotal)
        r.pointee.detail = string(replica.detail)
        return r
    }

    func combine(_ request: CombineRequest) -> UnsafeMutablePointer<Ppr__V1__CombineRequest> {
        let m = message(ppr__v1__combine_request__init)
        m.pointee.index_version = request.indexVersion
        let frontiers = request.frontiers.map { frontier in
            let f = message(ppr__v1__frontier__init)
            f.pointee.n_vertices = frontier.count
            f.pointee.vertices = array(frontier.map(\.vertex))
            f.pointee.n_weights = frontier.count
            f.pointee.weights = array(frontier.map(\.weight))
            return f
        }
        m.pointee.n_frontiers = frontiers.count
        m.pointee.frontiers = messages(frontiers)
        m.pointee.dense_replies = request.denseReplies ? 1 : 0
        m.pointee.float_replies = request.floatReplies ? 1 : 0
        if let block = request.block {
            let queries = block.queries.map { query in
                let q = message(ppr__v1__export_block_query__init)
                q.pointee.n_vertices = query.sources.count
                q.pointee.vertices = array(query.sources.map(\.vertex))
                q.pointee.n_weights = query.sources.count
                q.pointee.weights = array(query.sources.map(\.weight))
                q.pointee.candidates = wireUInt32(query.candidates)
                return q
            }
            m.pointee.n_block_queries = queries.count
            m.pointee.block_queries = messages(queries)
            m.pointee.block_eps = block.eps
            m.pointee.block_max_levels = wireUInt32(block.maxLevels)
            m.pointee.prune_ratio = block.pruneRatio
            m.pointee.block_sample_below = block.sampleBelow
            m.pointee.block_low_degree_factor = block.lowDegreeFactor
            m.pointee.block_smoothing_steps = wireUInt32(block.smoothingSteps)
            m.pointee.n_block_co_shards = block.coShards.count
            m.pointee.block_co_shards = array(block.coShards.map { wireUInt32($0) })
        }
        m.pointee.whole_query = request.wholeQuery.map(wholeQuery)
        return m
    }

    func wholeQuery(_ query: WholeQuery) -> UnsafeMutablePointer<Ppr__V1__WholeQuery> {
        let q = message(ppr__v1__whole_query__init)
        q.pointee.n_vertices = query.sources.count
        q.pointee.vertices = array(query.sources.map(\.vertex))
        q.pointee.n_weights = query.sources.count
        q.pointee.weights = array(query.sources.map(\.weight))
        let knobs = query.parameters
        q.pointee.eps = knobs.eps
        q.pointee.max_levels = wireUInt32(knobs.maxLevels)
        q.pointee.sample_below = knobs.sampleBelow
        q.pointee.low_degree_factor = knobs.lowDegreeFactor
        q.pointee.smoothing_steps = wireUInt32(knobs.smoothingSteps)
        q.pointee.refine_candidates = wireUInt32(knobs.refineCandidates)
        q.pointee.top_k = wireUInt32(knobs.k)
        q.pointee.n_excluded = knobs.exclusions.vertices.count
        q.pointee.excluded = array(knobs.exclusions.vertices)
        q.pointee.n_co_shards = query.coShards.count
        q.pointee.co_shards = array(query.coShards.map { wireUInt32($0) })
        return q
    }

    func wholeAnswer(_ answer: WholeAnswer) -> UnsafeMutablePointer<Ppr__V1__WholeAnswer> {
        let a = message(ppr__v1__whole_answer__init)
        a.pointee.n_vertices = answer.vertices.count
        a.pointee.vertices = array(answer.vertices)
        a.pointee.n_scores = answer.scores.count
        a.pointee.scores = array(answer.scores)
        a.pointee.frontier_size = wireUInt64(answer.frontierSize)
        a.pointee.flow_pushed = answer.flowPushed
        a.pointee.vertices_expanded = wireUInt64(answer.verticesExpanded)
        a.pointee.levels = wireUInt32(answer.levels)
        a.pointee.error_estimate = answer.errorEstimate
        return a
    }

    func combineResponse(_ response: CombineResponse) -> UnsafeMutablePointer<Ppr__V1__CombineResponse> {
        let m = message(ppr__v1__combine_response__init)
        let sums = response.partialSums.map { sum in
            let s = message(ppr__v1__partial_sum__init)
            s.pointee.n_vertices = sum.vertices.count
            s.pointee.vertices = array(sum.vertices)
            s.pointee.n_scores = sum.scores.count
            s.pointee.scores = array(sum.scores)
            if sum.denseAsFloats {
                s.pointee.n_dense_floats = sum.dense.count
                s.pointee.dense_floats = floats(sum.dense)
            } else {
                s.pointee.n_dense_scores = sum.dense.count
                s.pointee.dense_scores = array(sum.dense)
            }
            return s
        }
        m.pointee.n_partial_sums = sums.count
        m.pointee.partial_sums = messages(sums)
        m.pointee.index_version = response.indexVersion
        m.pointee.fingerprints_read = wireUInt64(response.fingerprintsRead)
        let blocks = response.blockResults.map { result in
            let r = message(ppr__v1__export_block_result__init)
            r.pointee.n_vertices = result.vertices.count
            r.pointee.vertices = array(result.vertices)
            r.pointee.n_scores = result.scores.count
            r.pointee.scores = array(result.scores)
            r.pointee.mass = result.mass
            r.pointee.frontier_size = wireUInt64(result.frontierSize)
            r.pointee.flow_pushed = result.flowPushed
            r.pointee.vertices_expanded = wireUInt64(result.verticesExpanded)
            r.pointee.levels = wireUInt32(result.levels)
            r.pointee.frontier_spread = result.frontierSpread
            r.pointee.sampled_frontier_flow = result.sampledFrontierFlow
            r.pointee.frontier_second_moment = result.frontierSecondMoment
            r.pointee.frontier_moment = result.frontierMoment
            r.pointee.frontier_mass = result.frontierMass
            return r
        }
        m.pointee.n_block_results = blocks.count
        m.pointee.block_results = messages(blocks)
        m.pointee.whole_answer = response.wholeAnswer.map(wholeAnswer)
        return m
    }

    func indexTask(_ request: IndexTaskRequest) -> UnsafeMutablePointer<Ppr__V1__IndexTaskRequest> {
        let m = message(ppr__v1__index_task_request__init)
        m.pointee.version = request.version
        m.pointee.walk = walk(request.walk)
        m.pointee.threads = wireUInt32(request.threads)
        m.pointee.graph_checksum = request.graphChecksum
        return m
    }

    func indexTaskStatus(_ status: IndexTaskStatus) -> UnsafeMutablePointer<Ppr__V1__IndexTaskStatus> {
        let m = message(ppr__v1__index_task_status__init)
        m.pointee.version = status.version
        m.pointee.state = cEnum(status.state.rawValue)
        m.pointee.progress_done = wireUInt64(status.progressDone)
        m.pointee.progress_total = wireUInt64(status.progressTotal)
        m.pointee.error = status.error.map(error)
        return m
    }

    func workerHealth(_ health: WorkerHealth) -> UnsafeMutablePointer<Ppr__V1__WorkerHealth> {
        let m = message(ppr__v1__worker_health__init)
        m.pointee.n_shard_ids = health.shards.count
        m.pointee.shard_ids = array(health.shards.map { wireUInt32($0.rawValue) })
        m.pointee.active_version = health.activeVersion
        m.pointee.manifest = health.manifest.map(manifest)
        m.pointee.manifest_graph_weighted = health.manifest?.graphWeighted == true ? 1 : 0
        m.pointee.combine_requests = wireUInt64(health.combineRequests)
        m.pointee.fingerprints_read = wireUInt64(health.fingerprintsRead)
        m.pointee.uptime_micros = wireMicros(health.uptime)
        m.pointee.index_task = health.indexTask.map(indexTaskStatus)
        m.pointee.worker_version = string(health.workerVersion)
        return m
    }
}
