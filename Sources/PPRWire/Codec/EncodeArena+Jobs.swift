internal import CPPRProto

// Job messages → protobuf-c structs.
extension EncodeArena {
    func jobSpec(_ spec: JobSpec) -> UnsafeMutablePointer<Ppr__V1__SubmitJobRequest> {
        let m = message(ppr__v1__submit_job_request__init)
        switch spec {
        case .index(let params):
            let p = message(ppr__v1__index_job_params__init)
            if let v = params.walksPerVertex {
                p.pointee.opt_walks_per_vertex_case = PPR__V1__INDEX_JOB_PARAMS__OPT_WALKS_PER_VERTEX_WALKS_PER_VERTEX
                p.pointee.walks_per_vertex = wireUInt32(v)
            }
            if let v = params.maxWalkLength {
                p.pointee.opt_max_walk_length_case = PPR__V1__INDEX_JOB_PARAMS__OPT_MAX_WALK_LENGTH_MAX_WALK_LENGTH
                p.pointee.max_walk_length = wireUInt32(v)
            }
            if let v = params.restartProbability {
                p.pointee.opt_alpha_case = PPR__V1__INDEX_JOB_PARAMS__OPT_ALPHA_ALPHA
                p.pointee.alpha = v
            }
            if let v = params.seed {
                p.pointee.opt_seed_case = PPR__V1__INDEX_JOB_PARAMS__OPT_SEED_SEED
                p.pointee.seed = v
            }
            if let v = params.threads {
                p.pointee.opt_threads_case = PPR__V1__INDEX_JOB_PARAMS__OPT_THREADS_THREADS
                p.pointee.threads = wireUInt32(v)
            }
            m.pointee.params_case = PPR__V1__SUBMIT_JOB_REQUEST__PARAMS_INDEX
            m.pointee.index = p
        case .batchQuery(let params):
            let p = message(ppr__v1__batch_query_job_params__init)
            p.pointee.input_path = string(params.inputPath)
            p.pointee.output_path = string(params.outputPath)
            if let v = params.topK {
                p.pointee.opt_top_k_case = PPR__V1__BATCH_QUERY_JOB_PARAMS__OPT_TOP_K_TOP_K
                p.pointee.top_k = wireUInt32(v)
            }
            if let v = params.eps {
                p.pointee.opt_eps_case = PPR__V1__BATCH_QUERY_JOB_PARAMS__OPT_EPS_EPS
                p.pointee.eps = v
            }
            if let v = params.maxLevels {
                p.pointee.opt_max_levels_case = PPR__V1__BATCH_QUERY_JOB_PARAMS__OPT_MAX_LEVELS_MAX_LEVELS
                p.pointee.max_levels = wireUInt32(v)
            }
            p.pointee.exclude_sources = params.excludeSources ? 1 : 0
            p.pointee.exclude_out_neighbors = params.excludeOutNeighbors ? 1 : 0
            if let v = params.accuracy { p.pointee.accuracy = string(v) }
            m.pointee.params_case = PPR__V1__SUBMIT_JOB_REQUEST__PARAMS_BATCH_QUERY
            m.pointee.batch_query = p
        case .evaluate(let params):
            let p = message(ppr__v1__evaluate_job_params__init)
            if let v = params.sampleCount {
                p.pointee.opt_sample_count_case = PPR__V1__EVALUATE_JOB_PARAMS__OPT_SAMPLE_COUNT_SAMPLE_COUNT
                p.pointee.sample_count = wireUInt32(v)
            }
            if let v = params.seed {
                p.pointee.opt_seed_case = PPR__V1__EVALUATE_JOB_PARAMS__OPT_SEED_SEED
                p.pointee.seed = v
            }
            if let v = params.topK {
                p.pointee.opt_top_k_case = PPR__V1__EVALUATE_JOB_PARAMS__OPT_TOP_K_TOP_K
                p.pointee.top_k = wireUInt32(v)
            }
            if let v = params.eps {
                p.pointee.opt_eps_case = PPR__V1__EVALUATE_JOB_PARAMS__OPT_EPS_EPS
                p.pointee.eps = v
            }
            if let v = params.maxLevels {
                p.pointee.opt_max_levels_case = PPR__V1__EVALUATE_JOB_PARAMS__OPT_MAX_LEVELS_MAX_LEVELS
                p.pointee.max_levels = wireUInt32(v)
            }
            if let v = params.accuracy { p.pointee.accuracy = string(v) }
            m.pointee.params_case = PPR__V1__SUBMIT_JOB_REQUEST__PARAMS_EVALUATE
            m.pointee.evaluate = p
        case .export(let params):
            let p = message(ppr__v1__export_job_params__init)
            p.pointee.output_path = string(params.outputPath)
            if let v = params.topK {
                p.pointee.opt_top_k_case = PPR__V1__EXPORT_JOB_PARAMS__OPT_TOP_K_TOP_K
                p.pointee.top_k = wireUInt32(v)
            }
            p.pointee.sources_path = string(params.sourcesPath)
            p.pointee.accuracy = string(params.accuracy)
            m.pointee.params_case = PPR__V1__SUBMIT_JOB_REQUEST__PARAMS_EXPORT
            m.pointee.export = p
        }
        return m
    }

