internal import CPPRProto

// Job messages.
extension ProtoDecode {
    static func jobSpec(_ c: Ppr__V1__SubmitJobRequest) throws(WireDecodeError) -> JobSpec {
        switch c.params_case {
        case PPR__V1__SUBMIT_JOB_REQUEST__PARAMS_INDEX:
            let p = try required(c.index, "SubmitJobRequest.index")
            return .index(
                IndexJobParams(
                    walksPerVertex: isSet(p.opt_walks_per_vertex_case) ? Int(p.walks_per_vertex) : nil,
                    maxWalkLength: isSet(p.opt_max_walk_length_case) ? Int(p.max_walk_length) : nil,
                    restartProbability: isSet(p.opt_alpha_case) ? p.alpha : nil,
                    seed: isSet(p.opt_seed_case) ? p.seed : nil,
                    threads: isSet(p.opt_threads_case) ? Int(p.threads) : nil
                )
            )
        case PPR__V1__SUBMIT_JOB_REQUEST__PARAMS_BATCH_QUERY:
            let p = try required(c.batch_query, "SubmitJobRequest.batch_query")
            return .batchQuery(
                BatchQueryJobParams(
                    inputPath: string(p.input_path), outputPath: string(p.output_path),
                    topK: isSet(p.opt_top_k_case) ? Int(p.top_k) : nil,
                    eps: isSet(p.opt_eps_case) ? p.eps : nil,
                    maxLevels: isSet(p.opt_max_levels_case) ? Int(p.max_levels) : nil,
                    excludeSources: p.exclude_sources != 0, excludeOutNeighbors: p.exclude_out_neighbors != 0,
                    accuracy: optionalString(p.accuracy)
                )
            )
        case PPR__V1__SUBMIT_JOB_REQUEST__PARAMS_EVALUATE:
            let p = try required(c.evaluate, "SubmitJobRequest.evaluate")
            return .evaluate(
                EvaluateJobParams(
                    sampleCount: isSet(p.opt_sample_count_case) ? Int(p.sample_count) : nil,
                    seed: isSet(p.opt_seed_case) ? p.seed : nil,
                    topK: isSet(p.opt_top_k_case) ? Int(p.top_k) : nil,
                    eps: isSet(p.opt_eps_case) ? p.eps : nil,
                    maxLevels: isSet(p.opt_max_levels_case) ? Int(p.max_levels) : nil,
                    accuracy: optionalString(p.accuracy)
                )
            )
        case PPR__V1__SUBMIT_JOB_REQUEST__PARAMS_EXPORT:
            let p = try required(c.export, "SubmitJobRequest.export")
            return .export(
                ExportJobParams(
                    outputPath: string(p.output_path), topK: isSet(p.opt_top_k_case) ? Int(p.top_k) : nil,
                    sourcesPath: string(p.sources_path), accuracy: string(p.accuracy)))
        default:
            throw WireDecodeError("SubmitJobRequest carries no job parameters")
        }
    }

    static func jobResult(_ c: Ppr__V1__JobResult) -> JobResult {
        JobResult(
            precisionAt10: isSet(c.opt_precision_at_10_case) ? c.precision_at_10 : nil,
            precisionAt100: isSet(c.opt_precision_at_100_case) ? c.precision_at_100 : nil,
            l1Error: isSet(c.opt_l1_error_case) ? c.l1_error : nil,
            outputPath: string(c.output_path), indexVersion: c.index_version,
            queriesAnswered: count(c.queries_answered), exportRows: count(c.export_rows),
            exportEntries: count(c.export_entries),
            restartProbability: isSet(c.opt_restart_probability_case) ? c.restart_probability : nil,
            meanErrorEstimate: isSet(c.opt_mean_error_estimate_case) ? c.mean_error_estimate : nil,
            maxErrorEstimate: isSet(c.opt_max_error_estimate_case) ? c.max_error_estimate : nil
        )
    }

    static func jobRecord(_ c: Ppr__V1__JobRecord) throws(WireDecodeError) -> JobRecord {
        JobRecord(
            id: c.id, spec: try jobSpec(try required(c.spec, "JobRecord.spec")),
            state: try known(c.state, "JobRecord.state"),
            progressDone: count(c.progress_done), progressTotal: count(c.progress_total),
            createdUnixMicros: c.created_unix_micros,
            startedUnixMicros: isSet(c.opt_started_unix_micros_case) ? c.started_unix_micros : nil,
            finishedUnixMicros: isSet(c.opt_finished_unix_micros_case) ? c.finished_unix_micros : nil,
            error: c.error.map { error($0.pointee) }, result: c.result.map { jobResult($0.pointee) }
        )
    }

    static func listJobs(_ c: Ppr__V1__ListJobsRequest) throws(WireDecodeError) -> ListJobsRequest {
        ListJobsRequest(
            limit: Int(c.limit), state: isSet(c.opt_state_case) ? try known(c.state, "ListJobsRequest.state") : nil
        )
    }

    static func jobList(_ c: Ppr__V1__ListJobsResponse) throws(WireDecodeError) -> ListJobsResponse {
        ListJobsResponse(jobs: try messages(c.n_jobs, c.jobs, jobRecord))
    }
}