    func jobRecord(_ record: JobRecord) -> UnsafeMutablePointer<Ppr__V1__JobRecord> {
        let m = message(ppr__v1__job_record__init)
        m.pointee.id = record.id
        m.pointee.type = cEnum(record.type.rawValue)
        m.pointee.state = cEnum(record.state.rawValue)
        m.pointee.progress_done = wireUInt64(record.progressDone)
        m.pointee.progress_total = wireUInt64(record.progressTotal)
        m.pointee.created_unix_micros = record.createdUnixMicros
        if let v = record.startedUnixMicros {
            m.pointee.opt_started_unix_micros_case = PPR__V1__JOB_RECORD__OPT_STARTED_UNIX_MICROS_STARTED_UNIX_MICROS
            m.pointee.started_unix_micros = v
        }
        if let v = record.finishedUnixMicros {
            m.pointee.opt_finished_unix_micros_case =
                PPR__V1__JOB_RECORD__OPT_FINISHED_UNIX_MICROS_FINISHED_UNIX_MICROS
            m.pointee.finished_unix_micros = v
        }
        m.pointee.error = record.error.map(error)
        m.pointee.result = record.result.map(jobResult)
        m.pointee.spec = jobSpec(record.spec)
        return m
    }

    func jobResult(_ result: JobResult) -> UnsafeMutablePointer<Ppr__V1__JobResult> {
        let m = message(ppr__v1__job_result__init)
        if let v = result.precisionAt10 {
            m.pointee.opt_precision_at_10_case = PPR__V1__JOB_RESULT__OPT_PRECISION_AT_10_PRECISION_AT_10
            m.pointee.precision_at_10 = v
        }
        if let v = result.precisionAt100 {
            m.pointee.opt_precision_at_100_case = PPR__V1__JOB_RESULT__OPT_PRECISION_AT_100_PRECISION_AT_100
            m.pointee.precision_at_100 = v
        }
        if let v = result.l1Error {
            m.pointee.opt_l1_error_case = PPR__V1__JOB_RESULT__OPT_L1_ERROR_L1_ERROR
            m.pointee.l1_error = v
        }
        m.pointee.output_path = string(result.outputPath)
        m.pointee.index_version = result.indexVersion
        m.pointee.queries_answered = wireUInt64(result.queriesAnswered)
        m.pointee.export_rows = wireUInt64(result.exportRows)
        m.pointee.export_entries = wireUInt64(result.exportEntries)
        if let v = result.restartProbability {
            m.pointee.opt_restart_probability_case = PPR__V1__JOB_RESULT__OPT_RESTART_PROBABILITY_RESTART_PROBABILITY
            m.pointee.restart_probability = v
        }
        if let v = result.meanErrorEstimate {
            m.pointee.opt_mean_error_estimate_case = PPR__V1__JOB_RESULT__OPT_MEAN_ERROR_ESTIMATE_MEAN_ERROR_ESTIMATE
            m.pointee.mean_error_estimate = v
        }
        if let v = result.maxErrorEstimate {
            m.pointee.opt_max_error_estimate_case = PPR__V1__JOB_RESULT__OPT_MAX_ERROR_ESTIMATE_MAX_ERROR_ESTIMATE
            m.pointee.max_error_estimate = v
        }
        return m
    }

    func listJobs(_ request: ListJobsRequest) -> UnsafeMutablePointer<Ppr__V1__ListJobsRequest> {
        let m = message(ppr__v1__list_jobs_request__init)
        m.pointee.limit = wireUInt32(request.limit)
        if let state = request.state {
            m.pointee.opt_state_case = PPR__V1__LIST_JOBS_REQUEST__OPT_STATE_STATE
            m.pointee.state = cEnum(state.rawValue)
        }
        return m
    }

    func jobList(_ response: ListJobsResponse) -> UnsafeMutablePointer<Ppr__V1__ListJobsResponse> {
        let m = message(ppr__v1__list_jobs_response__init)
        m.pointee.n_jobs = response.jobs.count
        m.pointee.jobs = messages(response.jobs.map(jobRecord))
        return m
    }
}
